// What /metrics asks of the daemon, through the same calls as catsctl and
// NETCONF: show neighbors and show services (the API backend, which waits
// for the session and RIB threads with a deadline), the RIB's size and the
// in-process collector's snapshot (read on the RIB thread). Called on the
// metrics endpoint's thread, at most once per cache period.
#pragma once

#include <prometheus/metric_family.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "catsd/api/api_backend.hpp"
#include "catsd/metrics/daemon_metrics.hpp"
#include "metric-collector/collector/pipeline.hpp"

namespace cats {

struct MetricsSources {
  api::ApiBackend* backend = nullptr;
  std::function<std::optional<metrics::RibSummary>()> rib;        // nullopt: no answer in time
  std::function<std::optional<collector::Snapshot>()> collector;  // nullopt: no in-process collector
  std::size_t site_series_limit = 20'000;                         // metrics/site-series-limit
};

std::vector<prometheus::MetricFamily> collect_metrics(const MetricsSources& from);

}  // namespace cats
