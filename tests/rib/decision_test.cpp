// The decision process and route reflection. Tie-breaks are one table row
// each: two paths that differ only in what that step looks at, the winner and
// the step that must decide.
#include "rib-adapter/rib/decision.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "rib-adapter/rib/reflection.hpp"

namespace cats::rib {

// Readable failures. Static, not in the anonymous namespace: gtest finds them
// by argument-dependent lookup, which looks in cats::rib only.
static std::ostream& operator<<(std::ostream& os, Step s) {
  return os << step_name(s);
}
static std::ostream& operator<<(std::ostream& os, const Comparison& c) {
  static constexpr const char* kBetter[] = {"first", "second", "neither"};
  return os << kBetter[static_cast<int>(c.better)] << " by " << c.step;
}
static std::ostream& operator<<(std::ostream& os, const Selection& s) {
  return os << "#" << s.index << " by " << s.reason;
}

namespace {

using wire::SegmentType;

constexpr std::uint32_t kLocalAs = 65000;

PeerAddress addr(std::string_view text) {
  auto a = PeerAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(PeerAddress{});
}

// Two copies of this are equal on every step.
PathInfo base() {
  PathInfo p;
  p.peer = {.address = addr("192.0.2.2"),
            .router_id = 0x0a000005,
            .asn = kLocalAs,
            .local_asn = kLocalAs,
            .type = PeerType::kInternal};
  p.neighbor_as = 65100;
  p.as_path_length = 2;
  p.path_id = 5;
  p.received_seq = 10;
  return p;
}

Better flip(Better b) {
  return b == Better::kFirst ? Better::kSecond : b == Better::kSecond ? Better::kFirst : b;
}

constexpr ClusterId kOneCluster[] = {0x01010101};

// ---------------------------------------------------------------------------
// One row per tie-break.

using Edit = std::function<void(PathInfo&)>;

struct TieBreak {
  const char* name;
  Step step;
  Edit change;          // applied to the second path only
  Better winner;        // with the change applied
  Edit both = nullptr;  // applied to both paths first, so that the earlier steps tie
  void (*config)(DecisionConfig&) = nullptr;
};

std::ostream& operator<<(std::ostream& os, const TieBreak& r) {
  return os << r.name;
}

const Better kA = Better::kFirst;
const Better kB = Better::kSecond;

// Configurations some rows need.
void default_local_pref_50(DecisionConfig& c) {
  c.default_local_pref = 50;
}
void aigp_on(DecisionConfig& c) {
  c.aigp = true;
}
void missing_med_worst(DecisionConfig& c) {
  c.med_missing_as_worst = true;
}
void prefer_oldest(DecisionConfig& c) {
  c.prefer_oldest_ebgp = true;
}

const std::vector<TieBreak>& tie_breaks() {
  static const std::vector<TieBreak> kRows = {
      {"unreachable_next_hop", Step::kUnreachable, [](PathInfo& p) { p.next_hop_reachable = false; }, kA},
      {"stale", Step::kStale, [](PathInfo& p) { p.stale = true; }, kA},
      {"local_pref_higher", Step::kLocalPref, [](PathInfo& p) { p.local_pref = 200; }, kB},
      {"local_pref_missing_is_100_beats_99", Step::kLocalPref, [](PathInfo& p) { p.local_pref = 99; }, kA},
      {"local_pref_missing_is_100_loses_to_101", Step::kLocalPref, [](PathInfo& p) { p.local_pref = 101; }, kB},
      {"local_pref_missing_default_configured", Step::kLocalPref, [](PathInfo& p) { p.local_pref = 99; }, kB, nullptr,
       default_local_pref_50},
      {"locally_originated", Step::kLocallyOriginated, [](PathInfo& p) { p.peer.type = PeerType::kLocal; }, kB},
      {"aigp_lower", Step::kAigp, [](PathInfo& p) { p.aigp = 50; }, kB, [](PathInfo& p) { p.aigp = 100; }, aigp_on},
      {"aigp_present_beats_absent", Step::kAigp, [](PathInfo& p) { p.aigp = 1000; }, kB, nullptr, aigp_on},
      {"aigp_adds_igp_distance", Step::kAigp, [](PathInfo& p) { p.igp_cost = 50; }, kA,
       [](PathInfo& p) { p.aigp = 100, p.igp_cost = 10; }, aigp_on},
      {"as_path_shorter", Step::kAsPathLength, [](PathInfo& p) { p.as_path_length = 1; }, kB},
      {"origin_igp_beats_egp", Step::kOrigin, [](PathInfo& p) { p.origin = 1; }, kA},
      {"origin_egp_beats_incomplete", Step::kOrigin, [](PathInfo& p) { p.origin = 2; }, kA,
       [](PathInfo& p) { p.origin = 1; }},
      {"med_lower", Step::kMed, [](PathInfo& p) { p.med = 10; }, kB, [](PathInfo& p) { p.med = 20; }},
      {"med_missing_is_0", Step::kMed, [](PathInfo& p) { p.med = 10; }, kA},
      {"med_missing_as_worst", Step::kMed, [](PathInfo& p) { p.med = 10; }, kB, nullptr, missing_med_worst},
      {"ebgp_over_ibgp", Step::kEbgpOverIbgp, [](PathInfo& p) { p.peer.type = PeerType::kExternal; }, kB},
      {"ebgp_over_confed_ebgp", Step::kEbgpOverIbgp, [](PathInfo& p) { p.peer.type = PeerType::kExternal; }, kB,
       [](PathInfo& p) { p.peer.type = PeerType::kConfedExternal; }},
      {"igp_cost_lower", Step::kIgpCost, [](PathInfo& p) { p.igp_cost = 5; }, kB, [](PathInfo& p) { p.igp_cost = 10; }},
      {"oldest_ebgp", Step::kOldestEbgp, [](PathInfo& p) { p.received_seq = 1; }, kB,
       [](PathInfo& p) { p.peer.type = PeerType::kExternal; }, prefer_oldest},
      {"router_id_lower", Step::kRouterId, [](PathInfo& p) { p.peer.router_id = 0x0a000001; }, kB},
      {"router_id_unsigned", Step::kRouterId, [](PathInfo& p) { p.peer.router_id = 0x80000001; }, kA},
      {"originator_id_replaces_router_id_lower", Step::kRouterId, [](PathInfo& p) { p.originator_id = 0x01000000; },
       kB},
      {"originator_id_replaces_router_id_higher", Step::kRouterId, [](PathInfo& p) { p.originator_id = 0xc0000000; },
       kA},
      {"cluster_list_shorter", Step::kClusterListLength, [](PathInfo& p) { p.cluster_list = kOneCluster; }, kA},
      {"peer_address_lower", Step::kPeerAddress, [](PathInfo& p) { p.peer.address = addr("192.0.2.1"); }, kB},
      {"peer_address_ipv4_before_ipv6", Step::kPeerAddress, [](PathInfo& p) { p.peer.address = addr("2001:db8::1"); },
       kA},
      {"path_id_lower", Step::kPathId, [](PathInfo& p) { p.path_id = 1; }, kB},
  };
  return kRows;
}

class TieBreakTest : public ::testing::TestWithParam<TieBreak> {};

TEST_P(TieBreakTest, DecidesAtItsStep) {
  const TieBreak& row = GetParam();
  DecisionConfig cfg;
  if (row.config) row.config(cfg);
  PathInfo a = base();
  if (row.both) row.both(a);
  PathInfo b = a;
  ASSERT_EQ(compare(a, b, cfg), (Comparison{Better::kNeither, Step::kEqual}));
  row.change(b);

  EXPECT_EQ(compare(a, b, cfg), (Comparison{row.winner, row.step}));
  // The same difference on the other path: the other one wins, at the same step.
  EXPECT_EQ(compare(b, a, cfg), (Comparison{flip(row.winner), row.step}));

  const std::size_t want = row.winner == kA ? 0 : 1;
  const std::array ab{a, b};
  const std::array ba{b, a};
  EXPECT_EQ(select_best(ab, cfg), (Selection{want, row.step}));
  EXPECT_EQ(select_best(ba, cfg), (Selection{1 - want, row.step}));
}

INSTANTIATE_TEST_SUITE_P(Rows, TieBreakTest, ::testing::ValuesIn(tie_breaks()),
                         [](const ::testing::TestParamInfo<TieBreak>& info) { return std::string(info.param.name); });

TEST(Decision, EveryStepHasARow) {
  std::set<Step> covered;
  for (const auto& row : tie_breaks()) covered.insert(row.step);
  for (int s = 0; s <= static_cast<int>(Step::kPathId); ++s)
    EXPECT_TRUE(covered.contains(static_cast<Step>(s))) << static_cast<Step>(s);
}

// ---------------------------------------------------------------------------
// Steps that need more than two paths or a configuration switch.

TEST(Decision, MedIsNotComparedAcrossNeighborAses) {
  PathInfo a = base(), b = base();
  a.neighbor_as = 65001;
  a.med = 100;
  a.peer.router_id = 1;
  b.neighbor_as = 65002;
  b.med = 0;
  b.peer.router_id = 2;
  DecisionConfig cfg;
  EXPECT_EQ(compare(a, b, cfg), (Comparison{kA, Step::kRouterId}));
  cfg.always_compare_med = true;
  EXPECT_EQ(compare(a, b, cfg), (Comparison{kB, Step::kMed}));
}

TEST(Decision, AigpOnlyWhenEnabled) {
  PathInfo a = base(), b = base();
  a.peer.router_id = 1;
  b.aigp = 10;
  DecisionConfig cfg;
  EXPECT_EQ(compare(a, b, cfg), (Comparison{kA, Step::kRouterId}));
  cfg.aigp = true;
  EXPECT_EQ(compare(a, b, cfg), (Comparison{kB, Step::kAigp}));
  // Both with AIGP, and AIGP off: the metric is not looked at.
  a.aigp = 1000;
  cfg.aigp = false;
  EXPECT_EQ(compare(a, b, cfg), (Comparison{kA, Step::kRouterId}));
}

TEST(Decision, AigpComesAfterLocalPrefAndBeforeAsPathLength) {
  DecisionConfig cfg;
  cfg.aigp = true;
  PathInfo a = base(), b = base();
  a.aigp = 1;
  b.aigp = 2;
  b.local_pref = 200;
  EXPECT_EQ(compare(a, b, cfg), (Comparison{kB, Step::kLocalPref}));
  b.local_pref.reset();
  b.as_path_length = 0;
  EXPECT_EQ(compare(a, b, cfg), (Comparison{kA, Step::kAigp}));
}

TEST(Decision, UnreachableNextHopLosesWhateverElse) {
  PathInfo a = base(), b = base();
  b.next_hop_reachable = false;
  b.local_pref = 1000;
  b.peer.type = PeerType::kLocal;
  const DecisionConfig cfg;
  EXPECT_EQ(compare(a, b, cfg), (Comparison{kA, Step::kUnreachable}));
  const std::array one{b};
  EXPECT_EQ(select_best(one, cfg), std::nullopt);
  a.next_hop_reachable = false;
  const std::array two{a, b};
  EXPECT_EQ(select_best(two, cfg), std::nullopt);
}

TEST(Decision, StaleLosesToFresh) {
  PathInfo fresh = base(), stale = base();
  stale.stale = true;
  stale.local_pref = 1000;
  const DecisionConfig cfg;
  EXPECT_EQ(compare(fresh, stale, cfg), (Comparison{kA, Step::kStale}));
  // Among stale paths the usual steps decide.
  fresh.stale = true;
  EXPECT_EQ(compare(fresh, stale, cfg), (Comparison{kB, Step::kLocalPref}));
}

TEST(Decision, ConfederationExternalCountsAsInternal) {
  PathInfo internal = base(), confed = base();
  internal.peer.router_id = 9;
  confed.peer.type = PeerType::kConfedExternal;
  confed.peer.router_id = 1;
  EXPECT_EQ(compare(internal, confed, {}), (Comparison{kB, Step::kRouterId}));
}

TEST(Decision, OldestOnlyBetweenEbgpPaths) {
  DecisionConfig cfg;
  PathInfo young = base(), old = base();
  young.peer.router_id = 1;
  young.received_seq = 20;
  old.peer.router_id = 2;
  old.received_seq = 10;
  young.peer.type = old.peer.type = PeerType::kExternal;
  EXPECT_EQ(compare(young, old, cfg), (Comparison{kA, Step::kRouterId}));
  cfg.prefer_oldest_ebgp = true;
  EXPECT_EQ(compare(young, old, cfg), (Comparison{kB, Step::kOldestEbgp}));
  young.peer.type = old.peer.type = PeerType::kInternal;
  EXPECT_EQ(compare(young, old, cfg), (Comparison{kA, Step::kRouterId}));
}

TEST(Decision, SelectBestEdgeCases) {
  const DecisionConfig cfg;
  EXPECT_EQ(select_best({}, cfg), std::nullopt);
  const std::array one{base()};
  EXPECT_EQ(select_best(one, cfg), (Selection{0, Step::kOnlyPath}));
  // The same path twice: nothing tells them apart, the first stands.
  const std::array twice{base(), base()};
  EXPECT_EQ(select_best(twice, cfg), (Selection{0, Step::kEqual}));
}

TEST(Decision, ReasonIsTheStepThatRemovedTheLastRival) {
  std::array<PathInfo, 3> p{base(), base(), base()};
  p[0].local_pref = 50;  // out at LOCAL_PREF
  p[1].peer.router_id = 2;
  p[2].peer.router_id = 1;  // beats p[1] at router id
  EXPECT_EQ(select_best(p, {}), (Selection{2, Step::kRouterId}));
  p[1].next_hop_reachable = false;
  EXPECT_EQ(select_best(p, {}), (Selection{2, Step::kLocalPref}));
}

// ---------------------------------------------------------------------------
// Order independence. MED makes the pairwise relation cyclic; the set
// selection must not care about the input order.

// Calls fn with every ordering of paths and, for each, where each original
// path went.
template <class Fn>
void for_each_permutation(std::span<const PathInfo> paths, Fn fn) {
  std::vector<std::size_t> order(paths.size());
  std::iota(order.begin(), order.end(), 0);
  do {
    std::vector<PathInfo> permuted;
    permuted.reserve(order.size());
    for (std::size_t i : order) permuted.push_back(paths[i]);
    fn(std::span<const PathInfo>(permuted), std::span<const std::size_t>(order));
  } while (std::next_permutation(order.begin(), order.end()));
}

PathInfo path(std::uint32_t neighbor_as, std::optional<std::uint32_t> med, std::optional<std::uint32_t> igp_cost,
              RouterId id) {
  PathInfo p = base();
  p.neighbor_as = neighbor_as;
  p.med = med;
  p.igp_cost = igp_cost;
  p.peer.router_id = id;
  return p;
}

// The classic MED cycle: #0 beats #1 (IGP), #1 beats #2 (IGP), #2 beats #0 (MED).
std::vector<PathInfo> med_cycle() {
  return {path(65001, 200, 5, 3), path(65002, 100, 10, 2), path(65001, 100, 15, 1)};
}

TEST(OrderIndependence, TheMedCycleExists) {
  const auto p = med_cycle();
  const DecisionConfig cfg;
  EXPECT_EQ(compare(p[0], p[1], cfg), (Comparison{kA, Step::kIgpCost}));
  EXPECT_EQ(compare(p[1], p[2], cfg), (Comparison{kA, Step::kIgpCost}));
  EXPECT_EQ(compare(p[2], p[0], cfg), (Comparison{kA, Step::kMed}));
  // So a pairwise tournament depends on the order: the trap select_best avoids.
  std::set<std::uint32_t> winners;
  for_each_permutation(p, [&](std::span<const PathInfo> q, std::span<const std::size_t>) {
    const PathInfo* best = &q[0];
    for (const auto& x : q.subspan(1))
      if (compare(x, *best, cfg).better == kA) best = &x;
    winners.insert(best->peer.router_id);
  });
  EXPECT_GT(winners.size(), 1u);
}

TEST(OrderIndependence, ThreePathsAllPermutations) {
  // MED removes #0 (#2 has a lower MED from the same AS), then IGP cost picks #1.
  const auto p = med_cycle();
  for_each_permutation(p, [](std::span<const PathInfo> q, std::span<const std::size_t> order) {
    const auto best = select_best(q, {});
    ASSERT_TRUE(best.has_value());
    EXPECT_EQ(order[best->index], 1u);
    EXPECT_EQ(best->reason, Step::kIgpCost);
  });
}

TEST(OrderIndependence, FourPathsAllPermutations) {
  auto p = med_cycle();
  p.push_back(path(65002, 50, 20, 4));
  // MED removes #0 (by #2) and #1 (by #3); IGP cost then prefers #2 over #3.
  for_each_permutation(p, [](std::span<const PathInfo> q, std::span<const std::size_t> order) {
    const auto best = select_best(q, {});
    ASSERT_TRUE(best.has_value());
    EXPECT_EQ(order[best->index], 2u);
    EXPECT_EQ(best->reason, Step::kIgpCost);
  });
  // Comparing MED everywhere, #3 has the lowest.
  DecisionConfig always;
  always.always_compare_med = true;
  for_each_permutation(p, [&](std::span<const PathInfo> q, std::span<const std::size_t> order) {
    const auto best = select_best(q, always);
    ASSERT_TRUE(best.has_value());
    EXPECT_EQ(order[best->index], 3u);
    EXPECT_EQ(best->reason, Step::kMed);
  });
}

TEST(OrderIndependence, UnknownIgpCostIsEqualToAnyCost) {
  // #1 has no known cost: it neither removes nor is removed at that step. #0
  // loses to #2 there (although it would win on router id); router id then
  // prefers #1 to #2.
  const std::vector<PathInfo> p = {path(65100, std::nullopt, 10, 1), path(65100, std::nullopt, std::nullopt, 2),
                                   path(65100, std::nullopt, 5, 3)};
  EXPECT_EQ(compare(p[0], p[1], {}), (Comparison{kA, Step::kRouterId}));
  EXPECT_EQ(compare(p[1], p[2], {}), (Comparison{kA, Step::kRouterId}));
  EXPECT_EQ(compare(p[0], p[2], {}), (Comparison{kB, Step::kIgpCost}));
  for_each_permutation(p, [](std::span<const PathInfo> q, std::span<const std::size_t> order) {
    const auto best = select_best(q, {});
    ASSERT_TRUE(best.has_value());
    EXPECT_EQ(order[best->index], 1u);
    EXPECT_EQ(best->reason, Step::kRouterId);
  });
}

// "Deterministic MED" the way vendors describe it: the best of each neighbor
// AS first (MED always comparable inside a group), then the best of those.
// An independent route to the same answer, valid while IGP costs are known.
std::optional<std::size_t> deterministic_med(std::span<const PathInfo> paths, const DecisionConfig& cfg) {
  std::map<std::uint32_t, std::size_t> group_best;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (!paths[i].next_hop_reachable) continue;
    const std::uint32_t group = cfg.always_compare_med ? 0 : paths[i].neighbor_as;
    auto [it, first] = group_best.try_emplace(group, i);
    if (!first && compare(paths[i], paths[it->second], cfg).better == kA) it->second = i;
  }
  std::optional<std::size_t> best;
  for (const auto& [group, i] : group_best)
    if (!best || compare(paths[i], paths[*best], cfg).better == kA) best = i;
  return best;
}

TEST(OrderIndependence, RandomSetsMatchDeterministicMedInEveryOrder) {
  std::mt19937 rng(20240611);
  auto pick = [&](auto... v) {
    const std::array<std::common_type_t<decltype(v)...>, sizeof...(v)> values{v...};
    return values[std::uniform_int_distribution<std::size_t>(0, values.size() - 1)(rng)];
  };
  int sets = 0, decided_by_med = 0;
  for (int round = 0; round < 400; ++round) {
    DecisionConfig cfg;
    cfg.always_compare_med = pick(false, false, true);
    cfg.med_missing_as_worst = pick(false, true);
    cfg.aigp = pick(false, true);
    cfg.prefer_oldest_ebgp = pick(false, true);
    const std::size_t n = pick(2, 3, 4, 5);
    std::vector<PathInfo> paths;
    for (std::size_t i = 0; i < n; ++i) {
      PathInfo p = base();
      p.path_id = static_cast<std::uint32_t>(i);  // every path distinct: the answer is unique
      p.received_seq = 100 - i;
      p.next_hop_reachable = pick(true, true, true, true, false);
      p.stale = pick(false, false, false, true);
      if (pick(false, true)) p.local_pref = pick(100u, 200u);
      if (pick(false, true)) p.aigp = pick(10u, 20u);
      p.as_path_length = pick(1u, 2u);
      p.origin = pick(0, 0, 1);
      if (pick(false, true)) p.med = pick(0u, 10u, 20u);
      p.neighbor_as = pick(65001u, 65002u, 65003u);
      p.peer.type = pick(PeerType::kInternal, PeerType::kExternal, PeerType::kConfedExternal);
      p.igp_cost = pick(5u, 10u);
      p.peer.router_id = pick(1u, 2u, 3u);
      if (pick(false, true)) p.cluster_list = kOneCluster;
      p.peer.address = pick(addr("192.0.2.1"), addr("192.0.2.2"));
      paths.push_back(p);
    }
    const auto oracle = deterministic_med(paths, cfg);
    const auto best = select_best(paths, cfg);
    ASSERT_EQ(best.has_value(), oracle.has_value()) << "round " << round;
    if (!best) continue;
    ASSERT_EQ(best->index, *oracle) << "round " << round;
    ++sets;
    if (best->reason == Step::kMed) ++decided_by_med;
    for_each_permutation(paths, [&](std::span<const PathInfo> q, std::span<const std::size_t> order) {
      const auto b = select_best(q, cfg);
      ASSERT_TRUE(b.has_value());
      ASSERT_EQ(order[b->index], best->index) << "round " << round;
      ASSERT_EQ(b->reason, best->reason) << "round " << round;
    });
  }
  // The generator must reach the interesting cases.
  EXPECT_GT(sets, 300);
  EXPECT_GT(decided_by_med, 10);
}

// select_best takes one pass of compare() when every step is a total order
// on the set; index and reason must be the eliminations' in every case,
// ties, unreachable and stale paths included.
TEST(OrderIndependence, ComparisonPassAgreesWithEliminations) {
  std::mt19937 rng(424242);
  auto pick = [&](auto... v) {
    const std::array<std::common_type_t<decltype(v)...>, sizeof...(v)> values{v...};
    return values[std::uniform_int_distribution<std::size_t>(0, values.size() - 1)(rng)];
  };
  int total = 0, ties = 0, none = 0;
  std::set<Step> reasons;
  for (int round = 0; round < 3000; ++round) {
    DecisionConfig cfg;
    cfg.always_compare_med = pick(false, true);
    cfg.med_missing_as_worst = pick(false, true);
    cfg.aigp = pick(false, true);
    cfg.prefer_oldest_ebgp = pick(false, true);
    const bool one_as = pick(true, true, false);
    const bool igp_known = pick(true, false);
    const std::size_t n = pick(2, 3, 4, 6);
    std::vector<PathInfo> paths;
    for (std::size_t i = 0; i < n; ++i) {
      PathInfo p = base();
      p.path_id = pick(1u, 2u);  // ties on purpose
      p.received_seq = pick(1u, 2u, 3u);
      p.next_hop_reachable = pick(true, true, true, false);
      p.stale = pick(false, false, true);
      if (pick(false, true)) p.local_pref = pick(100u, 200u);
      if (pick(false, true)) p.aigp = pick(10u, 20u);
      p.as_path_length = pick(1u, 2u);
      p.origin = pick(0, 1);
      if (pick(false, true)) p.med = pick(0u, 10u);
      p.neighbor_as = one_as ? 65001u : pick(65001u, 65002u);
      p.peer.type = pick(PeerType::kInternal, PeerType::kExternal, PeerType::kConfedExternal, PeerType::kLocal);
      if (igp_known) p.igp_cost = pick(5u, 10u);
      p.peer.router_id = pick(1u, 2u);
      if (pick(false, true)) p.cluster_list = kOneCluster;
      p.peer.address = pick(addr("192.0.2.1"), addr("192.0.2.2"));
      paths.push_back(p);
    }
    // A duplicate now and then: identical on every step.
    if (pick(false, false, false, true)) paths.push_back(paths.front());
    const auto slow = select_best_by_elimination(paths, cfg);
    const auto fast = select_best(paths, cfg);
    ASSERT_EQ(fast, slow) << "round " << round;
    if (!slow) {
      ++none;
      continue;
    }
    ++total;
    reasons.insert(slow->reason);
    if (slow->reason == Step::kEqual) ++ties;
  }
  // The generator reaches ties, sets without a best and most steps.
  EXPECT_GT(total, 2000);
  EXPECT_GT(ties, 50);
  EXPECT_GT(none, 10);
  EXPECT_GE(reasons.size(), 12u);
}

TEST(OrderIndependence, PairsAgreeWithCompare) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> coin(0, 1);
  for (int round = 0; round < 2000; ++round) {
    PathInfo a = base(), b = base();
    for (PathInfo* p : {&a, &b}) {
      if (coin(rng)) p->local_pref = 200;
      if (coin(rng)) p->med = 10;
      if (coin(rng)) p->neighbor_as = 65001;
      if (coin(rng)) p->igp_cost = 5 + coin(rng);
      if (coin(rng)) p->peer.type = PeerType::kExternal;
      if (coin(rng)) p->peer.router_id = 1;
      if (coin(rng)) p->path_id = 1;
    }
    const Comparison c = compare(a, b, {});
    const std::array ab{a, b};
    const auto s = select_best(ab, {});
    ASSERT_TRUE(s.has_value());
    if (c.better == Better::kNeither) {
      EXPECT_EQ(*s, (Selection{0, Step::kEqual}));
    } else {
      EXPECT_EQ(*s, (Selection{c.better == kA ? 0u : 1u, c.step})) << "round " << round;
    }
  }
}

