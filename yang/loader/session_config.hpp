// From configuration to what the session engine takes for one neighbor.
#pragma once

#include <string>
#include <variant>

#include "bgp-ext/session/fsm.hpp"
#include "bgp-ext/session/negotiate.hpp"
#include "bgp-ext/session/peer.hpp"
#include "yang/config/config.hpp"

namespace cats::loader {

// Our OPEN towards `n`. The CATS capability is offered when CATS is sent or
// received on the session.
session::LocalConfig to_local_config(const config::Config& cfg, const config::Neighbor& n);
session::FsmConfig to_fsm_config(const config::Neighbor& n);
// Everything a session::Peer takes for `n`; an error names what does not parse.
std::variant<session::PeerConfig, std::string> to_peer_config(const config::Config& cfg, const config::Neighbor& n);

}  // namespace cats::loader
