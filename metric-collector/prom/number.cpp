#include "metric-collector/prom/number.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace cats::prom {

namespace {

// Exporters mostly write short decimals ("0", "3.0", "0.4375", "8.128902e+06").
// With a mantissa of at most 2^53 the digits are exact in a double, and so is
// 10^k for k <= 22, so one multiplication or division by 10^k is correctly
// rounded (Clinger's fast path); anything else goes to from_chars.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

inline bool is_digit(char c) {
  return static_cast<unsigned>(c - '0') <= 9;
}

inline bool short_decimal(const char* p, const char* e, double& out) {
  std::uint64_t m = 0;
  const char* const start = p;
  for (; p < e && is_digit(*p); ++p) m = m * 10 + static_cast<unsigned>(*p - '0');
  std::ptrdiff_t digits = p - start;
  int scale = 0;  // digits after the point
  if (p < e && *p == '.') {
    const char* const frac = ++p;
    for (; p < e && is_digit(*p); ++p) m = m * 10 + static_cast<unsigned>(*p - '0');
    scale = static_cast<int>(p - frac);
    digits += scale;
  }
  // 19 digits cannot overflow m; m <= 2^53 converts exactly.
  if (digits == 0 || digits > 19 || m > (std::uint64_t{1} << 53)) return false;
  int exp = 0;
  if (p < e && (*p == 'e' || *p == 'E')) {
    ++p;
    const bool neg = p < e && *p == '-';
    if (p < e && (*p == '-' || *p == '+')) ++p;
    if (p == e || e - p > 3) return false;
    for (; p < e && static_cast<unsigned>(*p - '0') <= 9; ++p) exp = exp * 10 + (*p - '0');
    if (neg) exp = -exp;
  }
  if (p != e) return false;
  exp -= scale;
  if (exp < -22 || exp > 22) return false;
  const double v = static_cast<double>(m);
  out = exp < 0 ? v / kPow10[-exp] : v * kPow10[exp];
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
  if (short_decimal(b, e, v)) return v;
  if (*b == '-' && short_decimal(b + 1, e, v)) return -v;
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
