// Rate limiting of log lines per source, for what a remote party can cause
// at will (connections from unconfigured addresses, refused or malformed
// OPENs): the first `burst` lines of a key per `period` pass, the rest are
// counted, and the next line that passes says how many were suppressed.
// Not thread-safe: one instance per thread (the sessions' thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cats::log {

class RateLimit {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimit(Clock::duration period = std::chrono::seconds{10}, unsigned burst = 5,
                     std::size_t max_keys = 1024);

  // nullopt: suppress this line; otherwise the number of lines of `key`
  // suppressed since the last one that passed.
  std::optional<std::uint64_t> allow(std::string_view key, Clock::time_point now = Clock::now());

  // " (N more suppressed)" or "", for appending to a line that passed.
  static std::string suffix(std::uint64_t suppressed);

 private:
  struct Window {
    Clock::time_point start;
    unsigned passed = 0;
    std::uint64_t suppressed = 0;
  };
  Window& window(std::string_view key, Clock::time_point now);

  Clock::duration period_;
  unsigned burst_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Window> windows_;
  Window overflow_;  // every key beyond max_keys_ shares this one
};

}  // namespace cats::log
