// Site aggregation over healthy instances, staleness, and the withdraw verdict.
#include "metric-collector/score/aggregate.hpp"

#include <gtest/gtest.h>

#include "metric-collector/score/damper.hpp"
#include "metric-collector/score/sample.hpp"

namespace cats::score {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint{} + 1h;

// Accelerator utilisation alone feeds compute (0 -> 10, 1 -> 0); latency feeds
// service. So an instance's L2 is easy to dial in.
Profile site_profile(SiteAggregation how) {
  Profile p;
  p.id = 9;
  p.rules.rule(Input::kAccelerator) = {true, Category::kCompute, 0, 1, Curve::kLinear, 1};
  p.rules.rule(Input::kLatency) = {true, Category::kService, 0, 10, Curve::kLinear, 1};
  p.rules.l2_weights = {1, 1, 1, 1};
  p.rules.site = how;
  return p;
}

L0Inputs inst(std::string name, double l2, std::optional<double> capacity = std::nullopt) {
  L0Inputs in;
  in.instance = std::move(name);
  in.accelerator = 1 - l2 / 10;
  in.max_concurrent = capacity;
  in.sampled = kNow - 1s;
  return in;
}

SiteScore site(SiteAggregation how, const std::vector<L0Inputs>& ins) {
  return score_site(site_profile(how), "svc", ins, kNow);
}

TEST(Aggregate, Functions) {
  const std::vector<L0Inputs> ins = {inst("a", 2, 1), inst("b", 6, 1), inst("c", 10, 2)};
  EXPECT_DOUBLE_EQ(site(SiteAggregation::kMax, ins).l2.exact, 10);
  EXPECT_DOUBLE_EQ(site(SiteAggregation::kMean, ins).l2.exact, 6);
  EXPECT_DOUBLE_EQ(site(SiteAggregation::kCapacityWeightedMean, ins).l2.exact, 7);  // (2+6+20)/4
  const SiteScore s = site(SiteAggregation::kMean, ins);
  EXPECT_EQ(s.verdict, Verdict::kAdvertise);
  EXPECT_EQ(s.healthy, 3u);
  EXPECT_EQ(s.profile_id, 9);
  ASSERT_TRUE(s.l1[index(Category::kCompute)]);
  EXPECT_EQ(s.l1[index(Category::kCompute)]->points, 6);
  EXPECT_FALSE(s.l1[index(Category::kService)]);
}

TEST(Aggregate, CapacityWeightingNeedsEveryCapacity) {
  const std::vector<L0Inputs> ins = {inst("a", 2, 1), inst("b", 6), inst("c", 10, 2)};
  EXPECT_DOUBLE_EQ(site(SiteAggregation::kCapacityWeightedMean, ins).l2.exact, 6);
}

TEST(Aggregate, DrainedInstancesDoNotCount) {
  std::vector<L0Inputs> ins = {inst("a", 2), inst("b", 6), inst("c", 10)};
  ins[2].healthy = false;
  ins[0].stale = true;
  const SiteScore s = site(SiteAggregation::kMax, ins);
  EXPECT_EQ(s.verdict, Verdict::kAdvertise);
  EXPECT_EQ(s.healthy, 1u);
  EXPECT_DOUBLE_EQ(s.l2.exact, 6);
  ASSERT_EQ(s.instances.size(), 3u);
  EXPECT_TRUE(s.instances[0].drained());
  EXPECT_FALSE(s.instances[1].drained());
  EXPECT_EQ(s.instances[2].health, Health::kDown);
}

TEST(Aggregate, CategoryOnlyFromInstancesThatHaveIt) {
  std::vector<L0Inputs> ins = {inst("a", 4), inst("b", 8)};
  ins[1].latency = 5;  // service 5 on b only
  const SiteScore s = site(SiteAggregation::kMean, ins);
  ASSERT_TRUE(s.l1[index(Category::kService)]);
  EXPECT_DOUBLE_EQ(s.l1[index(Category::kService)]->exact, 5);
  EXPECT_DOUBLE_EQ(s.l1[index(Category::kCompute)]->exact, 6);
  EXPECT_DOUBLE_EQ(s.l2.exact, (4 + 6.5) / 2);  // b's L2 is (8+5)/2
}

TEST(Aggregate, NoHealthyInstanceWithdraws) {
  std::vector<L0Inputs> ins = {inst("a", 8), inst("b", 9)};
  ins[0].healthy = false;
  ins[1].healthy = false;
  const SiteScore s = site(SiteAggregation::kMean, ins);
  EXPECT_EQ(s.verdict, Verdict::kWithdraw);
  EXPECT_EQ(s.healthy, 0u);
  EXPECT_EQ(site(SiteAggregation::kMean, {}).verdict, Verdict::kWithdraw);
  L0Inputs nothing;
  nothing.sampled = kNow;
  EXPECT_EQ(site(SiteAggregation::kMean, {nothing}).verdict, Verdict::kWithdraw);  // no data is not healthy
}

TEST(Aggregate, OldSamplesGoStale) {
  std::vector<L0Inputs> ins = {inst("a", 8), inst("b", 4)};
  ins[0].sampled = kNow - 30s;  // exactly stale-after: still fresh
  ins[1].sampled = kNow - 30s - 1ms;
  const SiteScore s = site(SiteAggregation::kMean, ins);
  EXPECT_EQ(s.instances[0].health, Health::kHealthy);
  EXPECT_EQ(s.instances[1].health, Health::kStale);
  EXPECT_DOUBLE_EQ(s.l2.exact, 8);
}

TEST(Aggregate, ServiceOverrideOfSiteFunctionAndStaleness) {
  Profile p = site_profile(SiteAggregation::kMean);
  ServiceOverride o;
  o.service = "batch";
  o.site = SiteAggregation::kMax;
  o.stale_after = 120s;
  p.overrides.push_back(o);
  std::vector<L0Inputs> ins = {inst("a", 2), inst("b", 6)};
  ins[0].sampled = kNow - 60s;
  EXPECT_DOUBLE_EQ(score_site(p, "batch", ins, kNow).l2.exact, 6);
  EXPECT_DOUBLE_EQ(score_site(p, "chat", ins, kNow).l2.exact, 6);  // a is stale after 30 s here
  ins[0].sampled = kNow;
  EXPECT_DOUBLE_EQ(score_site(p, "chat", ins, kNow).l2.exact, 4);
}

// An instance at the zero point of its inputs has no capacity: drained like
// a failed one, so the site scores the others only.
TEST(Aggregate, InstanceAtZeroIsDrained) {
  const SiteScore s = site(SiteAggregation::kMean, {inst("a", 0), inst("b", 6)});
  EXPECT_EQ(s.verdict, Verdict::kAdvertise);
  EXPECT_EQ(s.healthy, 1u);
  EXPECT_DOUBLE_EQ(s.l2.exact, 6);
  ASSERT_TRUE(s.l1[index(Category::kCompute)]);
  EXPECT_DOUBLE_EQ(s.l1[index(Category::kCompute)]->exact, 6);
  ASSERT_EQ(s.instances.size(), 2u);
  EXPECT_EQ(s.instances[0].health, Health::kDrained);
  EXPECT_STREQ(health_name(s.instances[0].health), "drained");
  EXPECT_TRUE(s.instances[0].drained());
  ASSERT_TRUE(s.instances[0].l2);
  EXPECT_DOUBLE_EQ(s.instances[0].l2->exact, 0);  // still reported
  const Sample sample = to_sample(s);
  ASSERT_EQ(sample.instances.size(), 2u);
  EXPECT_TRUE(sample.instances[0].drained);
  EXPECT_FALSE(sample.instances[1].drained);
}

// Every instance at zero (answering, but full): the site is busy, not gone.
// It is announced at L2 0 at once, and a short burst never turns into a
// withdraw and a return. Withdraw is for a site where nothing answers.
TEST(Aggregate, AllAtZeroIsBusyNotGone) {
  const SiteScore s = site(SiteAggregation::kMax, {inst("a", 0), inst("b", 0)});
  EXPECT_EQ(s.verdict, Verdict::kAdvertise);
  EXPECT_EQ(s.healthy, 0u);
  EXPECT_DOUBLE_EQ(s.l2.exact, 0);
  EXPECT_FALSE(to_sample(s).withdraw);

  DamperConfig c;
  c.half_life = std::chrono::milliseconds{0};
  Damper d(c);
  const auto normal = to_sample(site(SiteAggregation::kMean, {inst("a", 4), inst("b", 8)}));
  auto ad = d.update(kNow, normal);
  ASSERT_TRUE(ad);
  // A 3 s burst: L2 0 goes out at once, the return after it; no withdraw.
  std::vector<Advertisement> sent;
  for (int t = 1; t <= 12; ++t) {
    const bool burst = t >= 2 && t <= 4;
    if (auto a = d.update(kNow + std::chrono::seconds{t}, burst ? to_sample(s) : normal)) sent.push_back(*a);
    if (auto a = d.due(kNow + std::chrono::seconds{t})) sent.push_back(*a);
  }
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].reason, Reason::kZero);
  EXPECT_EQ(sent[0].l2, 0);
  EXPECT_FALSE(sent[1].withdraw);
  EXPECT_EQ(sent[1].l2, ad->l2);
  for (const auto& a : sent) EXPECT_FALSE(a.withdraw);

  // Nothing answering is a withdraw.
  InstanceScore down;
  down.instance = "a";
  down.health = Health::kDown;
  const SiteScore gone = aggregate_site(Rules{}, 0, {down}, kNow);
  EXPECT_EQ(gone.verdict, Verdict::kWithdraw);
}

