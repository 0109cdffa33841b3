// cats-collector: scrape, score and damp per the configuration, then print
// one snapshot (--once) or run, logging every advertisement and optionally
// pushing it to a remote catsd. Output contract: docs/COLLECTOR.md.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "common/log/log.hpp"
#include "metric-collector/collector/json.hpp"
#include "metric-collector/collector/pipeline.hpp"
#include "yang/loader/load.hpp"
#ifdef CATS_COLLECTOR_PUSH
#include "metric-collector/collector/push.hpp"
#endif

namespace {

namespace asio = boost::asio;
using cats::collector::Pipeline;

constexpr const char* kUsage =
    "usage: cats-collector --config FILE [--once] [--json] [--profiles engines.json] [--push HOST:PORT]\n"
    "                      [--answers N] [--log-level trace|debug|info|warn|error|off]\n"
    "  --once      wait until every target answered once, print one snapshot, exit\n"
    "  --answers   answers per target before the first evaluation (default: collector/first-report-answers, 2)\n"
    "  --json      JSON output (--once: the snapshot; running: one line per advertisement)\n"
    "  --profiles  engine profiles file (default: collector/engine-profiles, else the installed one)\n"
    "  --push      stream advertisements to a catsd gRPC API (default: collector/push/catsd-address)\n"
    "exit: 0 ok, 1 configuration error, 2 usage\n";

struct Args {
  std::string config;
  bool once = false;
  bool json = false;
  unsigned answers = 0;  // 0: the configuration's collector/first-report-answers
  std::string profiles;
  std::optional<std::string> push;
  std::string log_level = "info";
};

std::optional<Args> parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--once") {
      a.once = true;
    } else if (arg == "--json") {
      a.json = true;
    } else if (arg == "--answers") {
      const char* v = value();
      if (!v || std::sscanf(v, "%u", &a.answers) != 1 || a.answers < 1 || a.answers > 100) return std::nullopt;
    } else if (arg == "--config" || arg == "--profiles" || arg == "--push" || arg == "--log-level") {
      const char* v = value();
      if (!v) return std::nullopt;
      if (arg == "--config") a.config = v;
      if (arg == "--profiles") a.profiles = v;
      if (arg == "--push") a.push = v;
      if (arg == "--log-level") a.log_level = v;
    } else {
      return std::nullopt;
    }
  }
  if (a.config.empty()) return std::nullopt;
  return a;
}

std::string l1_text(const cats::collector::Advertisement& ad) {
  std::string out;
  for (auto c : cats::score::kCategories) {
    if (const auto& v = ad.l1[cats::score::index(c)]) {
      out += std::string(out.empty() ? "" : ",") + cats::score::category_name(c) + "=" + std::to_string(+*v);
    }
  }
  return out.empty() ? "-" : out;
}

void print_text(const cats::collector::Snapshot& s) {
  for (const auto& v : s.services) {
    std::printf("service %s (profile %u): %s", v.service.c_str(), v.site.profile_id,
                cats::score::verdict_name(v.site.verdict));
    if (v.site.verdict == cats::score::Verdict::kAdvertise) std::printf(" L2 %.2f", v.site.l2.exact);
    std::printf(", %zu/%zu healthy\n", v.site.healthy, v.instances.size());
    for (const auto& i : v.instances) {
      std::printf("  %-24s %-8s", i.l0.instance.c_str(), cats::score::health_name(i.score.health));
      if (i.score.l2) std::printf(" L2 %.2f", i.score.l2->exact);
      if (!i.reason.empty()) std::printf(" (%s)", i.reason.c_str());
      std::printf("\n");
    }
    if (const auto& last = v.damper.last) {
      std::printf("  advertised: %s l2 %u drain %d seq %u (%s)\n", last->withdraw ? "withdraw" : "announce", last->l2,
                  last->drain, last->sequence, cats::score::reason_name(last->reason));
    } else if (v.damper.current && v.damper.current->withdraw) {
      std::printf("  advertised: nothing (withdrawn)\n");
    }
  }
}

void print_snapshot(const cats::collector::Snapshot& snap, bool json) {
  if (json) {
    std::cout << cats::collector::snapshot_json(snap).dump(2) << "\n";
  } else {
    print_text(snap);
  }
}

