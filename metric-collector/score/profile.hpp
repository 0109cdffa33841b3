// The operator's scoring profile: how L0 inputs become L1/L2 scores and how a
// site's instances are aggregated. Plain data, so configuration can fill it;
// the Profile ID travels in the Metric Control TLV so that receivers only
// compare scores made the same way.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "score/inputs.hpp"

namespace cats::score {

// Shape of the mapping between the full point (score 10) and the zero point
// (score 0). Outside that range the score is clamped.
enum class Curve : std::uint8_t {
  kLinear,
  kLogistic,  // S-curve through the midpoint, rescaled to hit 10 and 0 exactly
};

enum class Combine : std::uint8_t {
  kMin,           // the bottleneck decides
  kWeightedMean,  // weights renormalised over the parts present
};

// How the healthy instances of a site make the site score.
enum class SiteAggregation : std::uint8_t {
  kMax,                   // the site is as good as its best instance
  kMean,                  // an even load balancer
  kCapacityWeightedMean,  // weights = max concurrent; plain mean unless every instance has one
};

const char* curve_name(Curve c);
const char* combine_name(Combine c);
const char* site_aggregation_name(SiteAggregation a);

struct InputRule {
  bool enabled = false;
  Category category = Category::kCompute;
  double full = 0;  // at or below this the input scores 10
  double zero = 1;  // at or above this the input scores 0; must exceed full
  Curve curve = Curve::kLinear;
  double weight = 1;  // within its category, for Combine::kWeightedMean
};

struct Rules {
  std::array<InputRule, kInputCount> inputs{};
  Combine l1_combine = Combine::kMin;           // inputs of a category -> its L1
  Combine l2_combine = Combine::kWeightedMean;  // L1s -> L2
  // Per category; 0 keeps the L1 informational (advertised, not part of L2).
  std::array<double, kCategoryCount> l2_weights{1, 1, 1, 1};
  SiteAggregation site = SiteAggregation::kMean;
  // An instance whose last sample is older than this is drained.
  std::chrono::milliseconds stale_after{30'000};
  // An instance whose L2 is 0 (its inputs at or past their zero points) is
  // drained like a failed one; false keeps it in the site score at 0.
  bool drain_at_zero = true;

  const InputRule& rule(Input i) const { return inputs[index(i)]; }
  InputRule& rule(Input i) { return inputs[index(i)]; }
};

// Anything a service needs differently; unset fields inherit from the profile.
struct ServiceOverride {
  std::string service;
  std::array<std::optional<InputRule>, kInputCount> inputs{};
  std::optional<Combine> l1_combine;
  std::optional<Combine> l2_combine;
  std::optional<std::array<double, kCategoryCount>> l2_weights;
  std::optional<SiteAggregation> site;
  std::optional<std::chrono::milliseconds> stale_after;
};

struct Profile {
  std::uint16_t id = 0;  // Metric Control Profile ID; 0 means "unspecified" on the wire
  std::string name;
  Rules rules;
  std::vector<ServiceOverride> overrides;  // service names unique
};

// The rules in force for one service: the profile's, with that service's
// override (if any) applied field by field.
Rules rules_for(const Profile& p, std::string_view service);

// A reasonable start for LLM inference engines (vLLM, TGI, SGLang, Triton):
// compute from queue, concurrency, KV cache, accelerator and CPU, bottleneck
// wins; service from latency; L2 leans on compute.
Profile default_profile(std::uint16_t id = 1);

}  // namespace cats::score