TEST(Aggregate, AboveZeroAgainIsHealthy) {
  const SiteScore before = site(SiteAggregation::kMean, {inst("a", 0), inst("b", 6)});
  EXPECT_EQ(before.instances[0].health, Health::kDrained);
  const SiteScore after = site(SiteAggregation::kMean, {inst("a", 0.5), inst("b", 6)});
  EXPECT_EQ(after.instances[0].health, Health::kHealthy);
  EXPECT_EQ(after.healthy, 2u);
  EXPECT_NEAR(after.l2.exact, 3.25, 1e-9);
  const SiteScore all_zero = site(SiteAggregation::kMean, {inst("a", 0), inst("b", 0)});
  EXPECT_EQ(all_zero.verdict, Verdict::kAdvertise);
  EXPECT_DOUBLE_EQ(all_zero.l2.exact, 0);
  const SiteScore back = site(SiteAggregation::kMean, {inst("a", 2), inst("b", 0)});
  EXPECT_EQ(back.verdict, Verdict::kAdvertise);
  EXPECT_NEAR(back.l2.exact, 2, 1e-9);
}

TEST(Aggregate, DrainAtZeroOff) {
  Profile p = site_profile(SiteAggregation::kMean);
  p.rules.drain_at_zero = false;
  const SiteScore s = score_site(p, "svc", std::vector<L0Inputs>{inst("a", 0), inst("b", 6)}, kNow);
  EXPECT_EQ(s.instances[0].health, Health::kHealthy);
  EXPECT_EQ(s.healthy, 2u);
  EXPECT_DOUBLE_EQ(s.l2.exact, 3);
  const SiteScore none = score_site(p, "svc", std::vector<L0Inputs>{inst("a", 0), inst("b", 0)}, kNow);
  EXPECT_EQ(none.verdict, Verdict::kAdvertise);  // announced at 0, not withdrawn
}

// Values too old to trust say nothing about capacity: stale, not drained.
TEST(Aggregate, OldSampleAtZeroIsStale) {
  std::vector<L0Inputs> ins = {inst("a", 0), inst("b", 6)};
  ins[0].sampled = kNow - 31s;
  EXPECT_EQ(site(SiteAggregation::kMean, ins).instances[0].health, Health::kStale);
}

TEST(Aggregate, ToSample) {
  std::vector<L0Inputs> ins = {inst("a", 2), inst("b", 6)};
  ins[0].healthy = false;
  const Sample s = to_sample(site(SiteAggregation::kMean, ins), true);
  EXPECT_FALSE(s.withdraw);
  EXPECT_TRUE(s.drain);
  EXPECT_EQ(s.profile_id, 9);
  EXPECT_DOUBLE_EQ(s.l2, 6);
  ASSERT_EQ(s.instances.size(), 2u);
  EXPECT_TRUE(s.instances[0].drained);
  EXPECT_FALSE(s.instances[1].drained);
  EXPECT_DOUBLE_EQ(s.instances[1].l2, 6);
  EXPECT_TRUE(to_sample(site(SiteAggregation::kMean, {})).withdraw);
}

}  // namespace
}  // namespace cats::score
