// Settings of the anti-churn stage (spec B.3.5 origination rules 2), with the
// spec's defaults.
#pragma once

#include <chrono>
#include <cstdint>

namespace cats::score {

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
};

}  // namespace cats::score
