// Site aggregation: the healthy instances of a site make one L2 and one L1 per
// category (the framework prefers per-site metrics for scale).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "metric-collector/score/normalise.hpp"

namespace cats::score {

enum class Verdict : std::uint8_t {
  kAdvertise,
  kWithdraw,  // no healthy instance: the site must not attract the service
};
const char* verdict_name(Verdict v);

struct SiteScore {
  std::uint16_t profile_id = 0;
  Verdict verdict = Verdict::kWithdraw;
  Score l2;                              // meaningful when kAdvertise
  L1Scores l1;                           // a category is present when a healthy instance had it
  std::vector<InstanceScore> instances;  // health after the staleness check
  std::size_t healthy = 0;
};

// Instances sampled more than the rules' stale-after before `now` become
// kStale (a dead endpoint whose last values are still around); then the
// healthy ones are aggregated per the rules' site function.
SiteScore aggregate_site(const Rules& r, std::uint16_t profile_id, std::vector<InstanceScore> instances, TimePoint now);
SiteScore aggregate_site(const Profile& p, std::string_view service, std::vector<InstanceScore> instances,
                         TimePoint now);

// normalise() every instance, then aggregate_site().
SiteScore score_site(const Profile& p, std::string_view service, std::span<const L0Inputs> inputs, TimePoint now);

}  // namespace cats::score