// ---------------------------------------------------------------------------
// Multipath.

const std::vector<wire::AsSegment> kPathVia65100 = {{SegmentType::kSequence, {65100, 65300}}};
const std::vector<wire::AsSegment> kPathVia65200 = {{SegmentType::kSequence, {65200, 65300}}};

std::vector<PathInfo> ibgp_equal_cost() {
  std::vector<PathInfo> p(4, base());
  const std::uint32_t ids[] = {3, 1, 2, 4};
  for (std::size_t i = 0; i < p.size(); ++i) {
    p[i].as_path = kPathVia65100;
    p[i].igp_cost = 10;
    p[i].peer.router_id = ids[i];
  }
  p[3].igp_cost = 20;  // not equal cost
  return p;
}

TEST(Multipath, OffByDefault) {
  const auto p = ibgp_equal_cost();
  EXPECT_EQ(select_multipath(p, {}), (std::vector<std::size_t>{1}));
}

TEST(Multipath, EqualUpToIgpCostInDecisionOrder) {
  const auto p = ibgp_equal_cost();
  DecisionConfig cfg;
  cfg.multipath.ibgp_max = 8;
  EXPECT_EQ(select_multipath(p, cfg), (std::vector<std::size_t>{1, 2, 0}));
  cfg.multipath.ibgp_max = 2;
  EXPECT_EQ(select_multipath(p, cfg), (std::vector<std::size_t>{1, 2}));
  // The eBGP limit does not apply to iBGP paths.
  cfg.multipath.ibgp_max = 1;
  cfg.multipath.ebgp_max = 8;
  EXPECT_EQ(select_multipath(p, cfg), (std::vector<std::size_t>{1}));
}

