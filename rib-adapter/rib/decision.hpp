// The BGP decision process for the paths of one prefix (RFC 4271 §9.1.2):
// pure functions over PathInfo values, one rule per tie-break step.
//
// Step order (the Step enum lists them in this order):
//   reachable next hop (§9.1.2.1), fresh over stale, higher LOCAL_PREF,
//   locally originated, AIGP (RFC 7311 §4, when enabled), shorter AS_PATH,
//   lower ORIGIN, lower MED within one neighbor AS, eBGP over iBGP, lower IGP
//   cost to the next hop, oldest eBGP path (RFC 5004, when chosen), lower
//   router id or ORIGINATOR_ID (RFC 4456 §9), shorter CLUSTER_LIST, lower peer
//   address, lower ADD-PATH path id.
//
// MED is not transitive: a cannot be compared with c when they come from
// different neighbor ASes, so a pairwise tournament can depend on the input
// order. select_best therefore runs the steps as RFC 4271 §9.1.2.2 states them,
// as eliminations over the whole set: each step removes every path that another
// remaining path beats at that step. The result does not depend on the order
// of the paths. It is also the path "deterministic MED" picks (the best of each
// neighbor AS first, then the best of those; the tests check the two agree), so
// there is no separate mode for it. An unknown IGP cost is equal to any cost:
// such a path neither removes nor is removed at that step.
//
// Cost: when every step is a total order on the set (one neighbor AS or
// always-compare-med; IGP costs all known or all unknown), one pass of
// pairwise comparisons, which give the same answer there. Otherwise one pass
// per step, and a pass over pairs for the three steps that are not total
// orders (MED, IGP cost, oldest eBGP), among the paths still left. No
// allocation up to 16 paths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "bgp-ext/wire/path_attributes.hpp"
#include "rib-adapter/rib/path.hpp"

namespace cats::rib {

enum class Step : std::uint8_t {
  kUnreachable,
  kStale,
  kLocalPref,
  kLocallyOriginated,
  kAigp,
  kAsPathLength,
  kOrigin,
  kMed,
  kEbgpOverIbgp,
  kIgpCost,
  kOldestEbgp,
  kRouterId,
  kClusterListLength,
  kPeerAddress,
  kPathId,
  kOnlyPath,  // select_best: a single usable path, nothing to compare
  kEqual,     // no step tells the paths apart
  kCats,      // not a decision step: the CATS selection chose the best (LocRib::set_best_override)
};

std::string_view step_name(Step s);  // "local-pref", "as-path-length", ...

struct MultipathConfig {
  std::size_t ebgp_max = 1;    // paths installed when the best is eBGP (1: no multipath)
  std::size_t ibgp_max = 1;    // ... when the best is iBGP or confederation eBGP
  bool as_path_relax = false;  // equal AS_PATH length is enough; otherwise the AS_PATHs must be identical
};

struct DecisionConfig {
  std::uint32_t default_local_pref = 100;
  bool always_compare_med = false;    // compare MED across neighbor ASes
  bool med_missing_as_worst = false;  // a missing MED is 2^32-1 instead of 0 (RFC 4271 says 0)
  bool aigp = false;                  // RFC 7311 §4 step after LOCAL_PREF
  bool prefer_oldest_ebgp = false;    // RFC 5004: between eBGP paths the older wins, before router id
  MultipathConfig multipath;
};

enum class Better : std::uint8_t { kFirst, kSecond, kNeither };

struct Comparison {
  Better better = Better::kNeither;
  Step step = Step::kEqual;  // the step that decided
  bool operator==(const Comparison&) const = default;
};

// Pairwise comparison: the first step that tells a and b apart. Sorting or a
// tournament with it is not order-independent when MEDs are involved (see
// above); use select_best for the set.
Comparison compare(const PathInfo& a, const PathInfo& b, const DecisionConfig& cfg);

struct Selection {
  std::size_t index = 0;          // into the span given to select_best
  Step reason = Step::kOnlyPath;  // the step that removed the last other path
  bool operator==(const Selection&) const = default;
};

// The best path, or nullopt when no path has a reachable next hop. When every
// step orders the paths totally (MEDs comparable, IGP costs all known or all
// unknown) one pass of compare() gives the eliminations' answer, and is used.
std::optional<Selection> select_best(std::span<const PathInfo> paths, const DecisionConfig& cfg);
// The eliminations always (tests check select_best against it).
std::optional<Selection> select_best_by_elimination(std::span<const PathInfo> paths, const DecisionConfig& cfg);

// The multipath set: the best path first, then the paths equal to it up to and
// including the IGP cost step (same AS_PATH unless as_path_relax), in decision
// order, at most ebgp_max or ibgp_max of them. Empty when there is no best.
std::vector<std::size_t> select_multipath(std::span<const PathInfo> paths, const DecisionConfig& cfg);

// RFC 4271 §9.1.2.2 c) with RFC 5065 §5.3: the first AS of the first
// AS_SEQUENCE, confederation segments skipped; a path without one (originated
// here, or an aggregate starting with an AS_SET) has our AS when learned
// internally and the peer's AS when learned from eBGP.
std::uint32_t neighbor_as(std::span<const wire::AsSegment> path, PeerType type, std::uint32_t peer_asn,
                          std::uint32_t local_asn);
inline std::uint32_t neighbor_as(const wire::AsPath& path, PeerType type, std::uint32_t peer_asn,
                                 std::uint32_t local_asn) {
  return neighbor_as(path.segments, type, peer_asn, local_asn);
}

// Decision keys from the usable (not discarded, well-formed) attributes. The
// AS_PATH must already be the RFC 6793 merge of AS_PATH and AS4_PATH on 2-octet
// sessions. Path state (reachability, IGP cost, stale, path id, arrival) is left
// at its defaults for the RIB to fill in. Missing ORIGIN reads as INCOMPLETE.
PathInfo make_path_info(const wire::AttributeSet& attrs, const PeerFacts& peer);

}  // namespace cats::rib
