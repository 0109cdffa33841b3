// L1/L2 scores: 0..10, 10 best (spec B.3.3). Scores are computed and smoothed
// as real numbers and rounded only for the wire, so rounding happens once.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>

#include "metric-collector/score/inputs.hpp"

namespace cats::score {

inline constexpr std::uint8_t kMaxPoints = 10;

// Nearest integer, halves up, clamped to 0..10; NaN gives 0 (worst).
inline std::uint8_t round_points(double v) {
  if (!(v > 0)) return 0;
  if (v >= kMaxPoints) return kMaxPoints;
  return static_cast<std::uint8_t>(std::floor(v + 0.5));
}

struct Score {
  double exact = 0;         // 0..10
  std::uint8_t points = 0;  // round_points(exact): what the wire carries

  bool operator==(const Score&) const = default;
};

inline Score make_score(double exact) {
  const double v = exact > 0 ? (exact < kMaxPoints ? exact : kMaxPoints) : 0;
  return {v, round_points(v)};
}

// One L1 per category, absent when no enabled input of it had a value.
using L1Scores = std::array<std::optional<Score>, kCategoryCount>;

}  // namespace cats::score
