// The logger and the per-source rate limit. The logger tests redirect this
// process's stderr to a real pipe that nobody reads, as a supervisor that
// died would leave it.
#include "common/log/log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/log/rate_limit.hpp"

namespace cats::log {
namespace {

using namespace std::chrono_literals;

TEST(RateLimit, BurstThenCountedThenReported) {
  RateLimit r(10s, 3, 16);
  const auto t0 = RateLimit::Clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(r.allow("192.0.2.1", t0), 0u);
  for (int i = 0; i < 7; ++i) EXPECT_FALSE(r.allow("192.0.2.1", t0 + 1s).has_value());
  EXPECT_EQ(r.allow("192.0.2.2", t0 + 1s), 0u) << "another source has its own budget";
  EXPECT_FALSE(r.allow("192.0.2.1", t0 + 9s).has_value());
  EXPECT_EQ(r.allow("192.0.2.1", t0 + 10s), 8u) << "the first line of the next period says how many were lost";
  EXPECT_EQ(r.allow("192.0.2.1", t0 + 10s), 0u);
  EXPECT_EQ(RateLimit::suffix(0), "");
  EXPECT_EQ(RateLimit::suffix(8), " (8 more suppressed)");
}

TEST(RateLimit, KeysAreBounded) {
  RateLimit r(10s, 1, 4);
  const auto t0 = RateLimit::Clock::time_point{} + 1h;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(r.allow(std::to_string(i), t0), 0u);
  // A fifth source while the table is full shares one overflow window.
  EXPECT_EQ(r.allow("a", t0), 0u);
  EXPECT_FALSE(r.allow("b", t0).has_value());
  // Once the old windows end they make room again.
  EXPECT_EQ(r.allow("c", t0 + 11s), 0u);
  EXPECT_EQ(r.allow("d", t0 + 11s), 0u);
}

TEST(Log, UnknownLevelIsAnError) {
  const auto err = start("log_test", "verbose");
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("verbose"), std::string::npos);
}

// Every thread keeps running when stderr is a pipe nobody reads: lines are
// dropped and counted, and finish() gives up on the stuck writer in time.
TEST(Log, UnreadPipeNeitherBlocksNorLosesCount) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_GT(fcntl(fds[1], F_SETPIPE_SZ, 4096), 0);
  const int saved = dup(STDERR_FILENO);
  ASSERT_EQ(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
  ASSERT_FALSE(start("log_test", "info", 64).has_value());

  const auto t0 = std::chrono::steady_clock::now();
  const std::string line(200, 'x');
  for (int i = 0; i < 5000; ++i) spdlog::info("line {} {}", i, line);  // 1 MB into a 4 KiB pipe
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 2s) << "logging waited on the pipe";
  std::this_thread::sleep_for(100ms);
  EXPECT_GT(take_dropped(), 4000u);
  EXPECT_FALSE(finish(300ms)) << "the writer is stuck in write(): finish must not wait for it";

  // Once somebody reads, the writer goes on and finish() completes.
  std::thread reader([&] {
    char buf[65536];
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    const auto end = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < end) {
      if (read(fds[0], buf, sizeof buf) <= 0) std::this_thread::sleep_for(5ms);
    }
  });
  EXPECT_TRUE(finish(2s));
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(fds[1]);
  reader.join();
  close(fds[0]);
}

}  // namespace
}  // namespace cats::log
