// Loc-RIB: per (family, prefix) the candidate paths of every peer's Adj-RIB-In
// and the best one by the decision process (decision.hpp). Owned by the route
// decision engine, one thread, like OpenBGPD's rde.
//
// The Loc-RIB owns the table the Adj-RIB-Ins store their paths in
// (rib_table.hpp): a path is stored once. The engine feeds it the keys an
// Adj-RIB-In reported changed; only those prefixes are recomputed. Peer down is
// the same call after AdjRibIn::clear() (paths gone) or mark_stale() per
// family (graceful restart). The decision's input (PathInfo) is assembled per run
// from keys cached in each interned attribute set and the sending peer's facts.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "rib-adapter/rib/adj_rib_in.hpp"
#include "rib-adapter/rib/decision.hpp"
#include "rib-adapter/rib/rib_table.hpp"

namespace cats::rib {

// What changed for one prefix, for the Adj-RIB-Out and the CATS RIB.
struct RibEvent {
  enum class Kind : std::uint8_t {
    kBestChanged,    // another best path, or the best path's attributes changed (also: first best)
    kBestWithdrawn,  // no best path any more
    kPathsChanged,   // same best, other candidates changed (the CATS RIB keeps them all)
  };
  PrefixKey key;
  Kind kind = Kind::kPathsChanged;
  std::optional<PathKey> new_best;  // its attributes: entry->best_path()
  // The prefix's entry after the change (nullptr: no path left). Valid until
  // the entry is erased: saves the export a second lookup.
  const RibEntry* entry = nullptr;
};

struct LocRibStats {
  std::size_t prefixes = 0;
  std::size_t paths = 0;
  std::uint64_t recomputed = 0;  // prefixes run through the decision process
};

class LocRib {
 public:
  // Prefixes a batch of UPDATEs (AdjRibIn::apply_to) collects before they are
  // decided: large enough that one prefix's paths in consecutive UPDATEs are
  // decided together, small enough that the events stay in cache.
  static constexpr std::size_t kBatchEntries = 16384;

  explicit LocRib(DecisionConfig cfg = {}) : cfg_(cfg) {}
  LocRib(const LocRib&) = delete;
  LocRib& operator=(const LocRib&) = delete;

  // Reruns the decision for the prefixes `peer` changed (its paths are already
  // in the table) and frees entries left without paths.
  std::vector<RibEvent> update(const AdjRibIn& peer, std::span<const PrefixKey> changed);
  // The same for ApplyResult::entries (no lookups), which it takes off the
  // queue; valid only until the next update of any kind, which may free entries.
  std::vector<RibEvent> update_entries(std::span<RibEntry* const> entries);
  // Next hops changed state (reachability, IGP cost): reruns the decision for
  // the prefixes with a path through one of them (a walk of the table).
  std::vector<RibEvent> nexthops_changed(std::span<const NexthopTable::Entry* const> changed);

  const RibEntry* find(const PrefixKey& k) const { return table_.find(k); }
  // Every prefix, unordered (the initial dump to a new session) or sorted (show rib).
  template <class F>
  void for_each(F&& f) const {
    table_.for_each(f);
  }
  std::vector<const RibEntry*> sorted() const { return table_.sorted(); }
  // The decision's view of path i of an entry (show commands).
  PathInfo path_info(const RibEntry& e, std::size_t i) const;
  LocRibStats stats() const;
  const DecisionConfig& config() const { return cfg_; }

  // Called after the decision of an entry with a best path: an index makes
  // that path the best instead, with reason Step::kCats (the CATS selection,
  // for prefixes whose class has bgp-best-follows).
  using BestOverride = std::function<std::optional<std::size_t>(const RibEntry&)>;
  void set_best_override(BestOverride f) { override_ = std::move(f); }

  RibTable& table() { return table_; }
  const RibTable& table() const { return table_; }

 private:
  void decide(RibEntry& e);
  RibEvent decide_event(RibEntry& e);

  DecisionConfig cfg_;
  BestOverride override_;
  RibTable table_;
  std::vector<PathInfo> scratch_;  // decision input, reused
  std::uint64_t recomputed_ = 0;
};

}  // namespace cats::rib
