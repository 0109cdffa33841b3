// L0 -> L1 -> L2 for one contact instance, per the service's profile rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metric-collector/score/inputs.hpp"
#include "metric-collector/score/levels.hpp"
#include "metric-collector/score/profile.hpp"

namespace cats::score {

enum class Health : std::uint8_t {
  kHealthy,
  kDown,    // endpoint did not answer (or the source is unreadable)
  kStale,   // values marked stale, or older than the profile's stale-after
  kNoData,  // answered, but no enabled input had a usable value
  // Answered with scores, but L2 is 0 (Rules::drain_at_zero): no capacity
  // left, so new flows would only queue. Healthy again once L2 is above 0.
  kDrained,
};
const char* health_name(Health h);

struct InstanceScore {
  std::string instance;
  Health health = Health::kNoData;
  std::optional<Score> l2;  // absent when no category fed into L2
  L1Scores l1{};
  std::optional<double> capacity;  // max concurrent, for capacity-weighted aggregation
  TimePoint sampled{};
  std::vector<Input> invalid;  // enabled inputs ignored: negative, NaN or infinite

  // Not healthy: must get no new flows (advertised as drained / score 0).
  bool drained() const { return health != Health::kHealthy; }
};

// 0..10 for one input value under its rule (clamped outside full..zero).
double input_score(const InputRule& r, double x);

InstanceScore normalise(const Rules& r, const L0Inputs& in);
InstanceScore normalise(const Profile& p, std::string_view service, const L0Inputs& in);

}  // namespace cats::score