TEST(Multipath, EbgpNeedsTheSameAsPathUnlessRelaxed) {
  std::vector<PathInfo> p(4, base());
  for (std::size_t i = 0; i < p.size(); ++i) {
    p[i].peer.type = PeerType::kExternal;
    p[i].peer.router_id = static_cast<RouterId>(i + 1);
    p[i].as_path = kPathVia65100;
  }
  p[1].as_path = kPathVia65200;
  p[1].neighbor_as = 65200;
  p[3].as_path_length = 3;  // longer: never multipath
  DecisionConfig cfg;
  cfg.multipath.ebgp_max = 8;
  EXPECT_EQ(select_multipath(p, cfg), (std::vector<std::size_t>{0, 2}));
  cfg.multipath.as_path_relax = true;
  EXPECT_EQ(select_multipath(p, cfg), (std::vector<std::size_t>{0, 1, 2}));
  cfg.multipath.ebgp_max = 1;
  cfg.multipath.ibgp_max = 8;
  EXPECT_EQ(select_multipath(p, cfg), (std::vector<std::size_t>{0}));
}

TEST(Multipath, NoBestNoSet) {
  auto p = ibgp_equal_cost();
  for (auto& x : p) x.next_hop_reachable = false;
  DecisionConfig cfg;
  cfg.multipath.ibgp_max = 8;
  EXPECT_TRUE(select_multipath(p, cfg).empty());
  EXPECT_TRUE(select_multipath({}, cfg).empty());
}

