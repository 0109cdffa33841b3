// One configured neighbor as the route decision engine sees it (RIB thread):
// its configuration and compiled policy, its Adj-RIB-In and Adj-RIB-Out, the
// Established session's facts, graceful restart, max-prefix and counters.
// The session itself (socket, FSM) lives on the session thread, behind the
// SessionPort.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "catsd/rde/adj_rib_out.hpp"
#include "catsd/rde/export.hpp"
#include "catsd/rde/graceful_restart.hpp"
#include "catsd/rde/session_port.hpp"
#include "common/log/rate_limit.hpp"
#include "rib-adapter/rib/adj_rib_in.hpp"
#include "rib-adapter/rib/policy.hpp"
#include "yang/config/config.hpp"

namespace cats::rde {

struct NeighborCounters {
  std::uint64_t updates_in = 0;
  std::uint64_t updates_out = 0;  // UPDATE messages sent
  std::uint64_t withdraws_in = 0;
  std::uint64_t filtered_in = 0;        // refused by import policy or loop checks
  std::uint64_t rfc7606_withdraws = 0;  // UPDATEs handled as treat-as-withdraw
  std::uint64_t rfc7606_discards = 0;   // UPDATEs with attributes discarded
  std::uint64_t unknown_withdraws = 0;  // E30
  std::uint64_t flaps = 0;              // Established sessions that went down
  std::uint64_t route_refresh_in = 0;
  std::uint64_t paths_refused = 0;  // over max-paths-per-prefix or a prefix's 8190 paths
};

// The Established session, as the RIB thread knows it.
struct EstablishedSession {
  std::uint64_t gen = 0;  // the session's generation: what is sent carries it
  session::Negotiated negotiated;
  wire::EncodeContext ectx;
  SteadyClock::time_point since{};
  session::ConnectionEnds ends;  // the TCP connection's (BMP's Peer Up)
  ExportTarget target;           // how paths are rewritten towards this session
};

// MRAI: after a round of UPDATEs that caught up with the table, changes wait
// for the timer (the initial table and a refresh do not).
struct FlushPacing {
  std::unique_ptr<boost::asio::steady_timer> mrai_timer;
  bool mrai_running = false;
};

class Neighbor {
 public:
  Neighbor(rib::PeerId id, config::Neighbor cfg, rib::NeighborPolicy policy, const boost::asio::any_io_executor& ex,
           std::function<void()> gr_expired);

  rib::PeerId id() const { return id_; }
  // A reconfiguration of the same neighbor (same address). The policy object
  // stays where it is: what refers to it (import hooks, export targets) sees
  // the new one.
  void set_config(config::Neighbor cfg, rib::NeighborPolicy policy) {
    cfg_ = std::move(cfg);
    policy_ = std::move(policy);
  }
  const config::Neighbor& config() const { return cfg_; }
  const std::string& address() const { return cfg_.address; }
  const rib::NeighborPolicy& policy() const { return policy_; }
  rib::Neighbor kind() const;  // external, client or non-client

  // The Established session, or nullptr.
  const EstablishedSession* session() const { return session_ ? &*session_ : nullptr; }
  EstablishedSession* session() { return session_ ? &*session_ : nullptr; }
  bool established() const { return session_.has_value(); }
  EstablishedSession& establish(EstablishedSession s);
  // The session is gone; returns it (nullopt when it was not this generation's).
  std::optional<EstablishedSession> drop_session(std::uint64_t gen, const session::SessionDown& why);

  // Created at the first Established session, kept across a graceful restart.
  rib::AdjRibIn* rib_in() { return rib_in_.get(); }
  const rib::AdjRibIn* rib_in() const { return rib_in_.get(); }
  void set_rib_in(std::unique_ptr<rib::AdjRibIn> in) { rib_in_ = std::move(in); }
  AdjRibOut& rib_out() { return rib_out_; }
  const AdjRibOut& rib_out() const { return rib_out_; }

  GracefulRestart& graceful_restart() { return gr_; }
  FlushPacing& pacing() { return pacing_; }
  NeighborCounters& counters() { return counters_; }
  const NeighborCounters& counters() const { return counters_; }

  bool max_prefix_exceeded() const { return max_prefix_exceeded_; }
  void set_max_prefix_exceeded(bool v) { max_prefix_exceeded_ = v; }
  // A warning-only limit logs once per session.
  bool warn_max_prefix_once();

  // What this neighbor can repeat at will (malformed UPDATEs, refused
  // paths) is logged a few times per minute and kind, then counted.
  log::RateLimit& log_limit() { return log_limit_; }
  // Paths refused for the path limits: a ROUTE-REFRESH asks for them again
  // when room frees up, at most this often.
  static constexpr std::chrono::seconds kRefusedRefreshInterval{30};
  SteadyClock::time_point refused_refresh_at() const { return refused_refresh_at_; }
  void set_refused_refresh_at(SteadyClock::time_point t) { refused_refresh_at_ = t; }

  const std::optional<session::SessionDown>& last_down() const { return last_down_; }
  SteadyClock::time_point last_down_at() const { return last_down_at_; }

 private:
  rib::PeerId id_;
  config::Neighbor cfg_;
  rib::NeighborPolicy policy_;
  std::optional<EstablishedSession> session_;
  std::unique_ptr<rib::AdjRibIn> rib_in_;
  AdjRibOut rib_out_;
  GracefulRestart gr_;
  FlushPacing pacing_;
  NeighborCounters counters_;
  bool max_prefix_exceeded_ = false;
  bool max_prefix_warned_ = false;
  std::optional<session::SessionDown> last_down_;
  SteadyClock::time_point last_down_at_{};
  log::RateLimit log_limit_{std::chrono::seconds{60}, 3};
  SteadyClock::time_point refused_refresh_at_{};
};

}  // namespace cats::rde
