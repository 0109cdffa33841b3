// The kernel's IPv4 and IPv6 routes for next-hop tracking: one dump at
// start (and again whenever notifications were lost), then every change as
// it happens (rtnetlink RTM_NEWROUTE / RTM_DELROUTE), delivered on the
// executor as rib::KernelRoute values. Only the main and local tables are
// reported; broadcast, multicast and anycast entries are not routes to a
// next hop and are left out, and so are catsd's own FIB routes (protocol
// 201, never a next hop's route; a socket filter keeps their notifications
// in the kernel, so programming 100,000 of them costs the monitor nothing).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rib-adapter/netlink/socket.hpp"
#include "rib-adapter/rib/nexthops.hpp"

namespace cats::netlink {

class RouteMonitor {
 public:
  struct Handler {
    std::function<void(std::vector<rib::KernelRoute>)> dump;  // the whole table (start, resync)
    std::function<void(const rib::KernelRoute&)> added;
    std::function<void(const rib::KernelRoute&)> removed;
    std::function<void(const std::string&)> error;  // logged by the owner; the monitor resyncs
  };

  RouteMonitor(const boost::asio::any_io_executor& ex, Handler h);
  // Subscribes, then dumps. Error text when netlink is not available.
  std::optional<std::string> start();
  std::uint64_t resyncs() const { return resyncs_; }

  // A route message as a KernelRoute; nullopt for what is not one we track
  // (catsd's own routes included).
  static std::optional<rib::KernelRoute> parse(const nlmsghdr& h);

 private:
  void dump(int family);
  void on_event(const nlmsghdr& h);
  void on_dump(const nlmsghdr& h);

  Handler h_;
  Socket events_;
  Socket dumper_;
  std::vector<rib::KernelRoute> dumped_;
  std::vector<std::pair<bool, rib::KernelRoute>> held_;  // events while a dump runs: (added, route)
  bool dumping_ = false;
  int dump_family_ = 0;
  std::uint32_t dump_seq_ = 0;
  std::uint64_t resyncs_ = 0;
};

}  // namespace cats::netlink
