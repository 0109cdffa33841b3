#include "metric-collector/collector/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/paths/paths.hpp"
#include "metric-collector/score/normalise.hpp"
#include "metric-collector/score/sample.hpp"
#include "metric-collector/source/engine_profile.hpp"
#include "metric-collector/source/procfs.hpp"
#include "metric-collector/source/target_inputs.hpp"

namespace cats::collector {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

const std::string kRoot = "/cats-bgp:bgp/collector";
constexpr std::string_view kProcfs = "procfs";
// procfs needs two reads for a CPU rate; the second comes this soon after start.
constexpr milliseconds kProcfsFirstRate{200};

std::string target_path(const std::string& name) {
  return kRoot + "/target[name='" + name + "']";
}

std::string ms_text(std::chrono::nanoseconds d) {
  return std::to_string(std::chrono::duration_cast<milliseconds>(d).count()) + " ms";
}

}  // namespace

struct Pipeline::Target {
  config::CollectorTarget cfg;
  std::size_t service = 0;
  const source::EngineProfile* engine = nullptr;  // null: procfs
  std::unique_ptr<source::HttpScraper> scraper;
  // procfs
  std::unique_ptr<source::ProcfsSource> procfs;
  std::unique_ptr<asio::steady_timer> timer;
  std::optional<source::HostSample> host;
  source::ScrapeCounters host_counters;
  source::Failure logged = source::Failure::kNone;  // last failure kind logged, to log changes only

  bool answered(unsigned answers) const {
    return scraper ? scraper->status().counters.scrapes >= answers : host_counters.scrapes >= answers + 1;
  }
};

struct Pipeline::Service {
  config::Service cfg;
  score::Profile profile;
  score::Rules rules;
  score::Damper damper;
  std::vector<std::size_t> targets;
  std::unique_ptr<asio::steady_timer> due;
  bool ready = false;
};

struct Pipeline::Data {
  source::ProfileSet engines;  // targets point into it: filled once, never resized
  std::vector<Target> targets;
  std::vector<Service> services;
};

std::string default_engine_profiles() {
  return paths::engine_profiles().string();
}

Pipeline::Pipeline(Options options) : options_(std::move(options)), d_(std::make_unique<Data>()) {}

Pipeline::~Pipeline() {
  // Cancelling the timers may throw; a destructor must not.
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::error("collector: stop: {}", e.what());
  }
}

std::variant<std::unique_ptr<Pipeline>, config::ConfigErrors> Pipeline::create(asio::io_context& io,
                                                                               const config::Config& cfg,
                                                                               Options options) {
  config::ConfigErrors errors;
  std::string file = options.engine_profiles;
  std::string file_path = "--profiles";
  if (file.empty() && !cfg.collector.engine_profiles.empty()) {
    file = cfg.collector.engine_profiles;
    file_path = kRoot + "/engine-profiles";
  }
  if (file.empty()) file = default_engine_profiles();
  const bool any_engine = std::any_of(cfg.collector.targets.begin(), cfg.collector.targets.end(),
                                      [](const auto& t) { return t.engine != kProcfs; });
  std::unique_ptr<Pipeline> p{new Pipeline(std::move(options))};
  if (any_engine) {
    auto loaded = source::load_profiles_file(file);
    for (const auto& e : loaded.errors) errors.push_back({file_path, file + e.path + ": " + e.reason});
    p->d_->engines = std::move(loaded.profiles);
  }
  if (cfg.collector.targets.empty()) errors.push_back({kRoot + "/target", "no target configured"});

  for (const auto& s : cfg.services) {
    Service svc{s, {}, {}, score::Damper{cfg.damper}, {}, std::make_unique<asio::steady_timer>(io), false};
    if (const score::Profile* prof = cfg.profile(s.profile)) {
      svc.profile = *prof;
    } else {
      svc.profile = score::default_profile(0);  // profile 0: "unspecified" on the wire
    }
    svc.rules = score::rules_for(svc.profile, s.name);
    p->d_->services.push_back(std::move(svc));
  }
  for (const auto& t : cfg.collector.targets) {
    Target target;
    target.cfg = t;
    const auto svc = std::find_if(p->d_->services.begin(), p->d_->services.end(),
                                  [&](const Service& s) { return s.cfg.name == t.service; });
    if (svc == p->d_->services.end()) {
      errors.push_back({target_path(t.name) + "/service", "no service " + t.service});
      continue;
    }
    target.service = static_cast<std::size_t>(svc - p->d_->services.begin());
    if (t.engine == kProcfs) {
      target.procfs = std::make_unique<source::ProcfsSource>(t.instance_id ? t.instance_id->value : t.name);
      target.timer = std::make_unique<asio::steady_timer>(io);
    } else {
      target.engine = p->d_->engines.find(t.engine);
      if (!target.engine) {
        if (!p->d_->engines.engines.empty()) {
          std::string known;
          for (const auto& e : p->d_->engines.engines) known += (known.empty() ? "" : ", ") + e.name;
          std::string reason = "unknown engine \"" + t.engine + "\" (";
          reason.append(file).append(" has ").append(known).append("; or procfs)");
          errors.push_back({target_path(t.name) + "/engine", std::move(reason)});
        }
        continue;
      }
      auto url = config::parse_http_url(t.url);
      if (!url) {
        errors.push_back({target_path(t.name) + "/url", "not an http://host[:port][/path] URL: " + t.url});
        continue;
      }
      source::ScrapeTarget st;
      st.name = t.name;
      st.host = url->host;
      st.port = url->port;
      st.path = url->path;
      st.interval = t.interval;
      st.timeout = t.timeout;
      st.staleness = t.stale_after;
      const std::size_t index = p->d_->targets.size();
      Pipeline* self = p.get();
      target.scraper = std::make_unique<source::HttpScraper>(
          io, std::move(st), [self, index](const source::HttpScraper&) { self->on_target(index); });
    }
    svc->targets.push_back(p->d_->targets.size());
    p->d_->targets.push_back(std::move(target));
  }
  if (!errors.empty()) return errors;
  return p;
}

