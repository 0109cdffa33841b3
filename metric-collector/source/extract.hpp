// Applies an engine profile to a parsed scrape: per contact instance, the L0
// inputs the profile names. Rates need the previous scrape of the same target.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "metric-collector/prom/exposition.hpp"
#include "metric-collector/score/inputs.hpp"
#include "metric-collector/source/engine_profile.hpp"

namespace cats::source {

struct InstanceValues {
  score::L0Inputs l0;                                 // instance = the grouping label's value ("" : the whole target)
  std::vector<std::pair<std::string, double>> extra;  // input "extra" rules, by name
};

// Instances sorted by name. An input whose metric is absent, non-finite, or
// needs a rate without a previous scrape (or dt <= 0) stays nullopt: missing,
// never guessed. l0.sampled and l0.stale are the caller's.
std::vector<InstanceValues> extract(const EngineProfile& profile, const prom::ParseResult& now,
                                    const prom::ParseResult* previous, double dt_seconds);

}  // namespace cats::source
