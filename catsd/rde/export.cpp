#include "catsd/rde/export.hpp"

#include <algorithm>

#include "bgp-ext/wire/path_attributes.hpp"
#include "yang/config/config.hpp"

namespace cats::rde {
namespace {

using namespace cats::wire;

bool is_ebgp(rib::Neighbor n) {
  return n == rib::Neighbor::kExternal;
}

ExportVerdict community_verdict(const AttributeSet& attrs, rib::Neighbor to) {
  const auto* c = attrs.get<Communities>(attr::kCommunities);
  if (c == nullptr) return ExportVerdict::kAdvertise;
  for (auto v : c->values) {
    if (v == config::kNoAdvertise) return ExportVerdict::kCommunity;
    if ((v == config::kNoExport || v == config::kNoExportSubconfed) && is_ebgp(to)) return ExportVerdict::kCommunity;
  }
  return ExportVerdict::kAdvertise;
}

AsPath prepend(const AsPath* in, std::uint32_t asn) {
  AsPath out;
  if (in != nullptr) out.segments = in->segments;
  out.four_octet = true;
  if (!out.segments.empty() && out.segments.front().type == SegmentType::kSequence &&
      out.segments.front().asns.size() < 255) {
    out.segments.front().asns.insert(out.segments.front().asns.begin(), asn);
  } else {
    out.segments.insert(out.segments.begin(), AsSegment{SegmentType::kSequence, {asn}});
  }
  return out;
}

bool unspecified(ByteSpan nh) {
  return std::all_of(nh.begin(), nh.end(), [](std::byte b) { return b == std::byte{0}; });
}

}  // namespace

namespace {

ExportResult build(const rib::StoredAttrs& path, Afi afi, const Prefix* prefix, const ExportSource& from,
                   const ExportTarget& to, rib::AttrStore& store) {
  const auto how = rib::advertise(from.kind, to.kind, to.client_to_client);
  if (how == rib::Advertise::kNo) return {ExportVerdict::kNotToThisPeer, nullptr};
  const AttributeSet& in = path.attrs();
  if (auto v = community_verdict(in, to.kind); v != ExportVerdict::kAdvertise) return {v, nullptr};
  if (prefix != nullptr && !export_permits(to, *prefix)) return {ExportVerdict::kPolicy, nullptr};

  AttributeSet out = prepare_for_propagation(in);
  out.erase(attr::kNextHop);
  out.erase(attr::kMpReach);
  out.erase(attr::kMpUnreach);

  bool self = from.kind == rib::Neighbor::kLocal || unspecified(path.next_hop());
  if (is_ebgp(to.kind)) {
    out.set(built_attribute(attr::kTransitive, attr::kAsPath, prepend(in.get<AsPath>(attr::kAsPath), to.local_as)));
    out.erase(attr::kLocalPref);
    out.erase(attr::kOriginatorId);
    out.erase(attr::kClusterList);
    out.erase(attr::kAigp);  // RFC 7311: only where AIGP is enabled, off on eBGP by default
    // RFC 4271 §5.1.4: a MED from a neighboring AS stops here; our own may go.
    if (from.kind != rib::Neighbor::kLocal) out.erase(attr::kMed);
    self = true;
  } else {
    if (out.find(attr::kLocalPref) == nullptr)
      out.set(built_attribute(attr::kTransitive, attr::kLocalPref, LocalPref{to.default_local_pref}));
    if (how == rib::Advertise::kReflect) {
      for (auto& a : rib::reflect_attributes(in, from.router_id, to.cluster_id)) out.set(std::move(a));
    } else if (to.next_hop_self) {
      self = true;  // reflected routes keep their next hop, as FRR without "force"
    }
  }
  if (to.policy != nullptr && to.policy->modifies()) out = to.policy->apply(out, to.cats_type);

  // Next hop storage must outlive the intern() call below.
  std::array<std::uint8_t, 16> nh16{};
  ByteSpan nh = path.next_hop();
  if (afi == Afi::kIpv4) {
    std::array<std::uint8_t, 4> v4{};
    if (self || nh.size() != 4) {
      if (!to.self_v4) return {ExportVerdict::kNoNextHop, nullptr};
      v4 = *to.self_v4;
    } else {
      for (std::size_t i = 0; i < 4; ++i) v4[i] = static_cast<std::uint8_t>(nh[i]);
    }
    out.set(built_attribute(attr::kTransitive, attr::kNextHop, NextHop{v4}));
    auto ref = store.intern(out, rib::NextHopIn::kNextHopAttribute);
    return {ref ? ExportVerdict::kAdvertise : ExportVerdict::kRejected, ref};
  }
  if (self || nh.size() < 16) {
    if (!to.self_v6) return {ExportVerdict::kNoNextHop, nullptr};
    nh16 = *to.self_v6;
  } else {
    for (std::size_t i = 0; i < 16; ++i) nh16[i] = static_cast<std::uint8_t>(nh[i]);  // global only
  }
  MpReach mp;
  mp.afi = 2;
  mp.safi = 1;
  mp.next_hop = std::as_bytes(std::span(nh16));
  out.set(built_attribute(attr::kOptional, attr::kMpReach, mp));
  auto ref = store.intern(out, rib::NextHopIn::kMpReach);
  return {ref ? ExportVerdict::kAdvertise : ExportVerdict::kRejected, ref};
}

}  // namespace

ExportResult export_path(const rib::StoredAttrs& path, const Prefix& prefix, const ExportSource& from,
                         const ExportTarget& to, rib::AttrStore& store) {
  return build(path, prefix.afi, &prefix, from, to, store);
}

ExportResult export_attrs(const rib::StoredAttrs& path, Afi afi, const ExportSource& from, const ExportTarget& to,
                          rib::AttrStore& store) {
  return build(path, afi, nullptr, from, to, store);
}

}  // namespace cats::rde
