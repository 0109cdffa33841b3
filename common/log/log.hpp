// The process's logger: asynchronous and bounded, so that no routing, API or
// collector thread ever waits on a write. Lines go through a queue of
// kQueueLines to one writer thread; when the queue is full (stderr is slow,
// or a pipe nobody reads) the oldest lines are dropped and counted, and
// report_dropped() says how many. A writer stuck in write() for good must
// not hold the process at exit either: finish() waits a bounded time.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace cats::log {

inline constexpr std::size_t kQueueLines = 8192;

// Makes the default spdlog logger `name` (asynchronous, to stderr, ISO-8601
// UTC time stamps) at `level` ("trace", "debug", "info", "warn", "error",
// "critical", "off"). An unknown level is an error, not "off".
std::optional<std::string> start(const std::string& name, const std::string& level,
                                 std::size_t queue_lines = kQueueLines);

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
