#include "metric-collector/collector/metrics.hpp"

#include <chrono>
#include <string>

namespace cats::collector {

namespace {

using metrics::Families;
using metrics::Labels;

void add_target(Families& out, const TargetView& t) {
  const Labels who{{"target", t.name}, {"service", t.service}, {"engine", t.engine}};
  const Labels target{{"target", t.name}};
  const bool up = t.answered && !t.stale && t.last_failure == "none";
  out.gauge("cats_collector_target_up", "1 when the target's last scrape succeeded and its data is fresh.", up ? 1 : 0,
            who);
  out.gauge("cats_collector_target_stale", "1 when the target's data is older than its profile's stale-after.",
            t.stale ? 1 : 0, target);
  const auto& c = t.counters;
  out.counter("cats_collector_scrapes_total", "Completed scrape attempts.", static_cast<double>(c.scrapes), target);
  for (std::size_t k = 1; k < source::kFailureKinds; ++k) {
    const auto f = static_cast<source::Failure>(k);
    out.counter("cats_collector_scrape_failures_total", "Failed scrapes by kind.", static_cast<double>(c.failed(f)),
                {{"target", t.name}, {"kind", source::failure_name(f)}});
  }
  out.counter("cats_collector_parse_errors_total", "Malformed exposition lines over all scrapes.",
              static_cast<double>(c.parse_errors), target);
  out.counter("cats_collector_scraped_bytes_total", "Response bodies received.", static_cast<double>(c.bytes), target);
  out.counter("cats_collector_stale_transitions_total", "Times the target's data went stale.",
              static_cast<double>(c.stale_transitions), target);
  out.gauge("cats_collector_scrape_duration_seconds", "Duration of the last good scrape, HTTP and parse.",
            std::chrono::duration<double>(t.last_took).count(), target);
}

void add_service(Families& out, const ServiceView& v, TimePoint at) {
  const Labels svc{{"service", v.service}};
  out.gauge("cats_collector_service_ready", "1 once every target of the service answered: the damper is fed.",
            v.ready ? 1 : 0, svc);
  out.gauge("cats_collector_service_advertise", "1 when the site score says advertise, 0 withdraw.",
            v.site.verdict == score::Verdict::kAdvertise ? 1 : 0, svc);
  if (v.site.verdict == score::Verdict::kAdvertise) {
    out.gauge("cats_collector_site_l2_score", "The site's L2 score before damping (0..10).", v.site.l2.exact, svc);
    for (const auto c : config::kCategories)
      if (const auto& l1 = v.site.l1[config::index(c)])
        out.gauge("cats_collector_site_l1_score", "The site's L1 score of a category before damping (0..10).",
                  l1->exact, {{"service", v.service}, {"category", config::category_name(c)}});
  }
  out.gauge("cats_collector_healthy_instances", "Instances of the site that are healthy.",
            static_cast<double>(v.site.healthy), svc);
  out.gauge("cats_collector_operator_drain", "1 when the configuration drains the service.", v.operator_drain ? 1 : 0,
            svc);
  for (const auto& i : v.instances) {
    if (!i.score.l2) continue;
    out.gauge("cats_collector_instance_l2_score", "An instance's L2 score (0..10).", i.score.l2->exact,
              {{"service", v.service}, {"target", i.target}, {"health", score::health_name(i.score.health)}});
  }
  const auto& d = v.damper;
  if (d.last) {
    out.gauge("cats_collector_advertised_l2_score", "The L2 score advertised last (after damping).", d.last->l2, svc);
    out.gauge("cats_collector_advertised_drain", "1 when the last advertisement set drain.", d.last->drain ? 1 : 0,
              svc);
    out.gauge("cats_collector_advertised_withdraw", "1 when the last advertisement withdrew the service.",
              d.last->withdraw ? 1 : 0, svc);
  }
  if (d.last_sent)
    out.gauge("cats_collector_advertisement_age_seconds", "Time since the last advertisement.",
              std::chrono::duration<double>(at - *d.last_sent).count(), svc);
  if (d.last_sample)
    out.gauge("cats_collector_sample_age_seconds", "Time since the last sample reached the damper.",
              std::chrono::duration<double>(at - *d.last_sample).count(), svc);
  const auto& c = d.counters;
  out.counter("cats_collector_samples_total", "Samples the damper evaluated.", static_cast<double>(c.samples), svc);
  out.counter("cats_collector_advertisements_total", "Advertisements the damper let through.",
              static_cast<double>(c.advertisements), svc);
  const std::pair<const char*, std::uint64_t> suppressed[] = {{"hysteresis", c.suppressed_by_hysteresis},
                                                              {"threshold", c.suppressed_by_threshold},
                                                              {"interval", c.suppressed_by_interval},
                                                              {"hold", c.suppressed_by_hold}};
  for (const auto& [why, n] : suppressed)
    out.counter("cats_collector_suppressed_total", "Evaluations in which a score change was held back, by reason.",
                static_cast<double>(n), {{"service", v.service}, {"reason", why}});
  out.counter("cats_collector_hold_downs_total", "Hold-down periods entered (flap damping).",
              static_cast<double>(c.held_down), svc);
}

}  // namespace

void add_collector_metrics(metrics::Families& out, const Snapshot& s) {
  for (const auto& t : s.targets) add_target(out, t);
  for (const auto& v : s.services) add_service(out, v, s.at);
}

}  // namespace cats::collector
