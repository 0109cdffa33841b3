// sd_notify's messages as a service manager receives them: a real datagram
// socket on NOTIFY_SOCKET, the calls of common/service, what arrives.
#include "common/service/notify.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace cats::service {
namespace {

// A bound socket at a fresh path, NOTIFY_SOCKET pointing at it.
class Manager {
 public:
  Manager() : path_(std::filesystem::temp_directory_path() / ("notify-" + std::to_string(::getpid()) + ".sock")) {
    std::filesystem::remove(path_);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path_.string().copy(a.sun_path, sizeof a.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~Manager() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Every message waiting now.
  std::vector<std::string> received() const {
    std::vector<std::string> out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, 0)) > 0;) out.emplace_back(buf, static_cast<std::size_t>(n));
    return out;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

TEST(Notify, NothingWithoutASocket) {
  ::unsetenv("NOTIFY_SOCKET");
  notify_ready();  // no socket: a no-op, no error
  notify_stopping();
}

TEST(Notify, ReadyReloadingStopping) {
  Manager m;
  notify_ready("2 neighbors");
  notify_reloading();
  notify_ready();
  notify_stopping();
  const auto got = m.received();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], "READY=1\nSTATUS=2 neighbors");
  EXPECT_TRUE(got[1].starts_with("RELOADING=1\nMONOTONIC_USEC=")) << got[1];
  EXPECT_EQ(got[2], "READY=1");
  EXPECT_EQ(got[3], "STOPPING=1");
}

TEST(Notify, WatchdogAtHalfTheInterval) {
  Manager m;
  ::setenv("WATCHDOG_USEC", "100000", 1);  // 100 ms: a ping every 50 ms
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  using Clock = std::chrono::steady_clock;
  boost::asio::io_context io;
  // Per ping, when it was surely not sent yet (the poll before the one that
  // found it) and when it was seen: timers never fire early, so each ping is
  // seen at least 50 ms after the previous one's lower bound, however late
  // a loaded machine runs them.
  std::vector<Clock::time_point> not_before;
  std::vector<Clock::time_point> seen;
  {
    auto previous_poll = Clock::now();
    Watchdog w(io.get_executor());
    const auto deadline = Clock::now() + std::chrono::seconds{5};
    while (seen.size() < 4 && Clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds{5});
      const auto poll = Clock::now();
      for (const auto& g : m.received()) {
        EXPECT_EQ(g, "WATCHDOG=1");
        not_before.push_back(previous_poll);
        seen.push_back(Clock::now());
      }
      previous_poll = poll;
    }
  }
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  ASSERT_GE(seen.size(), 4u);  // at start, then every 50 ms
  for (std::size_t i = 1; i < seen.size(); ++i)
    EXPECT_GE(seen[i] - not_before[i - 1], std::chrono::milliseconds{50}) << "ping " << i;
}

TEST(Notify, NoWatchdogUnlessAsked) {
  Manager m;
  ::unsetenv("WATCHDOG_USEC");
  boost::asio::io_context io;
  Watchdog w(io.get_executor());
  io.run_for(std::chrono::milliseconds{50});
  EXPECT_TRUE(m.received().empty());
}

}  // namespace
}  // namespace cats::service
