// The CATS selection, one row per rule: eligibility, drain, thresholds, the
// difference between classes, hysteresis (margin and hold-down), tiers, the
// fall back to the BGP best path, weights; and Resolve's verdicts.
#include "rib-adapter/steer/select.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cats::steer {
namespace {

using std::chrono::seconds;

SiteId site(const char* text) {
  return rib::PeerAddress::parse(text).value();
}

// A site in a row: "a" .. "e" are edges 10.0.0.1-5, "c1", "c2" clouds 10.9.0.1-2.
struct S {
  const char* name;
  std::optional<std::uint8_t> score;
  std::optional<std::uint64_t> cost = 10;
  bool drained = false;
  bool reachable = true;
  bool bgp_best = false;
  std::optional<std::uint32_t> latency = std::nullopt;
};

SiteId address_of(const std::string& name) {
  if (name == "c1") return site("10.9.0.1");
  if (name == "c2") return site("10.9.0.2");
  return site(("10.0.0." + std::to_string(name[0] - 'a' + 1)).c_str());
}

std::string name_of(const SiteId& id) {
  for (const char* n : {"a", "b", "c", "d", "e", "c1", "c2"})
    if (address_of(n) == id) return n;
  return "?";
}

std::vector<Candidate> make(const std::vector<S>& sites) {
  std::vector<Candidate> out;
  for (const auto& s : sites) {
    Candidate c;
    c.site = address_of(s.name);
    c.tier = s.name[0] == 'c' && s.name[1] != '\0' ? Tier::kCloud : Tier::kEdge;
    c.site_score = s.score;
    c.cost = s.cost;
    c.drained = s.drained;
    c.reachable = s.reachable;
    c.bgp_best = s.bgp_best;
    c.latency_ms = s.latency;
    out.push_back(c);
  }
  return out;
}

config::ServiceClass cls(const char* name) {
  if (std::string(name) == "delay-sensitive") return config::delay_sensitive_class();
  return config::delay_tolerant_class();
}

// Selected sites as "a" or "a:8,b:5" (weighted).
std::string chosen(const std::vector<Candidate>& cs, const Selection& sel) {
  std::string out;
  for (const auto& c : sel.sites) {
    if (!out.empty()) out += ",";
    out += name_of(cs[c.index].site);
    if (sel.outcome == Outcome::kWeighted) out += ":" + std::to_string(c.weight);
  }
  return out.empty() ? "-" : out;
}

struct Row {
  const char* rule;
  const char* service_class;
  std::vector<S> sites;
  std::vector<const char*> before;  // the current selection
  const char* expect;
  Outcome outcome;
  std::optional<std::uint8_t> unknown_score = std::nullopt;
};

const Clock::time_point kNow = Clock::time_point{} + std::chrono::hours{1};

// clang-format off
const std::vector<Row> kRows = {
  // Eligibility.
  {"the better score with equal cost", "delay-tolerant", {{"a", 5}, {"b", 9}}, {}, "b", Outcome::kNearest},
  {"unreachable next hop never", "delay-tolerant", {{"a", 9, 10, false, false}, {"b", 7}}, {}, "b", Outcome::kNearest},
  {"drained never while another is eligible", "delay-tolerant", {{"a", 9, 1, true}, {"b", 4, 50}}, {}, "b", Outcome::kAllBelow},
  {"L2 0 is not eligible", "delay-tolerant", {{"a", 0, 1}, {"b", 3, 50}}, {}, "b", Outcome::kAllBelow},
  {"unknown score not eligible by default", "delay-tolerant", {{"a", std::nullopt, 1}, {"b", 7, 50}}, {}, "b", Outcome::kNearest},
  {"unknown score takes unknown-score", "delay-tolerant", {{"a", std::nullopt, 1}, {"b", 7, 50}}, {}, "a", Outcome::kNearest, 7},
  // The nearest and leave-threshold.
  {"nearest at the threshold keeps it", "delay-tolerant", {{"a", 6, 1}, {"b", 10, 50}}, {}, "a", Outcome::kNearest},
  {"nearest below the threshold: best above", "delay-tolerant", {{"a", 5, 1}, {"b", 9, 50}, {"c", 7, 10}}, {}, "c", Outcome::kLeftNearest},
  {"all below the threshold: least penalty", "delay-tolerant", {{"a", 1, 10}, {"b", 4, 12}}, {}, "b", Outcome::kAllBelow},
  // Classes: the delay-tolerant class leaves a loaded nearest site first.
  {"delay-sensitive stays at 5", "delay-sensitive", {{"a", 5, 1}, {"b", 9, 50}}, {"a"}, "a", Outcome::kNearest},
  {"delay-tolerant leaves at 5", "delay-tolerant", {{"a", 5, 1}, {"b", 9, 50}}, {"a"}, "b", Outcome::kLeftNearest},
  {"delay-sensitive leaves at 2", "delay-sensitive", {{"a", 2, 1}, {"b", 9, 50}}, {"a"}, "b", Outcome::kLeftNearest},
  // Hysteresis.
  {"current kept: better by less than the margin", "delay-tolerant", {{"a", 7, 10}, {"b", 8, 10}}, {"a"}, "a", Outcome::kKept},
  {"current left: better by the margin", "delay-tolerant", {{"a", 6, 10}, {"b", 8, 10}}, {"a"}, "b", Outcome::kNearest},
  {"equals: no move", "delay-tolerant", {{"a", 8, 10}, {"b", 8, 10}}, {"b"}, "b", Outcome::kNearest},
  {"current below the threshold: no margin", "delay-tolerant", {{"a", 5, 10}, {"b", 6, 10}}, {"a"}, "b", Outcome::kNearest},
  // Tiers.
  {"edge before a better cloud", "delay-tolerant", {{"a", 3}, {"c1", 10}}, {}, "a", Outcome::kAllBelow},
  {"cloud when no edge is eligible", "delay-tolerant", {{"a", 0}, {"b", 9, 10, true}, {"c1", 8}}, {}, "c1", Outcome::kNearest},
  {"cloud sites among themselves", "delay-tolerant", {{"a", 0}, {"c1", 8, 30}, {"c2", 9, 10}}, {}, "c2", Outcome::kNearest},
  // Nothing eligible: the BGP best path, never a blackhole.
  {"nothing eligible: BGP best", "delay-tolerant", {{"a", 0, 10, false, true, true}, {"b", 9, 10, true}}, {}, "a", Outcome::kBgpBest},
  {"no usable path at all", "delay-tolerant", {{"a", 0, 10, false, false}}, {}, "-", Outcome::kNone},
};
// clang-format on

TEST(Select, Rules) {
  for (const auto& row : kRows) {
    const auto cs = make(row.sites);
    History h;
    for (const char* b : row.before) h.selected.push_back(address_of(b));
    for (const auto& c : cs) h.seen.push_back(c.site);
    const auto sel = select(cs, cls(row.service_class), Params{row.unknown_score}, h, kNow);
    EXPECT_EQ(chosen(cs, sel), row.expect) << row.rule << ": " << reason(sel, cs);
    EXPECT_EQ(outcome_name(sel.outcome), std::string(outcome_name(row.outcome))) << row.rule << ": " << reason(sel, cs);
    EXPECT_FALSE(reason(sel, cs).empty()) << row.rule;
  }
}

TEST(Select, ReasonNamesTheThreshold) {
  const auto cs = make({{"a", 2, 1}, {"b", 9, 50}});
  const auto sel = select(cs, cls("delay-tolerant"), {}, {}, kNow);
  EXPECT_EQ(reason(sel, cs), "nearest 10.0.0.1 score 2 below leave-threshold 6: 10.0.0.2 (score 9, penalty 3.2)");
  // Kept by the margin.
  History h;
  h.selected = {address_of("a")};
  h.seen = {address_of("a"), address_of("b")};
  const auto kept = make({{"a", 7, 10}, {"b", 8, 10}});
  EXPECT_EQ(reason(select(kept, cls("delay-tolerant"), {}, h, kNow), kept),
            "kept 10.0.0.1 (score 7, penalty 2.25): 10.0.0.2 better by 0.75 < margin 1");
}

TEST(Select, HoldDownBlocksTheReturnUntilItEnds) {
  auto dt = cls("delay-tolerant");
  const auto cs = make({{"a", 8, 1}, {"b", 9, 50}});  // a is nearer and good again
  History h;
  h.selected = {address_of("b")};
  h.left = {{address_of("a"), kNow - seconds{10}}};
  auto sel = select(cs, dt, {}, h, kNow);
  EXPECT_EQ(chosen(cs, sel), "b") << reason(sel, cs);
  EXPECT_EQ(sel.outcome, Outcome::kHeldDown);
  ASSERT_TRUE(sel.recheck.has_value());
  EXPECT_EQ(*sel.recheck, kNow + seconds{20});
  // At the recheck time the return is allowed.
  sel = select(cs, dt, {}, h, *sel.recheck);
  EXPECT_EQ(chosen(cs, sel), "a") << reason(sel, cs);
  // Not when the current site has fallen below the threshold: it leaves at once.
  const auto bad = make({{"a", 8, 1}, {"b", 3, 50}});
  sel = select(bad, dt, {}, h, kNow);
  EXPECT_EQ(chosen(bad, sel), "a") << reason(sel, bad);
}

TEST(Select, NextHistoryRemembersWhatWasLeft) {
  const auto cs = make({{"a", 2, 1}, {"b", 9, 50}});
  History h;
  h.selected = {address_of("a")};
  const auto sel = select(cs, cls("delay-tolerant"), {}, h, kNow);
  const auto next = next_history(h, cs, sel, kNow, seconds{30});
  ASSERT_EQ(next.selected.size(), 1u);
  EXPECT_EQ(name_of(next.selected[0]), "b");
  ASSERT_EQ(next.left.size(), 1u);
  EXPECT_EQ(name_of(next.left[0].site), "a");
  // Old entries go.
  EXPECT_TRUE(next_history(next, cs, sel, kNow + seconds{31}, seconds{30}).left.empty());
}

// The margin damps noise, not arrivals: a better site that just appeared takes over.
TEST(Select, ANewSiteIsNotHeldToTheMargin) {
  const auto cs = make({{"a", 8, 10}, {"b", 9, 10}});
  History h;
  h.selected = {address_of("a")};
  h.seen = {address_of("a")};  // b arrived since
  auto sel = select(cs, cls("delay-tolerant"), {}, h, kNow);
  EXPECT_EQ(chosen(cs, sel), "b") << reason(sel, cs);
  h.seen.push_back(address_of("b"));  // b was there: better by 0.75 < margin 1
  sel = select(cs, cls("delay-tolerant"), {}, h, kNow);
  EXPECT_EQ(chosen(cs, sel), "a") << reason(sel, cs);
}

// With one site's score alternating 7/8 and the other at a steady 8, the
// choice does not move once made (docs/STEERING.md: stability).
TEST(Select, NoiseDoesNotMoveTheChoice) {
  for (const char* c : {"delay-tolerant", "delay-sensitive"}) {
    const auto klass = cls(c);
    History h;
    int switches = 0;
    auto t = kNow;
    for (int i = 0; i < 600; ++i, t += std::chrono::milliseconds{100}) {
      const auto cs = make({{"a", static_cast<std::uint8_t>(i % 2 == 0 ? 7 : 8)}, {"b", 8}});
      const auto sel = select(cs, klass, {}, h, t);
      if (!h.selected.empty() && h.selected.front() != cs[sel.sites.front().index].site) ++switches;
      h = next_history(h, cs, sel, t, klass.hold_down);
    }
    EXPECT_LE(switches, 1) << c;
  }
}

TEST(Select, WeightedBySiteScore) {
  auto w = cls("delay-tolerant");
  w.mode = config::SelectionMode::kWeighted;
  w.max_sites = 3;
  // d is below the threshold, e outside the band.
  const auto cs = make({{"a", 9, 10}, {"b", 6, 10}, {"c", 8, 20}, {"d", 5, 10}, {"e", 7, 1000}});
  auto sel = select(cs, w, {}, {}, kNow);
  EXPECT_EQ(chosen(cs, sel), "a:9,c:8,b:6") << reason(sel, cs);
  w.max_sites = 2;
  sel = select(cs, w, {}, {}, kNow);
  EXPECT_EQ(chosen(cs, sel), "a:9,c:8") << reason(sel, cs);
  // Every site below the threshold: the best one alone.
  const auto low = make({{"a", 3, 10}, {"b", 2, 10}});
  sel = select(low, w, {}, {}, kNow);
  EXPECT_EQ(chosen(low, sel), "a:1") << reason(sel, low);
}

TEST(Select, ScoreFromL1Categories) {
  auto c = cls("delay-tolerant");
  c.score = config::ScoreSource::kL1;
  c.l1_categories = {config::Category::kCompute, config::Category::kService};
  auto cs = make({{"a", 9}, {"b", 5}});
  cs[0].l1[config::index(config::Category::kCompute)] = 4;  // a's L2 is 9 but its compute is 4
  cs[0].l1[config::index(config::Category::kService)] = 9;
  cs[1].l1[config::index(config::Category::kCompute)] = 8;
  cs[1].l1[config::index(config::Category::kService)] = 7;
  const auto sel = select(cs, c, {}, {}, kNow);
  EXPECT_EQ(chosen(cs, sel), "b") << reason(sel, cs);
}

struct ResolveRow {
  const char* what;
  std::vector<S> sites;
  std::optional<std::uint32_t> budget;
  Verdict verdict;
  const char* site;
};

// clang-format off
const std::vector<ResolveRow> kResolve = {
  {"the selected edge", {{"a", 8, 10, false, true, false, 5}, {"c1", 9, 10, false, true, false, 80}}, 50, Verdict::kEdge, "a"},
  {"no budget: the selected edge", {{"a", 8, 10, false, true, false, 500}}, std::nullopt, Verdict::kEdge, "a"},
  {"the selected edge misses the budget: another edge", {{"a", 9, 1, false, true, false, 60}, {"b", 6, 50, false, true, false, 20}}, 30, Verdict::kEdge, "b"},
  {"no edge eligible: cloud", {{"a", 0, 10, false, true, false, 5}, {"c1", 7, 10, false, true, false, 80}}, 100, Verdict::kCloud, "c1"},
  {"cloud too slow: local", {{"a", 0, 10, false, true, false, 5}, {"c1", 7, 10, false, true, false, 80}}, 50, Verdict::kLocal, "-"},
  {"nothing eligible: local", {{"a", 0, 10, false, true, true, 5}}, 50, Verdict::kLocal, "-"},
};
// clang-format on

TEST(Resolve, Verdicts) {
  for (const auto& row : kResolve) {
    const auto cs = make(row.sites);
    const auto klass = cls("delay-tolerant");
    const auto sel = select(cs, klass, {}, {}, kNow);
    const auto r = resolve(cs, klass, {}, sel, row.budget);
    EXPECT_EQ(verdict_name(r.verdict), std::string(verdict_name(row.verdict))) << row.what << ": " << r.reason;
    EXPECT_EQ(r.site ? name_of(cs[*r.site].site) : "-", row.site) << row.what << ": " << r.reason;
    EXPECT_FALSE(r.reason.empty());
  }
}

}  // namespace
}  // namespace cats::steer
