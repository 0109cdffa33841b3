// catsd: the CATS BGP speaker. Reads and validates the configuration before
// anything starts, then runs sessions and the RIB on one event loop and the
// gRPC API on its own threads.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>

#include "catsd/api/api_server.hpp"
#include "catsd/api/engine_backend.hpp"
#include "catsd/rde/asio_sessions.hpp"
#include "catsd/rde/collector_feed.hpp"
#include "catsd/rde/engine.hpp"
#include "metric-collector/collector/pipeline.hpp"
#include "yang/loader/load.hpp"

namespace {

void usage(std::ostream& os) {
  os << "usage: catsd --config FILE [--api ADDR] [--log-level LEVEL] [--check]\n"
        "  --config FILE     RFC 7951 JSON instance of yang/cats-bgp.yang\n"
        "  --api ADDR        gRPC API address (default 127.0.0.1:50051; \"none\" disables; unix:/path)\n"
        "  --yang-dir DIR    where cats-bgp.yang is (default: the source tree's yang/)\n"
        "  --log-level L     trace, debug, info (default), warn, error\n"
        "  --check           validate the configuration and exit\n"
        "exit status: 0 ok, 1 configuration or start-up error, 2 usage\n";
}

int run(int argc, char** argv) {
  std::string config_file;
  std::string api = "127.0.0.1:50051";
  std::string level = "info";
  std::string yang_dir;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "catsd: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--config") {
      config_file = value();
    } else if (a == "--api") {
      api = value();
    } else if (a == "--log-level") {
      level = value();
    } else if (a == "--yang-dir") {
      yang_dir = value();
    } else if (a == "--check") {
      check = true;
    } else if (a == "-h" || a == "--help") {
      usage(std::cout);
      return 0;
    } else {
      std::cerr << "catsd: unknown option " << a << "\n";
      usage(std::cerr);
      return 2;
    }
  }
  if (config_file.empty()) {
    usage(std::cerr);
    return 2;
  }
  auto logger = spdlog::stderr_color_mt("catsd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
  // Every info line reaches the log at once (stdout is a file under a
  // supervisor): the last lines before a crash are the ones that matter.
  spdlog::flush_on(spdlog::level::info);

  auto loaded =
      yang_dir.empty() ? cats::loader::load_config(config_file) : cats::loader::load_config(config_file, yang_dir);
  if (auto* errors = std::get_if<cats::config::ConfigErrors>(&loaded)) {
    for (const auto& e : *errors) std::cerr << "catsd: " << e.message() << "\n";
    return 1;
  }
  auto& cfg = std::get<cats::config::Config>(loaded);
  if (check) {
    std::cout << "catsd: " << config_file << ": configuration valid (" << cfg.neighbors.size() << " neighbors, "
              << cfg.services.size() << " services)\n";
    return 0;
  }

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
  if (auto err = engine.start()) {
    spdlog::critical("{}", *err);
    return 1;
  }
  if (auto err = peers.open(engine.config(), engine)) {
    spdlog::critical("{}", *err);
    return 1;
  }
  peers.start();
  if (auto err = engine.track_next_hops()) spdlog::warn("{}: every next hop counts as reachable", *err);
  if (auto err = engine.program_fib()) spdlog::error("{}: nothing is programmed", *err);
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
  if (api != "none") {
    server = std::make_unique<cats::api::ApiServer>(backend, api);
    if (auto err = server->start()) {
      spdlog::critical("API on {}: {}", api, *err);
      return 1;
    }
    spdlog::info("API on {}", api);
  }

  std::thread api_stopper;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    if (feed.pipeline) feed.pipeline->stop();
    // The API stops on a thread of its own: closing a watch stream unsubscribes
    // through this io_context, which must keep running meanwhile.
    api_stopper = std::thread([&] {
      if (server) server->stop();
      boost::asio::post(
          io, [&] { engine.shutdown("catsd shutting down", std::chrono::milliseconds{2000}, [&] { io.stop(); }); });
    });
  });
  std::signal(SIGPIPE, SIG_IGN);
  io.run();
  if (api_stopper.joinable()) api_stopper.join();
  if (server) server->stop();  // idempotent; before the engine goes
  engine.stop_fib();           // catsd's routes go, unless fib/retain
  spdlog::info("stopped");
  return 0;
}

}  // namespace

// An exception that reaches here is a bug: it is logged and catsd exits 1
// (after the destructors ran), not with std::terminate.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    spdlog::critical("exception: {}", e.what());
  } catch (...) {
    spdlog::critical("unknown exception");
  }
  return 1;
}
