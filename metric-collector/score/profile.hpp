// The operator's scoring profile, as score uses it. The profile is
// configuration: its types live in the model (yang/config/scoring.hpp).
#pragma once

#include "metric-collector/score/inputs.hpp"
#include "yang/config/scoring.hpp"

namespace cats::score {

using config::Combine;
using config::combine_name;
using config::Curve;
using config::curve_name;
using config::default_profile;
using config::InputRule;
using config::Profile;
using config::Rules;
using config::rules_for;
using config::ServiceOverride;
using config::site_aggregation_name;
using config::SiteAggregation;

}  // namespace cats::score
