// Lookups, format selection and the result's ownership rules.
#include <gtest/gtest.h>

#include "tests/prom/test_util.hpp"

namespace cats::prom {
namespace {

using namespace test;

const std::string kPage =
    "# TYPE vllm:num_requests_waiting gauge\n"
    "vllm:num_requests_waiting{engine=\"0\",model_name=\"llama\"} 3\n"
    "vllm:num_requests_waiting{engine=\"1\",model_name=\"llama\"} 5\n"
    "vllm:num_requests_waiting{engine=\"0\",model_name=\"qwen\",extra=\"a\\\"b\"} 7\n"
    "# TYPE vllm:e2e_request_latency_seconds histogram\n"
    "vllm:e2e_request_latency_seconds_bucket{engine=\"0\",le=\"1.0\"} 1\n"
    "vllm:e2e_request_latency_seconds_bucket{engine=\"0\",le=\"+Inf\"} 2\n"
    "vllm:e2e_request_latency_seconds_sum{engine=\"0\"} 1.5\n"
    "vllm:e2e_request_latency_seconds_count{engine=\"0\"} 2\n";

TEST(Query, Label) {
  const auto r = parse_exposition(kPage);
  ASSERT_TRUE(r.ok()) << errors(r);
  EXPECT_EQ(label(r.samples[0], "engine"), "0");
  EXPECT_EQ(label(r.samples[0], "model_name"), "llama");
  EXPECT_EQ(label(r.samples[0], "nope"), std::nullopt);
  EXPECT_EQ(label(r.samples[2], "extra"), "a\"b");
}

TEST(Query, FindByNameAndMatchers) {
  const auto r = parse_exposition(kPage);
  EXPECT_EQ(find_samples(r, "vllm:num_requests_waiting").size(), 3u);
  EXPECT_EQ(find_samples(r, "vllm:num_requests_waiting", {{"model_name", "llama"}}).size(), 2u);
  const Sample* s = find_sample(r, "vllm:num_requests_waiting", {{"engine", "1"}});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->value, 5);
  using Op = Matcher::Op;
  const auto not_llama = find_samples(r, "vllm:num_requests_waiting", {{"model_name", "llama", Op::kNotEqual}});
  ASSERT_EQ(not_llama.size(), 1u);
  EXPECT_EQ(not_llama[0]->value, 7);
  // An absent label matches "", as in PromQL.
  EXPECT_EQ(find_samples(r, "vllm:num_requests_waiting", {{"extra", ""}}).size(), 2u);
  EXPECT_EQ(find_samples(r, "vllm:num_requests_waiting", {{"extra", "", Op::kNotEqual}}).size(), 1u);
  EXPECT_EQ(find_sample(r, "vllm:num_requests_waiting", {{"engine", "9"}}), nullptr);
  EXPECT_EQ(find_sample(r, "vllm:num_requests_running"), nullptr);
  const std::vector<Matcher> m = {{"engine", "0"}, {"model_name", "qwen"}};
  ASSERT_NE(find_sample(r, "vllm:num_requests_waiting", m), nullptr);
}

TEST(Query, FamiliesAndTheirSamples) {
  const auto r = parse_exposition(kPage);
  const Family* h = find_family(r, "vllm:e2e_request_latency_seconds");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->type, MetricType::kHistogram);
  EXPECT_EQ(h->samples, 4u);
  const auto all = family_samples(r, static_cast<std::uint32_t>(h - r.families.data()));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0]->role, SampleRole::kBucket);
  EXPECT_EQ(all[1]->bound, std::numeric_limits<double>::infinity());
  EXPECT_EQ(all[3]->role, SampleRole::kCount);
  EXPECT_EQ(find_family(r, "vllm:e2e_request_latency_seconds_bucket"), nullptr);
  EXPECT_TRUE(family_samples(r, 99).empty());
}

