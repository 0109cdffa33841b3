#include "bgp-ext/session/listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bgp-ext/session/peer.hpp"
#include "bgp-ext/session/socket_options.hpp"
#include "common/log/rate_limit.hpp"

namespace cats::session {

namespace {

boost::asio::ip::address unmapped(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  return a;
}

}  // namespace

struct Listener::State : std::enable_shared_from_this<Listener::State> {
  State(const boost::asio::any_io_executor& ex, Lookup l) : acceptor(ex), retry(ex), lookup(std::move(l)) {}
  tcp::acceptor acceptor;
  boost::asio::steady_timer retry;
  Lookup lookup;
  log::RateLimit unconfigured;  // a scan from many addresses costs a few lines per address
  bool closed = false;

  void accept() {
    acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket s) {
      if (self->closed) return;
      if (ec == boost::asio::error::operation_aborted) return;
      if (!ec) {
        self->dispatch(std::move(s));
        self->accept();
        return;
      }
      // Transient errors (EMFILE, ENOBUFS) must not stop accepting, nor spin.
      spdlog::warn("listener: accept: {}", ec.message());
      self->retry.expires_after(std::chrono::milliseconds{100});
      self->retry.async_wait([self](const boost::system::error_code& e) {
        if (!e && !self->closed) self->accept();
      });
    });
  }

  void dispatch(tcp::socket s) {
    boost::system::error_code ec;
    const auto from = s.remote_endpoint(ec);
    if (ec) return;
    Peer* peer = lookup ? lookup(unmapped(from.address())) : nullptr;
    if (peer == nullptr) {
      const std::string addr = from.address().to_string();
      if (auto suppressed = unconfigured.allow(addr))
        spdlog::info("listener: connection from unconfigured {} closed{}", addr, log::RateLimit::suffix(*suppressed));
      s.close(ec);
      return;
    }
    peer->accept(std::move(s));
  }
};

Listener::Listener(const boost::asio::any_io_executor& ex, Lookup lookup)
    : state_(std::make_shared<State>(ex, std::move(lookup))) {}

Listener::~Listener() {
  // close() closes the acceptor with an error_code; only cancelling the retry
  // timer may throw, and a destructor must not.
  try {
    close();
  } catch (const std::exception& e) {
    spdlog::error("listener: close: {}", e.what());
  }
}

boost::system::error_code Listener::listen(const tcp::endpoint& at) {
  boost::system::error_code ec;
  auto& a = state_->acceptor;
  a.open(at.protocol(), ec);
  if (!ec) a.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec && at.protocol() == tcp::v6()) a.set_option(boost::asio::ip::v6_only(true), ec);
  if (!ec) a.bind(at, ec);
  if (!ec) a.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    spdlog::error("listener: {}:{}: {}", at.address().to_string(), at.port(), ec.message());
    boost::system::error_code ignored;
    a.close(ignored);
    return ec;
  }
  spdlog::info("listening on {}:{}", at.address().to_string(), local_endpoint().port());
  state_->accept();
  return {};
}

boost::system::error_code Listener::set_md5_key(const boost::asio::ip::address& peer, std::string_view key) {
  return session::set_md5_key(state_->acceptor, peer, key);
}

boost::system::error_code Listener::set_gtsm(std::uint8_t hops) {
  boost::system::error_code ec;
  const auto ep = state_->acceptor.local_endpoint(ec);
  if (ec) return ec;
  return session::set_gtsm(state_->acceptor, ep.address().is_v6(), hops);
}

tcp::endpoint Listener::local_endpoint() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

void Listener::close() {
  state_->closed = true;
  state_->retry.cancel();
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
}

}  // namespace cats::session
