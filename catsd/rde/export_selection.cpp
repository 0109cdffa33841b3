#include "catsd/rde/export_selection.hpp"

#include <algorithm>

#include "bgp-ext/wire/path_attributes.hpp"

namespace cats::rde {

std::vector<SelectedPath> selected_paths(const steer::CatsRib& cats, const rib::RibEntry& e) {
  std::vector<SelectedPath> out;
  const steer::ServiceState* st = cats.find(e.key);
  if (st == nullptr) return out;
  for (const auto& s : st->selected)
    for (std::size_t i = 0; i < e.paths().size(); ++i)
      if (e.paths()[i].peer == s.path.peer && e.paths()[i].path_id == s.path.path_id) out.push_back({i, s.weight});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.weight > b.weight; });
  return out;
}

rib::AttrsRef with_link_bandwidth(const rib::StoredAttrs& exported, wire::Afi afi, std::uint32_t weight,
                                  std::uint32_t local_as, rib::AttrStore& store) {
  using namespace cats::wire;
  AttributeSet out = exported.attrs();
  ExtCommunities ec;
  if (const auto* have = out.get<ExtCommunities>(attr::kExtCommunities)) {
    ec = *have;
    std::erase_if(ec.values, [](std::uint64_t c) { return ExtCommunities::link_bandwidth(c).has_value(); });
  }
  constexpr std::uint32_t kAsTrans = 23456;
  LinkBandwidth lb;
  lb.transitive = true;
  lb.asn = static_cast<std::uint16_t>(local_as <= 0xffff ? local_as : kAsTrans);
  lb.bytes_per_second = static_cast<float>(weight) * kLinkBandwidthPerWeight;
  ec.values.push_back(lb.to_community());
  out.set(built_attribute(attr::kOptional | attr::kTransitive, attr::kExtCommunities, std::move(ec)));
  return store.intern(out, afi == Afi::kIpv4 ? rib::NextHopIn::kNextHopAttribute : rib::NextHopIn::kMpReach);
}

}  // namespace cats::rde
