// The session thread's side of one neighbor: PeerHandler calls become posts
// of SessionEvents to the RIB thread. `gen` counts Established sessions
// (session thread only).
//
// UPDATEs are batched: the UPDATEs of one read from the connection go into
// one batch, posted when the read is done (posting at the first one would
// wake the RIB thread, which on a shared core preempts the reader and takes a
// batch of one). While the RIB thread has not taken a posted batch, later
// reads join it. The RIB decides each prefix once per batch. Any other event
// posts and closes the batch first, so order is kept.
//
// Flow control: UPDATE octets posted to the RIB thread and not yet processed
// are counted; above kPauseAt the peer's connection is not read any more (TCP
// pushes back on the sender) until the RIB thread is down to kResumeAt. A
// peer faster than the RIB costs at most that much memory, not its table.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>
#include <mutex>

#include "bgp-ext/session/peer.hpp"
#include "catsd/rde/session_port.hpp"

namespace cats::rde {

class SessionBridge : public session::PeerHandler {
 public:
  static constexpr std::size_t kPauseAt = 1u << 20;
  static constexpr std::size_t kResumeAt = 256u << 10;

  SessionBridge(rib::PeerId id, SessionEvents& events, boost::asio::any_io_executor rib,
                boost::asio::any_io_executor sessions)
      : id_(id), events_(events), rib_(std::move(rib)), sessions_(std::move(sessions)) {}

  void on_established(session::Peer& peer, const session::Negotiated& s) override;
  void on_update(session::Peer&, const wire::Decoded&) override {}  // on_update_message is the one called
  void on_update_message(session::Peer& peer, wire::ByteSpan raw, const wire::DecodeContext& ctx,
                         const wire::Decoded&) override;
  void on_input_done(session::Peer& peer) override { post_batch(peer); }
  void on_down(session::Peer& peer, const session::SessionDown& why) override;
  void on_route_refresh(session::Peer& peer, const wire::RouteRefresh& rr) override;
  void on_writable(session::Peer& peer) override;

  std::uint64_t gen() const { return gen_; }  // session thread

 private:
  // Session thread: the open batch goes to the RIB thread (once).
  void post_batch(session::Peer& peer);
  // Session thread: what comes next goes into a new batch, posted after this event.
  void close_batch();
  // RIB thread: the batch is taken (closed), then processed.
  void run_batch(session::Peer& peer, const std::shared_ptr<UpdateBatch>& b);
  void processed(session::Peer& peer, std::uint64_t g, std::size_t size);

  rib::PeerId id_;
  SessionEvents& events_;
  boost::asio::any_io_executor rib_;
  boost::asio::any_io_executor sessions_;
  std::uint64_t gen_ = 0;
  std::size_t in_flight_ = 0;  // session thread
  bool paused_ = false;
  std::mutex mutex_;  // guards open_ and posted_: appended by the session thread, taken by the RIB thread
  std::shared_ptr<UpdateBatch> open_;
  bool posted_ = false;
};

}  // namespace cats::rde
