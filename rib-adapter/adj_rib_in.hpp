// Adj-RIB-In of one peer: what the peer announced, after RFC 7606 handling,
// with attributes interned. Owned by the route decision engine (one thread).
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
// and unique, for LocRib::update.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "attr_store.hpp"
#include "path.hpp"
#include "wire/message.hpp"

namespace cats::rib {

using PeerId = std::uint32_t;
using Clock = std::chrono::steady_clock;

struct PrefixKey {
  wire::Family family;
  wire::Prefix prefix;
  bool operator==(const PrefixKey&) const = default;
  std::strong_ordering operator<=>(const PrefixKey& o) const {
    return std::tie(family.afi, family.safi, prefix) <=> std::tie(o.family.afi, o.family.safi, o.prefix);
  }
};

inline constexpr wire::Family kIpv4Unicast{1, 1};
inline constexpr wire::Family kIpv6Unicast{2, 1};

// When an UPDATE arrived: the sequence orders paths across peers (RFC 5004
// "oldest"), the time is for display (age).
struct Arrival {
  std::uint64_t seq = 0;
  Clock::time_point time{};
};

struct AdjRoute {
  AttrsRef attrs;
  Arrival arrival;
  bool stale = false;  // graceful restart or enhanced route refresh in progress
};

struct ApplyResult {
  std::vector<PrefixKey> changed;          // sorted, unique
  bool applied = true;                     // false: session reset, nothing done
  std::size_t installed = 0;               // paths added or replaced
  std::size_t withdrawn = 0;               // paths removed
  std::size_t unknown_withdraws = 0;       // E30: withdraw of a path not held
  std::size_t filtered = 0;                // announcements the import filter refused
  std::optional<wire::Family> end_of_rib;  // the UPDATE was an End-of-RIB marker
  std::vector<wire::Family> over_limit;    // families above their max-prefix after this UPDATE
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
  AdjRibIn(PeerId id, PeerFacts facts, AttrStore& store) : id_(id), facts_(facts), store_(&store) {}

  PeerId id() const { return id_; }
  const PeerFacts& facts() const { return facts_; }
  void set_facts(const PeerFacts& f) { facts_ = f; }  // re-established after a graceful restart
  void set_import(ImportHooks h) { hooks_ = std::move(h); }

  ApplyResult apply(const wire::Update& u, wire::Action action, Arrival at);
  // The Update body and strongest action of a decoded message; other bodies do nothing.
  ApplyResult apply(const wire::Decoded& d, Arrival at);

  // Graceful restart (RFC 4724) and enhanced route refresh (RFC 7313 BoRR):
  // every path of the family becomes stale; an announcement makes it fresh.
  std::vector<PrefixKey> mark_stale(wire::Family f);
  std::vector<PrefixKey> mark_stale_all();
  // End-of-RIB, EoRR or the restart/stale timer: remove what is still stale.
  std::vector<PrefixKey> sweep_stale(wire::Family f);
  std::vector<PrefixKey> sweep_stale_all();
  std::vector<PrefixKey> begin_refresh(wire::Family f) { return mark_stale(f); }
  std::vector<PrefixKey> end_refresh(wire::Family f) { return sweep_stale(f); }
  // Session down without graceful restart, or after a reset.
  std::vector<PrefixKey> clear();

  // Max-prefix: number of paths (ADD-PATH paths each count) allowed per family.
  void set_max_prefix(wire::Family f, std::optional<std::size_t> limit);
  bool over_limit(wire::Family f) const;

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
  using Key = std::pair<wire::Prefix, std::uint32_t>;
  using Table = std::map<Key, AdjRoute>;
  struct FamilyTable {
    wire::Family family;
    Table routes;
    std::optional<std::size_t> max;
  };

  FamilyTable& table(wire::Family f);
  const FamilyTable* find_table(wire::Family f) const;
  FamilyTable* find_table(wire::Family f);
  void install(wire::Family f, const wire::NlriView& v, const AttrsRef& attrs, Arrival at, ApplyResult& r);
  void withdraw(wire::Family f, const wire::NlriView& v, ApplyResult& r);

  PeerId id_;
  PeerFacts facts_;
  AttrStore* store_;  // not owning: the engine's store outlives its Adj-RIB-Ins
  std::vector<FamilyTable> families_;
  ImportHooks hooks_;
};

}  // namespace cats::rib
