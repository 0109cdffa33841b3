#include "catsd/rde/asio_sessions.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "yang/loader/session_config.hpp"

namespace cats::rde {

namespace asio = boost::asio;

AsioSessions::AsioSessions(asio::any_io_executor sessions, asio::any_io_executor rib)
    : sessions_(std::move(sessions)), rib_(std::move(rib)) {}

AsioSessions::~AsioSessions() {
  // Peers call back into their bridges; they go first.
  for (auto& s : peers_)
    if (s) s->peer.reset();
  for (auto& s : rib_view_)
    if (s) s->peer.reset();
  for (auto& s : retired_) s->peer.reset();
}

AsioSessions::SessionPtr AsioSessions::make_session(rib::PeerId id, session::PeerConfig cfg) {
  auto s = std::make_shared<Session>();
  s->bridge = std::make_unique<SessionBridge>(id, *events_, rib_, sessions_);
  s->peer = std::make_unique<session::Peer>(sessions_, std::move(cfg), *s->bridge);
  return s;
}

std::optional<std::string> AsioSessions::open(const config::Config& cfg, SessionEvents& events) {
  events_ = &events;
  rib::PeerId id = 1;
  for (const auto& nc : cfg.neighbors) {
    auto pc = loader::to_peer_config(cfg, nc);
    if (auto* err = std::get_if<std::string>(&pc)) return *err;
    rib_view_.push_back(make_session(id++, std::get<session::PeerConfig>(std::move(pc))));
  }
  peers_ = rib_view_;
  return listen(cfg);
}

std::optional<std::string> AsioSessions::listen(const config::Config& cfg) {
  std::vector<std::string> addrs = cfg.global.listen_addresses;
  if (addrs.empty()) addrs = {"0.0.0.0", "::"};
  for (const auto& a : addrs) {
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(a, ec);
    if (ec) return "listen address " + a + ": not an address";
    // On the session thread, like the peers: an accepted connection's I/O must
    // complete where its Peer runs.
    auto l = std::make_unique<session::Listener>(
        sessions_, [this](const asio::ip::address& from) -> session::Peer* { return find_address(from); });
    if (auto err = l->listen({ip, cfg.global.listen_port}))
      return "cannot listen on [" + a + "]:" + std::to_string(cfg.global.listen_port) + ": " + err.message();
    listeners_.push_back(std::move(l));
  }
  secure_listeners();
  return std::nullopt;
}

void AsioSessions::secure_listeners() {
  std::uint8_t gtsm_hops = 0;
  std::vector<asio::ip::address> keyed;
  for (const auto& l : listeners_) {
    const auto local = l->local_endpoint().address();
    for (const auto& s : peers_) {
      if (!s) continue;
      const auto& pc = s->peer->config();
      if (pc.gtsm) gtsm_hops = std::max(gtsm_hops, pc.gtsm_hops);
      if (pc.md5_key.empty() || pc.remote_address.is_v4() != local.is_v4()) continue;
      if (auto err = l->set_md5_key(pc.remote_address, pc.md5_key))
        spdlog::warn("[{}] TCP-MD5 key on listener {}: {}", s->peer->name(), local.to_string(), err.message());
      keyed.push_back(pc.remote_address);
    }
    // A key for a neighbor that has none any more (or is gone) is deleted.
    for (const auto& addr : keyed_) {
      if (addr.is_v4() != local.is_v4() || std::find(keyed.begin(), keyed.end(), addr) != keyed.end()) continue;
      if (auto err = l->set_md5_key(addr, {}))
        spdlog::warn("[{}] removing the TCP-MD5 key on listener {}: {}", addr.to_string(), local.to_string(),
                     err.message());
    }
    if (gtsm_hops > 0) l->set_gtsm(gtsm_hops);
  }
  keyed_ = std::move(keyed);
}

void AsioSessions::start() {
  for (auto& s : peers_) s->peer->start();
}

AsioSessions::SessionPtr AsioSessions::find(rib::PeerId id) const {
  return id == 0 || id > rib_view_.size() ? nullptr : rib_view_[id - 1];
}

session::Peer* AsioSessions::find_address(const asio::ip::address& a) {
  for (auto& s : peers_)
    if (s && s->peer->config().remote_address == a) return s->peer.get();
  return nullptr;
}

void AsioSessions::send(rib::PeerId id, std::uint64_t gen, Outgoing out) {
  auto s = find(id);
  if (s == nullptr || (out.buffers.empty() && !out.notify)) return;
  asio::post(sessions_, [s = std::move(s), gen, out = std::move(out)]() mutable {
    if (s->bridge->gen() != gen || !s->peer) return;  // computed for a session that is gone
    for (auto& b : out.buffers)
      if (!s->peer->send(std::move(b.bytes), b.messages)) return;  // not Established any more, or dropped
    if (out.notify) s->peer->notify_writable();
  });
}

void AsioSessions::control(rib::PeerId id, const session::Event& ev, bool restart) {
  auto s = find(id);
  if (s == nullptr) return;
  asio::post(sessions_, [s = std::move(s), ev, restart] {
    if (!s->peer) return;
    s->peer->control(ev);
    if (restart) s->peer->start();
  });
}

void AsioSessions::add(rib::PeerId id, session::PeerConfig cfg) {
  if (id == 0 || events_ == nullptr) return;
  auto s = make_session(id, std::move(cfg));
  if (rib_view_.size() < id) rib_view_.resize(id);
  rib_view_[id - 1] = s;
  asio::post(sessions_, [this, id, s = std::move(s)] {
    if (peers_.size() < id) peers_.resize(id);
    peers_[id - 1] = s;
    secure_listeners();
    s->peer->start();
  });
}

void AsioSessions::remove(rib::PeerId id) {
  auto s = find(id);
  if (s == nullptr) return;
  rib_view_[id - 1].reset();
  asio::post(sessions_, [this, id, s = std::move(s)] {
    if (id <= peers_.size()) peers_[id - 1].reset();
    secure_listeners();
    s->peer->control(session::Event::peer_deconfigured());
    retire(s);
  });
}

void AsioSessions::retire(const SessionPtr& s) {
  // The NOTIFICATION drains for the peer's linger, then the session goes.
  // The timer's handler does not own the session: ~AsioSessions frees what is
  // still here.
  auto timer = std::make_shared<asio::steady_timer>(sessions_);
  timer->expires_after(s->peer->config().notification_linger + std::chrono::milliseconds{500});
  retired_.push_back(s);
  timer->async_wait([this, timer, p = s.get()](const boost::system::error_code& ec) {
    if (!ec) std::erase_if(retired_, [p](const SessionPtr& r) { return r.get() == p; });
  });
}

void AsioSessions::reconfigure(rib::PeerId id, session::PeerConfig cfg, bool reset) {
  auto s = find(id);
  if (s == nullptr) return;
  asio::post(sessions_, [this, s = std::move(s), cfg = std::move(cfg), reset]() mutable {
    if (!s->peer) return;
    if (reset) s->peer->control(session::Event::config_changed());
    s->peer->reconfigure(std::move(cfg));
    secure_listeners();
    if (reset) s->peer->start();
  });
}

void AsioSessions::runtime(std::function<void(std::vector<PeerRuntime>)> reply) {
  asio::post(sessions_, [this, reply = std::move(reply)] {
    std::vector<PeerRuntime> out;
    out.reserve(peers_.size());
    for (const auto& s : peers_) {
      if (!s) {
        out.emplace_back();
        continue;
      }
      const auto& p = *s->peer;
      out.push_back({p.state(), p.messages_in(), p.messages_out(), p.last_down(), p.last_down_at()});
    }
    reply(std::move(out));
  });
}

namespace {

// Waits (on the session thread) until every NOTIFICATION is written out or
// the linger ends. The pending timer handler owns it: no cycle, so nothing
// leaks when the io_context stops first.
struct ShutdownDrain : std::enable_shared_from_this<ShutdownDrain> {
  ShutdownDrain(const asio::any_io_executor& ex, std::function<bool()> busy, SteadyClock::time_point deadline,
                std::function<void()> done)
      : timer(ex), busy(std::move(busy)), deadline(deadline), done(std::move(done)) {}
  void wait(std::chrono::milliseconds d) {
    timer.expires_after(d);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->step();
    });
  }
  void step() {
    if (!busy() || SteadyClock::now() >= deadline) return done();
    wait(std::chrono::milliseconds{20});
  }
  asio::steady_timer timer;
  std::function<bool()> busy;
  SteadyClock::time_point deadline;
  std::function<void()> done;
};

}  // namespace

void AsioSessions::shutdown(std::string text, std::chrono::milliseconds linger, std::function<void()> done) {
  asio::post(sessions_, [this, text = std::move(text), linger, done = std::move(done)] {
    for (auto& l : listeners_) l->close();
    std::vector<session::Peer*> peers;
    for (auto& s : peers_)
      if (s) peers.push_back(s->peer.get());
    session::shutdown_all(peers, text);
    auto drain = std::make_shared<ShutdownDrain>(
        sessions_,
        [this] {
          return std::any_of(peers_.begin(), peers_.end(),
                             [](const SessionPtr& s) { return s && s->peer->queued_bytes() > 0; });
        },
        SteadyClock::now() + linger, done);
    drain->wait(std::chrono::milliseconds{50});
  });
}

}  // namespace cats::rde
