// The damper's settings are configuration (yang/config/scoring.hpp).
#pragma once

#include "yang/config/scoring.hpp"

namespace cats::score {

using config::DamperConfig;

}  // namespace cats::score
