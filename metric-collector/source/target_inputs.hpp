// A scraped target's L0 inputs: the engine profile applied to its last good
// scrape (rates against the one before), with freshness made explicit.
#pragma once

#include <vector>

#include "metric-collector/source/extract.hpp"
#include "metric-collector/source/http_scraper.hpp"

namespace cats::source {

// Instance ids are "<target>/<instance>", or "<target>" for a whole-target
// instance. Values come from the last good scrape even when it is old, but
// then every instance is stale and unhealthy: the scorer drains it rather
// than trusting it. No good scrape yet: no instances.
std::vector<InstanceValues> target_inputs(const EngineProfile& profile, const ScrapeTarget& target,
                                          const TargetStatus& status, score::TimePoint now);

}  // namespace cats::source