void Pipeline::start() {
  if (!stopped_) return;
  stopped_ = false;
  for (std::size_t i = 0; i < d_->targets.size(); ++i) {
    Target& t = d_->targets[i];
    if (t.scraper) {
      t.scraper->start();
      continue;
    }
    // procfs: a first read now (memory), the CPU rate from the second.
    t.host = t.procfs->sample();
    ++t.host_counters.scrapes;
    ++t.host_counters.good;
    const auto tick = [this, i](auto& self, milliseconds after) -> void {
      Target& target = d_->targets[i];
      target.timer->expires_after(after);
      target.timer->async_wait([this, i, self](const boost::system::error_code& ec) {
        if (ec || stopped_) return;
        Target& t = d_->targets[i];
        t.host = t.procfs->sample();
        ++t.host_counters.scrapes;
        if (t.host->stat_ok || t.host->meminfo_ok) ++t.host_counters.good;
        self(self, t.cfg.interval);
        on_target(i);
      });
    };
    tick(tick, std::min(kProcfsFirstRate, t.cfg.interval));
  }
}

void Pipeline::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (Target& t : d_->targets) {
    if (t.scraper) t.scraper->stop();
    if (t.timer) t.timer->cancel();
  }
  for (Service& s : d_->services) s.due->cancel();
}

bool Pipeline::all_answered() const {
  return std::all_of(d_->targets.begin(), d_->targets.end(),
                     [&](const Target& t) { return t.answered(options_.answers); });
}

void Pipeline::on_target(std::size_t target) {
  if (stopped_) return;
  const auto now = score::Clock::now();
  Target& t = d_->targets[target];
  if (t.scraper) {
    // A failing endpoint is logged when it starts and stops failing, not every interval.
    const source::TargetStatus& st = t.scraper->status();
    if (st.last_failure != t.logged) {
      if (st.last_failure == source::Failure::kNone) {
        spdlog::info("target {}: answering again", t.cfg.name);
      } else {
        spdlog::warn("target {}: {}: {}", t.cfg.name, source::failure_name(st.last_failure), st.last_error);
      }
      t.logged = st.last_failure;
    }
  }
  evaluate(t.service, now);
  if (!all_answered_reported_ && all_answered()) {
    all_answered_reported_ = true;
    if (options_.on_all_answered) options_.on_all_answered();
  }
}

void Pipeline::evaluate(std::size_t service, TimePoint now) {
  Service& s = d_->services[service];
  // The first advertisement waits for every target: a partial site would
  // announce a score the next scrape takes back.
  if (!s.ready) {
    s.ready = std::all_of(s.targets.begin(), s.targets.end(),
                          [&](std::size_t t) { return d_->targets[t].answered(options_.answers); });
    if (!s.ready) return;
  }
  const ServiceView v = compute(s, now);
  if (auto ad = s.damper.update(now, score::to_sample(v.site, s.cfg.metrics.drain))) {
    ad->why = why(v, *ad);
    if (options_.on_advertise) options_.on_advertise(s.cfg.name, *ad);
  }
  arm_due(service);
}

// For the logs: why a site retreats (withdraw, drain, a score of 0), from
// its instances' reasons; empty for other changes.
std::string Pipeline::why(const ServiceView& v, const score::Advertisement& ad) {
  const bool retreat = ad.withdraw || ad.drain || ad.reason == score::Reason::kZero;
  if (!retreat) return {};
  std::string out = std::string(score::reason_name(ad.reason));
  if (ad.drain && v.operator_drain) out += ": drained by configuration";
  std::string parts;
  std::size_t shown = 0;
  for (const auto& i : v.instances) {
    if (i.reason.empty()) continue;
    if (shown++ == 4) {
      parts += "; ...";
      break;
    }
    parts += (parts.empty() ? "" : "; ") + i.score.instance + " " + i.reason;
  }
  if (!parts.empty()) out += ": " + parts;
  return out;
}

