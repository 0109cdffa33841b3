// The FSM's timers as data: deadlines on an injected clock, no callbacks.
// The session wrapper arms one real timer at next() and feeds expiries back.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

namespace cats::session {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

// RFC 4271 §8 timers, plus the RFC 9687 send hold timer.
enum class Timer : std::uint8_t {
  kConnectRetry,
  kHold,
  kKeepalive,
  kDelayOpen,
  kIdleHold,
  kSendHold,
};
inline constexpr std::size_t kTimerCount = 6;
const char* timer_name(Timer t);  // "connect-retry", ...

// Uniform in [0, 1]. Injected so that tests choose the jitter.
using RandomSource = std::function<double()>;

// RFC 4271 §10: jitter multiplies by a factor in [0.75, 1.0]. An empty
// source means no jitter (factor 1).
Duration jittered(Duration d, const RandomSource& random);

class Timers {
 public:
  void start(Timer t, TimePoint deadline);
  bool stop(Timer t);  // true when it was running
  bool running(Timer t) const { return slot(t).deadline.has_value(); }
  std::optional<TimePoint> deadline(Timer t) const { return slot(t).deadline; }
  std::optional<TimePoint> next() const;

  // Arming order: a timer armed while expiries are processed (a zero wait)
  // fires on the next pass, so one pass always terminates.
  std::uint64_t generation() const { return armed_; }
  // The earliest timer due at `now` that was armed at or before `generation`.
  std::optional<Timer> due(TimePoint now, std::uint64_t generation) const;

 private:
  struct Slot {
    std::optional<TimePoint> deadline;
    std::uint64_t armed = 0;
  };
  const Slot& slot(Timer t) const { return slots_[static_cast<std::size_t>(t)]; }
  Slot& slot(Timer t) { return slots_[static_cast<std::size_t>(t)]; }

  std::array<Slot, kTimerCount> slots_{};
  std::uint64_t armed_ = 0;
};

}  // namespace cats::session
