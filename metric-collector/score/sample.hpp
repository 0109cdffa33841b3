// What the damper consumes: raw (unsmoothed, unrounded) scores of one service
// at one site, plus the flags that bypass rate limiting. Independent of how
// the scores were made, so pushed scores can use the same damper.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metric-collector/score/aggregate.hpp"
#include "metric-collector/score/inputs.hpp"

namespace cats::score {

struct InstanceSample {
  std::string instance;
  bool drained = false;
  double l2 = 0;  // 0..10, ignored when drained
};

struct Sample {
  std::uint16_t profile_id = 0;
  bool withdraw = false;  // no healthy instance left
  bool drain = false;     // operator drain of the site: the D flag
  double l2 = 0;          // 0..10
  std::array<std::optional<double>, kCategoryCount> l1{};
  std::vector<InstanceSample> instances;
};

// The site's exact scores; `drain` is the operator's D flag.
Sample to_sample(const SiteScore& site, bool drain = false);

}  // namespace cats::score
