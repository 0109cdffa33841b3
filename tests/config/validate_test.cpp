// Profile and damper configuration checks: each broken field yields one error
// that names where, the field and why.
#include "yang/config/validate.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <limits>

namespace cats::config {
namespace {

using namespace std::chrono_literals;

Profile good() {
  return default_profile(3);
}

std::vector<std::string> messages(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  out.reserve(errors.size());
  for (const FieldError& e : errors) out.push_back(e.message());
  return out;
}

struct Row {
  const char* name;
  std::function<void(Profile&)> edit;
  std::vector<std::string> expected;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

const Row kRows[] = {
    {"valid", [](Profile&) {}, {}},
    {"zero_point_below_full_point",
     [](Profile& p) { p.rules.rule(Input::kQueue).zero = 0; },
     {"profile 3: zero-point of queue must exceed full-point (full 0, zero 0)"}},
    {"disabled_input_not_checked",
     [](Profile& p) { p.rules.rule(Input::kRunning) = {false, Category::kCompute, 5, 1, Curve::kLinear, 1}; },
     {}},
    {"id_zero", [](Profile& p) { p.id = 0; }, {"profile 0: id must not be 0 (0 means unspecified on the wire)"}},
    {"utilisation_above_one",
     [](Profile& p) { p.rules.rule(Input::kMemory).zero = 1.5; },
     {"profile 3: zero-point of memory must not exceed 1, it is a utilisation (got 1.5)"}},
    {"full_point_not_a_number",
     [](Profile& p) { p.rules.rule(Input::kLatency).full = kNaN; },
     {"profile 3: full-point of latency must be a finite number"}},
    {"negative_full_point",
     [](Profile& p) { p.rules.rule(Input::kQueue).full = -2; },
     {"profile 3: full-point of queue must not be negative (got -2)"}},
    {"weight_zero",
     [](Profile& p) { p.rules.rule(Input::kCpu).weight = 0; },
     {"profile 3: weight of cpu must be positive (got 0)"}},
    {"no_input",
     [](Profile& p) {
       for (InputRule& r : p.rules.inputs) r.enabled = false;
     },
     {"profile 3: inputs none enabled: nothing to score"}},
    {"l2_weight_negative",
     [](Profile& p) { p.rules.l2_weights[index(Category::kCommunication)] = -1; },
     {"profile 3: L2 weight of communication must be a finite number >= 0 (got -1)"}},
    {"l2_weights_miss_fed_categories",
     [](Profile& p) {
       p.rules.l2_weights = {0, 1, 0, 1};
     },
     {"profile 3: L2 weights give no weight to any category with an enabled input"}},
    {"stale_after_zero",
     [](Profile& p) { p.rules.stale_after = 0ms; },
     {"profile 3: stale-after must be more than 0 and at most 3600 s (got 0 s)"}},
    {"unknown_enum_values",
     [](Profile& p) {
       p.rules.site = static_cast<SiteAggregation>(9);
       p.rules.l1_combine = static_cast<Combine>(7);
     },
     {"profile 3: category combination is not min or weighted-mean",
      "profile 3: site aggregation is not max, mean or capacity-weighted-mean"}},
    {"two_errors_in_order",
     [](Profile& p) {
       p.rules.rule(Input::kQueue).zero = 0;
       p.rules.rule(Input::kAccelerator).full = 1;
     },
     {"profile 3: zero-point of queue must exceed full-point (full 0, zero 0)",
      "profile 3: zero-point of accelerator must exceed full-point (full 1, zero 1)"}},
    {"override_breaks_its_service",
     [](Profile& p) {
       ServiceOverride o;
       o.service = "chat";
       o.inputs[index(Input::kLatency)] = InputRule{true, Category::kService, 5, 2, Curve::kLogistic, 1};
       p.overrides.push_back(o);
     },
     {"profile 3, service \"chat\": zero-point of latency must exceed full-point (full 5, zero 2)"}},
    {"override_inherits_error_once",
     [](Profile& p) {
       p.rules.rule(Input::kQueue).zero = 0;
       ServiceOverride o;
       o.service = "chat";
       o.site = SiteAggregation::kMax;
       p.overrides.push_back(o);
     },
     {"profile 3: zero-point of queue must exceed full-point (full 0, zero 0)"}},
    {"override_without_service",
     [](Profile& p) { p.overrides.push_back(ServiceOverride{}); },
     {"profile 3: service of override 1 must not be empty"}},
    {"override_twice",
     [](Profile& p) {
       ServiceOverride o;
       o.service = "chat";
       p.overrides.push_back(o);
       p.overrides.push_back(o);
     },
     {"profile 3: override for service \"chat\" appears more than once"}},
};

class ValidateProfile : public testing::TestWithParam<Row> {};

TEST_P(ValidateProfile, Row) {
  Profile p = good();
  GetParam().edit(p);
  EXPECT_EQ(messages(validate(p)), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Rows, ValidateProfile, testing::ValuesIn(kRows),
                         [](const testing::TestParamInfo<Row>& i) { return std::string(i.param.name); });

TEST(ValidateProfile, ErrorNamesWhereFieldAndReason) {
  Profile p = good();
  p.rules.rule(Input::kQueue).zero = 0;
  const std::vector<FieldError> e = validate(p);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].where, "profile 3");
  EXPECT_EQ(e[0].field, "zero-point of queue");
  EXPECT_EQ(e[0].reason, "must exceed full-point (full 0, zero 0)");
}

TEST(ValidateProfile, DuplicateIdsInASet) {
  std::vector<Profile> ps = {default_profile(4), default_profile(5), default_profile(4)};
  ps[0].name = "a";
  ps[2].name = "c";
  EXPECT_EQ(messages(validate(std::span<const Profile>(ps))),
            std::vector<std::string>{"profile 4: id is used by \"a\" and \"c\""});
}

TEST(ValidateDamper, DefaultsAreValid) {
  EXPECT_TRUE(validate(DamperConfig{}).empty());
}

TEST(ValidateDamper, Ranges) {
  DamperConfig c;
  c.min_interval = 0s;
  c.band = 1.5;
  c.threshold = -1;
  c.flap_limit = 0;
  c.hold = 0s;
  EXPECT_EQ(messages(validate(c)), (std::vector<std::string>{
                                       "damper: threshold must be 0..10 score points (got -1)",
                                       "damper: hysteresis band must be 0..1 score points (got 1.5)",
                                       "damper: min-interval must be 1..600 s (got 0 s)",
                                       "damper: flap limit must be at least 1 toggle",
                                       "damper: hold time must be more than 0 and at most 3600 s (got 0 s)",
                                   }));
  c = {};
  c.min_interval = 601s;
  c.half_life = 1500ms;
  EXPECT_EQ(messages(validate(c)), std::vector<std::string>{"damper: min-interval must be 1..600 s (got 601 s)"});
  c.flap_damping = false;
  c.min_interval = 600s;
  c.hold = 0s;  // not used without flap damping
  EXPECT_TRUE(validate(c).empty());
}

}  // namespace
}  // namespace cats::config
