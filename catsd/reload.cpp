#include "catsd/reload.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <fstream>
#include <future>
#include <sstream>
#include <utility>
#include <variant>

#include "catsd/rde/origination.hpp"
#include "catsd/rde/reconfig_plan.hpp"
#include "common/service/notify.hpp"
#include "metric-collector/collector/pipeline.hpp"
#include "yang/loader/load.hpp"

namespace cats {

namespace {

// How long a NETCONF commit waits for the RIB thread.
constexpr std::chrono::seconds kApplyWait{30};

loader::LoadResult checked(loader::LoadResult loaded) {
  if (auto* cfg = std::get_if<config::Config>(&loaded))
    if (auto errors = rde::check_origination(*cfg); !errors.empty()) return errors;
  return loaded;
}

// Written next to the file, then renamed over it: never half a file.
std::optional<std::string> write_atomically(const std::filesystem::path& file, const std::string& text) {
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return "cannot write " + tmp.string();
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) return "cannot replace " + file.string() + ": " + ec.message();
  return std::nullopt;
}

}  // namespace

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

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
  service::notify_reloading();             // until READY=1, applied or refused
  if (reader_.joinable()) reader_.join();  // the previous reading, finished
  spdlog::info("SIGHUP: reading {}", file_.string());
  reader_ = std::thread([this] {
    auto loaded = checked(loader::load_config(file_, yang_dir_));
    std::string text = read_text(file_);
    boost::asio::post(io_, [this, loaded = std::move(loaded), text = std::move(text)]() mutable {
      reading_ = false;
      if (auto* errors = std::get_if<config::ConfigErrors>(&loaded)) {
        for (const auto& e : *errors) spdlog::error("reload refused: {}", e.message());
        spdlog::warn("reload of {} refused: the running configuration is unchanged", file_.string());
        service::notify_ready();
        return;
      }
      apply(std::get<config::Config>(std::move(loaded)), text, "reload of " + file_.string());
      service::notify_ready();
    });
  });
}

config::ConfigErrors Reloader::check(const std::string& json) const {
  auto loaded = checked(loader::load_config_text(json, yang_dir_, "NETCONF"));
  if (auto* errors = std::get_if<config::ConfigErrors>(&loaded)) return *errors;
  return {};
}

config::ConfigErrors Reloader::commit(const std::string& json) {
  auto loaded = checked(loader::load_config_text(json, yang_dir_, "NETCONF"));
  if (auto* errors = std::get_if<config::ConfigErrors>(&loaded)) return *errors;
  auto done = std::make_shared<std::promise<config::ConfigErrors>>();
  auto outcome = done->get_future();
  boost::asio::post(io_, [this, done, json, cfg = std::get<config::Config>(std::move(loaded))]() mutable {
    done->set_value(apply(std::move(cfg), json, "NETCONF commit"));
  });
  if (outcome.wait_for(kApplyWait) != std::future_status::ready)
    return {{"/cats-bgp:bgp", "catsd did not apply the change within " + std::to_string(kApplyWait.count()) + " s"}};
  auto errors = outcome.get();
  if (!errors.empty()) return errors;
  if (auto err = write_atomically(file_, json))
    spdlog::error("NETCONF commit applied but not saved: {}", *err);
  else
    spdlog::info("NETCONF commit saved to {}", file_.string());
  return {};
}

config::ConfigErrors Reloader::apply(config::Config next, const std::string& text, const std::string& origin) {
  const auto refused = [&](const config::ConfigErrors& errors) {
    for (const auto& e : errors) spdlog::error("{} refused: {}", origin, e.message());
    spdlog::warn("{} refused: the running configuration is unchanged", origin);
    return errors;
  };
  // A new collector is built (not started) before anything changes: its
  // errors refuse the whole change.
  const bool collector = rde::collector_changed(engine_.config(), next);
  rde::CollectorFeed fresh;
  if (collector) {
    fresh = rde::make_collector(io_, engine_, next);
    if (fresh.error) return refused({{"/cats-bgp:bgp/collector", *fresh.error}});
  }
  const std::size_t targets = next.collector.targets.size();
  auto r = engine_.reconfigure(std::move(next));
  if (!r.errors.empty()) return refused(r.errors);
  if (r.plan.empty()) {
    spdlog::info("{}: no change", origin);
    return {};
  }
  if (collector) {
    if (feed_.pipeline) {
      feed_.pipeline->stop();
      retired_.push_back(std::move(feed_.pipeline));
    }
    feed_ = std::move(fresh);
    rde::start_feed(feed_, targets);
  }
  spdlog::info("{}: {} change(s) applied", origin, r.plan.summary().size());
  if (on_applied_) on_applied_(text, engine_.config());
  return {};
}

}  // namespace cats