// ---------------------------------------------------------------------------
// From decoded attributes.

std::string hex_byte(unsigned v) {
  static constexpr char d[] = "0123456789abcdef";
  return {d[(v >> 4) & 0xf], d[v & 0xf]};
}
// One path attribute: flags, type, computed length, value (hex).
std::string A(unsigned flags, unsigned type, std::string_view value) {
  const std::size_t len = value.size() / 2;
  std::string s = hex_byte(flags) + hex_byte(type);
  if ((flags & 0x10) != 0) s += hex_byte(static_cast<unsigned>(len >> 8));
  return s + hex_byte(static_cast<unsigned>(len & 0xff)) + std::string(value);
}

// Decodes an attribute field from an iBGP 4-octet session; owns the bytes
// the decoded values borrow.
struct Decoded {
  wire::Bytes bytes;
  wire::AttributeSet attrs;
  explicit Decoded(const std::string& hex) : bytes(wire::from_hex(hex).value()) {
    wire::DecodeContext ctx;
    ctx.as4 = true;
    std::vector<wire::DecodeError> errors;
    wire::decode_path_attributes(bytes, ctx, attrs, errors);
    EXPECT_TRUE(errors.empty()) << errors.front().reason;
  }
};

const std::string kMandatory = A(0x40, 1, "00") + A(0x40, 2, "") + A(0x40, 3, "c0000201");
const std::string kCatsExp = A(0xc0, 255,
                               "01000000"
                               "020005"
                               "0103810008");  // L2 score 8
