// A netlink socket (libmnl) driven by Boost.Asio: requests go out with their
// own sequence numbers; replies and multicast notifications come back as
// whole messages to one callback, on the executor, never blocking it.
// ENOBUFS (the kernel dropped notifications for us) is reported so that the
// owner can read its state again.
#pragma once

#include <linux/netlink.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct mnl_socket;

namespace cats::netlink {

// Route protocol number (rtm_protocol) of the routes catsd installs; not
// used by the kernel, FRR (186-199) or iproute2's list. `ip route show proto 201`.
inline constexpr std::uint8_t kCatsRouteProtocol = 201;

class Socket {
 public:
  // A message (nlmsghdr first); called for every message of every datagram.
  using OnMessage = std::function<void(const nlmsghdr&)>;
  // errno of a failed receive (ENOBUFS: notifications were lost).
  using OnError = std::function<void(int err)>;

  explicit Socket(const boost::asio::any_io_executor& ex);
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // NETLINK_ROUTE, subscribed to `groups` (RTNLGRP_* numbers). Error text on failure.
  std::optional<std::string> open(std::span<const unsigned> groups = {});
  // For a socket that only receives route notifications: the kernel drops
  // those of routes with this protocol (rtm_protocol) before they are queued
  // (a socket filter). Error text on failure.
  std::optional<std::string> drop_route_protocol(std::uint8_t protocol);
  // Starts reading: every message goes to on_message, until close().
  void start(OnMessage on_message, OnError on_error);
  void close();

  std::uint32_t next_seq() { return ++seq_; }
  // Sends one request (a whole nlmsghdr). Error text on failure.
  std::optional<std::string> send(std::span<const std::byte> request);
  // The same, then reads replies until the ACK or error of `seq` arrives, on
  // this thread (for programming from a dedicated thread, not the RIB's).
  // Returns 0 or the errno of the kernel's NLMSG_ERROR.
  int request(std::span<const std::byte> request, std::uint32_t seq, const OnMessage& on_reply = {});

  bool is_open() const { return nl_ != nullptr; }

 private:
  void read();

  boost::asio::posix::stream_descriptor sd_;
  mnl_socket* nl_ = nullptr;
  std::uint32_t seq_ = 0;
  std::vector<std::byte> buf_;
  OnMessage on_message_;
  OnError on_error_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cats::netlink
