// The FIB and the route monitor against a real kernel table: each test runs
// in a network namespace of its own (unshare; root only, skipped otherwise)
// with a veth pair, so what they install is seen by nothing else.
//
// Batches of hundreds of routes must complete whatever the size of the
// socket's receive buffer (the kernel answers only failures and the last
// message of a batch), and a batch whose answers overrun the buffer (every
// message refused) must not stall the worker: its routes are marked failed
// and retried until the kernel takes them. The route monitor never reports
// catsd's own routes (protocol 201), neither as events nor in a dump.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "rib-adapter/netlink/fib.hpp"
#include "rib-adapter/netlink/route_monitor.hpp"

namespace cats::netlink {
namespace {

using namespace std::chrono_literals;

// The number of lines a shell command prints (run in the test's namespace:
// the child inherits the namespace of the thread that forks it).
int lines(const std::string& cmd) {
  FILE* p = ::popen((cmd + " | wc -l").c_str(), "r");
  if (p == nullptr) return -1;
  int n = -1;
  if (std::fscanf(p, "%d", &n) != 1) n = -1;
  ::pclose(p);
  return n;
}

class FibKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (a network namespace of its own)";
    home_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(home_, 0);
    if (::unshare(CLONE_NEWNET) != 0) GTEST_SKIP() << "unshare(CLONE_NEWNET): " << std::strerror(errno);
    entered_ = true;
    ASSERT_EQ(std::system("ip link set lo up && ip link add fibt0 type veth peer name fibt1 && "
                          "ip link set fibt0 up && ip link set fibt1 up && ip addr add 10.77.0.1/24 dev fibt0"),
              0);
    oif_ = ::if_nametoindex("fibt0");
    ASSERT_NE(oif_, 0u);
  }
  void TearDown() override {
    if (entered_) ::setns(home_, CLONE_NEWNET);  // the namespace goes with its last user
    if (home_ >= 0) ::close(home_);
  }

  // n /32 routes from 100.64.0.0 through gateway `gw` on fibt0.
  void set_routes(Fib& fib, int n, const char* gw) {
    for (int i = 0; i < n; ++i) {
      FibRoute r;
      r.prefix.afi = wire::Afi::kIpv4;
      r.prefix.length = 32;
      r.prefix.addr = {100, static_cast<std::uint8_t>(64 + (i >> 16)), static_cast<std::uint8_t>(i >> 8),
                       static_cast<std::uint8_t>(i)};
      r.hops.push_back({rib::PeerAddress::parse(gw).value(), oif_, 1});
      fib.set(std::move(r));
    }
  }

  static int count(const std::vector<FibEntry>& es, FibState s) {
    int n = 0;
    for (const auto& e : es) n += e.state == s ? 1 : 0;
    return n;
  }

  int home_ = -1;
  bool entered_ = false;
  unsigned oif_ = 0;
};

TEST_F(FibKernel, ThousandsOfRoutesInAndOutWithASmallReceiveBuffer) {
  FibOptions o;
  o.buckets = 16;
  o.receive_buffer = 16 * 1024;  // an ack per message would overrun it within a batch
  Fib fib(o);
  ASSERT_FALSE(fib.start().has_value());
  set_routes(fib, 3000, "10.77.0.2");
  ASSERT_TRUE(fib.wait_idle(30s)) << "the worker did not finish";
  const auto es = fib.entries();
  EXPECT_EQ(count(es, FibState::kInstalled), 3000);
  EXPECT_EQ(fib.stats().errors, 0u);
  EXPECT_EQ(lines("ip -4 route show proto 201"), 3000);
  EXPECT_EQ(lines("ip nexthop show protocol 201"), 3001);  // a group per route and the one hop object
  fib.stop(false);
  EXPECT_EQ(lines("ip -4 route show proto 201"), 0) << "a clean stop takes catsd's routes out";
  EXPECT_EQ(lines("ip nexthop show protocol 201"), 0);
}

