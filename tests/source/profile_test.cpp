// Engine profiles: the shipped JSON against each engine's fixture page, rates
// across two scrapes (counter resets included), and profile errors with paths.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "metric-collector/prom/exposition.hpp"
#include "metric-collector/source/engine_profile.hpp"
#include "metric-collector/source/extract.hpp"
#include "tests/source/test_util.hpp"

namespace cats::source {
namespace {

using test::slurp;

const ProfileSet& defaults() {
  static const ProfileSet set = [] {
    auto l = load_profiles_file(CATS_PROFILES);
    for (const auto& e : l.errors) ADD_FAILURE() << e.path << ": " << e.reason;
    return l.profiles;
  }();
  return set;
}

const EngineProfile& engine(std::string_view name) {
  const EngineProfile* p = defaults().find(name);
  EXPECT_NE(p, nullptr) << name;
  static const EngineProfile none;
  return p ? *p : none;
}

using Opt = std::optional<double>;
constexpr Opt kNone = std::nullopt;

struct Expected {
  std::string instance;
  Opt queued, running, memory, accelerator, cpu, latency;
};

void expect_near(const char* what, const Opt& got, const Opt& want, const std::string& ctx) {
  if (!want) {
    EXPECT_FALSE(got.has_value()) << ctx << " " << what << " = " << got.value_or(0);
    return;
  }
  ASSERT_TRUE(got.has_value()) << ctx << " " << what << " missing";
  EXPECT_NEAR(*got, *want, 1e-9) << ctx << " " << what;
}

void check(const std::vector<InstanceValues>& got, const std::vector<Expected>& want, const std::string& ctx) {
  ASSERT_EQ(got.size(), want.size()) << ctx;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto& l0 = got[i].l0;
    const std::string c = ctx + " [" + want[i].instance + "]";
    EXPECT_EQ(l0.instance, want[i].instance) << ctx;
    expect_near("queued", l0.queued, want[i].queued, c);
    expect_near("running", l0.running, want[i].running, c);
    expect_near("memory", l0.memory, want[i].memory, c);
    expect_near("accelerator", l0.accelerator, want[i].accelerator, c);
    expect_near("cpu", l0.cpu, want[i].cpu, c);
    expect_near("latency", l0.latency, want[i].latency, c);
  }
}

std::optional<double> extra(const InstanceValues& iv, std::string_view name) {
  for (const auto& [n, v] : iv.extra)
    if (n == name) return v;
  return std::nullopt;
}

// The L0 values of `name` from the second of two scrapes, rates over `dt` seconds.
std::vector<InstanceValues> extract_rates(std::string_view name, const std::string& before, const std::string& after,
                                          double dt) {
  const auto previous = prom::parse_exposition(before);
  const auto now = prom::parse_exposition(after);
  return extract(engine(name), now, &previous, dt);
}

TEST(SourceProfile, DefaultsLoadWithEveryEngine) {
  for (const char* name : {"vllm", "vllm-v0", "triton", "tgi", "sglang", "dcgm", "node_exporter"})
    EXPECT_NE(defaults().find(name), nullptr) << name;
}

struct FixtureCase {
  const char* engine;
  const char* fixture;
  std::vector<Expected> want;
};

TEST(SourceProfile, EachEngineFixtureGivesItsL0Values) {
  const std::string llama = "meta-llama/Llama-3.1-8B-Instruct";
  const std::string mistral = "mistralai/Mistral-7B-Instruct-v0.2";
  const FixtureCase cases[] = {
      // Two engines of one model: queues add up, KV cache is the fuller one.
      {"vllm", "vllm.prom", {{llama, 2, 7, 0.4375, kNone, kNone, kNone}}},
      {"vllm-v0", "vllm_v0.prom", {{mistral, 12, 5, 0.9871, kNone, kNone, kNone}}},
      // The V1 profile falls back to the V0 cache gauge.
      {"vllm", "vllm_v0.prom", {{mistral, 12, 5, 0.9871, kNone, kNone, kNone}}},
      // Per model; GPU utilisation (avg of two GPUs) and CPU are the host's, given to both.
      {"triton",
       "triton.prom",
       {{"ensemble", 0, kNone, kNone, 0.89, 0.02255639097744361, kNone},
        {"llama3_trtllm", 7, kNone, kNone, 0.89, 0.02255639097744361, kNone}}},
      {"tgi", "tgi.prom", {{"", 3, 24, kNone, kNone, kNone, kNone}}},
      {"sglang", "sglang.prom", {{llama, 2826, 162, 0.28, kNone, kNone, kNone}}},
      {"dcgm",
       "dcgm.prom",
       {{"0", kNone, kNone, 69474.0 / (69474 + 11530), 0.97, kNone, kNone},
        {"1", kNone, kNone, 0, 0, kNone, kNone},
        {"2", kNone, kNone, 78889.0 / (78889 + 2115), 0.88, kNone, kNone},
        {"3", kNone, kNone, 0, 0, kNone, kNone}}},
      // One scrape: no CPU rate yet, so load1 per CPU (3.41 / 2, clamped to 1).
      {"node_exporter",
       "node_exporter.prom",
       {{"", kNone, kNone, 1 - 2.3584055296e10 / 6.7430117376e10, kNone, 1, kNone}}},
      {"node_exporter",
       "node_exporter_1.5.0_debian12.prom",
       {{"", kNone, kNone, 1 - 23584055296.0 / 25276502016.0, kNone, 1, kNone}}},
  };
  for (const auto& c : cases) {
    const std::string body = slurp(std::string(CATS_FIXTURES) + "/" + c.fixture);
    ASSERT_FALSE(body.empty()) << c.fixture;
    const prom::ParseResult r = prom::parse_exposition(body);
    check(extract(engine(c.engine), r, nullptr, 0), c.want, std::string(c.engine) + " on " + c.fixture);
  }
}

TEST(SourceProfile, NodeExporterExtrasNeedARate) {
  const std::string body = slurp(std::string(CATS_FIXTURES) + "/node_exporter.prom");
  const auto r = prom::parse_exposition(body);
  const auto got = extract(engine("node_exporter"), r, nullptr, 0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(extra(got[0], "load1"), 3.41);
  EXPECT_FALSE(extra(got[0], "psi_cpu_some").has_value());
}

// Two node_exporter scrapes 10 s apart on a 2-CPU host.
TEST(SourceProfile, RatesAcrossTwoScrapes) {
  const std::string a =
      "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 100\n"
      "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 50\n"
      "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 5\n"
      "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 100\n"
      "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} 50\n"
      "node_cpu_seconds_total{cpu=\"1\",mode=\"iowait\"} 5\n"
      "node_pressure_cpu_waiting_seconds_total 10\n"
      "node_pressure_io_waiting_seconds_total 20\n"
      "node_memory_MemAvailable_bytes 25\nnode_memory_MemTotal_bytes 100\n";
  // cpu0: 6 busy, 3 idle, 1 iowait; cpu1: 2 busy, 8 idle. PSI cpu +2 s, io reset to 1.
  const std::string b =
      "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 103\n"
      "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 56\n"
      "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 6\n"
      "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 108\n"
      "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} 52\n"
      "node_cpu_seconds_total{cpu=\"1\",mode=\"iowait\"} 5\n"
      "node_pressure_cpu_waiting_seconds_total 12\n"
      "node_pressure_io_waiting_seconds_total 1\n"
      "node_memory_MemAvailable_bytes 40\nnode_memory_MemTotal_bytes 100\n";
  const auto got = extract_rates("node_exporter", a, b, 10);
  check(got, {{"", kNone, kNone, 0.6, kNone, 8.0 / 20, kNone}}, "node rates");
  EXPECT_NEAR(extra(got[0], "psi_cpu_some").value_or(-1), 0.2, 1e-12);
  EXPECT_NEAR(extra(got[0], "psi_io_some").value_or(-1), 0.1, 1e-12);  // reset: the increase is the new value
  // dt 0 or no previous scrape: no rate, the load fallback is absent here too.
  EXPECT_FALSE(extract_rates("node_exporter", a, b, 0)[0].l0.cpu.has_value());
}

TEST(SourceProfile, CounterResetsInRatiosAndHistograms) {
  const std::string a =
      "nv_inference_queue_duration_us{model=\"m\",version=\"1\"} 1000000\n"
      "nv_inference_count{model=\"m\",version=\"1\"} 100\n"
      "tgi_request_duration_sum 100\ntgi_request_duration_count 50\n"
      "tgi_queue_size 1\n";
  const std::string b =  // Triton: +2e6 us over +100 inferences. TGI restarted.
      "nv_inference_queue_duration_us{model=\"m\",version=\"1\"} 3000000\n"
      "nv_inference_count{model=\"m\",version=\"1\"} 200\n"
      "tgi_request_duration_sum 5\ntgi_request_duration_count 2\n"
      "tgi_queue_size 1\n";
  check(extract_rates("triton", a, b, 5), {{"m", kNone, kNone, kNone, kNone, kNone, 0.02}}, "triton");
  check(extract_rates("tgi", a, b, 5), {{"", 1, kNone, kNone, kNone, kNone, 2.5}}, "tgi reset");
  // Nothing finished in the interval: latency unknown, not zero.
  check(extract_rates("tgi", b, b, 5), {{"", 1, kNone, kNone, kNone, kNone, kNone}}, "tgi idle");
}

TEST(SourceProfile, VllmHistogramMeanPerModelAcrossEngines) {
  const std::string a =
      "vllm:e2e_request_latency_seconds_sum{engine=\"0\",model_name=\"m\"} 10\n"
      "vllm:e2e_request_latency_seconds_count{engine=\"0\",model_name=\"m\"} 10\n"
      "vllm:e2e_request_latency_seconds_sum{engine=\"1\",model_name=\"m\"} 10\n"
      "vllm:e2e_request_latency_seconds_count{engine=\"1\",model_name=\"m\"} 10\n";
  const std::string b =
      "vllm:e2e_request_latency_seconds_sum{engine=\"0\",model_name=\"m\"} 16\n"
      "vllm:e2e_request_latency_seconds_count{engine=\"0\",model_name=\"m\"} 13\n"
      "vllm:e2e_request_latency_seconds_sum{engine=\"1\",model_name=\"m\"} 12\n"
      "vllm:e2e_request_latency_seconds_count{engine=\"1\",model_name=\"m\"} 11\n";
  check(extract_rates("vllm", a, b, 1), {{"m", kNone, kNone, kNone, kNone, kNone, 8.0 / 4}}, "vllm");
}

TEST(SourceProfile, NonFiniteValuesAreMissingNotZero) {
  const std::string body =
      "vllm:num_requests_waiting{model_name=\"m\"} NaN\n"
      "vllm:num_requests_running{model_name=\"m\"} +Inf\n"
      "vllm:kv_cache_usage_perc{model_name=\"m\"} 0.5\n";
  const auto r = prom::parse_exposition(body);
  check(extract(engine("vllm"), r, nullptr, 0), {{"m", kNone, kNone, 0.5, kNone, kNone, kNone}}, "nan");
  const std::string empty;
  const auto e = prom::parse_exposition(empty);
  EXPECT_TRUE(extract(engine("vllm"), e, nullptr, 0).empty());
  EXPECT_TRUE(extract(engine("tgi"), e, nullptr, 0).empty());
}

TEST(SourceProfile, AnOperatorAddsAnEngine) {
  const auto l = load_profiles(R"({"engines": {"my-engine": {"instance_label": "pool", "rules": [
      {"input": "queued", "metric": "q", "match": [{"label": "kind", "op": "!=", "value": "batch"}]},
      {"input": "accelerator", "metric": "util_pct", "aggregate": "max", "scale": 0.01}]}}})");
  ASSERT_TRUE(l.ok()) << l.errors[0].path << ": " << l.errors[0].reason;
  const std::string body =
      "q{pool=\"a\",kind=\"chat\"} 3\nq{pool=\"a\",kind=\"batch\"} 100\nq{pool=\"a\"} 1\n"
      "util_pct{pool=\"a\"} 40\nutil_pct{pool=\"a\"} 60\n";
  const auto r = prom::parse_exposition(body);
  check(extract(*l.profiles.find("my-engine"), r, nullptr, 0), {{"a", 4, kNone, kNone, 0.6, kNone, kNone}}, "custom");
}

