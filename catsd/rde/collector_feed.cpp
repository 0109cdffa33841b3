#include "catsd/rde/collector_feed.hpp"

#include <spdlog/spdlog.h>

#include "metric-collector/collector/pipeline.hpp"

namespace cats::rde {

namespace {

std::optional<config::ServiceId> csci_id(const std::string& name) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(name, ec);
  if (!ec) return config::ServiceId{a.is_v4() ? config::ServiceId::Type::kIpv4 : config::ServiceId::Type::kIpv6, name};
  if (!name.empty() && name.size() <= 10 && name.find_first_not_of("0123456789") == std::string::npos &&
      std::stoull(name) <= 0xffffffffULL)
    return config::ServiceId{config::ServiceId::Type::kOpaque, name};
  return std::nullopt;
}

}  // namespace

Engine::MetricsUpdate to_update(const score::Advertisement& ad) {
  Engine::MetricsUpdate u;
  u.why = ad.why;
  u.withdraw = ad.withdraw;
  if (ad.withdraw) return u;
  u.l2 = ad.l2;
  u.l1 = ad.l1;
  u.drain = ad.drain;
  if (!ad.instances.empty()) {
    std::vector<config::Instance> list;
    for (const auto& i : ad.instances) {
      auto id = csci_id(i.instance);
      if (!id) continue;
      list.push_back({*id, static_cast<std::uint8_t>(i.drained ? 0 : i.l2), {}});
    }
    u.instances = std::move(list);
  }
  return u;
}

CollectorFeed make_collector(boost::asio::io_context& io, Engine& engine, const config::Config& cfg) {
  CollectorFeed feed;
  if (cfg.collector.targets.empty()) return feed;
  if (!cfg.global.has_role(config::Role::kEdge)) {
    feed.error = "/cats-bgp:bgp/collector: collector targets need the edge role (global/role)";
    return feed;
  }
  collector::Pipeline::Options opt;
  opt.answers = cfg.collector.first_report_answers;
  opt.on_advertise = [&engine](const std::string& service, const score::Advertisement& ad) {
    auto r = engine.inject(service, to_update(ad));
    if (r.error) spdlog::warn("collector: service {}: {}", service, *r.error);
  };
  auto created = collector::Pipeline::create(io, cfg, std::move(opt));
  if (auto* errors = std::get_if<config::ConfigErrors>(&created)) {
    std::string text;
    for (const auto& e : *errors) text += (text.empty() ? "" : "; ") + e.message();
    feed.error = text;
    return feed;
  }
  feed.pipeline = std::move(std::get<std::unique_ptr<collector::Pipeline>>(created));
  return feed;
}

void start_feed(CollectorFeed& feed, std::size_t targets) {
  if (!feed.pipeline) return;
  feed.pipeline->start();
  spdlog::info("collector: {} targets in process", targets);
}

CollectorFeed start_collector(boost::asio::io_context& io, Engine& engine) {
  auto feed = make_collector(io, engine, engine.config());
  start_feed(feed, engine.config().collector.targets.size());
  return feed;
}

}  // namespace cats::rde
