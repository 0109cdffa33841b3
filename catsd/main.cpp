// catsd: the CATS BGP speaker. Reads and validates the configuration before
// anything starts, then runs sessions and the RIB on one event loop and the
// gRPC API on its own threads.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>

#include "catsd/api/api_server.hpp"
#include "catsd/api/engine_backend.hpp"
#include "catsd/metrics_hooks.hpp"
#include "catsd/netconf/server.hpp"
#include "catsd/netconf_hooks.hpp"
#include "catsd/options.hpp"
#include "catsd/privileges.hpp"
#include "catsd/rde/asio_sessions.hpp"
#include "catsd/rde/collector_feed.hpp"
#include "catsd/rde/engine.hpp"
#include "catsd/rde/origination.hpp"
#include "catsd/reload.hpp"
#include "catsd/telemetry/telemetry.hpp"
#include "common/log/log.hpp"
#include "common/metrics/ask.hpp"
#include "common/metrics/endpoint.hpp"
#include "common/service/notify.hpp"
#include "metric-collector/collector/pipeline.hpp"
#include "yang/loader/load.hpp"

namespace {

using cats::daemon::Options;

// The engine and its sessions, next-hop tracking and FIB programming; the
// reason when catsd cannot run. `bound` runs once port 179 is bound, before
// anything starts a thread that needs a capability (the FIB's worker): the
// privilege drop.
std::optional<std::string> start_engine(cats::rde::Engine& engine, cats::rde::AsioSessions& peers,
                                        const std::function<std::optional<std::string>()>& bound) {
  if (auto err = engine.start()) return err;
  if (auto err = peers.open(engine.config(), engine)) return err;
  if (auto err = bound()) return err;
  peers.start();
  if (auto err = engine.track_next_hops()) spdlog::warn("{}: every next hop counts as reachable", *err);
  if (auto err = engine.program_fib()) spdlog::error("{}: nothing is programmed", *err);
  return std::nullopt;
}

// The gRPC API on `api`, unless it is "none"; false when it cannot start.
bool start_api(cats::api::EngineBackend& backend, const std::string& api, const cats::api::ApiSecurity& security,
               std::unique_ptr<cats::api::ApiServer>& server) {
  if (api == "none") return true;
  cats::api::ApiServerOptions options;
  options.security = security;
  server = std::make_unique<cats::api::ApiServer>(backend, api, options);
  if (auto err = server->start()) {
    spdlog::critical("API on {}: {}", api, *err);
    return false;
  }
  spdlog::info("API on {}{}{}", api, security.tls_cert_pem.empty() ? "" : " (TLS)",
               security.token.empty() ? "" : ", token required");
  return true;
}

// The NETCONF server when the configuration enables it; false when it cannot start.
bool start_netconf(const cats::config::Config& cfg, const std::filesystem::path& file,
                   const std::filesystem::path& yang_dir, cats::Reloader& reloader, cats::api::ApiBackend& backend,
                   const std::function<std::optional<cats::collector::Snapshot>()>& snapshot,
                   std::unique_ptr<cats::netconf::Server>& server) {
  if (!cfg.netconf.enabled) return true;
  cats::netconf::Hooks hooks;
  hooks.state = [&backend, snapshot] { return cats::netconf_state(backend, snapshot); };
  hooks.rpc = [&backend](const std::string& op, const cats::netconf::Leaves& in) {
    return cats::netconf_rpc(backend, op, in);
  };
  hooks.validate = [&reloader](const std::string& json) { return reloader.check(json); };
  hooks.commit = [&reloader](const std::string& json) { return reloader.commit(json); };
  const cats::netconf::Paths paths{yang_dir, CATS_IETF_YANG_DIR, std::filesystem::absolute(file).parent_path()};
  auto started = cats::netconf::Server::start(cfg.netconf, paths, cats::read_text(file), std::move(hooks));
  if (auto* err = std::get_if<std::string>(&started)) {
    spdlog::critical("{}", *err);
    return false;
  }
  server = std::move(std::get<std::unique_ptr<cats::netconf::Server>>(started));
  return true;
}

// The Prometheus endpoint when the configuration has one; false when it cannot start.
bool start_metrics(const cats::config::MetricsEndpoint& cfg, boost::asio::io_context& io,
                   const cats::rde::Engine& engine, cats::api::ApiBackend& backend,
                   const std::function<std::optional<cats::collector::Snapshot>()>& snapshot,
                   std::unique_ptr<cats::metrics::Endpoint>& endpoint) {
  if (!cfg.enabled) return true;
  cats::MetricsSources from;
  from.backend = &backend;
  from.rib = [&io, &engine] {
    return cats::metrics::ask(
        io,
        [&engine] {
          const auto rib = engine.loc_rib().stats();
          const auto attrs = engine.store().stats();
          return cats::metrics::RibSummary{rib.prefixes, rib.paths, attrs.sets, attrs.bytes, rib.recomputed};
        },
        std::chrono::seconds{5});
  };
  from.collector = snapshot;
  from.site_series_limit = cfg.site_series_limit;
  cats::metrics::EndpointOptions options;
  options.address = cfg.address;
  options.port = cfg.port;
  options.cache = cfg.cache_time;
  auto started = cats::metrics::Endpoint::start(options, [from] { return cats::collect_metrics(from); });
  if (auto* err = std::get_if<std::string>(&started)) {
    spdlog::critical("{}", *err);
    return false;
  }
  endpoint = std::move(std::get<std::unique_ptr<cats::metrics::Endpoint>>(started));
  spdlog::info("metrics on {}", endpoint->url());
  return true;
}

// What start-up reads as root, before the privilege drop: the API's keys and
// token, and whom to become.
struct Secrets {
  cats::api::ApiSecurity api;
  std::optional<cats::Identity> identity;
};

std::optional<std::string> read_secret(const std::string& file, const char* option, std::string& out) {
  if (file.empty()) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::string(option) + " " + file + ": cannot read";
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return std::nullopt;
}

std::variant<Secrets, std::string> read_secrets(const Options& o) {
  Secrets s;
  if (auto e = read_secret(o.api_tls_cert, "--api-tls-cert", s.api.tls_cert_pem)) return *e;
  if (auto e = read_secret(o.api_tls_key, "--api-tls-key", s.api.tls_key_pem)) return *e;
  if (auto e = read_secret(o.api_client_ca, "--api-client-ca", s.api.client_ca_pem)) return *e;
  if (auto e = read_secret(o.api_token_file, "--api-token-file", s.api.token)) return *e;
  // One line: the trailing newline an editor adds is not part of the token.
  while (!s.api.token.empty() && (s.api.token.back() == '\n' || s.api.token.back() == '\r')) s.api.token.pop_back();
  if (!o.api_token_file.empty() && s.api.token.empty()) return "--api-token-file " + o.api_token_file + ": empty";
  s.api.allow_insecure_remote = o.api_insecure;
  if (o.api != "none")
    if (auto refused = cats::api::check_exposure(o.api, s.api)) return "--api " + o.api + ": " + *refused;
  if (!o.user.empty() || !o.group.empty()) {
    if (o.user.empty()) return "--group needs --user";
    auto who = cats::resolve_identity(o.user, o.group);
    if (auto* err = std::get_if<std::string>(&who)) return *err;
    s.identity = std::get<cats::Identity>(who);
  }
  return s;
}

// --user: becomes the user once port 179 is bound, before the FIB's worker,
// the session and API threads start (they inherit the capabilities kept).
// The API's unix socket directory is created first and handed over, so the
// socket can be made after the drop.
std::optional<std::string> drop_privileges(const Secrets& secrets, const std::string& api) {
  if (!secrets.identity) return std::nullopt;
  std::string own;
  if (api.rfind("unix:", 0) == 0) {
    const auto dir = std::filesystem::path(api.substr(5)).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::exists(dir, ec) && std::filesystem::create_directories(dir, ec)) {
      std::filesystem::permissions(dir, std::filesystem::perms(0750), ec);
      own = dir.string();
    }
  }
  if (auto err = cats::drop_privileges(*secrets.identity, own)) return err;
  spdlog::info("running as user {} group {} with CAP_NET_BIND_SERVICE, CAP_NET_ADMIN, CAP_NET_RAW",
               secrets.identity->user, secrets.identity->group);
  return std::nullopt;
}

