// Malformed input, one row per case: the errors (line:column reason) and the
// samples that survive. A bad line never takes the rest of the scrape with it.
#include <gtest/gtest.h>

#include "tests/prom/test_util.hpp"

namespace cats::prom {
namespace {

using namespace test;

struct Row {
  const char* name;
  std::string input;
  std::string errors;     // expected, one "line:column reason" per line
  std::string survivors;  // expected samples, as in syntax_test.cpp
  Format format = Format::kAuto;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

const Row kRows[] = {
    // Label sets.
    {"unterminated_label_value", "a 1\nb{x=\"oops} 2\nc 3\n", "2:5 unterminated label value of x\n",
     "a 1 value/a\nc 3 value/c\n"},
    {"unterminated_label_set", "a 1\nb{x=\"1\"\nc 3\n", "2:8 unterminated label set\n", "a 1 value/a\nc 3 value/c\n"},
    {"label_separator_missing", "a 1\nm{a=\"1\" 2\nc 3\n", "2:9 expected ',' or '}' after label value\n",
     "a 1 value/a\nc 3 value/c\n"},
    {"label_value_not_quoted", "m{a=1} 2\nc 3\n", "1:5 label value of a not quoted\n", "c 3 value/c\n"},
    {"label_equals_missing", "m{a \"1\"} 2\nc 3\n", "1:5 expected '=' after label name a\n", "c 3 value/c\n"},
    {"label_name_invalid", "m{1a=\"x\"} 1\nc 3\n", "1:3 invalid label name \"1\"\n", "c 3 value/c\n"},
    {"label_name_with_colon", "m{a:b=\"x\"} 1\nc 3\n", "1:4 expected '=' after label name a\n", "c 3 value/c\n"},
    {"duplicate_label_name", "a 1\nb{x=\"1\",y=\"2\",x=\"3\"} 1\nc 3\n", "2:15 duplicate label name x\n",
     "a 1 value/a\nc 3 value/c\n"},
    {"duplicate_after_guessed_names", "m{a=\"1\",b=\"2\"} 1\nm{a=\"1\",b=\"2\",a=\"3\"} 2\n",
     "2:15 duplicate label name a\n", "m{a=\"1\",b=\"2\"} 1 value/m\n"},
    {"duplicate_where_guess_differs", "m{a=\"1\",b=\"2\"} 1\nm{a=\"1\",a=\"2\"} 2\n", "2:9 duplicate label name a\n",
     "m{a=\"1\",b=\"2\"} 1 value/m\n"},
    {"bad_escape_in_label_value", "a 1\nb{x=\"a\\tb\"} 1\nc 3\n", "2:7 invalid escape \"\\t\" in label value of x\n",
     "a 1 value/a\nc 3 value/c\n"},
    {"bad_escape_in_help", "# HELP m a\\tb\nm 1\n", "1:11 invalid escape in HELP: \"\\t\"\n", "m 1 value/m\n"},
    {"backslash_at_end_of_help", "# HELP m a\\\nm 1\n", "1:11 invalid escape in HELP: \"\\\"\n", "m 1 value/m\n"},

    // Names and values.
    {"metric_name_starts_with_digit", "a 1\n1abc 2\nc 3\n", "2:1 invalid metric name \"1abc\"\n",
     "a 1 value/a\nc 3 value/c\n"},
    {"metric_name_with_dash", "a 1\na-b 2\nc 3\n", "2:2 invalid character in metric name \"a-b\"\n",
     "a 1 value/a\nc 3 value/c\n"},
    {"metric_name_quoted_utf8", "{\"my.metric\"} 1\nc 3\n", "1:1 invalid metric name \"{\"my.metric\"}\"\n",
     "c 3 value/c\n"},
    {"missing_value", "a 1\nb{x=\"1\"}\nc 3\n", "2:9 missing value\n", "a 1 value/a\nc 3 value/c\n"},
    {"missing_value_no_labels", "a 1\nb\nc 3\n", "2:2 missing value\n", "a 1 value/a\nc 3 value/c\n"},
    {"missing_value_blank_after_name", "b   \nc 3\n", "1:5 missing value\n", "c 3 value/c\n"},
    {"bad_number_comma", "a 1\nb 1,5\nc 3\n", "2:3 invalid value \"1,5\"\n", "a 1 value/a\nc 3 value/c\n"},
    {"bad_number_word", "b abc\nc 3\n", "1:3 invalid value \"abc\"\n", "c 3 value/c\n"},
    {"bad_number_hex", "b 0x10\nc 3\n", "1:3 invalid value \"0x10\"\n", "c 3 value/c\n"},
    {"bad_number_double_sign", "b +-1\nc 3\n", "1:3 invalid value \"+-1\"\n", "c 3 value/c\n"},
    {"bad_number_overflow", "b 1e400\nc 3\n", "1:3 invalid value \"1e400\"\n", "c 3 value/c\n"},
    {"bad_timestamp_float_in_0_0_4", "m 1 1.5\nc 3\n", "1:5 invalid timestamp \"1.5\"\n", "c 3 value/c\n",
     Format::kPrometheus},
    {"bad_timestamp_om", "m 1 abc\nc 3\n# EOF\n", "1:5 invalid timestamp \"abc\"\n", "c 3 value/c\n"},
    {"bad_timestamp_om_nan", "m 1 NaN\nc 3\n# EOF\n", "1:5 invalid timestamp \"NaN\"\n", "c 3 value/c\n"},
    {"extra_token", "m 1 2 3\nc 3\n", "1:7 unexpected text after sample: \"3\"\n", "c 3 value/c\n"},
    {"exemplar_in_0_0_4", "m 1 # {a=\"b\"} 1\nc 3\n", "1:5 unexpected text after sample: \"# {a=\"b\"} 1\"\n",
     "c 3 value/c\n", Format::kPrometheus},

    // HELP / TYPE.
    {"type_after_samples", "m 1\n# TYPE m gauge\nm 2\n", "2:8 TYPE after samples of m\n", "m 1 value/m\nm 2 value/m\n"},
    {"type_after_samples_of_suffix", "h_bucket{le=\"1\"} 1\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\n",
     "2:8 TYPE after samples of h_bucket\n",
     "h_bucket{le=\"1\"} 1 value/h_bucket\nh_bucket{le=\"1\"} 2 value/h_bucket\n"},
    {"help_repeated", "# HELP m one\n# HELP m two\nm 1\n", "2:8 HELP repeated for m (first at line 1)\n",
     "m 1 value/m\n"},
    {"type_repeated", "# TYPE m gauge\n# TYPE m counter\nm 1\n", "2:8 TYPE repeated for m (first at line 1)\n",
     "m 1 value/m\n"},
    {"type_unknown_word", "# TYPE m gauges\nm 1\n", "1:10 unknown metric type \"gauges\"\n", "m 1 value/m\n"},
    {"type_without_name", "# TYPE\nm 1\n", "1:7 TYPE without metric name\n", "m 1 value/m\n"},
    {"type_without_type", "# TYPE m\nm 1\n", "1:9 TYPE without a type for m\n", "m 1 value/m\n"},
    {"type_extra_token", "# TYPE m gauge extra\nm 1\n", "1:16 unexpected text after TYPE\n", "m 1 value/m\n"},
    {"help_invalid_name", "# HELP 1m x\nm 1\n", "1:8 invalid metric name in HELP: \"1m\"\n", "m 1 value/m\n"},
    {"unit_repeated", "# UNIT m s\n# UNIT m ms\nm 1\n# EOF\n", "2:8 UNIT repeated for m\n", "m 1 value/m\n"},

    // Histograms and summaries.
    {"bucket_without_le", "# TYPE h histogram\nh_bucket 1\nh_sum 2\nh_count 1\n",
     "2:1 histogram sample h_bucket without le label\n", "h_sum 2 sum/h\nh_count 1 count/h\n"},
    {"bucket_bad_le", "# TYPE h histogram\nh_bucket{le=\"x\"} 1\nh_count 1\n", "2:10 invalid le value \"x\"\n",
     "h_count 1 count/h\n"},
    {"summary_without_quantile", "# TYPE s summary\ns 1\ns_sum 2\n", "2:1 summary sample s without quantile label\n",
     "s_sum 2 sum/s\n"},

    // End of body: # EOF, truncation.
    {"content_after_eof", "a 1\n# EOF\nb 2\n", "3:1 content after # EOF\n", "a 1 value/a\n"},
    {"comment_after_eof", "a 1\n# EOF\n# more\n", "3:1 content after # EOF\n", "a 1 value/a\n"},
    {"text_after_eof_on_its_line", "a 1\n# EOF junk\n",
     "2:6 text after # EOF on its line\n3:1 missing # EOF: body truncated?\n", "a 1 value/a\n", Format::kOpenMetrics},
    {"om_missing_eof", "a 1\nb 2\n", "3:1 missing # EOF: body truncated?\n", "a 1 value/a\nb 2 value/b\n",
     Format::kOpenMetrics},
    {"truncated_mid_label_value", "a 1\nb{model=\"lla", "2:9 unterminated label value of model\n", "a 1 value/a\n"},
    {"truncated_mid_label_name", "a 1\nb{mod", "2:6 expected '=' after label name mod\n", "a 1 value/a\n"},
    {"truncated_after_name", "a 1\nvllm:num_requests", "2:18 missing value\n", "a 1 value/a\n"},
    {"truncated_om_mid_line", "# TYPE a gauge\na 1\nb{x=",
     "3:5 label value of x not quoted\n4:1 missing # EOF: body truncated?\n", "a 1 value/a\n", Format::kOpenMetrics},

    // Several bad lines in one body: each reported, the good ones kept.
    {"several_errors",
     "# TYPE g gauge\ng{a=\"1\"} 1\ng{a=\"2} 2\ng{a=\"3\"} x\ng{a=\"4\"} 4\ng{a=\"4\",a=\"5\"} 5\ng{a=\"6\"} 6\n",
     "3:5 unterminated label value of a\n4:10 invalid value \"x\"\n6:9 duplicate label name a\n",
     "g{a=\"1\"} 1 value/g\ng{a=\"4\"} 4 value/g\ng{a=\"6\"} 6 value/g\n"},
};

class Malformed : public ::testing::TestWithParam<Row> {};

TEST_P(Malformed, ReportsLineAndKeepsTheRest) {
  const Row& row = GetParam();
  const ParseResult r = parse_exposition(row.input, row.format);
  EXPECT_EQ(errors(r), row.errors);
  EXPECT_EQ(samples(r), row.survivors);
  EXPECT_EQ(r.counters.errors, r.errors.size());
  EXPECT_FALSE(r.ok());
}

INSTANTIATE_TEST_SUITE_P(Rows, Malformed, ::testing::ValuesIn(kRows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Malformed, ErrorListIsCappedButCounted) {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += "bad line " + std::to_string(i) + "\n";
  body += "good 1\n";
  const auto r = parse_exposition(body, Format::kPrometheus);
  EXPECT_EQ(r.errors.size(), kMaxStoredErrors);
  EXPECT_EQ(r.counters.errors, 5000u);
  EXPECT_EQ(r.errors.front().line, 1u);
  EXPECT_EQ(r.errors.back().line, kMaxStoredErrors);
  ASSERT_EQ(r.samples.size(), 1u);
  EXPECT_EQ(r.samples[0].line, 5001u);
}

TEST(Malformed, LongTokensAreCutInReasons) {
  const std::string body = "m " + std::string(100000, '9') + "x\n";
  const auto r = parse_exposition(body);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_LT(r.errors[0].reason.size(), 80u);
  EXPECT_NE(r.errors[0].reason.find("..."), std::string::npos);
}

TEST(Malformed, BinaryGarbageDoesNotCrash) {
  std::string body;
  std::uint32_t x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1103515245u + 12345u;
    body += static_cast<char>(x >> 24);
  }
  const auto r = parse_exposition(body);
  EXPECT_EQ(r.counters.bytes, body.size());
  EXPECT_GT(r.counters.lines, 0u);
}

}  // namespace
}  // namespace cats::prom
