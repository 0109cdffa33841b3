// Graceful restart as the receiving speaker (RFC 4724, RFC 8538) for one
// neighbor: which families' paths are kept stale when its session ends, and
// until when (End-of-RIB per family, or the restart / stale-path timer). It
// marks and sweeps the neighbor's Adj-RIB-In and returns the prefixes whose
// paths changed, sorted and unique, for the engine to decide.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <vector>

#include "bgp-ext/session/fsm.hpp"
#include "bgp-ext/session/negotiate.hpp"
#include "rib-adapter/rib/adj_rib_in.hpp"

namespace cats::rde {

class GracefulRestart {
 public:
  // Stale paths of a session that came back are kept this long for End-of-RIB
  // (the stale-path time; FRR's default).
  static constexpr std::chrono::seconds kStalePathTime{360};

  // `expired` runs on `ex` when the timer ends with families still stale.
  GracefulRestart(const boost::asio::any_io_executor& ex, std::function<void()> expired);

  // RFC 4724: an unexpected end of the session keeps the peer's paths (stale)
  // when GR was negotiated; RFC 8538: a NOTIFICATION does too when both sides
  // set N, except Hard Reset. A reset we decided on (or our shutdown) never does.
  static bool keeps_paths(const session::Negotiated& s, const session::SessionDown& why, bool stopping);

  // The session went down: with `graceful`, the families the peer preserves
  // stay stale until the restart time, the others go; without, every path goes.
  std::vector<rib::PrefixKey> session_down(rib::AdjRibIn& in, const session::Negotiated& s, bool graceful);
  // The session is back (RFC 4724 §4.2): families the peer no longer
  // preserves, or whose forwarding state it lost, go at once; the rest wait
  // for End-of-RIB or the stale-path time.
  std::vector<rib::PrefixKey> session_up(rib::AdjRibIn& in, const session::Negotiated& s);
  bool waiting_for(wire::Family f) const;
  // End-of-RIB for a family that was waiting: its stale paths go.
  std::vector<rib::PrefixKey> end_of_rib(rib::AdjRibIn& in, wire::Family f);
  // The timer ended: every stale path goes.
  std::vector<rib::PrefixKey> expire(rib::AdjRibIn& in);

  const std::vector<wire::Family>& stale_families() const { return stale_; }

 private:
  void arm(std::chrono::seconds after);

  std::vector<wire::Family> stale_;  // waiting for End-of-RIB
  boost::asio::steady_timer timer_;
  std::function<void()> expired_;
};

}  // namespace cats::rde
