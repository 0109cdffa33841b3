// Well-formed syntax, one row per element of the 0.0.4 and OpenMetrics 1.0
// text formats: the input text and what it parses to (see test_util.hpp for
// the one-line form: name{labels} value [@timestamp_ms] role/family).
#include <gtest/gtest.h>

#include "tests/prom/test_util.hpp"

namespace cats::prom {
namespace {

using namespace test;

struct Row {
  const char* name;
  std::string input;
  std::string samples;             // expected, one line per sample
  const char* families = nullptr;  // expected, one line per family; nullptr: not checked
  Format format = Format::kAuto;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

const Row kRows[] = {
    // Names and label sets.
    {"no_labels", "up 1\n", "up 1 value/up\n"},
    {"labels",
     R"(http_requests_total{method="post",code="200"} 1027)"
     "\n",
     R"(http_requests_total{method="post",code="200"} 1027 value/http_requests_total)"
     "\n"},
    {"colons_in_metric_name", R"(vllm:num_requests_waiting{engine="0"} 2)",
     R"(vllm:num_requests_waiting{engine="0"} 2 value/vllm:num_requests_waiting)"
     "\n"},
    {"underscore_names", R"(_m{_l="x",__name_like__="y"} 1)",
     R"(_m{_l="x",__name_like__="y"} 1 value/_m)"
     "\n"},
    {"empty_label_set", "m{} 3\n", "m 3 value/m\n"},
    {"trailing_comma", R"(m{a="1",} 3)",
     R"(m{a="1"} 3 value/m)"
     "\n"},
    {"blanks_around_label_tokens", R"(m { a = "1" , b="2" } 3)",
     R"(m{a="1",b="2"} 3 value/m)"
     "\n"},
    {"tabs_as_separators", "m\t{a=\"1\"}\t2\t100\n", "m{a=\"1\"} 2 @100 value/m\n", nullptr, Format::kPrometheus},
    {"leading_blanks", "  m 1\n", "m 1 value/m\n"},
    {"empty_label_value", R"(m{a=""} 1)",
     R"(m{a=""} 1 value/m)"
     "\n"},
    {"utf8_label_value", R"(m{model_name="Qwen/Qwen2.5-7B-Instruct",city="Zürich"} 1)",
     R"(m{model_name="Qwen/Qwen2.5-7B-Instruct",city="Zürich"} 1 value/m)"
     "\n"},
    {"label_value_with_braces_and_hash", R"(m{q="a}b,c=\"d\" # {x}"} 1)",
     R"(m{q="a}b,c="d" # {x}"} 1 value/m)"
     "\n"},

    // Escapes in label values: \\ \" \n.
    {"escape_backslash", R"(m{path="C:\\dir"} 1)",
     R"(m{path="C:\dir"} 1 value/m)"
     "\n"},
    {"escape_quote", R"(m{q="say \"hi\""} 1)",
     R"(m{q="say "hi""} 1 value/m)"
     "\n"},
    {"escape_newline", R"(m{t="a\nb"} 1)", "m{t=\"a<LF>b\"} 1 value/m\n"},
    {"escape_backslash_then_n", R"(m{x="\\n"} 1)",
     R"(m{x="\n"} 1 value/m)"
     "\n"},
    {"escape_only_value", R"(m{x="\\\\\"\n"} 1)", "m{x=\"\\\\\"<LF>\"} 1 value/m\n"},

    // Values.
    {"value_integer", "m 42\n", "m 42 value/m\n"},
    {"value_decimal", "m 0.25\n", "m 0.25 value/m\n"},
    {"value_negative", "m -1.5e+2\n", "m -150 value/m\n"},
    {"value_scientific", "m 1e3\n", "m 1000 value/m\n"},
    {"value_scientific_upper", "m 1.5E-3\n", "m 0.0015 value/m\n"},
    {"value_leading_plus", "m +3\n", "m 3 value/m\n"},
    {"value_leading_dot", "m .5\n", "m 0.5 value/m\n"},
    {"value_trailing_dot", "m 5.\n", "m 5 value/m\n"},
    {"value_negative_zero", "m -0\n", "m -0 value/m\n"},
    {"value_large_integer", "m 123456789012345678\n", "m 123456789012345680 value/m\n"},
    {"value_prometheus_client_float", "m 1.7126548961883473e+09\n", "m 1712654896.1883473 value/m\n"},
    {"value_underflow_is_zero", "m 1e-400\n", "m 0 value/m\n"},
    {"value_nan", "m NaN\n", "m NaN value/m\n"},
    {"value_nan_lower", "m nan\n", "m NaN value/m\n"},
    {"value_plus_inf", "m +Inf\n", "m +Inf value/m\n"},
    {"value_minus_inf", "m -Inf\n", "m -Inf value/m\n"},
    {"value_inf", "m Inf\n", "m +Inf value/m\n"},
    {"value_infinity", "m -infinity\n", "m -Inf value/m\n"},

    // Timestamps: 0.0.4 integer milliseconds, OpenMetrics float seconds.
    {"timestamp_ms", "m 1 1712345678901\n", "m 1 @1712345678901 value/m\n"},
    {"timestamp_ms_negative", "m 1 -5\n", "m 1 @-5 value/m\n"},
    {"timestamp_ms_with_labels", R"(m{a="1"} 2 1395066363000)",
     R"(m{a="1"} 2 @1395066363000 value/m)"
     "\n"},
    {"timestamp_om_float_seconds", "m 1 1712345678.901\n# EOF\n", "m 1 @1712345678901 value/m\n"},
    {"timestamp_om_integer_seconds", "m 1 17\n# EOF\n", "m 1 @17000 value/m\n"},
    {"timestamp_om_scientific", "m 1 1.5e9\n# EOF\n", "m 1 @1500000000000 value/m\n"},

    // Lines: comments, blanks, CRLF, last line without newline.
    {"comments", "# a comment\n#no space\n#\n# HELPFUL but not HELP\nm 1\n", "m 1 value/m\n", "m untyped\n"},
    {"blank_lines", "\n\nm 1\n\n   \n\t\n", "m 1 value/m\n"},
    {"crlf", "# TYPE m gauge\r\nm{a=\"1\"} 2\r\n", "m{a=\"1\"} 2 value/m\n", "m gauge\n"},
    {"last_line_without_newline", "a 1\nb 2", "a 1 value/a\nb 2 value/b\n"},
    {"empty_body", "", ""},

    // HELP and TYPE.
    {"help_and_type", "# HELP m Some help.\n# TYPE m gauge\nm 1\n", "m 1 value/m\n", "m gauge help=\"Some help.\"\n"},
    {"type_before_help", "# TYPE m gauge\n# HELP m Some help.\nm 1\n", "m 1 value/m\n",
     "m gauge help=\"Some help.\"\n"},
    {"help_escapes",
     R"(# HELP m back\\slash and\nnewline)"
     "\nm 1\n",
     "m 1 value/m\n", "m untyped help=\"back\\slash and<LF>newline\"\n"},
    {"help_quote_kept_or_escaped",
     R"(# HELP m say "hi" or \"hi\")"
     "\n",
     "", "m untyped help=\"say \"hi\" or \"hi\"\"\n"},
    {"help_empty", "# HELP m\nm 1\n", "m 1 value/m\n", "m untyped help=\"\"\n"},
    {"help_after_samples", "m 1\n# HELP m late\n", "m 1 value/m\n", "m untyped help=\"late\"\n"},
    {"help_without_samples", "# HELP a x\n# TYPE b gauge\n", "", "a untyped help=\"x\"\nb gauge\n"},
    {"type_counter", "# TYPE c counter\nc 1\n", "c 1 value/c\n", "c counter\n"},
    {"type_gauge", "# TYPE g gauge\ng 1\n", "g 1 value/g\n", "g gauge\n"},
    {"type_untyped", "# TYPE u untyped\nu 1\n", "u 1 value/u\n", "u untyped\n"},
    {"type_unknown", "# TYPE u unknown\nu 1\n# EOF\n", "u 1 value/u\n", "u untyped\n"},
    {"type_case_insensitive", "# TYPE g GAUGE\ng 1\n", "g 1 value/g\n", "g gauge\n"},
    {"type_trailing_blanks", "# TYPE g gauge  \ng 1\n", "g 1 value/g\n", "g gauge\n"},
    {"type_info", "# TYPE i info\ni_info{version=\"1.2\"} 1\n# EOF\n", "i_info{version=\"1.2\"} 1 info/i\n",
     "i info\n"},
    {"type_stateset", "# TYPE s stateset\ns{s=\"a\"} 1\ns{s=\"b\"} 0\n# EOF\n",
     "s{s=\"a\"} 1 value/s\ns{s=\"b\"} 0 value/s\n", "s stateset\n"},
    {"type_gaugehistogram",
     "# TYPE g gaugehistogram\ng_bucket{le=\"1\"} 2\ng_bucket{le=\"+Inf\"} 3\ng_gcount 3\ng_gsum 2.5\n# EOF\n",
     "g_bucket{le=\"1\"} 2 bucket/g\ng_bucket{le=\"+Inf\"} 3 bucket/g\ng_gcount 3 gcount/g\ng_gsum 2.5 gsum/g\n",
     "g gaugehistogram\n"},

    // Histograms and summaries belong to their family.
    {"histogram",
     "# HELP h Latency.\n# TYPE h histogram\n"
     "h_bucket{le=\"0.1\"} 1\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 4\nh_sum 2.5\nh_count 4\n",
     "h_bucket{le=\"0.1\"} 1 bucket/h\nh_bucket{le=\"1\"} 3 bucket/h\nh_bucket{le=\"+Inf\"} 4 bucket/h\n"
     "h_sum 2.5 sum/h\nh_count 4 count/h\n",
     "h histogram help=\"Latency.\"\n"},
    {"histogram_labels_and_created",
     "# TYPE h histogram\nh_bucket{m=\"a\",le=\"1\"} 1\nh_bucket{m=\"a\",le=\"+Inf\"} 1\nh_count{m=\"a\"} 1\n"
     "h_sum{m=\"a\"} 0.5\nh_created{m=\"a\"} 1.7e9\n# EOF\n",
     "h_bucket{m=\"a\",le=\"1\"} 1 bucket/h\nh_bucket{m=\"a\",le=\"+Inf\"} 1 bucket/h\nh_count{m=\"a\"} 1 count/h\n"
     "h_sum{m=\"a\"} 0.5 sum/h\nh_created{m=\"a\"} 1.7e+09 created/h\n",
     "h histogram\n"},
    {"summary", "# TYPE s summary\ns{quantile=\"0.5\"} 0.1\ns{quantile=\"0.99\"} NaN\ns_sum 8\ns_count 10\n",
     "s{quantile=\"0.5\"} 0.1 quantile/s\ns{quantile=\"0.99\"} NaN quantile/s\ns_sum 8 sum/s\ns_count 10 count/s\n",
     "s summary\n"},
    {"summary_count_first",  // prometheus-cpp writes _count and _sum before the quantiles
     "# TYPE s summary\ns_count 10\ns_sum 8\ns{quantile=\"0.5\"} 0.1\n",
     "s_count 10 count/s\ns_sum 8 sum/s\ns{quantile=\"0.5\"} 0.1 quantile/s\n", "s summary\n"},
    {"counter_openmetrics_total_created", "# TYPE c counter\nc_total 3\nc_created 1.7e9\n# EOF\n",
     "c_total 3 total/c\nc_created 1.7e+09 created/c\n", "c counter\n"},
    {"counter_prometheus_total_in_family_name",
     "# TYPE node_cpu_seconds_total counter\nnode_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 905.66\n",
     "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 905.66 value/node_cpu_seconds_total\n",
     "node_cpu_seconds_total counter\n"},
    {"untyped_suffixes_are_own_families", "x 1\nx_sum 2\nx_count 3\n",
     "x 1 value/x\nx_sum 2 value/x_sum\nx_count 3 value/x_count\n", "x untyped\nx_sum untyped\nx_count untyped\n"},
    {"gauge_suffix_is_own_family", "# TYPE g gauge\ng 1\ng_total 2\n", "g 1 value/g\ng_total 2 value/g_total\n",
     "g gauge\ng_total untyped\n"},
    {"interleaved_families_0_0_4", "# TYPE a gauge\n# TYPE b counter\na 1\nb 2\na{x=\"1\"} 3\n",
     "a 1 value/a\nb 2 value/b\na{x=\"1\"} 3 value/a\n", "a gauge\nb counter\n"},
    {"interleaved_histogram_suffix", "# TYPE h histogram\n# TYPE g gauge\ng 1\nh_sum 2\nh_count 1\n",
     "g 1 value/g\nh_sum 2 sum/h\nh_count 1 count/h\n", "h histogram\ng gauge\n"},
    {"created_as_own_gauge_0_0_4",  // prometheus_client in text/plain mode
     "# TYPE c_total counter\nc_total 3\n# TYPE c_created gauge\nc_created 1.7e9\n",
     "c_total 3 value/c_total\nc_created 1.7e+09 value/c_created\n", "c_total counter\nc_created gauge\n"},

    // The previous sample's names are only a guess: near misses must not match.
    {"guess_name_is_prefix", "m 1\nm_total 2\nm 3\n", "m 1 value/m\nm_total 2 value/m_total\nm 3 value/m\n"},
    {"guess_label_name_is_prefix",
     R"(m{model="a"} 1)"
     "\n"
     R"(m{model_name="b"} 2)"
     "\n"
     R"(m{model="c"} 3)",
     R"(m{model="a"} 1 value/m)"
     "\n"
     R"(m{model_name="b"} 2 value/m)"
     "\n"
     R"(m{model="c"} 3 value/m)"
     "\n"},
    {"guess_fewer_and_more_labels",
     R"(m{a="1",b="2"} 1)"
     "\n"
     R"(m{a="1"} 2)"
     "\n"
     R"(m{a="1",b="2",c="3"} 3)",
     R"(m{a="1",b="2"} 1 value/m)"
     "\n"
     R"(m{a="1"} 2 value/m)"
     "\n"
     R"(m{a="1",b="2",c="3"} 3 value/m)"
     "\n"},
    {"guess_same_name_after_type_of_suffix",  // foo_sum leaves histogram foo for its own gauge family
     "# TYPE foo histogram\nfoo_sum 1\n# TYPE foo_sum gauge\nfoo_sum 2\n",
     "foo_sum 1 sum/foo\nfoo_sum 2 value/foo_sum\n", "foo histogram\nfoo_sum gauge\n"},
    {"guess_same_name_after_help_of_other", "a 1\n# HELP b x\na 2\n", "a 1 value/a\na 2 value/a\n"},

    // OpenMetrics only: UNIT, exemplars, # EOF.
    {"om_unit", "# TYPE t gauge\n# UNIT t seconds\nt 1\n# EOF\n", "t 1 value/t\n", "t gauge unit=\"seconds\"\n"},
    {"om_exemplar_skipped",
     "# TYPE h histogram\nh_bucket{le=\"0.5\"} 3 # {trace_id=\"abc\"} 0.3 1.5e9\nh_bucket{le=\"+Inf\"} 4\n# EOF\n",
     "h_bucket{le=\"0.5\"} 3 bucket/h\nh_bucket{le=\"+Inf\"} 4 bucket/h\n", "h histogram\n"},
    {"om_exemplar_after_timestamp", "# TYPE c counter\nc_total 5 1.5e9 # {id=\"x\"} 1\n# EOF\n",
     "c_total 5 @1500000000000 total/c\n", "c counter\n"},
    {"om_eof_without_newline", "m 1\n# EOF", "m 1 value/m\n"},
    {"om_blank_line_after_eof_tolerated", "m 1\n# EOF\n\n", "m 1 value/m\n"},
    {"eof_is_a_comment_in_0_0_4", "m 1\n# EOF\nn 2\n", "m 1 value/m\nn 2 value/n\n", nullptr, Format::kPrometheus},
    {"unit_is_a_comment_in_0_0_4", "# UNIT m seconds\nm 1\n", "m 1 value/m\n", "m untyped\n", Format::kPrometheus},
};

