#include "rib-adapter/rib/loc_rib.hpp"

#include <algorithm>

namespace cats::rib {

PathInfo LocRib::path_info(const RibEntry& e, std::size_t i) const {
  const AdjRoute& r = e.paths()[i];
  PathInfo info = r.attrs->keys();
  const PeerFacts& facts = table_.facts(r.peer);
  info.peer = facts;
  info.neighbor_as = neighbor_as(info.as_path, facts.type, facts.asn, facts.local_asn);
  info.path_id = r.path_id;
  info.received_seq = r.seq;
  info.stale = r.stale;
  const NexthopState nh = r.attrs->nexthop();
  info.next_hop_reachable = nh.reachable;
  info.igp_cost = nh.metric;
  return info;
}

void LocRib::decide(RibEntry& e) {
  ++recomputed_;
  e.clear_best();
  e.set_reason(Step::kOnlyPath);
  if (e.paths().empty()) return;
  // One path: usable unless its next hop is unreachable (RFC 4271 §9.1.2.1);
  // no PathInfo is needed, select_best agrees.
  if (e.paths().size() == 1) {
    if (e.paths()[0].attrs->nexthop().reachable) e.set_best(0);
    return;
  }
  scratch_.clear();
  for (std::size_t i = 0; i < e.paths().size(); ++i) scratch_.push_back(path_info(e, i));
  if (auto sel = select_best(scratch_, cfg_)) {
    e.set_best(sel->index);
    e.set_reason(sel->reason);
    if (override_) {
      if (auto o = override_(e); o && *o != sel->index && *o < e.paths().size()) {
        e.set_best(*o);
        e.set_reason(Step::kCats);
      }
    }
  }
}

RibEvent LocRib::decide_event(RibEntry& e) {
  std::optional<PathKey> old_id;
  if (const auto* b = e.best_path()) old_id = PathKey{b->peer, b->path_id};
  const bool had = e.had_best;
  const bool touched = e.best_touched;
  decide(e);
  e.best_touched = false;
  e.had_best = e.best().has_value();

  RibEvent ev{e.key, RibEvent::Kind::kPathsChanged, std::nullopt, nullptr};
  if (const auto* b = e.best_path()) {
    ev.new_best = PathKey{b->peer, b->path_id};
    if (!had || touched || old_id != ev.new_best) ev.kind = RibEvent::Kind::kBestChanged;
  } else if (had) {
    ev.kind = RibEvent::Kind::kBestWithdrawn;
  }
  if (e.paths().empty()) {
    table_.erase(e);
  } else {
    ev.entry = &e;
  }
  return ev;
}

std::vector<RibEvent> LocRib::update(const AdjRibIn& /*peer*/, std::span<const PrefixKey> changed) {
  // After a peer goes down this walks its whole table: prefetched, the
  // index's cache misses overlap.
  std::vector<RibEvent> events;
  events.reserve(changed.size());
  table_.for_each_prefetched(
      changed, [](const PrefixKey& k) -> const PrefixKey& { return k; },
      [&](const PrefixKey&, const PrefixKey& key, std::uint64_t h) {
        if (RibEntry* e = table_.find(key, h)) events.push_back(decide_event(*e));
      });
  return events;
}

std::vector<RibEvent> LocRib::update_entries(std::span<RibEntry* const> entries) {
  std::vector<RibEvent> events;
  events.reserve(entries.size());
  for (RibEntry* e : entries) {
    e->queued = false;
    if (e->live) events.push_back(decide_event(*e));
  }
  return events;
}

std::vector<RibEvent> LocRib::nexthops_changed(std::span<const NexthopTable::Entry* const> changed) {
  std::vector<RibEvent> events;
  if (changed.empty()) return events;
  std::vector<RibEntry*> hit;
  table_.for_each([&](RibEntry& e) {
    for (const auto& p : e.paths()) {
      if (std::find(changed.begin(), changed.end(), p.attrs->nexthop_entry()) == changed.end()) continue;
      hit.push_back(&e);
      break;
    }
  });
  // Decided after the walk: a decision may free an entry.
  for (RibEntry* e : hit) events.push_back(decide_event(*e));
  return events;
}

LocRibStats LocRib::stats() const {
  LocRibStats s{.prefixes = table_.size(), .paths = 0, .recomputed = recomputed_};
  table_.for_each([&](const RibEntry& e) { s.paths += e.paths().size(); });
  return s;
}

}  // namespace cats::rib
