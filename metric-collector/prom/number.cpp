#include "prom/number.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace cats::prom {

namespace {

// Exporters mostly write small integers ("0", "3", "16384"): exact in a double
// up to 15 digits, and far cheaper than the general path.
inline bool small_integer(const char* b, const char* e, double& out) {
  if (e - b > 15) return false;
  std::uint64_t v = 0;
  for (const char* p = b; p < e; ++p) {
    const unsigned d = static_cast<unsigned char>(*p) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  out = static_cast<double>(v);
  return true;
}

// from_chars reports both overflow and underflow as out of range; Go's
// ParseFloat (and so Prometheus) rounds underflow to zero.
bool is_underflow(const char* b, const char* e) {
  for (const char* p = b; p < e; ++p) {
    if (*p == 'e' || *p == 'E') return p + 1 < e && p[1] == '-';
  }
  for (const char* p = b; p < e && *p != '.'; ++p) {
    if (*p >= '1' && *p <= '9') return false;
  }
  return true;  // 0.000...01 with no exponent
}

}  // namespace

std::optional<double> parse_float(std::string_view s) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b == e) return std::nullopt;
  if (*b == '+') {
    ++b;
    if (b == e || *b == '+' || *b == '-') return std::nullopt;
  }
  double v = 0;
  if (b < e && small_integer(b, e, v)) return v;
  if (*b == '-' && b + 1 < e && small_integer(b + 1, e, v)) return -v;
  const auto r = std::from_chars(b, e, v);
  if (r.ptr != e) return std::nullopt;
  if (r.ec == std::errc::result_out_of_range) {
    if (!is_underflow(b, e)) return std::nullopt;
    return *b == '-' ? -0.0 : 0.0;
  }
  if (r.ec != std::errc()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_int64(std::string_view s) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b < e && *b == '+') {
    ++b;
    if (b < e && *b == '-') return std::nullopt;
  }
  std::int64_t v = 0;
  const auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e || b == e) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_timestamp_ms(std::string_view s) {
  return parse_int64(s);
}

std::optional<std::int64_t> parse_timestamp_seconds(std::string_view s) {
  const auto v = parse_float(s);
  // +-9.2e15 s is the int64 ms range.
  if (!v || !std::isfinite(*v) || std::fabs(*v) >= 9.2e15) return std::nullopt;
  return std::llround(*v * 1000.0);
}

}  // namespace cats::prom
