#include "common/log/log.hpp"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <memory>
#include <thread>
#include <utility>

#include "common/log/json_format.hpp"

namespace cats::log {
namespace {

// Marks the time the writer thread spends inside a write, so that finish()
// can tell an idle writer from a stuck one.
class TrackedSink final : public spdlog::sinks::sink {
 public:
  explicit TrackedSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}
  void log(const spdlog::details::log_msg& msg) override {
    busy_ = true;
    inner_->log(msg);
    busy_ = false;
  }
  void flush() override {
    busy_ = true;
    inner_->flush();
    busy_ = false;
  }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override { inner_->set_formatter(std::move(f)); }
  bool busy() const { return busy_; }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
  std::atomic<bool> busy_{false};
};

std::shared_ptr<TrackedSink> g_sink;  // set by start()
std::atomic<std::size_t> g_dropped_seen{0};

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return std::nullopt;
}

std::optional<std::string> start(const std::string& name, const std::string& level, std::size_t queue_lines,
                                 Format format) {
  std::size_t index = 0;
  while (index < kLevelNames.size() && level != kLevelNames[index]) ++index;
  if (index == kLevelNames.size())
    return "unknown log level \"" + level + "\" (trace, debug, info, warn, error, critical, off)";
  spdlog::init_thread_pool(queue_lines, 1);
  g_sink = std::make_shared<TrackedSink>(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  auto logger = std::make_shared<spdlog::async_logger>(name, g_sink, spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::overrun_oldest);
  spdlog::set_default_logger(logger);
  if (format == Format::kJson)
    spdlog::set_formatter(std::make_unique<JsonFormatter>());
  else
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(static_cast<spdlog::level::level_enum>(index));
  // Each line is written as it comes (stderr is a file or a pipe under a
  // supervisor): the last lines before a crash are the ones that matter.
  spdlog::flush_on(spdlog::level::info);
  return std::nullopt;
}

std::size_t take_dropped() {
  auto pool = spdlog::thread_pool();
  if (!pool || !g_sink) return 0;
  const std::size_t total = pool->overrun_counter();
  return total - g_dropped_seen.exchange(total);
}

void report_dropped() {
  if (const std::size_t n = take_dropped(); n > 0)
    spdlog::warn("{} log lines dropped: the log writer fell behind (is stderr read?)", n);
}

bool finish(std::chrono::milliseconds limit) {
  if (!g_sink) {
    spdlog::shutdown();
    return true;
  }
  report_dropped();
  spdlog::default_logger()->flush();
  auto pool = spdlog::thread_pool();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int idle = 0;  // two idle looks in a row: the writer is not between a pop and a write
  while (std::chrono::steady_clock::now() < deadline) {
    idle = pool->queue_size() == 0 && !g_sink->busy() ? idle + 1 : 0;
    if (idle == 2) {
      spdlog::shutdown();
      g_sink.reset();
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return false;
}

int run_main(int (*run)(int, char**), int argc, char** argv) {
  int rc = 1;
  try {
    rc = run(argc, argv);
  } catch (const std::exception& e) {
    spdlog::critical("exception: {}", e.what());
  } catch (...) {
    spdlog::critical("unknown exception");
  }
  if (!finish()) std::_Exit(rc);
  return rc;
}

}  // namespace cats::log
