// Prometheus text exposition 0.0.4 and OpenMetrics 1.0 text, parsed in one
// pass over the whole scraped body with no regex. Names and label values are
// views into the body (or into the result's arena when a value had escapes),
// so the body must outlive the result. Malformed lines become errors with
// their line number; every other line of the scrape still counts. Never throws
// on input.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metric-collector/prom/arena.hpp"
#include "metric-collector/prom/types.hpp"

namespace cats::prom {

struct Label {
  std::string_view name;
  std::string_view value;  // unescaped
};

struct Family {
  std::string_view name;  // as in # TYPE: "x" for x_bucket, "c" for OpenMetrics c_total
  std::string_view help;  // unescaped
  std::string_view unit;  // OpenMetrics # UNIT
  MetricType type = MetricType::kUntyped;
  std::uint32_t help_line = 0;  // 0: no HELP
  std::uint32_t type_line = 0;  // 0: no TYPE (created by a sample or a HELP)
  std::uint32_t samples = 0;
};

struct Sample {
  std::string_view name;          // as written, suffix included
  std::span<const Label> labels;  // in order of appearance
  double value = 0;
  // le of a bucket or quantile of a summary quantile, parsed; NaN otherwise.
  double bound = std::numeric_limits<double>::quiet_NaN();
  std::optional<std::int64_t> timestamp_ms;
  std::uint32_t family = 0;  // index into ParseResult::families
  std::uint32_t line = 0;    // 1-based
  SampleRole role = SampleRole::kValue;
};

struct ParseError {
  std::uint32_t line = 0;    // 1-based
  std::uint32_t column = 0;  // 1-based byte offset within the line
  std::string reason;
};

struct ParseCounters {
  std::uint64_t bytes = 0;
  std::uint32_t lines = 0;
  std::uint32_t samples = 0;
  std::uint32_t comments = 0;  // '#' lines that are not HELP/TYPE/UNIT/EOF
  std::uint32_t blank_lines = 0;
  std::uint32_t errors = 0;     // all of them, also those past kMaxStoredErrors
  std::uint32_t unescaped = 0;  // label values and HELP texts copied to the arena
  std::uint32_t exemplars = 0;  // OpenMetrics exemplars skipped
};

// A body of garbage must not turn into an unbounded error list.
inline constexpr std::size_t kMaxStoredErrors = 1000;

struct ParseResult {
  Format format = Format::kPrometheus;  // the one used (kAuto resolved)
  std::vector<Family> families;         // in order of first appearance
  std::vector<Sample> samples;          // in body order
  std::vector<ParseError> errors;       // in line order, the first kMaxStoredErrors
  ParseCounters counters;
  bool eof = false;  // "# EOF" seen (OpenMetrics)

  // What the views above point into, besides the body, and the parser's
  // family index; kept here so a reused result parses without allocating.
  // Moves keep the views valid, copies would not: hence move-only.
  std::vector<Label> label_storage;
  Arena arena;
  std::vector<std::uint32_t> family_slots;

  ParseResult() = default;
  ParseResult(ParseResult&&) noexcept = default;
  ParseResult& operator=(ParseResult&&) noexcept = default;
  ParseResult(const ParseResult&) = delete;
  ParseResult& operator=(const ParseResult&) = delete;

  bool ok() const { return counters.errors == 0; }
};

ParseResult parse_exposition(std::string_view body, Format hint = Format::kAuto);
// Same, reusing `out`'s buffers (a scraper parsing every few seconds then
// allocates nothing once the buffers have grown to the page size).
void parse_exposition(std::string_view body, Format hint, ParseResult& out);
// The result borrows the body: passing a temporary std::string would leave
// it dangling, so that does not compile (lvalues and literals still do).
template <typename S>
requires std::same_as<S, std::string> ParseResult parse_exposition(S&& body, Format hint = Format::kAuto)
= delete;
template <typename S>
requires std::same_as<S, std::string>
void parse_exposition(S&& body, Format hint, ParseResult& out) = delete;

// kOpenMetrics if some line is exactly "# EOF", else kPrometheus.
Format detect_format(std::string_view body);

}  // namespace cats::prom
