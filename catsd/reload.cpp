#include "catsd/reload.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <utility>
#include <variant>

#include "catsd/rde/origination.hpp"
#include "catsd/rde/reconfig_plan.hpp"
#include "metric-collector/collector/pipeline.hpp"
#include "yang/loader/load.hpp"

namespace cats {

Reloader::Reloader(boost::asio::io_context& io, rde::Engine& engine, rde::CollectorFeed& feed,
                   std::filesystem::path file, std::filesystem::path yang_dir)
    : io_(io), engine_(engine), feed_(feed), file_(std::move(file)), yang_dir_(std::move(yang_dir)) {}

Reloader::~Reloader() {
  if (reader_.joinable()) reader_.join();
  for (auto& p : retired_) p->stop();
}

void Reloader::reload() {
  if (reading_) {
    spdlog::warn("SIGHUP: a reload of {} is in progress; this one is ignored", file_.string());
    return;
  }
  reading_ = true;
  if (reader_.joinable()) reader_.join();  // the previous reading, finished
  spdlog::info("SIGHUP: reading {}", file_.string());
  reader_ = std::thread([this] {
    auto loaded = loader::load_config(file_, yang_dir_);
    if (auto* cfg = std::get_if<config::Config>(&loaded))
      if (auto errors = rde::check_origination(*cfg); !errors.empty()) loaded = std::move(errors);
    boost::asio::post(io_, [this, loaded = std::move(loaded)]() mutable {
      reading_ = false;
      if (auto* errors = std::get_if<config::ConfigErrors>(&loaded)) {
        for (const auto& e : *errors) spdlog::error("reload refused: {}", e.message());
        spdlog::warn("reload of {} refused: the running configuration is unchanged", file_.string());
        return;
      }
      apply(std::get<config::Config>(std::move(loaded)));
    });
  });
}

void Reloader::apply(config::Config next) {
  // A new collector is built (not started) before anything changes: its
  // errors refuse the whole reload.
  const bool collector = rde::collector_changed(engine_.config(), next);
  rde::CollectorFeed fresh;
  if (collector) {
    fresh = rde::make_collector(io_, engine_, next);
    if (fresh.error) {
      spdlog::error("reload refused: {}", *fresh.error);
      spdlog::warn("reload of {} refused: the running configuration is unchanged", file_.string());
      return;
    }
  }
  const std::size_t targets = next.collector.targets.size();
  auto r = engine_.reconfigure(std::move(next));
  if (!r.errors.empty()) {
    for (const auto& e : r.errors) spdlog::error("reload refused: {}", e.message());
    spdlog::warn("reload of {} refused: the running configuration is unchanged", file_.string());
    return;
  }
  if (r.plan.empty()) {
    spdlog::info("reload of {}: no change", file_.string());
    return;
  }
  if (collector) {
    if (feed_.pipeline) {
      feed_.pipeline->stop();
      retired_.push_back(std::move(feed_.pipeline));
    }
    feed_ = std::move(fresh);
    rde::start_feed(feed_, targets);
  }
  spdlog::info("reload of {}: {} change(s) applied", file_.string(), r.plan.summary().size());
}

}  // namespace cats
