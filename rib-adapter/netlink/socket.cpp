#include "rib-adapter/netlink/socket.hpp"

#include <libmnl/libmnl.h>
#include <linux/filter.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace cats::netlink {

namespace asio = boost::asio;

Socket::Socket(const asio::any_io_executor& ex) : sd_(ex), buf_(MNL_SOCKET_BUFFER_SIZE * 4) {}

Socket::~Socket() {
  *alive_ = false;
  close();
}

std::optional<std::string> Socket::open(std::span<const unsigned> groups) {
  nl_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (nl_ == nullptr) return std::string("netlink socket: ") + std::strerror(errno);
  if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
    const std::string err = std::string("netlink bind: ") + std::strerror(errno);
    close();
    return err;
  }
  for (unsigned g : groups) {
    if (mnl_socket_setsockopt(nl_, NETLINK_ADD_MEMBERSHIP, &g, sizeof g) < 0) {
      const std::string err = "netlink group " + std::to_string(g) + ": " + std::strerror(errno);
      close();
      return err;
    }
  }
  // A large receive buffer: a burst of route changes should not overrun it.
  int size = 4 << 20;
  setsockopt(mnl_socket_get_fd(nl_), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  int one = 1;
  mnl_socket_setsockopt(nl_, NETLINK_EXT_ACK, &one, sizeof one);
  return std::nullopt;
}

std::optional<std::string> Socket::drop_route_protocol(std::uint8_t protocol) {
  if (nl_ == nullptr) return std::string("netlink socket closed");
  // A notification is one message per datagram: its rtm_protocol octet is at
  // a fixed offset. Anything shorter than a route message is kept.
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, NLMSG_LENGTH(sizeof(rtmsg)), 0, 3),
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, NLMSG_HDRLEN + offsetof(rtmsg, rtm_protocol)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, protocol, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0),           // dropped
      BPF_STMT(BPF_RET | BPF_K, 0xffffffff),  // kept whole
  };
  const sock_fprog prog{static_cast<unsigned short>(std::size(code)), code};
  if (setsockopt(mnl_socket_get_fd(nl_), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0)
    return std::string("netlink socket filter: ") + std::strerror(errno);
  return std::nullopt;
}

void Socket::close() {
  if (nl_ == nullptr) return;
  if (sd_.is_open()) {
    boost::system::error_code ec;
    sd_.cancel(ec);
    sd_.release();  // the descriptor is mnl's to close
  }
  mnl_socket_close(nl_);
  nl_ = nullptr;
}

void Socket::start(OnMessage on_message, OnError on_error) {
  on_message_ = std::move(on_message);
  on_error_ = std::move(on_error);
  sd_.assign(mnl_socket_get_fd(nl_));
  read();
}

void Socket::read() {
  sd_.async_wait(asio::posix::stream_descriptor::wait_read, [this,
                                                             alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive || nl_ == nullptr) return;
    for (;;) {
      const ssize_t n = mnl_socket_recvfrom(nl_, buf_.data(), buf_.size());
      if (n < 0) {
        const int err = errno;
        if (err == EAGAIN || err == EWOULDBLOCK) break;
        if (err == EINTR) continue;
        if (on_error_) on_error_(err);
        if (!*alive || nl_ == nullptr) return;
        if (err == ENOBUFS) continue;
        return;
      }
      auto len = static_cast<int>(n);
      for (auto* h = reinterpret_cast<const nlmsghdr*>(buf_.data()); mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len))
        on_message_(*h);
      if (!*alive || nl_ == nullptr) return;
    }
    read();
  });
}

std::optional<std::string> Socket::send(std::span<const std::byte> request) {
  if (nl_ == nullptr) return std::string("netlink socket closed");
  if (mnl_socket_sendto(nl_, request.data(), request.size()) < 0)
    return std::string("netlink send: ") + std::strerror(errno);
  return std::nullopt;
}

int Socket::request(std::span<const std::byte> request, std::uint32_t seq, const OnMessage& on_reply) {
  if (auto err = send(request)) return errno != 0 ? errno : EIO;
  const unsigned portid = mnl_socket_get_portid(nl_);
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(nl_, buf_.data(), buf_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // Non-blocking socket: wait for the reply.
        fd_set set;
        FD_ZERO(&set);
        FD_SET(mnl_socket_get_fd(nl_), &set);
        timeval tv{5, 0};
        if (select(mnl_socket_get_fd(nl_) + 1, &set, nullptr, nullptr, &tv) <= 0) return ETIMEDOUT;
        continue;
      }
      return errno;
    }
    auto len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf_.data()); mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
      if (h->nlmsg_seq != seq || h->nlmsg_pid != portid) continue;
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* e = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h));
        return -e->error;
      }
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (on_reply) on_reply(*h);
    }
  }
}

}  // namespace cats::netlink
