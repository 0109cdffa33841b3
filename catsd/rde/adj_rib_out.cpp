#include "catsd/rde/adj_rib_out.hpp"

#include <algorithm>
#include <unordered_map>

namespace cats::rde {

using wire::Afi;
using wire::NlriEntry;

namespace {

// RFC 6793 §4.2.2: towards a 2-octet-AS peer, ASNs above 65535 go out as
// AS_TRANS and the real path (confederation segments left out) and
// aggregator travel in AS4_PATH / AS4_AGGREGATOR.
void add_as4_attributes(wire::AttributeSet& attrs) {
  bool changed = false;
  if (const auto* p = attrs.get<wire::AsPath>(wire::attr::kAsPath)) {
    wire::AsPath real;
    bool wide = false;
    for (const auto& seg : p->segments) {
      if (seg.type == wire::SegmentType::kConfedSequence || seg.type == wire::SegmentType::kConfedSet) continue;
      real.segments.push_back(seg);
      for (auto a : seg.asns) wide = wide || a > 0xffff;
    }
    if (wide) {
      wire::Attribute a;
      a.flags = wire::attr::kOptional | wire::attr::kTransitive;
      a.type = wire::attr::kAs4Path;
      a.value = std::move(real);
      attrs.set(std::move(a));
      changed = true;
    }
  }
  if (const auto* g = attrs.get<wire::Aggregator>(wire::attr::kAggregator); g != nullptr && g->asn > 0xffff) {
    wire::Aggregator as4 = *g;
    as4.four_octet = true;
    wire::Attribute a;
    a.flags = wire::attr::kOptional | wire::attr::kTransitive;
    a.type = wire::attr::kAs4Aggregator;
    a.value = as4;
    attrs.set(std::move(a));
    changed = true;
  }
  if (!changed) return;
  auto& list = attrs.mutable_list();
  std::stable_sort(list.begin(), list.end(), [](const auto& x, const auto& y) { return x.type < y.type; });
  attrs.reindex();
}

}  // namespace

void AdjRibOut::set(const rib::PrefixKey& k, std::vector<DesiredPath> desired, bool add_path) {
  auto it = table_.find(k);
  if (it == table_.end() && desired.empty()) return;  // nothing was, nothing is (a path it sent, a denied one)
  std::vector<OutPath> old;
  if (it != table_.end()) old = std::move(it->second);
  std::vector<OutPath> next;
  next.reserve(desired.size());
  if (!add_path) {
    if (desired.size() > 1) desired.resize(1);
    if (!desired.empty()) next.push_back({desired[0].source, 0, desired[0].attrs});
  } else {
    // Keep the id of a source already advertised; new sources take the
    // smallest id in use by nobody.
    std::vector<std::uint32_t> used;
    for (const auto& d : desired)
      for (const auto& o : old)
        if (o.source == d.source) used.push_back(o.id);
    std::uint32_t next_id = 1;
    for (const auto& d : desired) {
      auto o = std::find_if(old.begin(), old.end(), [&](const OutPath& p) { return p.source == d.source; });
      std::uint32_t id = 0;
      if (o != old.end()) {
        id = o->id;
      } else {
        while (std::find(used.begin(), used.end(), next_id) != used.end()) ++next_id;
        id = next_id;
        used.push_back(id);
      }
      next.push_back({d.source, id, d.attrs});
    }
  }
  for (const auto& o : old) {
    auto n = std::find_if(next.begin(), next.end(), [&](const OutPath& p) { return p.id == o.id; });
    if (n == next.end()) pending_[{k, o.id}] = nullptr;
  }
  for (const auto& n : next) {
    auto o = std::find_if(old.begin(), old.end(), [&](const OutPath& p) { return p.id == n.id; });
    // The table already includes what is pending, so unchanged means nothing to send.
    if (o == old.end() || o->attrs != n.attrs) pending_[{k, n.id}] = n.attrs;
  }
  if (next.empty()) {
    if (it != table_.end()) table_.erase(it);
  } else if (it != table_.end()) {
    it->second = std::move(next);
  } else {
    table_.emplace(k, std::move(next));
  }
}

void AdjRibOut::resend(wire::Family f) {
  for (const auto& [k, paths] : table_)
    if (k.family == f)
      for (const auto& p : paths) pending_[{k, p.id}] = p.attrs;
}

void AdjRibOut::clear() {
  table_.clear();
  pending_.clear();
}

std::vector<wire::Bytes> AdjRibOut::flush(const wire::EncodeContext& ctx) {
  std::vector<wire::Bytes> out;
  auto entry = [&](const PendingKey& pk) {
    const Afi afi = pk.first.prefix.afi;
    return NlriEntry{pk.first.prefix,
                     ctx.add_path.for_afi(afi) ? std::optional<std::uint32_t>(pk.second) : std::nullopt};
  };
  // Withdrawals first, so a path id reused in this round is announced after.
  std::vector<NlriEntry> withdraw[2];
  struct Group {
    const rib::StoredAttrs* attrs;
    Afi afi;
    std::vector<NlriEntry> prefixes;
  };
  std::vector<Group> groups;
  std::unordered_map<const rib::StoredAttrs*, std::size_t> group_of;
  for (const auto& [pk, attrs] : pending_) {
    const int fam = pk.first.prefix.afi == Afi::kIpv4 ? 0 : 1;
    if (!attrs) {
      withdraw[fam].push_back(entry(pk));
      continue;
    }
    auto [g, inserted] = group_of.try_emplace(attrs.get(), groups.size());
    if (inserted) groups.push_back({attrs.get(), pk.first.prefix.afi, {}});
    groups[g->second].prefixes.push_back(entry(pk));
  }
  for (int fam = 0; fam < 2; ++fam) {
    if (withdraw[fam].empty()) continue;
    auto packed = wire::pack_withdrawals(fam == 0 ? Afi::kIpv4 : Afi::kIpv6, withdraw[fam], ctx);
    for (auto& m : packed.messages) out.push_back(std::move(m));
  }
  for (const auto& g : groups) {
    wire::AttributeSet attrs = g.attrs->attrs();
    attrs.erase(wire::attr::kMpReach);
    if (g.afi == Afi::kIpv6) attrs.erase(wire::attr::kNextHop);
    if (!ctx.as4) add_as4_attributes(attrs);
    auto packed = wire::pack_announcements(attrs, g.afi, g.attrs->next_hop(), g.prefixes, ctx);
    for (auto& m : packed.messages) out.push_back(std::move(m));
  }
  pending_.clear();
  return out;
}

std::size_t AdjRibOut::count(wire::Family f) const {
  std::size_t n = 0;
  for (const auto& [k, paths] : table_)
    if (k.family == f) n += paths.size();
  return n;
}

OutStats AdjRibOut::stats() const {
  OutStats s;
  s.prefixes = table_.size();
  for (const auto& [k, paths] : table_) s.paths += paths.size();
  s.pending = pending_.size();
  return s;
}

const std::vector<std::pair<std::uint32_t, rib::AttrsRef>>* AdjRibOut::find(const rib::PrefixKey& k) const {
  auto it = table_.find(k);
  if (it == table_.end()) return nullptr;
  view_.clear();
  for (const auto& p : it->second) view_.emplace_back(p.id, p.attrs);
  return &view_;
}

}  // namespace cats::rde