// Runs catsd until SIGTERM or SIGINT.
int serve(cats::config::Config cfg, const Options& o, const Secrets& secrets) {
  // Two threads, as OpenBGPD's session engine and route decision engine: the
  // sessions on `sessions`, the RIB (and collector, signals) on this one.
  boost::asio::io_context io{1};
  boost::asio::io_context sessions{1};
  auto keep = boost::asio::make_work_guard(sessions);
  // The RIB thread runs until the shutdown's drain calls io.stop(), even when
  // it has nothing queued meanwhile (the sessions' work is on the other thread).
  auto keep_io = boost::asio::make_work_guard(io);
  cats::rde::AsioSessions peers(sessions.get_executor(), io.get_executor());
  cats::rde::Engine engine(io.get_executor(), std::move(cfg), peers);
  // BMP stations and MRT files: tapped, when configured, before any session
  // starts; a reload may add or remove them (on_applied below).
  auto telemetry = std::make_unique<cats::telemetry::Telemetry>(io.get_executor(), engine.config(), engine);
  if (telemetry->active()) engine.set_monitor(telemetry.get());
  telemetry->start();
  if (auto err = start_engine(engine, peers, [&] { return drop_privileges(secrets, o.api); })) {
    spdlog::critical("{}", *err);
    return 1;
  }
  std::thread session_thread([&] { sessions.run(); });
  struct Join {
    boost::asio::io_context& io;
    std::thread& t;
    ~Join() {
      io.stop();
      t.join();
    }
  } join{sessions, session_thread};
  auto feed = cats::rde::start_collector(io, engine);
  if (feed.error) {
    spdlog::critical("{}", *feed.error);
    return 1;
  }
  cats::api::EngineBackend backend(io.get_executor(), engine);
  std::unique_ptr<cats::api::ApiServer> server;
  if (!start_api(backend, o.api, secrets.api, server)) return 1;
  const std::filesystem::path yang_dir =
      o.yang_dir.empty() ? cats::loader::default_yang_dir() : std::filesystem::path(o.yang_dir);
  cats::Reloader reloader(io, engine, feed, o.config_file, yang_dir);
  std::unique_ptr<cats::netconf::Server> netconf;
  // The in-process collector's targets for NETCONF's state, read on the RIB thread.
  const auto snapshot = [&io, &feed]() -> std::optional<cats::collector::Snapshot> {
    auto done = std::make_shared<std::promise<std::optional<cats::collector::Snapshot>>>();
    auto out = done->get_future();
    boost::asio::post(io, [&feed, done] {
      done->set_value(feed.pipeline ? std::optional(feed.pipeline->snapshot()) : std::nullopt);
    });
    if (out.wait_for(std::chrono::seconds{20}) != std::future_status::ready) return std::nullopt;
    return out.get();
  };
  if (!start_netconf(engine.config(), o.config_file, yang_dir, reloader, backend, snapshot, netconf)) return 1;
  std::unique_ptr<cats::metrics::Endpoint> metrics;
  if (!start_metrics(engine.config().metrics, io, engine, backend, snapshot, metrics)) return 1;
  std::shared_ptr<cats::NotificationSink> notifications;
  if (netconf) {
    notifications = std::make_shared<cats::NotificationSink>(netconf.get());
    cats::netconf_notifications(engine, notifications);
  }
  reloader.on_applied([&netconf, &telemetry, &engine](const std::string& text, const cats::config::Config& c) {
    telemetry->reconfigure(c);
    engine.set_monitor(telemetry->active() ? telemetry.get() : nullptr);
    if (!netconf) return;
    netconf->set_running(text);
    netconf->set_users(c.netconf.users);
  });

  std::thread api_stopper;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    cats::service::notify_stopping();
    if (feed.pipeline) feed.pipeline->stop();
    // The API stops on a thread of its own: closing a watch stream unsubscribes
    // through this io_context, which must keep running meanwhile.
    api_stopper = std::thread([&] {
      if (notifications) notifications->detach();
      netconf.reset();  // a commit in progress still reaches the RIB thread
      metrics.reset();  // a scrape in progress still reaches the RIB thread
      if (server) server->stop();
      boost::asio::post(io, [&] {
        // Peer Downs reach the BMP stations before their Termination.
        engine.shutdown("catsd shutting down", std::chrono::milliseconds{2000},
                        [&] { telemetry->stop([&] { io.stop(); }); });
      });
    });
  });
  // SIGHUP reads the configuration file again and applies what changed;
  // catsd logs to stderr, so SIGUSR1 has no log file to reopen.
  boost::asio::signal_set notices(io, SIGHUP, SIGUSR1);
  std::function<void(const boost::system::error_code&, int)> notice = [&](const boost::system::error_code& ec,
                                                                          int sig) {
    if (ec) return;
    if (sig == SIGHUP)
      reloader.reload();
    else
      spdlog::info("SIGUSR1: catsd logs to stderr, no log file to reopen");
    notices.async_wait(notice);
  };
  notices.async_wait(notice);
  boost::asio::steady_timer log_drops(io);
  std::function<void(const boost::system::error_code&)> drops = [&](const boost::system::error_code& ec) {
    if (ec) return;
    cats::log::report_dropped();
    log_drops.expires_after(std::chrono::seconds{10});
    log_drops.async_wait(drops);
  };
  drops({});
  cats::service::Watchdog watchdog(io.get_executor());
  cats::service::notify_ready();  // listening, the API serving
  io.run();
  if (api_stopper.joinable()) api_stopper.join();
  if (server) server->stop();  // idempotent; before the engine goes
  engine.stop_fib();           // catsd's routes go, unless fib/retain
  spdlog::info("stopped");
  return 0;
}