// A change held back by min-interval or hold-down goes out on time, not at the next scrape.
void Pipeline::arm_due(std::size_t service) {
  Service& s = d_->services[service];
  const auto when = s.damper.next_due();
  if (!when) {
    s.due->cancel();
    return;
  }
  s.due->expires_at(*when);
  s.due->async_wait([this, service](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    Service& svc = d_->services[service];
    if (auto ad = svc.damper.due(score::Clock::now())) {
      if (options_.on_advertise) options_.on_advertise(svc.cfg.name, *ad);
    }
    arm_due(service);
  });
}

ServiceView Pipeline::compute(const Service& s, TimePoint now) const {
  ServiceView v;
  v.service = s.cfg.name;
  v.operator_drain = s.cfg.metrics.drain;
  v.ready = s.ready;
  std::vector<score::InstanceScore> scores;
  for (std::size_t ti : s.targets) {
    const Target& t = d_->targets[ti];
    std::vector<source::InstanceValues> values;
    std::string reason;
    if (t.scraper) {
      const source::TargetStatus& st = t.scraper->status();
      values = source::target_inputs(*t.engine, t.scraper->target(), st, now);
      if (!st.last_good) {
        // Never answered well: one placeholder instance, down, with the failure.
        source::InstanceValues iv;
        iv.l0.instance = t.cfg.instance_id ? t.cfg.instance_id->value : t.cfg.name;
        iv.l0.healthy = false;
        values.push_back(std::move(iv));
        reason = st.counters.scrapes == 0 ? "no answer yet"
                                          : std::string(source::failure_name(st.last_failure)) + ": " + st.last_error;
      } else if (now - st.last_good->at > t.cfg.stale_after) {
        reason = "no good scrape for " + ms_text(now - st.last_good->at) + " (stale-after " +
                 ms_text(t.cfg.stale_after) + "), last " + source::failure_name(st.last_failure) + ": " + st.last_error;
      }
      // With an instance id the target's instances take its name.
      if (t.cfg.instance_id && st.last_good) {
        for (auto& iv : values) {
          std::string_view rest = iv.l0.instance;
          rest.remove_prefix(std::min(rest.size(), t.cfg.name.size()));
          iv.l0.instance = values.size() == 1 ? t.cfg.instance_id->value : t.cfg.instance_id->value + std::string{rest};
        }
      }
      // Stale data is reported as stale (health), not as a dead endpoint.
      for (auto& iv : values) {
        if (iv.l0.stale) iv.l0.healthy = true;
      }
    } else if (t.host) {
      source::InstanceValues iv;
      iv.l0 = t.host->l0;
      iv.l0.healthy = t.host->stat_ok || t.host->meminfo_ok;
      iv.l0.stale = now - iv.l0.sampled > t.cfg.stale_after;
      if (!iv.l0.healthy) reason = "cannot read /proc/stat or /proc/meminfo";
      values.push_back(std::move(iv));
    }
    for (auto& iv : values) {
      score::InstanceScore sc = score::normalise(s.rules, iv.l0);
      if (t.cfg.capacity) sc.capacity = t.cfg.capacity;
      scores.push_back(sc);
      v.instances.push_back({t.cfg.name, std::move(iv.l0), std::move(iv.extra), std::move(sc), reason});
    }
  }
  v.site = score::aggregate_site(s.rules, s.profile.id, std::move(scores), now);
  for (std::size_t i = 0; i < v.instances.size(); ++i) {
    InstanceView& iv = v.instances[i];
    iv.score = v.site.instances[i];
    if (iv.score.health == score::Health::kHealthy) {
      iv.reason.clear();
    } else if (iv.reason.empty()) {
      switch (iv.score.health) {
        case score::Health::kNoData: iv.reason = "no input of the profile had a value"; break;
        case score::Health::kStale: iv.reason = "sample older than the profile's stale-after"; break;
        case score::Health::kDown: iv.reason = "endpoint down"; break;
        case score::Health::kDrained: iv.reason = "no capacity"; break;
        case score::Health::kHealthy: break;
      }
    }
  }
  v.damper = s.damper.state();
  return v;
}

Snapshot Pipeline::snapshot(TimePoint now) const {
  Snapshot out;
  out.at = now;
  for (const Target& t : d_->targets) {
    TargetView tv;
    tv.name = t.cfg.name;
    tv.service = t.cfg.service;
    tv.engine = t.cfg.engine;
    tv.url = t.cfg.url;
    tv.answered = t.answered(options_.answers);
    if (t.scraper) {
      const source::TargetStatus& st = t.scraper->status();
      tv.stale = t.scraper->stale(now);
      tv.counters = st.counters;
      tv.last_failure = source::failure_name(st.last_failure);
      tv.last_error = st.last_error;
      if (st.last_good) tv.last_took = st.last_good->took;
    } else {
      tv.stale = !t.host || now - t.host->l0.sampled > t.cfg.stale_after;
      tv.counters = t.host_counters;
      tv.last_failure = "none";
    }
    out.targets.push_back(std::move(tv));
  }
  for (const Service& s : d_->services) {
    if (!s.targets.empty()) out.services.push_back(compute(s, now));  // others keep configured metrics
  }
  return out;
}

Snapshot Pipeline::snapshot() const {
  return snapshot(score::Clock::now());
}

}  // namespace cats::collector