const std::string kReflected = A(0x40, 1, "01") +
                               A(0x40, 2,
                                 "0301"
                                 "0000fdf2"
                                 "0202"
                                 "0000fe4c"
                                 "0000feb0") +  // (65010) 65100 65200
                               A(0x40, 3, "c0000201") +
                               A(0x80, 4, "00000032") + A(0x40, 5, "000000c8") + A(0x80, 9, "0a000009") +
                               A(0x80, 10,
                                 "01010101"
                                 "02020202") +
                               A(0x80, 26,
                                 "01000b"
                                 "000000000000007b") +
                               kCatsExp;

PeerFacts ibgp_peer() {
  return {.address = addr("192.0.2.7"),
          .router_id = 0x0a000007,
          .asn = kLocalAs,
          .local_asn = kLocalAs,
          .type = PeerType::kInternal};
}

TEST(PathInfoFromAttributes, EveryKey) {
  const Decoded d(kReflected);
  const PathInfo p = make_path_info(d.attrs, ibgp_peer());
  EXPECT_EQ(p.origin, 1);
  EXPECT_EQ(p.as_path_length, 2u);  // the confederation segment does not count
  EXPECT_EQ(p.neighbor_as, 65100u);
  EXPECT_EQ(p.as_path.size(), 2u);
  EXPECT_EQ(p.med, 50u);
  EXPECT_EQ(p.local_pref, 200u);
  EXPECT_EQ(p.originator_id, 0x0a000009u);
  EXPECT_EQ(std::vector<ClusterId>(p.cluster_list.begin(), p.cluster_list.end()),
            (std::vector<ClusterId>{0x01010101, 0x02020202}));
  EXPECT_EQ(p.aigp, 123u);
  EXPECT_EQ(p.peer.router_id, 0x0a000007u);
}

