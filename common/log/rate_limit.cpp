#include "common/log/rate_limit.hpp"

#include <iterator>

namespace cats::log {

RateLimit::RateLimit(Clock::duration period, unsigned burst, std::size_t max_keys)
    : period_(period), burst_(burst), max_keys_(max_keys) {}

RateLimit::Window& RateLimit::window(std::string_view key, Clock::time_point now) {
  if (auto it = windows_.find(std::string(key)); it != windows_.end()) return it->second;
  if (windows_.size() >= max_keys_) {
    // Forget the keys whose window ended with nothing suppressed: nothing of
    // theirs is left to report.
    for (auto it = windows_.begin(); it != windows_.end();)
      it = now - it->second.start >= period_ && it->second.suppressed == 0 ? windows_.erase(it) : std::next(it);
    if (windows_.size() >= max_keys_) return overflow_;
  }
  return windows_.emplace(std::string(key), Window{now}).first->second;
}

std::optional<std::uint64_t> RateLimit::allow(std::string_view key, Clock::time_point now) {
  Window& w = window(key, now);
  if (now - w.start >= period_) {
    w.start = now;
    w.passed = 0;
  }
  if (w.passed >= burst_) {
    ++w.suppressed;
    return std::nullopt;
  }
  ++w.passed;
  const std::uint64_t suppressed = w.suppressed;
  w.suppressed = 0;
  return suppressed;
}

std::string RateLimit::suffix(std::uint64_t suppressed) {
  return suppressed == 0 ? std::string() : " (" + std::to_string(suppressed) + " more suppressed)";
}

}  // namespace cats::log
