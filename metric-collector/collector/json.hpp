// The JSON forms of cats-collector's output (contract: docs/COLLECTOR.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "metric-collector/collector/pipeline.hpp"

namespace cats::collector {

// One advertisement as it goes to the edge role (or a remote catsd).
nlohmann::ordered_json advertisement_json(const Advertisement& ad);
// The whole state: targets, and per service instances, site, damper, advertisement.
nlohmann::ordered_json snapshot_json(const Snapshot& s);

}  // namespace cats::collector
