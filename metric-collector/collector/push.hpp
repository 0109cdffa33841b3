// Pushes advertisements to a remote catsd over its gRPC API (Catsd.PushMetrics,
// client streaming). The io_context thread only queues: a thread of its own
// writes, so a slow or absent catsd never delays scraping. After a broken
// stream it reconnects with back-off and re-sends the latest report of every
// service, so the remote state converges on ours. While nothing changes the
// latest reports are repeated every `refresh`: the edge expires pushed metrics
// that stop coming (freshness/stale-after).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "metric-collector/score/damper.hpp"

namespace cats::collector {

struct PushCounters {
  std::uint64_t queued = 0;
  std::uint64_t written = 0;  // reports the stream accepted
  std::uint64_t streams = 0;  // streams opened
  std::uint64_t failures = 0;
  std::uint64_t accepted = 0;  // from the replies of finished streams
  std::uint64_t rejected = 0;
  std::string last_error;
};

// How the stream proves itself and whom it trusts (contents, not file names).
struct PushSecurity {
  std::string ca_pem;  // non-empty: TLS, catsd's certificate checked against it
  std::string cert_pem;
  std::string key_pem;
  std::string token;  // sent as "authorization: Bearer <token>"
};

class Pusher {
 public:
  // A restarted catsd gets our reports within max_backoff.
  explicit Pusher(std::string address, std::chrono::milliseconds max_backoff = std::chrono::seconds{5},
                  std::chrono::milliseconds refresh = std::chrono::seconds{10}, PushSecurity security = {});
  ~Pusher();  // closes the stream (WritesDone, Finish), at most a second for the reply
  Pusher(const Pusher&) = delete;
  Pusher& operator=(const Pusher&) = delete;

  // Never blocks on the network.
  void push(const std::string& service, const score::Advertisement& ad);
  // Waits until everything queued was written (or `timeout`); for tests and --once.
  bool flush(std::chrono::milliseconds timeout);
  PushCounters counters() const;

  struct State;

 private:
  std::unique_ptr<State> st_;
};

}  // namespace cats::collector
