// The HTTP endpoint Prometheus scrapes (GET /metrics), on prometheus-cpp's
// Exposer (civetweb) with its own two threads: a scrape never runs on a
// routing thread. `collect` reads the process's state; its figures are
// reused for `cache` so that many scrapers cost one read per period, and a
// client that stalls is cut off after a request timeout.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace prometheus {
class Exposer;
}

namespace cats::metrics {

using Collect = std::function<std::vector<prometheus::MetricFamily>()>;

struct EndpointOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 9179;  // 0: any free port (tests)
  std::chrono::milliseconds cache{1000};
  std::chrono::milliseconds request_timeout{5000};
};

class Endpoint {
 public:
  // Binds and serves; the reason when it cannot bind.
  static std::variant<std::unique_ptr<Endpoint>, std::string> start(const EndpointOptions& options, Collect collect);
  ~Endpoint();  // stops serving; waits for a scrape in progress
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const;

  class Cached;  // the Collectable (endpoint.cpp)

 private:
  Endpoint() = default;
  std::string address_;
  std::uint16_t port_ = 0;
  std::shared_ptr<Cached> cached_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace cats::metrics