TEST(Query, FormatFromContentType) {
  EXPECT_EQ(format_from_content_type("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            Format::kOpenMetrics);
  EXPECT_EQ(format_from_content_type("text/plain; version=0.0.4; charset=utf-8"), Format::kPrometheus);
  EXPECT_EQ(format_from_content_type(" Text/Plain"), Format::kPrometheus);
  EXPECT_EQ(format_from_content_type("application/json"), Format::kAuto);
  EXPECT_EQ(format_from_content_type(""), Format::kAuto);
}

TEST(Query, DetectFormat) {
  EXPECT_EQ(detect_format("m 1\n# EOF\n"), Format::kOpenMetrics);
  EXPECT_EQ(detect_format("m 1\n# EOF"), Format::kOpenMetrics);
  EXPECT_EQ(detect_format("# EOF\n"), Format::kOpenMetrics);
  EXPECT_EQ(detect_format("m 1\r\n# EOF\r\n"), Format::kOpenMetrics);
  EXPECT_EQ(detect_format("m 1\n# EOF\nmore 2\n"), Format::kOpenMetrics);  // and then an error
  EXPECT_EQ(detect_format("m 1\n"), Format::kPrometheus);
  EXPECT_EQ(detect_format("m 1\n# EOFX\n"), Format::kPrometheus);
  EXPECT_EQ(detect_format("m 1\n # EOF\n"), Format::kPrometheus);
  EXPECT_EQ(detect_format("# HELP m # EOF\n"), Format::kPrometheus);
  EXPECT_EQ(detect_format(""), Format::kPrometheus);
}

TEST(Query, MovedResultKeepsItsViews) {
  const std::string body = "m{a=\"x\\ny\",b=\"plain\"} 1\nn{c=\"\\\\\"} 2\n";
  ParseResult moved;
  {
    ParseResult r = parse_exposition(body);
    ASSERT_TRUE(r.ok());
    moved = std::move(r);
  }
  ParseResult again(std::move(moved));
  ASSERT_EQ(again.samples.size(), 2u);
  EXPECT_EQ(label(again.samples[0], "a"), "x\ny");
  EXPECT_EQ(label(again.samples[0], "b"), "plain");
  EXPECT_EQ(label(again.samples[1], "c"), "\\");
  static_assert(!std::is_copy_constructible_v<ParseResult>);
  static_assert(std::is_nothrow_move_constructible_v<ParseResult>);
}

TEST(Query, MovedFromResultCanBeReused) {
  const std::string a = "m{x=\"a\\\\b\"} 1\n";
  const std::string b = "n{y=\"c\\nd\"} 2\n";
  ParseResult first = parse_exposition(a);
  ParseResult second = std::move(first);
  parse_exposition(b, Format::kAuto, first);  // NOLINT(bugprone-use-after-move): reuse is the point
  EXPECT_EQ(label(second.samples[0], "x"), "a\\b");
  EXPECT_EQ(label(first.samples[0], "y"), "c\nd");
}

TEST(Query, ReuseClearsThePreviousParse) {
  ParseResult r;
  parse_exposition("# TYPE a gauge\na{x=\"1\\n\"} 1\nbad\n", Format::kAuto, r);
  EXPECT_EQ(r.samples.size(), 1u);
  EXPECT_EQ(r.errors.size(), 1u);
  parse_exposition("b 2\n# EOF\n", Format::kAuto, r);
  EXPECT_EQ(r.format, Format::kOpenMetrics);
  EXPECT_TRUE(r.ok()) << errors(r);
  EXPECT_EQ(families(r), "b untyped\n");
  EXPECT_EQ(samples(r), "b 2 value/b\n");
  EXPECT_EQ(r.counters.lines, 2u);
  EXPECT_EQ(r.label_storage.size(), 0u);
}

TEST(Query, HintOverridesDetection) {
  // Told 0.0.4, "# EOF" is a comment and a float timestamp an error.
  const auto p = parse_exposition("m 1 1.5\n# EOF\n", Format::kPrometheus);
  EXPECT_EQ(p.format, Format::kPrometheus);
  EXPECT_EQ(errors(p), "1:5 invalid timestamp \"1.5\"\n");
  const auto o = parse_exposition("m 1 1.5\n# EOF\n", Format::kOpenMetrics);
  EXPECT_TRUE(o.ok());
  EXPECT_EQ(o.samples[0].timestamp_ms, 1500);
}

TEST(Query, Names) {
  EXPECT_STREQ(type_name(MetricType::kGaugeHistogram), "gaugehistogram");
  EXPECT_STREQ(role_name(SampleRole::kQuantile), "quantile");
  EXPECT_STREQ(format_name(Format::kOpenMetrics), "openmetrics-1.0");
  EXPECT_EQ(parse_type("Summary"), MetricType::kSummary);
  EXPECT_EQ(parse_type("unknown"), MetricType::kUntyped);
  EXPECT_EQ(parse_type("histo"), std::nullopt);
}

}  // namespace
}  // namespace cats::prom
