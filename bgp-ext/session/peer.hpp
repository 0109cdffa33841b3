// One BGP neighbor on Boost.Asio: drives the pure Fsm (fsm.hpp) with real
// sockets and one steady_timer per connection, negotiates with negotiate(),
// frames and decodes with the codec, and reports to a PeerHandler (the RIB).
//
// Connections: `main` is the one the FSM drives; a connection that arrives
// while main has one (up or being connected) gets its own Fsm until the
// OPENs decide the collision (§6.8, resolve_collision()). The loser is dumped
// with Cease 6/7; when main falls to Idle, the other one becomes main.
//
// Output: each connection has an OutQueue bounded in octets. A handler with
// much to send (a table dump) asks for notify_writable() and produces the next
// part when on_writable() says the queue is below the low-water mark, so a
// healthy peer never meets the bound however large the table. A peer that
// still fills it is dropped with Cease 6/8 (Out of Resources); the queued
// UPDATEs are discarded first, so memory stays at the bound plus the write in
// progress. A peer that reads nothing at all is dropped by RFC 9687's send
// hold timer (FsmConfig::send_hold_time, the write stall timeout): no write
// completed for that long.
//
// Everything runs on the executor given at construction; no call blocks.
// Handler callbacks run inside event processing: do not destroy the Peer
// from one (post it).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bgp-ext/session/fsm.hpp"
#include "bgp-ext/session/negotiate.hpp"
#include "bgp-ext/session/transport.hpp"
#include "bgp-ext/wire/message.hpp"
#include "common/log/rate_limit.hpp"

namespace cats::session {

class Peer;
class Link;

// What the RIB implements. Called on the Peer's executor.
class PeerHandler {
 public:
  virtual ~PeerHandler() = default;
  virtual void on_established(Peer& peer, const Negotiated& session) = 0;
  // `update` borrows the receive buffer: valid only during the call.
  // update.action() is the RFC 7606 verdict (none, attribute-discard, treat-as-withdraw).
  virtual void on_update(Peer& peer, const wire::Decoded& update) = 0;
  // The same with the message's octets and the context it was decoded with,
  // for a handler that hands the UPDATE to another thread (the octets are
  // valid only during the call). The default calls on_update.
  virtual void on_update_message(Peer& peer, wire::ByteSpan /*raw*/, const wire::DecodeContext& /*ctx*/,
                                 const wire::Decoded& update) {
    on_update(peer, update);
  }
  // The messages of one read from the connection were handled: a handler that
  // batches UPDATEs hands the batch on here (more UPDATEs may follow).
  virtual void on_input_done(Peer& /*peer*/) {}
  // Only for sessions that reached Established (on_established was called).
  virtual void on_down(Peer& peer, const SessionDown& why) = 0;
  virtual void on_route_refresh(Peer& /*peer*/, const wire::RouteRefresh& /*rr*/) {}
  // After Peer::notify_writable(): the output queue is below the low-water mark.
  virtual void on_writable(Peer& /*peer*/) {}
};

// The two ends of a session's TCP connection, as BMP's Peer Up reports them.
struct ConnectionEnds {
  std::optional<boost::asio::ip::address> local;  // nullopt: no open connection
  std::uint16_t local_port = 0;
  std::uint16_t remote_port = 0;
};

struct PeerConfig {
  std::string name;  // log context; empty: the remote address
  boost::asio::ip::address remote_address;
  std::uint16_t remote_port = 179;
  std::optional<boost::asio::ip::address> local_address;  // source of active connections
  std::uint16_t local_port = 0;                           // 0: any
  bool passive = false;                                   // never connect, only accept
  LocalConfig local;                                      // our OPEN; local.peer_as checks the peer's AS
  FsmConfig fsm;
  std::uint8_t cats_type = wire::kDefaultCatsType;
  std::size_t out_queue_bytes = 1 << 20;
  std::size_t out_low_water = 256 << 10;                   // on_writable() below this many queued octets
  Duration notification_linger = std::chrono::seconds{2};  // wait for a NOTIFICATION to drain before closing
  std::string md5_key;                                     // RFC 2385; empty: none
  bool gtsm = false;                                       // RFC 5082
  std::uint8_t gtsm_hops = 1;                              // how far the neighbor may be
};

class Peer {
 public:
  Peer(boost::asio::any_io_executor ex, PeerConfig cfg, PeerHandler& handler);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  void start();                                      // ManualStart (or ManualStartPassive)
  void stop(std::string_view shutdown_text = {});    // Cease 6/2 with the RFC 8203 text to an open session
  void accept(boost::asio::ip::tcp::socket socket);  // a connection from this neighbor (Listener)
  // An administrative event for the session: admin_reset(), max_prefix(),
  // peer_deconfigured() (fsm.hpp). Also reaches a connection still in a collision.
  void control(const Event& ev);
  // Another configuration for the same neighbor (address and name kept): the
  // transport and OPEN settings take effect at the next connection, the
  // timers when next started. A reset first (control(config_changed())) makes
  // that at once.
  void reconfigure(PeerConfig cfg);

