// Value and timestamp tokens, one row per spelling.
#include "metric-collector/prom/number.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "tests/prom/test_util.hpp"

namespace cats::prom {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct FloatRow {
  const char* text;
  std::optional<double> want;  // nullopt: rejected; NaN: NaN
};

const FloatRow kFloats[] = {
    {"0", 0.0},
    {"42", 42.0},
    {"-7", -7.0},
    {"+7", 7.0},
    {"999999999999999", 999999999999999.0},  // 15 digits: the integer fast path
    {"9999999999999999", 9999999999999999.0},
    {"0.0", 0.0},
    {"3.0", 3.0},
    {"1.5", 1.5},
    {".5", 0.5},
    {"5.", 5.0},
    {"1e3", 1000.0},
    {"1E3", 1000.0},
    {"1e+3", 1000.0},
    {"1.5e-3", 0.0015},
    {"-1.5e+2", -150.0},
    {"8.128902e+06", 8128902.0},
    {"1e-400", 0.0},
    {"0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000001",
     0.0},
    {"NaN", std::numeric_limits<double>::quiet_NaN()},
    {"nan", std::numeric_limits<double>::quiet_NaN()},
    {"+Inf", kInf},
    {"-Inf", -kInf},
    {"Inf", kInf},
    {"inf", kInf},
    {"+infinity", kInf},
    {"", std::nullopt},
    {"+", std::nullopt},
    {"-", std::nullopt},
    {"+-1", std::nullopt},
    {"--1", std::nullopt},
    {"1,5", std::nullopt},
    {"0x10", std::nullopt},
    {"1e", std::nullopt},
    {"1e400", std::nullopt},
    {"-1e400", std::nullopt},
    {" 1", std::nullopt},
    {"1 ", std::nullopt},
    {"abc", std::nullopt},
    {"Infx", std::nullopt},
    {"1_000", std::nullopt},
};

TEST(Number, ParseFloatRows) {
  for (const FloatRow& row : kFloats) {
    const auto got = parse_float(row.text);
    SCOPED_TRACE(row.text);
    ASSERT_EQ(got.has_value(), row.want.has_value());
    if (!got) continue;
    if (std::isnan(*row.want)) {
      EXPECT_TRUE(std::isnan(*got));
    } else {
      EXPECT_EQ(*got, *row.want);
    }
  }
}

// The short-decimal fast path must agree with a correctly rounding parser.
TEST(Number, FastPathAgreesWithStrtod) {
  test::Xorshift next(88172645463325252ull);
  for (int i = 0; i < 200000; ++i) {
    std::string t = next() % 4 == 0 ? "-" : "";
    const int int_digits = static_cast<int>(next() % 9);
    const int frac_digits = static_cast<int>(next() % 10);
    for (int d = 0; d < int_digits; ++d) t += static_cast<char>('0' + next() % 10);
    if (frac_digits || int_digits == 0) t += '.';
    for (int d = 0; d < frac_digits || (int_digits == 0 && d == 0); ++d) t += static_cast<char>('0' + next() % 10);
    if (next() % 3 == 0) t += "e" + std::to_string(static_cast<int>(next() % 60) - 30);
    const auto got = parse_float(t);
    ASSERT_TRUE(got.has_value()) << t;
    const double want = std::strtod(t.c_str(), nullptr);
    ASSERT_EQ(*got, want) << t;
  }
}

TEST(Number, NegativeZeroKeepsItsSign) {
  EXPECT_TRUE(std::signbit(*parse_float("-0")));
  EXPECT_TRUE(std::signbit(*parse_float("-1e-400")));
}

TEST(Number, Int64) {
  EXPECT_EQ(parse_int64("0"), 0);
  EXPECT_EQ(parse_int64("-5"), -5);
  EXPECT_EQ(parse_int64("+5"), 5);
  EXPECT_EQ(parse_int64("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_int64("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_int64(""), std::nullopt);
  EXPECT_EQ(parse_int64("+"), std::nullopt);
  EXPECT_EQ(parse_int64("+-5"), std::nullopt);
  EXPECT_EQ(parse_int64("1.5"), std::nullopt);
  EXPECT_EQ(parse_int64("1e3"), std::nullopt);
}

TEST(Number, Timestamps) {
  EXPECT_EQ(parse_timestamp_ms("1712345678901"), 1712345678901);
  EXPECT_EQ(parse_timestamp_seconds("1712345678.901"), 1712345678901);
  EXPECT_EQ(parse_timestamp_seconds("1712345678.9014"), 1712345678901);  // rounded to ms
  EXPECT_EQ(parse_timestamp_seconds("1712345678.9016"), 1712345678902);
  EXPECT_EQ(parse_timestamp_seconds("-1.5"), -1500);
  EXPECT_EQ(parse_timestamp_seconds("NaN"), std::nullopt);
  EXPECT_EQ(parse_timestamp_seconds("+Inf"), std::nullopt);
  EXPECT_EQ(parse_timestamp_seconds("1e300"), std::nullopt);
}

}  // namespace
}  // namespace cats::prom
