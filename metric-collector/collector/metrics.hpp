// The collector's metric families, from a pipeline Snapshot: per target its
// scrapes, failures by kind, last duration and staleness; per service the
// site score, healthy instances and the damper's advertisements and
// suppressions. Served by cats-collector and, for the in-process collector,
// by catsd.
#pragma once

#include "common/metrics/families.hpp"
#include "metric-collector/collector/pipeline.hpp"

namespace cats::collector {

void add_collector_metrics(metrics::Families& out, const Snapshot& s);

}  // namespace cats::collector
