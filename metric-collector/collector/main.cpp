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
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "common/log/log.hpp"
#include "common/service/notify.hpp"
#include "metric-collector/collector/json.hpp"
#include "metric-collector/collector/options.hpp"
#include "metric-collector/collector/pipeline.hpp"
#include "yang/loader/load.hpp"
#ifdef CATS_COLLECTOR_PUSH
#include "metric-collector/collector/push.hpp"
#endif
#ifdef CATS_COLLECTOR_METRICS
#include "common/metrics/ask.hpp"
#include "common/metrics/endpoint.hpp"
#include "metric-collector/collector/metrics.hpp"
#endif

namespace {

namespace asio = boost::asio;
using cats::collector::Pipeline;

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

#ifdef CATS_COLLECTOR_METRICS
// The Prometheus endpoint (bgp/metrics); the reason when it cannot start.
std::optional<std::string> start_metrics(const cats::config::MetricsEndpoint& cfg, asio::io_context& io,
                                         const Pipeline& pipeline, std::unique_ptr<cats::metrics::Endpoint>& out) {
  cats::metrics::EndpointOptions options;
  options.address = cfg.address;
  options.port = cfg.port;
  options.cache = cfg.cache_time;
  auto started = cats::metrics::Endpoint::start(options, [&io, &pipeline] {
    cats::metrics::Families f;
    // The pipeline lives on the io thread; a scrape reads its snapshot there.
    if (auto snap = cats::metrics::ask(
            io, [&pipeline] { return pipeline.snapshot(); }, std::chrono::seconds{5}))
      cats::collector::add_collector_metrics(f, *snap);
    cats::metrics::add_process_metrics(f);
    return f.take();
  });
  if (auto* err = std::get_if<std::string>(&started)) return *err;
  out = std::move(std::get<std::unique_ptr<cats::metrics::Endpoint>>(started));
  spdlog::info("metrics on {}", out->url());
  return std::nullopt;
}
#endif

#ifdef CATS_COLLECTOR_PUSH
// The push stream's PEM files and token (collector/push), relative to the
// configuration file's directory unless absolute; the reason when one cannot be read.
std::variant<cats::collector::PushSecurity, std::string> push_security(const cats::config::Collector& c,
                                                                       const std::filesystem::path& dir) {
  cats::collector::PushSecurity s;
  const std::pair<const std::string*, std::string*> files[] = {{&c.push_tls_ca, &s.ca_pem},
                                                               {&c.push_tls_certificate, &s.cert_pem},
                                                               {&c.push_tls_key, &s.key_pem},
                                                               {&c.push_token_file, &s.token}};
  for (const auto& [name, out] : files) {
    if (name->empty()) continue;
    const auto path = dir / *name;
    std::ifstream in(path, std::ios::binary);
    if (!in) return "collector/push: cannot read " + path.string();
    out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  while (!s.token.empty() && (s.token.back() == '\n' || s.token.back() == '\r')) s.token.pop_back();
  if (s.cert_pem.empty() != s.key_pem.empty()) return "collector/push: tls-certificate and tls-key go together";
  if (!s.cert_pem.empty() && s.ca_pem.empty()) return "collector/push: a client certificate needs tls-ca (TLS)";
  return s;
}
#endif

int run(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout or push socket is an error, not death
  std::signal(SIGHUP, SIG_IGN);   // until the event loop answers it
  const auto parsed = cats::collector::parse_command_line(argc, argv, std::cout, std::cerr);
  if (const auto* done = std::get_if<cats::collector::Exit>(&parsed)) return done->status;
  const auto* args = &std::get<cats::collector::CommandLine>(parsed);
  // Logs go to stderr: stdout carries the JSON.
  if (auto err = cats::log::start("cats-collector", args->log_level, cats::log::kQueueLines, args->log_format)) {
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
  if (push_address && !args->once) {
    auto security = push_security(cfg.collector, std::filesystem::absolute(args->config).parent_path());
    if (auto* err = std::get_if<std::string>(&security)) {
      std::fprintf(stderr, "cats-collector: %s\n", err->c_str());
      return 1;
    }
    pusher =
        std::make_unique<cats::collector::Pusher>(*push_address, std::chrono::seconds{5}, cfg.collector.push_refresh,
                                                  std::get<cats::collector::PushSecurity>(std::move(security)));
  }
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

#ifdef CATS_COLLECTOR_METRICS
  std::unique_ptr<cats::metrics::Endpoint> metrics;
  if (cfg.metrics.enabled && !args->once) {
    if (auto err = start_metrics(cfg.metrics, io, pipeline, metrics)) {
      spdlog::critical("{}", *err);
      return 1;
    }
  }
#endif
  asio::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping", sig);
    cats::service::notify_stopping();
    pipeline.stop();
    io.stop();
  });
  // The collector reads its configuration once: SIGHUP (a reload by habit)
  // is answered in the log, not taken as the default's termination.
  asio::signal_set hup{io, SIGHUP};
  std::function<void(const boost::system::error_code&, int)> on_hup = [&](const boost::system::error_code& ec, int) {
    if (ec) return;
    spdlog::warn("SIGHUP: cats-collector does not read its configuration again; restart it to apply a change");
    hup.async_wait(on_hup);
  };
  hup.async_wait(on_hup);
  asio::steady_timer guard{io};
  if (args->once) guard_once(guard, cfg, answers, io);

  spdlog::info("collecting from {} target(s)", cfg.collector.targets.size());
  pipeline.start();
  cats::service::Watchdog watchdog(io.get_executor());
  cats::service::notify_ready();  // scraping (and serving metrics, when configured)
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