class Syntax : public ::testing::TestWithParam<Row> {};

TEST_P(Syntax, Parses) {
  const Row& row = GetParam();
  const ParseResult r = parse_exposition(row.input, row.format);
  EXPECT_EQ(errors(r), "");
  EXPECT_EQ(samples(r), row.samples);
  if (row.families) {
    EXPECT_EQ(families(r), row.families);
  }
  EXPECT_EQ(r.counters.samples, r.samples.size());
}

INSTANTIATE_TEST_SUITE_P(Rows, Syntax, ::testing::ValuesIn(kRows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Syntax, BucketAndQuantileBoundsAreParsed) {
  const auto r = parse_exposition(
      "# TYPE h histogram\nh_bucket{le=\"0.005\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n"
      "# TYPE s summary\ns{quantile=\"0.99\"} 3\ns_sum 1\n",
      Format::kPrometheus);
  ASSERT_TRUE(r.ok()) << errors(r);
  ASSERT_EQ(r.samples.size(), 6u);
  EXPECT_EQ(r.samples[0].bound, 0.005);
  EXPECT_EQ(r.samples[1].bound, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(r.samples[2].bound));
  EXPECT_EQ(r.samples[4].bound, 0.99);
  EXPECT_TRUE(std::isnan(r.samples[5].bound));
}

TEST(Syntax, FamilyRecordsLinesAndCounts) {
  const auto r = parse_exposition("# HELP m x\n# TYPE m gauge\nm 1\nm{a=\"b\"} 2\nn 3\n");
  ASSERT_EQ(r.families.size(), 2u);
  EXPECT_EQ(r.families[0].help_line, 1u);
  EXPECT_EQ(r.families[0].type_line, 2u);
  EXPECT_EQ(r.families[0].samples, 2u);
  EXPECT_EQ(r.families[1].type_line, 0u);
  EXPECT_EQ(r.samples[1].line, 4u);
  EXPECT_EQ(r.samples[2].family, 1u);
}

TEST(Syntax, CountersTellWhatWasSeen) {
  const auto r =
      parse_exposition("# TYPE h histogram\n# a comment\n\nh_bucket{le=\"1\",x=\"a\\nb\"} 1 # {id=\"e\"} 1\n# EOF\n");
  EXPECT_EQ(r.format, Format::kOpenMetrics);
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(r.counters.lines, 5u);
  EXPECT_EQ(r.counters.samples, 1u);
  EXPECT_EQ(r.counters.comments, 1u);
  EXPECT_EQ(r.counters.blank_lines, 1u);
  EXPECT_EQ(r.counters.exemplars, 1u);
  EXPECT_EQ(r.counters.unescaped, 1u);
  EXPECT_EQ(r.counters.errors, 0u);
}

// Label values are scanned eight bytes at a time: put the quote and the
// escapes at every offset around a word boundary.
TEST(Syntax, EscapesAtEveryOffset) {
  for (int before = 0; before < 20; ++before) {
    for (int after = 0; after < 12; ++after) {
      const std::string x(static_cast<std::size_t>(before), 'x'), y(static_cast<std::size_t>(after), 'y');
      std::string body = "m{v=\"";
      body.append(x).append("\\\"").append(y).append("\\\\").append("\",w=\"").append(y).append("\"} 1\n");
      const auto r = parse_exposition(body);
      ASSERT_TRUE(r.ok()) << body << errors(r);
      ASSERT_EQ(r.samples.size(), 1u);
      EXPECT_EQ(label(r.samples[0], "v"), std::string(x).append("\"").append(y).append("\\")) << body;
      EXPECT_EQ(label(r.samples[0], "w"), y) << body;
      const std::string cut = body.substr(0, 4 + static_cast<std::size_t>(before));  // m{v="xxx
      EXPECT_EQ(parse_exposition(cut).errors.size(), 1u) << cut;
    }
  }
}

// Views point into the body unless a value had escapes.
TEST(Syntax, ViewsBorrowTheBody) {
  const std::string body = "m{plain=\"v\",esc=\"a\\\\b\"} 1\n";
  const auto r = parse_exposition(body);
  ASSERT_EQ(r.samples.size(), 1u);
  const auto& l = r.samples[0].labels;
  const auto in_body = [&](std::string_view v) {
    return std::less_equal<const char*>()(body.data(), v.data()) &&
           std::less<const char*>()(v.data(), body.data() + body.size());
  };
  EXPECT_TRUE(in_body(r.samples[0].name));
  EXPECT_TRUE(in_body(l[0].value));
  EXPECT_FALSE(in_body(l[1].value));
  EXPECT_EQ(l[1].value, "a\\b");
}

}  // namespace
}  // namespace cats::prom
