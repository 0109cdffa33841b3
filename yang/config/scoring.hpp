// The scoring part of the configuration model: the vocabulary a profile is
// written in (L0 inputs, L1 categories), the operator's profiles and the
// damper settings. Plain data; metric-collector/score turns it into scores.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cats::config {

// The L0 values a profile can score. Every one of them is "higher is worse".
enum class Input : std::uint8_t {
  kQueue,        // queued (waiting) requests
  kRunning,      // running requests, absolute
  kConcurrency,  // running / max concurrent: needs the capacity hint
  kMemory,       // KV-cache or memory utilisation, 0..1
  kAccelerator,  // GPU/NPU utilisation, 0..1
  kCpu,          // CPU utilisation, 0..1
  kLatency,      // request latency, seconds
};
inline constexpr std::size_t kInputCount = 7;
inline constexpr std::array<Input, kInputCount> kInputs = {Input::kQueue,  Input::kRunning,     Input::kConcurrency,
                                                           Input::kMemory, Input::kAccelerator, Input::kCpu,
                                                           Input::kLatency};

// The L1 categories of the metric-definition draft.
enum class Category : std::uint8_t {
  kCompute,
  kCommunication,
  kService,
  kComposed,
};
inline constexpr std::size_t kCategoryCount = 4;
inline constexpr std::array<Category, kCategoryCount> kCategories = {Category::kCompute, Category::kCommunication,
                                                                     Category::kService, Category::kComposed};

const char* input_name(Input i);        // "queue", "running", "concurrency", ...
const char* category_name(Category c);  // "compute", "communication", "service", "composed"
bool is_fraction(Input i);              // scored on 0..1 (utilisations, concurrency)

// CATS-EXP Metric Type codes (spec B.3.3) of the scores.
inline constexpr std::uint8_t kMetricTypeL2 = 1;  // norm_fi
constexpr std::uint8_t metric_type(Category c) {
  return static_cast<std::uint8_t>(2 + static_cast<std::uint8_t>(c));  // 2 compute .. 5 composed
}

constexpr std::size_t index(Input i) {
  return static_cast<std::size_t>(i);
}
constexpr std::size_t index(Category c) {
  return static_cast<std::size_t>(c);
}

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
  bool operator==(const InputRule&) const = default;
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
  bool operator==(const Rules&) const = default;
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
  bool operator==(const ServiceOverride&) const = default;
};

// The operator's scoring profile: how L0 inputs become L1/L2 scores and how a
// site's instances are aggregated. The Profile ID travels in the Metric
// Control TLV so that receivers only compare scores made the same way.
struct Profile {
  std::uint16_t id = 0;  // Metric Control Profile ID; 0 means "unspecified" on the wire
  std::string name;
  Rules rules;
  std::vector<ServiceOverride> overrides;  // service names unique
  bool operator==(const Profile&) const = default;
};

// The rules in force for one service: the profile's, with that service's
// override (if any) applied field by field.
Rules rules_for(const Profile& p, std::string_view service);

// A reasonable start for LLM inference engines (vLLM, TGI, SGLang, Triton):
// compute from queue, concurrency, KV cache, accelerator and CPU, bottleneck
// wins; service from latency; L2 leans on compute.
Profile default_profile(std::uint16_t id = 1);

// Settings of the anti-churn stage (spec B.3.5 origination rules 2), with the
// spec's defaults.
struct DamperConfig {
  // EWMA of the raw scores; 0 passes samples through unsmoothed.
  std::chrono::milliseconds half_life{10'000};
  // Metric-only changes smaller than this many score points are not sent.
  double threshold = 1.0;
  // Hysteresis, score points in [0, 1]: leaving integer n for n+1 needs the
  // smoothed value to reach n + 0.5 + band/2, and for n-1 to fall below
  // n - 0.5 - band/2 (see quantise()). 0 is plain rounding.
  double band = 0.5;
  // At most one metric-only advertisement per min-interval (1..600 s).
  std::chrono::milliseconds min_interval{5'000};
  // Flap damping: more than flap_limit toggles (drain, withdraw, a score
  // crossing 0) within flap_window hold the last advertisement for hold.
  bool flap_damping = true;
  unsigned flap_limit = 5;
  std::chrono::milliseconds flap_window{60'000};
  std::chrono::milliseconds hold{60'000};
  // What to carry besides the site L2 (spec B.3.5: L2 norm_fi at minimum).
  // Each extra score is one more thing that can change, so both are opt-in.
  bool l1 = false;            // the site's L1 category scores
  bool per_instance = false;  // per-instance L2 scores (Contact Instance TLVs)
  // Metric Control Interval: seconds between samples at the origin (0 unspecified).
  std::uint16_t interval = 10;
  // Sequence of the first advertisement; later ones count up modulo 2^32.
  std::uint32_t first_sequence = 1;
  bool operator==(const DamperConfig&) const = default;
};

}  // namespace cats::config
