// Accepts BGP connections on one address and port and hands each to the
// Peer configured for its source address; unknown sources are closed.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace cats::session {

class Peer;

class Listener {
 public:
  // Peer for a source address, or nullptr. Addresses arrive unmapped
  // (::ffff:a.b.c.d as a.b.c.d).
  using Lookup = std::function<Peer*(const boost::asio::ip::address&)>;

  Listener(const boost::asio::any_io_executor& ex, Lookup lookup);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds and starts accepting. An IPv6 listener is IPv6-only, so that an
  // IPv4 one can share the port.
  boost::system::error_code listen(const boost::asio::ip::tcp::endpoint& at);
  // RFC 2385 key for connections from `peer` (set after listen()).
  boost::system::error_code set_md5_key(const boost::asio::ip::address& peer, std::string_view key);
  // The most hops of any GTSM neighbor on this listener; each accepted socket then gets its own.
  boost::system::error_code set_gtsm(std::uint8_t hops = 1);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void close();

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the pending accept
};

}  // namespace cats::session
