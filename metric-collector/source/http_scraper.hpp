// Scrapes one Prometheus /metrics endpoint over HTTP/1.1 (Boost.Beast) on a
// caller's io_context: every interval, one request at a time, with a deadline
// over connect+write+read and a cap on the body. Failures are counted by kind
// and never drop the last good scrape, but a scrape older than the staleness
// timeout is reported stale: consumers never get a silently old value.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "metric-collector/prom/exposition.hpp"
#include "metric-collector/score/inputs.hpp"

namespace boost::asio {
class io_context;
}

namespace cats::source {

struct ScrapeTarget {
  std::string name;  // names the target in logs and instance ids
  std::string host;  // name or address
  std::uint16_t port = 0;
  std::string path = "/metrics";
  std::chrono::milliseconds interval{5000};
  std::chrono::milliseconds timeout{2000};     // connect + request + whole response
  std::chrono::milliseconds staleness{15000};  // since the last good scrape
  std::size_t body_cap = std::size_t{8} << 20;
};

enum class Failure : std::uint8_t {
  kNone,
  kConnect,     // resolve or connect failed (refused, unreachable)
  kTimeout,     // no complete response within the timeout
  kReset,       // the peer closed or reset before a complete response
  kHttp,        // not a valid HTTP response
  kHttpStatus,  // a status other than 200
  kTooLarge,    // body over the cap: the read is aborted
  kParse,       // no sample could be parsed and some line was malformed
};
inline constexpr std::size_t kFailureKinds = 8;
const char* failure_name(Failure f);

struct ScrapeCounters {
  std::uint64_t scrapes = 0;  // completed attempts
  std::uint64_t good = 0;
  std::array<std::uint64_t, kFailureKinds> failures{};  // by Failure, [kNone] unused
  std::uint64_t parse_errors = 0;                       // malformed lines over all scrapes, also of good ones
  std::uint64_t bytes = 0;                              // bodies received
  std::uint64_t stale_transitions = 0;
  std::uint64_t failed(Failure f) const { return failures[static_cast<std::size_t>(f)]; }
};

// One good scrape: the body and its parse (which borrows the body, hence
// heap-allocated once and shared read-only).
struct Scrape {
  std::string body;
  std::string content_type;
  prom::ParseResult parsed;
  score::TimePoint at{};
  std::chrono::microseconds took{};
};

struct TargetStatus {
  std::shared_ptr<const Scrape> last_good;
  std::shared_ptr<const Scrape> previous_good;  // for rates
  bool stale = true;                            // as of the last scrape or tick
  Failure last_failure = Failure::kNone;        // of the last attempt
  std::string last_error;                       // of the last attempt; parse errors of a good one too
  score::TimePoint last_attempt{};
  ScrapeCounters counters;
};

class HttpScraper {
 public:
  // Called on the io_context after every completed attempt.
  using Callback = std::function<void(const HttpScraper&)>;

  HttpScraper(boost::asio::io_context& io, ScrapeTarget target, Callback on_scrape = {});
  ~HttpScraper();  // stops; handlers still queued finish without calling back
  HttpScraper(const HttpScraper&) = delete;
  HttpScraper& operator=(const HttpScraper&) = delete;

  void start();        // scrape now, then every interval
  void stop();         // cancels the timer and an attempt in flight
  void scrape_once();  // one attempt now, unless one is in flight

  const ScrapeTarget& target() const;
  const TargetStatus& status() const;
  // No good scrape within the staleness timeout before `now`.
  bool stale(score::TimePoint now) const;

  struct State;

 private:
  std::shared_ptr<State> state_;  // shared with the handlers in flight
};

// Several targets of one site, started and stopped together.
class ScrapeGroup {
 public:
  explicit ScrapeGroup(boost::asio::io_context& io) : io_(io) {}
  HttpScraper& add(ScrapeTarget target, HttpScraper::Callback on_scrape = {});
  void start();
  void stop();
  const std::vector<std::unique_ptr<HttpScraper>>& targets() const { return targets_; }

 private:
  boost::asio::io_context& io_;
  std::vector<std::unique_ptr<HttpScraper>> targets_;
};

}  // namespace cats::source