TEST(PathInfoFromAttributes, Defaults) {
  const Decoded d(kMandatory);
  const PathInfo p = make_path_info(d.attrs, ibgp_peer());
  EXPECT_EQ(p.origin, 0);
  EXPECT_EQ(p.as_path_length, 0u);
  EXPECT_EQ(p.neighbor_as, kLocalAs);  // originated inside our AS
  EXPECT_FALSE(p.med || p.local_pref || p.originator_id || p.aigp);
  EXPECT_TRUE(p.cluster_list.empty());
  EXPECT_TRUE(p.next_hop_reachable);
  EXPECT_FALSE(p.stale);
  // Without any attribute: INCOMPLETE, so a broken path never wins on ORIGIN.
  EXPECT_EQ(make_path_info(wire::AttributeSet{}, ibgp_peer()).origin, 2);
}

TEST(PathInfoFromAttributes, ConfederationPathLength) {
  // Three member ASes and one real AS against two real ASes: the first is shorter.
  const Decoded confed(kMandatory.substr(0, 8) +
                       A(0x40, 2,
                         "0303"
                         "0000fdf2"
                         "0000fdf3"
                         "0000fdf4"
                         "0201"
                         "0000fe4c") +
                       A(0x40, 3, "c0000201"));
  const Decoded plain(kMandatory.substr(0, 8) +
                      A(0x40, 2,
                        "0202"
                        "0000feb0"
                        "0000fe4c") +
                      A(0x40, 3, "c0000201"));
  PeerFacts from_confed = ibgp_peer();
  from_confed.type = PeerType::kConfedExternal;
  const PathInfo a = make_path_info(confed.attrs, from_confed);
  const PathInfo b = make_path_info(plain.attrs, ibgp_peer());
  EXPECT_EQ(a.as_path_length, 1u);
  EXPECT_EQ(a.neighbor_as, 65100u);
  EXPECT_EQ(b.as_path_length, 2u);
  EXPECT_EQ(compare(a, b, {}), (Comparison{kA, Step::kAsPathLength}));
}

