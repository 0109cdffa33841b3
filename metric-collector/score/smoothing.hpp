// The two filters between a raw score and an advertised integer: an EWMA that
// tolerates irregular sampling, and a quantiser with hysteresis.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace cats::score {

// Weight of a new sample that arrives dt after the previous one:
// 1 - 2^(-dt / half_life). This is the exact step of a first-order low-pass
// filter whose input held the new value for dt, so k samples dt/k apart move
// the average exactly as one sample dt later does. half_life 0 gives 1.
double ewma_weight(std::chrono::nanoseconds dt, std::chrono::milliseconds half_life);

// Exponentially weighted mean of the samples so far. Until its memory is
// full the mean is normalised by the weight accumulated (the first sample
// weighs as much as the second), so one noisy first sample does not dominate
// for a half-life; once settled it is the plain EWMA above.
class Ewma {
 public:
  double step(std::chrono::nanoseconds dt, double x, std::chrono::milliseconds half_life);
  // Take x as the settled average (no start-up normalisation).
  void reset(double x) {
    value_ = x;
    weight_ = 1;
  }
  void clear() {
    value_.reset();
    weight_ = 0;
  }
  const std::optional<double>& value() const { return value_; }
  double weight() const { return weight_; }  // 0 after one sample, towards 1 when settled

 private:
  std::optional<double> value_;
  double weight_ = 0;
};

// The integer to advertise for smoothed value s when `last` is on the wire.
// Leaving n upwards needs s >= n + 0.5 + band/2 and lands on the highest m
// with s >= m - 0.5 + band/2; leaving downwards needs s < n - 0.5 - band/2
// and lands on the lowest m with s < m + 0.5 - band/2. Otherwise `last`
// stays. Boundaries belong to the upper integer, so band 0 is round-half-up.
// Result clamped to 0..10.
std::uint8_t quantise(double s, std::uint8_t last, double band);

}  // namespace cats::score
