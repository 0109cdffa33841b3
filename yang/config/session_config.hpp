// From configuration to what the session engine takes for one neighbor.
#pragma once

#include "config/config.hpp"
#include "session/fsm.hpp"
#include "session/negotiate.hpp"

namespace cats::config {

// Our OPEN towards `n`. The CATS capability is offered when CATS is sent or
// received on the session.
session::LocalConfig to_local_config(const Config& cfg, const Neighbor& n);
session::FsmConfig to_fsm_config(const Neighbor& n);

}  // namespace cats::config