  // Complete messages (UPDATEs, ROUTE-REFRESH; `messages` of them, for the
  // counters) for an Established session. False when not sent: not
  // Established, or the output queue is full, in which case the session is
  // dropped with Cease 6/8.
  bool send(SharedBytes messages, std::size_t count = 1);
  bool send(wire::Bytes message);
  // on_writable() once the output queue is below the low-water mark (at once,
  // posted, when it already is). Once per call; forgotten when the session ends.
  void notify_writable();
  // Flow control from the handler (a RIB that lags): stop reading the
  // connections, and start again. Messages already read are delivered on resume.
  void pause_input();
  void resume_input();

  State state() const;
  const PeerConfig& config() const { return cfg_; }
  const std::string& name() const { return name_; }
  const std::optional<Negotiated>& negotiated() const;  // of the Established session
  // The lead connection's ends (our address is the next-hop-self address).
  ConnectionEnds ends() const;
  std::size_t queued_bytes() const;  // the main connection's output queue
  std::size_t max_queued_bytes() const { return max_queued_; }
  std::uint64_t collisions() const { return collisions_; }
  std::uint64_t messages_in() const { return messages_in_; }    // every connection, since start
  std::uint64_t messages_out() const { return messages_out_; }  // queued for sending
  // Every fall to Idle, Established or not (a NOTIFICATION during OPEN too), and when.
  const std::optional<SessionDown>& last_down() const { return last_down_; }
  TimePoint last_down_at() const { return last_down_at_; }

 private:
  struct Conn;
  using ConnPtr = std::shared_ptr<Conn>;

  ConnPtr make_conn();
  const ConnPtr& lead() const;  // the connection furthest along
  void feed(ConnPtr c, const Event& ev, const wire::Decoded* msg = nullptr);
  void perform(const ConnPtr& c, const Output& out, const wire::Decoded* msg);
  void after(const ConnPtr& c, const Output& out);
  void arm(const ConnPtr& c);
  void connect(const ConnPtr& c);
  void attach(const ConnPtr& c, const std::shared_ptr<Link>& link);
  bool enqueue(const ConnPtr& c, SharedBytes message, std::size_t count = 1);
  void check_writable();
  void on_message(const ConnPtr& c, wire::ByteSpan bytes);
  void on_open(const ConnPtr& c, const wire::Decoded& d);
  void discard(const ConnPtr& c);
  void drop_link(const ConnPtr& c);
  void log_state(const ConnPtr& c, const Output& out) const;

  boost::asio::any_io_executor ex_;
  PeerConfig cfg_;
  PeerHandler& handler_;
  std::string name_;
  // What a remote party can repeat at will (connections, bad OPENs) is
  // logged a few times per kind and period, then counted.
  log::RateLimit conn_log_;
  ConnPtr main_;
  ConnPtr second_;
  std::vector<std::weak_ptr<Link>> closing_;  // dropped links still flushing
  std::uint64_t collisions_ = 0;
  std::uint64_t messages_in_ = 0;
  std::uint64_t messages_out_ = 0;
  std::size_t max_queued_ = 0;
  bool want_writable_ = false;
  std::optional<SessionDown> last_down_;
  TimePoint last_down_at_{};
};

// Cease 6/2 with `text` to every peer (the daemon's SIGTERM path).
void shutdown_all(std::span<Peer* const> peers, std::string_view text);

}  // namespace cats::session
