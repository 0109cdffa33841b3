// Exposition parser kernels: a generated page mixing vLLM engines (gauges,
// counters, four histograms per engine) and DCGM GPUs (16 fields per GPU,
// seven labels each), 500 series per unit; the 5,000-series page is 10 units.
// Reported: MB/s (bytes), series/s (items), CPU time per parse, and heap
// allocations per parse, counted by replacing global operator new.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "bench/alloc_counter.hpp"
#include "metric-collector/prom/exposition.hpp"

using namespace cats::prom;

namespace {

// Deterministic values (an LCG), so every run parses the same bytes.
class Values {
 public:
  std::uint32_t next() {
    state_ = state_ * 1664525u + 1013904223u;
    return state_ >> 8;
  }
  std::string count() { return std::to_string(next() % 100000) + ".0"; }
  std::string ratio() { return std::to_string((next() % 10000) / 10000.0).substr(0, 6); }
  std::string sci() {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6e", (next() % 100000000) * 1.0);
    return buf;
  }

 private:
  std::uint32_t state_ = 20240601;
};

const char* const kModels[] = {"meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-7B-Instruct",
                               "mistralai/Mistral-7B-Instruct-v0.3", "google/gemma-2-9b-it"};

struct Histogram {
  const char* name;
  std::vector<const char*> buckets;  // +Inf added
};

const Histogram kHistograms[] = {
    {"vllm:e2e_request_latency_seconds",
     {"0.3",  "0.5",  "0.8",  "1.0",  "1.5",   "2.0",   "2.5",   "5.0",   "10.0",   "15.0",  "20.0",
      "30.0", "40.0", "50.0", "60.0", "120.0", "240.0", "480.0", "960.0", "1920.0", "7680.0"}},
    {"vllm:time_to_first_token_seconds",
     {"0.001", "0.005", "0.01", "0.02", "0.04", "0.06", "0.08", "0.1", "0.25", "0.5", "0.75", "1.0", "2.5", "5.0",
      "7.5", "10.0", "20.0"}},
    {"vllm:time_per_output_token_seconds",
     {"0.01", "0.025", "0.05", "0.075", "0.1", "0.15", "0.2", "0.3", "0.4", "0.5", "0.75", "1.0", "2.5", "5.0"}},
    {"vllm:request_queue_time_seconds",
     {"0.3",  "0.5",  "0.8",  "1.0",  "1.5",   "2.0",   "2.5",   "5.0",   "10.0",   "15.0",  "20.0",
      "30.0", "40.0", "50.0", "60.0", "120.0", "240.0", "480.0", "960.0", "1920.0", "7680.0"}},
};

const char* const kDcgm[][3] = {
    {"DCGM_FI_DEV_SM_CLOCK", "gauge", "SM clock frequency (in MHz)."},
    {"DCGM_FI_DEV_MEM_CLOCK", "gauge", "Memory clock frequency (in MHz)."},
    {"DCGM_FI_DEV_MEMORY_TEMP", "gauge", "Memory temperature (in C)."},
    {"DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C)."},
    {"DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W)."},
    {"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ)."},
    {"DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "counter", "Total number of PCIe retries."},
    {"DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %)."},
    {"DCGM_FI_DEV_MEM_COPY_UTIL", "gauge", "Memory utilization (in %)."},
    {"DCGM_FI_DEV_ENC_UTIL", "gauge", "Encoder utilization (in %)."},
    {"DCGM_FI_DEV_DEC_UTIL", "gauge", "Decoder utilization (in %)."},
    {"DCGM_FI_DEV_XID_ERRORS", "gauge", "Value of the last XID error encountered."},
    {"DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB)."},
    {"DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB)."},
    {"DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge", "Ratio of time the graphics engine is active."},
    {"DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "gauge", "Ratio of cycles the tensor (HMMA) pipe is active."},
};

struct Page {
  std::string body;
  std::size_t series = 0;
};

// `units` x (4 vLLM engines x 93 series + 8 GPUs x 16 DCGM fields) = 500 x units series.
Page make_page(int units) {
  Values v;
  Page p;
  std::string& b = p.body;
  const int engines = 4 * units;
  const int gpus = 8 * units;
  auto engine_labels = [](int e) {
    return std::string("engine=\"") + std::to_string(e) + "\",model_name=\"" + kModels[e % 4] + '"';
  };
  auto gauge = [&](const char* name, const char* help, bool ratio) {
    b += std::string("# HELP ") + name + ' ' + help + "\n# TYPE " + name + " gauge\n";
    for (int e = 0; e < engines; ++e, ++p.series) {
      b += std::string(name) + '{' + engine_labels(e) + "} " + (ratio ? v.ratio() : v.count()) + '\n';
    }
  };
  gauge("vllm:num_requests_running", "Number of requests in model execution batches.", false);
  gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", false);
  gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", true);
  for (const char* name : {"vllm:prompt_tokens_total", "vllm:generation_tokens_total"}) {
    b += std::string("# HELP ") + name + " Number of tokens processed.\n# TYPE " + name + " counter\n";
    for (int e = 0; e < engines; ++e, ++p.series)
      b += std::string(name) + '{' + engine_labels(e) + "} " + v.sci() + '\n';
  }
  b += "# HELP vllm:request_success_total Count of successfully processed requests.\n"
       "# TYPE vllm:request_success_total counter\n";
  for (int e = 0; e < engines; ++e) {
    for (const char* reason : {"stop", "length", "abort"}) {
      b +=
          "vllm:request_success_total{" + engine_labels(e) + ",finished_reason=\"" + reason + "\"} " + v.count() + '\n';
      ++p.series;
    }
  }
  for (const Histogram& h : kHistograms) {
    b += std::string("# HELP ") + h.name + " Histogram of request latency in seconds.\n# TYPE " + h.name +
         " histogram\n";
    for (int e = 0; e < engines; ++e) {
      const std::string l = engine_labels(e);
      std::uint32_t c = 0;
      for (const char* le : h.buckets) {
        c += v.next() % 50;
        b += std::string(h.name) + "_bucket{" + l + ",le=\"" + le + "\"} " + std::to_string(c) + ".0\n";
      }
      b += std::string(h.name) + "_bucket{" + l + ",le=\"+Inf\"} " + std::to_string(c) + ".0\n";
      b += std::string(h.name) + "_sum{" + l + "} " + std::to_string(c * 1.37) + '\n';
      b += std::string(h.name) + "_count{" + l + "} " + std::to_string(c) + ".0\n";
      p.series += h.buckets.size() + 3;
    }
  }
  for (const auto& f : kDcgm) {
    b += std::string("# HELP ") + f[0] + ' ' + f[2] + "\n# TYPE " + f[0] + ' ' + f[1] + '\n';
    for (int g = 0; g < gpus; ++g, ++p.series) {
      char uuid[48];
      std::snprintf(uuid, sizeof uuid, "GPU-%08x-%04x-%04x-%04x-%012x", 0x74f7fe3bu + g, g, 0x6d8b, 0x3cb4,
                    0xe70426u * g);
      b += std::string(f[0]) + "{gpu=\"" + std::to_string(g % 8) + "\",UUID=\"" + uuid +
           "\",pci_bus_id=\"00000000:" + std::to_string(10 + g % 8) + ":00.0\",device=\"nvidia" +
           std::to_string(g % 8) + "\",modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"gpu-node-" +
           std::to_string(g / 8) + "\",DCGM_FI_DRIVER_VERSION=\"535.129.03\"} " + std::to_string(v.next() % 1000) +
           '\n';
    }
  }
  return p;
}

void report(benchmark::State& state, const Page& page, std::uint64_t allocs) {
  const auto n = static_cast<std::int64_t>(state.iterations());
  state.SetBytesProcessed(n * static_cast<std::int64_t>(page.body.size()));
  state.SetItemsProcessed(n * static_cast<std::int64_t>(page.series));
  state.counters["series"] = static_cast<double>(page.series);
  state.counters["page_kB"] = static_cast<double>(page.body.size()) / 1000.0;
  state.counters["allocs/parse"] = n ? static_cast<double>(allocs) / static_cast<double>(n) : 0.0;
}

// A fresh result per scrape: what parse_exposition(body, hint) costs.
void BM_Parse(benchmark::State& state) {
  const Page page = make_page(static_cast<int>(state.range(0)));
  const std::uint64_t before = cats::bench::allocations();
  for (auto _ : state) {
    ParseResult r = parse_exposition(page.body, Format::kPrometheus);
    if (r.samples.size() != page.series || !r.ok()) state.SkipWithError("unexpected parse");
    benchmark::DoNotOptimize(r.samples.data());
  }
  report(state, page, cats::bench::allocations() - before);
}
BENCHMARK(BM_Parse)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond);

// One result reused parse after parse, as the scraper does.
void parse_reused(benchmark::State& state, Format format) {
  const Page page = make_page(static_cast<int>(state.range(0)));
  ParseResult r;
  parse_exposition(page.body, format, r);
  const std::uint64_t before = cats::bench::allocations();
  for (auto _ : state) {
    parse_exposition(page.body, format, r);
    benchmark::DoNotOptimize(r.samples.data());
  }
  if (r.samples.size() != page.series || !r.ok()) state.SkipWithError("unexpected parse");
  report(state, page, cats::bench::allocations() - before);
}

// The scraper's steady state.
void BM_ParseReuse(benchmark::State& state) {
  parse_reused(state, Format::kPrometheus);
}
BENCHMARK(BM_ParseReuse)->Arg(10)->Unit(benchmark::kMicrosecond);

// No Content-Type to go by: detect_format() scans for "# EOF" first.
void BM_ParseAutoDetect(benchmark::State& state) {
  parse_reused(state, Format::kAuto);
}
BENCHMARK(BM_ParseAutoDetect)->Arg(10)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
