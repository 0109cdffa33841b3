#include "common/metrics/endpoint.hpp"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <exception>
#include <mutex>
#include <utility>

namespace cats::metrics {

class Endpoint::Cached : public prometheus::Collectable {
 public:
  Cached(cats::metrics::Collect collect, std::chrono::milliseconds cache)
      : collect_(std::move(collect)), cache_(cache) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    // Concurrent scrapes wait for one read rather than each reading.
    const std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (!read_ || now - at_ >= cache_) {
      last_ = collect_();
      at_ = now;
      read_ = true;
    }
    return last_;
  }

 private:
  cats::metrics::Collect collect_;
  std::chrono::milliseconds cache_;
  mutable std::mutex mu_;
  mutable std::vector<prometheus::MetricFamily> last_;
  mutable std::chrono::steady_clock::time_point at_{};
  mutable bool read_ = false;
};

std::variant<std::unique_ptr<Endpoint>, std::string> Endpoint::start(const EndpointOptions& options, Collect collect) {
  std::unique_ptr<Endpoint> e(new Endpoint());
  e->address_ = options.address;
  const bool v6 = options.address.find(':') != std::string::npos;
  const std::string listen = (v6 ? "[" + options.address + "]" : options.address) + ":" + std::to_string(options.port);
  e->cached_ = std::make_shared<Cached>(std::move(collect), options.cache);
  try {
    // Two threads: a third scraper waits, it does not get a thread of its
    // own; a stalled one is dropped after the request timeout.
    e->exposer_ = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", listen, "num_threads", "2", "request_timeout_ms",
                                 std::to_string(options.request_timeout.count()), "enable_keep_alive", "no"});
  } catch (const std::exception& ex) {
    return "metrics on " + listen + ": " + ex.what();
  }
  const auto ports = e->exposer_->GetListeningPorts();
  if (ports.empty()) return "metrics on " + listen + ": not listening";
  e->port_ = static_cast<std::uint16_t>(ports.front());
  e->exposer_->RegisterCollectable(e->cached_);
  return e;
}

Endpoint::~Endpoint() = default;

std::string Endpoint::url() const {
  const bool v6 = address_.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + address_ + "]" : address_) + ":" + std::to_string(port_) + "/metrics";
}

}  // namespace cats::metrics
