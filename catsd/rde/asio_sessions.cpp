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
  for (auto& s : peers_) s.peer.reset();
}

std::optional<std::string> AsioSessions::open(const config::Config& cfg, SessionEvents& events) {
  rib::PeerId id = 1;
  for (const auto& nc : cfg.neighbors) {
    auto pc = loader::to_peer_config(cfg, nc);
    if (auto* err = std::get_if<std::string>(&pc)) return *err;
    Session s;
    s.bridge = std::make_unique<SessionBridge>(id++, events, rib_, sessions_);
    s.peer = std::make_unique<session::Peer>(sessions_, std::get<session::PeerConfig>(std::move(pc)), *s.bridge);
    peers_.push_back(std::move(s));
  }
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
    std::uint8_t gtsm_hops = 0;
    for (const auto& s : peers_) {
      const auto& pc = s.peer->config();
      if (!pc.md5_key.empty() && pc.remote_address.is_v4() == ip.is_v4()) {
        if (auto err = l->set_md5_key(pc.remote_address, pc.md5_key))
          spdlog::warn("[{}] TCP-MD5 key on listener {}: {}", s.peer->name(), a, err.message());
      }
      if (pc.gtsm) gtsm_hops = std::max(gtsm_hops, pc.gtsm_hops);
    }
    if (gtsm_hops > 0) l->set_gtsm(gtsm_hops);
    listeners_.push_back(std::move(l));
  }
  return std::nullopt;
}

void AsioSessions::start() {
  for (auto& s : peers_) s.peer->start();
}

AsioSessions::Session* AsioSessions::find(rib::PeerId id) {
  return id == 0 || id > peers_.size() ? nullptr : &peers_[id - 1];
}

session::Peer* AsioSessions::find_address(const asio::ip::address& a) {
  for (auto& s : peers_)
    if (s.peer->config().remote_address == a) return s.peer.get();
  return nullptr;
}

void AsioSessions::send(rib::PeerId id, std::uint64_t gen, Outgoing out) {
  Session* s = find(id);
  if (s == nullptr || (out.buffers.empty() && !out.notify)) return;
  asio::post(sessions_, [s, gen, out = std::move(out)]() mutable {
    if (s->bridge->gen() != gen) return;  // computed for a session that is gone
    for (auto& b : out.buffers)
      if (!s->peer->send(std::move(b.bytes), b.messages)) return;  // not Established any more, or dropped
    if (out.notify) s->peer->notify_writable();
  });
}

void AsioSessions::control(rib::PeerId id, const session::Event& ev, bool restart) {
  Session* s = find(id);
  if (s == nullptr) return;
  asio::post(sessions_, [p = s->peer.get(), ev, restart] {
    p->control(ev);
    if (restart) p->start();
  });
}

void AsioSessions::runtime(std::function<void(std::vector<PeerRuntime>)> reply) {
  asio::post(sessions_, [this, reply = std::move(reply)] {
    std::vector<PeerRuntime> out;
    out.reserve(peers_.size());
    for (const auto& s : peers_) {
      const auto& p = *s.peer;
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
    for (auto& s : peers_) peers.push_back(s.peer.get());
    session::shutdown_all(peers, text);
    auto drain = std::make_shared<ShutdownDrain>(
        sessions_,
        [this] {
          return std::any_of(peers_.begin(), peers_.end(), [](const Session& s) { return s.peer->queued_bytes() > 0; });
        },
        SteadyClock::now() + linger, done);
    drain->wait(std::chrono::milliseconds{50});
  });
}

}  // namespace cats::rde