int run(int argc, char** argv) {
  // Before anything can write to a socket or a pipe; SIGHUP and SIGUSR1 are
  // taken over by the event loop once it runs (serve()), ignored until then.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);
  std::signal(SIGUSR1, SIG_IGN);
  auto parsed = cats::daemon::parse_options(argc, argv, std::cout, std::cerr);
  if (auto* done = std::get_if<cats::daemon::Exit>(&parsed)) return done->status;
  const auto& o = std::get<Options>(parsed);
  if (auto err = cats::log::start("catsd", o.log_level, cats::log::kQueueLines, o.log_format)) {
    std::cerr << "catsd: --log-level: " << *err << "\n";
    return 2;
  }
  auto loaded = o.yang_dir.empty() ? cats::loader::load_config(o.config_file)
                                   : cats::loader::load_config(o.config_file, o.yang_dir);
  // What only the daemon knows: whether each service's routes can be encoded.
  if (auto* cfg = std::get_if<cats::config::Config>(&loaded))
    if (auto errors = cats::rde::check_origination(*cfg); !errors.empty()) loaded = std::move(errors);
  if (auto* errors = std::get_if<cats::config::ConfigErrors>(&loaded)) {
    for (const auto& e : *errors) std::cerr << "catsd: " << e.message() << "\n";
    return 1;
  }
  auto& cfg = std::get<cats::config::Config>(loaded);
  if (o.check) {
    std::cout << "catsd: " << o.config_file << ": configuration valid (" << cfg.neighbors.size() << " neighbors, "
              << cfg.services.size() << " services)\n";
    return 0;
  }
  auto secrets = read_secrets(o);
  if (auto* err = std::get_if<std::string>(&secrets)) {
    std::cerr << "catsd: " << *err << "\n";
    return 1;
  }
  return serve(std::move(cfg), o, std::get<Secrets>(secrets));
}

}  // namespace

// An exception that reaches here is a bug: it is logged and catsd exits 1
// (after the destructors ran), not with std::terminate.
int main(int argc, char** argv) {
  return cats::log::run_main(run, argc, argv);
}
