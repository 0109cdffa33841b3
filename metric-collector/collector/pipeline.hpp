// The collector pipeline: scrape every configured target on a caller's
// io_context, turn pages into L0 inputs (engine profiles), score them with the
// service's profile, aggregate per site and damp per service. Each
// advertisement the damper lets through goes to on_advertise, so the same
// class runs in cats-collector and in the edge role of catsd.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "metric-collector/score/aggregate.hpp"
#include "metric-collector/score/damper.hpp"
#include "metric-collector/source/http_scraper.hpp"
#include "yang/config/config.hpp"

namespace boost::asio {
class io_context;
}

namespace cats::collector {

using score::Advertisement;
using score::TimePoint;

// A target as seen now (for the snapshot and logs).
struct TargetView {
  std::string name;
  std::string service;
  std::string engine;
  std::string url;        // empty for procfs
  bool answered = false;  // attempted Options::answers times (procfs: one more, for the CPU rate)
  bool stale = true;
  source::ScrapeCounters counters;  // procfs: scrapes and good only
  std::string last_failure;         // "none", "connect", ...
  std::string last_error;
  std::chrono::microseconds last_took{};  // of the last good scrape, HTTP and parse
};

struct InstanceView {
  std::string target;
  score::L0Inputs l0;
  std::vector<std::pair<std::string, double>> extra;
  score::InstanceScore score;  // health after the site's staleness check
  std::string reason;          // why it is not healthy; empty when it is
};

struct ServiceView {
  std::string service;
  bool operator_drain = false;  // services/service/metrics/drain: the D flag
  bool ready = false;           // every target answered: the damper is fed
  std::vector<InstanceView> instances;
  score::SiteScore site;  // site.instances: the scores of `instances`, same order
  score::DamperState damper;
};

struct Snapshot {
  TimePoint at{};
  std::vector<TargetView> targets;
  std::vector<ServiceView> services;
};

class Pipeline {
 public:
  // Runs on the io_context's thread, once per advertisement the damper sends.
  using OnAdvertise = std::function<void(const std::string& service, const Advertisement& ad)>;

  struct Options {
    std::string engine_profiles;  // overrides collector/engine-profiles; both empty: default_engine_profiles()
    OnAdvertise on_advertise;
    std::function<void()> on_all_answered;  // once, when every target has answered (or failed) `answers` times
    // Answers (good or failed) every target gives before the first evaluation;
    // 2 lets rates (latency histograms, CPU counters) exist in the first advertisement.
    unsigned answers = 1;
  };

  // Errors name configuration paths (engine names, the profiles file), like load_config's.
  static std::variant<std::unique_ptr<Pipeline>, config::ConfigErrors> create(boost::asio::io_context& io,
                                                                              const config::Config& cfg,
                                                                              Options options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void start();  // scrapes now, then every target's interval
  void stop();   // cancels scrapes and timers; no callback after it returns

  bool all_answered() const;
  Snapshot snapshot(TimePoint now) const;
  Snapshot snapshot() const;

  struct Target;
  struct Service;

 private:
  explicit Pipeline(Options options);
  void on_target(std::size_t target);
  void evaluate(std::size_t service, TimePoint now);
  void arm_due(std::size_t service);
  ServiceView compute(const Service& s, TimePoint now) const;
  static std::string why(const ServiceView& v, const score::Advertisement& ad);

  Options options_;
  struct Data;
  std::unique_ptr<Data> d_;
  bool all_answered_reported_ = false;
  bool stopped_ = true;
};

// The engines.json installed with catsd: share/catsd/engines.json of the
// running binary's prefix, or $CATSD_DATA_DIR/engines.json (common/paths).
std::string default_engine_profiles();

}  // namespace cats::collector
