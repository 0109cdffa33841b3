#include "catsd/metrics_hooks.hpp"

#include "common/metrics/families.hpp"
#include "metric-collector/collector/metrics.hpp"

namespace cats {

std::vector<prometheus::MetricFamily> collect_metrics(const MetricsSources& from) {
  metrics::DaemonState state;
  state.site_series_limit = from.site_series_limit;
  api::v1::ShowNeighborsReply neighbors;
  if (!from.backend->show_neighbors({}, &neighbors)) state.neighbors = std::move(neighbors);
  api::v1::ShowServicesReply services;
  if (!from.backend->show_services({}, &services)) state.services = std::move(services);
  if (from.rib) state.rib = from.rib();
  metrics::Families out;
  metrics::add_daemon_metrics(out, state);
  if (from.collector)
    if (auto snap = from.collector()) collector::add_collector_metrics(out, *snap);
  metrics::add_process_metrics(out);
  return out.take();
}

}  // namespace cats