struct NeighborAsRow {
  const char* name;
  std::vector<wire::AsSegment> segments;
  PeerType type;
  std::uint32_t want;
};

TEST(PathInfoFromAttributes, NeighborAs) {
  const std::vector<NeighborAsRow> rows = {
      {"sequence", {{SegmentType::kSequence, {65100, 65200}}}, PeerType::kExternal, 65100},
      {"empty_internal", {}, PeerType::kInternal, kLocalAs},
      {"empty_external", {}, PeerType::kExternal, 65099},
      {"set_first_internal", {{SegmentType::kSet, {65100, 65200}}}, PeerType::kInternal, kLocalAs},
      {"confed_skipped",
       {{SegmentType::kConfedSequence, {65010}}, {SegmentType::kConfedSet, {65011}}, {SegmentType::kSequence, {65100}}},
       PeerType::kConfedExternal,
       65100},
      {"confed_only", {{SegmentType::kConfedSequence, {65010}}}, PeerType::kConfedExternal, kLocalAs},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(neighbor_as(wire::AsPath{row.segments, true}, row.type, 65099, kLocalAs), row.want);
  }
}

TEST(PeerAddressTest, ParseOrderAndPrint) {
  EXPECT_LT(addr("192.0.2.1"), addr("192.0.2.2"));
  EXPECT_LT(addr("255.255.255.255"), addr("::1"));
  EXPECT_EQ(addr("2001:db8::1").to_string(), "2001:db8::1");
  EXPECT_EQ(addr("192.0.2.1").to_string(), "192.0.2.1");
  EXPECT_FALSE(PeerAddress::parse("192.0.2").has_value());
}

