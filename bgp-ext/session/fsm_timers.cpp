#include "bgp-ext/session/fsm_timers.hpp"

#include <algorithm>
#include <cmath>

namespace cats::session {

const char* timer_name(Timer t) {
  switch (t) {
    case Timer::kConnectRetry: return "connect-retry";
    case Timer::kHold: return "hold";
    case Timer::kKeepalive: return "keepalive";
    case Timer::kDelayOpen: return "delay-open";
    case Timer::kIdleHold: return "idle-hold";
    case Timer::kSendHold: return "send-hold";
  }
  return "?";
}

Duration jittered(Duration d, const RandomSource& random) {
  if (!random || d <= Duration::zero()) return d;
  // Clamped: a misbehaving source must not stretch or negate a timer.
  const double u = std::clamp(random(), 0.0, 1.0);
  const double factor = 1.0 - 0.25 * u;
  return Duration{static_cast<Duration::rep>(std::llround(static_cast<double>(d.count()) * factor))};
}

void Timers::start(Timer t, TimePoint deadline) {
  auto& s = slot(t);
  s.deadline = deadline;
  s.armed = ++armed_;
}

bool Timers::stop(Timer t) {
  auto& s = slot(t);
  const bool was = s.deadline.has_value();
  s.deadline.reset();
  return was;
}

std::optional<TimePoint> Timers::next() const {
  std::optional<TimePoint> best;
  for (const auto& s : slots_) {
    if (s.deadline && (!best || *s.deadline < *best)) best = s.deadline;
  }
  return best;
}

std::optional<Timer> Timers::due(TimePoint now, std::uint64_t generation) const {
  std::optional<Timer> best;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const auto& s = slots_[i];
    if (!s.deadline || *s.deadline > now || s.armed > generation) continue;
    // Ties go to the lower enumerator: hold expiry wins over keepalive.
    if (!best || *s.deadline < *slot(*best).deadline) best = static_cast<Timer>(i);
  }
  return best;
}

}  // namespace cats::session
