#include "metric-collector/score/smoothing.hpp"

#include <algorithm>
#include <cmath>

#include "metric-collector/score/levels.hpp"

namespace cats::score {

double ewma_weight(std::chrono::nanoseconds dt, std::chrono::milliseconds half_life) {
  if (half_life.count() <= 0) return 1.0;
  if (dt.count() <= 0) return 0.0;  // same instant (or a clock that went back): no time to move
  const double halves = std::chrono::duration<double>(dt) / std::chrono::duration<double>(half_life);
  return 1.0 - std::exp2(-halves);
}

double Ewma::step(std::chrono::nanoseconds dt, double x, std::chrono::milliseconds half_life) {
  if (!value_) {
    value_ = x;
    weight_ = 0;  // given its weight by the next sample
    return x;
  }
  const double a = ewma_weight(dt, half_life);
  if (!(a > 0)) return *value_;
  const double past = (1 - a) * (weight_ > 0 ? weight_ : a);
  weight_ = past + a;
  *value_ = (past * *value_ + a * x) / weight_;
  return *value_;
}

std::uint8_t quantise(double s, std::uint8_t last, double band) {
  const double half = band / 2;
  const double n = last;
  double q = n;
  if (s >= n + 0.5 + half) {
    q = std::floor(s + 0.5 - half);
  } else if (s < n - 0.5 - half) {
    q = std::floor(s - 0.5 + half) + 1;
  }
  return static_cast<std::uint8_t>(std::clamp(q, 0.0, static_cast<double>(kMaxPoints)));
}

}  // namespace cats::score
