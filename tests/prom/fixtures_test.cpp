// Pages in the shape each inference server and exporter writes (fixtures/,
// each naming its sources at the top), plus a real node_exporter page.
#include <gtest/gtest.h>

#include "tests/prom/test_util.hpp"

namespace cats::prom {
namespace {

using namespace test;

// Each fixture parses with no errors; the row names the series catsd reads.
struct Row {
  const char* file;
  Format format;
  std::size_t samples;
  std::size_t families;
};

const Row kFixtures[] = {
    {"vllm.prom", Format::kPrometheus, 64, 9},          {"vllm_v0.prom", Format::kPrometheus, 6, 6},
    {"triton.prom", Format::kPrometheus, 19, 8},        {"tgi.prom", Format::kPrometheus, 28, 7},
    {"sglang.prom", Format::kPrometheus, 30, 8},        {"dcgm.prom", Format::kPrometheus, 36, 9},
    {"node_exporter.prom", Format::kPrometheus, 24, 9}, {"openmetrics.om", Format::kOpenMetrics, 23, 8},
};

class Fixture : public ::testing::TestWithParam<Row> {};

TEST_P(Fixture, ParsesCleanly) {
  const Row& row = GetParam();
  const std::string body = read_fixture(row.file);
  const auto r = parse_exposition(body);
  EXPECT_EQ(errors(r), "");
  EXPECT_EQ(r.format, row.format);
  EXPECT_EQ(r.samples.size(), row.samples);
  EXPECT_EQ(r.families.size(), row.families) << families(r);
  // Hints agree with detection.
  EXPECT_TRUE(parse_exposition(body, row.format).ok());
}

INSTANTIATE_TEST_SUITE_P(Files, Fixture, ::testing::ValuesIn(kFixtures), [](const auto& info) {
  std::string n = info.param.file;
  for (char& c : n) {
    if (c == '.') c = '_';
  }
  return n;
});

const Family& family(const ParseResult& r, std::string_view name) {
  const Family* f = find_family(r, name);
  EXPECT_NE(f, nullptr) << name;
  static const Family kMissing;
  return f ? *f : kMissing;
}

double value(const ParseResult& r, std::string_view name, std::initializer_list<Matcher> m = {}) {
  const Sample* s = find_sample(r, name, m);
  EXPECT_NE(s, nullptr) << name;
  return s ? s->value : -1;
}

TEST(Fixture, Vllm) {
  const std::string body = read_fixture("vllm.prom");
  const auto r = parse_exposition(body);
  EXPECT_EQ(family(r, "vllm:num_requests_waiting").type, MetricType::kGauge);
  EXPECT_EQ(family(r, "vllm:kv_cache_usage_perc").help, "KV-cache usage. 1 means 100 percent usage.");
  EXPECT_EQ(value(r, "vllm:num_requests_running", {{"engine", "1"}}), 3);
  EXPECT_EQ(value(r, "vllm:num_requests_waiting", {{"engine", "0"}}), 2);
  EXPECT_EQ(value(r, "vllm:kv_cache_usage_perc", {{"engine", "0"}}), 0.4375);
  EXPECT_EQ(value(r, "vllm:prompt_tokens_total", {{"engine", "0"}}), 8128902);
  EXPECT_EQ(value(r, "vllm:request_success_total", {{"finished_reason", "length"}}), 64);

  const Family& h = family(r, "vllm:e2e_request_latency_seconds");
  EXPECT_EQ(h.type, MetricType::kHistogram);
  EXPECT_EQ(h.samples, 2u * (22 + 2));
  const auto buckets = find_samples(r, "vllm:e2e_request_latency_seconds_bucket", {{"engine", "1"}});
  ASSERT_EQ(buckets.size(), 22u);
  EXPECT_EQ(buckets.front()->bound, 0.3);
  EXPECT_EQ(buckets.back()->bound, std::numeric_limits<double>::infinity());
  EXPECT_EQ(buckets.back()->value, 998);
  EXPECT_EQ(value(r, "vllm:e2e_request_latency_seconds_count", {{"engine", "1"}}), 998);
  // prometheus_client writes _created as a gauge family of its own in 0.0.4.
  EXPECT_EQ(family(r, "vllm:e2e_request_latency_seconds_created").type, MetricType::kGauge);
}

TEST(Fixture, VllmV0) {
  const std::string body = read_fixture("vllm_v0.prom");
  const auto r = parse_exposition(body);
  EXPECT_EQ(value(r, "vllm:gpu_cache_usage_perc", {{"model_name", "mistralai/Mistral-7B-Instruct-v0.2"}}), 0.9871);
  EXPECT_EQ(value(r, "vllm:num_requests_waiting"), 12);
  EXPECT_EQ(find_sample(r, "vllm:kv_cache_usage_perc"), nullptr);
  EXPECT_EQ(label(*find_sample(r, "vllm:cache_config_info"), "num_gpu_blocks"), "7100");
}

TEST(Fixture, Triton) {
  const std::string body = read_fixture("triton.prom");
  const auto r = parse_exposition(body);
  EXPECT_EQ(family(r, "nv_inference_queue_duration_us").type, MetricType::kCounter);
  EXPECT_EQ(value(r, "nv_inference_queue_duration_us", {{"model", "llama3_trtllm"}}), 81920113);
  EXPECT_EQ(value(r, "nv_inference_pending_request_count", {{"model", "llama3_trtllm"}, {"version", "1"}}), 7);
  EXPECT_EQ(value(r, "nv_gpu_utilization", {{"gpu_uuid", "GPU-2d9067e4-8fab-5820-6228-69e2e74b3d58"}}), 0.91);
  // Count and sum before the quantiles still belong to the summary.
  const Family& s = family(r, "nv_inference_queue_summary_us");
  EXPECT_EQ(s.type, MetricType::kSummary);
  EXPECT_EQ(s.samples, 6u);
  const Sample* p99 = find_sample(r, "nv_inference_queue_summary_us", {{"quantile", "0.99"}});
  ASSERT_NE(p99, nullptr);
  EXPECT_EQ(p99->role, SampleRole::kQuantile);
  EXPECT_EQ(p99->bound, 0.99);
  EXPECT_EQ(find_sample(r, "nv_inference_queue_summary_us_count")->role, SampleRole::kCount);
}

TEST(Fixture, Tgi) {
  const std::string body = read_fixture("tgi.prom");
  const auto r = parse_exposition(body);
  EXPECT_EQ(value(r, "tgi_queue_size"), 3);
  EXPECT_EQ(value(r, "tgi_batch_current_size"), 24);
  EXPECT_EQ(family(r, "tgi_request_count").type, MetricType::kCounter);
  EXPECT_EQ(family(r, "tgi_request_duration").samples, 11u);
  EXPECT_EQ(family(r, "tgi_batch_inference_duration").samples, 12u);
  EXPECT_EQ(value(r, "tgi_batch_inference_duration_count", {{"method", "decode"}}), 98377);
  EXPECT_EQ(family(r, "tgi_queue_size").help_line, 0u);
}

TEST(Fixture, Sglang) {
  const std::string body = read_fixture("sglang.prom");
  const auto r = parse_exposition(body);
  EXPECT_EQ(value(r, "sglang:num_queue_reqs"), 2826);
  EXPECT_EQ(value(r, "sglang:num_running_reqs", {{"tp_rank", "0"}}), 162);
  EXPECT_EQ(value(r, "sglang:token_usage"), 0.28);
  const Family& ttft = family(r, "sglang:time_to_first_token_seconds");
  EXPECT_EQ(ttft.type, MetricType::kHistogram);
  EXPECT_EQ(ttft.samples, 23u);  // _sum first, then 21 buckets, then _count
  EXPECT_EQ(find_sample(r, "sglang:time_to_first_token_seconds_sum")->role, SampleRole::kSum);
}

TEST(Fixture, Dcgm) {
  const std::string body = read_fixture("dcgm.prom");
  const auto r = parse_exposition(body);
  EXPECT_EQ(family(r, "DCGM_FI_DEV_GPU_UTIL").help, "GPU utilization (in %).");
  EXPECT_EQ(value(r, "DCGM_FI_DEV_GPU_UTIL", {{"gpu", "2"}}), 88);
  EXPECT_EQ(value(r, "DCGM_FI_DEV_FB_USED", {{"UUID", "GPU-6ae74b72-48d0-f09f-14e2-4e09ceebda63"}}), 78889);
  EXPECT_EQ(value(r, "DCGM_FI_DEV_FB_FREE", {{"gpu", "0"}}), 11530);
  const Sample* s = find_sample(r, "DCGM_FI_DEV_GPU_UTIL", {{"pod", "vllm-llama-7d9c5"}});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(label(*s, "modelName"), "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(label(*s, "Hostname"), "gpu-node-17");
  EXPECT_EQ(s->labels.size(), 10u);
  EXPECT_EQ(find_samples(r, "DCGM_FI_DEV_GPU_UTIL", {{"pod", ""}}).size(), 2u);
  EXPECT_EQ(family(r, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION").type, MetricType::kCounter);
}

TEST(Fixture, NodeExporter) {
  const std::string body = read_fixture("node_exporter.prom");
  const auto r = parse_exposition(body);
  EXPECT_EQ(family(r, "node_cpu_seconds_total").type, MetricType::kCounter);
  EXPECT_EQ(find_samples(r, "node_cpu_seconds_total", {{"cpu", "1"}}).size(), 8u);
  EXPECT_EQ(value(r, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "idle"}}), 3.18274839e+06);
  EXPECT_EQ(value(r, "node_load1"), 3.41);
  EXPECT_EQ(value(r, "node_memory_MemAvailable_bytes"), 2.3584055296e+10);
  EXPECT_EQ(value(r, "node_pressure_cpu_waiting_seconds_total"), 1693.307462);
}

TEST(Fixture, OpenMetrics) {
  const std::string body = read_fixture("openmetrics.om");
  const auto r = parse_exposition(body);
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(r.counters.exemplars, 2u);
  const Sample* w = find_sample(r, "vllm:num_requests_waiting");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->timestamp_ms, 1712654896500);
  EXPECT_EQ(family(r, "vllm:generation_tokens").type, MetricType::kCounter);
  EXPECT_EQ(find_sample(r, "vllm:generation_tokens_total")->role, SampleRole::kTotal);
  EXPECT_EQ(find_sample(r, "vllm:generation_tokens_created")->role, SampleRole::kCreated);
  EXPECT_EQ(family(r, "vllm:e2e_request_latency_seconds").unit, "seconds");
  EXPECT_EQ(family(r, "vllm:e2e_request_latency_seconds").samples, 6u);
  EXPECT_EQ(find_sample(r, "build_info")->role, SampleRole::kInfo);
  EXPECT_EQ(family(r, "engine_state").type, MetricType::kStateSet);
  EXPECT_EQ(family(r, "queue_depth").samples, 5u);
  EXPECT_EQ(family(r, "rpc_duration_seconds").samples, 5u);
  const Sample* legacy = find_sample(r, "legacy");
  ASSERT_NE(legacy, nullptr);
  EXPECT_EQ(label(*legacy, "path"), "C:\\temp");
  EXPECT_EQ(label(*legacy, "msg"), "line1\nline2 \"quoted\"");
  EXPECT_TRUE(std::isnan(legacy->value));
}

// The real thing: node_exporter 1.5.0 from Debian 12, scraped once on
// loopback and kept verbatim after a three-line comment.
TEST(Fixture, RealNodeExporterPage) {
  const std::string body = read_fixture("node_exporter_1.5.0_debian12.prom");
  const auto r = parse_exposition(body, format_from_content_type("text/plain; version=0.0.4; charset=utf-8"));
  EXPECT_EQ(errors(r), "");
  EXPECT_TRUE(r.ok());

  // Every line is a sample, a HELP/TYPE, or one of our three comment lines.
  std::size_t sample_lines = 0, directive_lines = 0;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      ++directive_lines;
    } else if (!line.empty() && line[0] != '#') {
      ++sample_lines;
    }
  }
  EXPECT_EQ(r.samples.size(), sample_lines);
  EXPECT_EQ(r.counters.comments, 3u);
  EXPECT_EQ(r.counters.lines, sample_lines + directive_lines + 3);
  EXPECT_GT(r.samples.size(), 500u);

  EXPECT_EQ(family(r, "node_cpu_seconds_total").type, MetricType::kCounter);
  EXPECT_FALSE(find_samples(r, "node_cpu_seconds_total", {{"mode", "idle"}}).empty());
  EXPECT_NE(find_sample(r, "node_load1"), nullptr);
  EXPECT_GT(value(r, "node_memory_MemAvailable_bytes"), 0);
  EXPECT_EQ(family(r, "node_pressure_cpu_waiting_seconds_total").type, MetricType::kCounter);
  const Family& gc = family(r, "go_gc_duration_seconds");
  EXPECT_EQ(gc.type, MetricType::kSummary);
  EXPECT_EQ(gc.samples, 7u);  // five quantiles, _sum, _count
  for (const Sample* s : family_samples(r, static_cast<std::uint32_t>(&gc - r.families.data()))) {
    EXPECT_NE(s->role, SampleRole::kValue) << s->name;
  }
  // Every sample of a typed family found its family (no stray untyped families).
  for (const Family& f : r.families) {
    EXPECT_NE(f.type_line, 0u) << f.name;
  }
}

}  // namespace
}  // namespace cats::prom