struct BadCase {
  const char* json;
  const char* path;
  const char* reason;  // substring
};

TEST(SourceProfile, BadProfilesReportPathAndReason) {
  const BadCase cases[] = {
      {"{\"engines\": ", "", "not JSON"},
      {"[]", "", "expected an object"},
      {"{}", "/engines", "missing"},
      {R"({"engines": []})", "/engines", "expected an object"},
      {R"({"version": 2, "engines": {}})", "/version", "unsupported version"},
      {R"({"engines": {"x": {}}})", "/engines/x/rules", "missing"},
      {R"({"engines": {"x": {"rules": []}}})", "/engines/x/rules", "no rules"},
      {R"({"engines": {"a/b": {"rules": 3}}})", "/engines/a~1b/rules", "expected an array"},
      {R"({"engines": {"x": {"rules": [{"input": "bogus", "metric": "m"}]}}})", "/engines/x/rules/0/input",
       "unknown value \"bogus\""},
      {R"({"engines": {"x": {"rules": [{"metric": "m"}]}}})", "/engines/x/rules/0/input", "missing"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu"}]}}})", "/engines/x/rules/0/metric", "missing"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": ""}]}}})", "/engines/x/rules/0/metric", "empty"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "agregate": "max"}]}}})",
       "/engines/x/rules/0/agregate", "unknown key"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "aggregate": "median"}]}}})",
       "/engines/x/rules/0/aggregate", "sum|max|min|avg|count"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "transform": "ratio"}]}}})",
       "/engines/x/rules/0/denominator", "missing"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "denominator": {"metric": "n"}}]}}})",
       "/engines/x/rules/0/denominator", "only for transform \"ratio\""},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "transform": "ratio",
          "denominator": {"metric": 5}}]}}})",
       "/engines/x/rules/0/denominator/metric", "expected a string"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "rate": true}]}}})", "/engines/x/rules/0/rate",
       "only for transform \"ratio\""},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "match": [{"label": "a", "op": "=~",
          "value": "b"}]}]}}})",
       "/engines/x/rules/0/match/0/op", "unknown operator"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "match": [{"value": "b"}]}]}}})",
       "/engines/x/rules/0/match/0/label", "missing"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "scale": 0}]}}})", "/engines/x/rules/0/scale",
       "non-zero"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "scale": "1"}]}}})", "/engines/x/rules/0/scale",
       "expected a number"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "min": 1, "max": 0}]}}})",
       "/engines/x/rules/0/max", "below min"},
      {R"({"engines": {"x": {"rules": [{"input": "extra", "metric": "m"}]}}})", "/engines/x/rules/0/name", "missing"},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "name": "n", "metric": "m"}]}}})", "/engines/x/rules/0/name",
       "only for input \"extra\""},
      {R"({"engines": {"x": {"rules": [{"input": "cpu", "metric": "m", "group_by": 1}]}}})",
       "/engines/x/rules/0/group_by", "expected a label name"},
  };
  for (const auto& c : cases) {
    const auto l = load_profiles(c.json);
    ASSERT_FALSE(l.ok()) << c.json;
    EXPECT_TRUE(l.profiles.engines.empty()) << c.json;
    bool found = false;
    for (const auto& e : l.errors) found = found || (e.path == c.path && e.reason.find(c.reason) != std::string::npos);
    EXPECT_TRUE(found) << c.json << "\n  wanted " << c.path << ": " << c.reason << "\n  got " << l.errors[0].path
                       << ": " << l.errors[0].reason;
  }
}

TEST(SourceProfile, EveryErrorIsReportedNotOnlyTheFirst) {
  const auto l = load_profiles(R"({"engines": {"x": {"rules": [
      {"input": "cpu", "metric": "m", "aggregate": "mean"},
      {"input": "gpu", "metric": "m"}]}, "y": {"rules": []}}})");
  ASSERT_EQ(l.errors.size(), 3u);
  EXPECT_EQ(l.errors[0].path, "/engines/x/rules/0/aggregate");
  EXPECT_EQ(l.errors[1].path, "/engines/x/rules/1/input");
  EXPECT_EQ(l.errors[2].path, "/engines/y/rules");
}

}  // namespace
}  // namespace cats::source