TEST_F(FibKernel, RefusedBatchIsRetriedNotStalled) {
  FibOptions o;
  o.buckets = 16;
  o.receive_buffer = 16 * 1024;  // the refusals of a whole batch do not fit: answers are lost
  Fib fib(o);
  ASSERT_FALSE(fib.start().has_value());
  // 10.88.0.2 is not on fibt0's subnet: the hop object is refused, so is every group and route using it.
  set_routes(fib, 2000, "10.88.0.2");
  ASSERT_TRUE(fib.wait_idle(30s)) << "the worker stalled on lost answers";
  auto es = fib.entries();
  EXPECT_EQ(count(es, FibState::kError), 2000);
  for (const auto& e : es) ASSERT_FALSE(e.error.empty());
  EXPECT_EQ(lines("ip -4 route show proto 201"), 0);
  // The gateway becomes reachable: the retries (0.5 s back-off) create the hop object again and install everything.
  ASSERT_EQ(std::system("ip addr add 10.88.0.1/24 dev fibt0"), 0);
  for (int i = 0; i < 100 && count(fib.entries(), FibState::kInstalled) < 2000; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(count(fib.entries(), FibState::kInstalled), 2000);
  EXPECT_EQ(lines("ip -4 route show proto 201"), 2000);
  fib.stop(false);
  EXPECT_EQ(lines("ip -4 route show proto 201"), 0);
}

TEST_F(FibKernel, RouteMonitorLeavesOurRoutesOut) {
  ASSERT_EQ(std::system("ip route add 100.64.0.1/32 via 10.77.0.2 proto 201 && "
                        "ip route add 100.64.0.2/32 via 10.77.0.2 proto 202"),
            0);
  boost::asio::io_context io;
  std::vector<rib::KernelRoute> dumped;
  std::vector<rib::KernelRoute> added;
  bool dumped_once = false;
  RouteMonitor::Handler h;
  h.dump = [&](std::vector<rib::KernelRoute> routes) {
    dumped = std::move(routes);
    dumped_once = true;
  };
  h.added = [&](const rib::KernelRoute& r) { added.push_back(r); };
  h.removed = [](const rib::KernelRoute&) {};
  RouteMonitor monitor(io.get_executor(), h);
  ASSERT_FALSE(monitor.start().has_value());
  // The kernel-side filter alone, on a socket of the test's: which protocols reach it.
  Socket raw(io.get_executor());
  const unsigned groups[] = {RTNLGRP_IPV4_ROUTE};
  ASSERT_FALSE(raw.open(groups).has_value());
  ASSERT_FALSE(raw.drop_route_protocol(kCatsRouteProtocol).has_value());
  std::vector<int> protocols;
  raw.start([&](const nlmsghdr& m) { protocols.push_back(static_cast<const rtmsg*>(NLMSG_DATA(&m))->rtm_protocol); },
            [](int) {});
  auto run_until = [&](auto done) {
    for (int i = 0; i < 200 && !done(); ++i) io.run_for(10ms);
  };
  run_until([&] { return dumped_once; });
  ASSERT_TRUE(dumped_once);
  auto has = [](const std::vector<rib::KernelRoute>& rs, int last_octet) {
    for (const auto& r : rs)
      if (r.length == 32 && r.prefix.addr[0] == 100 && r.prefix.addr[3] == last_octet) return true;
    return false;
  };
  EXPECT_FALSE(has(dumped, 1)) << "protocol 201 in the dump";
  EXPECT_TRUE(has(dumped, 2)) << "another protocol's route is reported";
  // Events: ours are filtered in the kernel, others arrive.
  ASSERT_EQ(std::system("ip route add 100.64.0.3/32 via 10.77.0.2 proto 201 && "
                        "ip route add 100.64.0.4/32 via 10.77.0.2 proto 202"),
            0);
  run_until([&] { return has(added, 4); });
  io.run_for(50ms);
  EXPECT_TRUE(has(added, 4));
  EXPECT_FALSE(has(added, 3)) << "a route of protocol 201 reached the monitor";
  EXPECT_EQ(std::count(protocols.begin(), protocols.end(), 202), 1);
  EXPECT_EQ(std::count(protocols.begin(), protocols.end(), 201), 0) << "the kernel sent a route of protocol 201";
}

}  // namespace
}  // namespace cats::netlink