TEST(StepName, EveryStepNamedOnce) {
  std::set<std::string_view> names;
  for (int s = 0; s <= static_cast<int>(Step::kCats); ++s) {
    const auto name = step_name(static_cast<Step>(s));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

// ---------------------------------------------------------------------------
// Route reflection.

constexpr RouterId kUs = 0x0a0000fe;
constexpr ClusterId kOurCluster = 0x0a0000ff;

TEST(Reflection, LoopChecks) {
  PathInfo p = base();
  EXPECT_EQ(reflection_loop(p, kUs, kOurCluster), ReflectionLoop::kNone);
  p.originator_id = kUs;
  EXPECT_EQ(reflection_loop(p, kUs, kOurCluster), ReflectionLoop::kOriginatorIsUs);
  EXPECT_EQ(reflection_loop(p, kUs, std::nullopt), ReflectionLoop::kOriginatorIsUs);  // any speaker checks it
  p.originator_id = 0x0a000001;
  const ClusterId list[] = {0x01010101, kOurCluster, 0x02020202};
  p.cluster_list = list;
  EXPECT_EQ(reflection_loop(p, kUs, kOurCluster), ReflectionLoop::kClusterListHasUs);
  EXPECT_EQ(reflection_loop(p, kUs, std::nullopt), ReflectionLoop::kNone);  // not a reflector
  EXPECT_EQ(reflection_loop(p, kUs, 0x03030303), ReflectionLoop::kNone);
  // Our router id in the cluster list is not our cluster id.
  const ClusterId other[] = {kUs};
  p.cluster_list = other;
  EXPECT_EQ(reflection_loop(p, kUs, kOurCluster), ReflectionLoop::kNone);
}

TEST(Reflection, LoopChecksOnDecodedPath) {
  const Decoded d(kReflected);  // ORIGINATOR_ID 10.0.0.9, CLUSTER_LIST 1.1.1.1 2.2.2.2
  const PathInfo p = make_path_info(d.attrs, ibgp_peer());
  EXPECT_EQ(reflection_loop(p, 0x0a000009, std::nullopt), ReflectionLoop::kOriginatorIsUs);
  EXPECT_EQ(reflection_loop(p, kUs, 0x02020202), ReflectionLoop::kClusterListHasUs);
  EXPECT_EQ(reflection_loop(p, kUs, kOurCluster), ReflectionLoop::kNone);
}

// The daemon's import check runs on the UPDATE's attributes, not a PathInfo.
TEST(Reflection, LoopChecksOnAttributes) {
  const Decoded d(kReflected);
  EXPECT_EQ(reflection_loop(d.attrs, 0x0a000009, std::nullopt), ReflectionLoop::kOriginatorIsUs);
  EXPECT_EQ(reflection_loop(d.attrs, kUs, 0x02020202), ReflectionLoop::kClusterListHasUs);
  EXPECT_EQ(reflection_loop(d.attrs, kUs, 0x01010101), ReflectionLoop::kClusterListHasUs);
  EXPECT_EQ(reflection_loop(d.attrs, kUs, kOurCluster), ReflectionLoop::kNone);
  const Decoded plain(kMandatory);
  EXPECT_EQ(reflection_loop(plain.attrs, kUs, kOurCluster), ReflectionLoop::kNone);
}

TEST(Reflection, AsPathLoop) {
  const Decoded d(kReflected);  // (65010) 65100 65200
  EXPECT_TRUE(as_path_loop(d.attrs, 65100));
  EXPECT_TRUE(as_path_loop(d.attrs, 65200));
  EXPECT_TRUE(as_path_loop(d.attrs, 65010));  // confederation members count too
  EXPECT_FALSE(as_path_loop(d.attrs, 65000));
  const Decoded empty(kMandatory);
  EXPECT_FALSE(as_path_loop(empty.attrs, 65000));
}

std::string encoded(const wire::Attribute& a) {
  wire::Bytes b;
  wire::Writer w(b);
  wire::encode_attribute(w, a, wire::EncodeContext{});
  return wire::to_hex(b);
}

// What the Adj-RIB-Out builder does with the result: replace by type, or add.
wire::AttributeSet applied(const wire::AttributeSet& in, std::vector<wire::Attribute> edits) {
  wire::AttributeSet out = in;
  auto& list = out.mutable_list();
  for (auto& e : edits) {
    auto it = std::ranges::find_if(list, [&](const wire::Attribute& a) { return a.type == e.type && !a.discarded; });
    if (it != list.end())
      *it = std::move(e);
    else
      list.push_back(std::move(e));
  }
  out.reindex();
  return out;
}

TEST(Reflection, FirstReflectionAddsOriginatorAndClusterList) {
  const Decoded d(kMandatory + kCatsExp);
  const auto edits = reflect_attributes(d.attrs, 0x0a000007, kOurCluster);
  ASSERT_EQ(edits.size(), 2u);
  EXPECT_EQ(encoded(edits[0]), "8009040a000007");
  EXPECT_EQ(encoded(edits[1]), "800a040a0000ff");
}

TEST(Reflection, LaterReflectionPrependsOurClusterAndKeepsOriginator) {
  const Decoded d(kReflected);
  const auto edits = reflect_attributes(d.attrs, 0x0a000007, kOurCluster);
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(encoded(edits[0]), "800a0c0a0000ff0101010102020202");
}

TEST(Reflection, EverythingElseLeavesByteForByte) {
  const Decoded d(kReflected);
  const wire::AttributeSet out = applied(d.attrs, reflect_attributes(d.attrs, 0x0a000007, kOurCluster));
  ASSERT_EQ(out.list().size(), d.attrs.list().size());
  for (std::size_t i = 0; i < out.list().size(); ++i) {
    const auto& before = d.attrs.list()[i];
    const auto& after = out.list()[i];
    SCOPED_TRACE(wire::attribute_name(before.type, wire::kDefaultCatsType));
    EXPECT_EQ(after.type, before.type);  // in place: the order is kept too
    if (before.type == wire::attr::kClusterList) continue;
    EXPECT_EQ(encoded(after), encoded(before));
  }
  // NEXT_HOP, AS_PATH, LOCAL_PREF, MED and CATS-EXP among them, as received.
  for (std::uint8_t type :
       {wire::attr::kNextHop, wire::attr::kAsPath, wire::attr::kLocalPref, wire::attr::kMed, wire::kDefaultCatsType})
    EXPECT_EQ(wire::to_hex(out.find(type)->raw), wire::to_hex(d.attrs.find(type)->raw));
}

TEST(Reflection, LongClusterListGetsExtendedLength) {
  std::string ids;
  for (int i = 0; i < 64; ++i) ids += "01010101";
  const Decoded d(kMandatory + A(0x90, 10, ids));
  const auto edits = reflect_attributes(d.attrs, 0x0a000007, kOurCluster);
  ASSERT_EQ(edits.size(), 2u);
  EXPECT_EQ(encoded(edits[1]).substr(0, 16), "900a01040a0000ff");  // 65 ids, 260 octets
}

struct AdvertiseRow {
  Neighbor from;
  Neighbor to;
  Advertise want;
};

TEST(Reflection, WhoGetsWhat) {
  using enum Neighbor;
  constexpr Advertise no = Advertise::kNo, yes = Advertise::kYes, reflect = Advertise::kReflect;
  const std::vector<AdvertiseRow> rows = {
      // Originated here or learned from eBGP: to everyone.
      {kLocal, kExternal, yes},
      {kLocal, kConfedExternal, yes},
      {kLocal, kClient, yes},
      {kLocal, kNonClient, yes},
      {kExternal, kExternal, yes},
      {kExternal, kConfedExternal, yes},
      {kExternal, kClient, yes},
      {kExternal, kNonClient, yes},
      {kConfedExternal, kExternal, yes},
      {kConfedExternal, kConfedExternal, yes},
      {kConfedExternal, kClient, yes},
      {kConfedExternal, kNonClient, yes},
      // From a client: reflected to every iBGP peer.
      {kClient, kExternal, yes},
      {kClient, kConfedExternal, yes},
      {kClient, kClient, reflect},
      {kClient, kNonClient, reflect},
      // From a non-client: reflected to clients only.
      {kNonClient, kExternal, yes},
      {kNonClient, kConfedExternal, yes},
      {kNonClient, kClient, reflect},
      {kNonClient, kNonClient, no},
      // Nothing is sent to ourselves.
      {kLocal, kLocal, no},
      {kExternal, kLocal, no},
      {kClient, kLocal, no},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(testing::Message() << static_cast<int>(row.from) << " -> " << static_cast<int>(row.to));
    EXPECT_EQ(advertise(row.from, row.to), row.want);
  }
  // Clients fully meshed: no client-to-client reflection, the rest unchanged.
  EXPECT_EQ(advertise(kClient, kClient, false), no);
  EXPECT_EQ(advertise(kClient, kNonClient, false), reflect);
  EXPECT_EQ(advertise(kNonClient, kClient, false), reflect);
}

}  // namespace
}  // namespace cats::rib
