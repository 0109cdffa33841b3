// The process's logger: asynchronous and bounded, so that no routing, API or
// collector thread ever waits on a write. Lines go through a queue of
// kQueueLines to one writer thread; when the queue is full (stderr is slow,
// or a pipe nobody reads) the oldest lines are dropped and counted, and
// report_dropped() says how many. A writer stuck in write() for good must
// not hold the process at exit either: finish() waits a bounded time.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cats::log {

inline constexpr std::size_t kQueueLines = 8192;

// The values of --log-level, least severe first, and of --log-format.
inline constexpr std::array<std::string_view, 7> kLevelNames = {"trace", "debug",    "info", "warn",
                                                                "error", "critical", "off"};
inline constexpr std::array<std::string_view, 2> kFormatNames = {"text", "json"};

// text: "2025-01-31T12:00:00.123Z info message"; json: one object a line
// (json_format.hpp). Both carry the same ISO-8601 UTC time stamp.
enum class Format { kText, kJson };
std::optional<Format> parse_format(std::string_view name);

// Makes the default spdlog logger `name` (asynchronous, to stderr, ISO-8601
// UTC time stamps) at `level` (one of kLevelNames). An unknown level is an
// error, not "off".
std::optional<std::string> start(const std::string& name, const std::string& level,
                                 std::size_t queue_lines = kQueueLines, Format format = Format::kText);

// Lines dropped since the previous call.
std::size_t take_dropped();
// Logs "N log lines dropped" when take_dropped() is not 0; for a periodic timer.
void report_dropped();

// Flushes what is queued and stops the writer, waiting at most `limit`.
// false: the writer is stuck in a write; the caller must leave with
// std::_Exit, as anything that joins the writer (spdlog's own shutdown, the
// static destructors) would wait for ever.
bool finish(std::chrono::milliseconds limit = std::chrono::milliseconds{2000});

// A binary's main(): runs `run`, logs an exception that reaches it (a bug)
// and returns 1 then, and ends logging with finish().
int run_main(int (*run)(int, char**), int argc, char** argv);

}  // namespace cats::log
