// Numbers of the text formats: sample values (Go ParseFloat's decimal subset,
// which is what Prometheus accepts) and timestamps.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cats::prom {

// [+-]digits[.digits][(e|E)[+-]digits], also ".5" and "5."; NaN, Inf,
// Infinity with an optional sign, case-insensitive. No hex, no whitespace.
// Overflow is an error; underflow gives a signed zero, as in Go.
std::optional<double> parse_float(std::string_view s);

// [+-]digits, within int64.
std::optional<std::int64_t> parse_int64(std::string_view s);

// Timestamps: 0.0.4 writes integer milliseconds, OpenMetrics float seconds;
// both come back as milliseconds (OpenMetrics rounded to the nearest ms).
std::optional<std::int64_t> parse_timestamp_ms(std::string_view s);
std::optional<std::int64_t> parse_timestamp_seconds(std::string_view s);

}  // namespace cats::prom
