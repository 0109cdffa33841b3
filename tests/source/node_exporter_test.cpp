// The real thing: Debian's prometheus-node-exporter started on a loopback
// port, scraped twice, its node_exporter L0 values checked against /proc
// over the same interval. Skipped only when the binary is not installed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "metric-collector/source/engine_profile.hpp"
#include "metric-collector/source/http_scraper.hpp"
#include "metric-collector/source/procfs.hpp"
#include "metric-collector/source/target_inputs.hpp"
#include "tests/source/test_util.hpp"

extern char** environ;

namespace cats::source {
namespace {

using namespace std::chrono_literals;
constexpr const char* kBinary = "/usr/bin/prometheus-node-exporter";

// Kills the exporter by its PID however the test ends.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 40; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  bool exited() {
    if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
    return pid_ <= 0;
  }

 private:
  pid_t pid_;
};

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

using test::slurp;

TEST(SourceNodeExporter, RealExporterMatchesProc) {
  if (::access(kBinary, X_OK) != 0)
    GTEST_SKIP() << kBinary << " is not installed (Debian package prometheus-node-exporter)";

  const std::uint16_t port = free_port();
  const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port);
  const std::string log = ::testing::TempDir() + "node_exporter_" + std::to_string(::getpid()) + ".log";
  std::vector<std::string> args = {kBinary,
                                   listen,
                                   "--collector.disable-defaults",
                                   "--collector.cpu",
                                   "--collector.meminfo",
                                   "--collector.loadavg",
                                   "--collector.pressure"};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, kBinary, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ASSERT_EQ(rc, 0) << "posix_spawn " << kBinary << ": " << std::strerror(rc);
  Child child(pid);

  boost::asio::io_context io;
  // Nothing else runs on this io_context: without the guard it stops as soon
  // as an attempt ends with no handler left queued (whether one is depends on
  // how the response's segments arrived), and run_one_for() then runs nothing,
  // so the next scrape never starts.
  const auto keep = boost::asio::make_work_guard(io);
  ScrapeTarget t;
  t.name = "node";
  t.host = "127.0.0.1";
  t.port = port;
  t.timeout = 2000ms;
  t.staleness = 30s;
  HttpScraper scraper(io, t);
  const auto scrape = [&] {
    const auto n = scraper.status().counters.scrapes;
    scraper.scrape_once();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (scraper.status().counters.scrapes == n && std::chrono::steady_clock::now() < deadline) io.run_one_for(20ms);
    return scraper.status().last_failure == Failure::kNone && scraper.status().counters.scrapes > n;
  };

  // Wait (bounded) until it answers.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  bool up = false;
  while (!up && std::chrono::steady_clock::now() < deadline) {
    ASSERT_FALSE(child.exited()) << "node_exporter exited:\n" << slurp(log);
    up = scrape();
    if (!up) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(up) << "node_exporter did not answer on port " << port << ": " << scraper.status().last_error << "\n"
                  << slurp(log);

  // Both read over the same interval; the host's own load (the build, a fuzzer) is what they see.
  ProcfsSource proc("local");
  ASSERT_TRUE(proc.sample().stat_ok);
  ASSERT_TRUE(scrape()) << failure_name(scraper.status().last_failure) << ": " << scraper.status().last_error;
  std::this_thread::sleep_for(1500ms);
  const HostSample host = proc.sample();
  ASSERT_TRUE(scrape()) << failure_name(scraper.status().last_failure) << ": " << scraper.status().last_error;

  const auto& st = scraper.status();
  EXPECT_EQ(st.counters.parse_errors, 0u) << st.last_error;
  const auto profiles = load_profiles_file(CATS_PROFILES);
  ASSERT_TRUE(profiles.ok());
  const auto got = target_inputs(*profiles.profiles.find("node_exporter"), t, st, score::Clock::now());
  ASSERT_EQ(got.size(), 1u);
  const auto& l0 = got[0].l0;
  EXPECT_EQ(l0.instance, "node");
  EXPECT_FALSE(l0.stale);
  ASSERT_TRUE(l0.cpu);
  ASSERT_TRUE(host.l0.cpu);
  ASSERT_TRUE(l0.memory);
  ASSERT_TRUE(host.l0.memory);
  EXPECT_GE(*l0.cpu, 0.0);
  EXPECT_LE(*l0.cpu, 1.0);
  EXPECT_NEAR(*l0.cpu, *host.l0.cpu, 0.15) << "CPU utilisation: node_exporter vs /proc/stat";
  EXPECT_NEAR(*l0.memory, *host.l0.memory, 0.05) << "memory used share: node_exporter vs /proc/meminfo";
  bool load1 = false;
  for (const auto& [name, v] : got[0].extra) load1 = load1 || (name == "load1" && v >= 0);
  EXPECT_TRUE(load1);
  // On a saturated host both say 1.0; the CPU seconds the exporter counts per
  // second must still add up to the number of CPUs, whatever the load.
  const auto rate = load_profiles(R"({"engines": {"n": {"rules": [
      {"input": "extra", "name": "cpus", "metric": "node_cpu_seconds_total", "transform": "rate"}]}}})");
  ASSERT_TRUE(rate.ok());
  const auto cpus = target_inputs(*rate.profiles.find("n"), t, st, score::Clock::now());
  ASSERT_EQ(cpus.size(), 1u);
  ASSERT_EQ(cpus[0].extra.size(), 1u);
  const double online = static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN));
  EXPECT_NEAR(cpus[0].extra[0].second, online, 0.15 * online) << "CPU seconds per second vs online CPUs";
  std::cout.precision(4);
  std::cout << "node_exporter cpu " << *l0.cpu << " /proc " << *host.l0.cpu << "; memory " << *l0.memory << " /proc "
            << *host.l0.memory << "; cpu-seconds/s " << cpus[0].extra[0].second << "\n";
}

}  // namespace
}  // namespace cats::source
