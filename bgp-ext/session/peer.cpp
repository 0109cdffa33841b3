#include "bgp-ext/session/peer.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <random>

#include "bgp-ext/session/fsm_collision.hpp"
#include "bgp-ext/session/socket_options.hpp"
#include "bgp-ext/session/transport.hpp"

namespace cats::session {

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

RandomSource make_random() {
  auto rng = std::make_shared<std::mt19937>(std::random_device{}());
  return [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
}

std::uint32_t id_of(const std::array<std::uint8_t, 4>& b) {
  return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
}

Event bare(EventType t) {
  return Event{t};
}

}  // namespace

struct Peer::Conn {
  Conn(const asio::any_io_executor& ex, const FsmConfig& fc) : fsm(fc, make_random()), timer(ex) {}
  Peer* peer = nullptr;  // null once discarded: handlers still in flight stop here
  Fsm fsm;
  asio::steady_timer timer;
  std::uint64_t timer_gen = 0;
  std::shared_ptr<Link> link;
  bool suppress_connect = false;  // a connection that arrived needs no connect of its own
  bool overflowed = false;
  std::optional<Negotiated> pending;  // from the OPEN the FSM is processing
  std::optional<Negotiated> session;  // Established
  wire::DecodeContext dctx{};
  wire::ByteSpan raw;  // the message being processed (on_message)
};

Peer::Peer(asio::any_io_executor ex, PeerConfig cfg, PeerHandler& handler)
    : ex_(std::move(ex)), cfg_(std::move(cfg)), handler_(handler) {
  name_ = cfg_.name.empty() ? cfg_.remote_address.to_string() : cfg_.name;
  main_ = make_conn();
}

Peer::~Peer() {
  try {
    if (second_) discard(second_);
    if (main_) discard(main_);
    // A link still flushing or waiting for the peer's FIN must not outlive us
    // into the io_context's own destruction.
    for (auto& w : closing_)
      if (auto l = w.lock()) l->close_now();
  } catch (...) {  // closing a socket that is already gone: nothing left to do
  }
}

Peer::ConnPtr Peer::make_conn() {
  auto c = std::make_shared<Conn>(ex_, cfg_.fsm);
  c->peer = this;
  return c;
}

void Peer::start() {
  spdlog::info("[{}] start ({})", name_, cfg_.passive ? "passive" : "active");
  feed(main_, bare(cfg_.passive ? EventType::kManualStartPassive : EventType::kManualStart));
}

void Peer::stop(std::string_view shutdown_text) {
  spdlog::info("[{}] stop: \"{}\"", name_, shutdown_text);
  if (auto c = second_) feed(c, Event::manual_stop(shutdown_text));
  if (auto c = main_) feed(c, Event::manual_stop(shutdown_text));
}

void Peer::control(const Event& ev) {
  if (auto c = second_) feed(c, ev);
  if (auto c = main_) feed(c, ev);
}

void Peer::reconfigure(PeerConfig cfg) {
  cfg.name = cfg_.name;
  cfg.remote_address = cfg_.remote_address;
  cfg_ = std::move(cfg);
  if (main_) main_->fsm.set_config(cfg_.fsm);
  if (second_) second_->fsm.set_config(cfg_.fsm);
}

ConnectionEnds Peer::ends() const {
  const auto& c = lead();
  if (!c->link || !c->link->open()) return {};
  boost::system::error_code ec;
  const auto local = c->link->socket().local_endpoint(ec);
  if (ec) return {};
  const auto remote = c->link->socket().remote_endpoint(ec);
  return {local.address(), local.port(), ec ? std::uint16_t{0} : remote.port()};
}

const Peer::ConnPtr& Peer::lead() const {
  return second_ && second_->fsm.state() > main_->fsm.state() ? second_ : main_;
}

State Peer::state() const {
  return lead()->fsm.state();
}

const std::optional<Negotiated>& Peer::negotiated() const {
  return lead()->session;
}

std::size_t Peer::queued_bytes() const {
  return lead()->link ? lead()->link->queued_bytes() : 0;
}

bool Peer::send(SharedBytes messages, std::size_t count) {
  auto c = lead();
  if (c->fsm.state() != State::kEstablished || !c->link) return false;
  return enqueue(c, std::move(messages), count);
}

bool Peer::send(wire::Bytes message) {
  return send(std::make_shared<const wire::Bytes>(std::move(message)));
}

void Peer::notify_writable() {
  want_writable_ = true;
  // Posted: the caller may be inside a send loop or an FSM step.
  asio::post(ex_, [this, c = lead()] {
    if (c->peer != nullptr) check_writable();
  });
}

void Peer::check_writable() {
  if (!want_writable_) return;
  const auto& c = lead();
  if (c->fsm.state() != State::kEstablished || !c->link || c->link->queued_bytes() > cfg_.out_low_water) return;
  want_writable_ = false;
  handler_.on_writable(*this);
}

void Peer::pause_input() {
  // Only the connection that carries UPDATEs: a second one still in OPEN
  // exchange or collision handling keeps reading.
  if (const auto& c = lead(); c && c->link && c->fsm.state() == State::kEstablished) c->link->pause_reading();
}

void Peer::resume_input() {
  // Copies: delivering buffered messages may change main_ and second_.
  for (ConnPtr c : {main_, second_})  // NOLINT(performance-for-range-copy): see above
    if (c && c->link) {
      const std::shared_ptr<Link> link = c->link;
      link->resume_reading();
    }
}

bool Peer::enqueue(const ConnPtr& c, SharedBytes message, std::size_t count) {
  // A reference of our own: nothing below may find the Conn's link gone.
  const std::shared_ptr<Link> link = c->link;
  if (!link) return false;
  if (link->send(std::move(message))) {
    messages_out_ += count;
    max_queued_ = std::max(max_queued_, link->queued_bytes());
    return true;
  }
  if (c->overflowed) return false;
  // The peer stopped reading: free the queue and stop the session. Posted,
  // as we may be inside an FSM step.
  c->overflowed = true;
  spdlog::warn("[{}] output queue full ({} octets): dropping with Cease 6/8", name_, link->queued_bytes());
  link->drop_pending();
  asio::post(ex_, [c] {
    if (c->peer == nullptr) return;
    Event e{EventType::kAutomaticStop};
    e.notify = make_cease(cease::kOutOfResources);
    c->peer->feed(c, e);
  });
  return false;
}

void Peer::accept(tcp::socket socket) {
  boost::system::error_code ec;
  const auto from = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  const State st = main_->fsm.state();
  if ((st == State::kIdle && !main_->fsm.accepts_in_idle()) || second_) {
    if (auto n = conn_log_.allow("refuse"))
      spdlog::info("[{}] refusing connection from {} in {}{}{}", name_, from.address().to_string(), state_name(st),
                   second_ ? " (two connections already)" : "", log::RateLimit::suffix(*n));
    socket.close(ec);
    return;
  }
  if (cfg_.gtsm) {
    if (auto e = set_gtsm(socket, from.address().is_v6(), cfg_.gtsm_hops))
      if (auto n = conn_log_.allow("gtsm"))
        spdlog::warn("[{}] GTSM: {}{}", name_, e.message(), log::RateLimit::suffix(*n));
  }
  if (auto n = conn_log_.allow("accept"))
    spdlog::info("[{}] connection from {}{}", name_, from.address().to_string(), log::RateLimit::suffix(*n));
  if ((st == State::kIdle || st == State::kConnect || st == State::kActive) && !main_->link) {
    // No connection and no attempt of our own: take the peer's.
    attach(main_, std::make_shared<Link>(std::move(socket), cfg_.out_queue_bytes, false));
    feed(main_, bare(EventType::kTcpConnectionConfirmed));
    return;
  }
  // Main has a connection or is connecting: both go through OPEN and the
  // collision rules pick one (§6.8). Closing our half-open attempt instead
  // could kill the very connection the peer keeps.
  auto c = make_conn();
  second_ = c;
  c->suppress_connect = true;
  feed(c, bare(cfg_.passive ? EventType::kManualStartPassive : EventType::kManualStart));
  c->suppress_connect = false;
  attach(c, std::make_shared<Link>(std::move(socket), cfg_.out_queue_bytes, false));
  feed(c, bare(EventType::kTcpConnectionConfirmed));
}

void Peer::connect(const ConnPtr& c) {
  const bool v6 = cfg_.remote_address.is_v6();
  tcp::socket s(ex_);
  boost::system::error_code ec;
  s.open(v6 ? tcp::v6() : tcp::v4(), ec);
  if (!ec && (cfg_.local_address || cfg_.local_port != 0)) {
    s.set_option(asio::socket_base::reuse_address(true), ec);
    const asio::ip::address any =
        v6 ? asio::ip::address(asio::ip::address_v6::any()) : asio::ip::address(asio::ip::address_v4::any());
    if (!ec) s.bind(tcp::endpoint(cfg_.local_address.value_or(any), cfg_.local_port), ec);
  }
  if (!ec && !cfg_.md5_key.empty()) ec = set_md5_key(s, cfg_.remote_address, cfg_.md5_key);
  if (!ec && cfg_.gtsm) ec = set_gtsm(s, v6, cfg_.gtsm_hops);
  if (ec) {
    spdlog::warn("[{}] cannot connect: {}", name_, ec.message());
    asio::post(ex_, [c] {
      if (c->peer != nullptr) c->peer->feed(c, bare(EventType::kTcpConnectionFails));
    });
    return;
  }
  auto link = std::make_shared<Link>(std::move(s), cfg_.out_queue_bytes, true);
  c->link = link;
  c->overflowed = false;
  link->socket().async_connect(tcp::endpoint(cfg_.remote_address, cfg_.remote_port),
                               [c, link](const boost::system::error_code& e) {
                                 if (c->peer == nullptr || c->link != link) return;  // abandoned
                                 Peer& p = *c->peer;
                                 if (e) {
                                   spdlog::debug("[{}] connect: {}", p.name_, e.message());
                                   p.feed(c, bare(EventType::kTcpConnectionFails));
                                   return;
                                 }
                                 p.attach(c, link);
                                 p.feed(c, bare(EventType::kTcpCrAcked));
                               });
}

void Peer::attach(const ConnPtr& c, const std::shared_ptr<Link>& link) {
  c->link = link;
  c->overflowed = false;
  // The callbacks hold the Conn; drop_link() and discard() clear them, which
  // also keeps `this` valid for as long as they can run.
  Link::Callbacks cb;
  cb.on_message = [this, c](wire::ByteSpan b) { on_message(c, b); };
  cb.on_read_done = [this] { handler_.on_input_done(*this); };
  cb.on_progress = [this, c] {
    feed(c, bare(EventType::kSendProgress));
    if (c->peer != nullptr && c == lead()) check_writable();
  };
  cb.on_error = [this, c](const boost::system::error_code& ec) {
    spdlog::info("[{}] connection lost: {}", name_, ec.message());
    feed(c, bare(EventType::kTcpConnectionFails));
  };
  link->set_callbacks(std::move(cb));
  link->start_reading();
}

void Peer::drop_link(const ConnPtr& c) {
  if (c->link) {
    c->link->close_after_flush(cfg_.notification_linger);
    std::erase_if(closing_, [](const std::weak_ptr<Link>& l) { return l.expired(); });
    closing_.push_back(c->link);
    c->link.reset();
  }
  c->dctx = {};
  c->pending.reset();
}

void Peer::discard(const ConnPtr& c) {
  drop_link(c);
  c->peer = nullptr;
  ++c->timer_gen;
  c->timer.cancel();
}

void Peer::on_message(const ConnPtr& c, wire::ByteSpan bytes) {
  ++messages_in_;
  c->raw = bytes;
  struct Forget {
    Conn& c;
    ~Forget() { c.raw = {}; }
  } forget{*c};
  const wire::Decoded d = wire::decode_message(bytes, c->dctx);
  const wire::DecodeError* err = d.error();
  const bool reset = err != nullptr && err->action == wire::Action::kSessionReset;
  if (std::holds_alternative<std::monostate>(d.body)) {
    if (err != nullptr) {
      if (auto n = conn_log_.allow("header"))
        spdlog::warn("[{}] bad message header: {}{}", name_, err->reason, log::RateLimit::suffix(*n));
      // RFC 4271 §6.4: an error in a NOTIFICATION is not reported back.
      if (d.header.type == static_cast<std::uint8_t>(wire::MessageType::kNotification) &&
          err->subcode == wire::notify::kBadLength) {
        feed(c, Event::notification(0, 0));
        return;
      }
      feed(c, Event::header_error(*err));
    }
    return;
  }
  if (const auto* n = std::get_if<wire::Notification>(&d.body)) {
    const auto text = n->shutdown_communication();
    spdlog::warn("[{}] received NOTIFICATION {}/{} ({}, {}){}{}", name_, n->code, n->subcode,
                 wire::notify::code_name(n->code), wire::notify::subcode_name(n->code, n->subcode), text ? ": " : "",
                 text.value_or(""));
    feed(c, Event::notification(n->code, n->subcode, n->data));
    return;
  }
  if (std::holds_alternative<wire::Open>(d.body)) {
    if (reset) {
      if (auto n = conn_log_.allow("open"))
        spdlog::warn("[{}] bad OPEN: {}{}", name_, err->reason, log::RateLimit::suffix(*n));
      feed(c, Event::open_error(*err));
      return;
    }
    on_open(c, d);
    return;
  }
  if (std::holds_alternative<wire::Update>(d.body)) {
    if (err != nullptr && reset) spdlog::warn("[{}] bad UPDATE: {}", name_, err->reason);
    feed(c, err != nullptr ? Event::update_error(*err) : bare(EventType::kUpdateMsg), &d);
    return;
  }
  if (reset) {  // KEEPALIVE or ROUTE-REFRESH of a wrong length
    spdlog::warn("[{}] bad message: {}", name_, err->reason);
    feed(c, Event::header_error(*err));
    return;
  }
  if (std::holds_alternative<wire::Keepalive>(d.body)) {
    feed(c, bare(EventType::kKeepAliveMsg));
  } else {
    feed(c, bare(EventType::kRouteRefreshMsg), &d);
  }
}

void Peer::on_open(const ConnPtr& c, const wire::Decoded& d) {
  const auto& open = std::get<wire::Open>(d.body);
  auto result = negotiate(cfg_.local, open);
  if (const auto* e = std::get_if<NegotiationError>(&result)) {
    if (auto n = conn_log_.allow("open"))
      spdlog::warn("[{}] OPEN refused: {}{}", name_, e->reason, log::RateLimit::suffix(*n));
    feed(c, Event::open_rejected(Notify{e->code, e->subcode, e->data}, id_of(open.bgp_id)));
    return;
  }
  auto& n = std::get<Negotiated>(result);
  if (const ConnPtr other = c == main_ ? second_ : main_;
      other && other->link && other->fsm.state() >= State::kOpenSent && c->link) {
    ++collisions_;
    const auto verdict =
        resolve_collision({cfg_.local.router_id, cfg_.local.asn}, {n.peer_router_id, n.peer_asn},
                          {other->fsm.state(), other->link->outgoing()}, {c->fsm.state(), c->link->outgoing()},
                          cfg_.fsm.collision_detect_established);
    spdlog::info("[{}] collision: {} ({} connection's OPEN arrived)", name_, collision_name(verdict),
                 c->link->outgoing() ? "our" : "the peer's");
    if (verdict == Collision::kCloseArriving) {
      feed(c, bare(EventType::kOpenCollisionDump));
      return;
    }
    if (verdict == Collision::kCloseExisting) feed(other, bare(EventType::kOpenCollisionDump));
    if (c->peer == nullptr) return;
  }
  c->dctx = decode_context(n, cfg_.cats_type);
  if (c->link) c->link->set_max_message(c->dctx.max_message());
  c->pending = std::move(n);
  feed(c, Event::open_received(c->pending->hold_time, c->pending->peer_router_id, c->pending->keepalive));
}

// By value: the FSM's actions may replace main_ or second_, which `c` may be.
void Peer::feed(ConnPtr c, const Event& ev, const wire::Decoded* msg) {  // NOLINT(performance-unnecessary-value-param)
  if (c->peer == nullptr) return;
  perform(c, c->fsm.handle(ev, Clock::now()), msg);
}

void Peer::log_state(const ConnPtr& c, const Output& out) const {
  if (out.from != out.state)
    spdlog::info("[{}] {} -> {}{}", name_, state_name(out.from), state_name(out.state), c == second_ ? " (2nd)" : "");
  if (spdlog::should_log(spdlog::level::debug))
    for (const auto& a : out.actions) spdlog::debug("[{}]   {}", name_, describe(a));
}

void Peer::perform(const ConnPtr& c, const Output& out, const wire::Decoded* msg) {
  log_state(c, out);
  for (const auto& action : out.actions) {
    if (c->peer == nullptr) return;  // a handler callback stopped us
    std::visit(
        Overloaded{
            [&](const ConnectTcp&) {
              if (!c->suppress_connect) connect(c);
            },
            [&](const DropTcp&) { drop_link(c); },
            [&](const RejectTcp&) { drop_link(c); },
            [&](const SendOpen&) {
              enqueue(c, std::make_shared<const wire::Bytes>(wire::encode_message(
                             build_open(cfg_.local), wire::EncodeContext{}, cfg_.local.cats.capability)));
            },
            [&](const SendKeepalive&) { enqueue(c, std::make_shared<const wire::Bytes>(wire::make_keepalive())); },
            [&](const SendNotification& s) {
              const auto& n = s.notify;
              spdlog::warn("[{}] sending NOTIFICATION {}/{} ({}, {})", name_, n.code, n.subcode,
                           wire::notify::code_name(n.code), wire::notify::subcode_name(n.code, n.subcode));
              // Past the bound on purpose: the last word before closing.
              if (c->link) {
                c->link->send_last(
                    std::make_shared<const wire::Bytes>(wire::make_notification(n.code, n.subcode, n.data)));
                ++messages_out_;
              }
            },
            [&](const StartTimer&) {},
            [&](const StopTimer&) {},
            [&](const DeliverUpdate&) {
              if (msg != nullptr) handler_.on_update_message(*this, c->raw, c->dctx, *msg);
            },
            [&](const DeliverRouteRefresh&) {
              if (msg == nullptr) return;
              if (const auto* rr = std::get_if<wire::RouteRefresh>(&msg->body)) handler_.on_route_refresh(*this, *rr);
            },
            [&](const FlushRoutes&) {},
            [&](const ReleaseResources&) {},
            [&](const SessionUp& up) {
              c->session = c->pending;
              want_writable_ = false;  // a request of the previous session
              spdlog::info("[{}] established: hold {}s, keepalive {}ms", name_, up.hold_time, up.keepalive.count());
              if (c->session) handler_.on_established(*this, *c->session);
            },
            [&](const SessionDown& down) {
              spdlog::info("[{}] down: {} (event {})", name_, down_reason_name(down.reason), event_name(down.event));
              last_down_ = down;
              last_down_at_ = Clock::now();
              const bool report = down.was_established && c->session.has_value();
              c->session.reset();
              if (report) handler_.on_down(*this, down);
            },
        },
        action);
  }
  if (c->peer == nullptr) return;
  arm(c);
  after(c, out);
}

void Peer::after(const ConnPtr& c, const Output& out) {
  // (Not the ManualStart that creates it: its link is attached just after.)
  const bool lost_tcp = out.from != State::kIdle && (!c->link || !c->link->open());
  if (c == second_ && out.state < State::kOpenSent &&
      (out.from >= State::kOpenSent || out.state == State::kIdle || lost_tcp)) {
    // A second connection that lost its TCP has no use of its own, also one
    // still waiting for DelayOpen: kept, it would refuse every later inbound one.
    discard(c);
    second_.reset();
  } else if (c == main_ && second_ && c->fsm.state() == State::kIdle) {
    // Main lost (collision or error): the other connection carries on.
    discard(c);
    main_ = std::move(second_);
    spdlog::info("[{}] continuing on the other connection ({})", name_, state_name(main_->fsm.state()));
  }
}

void Peer::arm(const ConnPtr& c) {
  const auto gen = ++c->timer_gen;
  const auto deadline = c->fsm.next_deadline();
  if (!deadline) {
    c->timer.cancel();
    return;
  }
  c->timer.expires_at(*deadline);
  c->timer.async_wait([c, gen](const boost::system::error_code& ec) {
    if (ec || c->peer == nullptr || gen != c->timer_gen) return;
    Peer& p = *c->peer;
    // Input we paused ourselves (the RIB lags) counts as traffic: the peer's
    // KEEPALIVEs wait unread behind its UPDATEs, so our hold timer must not
    // run out meanwhile (FRR does the same with a non-empty input queue).
    if (c->link && c->link->paused() && c->fsm.state() == State::kEstablished) {
      p.perform(c, c->fsm.handle(bare(EventType::kKeepAliveMsg), Clock::now()), nullptr);
      if (c->peer == nullptr) return;
    }
    p.perform(c, c->fsm.expire(Clock::now()), nullptr);
  });
}

void shutdown_all(std::span<Peer* const> peers, std::string_view text) {
  for (Peer* p : peers) p->stop(text);
}

}  // namespace cats::session
