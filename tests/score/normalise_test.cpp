// L0 -> L1 -> L2 for one instance, one row per case: which inputs feed which
// category, how they combine, clamping, rounding, health and bad values.
#include "metric-collector/score/normalise.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace cats::score {
namespace {

constexpr int kAbsent = -1;

// Category membership is profile data; cpu as "communication" is only here to
// exercise a third category.
Profile table_profile() {
  Profile p;
  p.id = 7;
  Rules& r = p.rules;
  r.rule(Input::kQueue) = {true, Category::kCompute, 0, 10, Curve::kLinear, 1};
  r.rule(Input::kConcurrency) = {true, Category::kCompute, 0.5, 1.0, Curve::kLinear, 1};
  r.rule(Input::kMemory) = {true, Category::kCompute, 0.5, 1.0, Curve::kLinear, 1};
  r.rule(Input::kAccelerator) = {true, Category::kCompute, 0, 1, Curve::kLinear, 1};
  r.rule(Input::kCpu) = {true, Category::kCommunication, 0, 1, Curve::kLinear, 1};
  r.rule(Input::kLatency) = {true, Category::kService, 0.1, 2.1, Curve::kLinear, 1};
  r.l1_combine = Combine::kMin;
  r.l2_combine = Combine::kWeightedMean;
  r.l2_weights = {2, 1, 1, 1};
  return p;
}

// L0 values by name (designated initializers would trip -Wmissing-field-initializers).
struct In {
  L0Inputs v;
  In& set(std::optional<double> L0Inputs::*input, double x) {
    v.*input = x;
    return *this;
  }
  In& queued(double x) { return set(&L0Inputs::queued, x); }
  In& running(double x) { return set(&L0Inputs::running, x); }
  In& max_concurrent(double x) { return set(&L0Inputs::max_concurrent, x); }
  In& memory(double x) { return set(&L0Inputs::memory, x); }
  In& accelerator(double x) { return set(&L0Inputs::accelerator, x); }
  In& cpu(double x) { return set(&L0Inputs::cpu, x); }
  In& latency(double x) { return set(&L0Inputs::latency, x); }
  In& down() {
    v.healthy = false;
    return *this;
  }
  In& stale() {
    v.stale = true;
    return *this;
  }
  operator L0Inputs() const { return v; }
};

struct Row {
  const char* name;
  L0Inputs in;
  int compute, communication, service, l2;
  Health health;
  std::vector<Input> invalid = {};
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

const Row kRows[] = {
    {"idle", In().queued(0).accelerator(0), 10, kAbsent, kAbsent, 10, Health::kHealthy},
    {"bottleneck_wins", In().queued(5).accelerator(0.2), 5, kAbsent, kAbsent, 5, Health::kHealthy},
    {"concurrency_from_capacity", In().running(48).max_concurrent(64).memory(0.6), 5, kAbsent, kAbsent, 5,
     Health::kHealthy},
    {"service_only", In().latency(1.1), kAbsent, kAbsent, 5, 5, Health::kHealthy},
    {"weighted_l2", In().accelerator(0.2).latency(1.3), 8, kAbsent, 4, 7, Health::kHealthy},    // (2*8+4)/3
    {"clamped_both_ends", In().queued(50).latency(0.05), 0, kAbsent, 10, 3, Health::kHealthy},  // 10/3
    {"half_rounds_up", In().accelerator(0.25), 8, kAbsent, kAbsent, 8, Health::kHealthy},       // 7.5
    {"three_categories", In().accelerator(0).cpu(0.5).latency(0.1), 10, 5, 10, 9,
     Health::kHealthy},  // (20+5+10)/4 = 8.75
    // L2 combines the exact L1s (7.45, 5.4): (14.9+5.4)/3 = 6.77 -> 7; the rounded ones would give 6.
    {"l2_from_exact_l1s", In().accelerator(0.255).latency(1.02), 7, kAbsent, 5, 7, Health::kHealthy},
    {"no_inputs", In(), kAbsent, kAbsent, kAbsent, kAbsent, Health::kNoData},
    {"down_still_scored", In().accelerator(0.2).down(), 8, kAbsent, kAbsent, 8, Health::kDown},
    {"marked_stale", In().accelerator(0.2).stale(), 8, kAbsent, kAbsent, 8, Health::kStale},
    {"running_without_capacity", In().running(48), kAbsent, kAbsent, kAbsent, kAbsent, Health::kNoData},
    {"zero_capacity", In().running(5).max_concurrent(0), kAbsent, kAbsent, kAbsent, kAbsent, Health::kNoData},
    {"bad_values_ignored",
     In().queued(-1).accelerator(kNaN).latency(0.1),
     kAbsent,
     kAbsent,
     10,
     10,
     Health::kHealthy,
     {Input::kQueue, Input::kAccelerator}},
    {"infinite_latency_ignored",
     In().accelerator(0.5).latency(std::numeric_limits<double>::infinity()),
     5,
     kAbsent,
     kAbsent,
     5,
     Health::kHealthy,
     {Input::kLatency}},
    // L2 0: no capacity left, drained (Rules::drain_at_zero); a little above 0 is still healthy.
    {"over_full_utilisation", In().accelerator(1.5), 0, kAbsent, kAbsent, 0, Health::kDrained},
    {"at_zero_point", In().queued(10).latency(2.1), 0, kAbsent, 0, 0, Health::kDrained},
    {"just_above_zero", In().accelerator(0.99), 0, kAbsent, kAbsent, 0, Health::kHealthy},
};

int points(const std::optional<Score>& s) {
  return s ? s->points : kAbsent;
}

class Normalise : public testing::TestWithParam<Row> {};

TEST_P(Normalise, Row) {
  const Row& row = GetParam();
  const InstanceScore s = normalise(table_profile(), "any", row.in);
  EXPECT_EQ(points(s.l1[index(Category::kCompute)]), row.compute);
  EXPECT_EQ(points(s.l1[index(Category::kCommunication)]), row.communication);
  EXPECT_EQ(points(s.l1[index(Category::kService)]), row.service);
  EXPECT_EQ(points(s.l1[index(Category::kComposed)]), kAbsent);
  EXPECT_EQ(points(s.l2), row.l2);
  EXPECT_EQ(s.health, row.health) << health_name(s.health);
  EXPECT_EQ(s.drained(), row.health != Health::kHealthy);
  EXPECT_EQ(s.invalid, row.invalid);
}

INSTANTIATE_TEST_SUITE_P(Rows, Normalise, testing::ValuesIn(kRows),
                         [](const testing::TestParamInfo<Row>& i) { return std::string(i.param.name); });

TEST(Normalise, WeightedMeanWithinCategory) {
  Profile p = table_profile();
  p.rules.l1_combine = Combine::kWeightedMean;
  p.rules.rule(Input::kQueue).weight = 3;  // queue 5 (w3), accelerator 0.2 -> 8 (w1): 23/4 = 5.75
  const InstanceScore s = normalise(p, "any", In().queued(5).accelerator(0.2));
  ASSERT_TRUE(s.l1[index(Category::kCompute)]);
  EXPECT_DOUBLE_EQ(s.l1[index(Category::kCompute)]->exact, 5.75);
  EXPECT_EQ(s.l1[index(Category::kCompute)]->points, 6);
}

TEST(Normalise, MinAcrossCategoriesIgnoresZeroWeight) {
  Profile p = table_profile();
  p.rules.l2_combine = Combine::kMin;
  p.rules.l2_weights[index(Category::kService)] = 0;  // informational: advertised, not in L2
  const InstanceScore s = normalise(p, "any", In().accelerator(0.2).latency(2.0));
  EXPECT_EQ(points(s.l1[index(Category::kService)]), 1);
  EXPECT_EQ(points(s.l2), 8);
}

TEST(Normalise, LogisticCurveHitsBothEndsAndIsSymmetric) {
  const InputRule r{true, Category::kCompute, 2, 10, Curve::kLogistic, 1};
  EXPECT_DOUBLE_EQ(input_score(r, 2), 10);
  EXPECT_DOUBLE_EQ(input_score(r, 10), 0);
  EXPECT_NEAR(input_score(r, 6), 5, 1e-9);
  EXPECT_NEAR(input_score(r, 4) + input_score(r, 8), 10, 1e-9);
  // Flatter than linear near the ends, steeper in the middle.
  const InputRule lin{true, Category::kCompute, 2, 10, Curve::kLinear, 1};
  EXPECT_GT(input_score(r, 3), input_score(lin, 3));
  EXPECT_LT(input_score(r, 9), input_score(lin, 9));
  double prev = 11;
  for (double x = 2; x <= 10; x += 0.25) {
    const double s = input_score(r, x);
    EXPECT_LT(s, prev) << x;
    prev = s;
  }
}

TEST(Normalise, ServiceOverrideReplacesOnlyWhatItSets) {
  Profile p = table_profile();
  ServiceOverride o;
  o.service = "chat";
  o.inputs[index(Input::kQueue)] = InputRule{true, Category::kCompute, 0, 40, Curve::kLinear, 1};
  p.overrides.push_back(o);
  const L0Inputs in = In().queued(10).accelerator(0);
  EXPECT_EQ(points(normalise(p, "chat", in).l2), 8);   // queue 10 of 40 -> 7.5
  EXPECT_EQ(points(normalise(p, "other", in).l2), 0);  // queue 10 of 10 -> 0
  const Rules r = rules_for(p, "chat");
  EXPECT_EQ(r.l2_weights, p.rules.l2_weights);
  EXPECT_EQ(r.rule(Input::kAccelerator).zero, 1);
}

TEST(Normalise, DefaultProfileScoresLoad) {
  const Profile p = default_profile();
  const auto l2 = [&](double load) {
    const L0Inputs in = In().queued(0)
                            .running(64 * load)
                            .max_concurrent(64)
                            .memory(0.9 * load)
                            .accelerator(load)
                            .cpu(0.3 + 0.4 * load)
                            .latency(0.2 + 3 * load * load);
    return points(normalise(p, "llm", in).l2);
  };
  EXPECT_EQ(l2(0.2), 10);
  EXPECT_LT(l2(0.9), 5);
  EXPECT_GT(l2(0.5), l2(0.9));
}

TEST(Normalise, MetricTypeCodes) {
  EXPECT_EQ(kMetricTypeL2, 1);
  EXPECT_EQ(metric_type(Category::kCompute), 2);
  EXPECT_EQ(metric_type(Category::kCommunication), 3);
  EXPECT_EQ(metric_type(Category::kService), 4);
  EXPECT_EQ(metric_type(Category::kComposed), 5);
}

}  // namespace
}  // namespace cats::score
