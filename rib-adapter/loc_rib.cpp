#include "loc_rib.hpp"

namespace cats::rib {

std::vector<RibEvent> LocRib::update(const AdjRibIn& peer, std::span<const PrefixKey> changed) {
  std::vector<RibEvent> events;
  for (const auto& key : changed) {
    auto current = peer.paths(key);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      if (current.empty()) continue;
      it = entries_.emplace(key, RibEntry{}).first;
    }
    RibEntry& e = it->second;
    std::optional<PathRef> old_best;
    if (const auto* b = e.best_path()) old_best = *b;

    // Keep the other peers' paths; this peer's are replaced, reusing the
    // PathInfo of a path whose attributes did not change.
    RibEntry next;
    next.paths.reserve(e.paths.size() + current.size());
    next.infos.reserve(e.paths.size() + current.size());
    std::vector<std::pair<PathRef, PathInfo>> mine;
    for (std::size_t i = 0; i < e.paths.size(); ++i) {
      if (e.paths[i].peer == peer.id()) {
        mine.emplace_back(std::move(e.paths[i]), e.infos[i]);
      } else {
        next.paths.push_back(std::move(e.paths[i]));
        next.infos.push_back(e.infos[i]);
      }
    }
    paths_ -= mine.size();
    for (const auto& p : current) {
      const AdjRoute& r = *p.route;
      PathInfo info;
      bool cached = false;
      for (const auto& [ref, old] : mine) {
        if (ref.path_id == p.path_id && ref.attrs == r.attrs) {
          info = old;
          cached = true;
          break;
        }
      }
      if (!cached) info = make_path_info(r.attrs->attrs(), peer.facts());
      info.path_id = p.path_id;
      info.received_seq = r.arrival.seq;
      info.stale = r.stale;
      next.paths.push_back({peer.id(), p.path_id, r.attrs});
      next.infos.push_back(info);
    }
    paths_ += current.size();

    ++recomputed_;
    if (auto sel = select_best(next.infos, cfg_)) {
      next.best = sel->index;
      next.reason = sel->reason;
    }
    std::optional<PathRef> new_best;
    if (const auto* b = next.best_path()) new_best = *b;

    RibEvent ev{key, RibEvent::Kind::kPathsChanged, old_best, new_best};
    if (!new_best && old_best)
      ev.kind = RibEvent::Kind::kBestWithdrawn;
    else if (new_best != old_best)
      ev.kind = RibEvent::Kind::kBestChanged;
    if (next.paths.empty()) {
      entries_.erase(it);
    } else {
      e = std::move(next);
      ev.entry = &e;  // std::map: stays valid while other keys come and go
    }
    events.push_back(std::move(ev));
  }
  return events;
}

const RibEntry* LocRib::find(const PrefixKey& k) const {
  auto it = entries_.find(k);
  return it == entries_.end() ? nullptr : &it->second;
}

LocRibStats LocRib::stats() const {
  return {.prefixes = entries_.size(), .paths = paths_, .recomputed = recomputed_};
}

}  // namespace cats::rib
