// Loc-RIB: per (family, prefix) the candidate paths of every peer's Adj-RIB-In
// and the best one by the decision process (decision.hpp). Owned by the route
// decision engine, one thread, like OpenBGPD's rde.
//
// The engine feeds it the keys an Adj-RIB-In reported changed; only those
// prefixes are recomputed. Peer down is the same call after
// AdjRibIn::clear() (paths gone) or mark_stale_all() (graceful restart).
// Each candidate keeps its PathInfo, whose spans point into the candidate's
// interned attributes, which the candidate holds.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "adj_rib_in.hpp"
#include "decision.hpp"

namespace cats::rib {

// One path in the Loc-RIB: who sent it and with which attributes.
struct PathRef {
  PeerId peer = 0;
  std::uint32_t path_id = 0;
  AttrsRef attrs;
  bool operator==(const PathRef&) const = default;
};

struct RibEntry {
  std::vector<PathRef> paths;
  std::vector<PathInfo> infos;      // parallel to paths: the decision's input, cached
  std::optional<std::size_t> best;  // into paths; none when no path is usable
  Step reason = Step::kOnlyPath;    // the step that decided

  const PathRef* best_path() const { return best ? &paths[*best] : nullptr; }
};

// What changed for one prefix, for the Adj-RIB-Out and the CATS RIB.
struct RibEvent {
  enum class Kind : std::uint8_t {
    kBestChanged,    // another best path, or the best path's attributes changed (also: first best)
    kBestWithdrawn,  // no best path any more
    kPathsChanged,   // same best, other candidates changed (the CATS RIB keeps them all)
  };
  PrefixKey key;
  Kind kind = Kind::kPathsChanged;
  std::optional<PathRef> old_best;
  std::optional<PathRef> new_best;  // events hold the sets they name: drop them after use
  // The prefix's entry after the change (nullptr: no path left). Valid until
  // the Loc-RIB changes again: saves the export a second lookup.
  const RibEntry* entry = nullptr;
};

struct LocRibStats {
  std::size_t prefixes = 0;
  std::size_t paths = 0;
  std::uint64_t recomputed = 0;  // prefixes run through the decision process
};

class LocRib {
 public:
  explicit LocRib(DecisionConfig cfg = {}) : cfg_(cfg) {}

  // Takes `peer`'s current paths for each key (replacing what it had there)
  // and reruns the decision for those prefixes only.
  std::vector<RibEvent> update(const AdjRibIn& peer, std::span<const PrefixKey> changed);
  // Session down: every path of the peer goes, or with graceful restart
  // (RFC 4724) stays as stale until AdjRibIn::sweep_stale.
  std::vector<RibEvent> peer_down(AdjRibIn& peer, bool graceful) {
    const auto changed = graceful ? peer.mark_stale_all() : peer.clear();
    return update(peer, changed);
  }

  const RibEntry* find(const PrefixKey& k) const;
  // Every prefix in order (the initial dump to a new session, show rib).
  const std::map<PrefixKey, RibEntry>& entries() const { return entries_; }
  LocRibStats stats() const;
  const DecisionConfig& config() const { return cfg_; }

 private:
  DecisionConfig cfg_;
  std::map<PrefixKey, RibEntry> entries_;
  std::size_t paths_ = 0;
  std::uint64_t recomputed_ = 0;
};

}  // namespace cats::rib
