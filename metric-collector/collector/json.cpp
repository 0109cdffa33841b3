#include "metric-collector/collector/json.hpp"

#include <chrono>

namespace cats::collector {
namespace {

using json = nlohmann::ordered_json;

json score_json(const std::optional<score::Score>& s) {
  if (!s) return nullptr;
  return {{"exact", s->exact}, {"points", s->points}};
}

json l1_json(const score::L1Scores& l1) {
  json out = json::object();
  for (auto c : score::kCategories) {
    if (l1[score::index(c)]) out[score::category_name(c)] = score_json(l1[score::index(c)]);
  }
  return out;
}

// L0 values with their units; absent inputs are left out (missing, never guessed).
json l0_json(const score::L0Inputs& in) {
  json out = json::object();
  const auto put = [&](const char* name, const std::optional<double>& v, const char* unit) {
    if (v) out[name] = {{"value", *v}, {"unit", unit}};
  };
  put("queued", in.queued, "requests");
  put("running", in.running, "requests");
  put("max_concurrent", in.max_concurrent, "requests");
  put("memory", in.memory, "ratio");
  put("accelerator", in.accelerator, "ratio");
  put("cpu", in.cpu, "ratio");
  put("latency", in.latency, "seconds");
  return out;
}

std::int64_t ms_between(score::TimePoint from, score::TimePoint to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

json damper_json(const score::DamperState& d, score::TimePoint now) {
  const auto& c = d.counters;
  json out = {
      {"smoothed_l2", d.l2.value() ? json(*d.l2.value()) : json(nullptr)},
      {"held_down", d.hold_until.has_value() && *d.hold_until > now},
      {"pending_in_ms", d.pending ? json(ms_between(now, *d.pending)) : json(nullptr)},
      {"last_sent_ms_ago", d.last_sent ? json(ms_between(*d.last_sent, now)) : json(nullptr)},
      {"counters",
       {{"samples", c.samples},
        {"advertisements", c.advertisements},
        {"bypasses", c.bypasses},
        {"suppressed_by_hysteresis", c.suppressed_by_hysteresis},
        {"suppressed_by_threshold", c.suppressed_by_threshold},
        {"suppressed_by_interval", c.suppressed_by_interval},
        {"suppressed_by_hold", c.suppressed_by_hold},
        {"held_down", c.held_down}}},
  };
  return out;
}

// What the edge advertises now: the last advertisement sent; before any was
// sent, a site with no healthy instance is withdrawn (nothing goes on the wire).
json advertise_json(const ServiceView& v) {
  if (v.damper.last) {
    json out = advertisement_json(*v.damper.last);
    out["sent"] = true;
    return out;
  }
  if (v.damper.current && v.damper.current->withdraw) {
    return {{"withdraw", true},
            {"drain", false},
            {"l2", nullptr},
            {"l1", json::object()},
            {"instances", json::array()},
            {"sequence", nullptr},
            {"profile_id", v.site.profile_id},
            {"reason", "withdraw"},
            {"sent", false}};
  }
  return nullptr;
}

}  // namespace

json advertisement_json(const Advertisement& ad) {
  json l1 = json::object();
  for (auto c : score::kCategories) {
    if (ad.l1[score::index(c)]) l1[score::category_name(c)] = *ad.l1[score::index(c)];
  }
  json instances = json::array();
  for (const auto& i : ad.instances) instances.push_back({{"id", i.instance}, {"l2", i.l2}, {"drained", i.drained}});
  return {{"withdraw", ad.withdraw},
          {"drain", ad.drain},
          {"l2", ad.withdraw ? json(nullptr) : json(ad.l2)},
          {"l1", std::move(l1)},
          {"instances", std::move(instances)},
          {"sequence", ad.sequence},
          {"profile_id", ad.profile_id},
          {"interval", ad.interval},
          {"reason", score::reason_name(ad.reason)}};
}

json snapshot_json(const Snapshot& s) {
  json targets = json::array();
  for (const auto& t : s.targets) {
    json failures = json::object();
    for (std::size_t k = 1; k < source::kFailureKinds; ++k) {
      if (t.counters.failures[k])
        failures[source::failure_name(static_cast<source::Failure>(k))] = t.counters.failures[k];
    }
    targets.push_back({{"name", t.name},
                       {"service", t.service},
                       {"engine", t.engine},
                       {"url", t.url.empty() ? json(nullptr) : json(t.url)},
                       {"answered", t.answered},
                       {"stale", t.stale},
                       {"scrapes", t.counters.scrapes},
                       {"good", t.counters.good},
                       {"failures", std::move(failures)},
                       {"parse_errors", t.counters.parse_errors},
                       {"bytes", t.counters.bytes},
                       {"last_failure", t.last_failure},
                       {"last_error", t.last_error},
                       {"last_scrape_us", t.last_took.count()}});
  }
  json services = json::array();
  for (const auto& v : s.services) {
    json instances = json::array();
    for (const auto& i : v.instances) {
      json extra = json::object();
      for (const auto& [name, value] : i.extra) extra[name] = value;
      json invalid = json::array();
      for (auto in : i.score.invalid) invalid.push_back(score::input_name(in));
      instances.push_back(
          {{"id", i.l0.instance},
           {"target", i.target},
           {"health", score::health_name(i.score.health)},
           {"reason", i.reason.empty() ? json(nullptr) : json(i.reason)},
           {"drained", i.score.drained()},
           {"l0", l0_json(i.l0)},
           {"extra", std::move(extra)},
           {"invalid", std::move(invalid)},
           {"capacity", i.score.capacity ? json(*i.score.capacity) : json(nullptr)},
           {"age_ms", i.l0.sampled == score::TimePoint{} ? json(nullptr) : json(ms_between(i.l0.sampled, s.at))},
           {"l1", l1_json(i.score.l1)},
           {"l2", score_json(i.score.l2)}});
    }
    const bool up = v.site.verdict == score::Verdict::kAdvertise;
    services.push_back({{"service", v.service},
                        {"profile_id", v.site.profile_id},
                        {"ready", v.ready},
                        {"instances", std::move(instances)},
                        {"site",
                         {{"verdict", score::verdict_name(v.site.verdict)},
                          {"healthy", v.site.healthy},
                          {"operator_drain", v.operator_drain},
                          {"l2", up ? score_json(v.site.l2) : json(nullptr)},
                          {"l1", up ? l1_json(v.site.l1) : json::object()}}},
                        {"damper", damper_json(v.damper, s.at)},
                        {"advertise", advertise_json(v)}});
  }
  return {{"targets", std::move(targets)}, {"services", std::move(services)}};
}

}  // namespace cats::collector
