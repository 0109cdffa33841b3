// Per-neighbor socket options: TCP-MD5 (RFC 2385) and GTSM (RFC 5082).
// Errors come back as values: EPERM without CAP_NET_ADMIN, ENOPROTOOPT on a
// kernel without TCP_MD5SIG.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <string_view>

namespace cats::session {

// Installs (or, with an empty key, removes) the MD5 key for `peer` on an open
// socket; on a listening socket it applies to connections from `peer`.
boost::system::error_code set_md5_key(boost::asio::ip::tcp::socket& s, const boost::asio::ip::address& peer,
                                      std::string_view key);
boost::system::error_code set_md5_key(boost::asio::ip::tcp::acceptor& a, const boost::asio::ip::address& peer,
                                      std::string_view key);

// GTSM (RFC 5082): send with TTL/hop limit 255 and accept only 256 - hops
// and above: 255 for a directly connected neighbor (hops 1), as FRR counts.
boost::system::error_code set_gtsm(boost::asio::ip::tcp::socket& s, bool v6, std::uint8_t hops = 1);
boost::system::error_code set_gtsm(boost::asio::ip::tcp::acceptor& a, bool v6, std::uint8_t hops = 1);

}  // namespace cats::session
