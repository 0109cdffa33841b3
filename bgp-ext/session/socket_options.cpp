#include "bgp-ext/session/socket_options.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace cats::session {

namespace {

using boost::system::error_code;

error_code errno_code() {
  return error_code(errno, boost::system::system_category());
}

error_code md5(int fd, const boost::asio::ip::address& peer, std::string_view key) {
  if (key.size() > TCP_MD5SIG_MAXKEYLEN) return error_code(EINVAL, boost::system::system_category());
  tcp_md5sig sig{};
  if (peer.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    const auto b = peer.to_v4().to_bytes();
    std::memcpy(&sin.sin_addr, b.data(), b.size());
    std::memcpy(&sig.tcpm_addr, &sin, sizeof sin);
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    const auto b = peer.to_v6().to_bytes();
    std::memcpy(&sin6.sin6_addr, b.data(), b.size());
    std::memcpy(&sig.tcpm_addr, &sin6, sizeof sin6);
  }
  sig.tcpm_keylen = static_cast<std::uint16_t>(key.size());
  std::memcpy(sig.tcpm_key, key.data(), key.size());
  if (::setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) != 0) return errno_code();
  return {};
}

// RFC 5082 §3: send with 255, accept 255 - (hops - 1) and above (hops 1: directly connected).
error_code gtsm(int fd, bool v6, std::uint8_t hops) {
  const int ttl = 255, min = 256 - std::clamp<int>(hops, 1, 255);
  if (v6) {
    if (::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl) != 0) return errno_code();
    if (::setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &min, sizeof min) != 0) return errno_code();
    return {};
  }
  if (::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) != 0) return errno_code();
  if (::setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min, sizeof min) != 0) return errno_code();
  return {};
}

}  // namespace

error_code set_md5_key(boost::asio::ip::tcp::socket& s, const boost::asio::ip::address& peer, std::string_view key) {
  return md5(s.native_handle(), peer, key);
}
error_code set_md5_key(boost::asio::ip::tcp::acceptor& a, const boost::asio::ip::address& peer, std::string_view key) {
  return md5(a.native_handle(), peer, key);
}
error_code set_gtsm(boost::asio::ip::tcp::socket& s, bool v6, std::uint8_t hops) {
  return gtsm(s.native_handle(), v6, hops);
}
error_code set_gtsm(boost::asio::ip::tcp::acceptor& a, bool v6, std::uint8_t hops) {
  return gtsm(a.native_handle(), v6, hops);
}

}  // namespace cats::session