void print_errors(const cats::config::ConfigErrors& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.message().c_str());
}

// Every advertisement is logged; running with --json, also printed as a line.
void report(const std::string& service, const cats::collector::Advertisement& ad, bool json_lines) {
  spdlog::info("advertise {} seq {} reason {}: {} l2 {} l1 {} drain {} instances {}{}{}", service, ad.sequence,
               cats::score::reason_name(ad.reason), ad.withdraw ? "withdraw" : "announce", ad.l2, l1_text(ad), ad.drain,
               ad.instances.size(), ad.why.empty() ? "" : " (", ad.why.empty() ? "" : ad.why + ")");
  if (!json_lines) return;
  auto j = cats::collector::advertisement_json(ad);
  j["service"] = service;
  j["time_ms"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::cout << j.dump() << std::endl;  // a line per advertisement, flushed for pipes
}

// --once: every attempt ends by its timeout; this only guards against a bug.
void guard_once(asio::steady_timer& guard, const cats::config::Config& cfg, unsigned answers, asio::io_context& io) {
  auto longest = std::chrono::milliseconds{0};
  for (const auto& t : cfg.collector.targets) {
    longest = std::max(longest, (t.timeout + t.interval) * answers + std::chrono::milliseconds{500});
  }
  guard.expires_after(longest + std::chrono::seconds{2});
  guard.async_wait([&io](const boost::system::error_code& ec) {
    if (ec) return;
    spdlog::warn("--once: not every target answered in time");
    io.stop();
  });
}

int run(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout or push socket is an error, not death
  const auto args = parse_args(argc, argv);
  if (!args) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  // Logs go to stderr: stdout carries the JSON.
  if (auto err = cats::log::start("cats-collector", args->log_level)) {
    std::fprintf(stderr, "cats-collector: --log-level: %s\n", err->c_str());
    return 2;
  }

  auto loaded = cats::loader::load_config(args->config);
  if (auto* errors = std::get_if<cats::config::ConfigErrors>(&loaded)) {
    print_errors(*errors);
    return 1;
  }
  const auto& cfg = std::get<cats::config::Config>(loaded);
  const unsigned answers = args->answers != 0 ? args->answers : cfg.collector.first_report_answers;

  std::optional<std::string> push_address = args->push ? args->push : cfg.collector.push_address;
#ifdef CATS_COLLECTOR_PUSH
  std::unique_ptr<cats::collector::Pusher> pusher;
  if (push_address && !args->once)
    pusher =
        std::make_unique<cats::collector::Pusher>(*push_address, std::chrono::seconds{5}, cfg.collector.push_refresh);
#else
  if (push_address && !args->once) {
    std::fprintf(stderr, "push: this build has no gRPC API (proto/ missing)\n");
    return 1;
  }
#endif

  asio::io_context io;
  Pipeline::Options opts;
  opts.engine_profiles = args->profiles;
  opts.answers = answers;
  const bool json_lines = args->json && !args->once;
  opts.on_advertise = [&](const std::string& service, const cats::collector::Advertisement& ad) {
    report(service, ad, json_lines);
#ifdef CATS_COLLECTOR_PUSH
    if (pusher) pusher->push(service, ad);
#endif
  };
  if (args->once) opts.on_all_answered = [&io] { io.stop(); };

  auto created = Pipeline::create(io, cfg, std::move(opts));
  if (auto* errors = std::get_if<cats::config::ConfigErrors>(&created)) {
    print_errors(*errors);
    return 1;
  }
  auto& pipeline = *std::get<std::unique_ptr<Pipeline>>(created);

  asio::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping", sig);
    pipeline.stop();
    io.stop();
  });
  asio::steady_timer guard{io};
  if (args->once) guard_once(guard, cfg, answers, io);

  spdlog::info("collecting from {} target(s)", cfg.collector.targets.size());
  pipeline.start();
  io.run();
  pipeline.stop();

  if (args->once) print_snapshot(pipeline.snapshot(), args->json);
  return 0;
}

}  // namespace

// An exception that reaches here is a bug: it is logged and the collector
// exits 1, not with std::terminate.
int main(int argc, char** argv) {
  return cats::log::run_main(run, argc, argv);
}
