// Adj-RIB-In of one peer: what the peer announced, after RFC 7606 handling,
// with attributes interned. Owned by the route decision engine (one thread).
// The paths live in the shared RibTable (rib_table.hpp), tagged with the
// peer's id; this class is the peer's view and its bookkeeping (counts,
// max-prefix, import hooks).
//
// apply() takes a decoded UPDATE and its strongest RFC 7606 action:
//   none, attribute-discard: withdrawals (Withdrawn Routes, MP_UNREACH_NLRI)
//     first, then the NLRI field and MP_REACH_NLRI are installed with the set
//     minus the discarded attributes (RFC 4271 §4.3: a prefix in both is
//     announced);
//   treat-as-withdraw: every prefix of the UPDATE, in any of the four places,
//     is removed;
//   session reset: nothing; the session layer resets and then calls clear().
// A withdraw of a path that is not there (E30: unknown ADD-PATH path id) is
// ignored and counted. Only IPv4/IPv6 unicast NLRI are stored; MP_* of other
// families are ignored.
//
// Every mutator returns the (family, prefix) keys whose paths changed, sorted
// and unique, for LocRib::update, which runs the decision for them and frees
// entries left without paths.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "bgp-ext/wire/message.hpp"
#include "rib-adapter/rib/attr_store.hpp"
#include "rib-adapter/rib/path.hpp"
#include "rib-adapter/rib/rib_table.hpp"

namespace cats::rib {

class LocRib;

struct ApplyResult {
  std::vector<PrefixKey> changed;          // sorted, unique
  std::vector<RibEntry*> entries;          // the same prefixes' entries, unique, for LocRib::update_entries
  bool applied = true;                     // false: session reset, nothing done
  std::size_t installed = 0;               // paths added or replaced
  std::size_t withdrawn = 0;               // paths removed
  std::size_t unknown_withdraws = 0;       // E30: withdraw of a path not held
  std::size_t filtered = 0;                // announcements the import filter refused
  std::optional<wire::Family> end_of_rib;  // the UPDATE was an End-of-RIB marker
  std::vector<wire::Family> over_limit;    // families above their max-prefix after this UPDATE
  std::size_t path_limited = 0;            // new paths refused: the prefix held its share of paths
  std::optional<PrefixKey> first_path_limited;
};

// Import processing configured by the engine (loop checks and policy act
// before a path is stored). A prefix the filter refuses is handled as
// withdrawn; the transform rewrites an UPDATE's attribute set once, before
// interning. Both optional.
struct ImportHooks {
  std::function<bool(const wire::Prefix&)> accept;
  std::function<wire::AttributeSet(const wire::AttributeSet&)> transform;
};

class AdjRibIn {
 public:
  // A peer of `loc`: its paths go into the Loc-RIB's table.
  AdjRibIn(PeerId id, PeerFacts facts, AttrStore& store, LocRib& loc);
  // Stand-alone (tests): a table of its own.
  AdjRibIn(PeerId id, PeerFacts facts, AttrStore& store);
  ~AdjRibIn();
  AdjRibIn(const AdjRibIn&) = delete;
  AdjRibIn& operator=(const AdjRibIn&) = delete;

  PeerId id() const { return id_; }
  const PeerFacts& facts() const { return facts_; }
  void set_facts(const PeerFacts& f);  // re-established after a graceful restart
  void set_import(ImportHooks h) { hooks_ = std::move(h); }
  const RibTable& table() const { return *table_; }

  ApplyResult apply(const wire::Update& u, wire::Action action, Arrival at);
  // The same, adding to `r` (several UPDATEs decided once: the engine's batch).
  // Only `entries` and the counts accumulate; `changed` is not built and the
  // entries stay queued until LocRib::update_entries decides them. end_of_rib
  // and over_limit are this UPDATE's.
  void apply_to(const wire::Update& u, wire::Action action, Arrival at, ApplyResult& r);
  // The Update body and strongest action of a decoded message; other bodies do nothing.
  ApplyResult apply(const wire::Decoded& d, Arrival at);

  // Graceful restart (RFC 4724) and enhanced route refresh (RFC 7313 BoRR):
  // every path of the family becomes stale; an announcement makes it fresh.
  std::vector<PrefixKey> mark_stale(wire::Family f);
  // End-of-RIB, EoRR or the restart/stale timer: remove what is still stale.
  std::vector<PrefixKey> sweep_stale(wire::Family f);
  std::vector<PrefixKey> begin_refresh(wire::Family f) { return mark_stale(f); }
  std::vector<PrefixKey> end_refresh(wire::Family f) { return sweep_stale(f); }
  // Session down without graceful restart, or after a reset.
  std::vector<PrefixKey> clear();

  // Max-prefix: number of paths (ADD-PATH paths each count) allowed per family.
  void set_max_prefix(wire::Family f, std::optional<std::size_t> limit);
  bool over_limit(wire::Family f) const;

  // Paths this peer may hold for one prefix (with ADD-PATH, each id
  // counts); the table's path_limit() caps all peers together. A new path
  // beyond either is refused and counted in ApplyResult::path_limited.
  static constexpr std::size_t kDefaultPathsPerPrefix = 256;
  void set_paths_per_prefix(std::size_t n) { paths_per_prefix_ = n; }
  // Paths refused since the last take_refused(); room_for_refused(): a path
  // was removed since then from a prefix where one had been refused, so a
  // route refresh could bring refused paths back.
  std::size_t refused() const { return refused_; }
  bool room_for_refused() const { return refused_ > 0 && table_->freed() > refused_freed_; }
  std::size_t take_refused() { return std::exchange(refused_, 0); }

  // Paths of one prefix, by path id (0 without ADD-PATH).
  struct PathEntry {
    std::uint32_t path_id;
    const AdjRoute* route;
  };
  std::vector<PathEntry> paths(const PrefixKey& k) const;
  const AdjRoute* find(const PrefixKey& k, std::uint32_t path_id) const;
  std::size_t count(wire::Family f) const;
  std::size_t size() const;

 private:
  struct FamilyCount {
    wire::Family family;
    std::size_t paths = 0;
    std::optional<std::size_t> max;
  };

  FamilyCount& counter(wire::Family f);
  const FamilyCount* find_counter(wire::Family f) const;
  void install(wire::Family f, const wire::NlriView& v, const AttrsRef& attrs, Arrival at, ApplyResult& r);
  void withdraw(wire::Family f, const wire::NlriView& v, ApplyResult& r);
  bool remove(RibEntry& e, std::uint32_t path_id);  // this peer's path; false if absent
  static void touched(RibEntry& e, ApplyResult& r);
  // Walks this peer's paths of family f (all families if nullopt); fn(entry, index) returns
  // true when it changed the entry (the key is reported).
  template <class Fn>
  std::vector<PrefixKey> walk(std::optional<wire::Family> f, Fn&& fn);

  PeerId id_;
  PeerFacts facts_;
  AttrStore* store_;               // not owning: the engine's store outlives its Adj-RIB-Ins
  std::unique_ptr<RibTable> own_;  // stand-alone only
  RibTable* table_;                // the Loc-RIB's, or own_
  std::vector<FamilyCount> families_;
  ImportHooks hooks_;
  std::size_t paths_per_prefix_ = kDefaultPathsPerPrefix;
  std::size_t refused_ = 0;
  std::uint64_t refused_freed_ = 0;  // the table's freed() at the last refusal
};

}  // namespace cats::rib
