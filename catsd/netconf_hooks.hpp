// What the NETCONF server asks of the daemon, through the same calls as
// catsctl (so both say the same thing): the operational state of cats-bgp
// (its config false nodes: neighbors' sessions, originated services, the
// CATS selection) as RFC 7951 JSON for <get>, and the model's RPCs
// (clear-neighbor, inject-metrics). Called on the NETCONF server's thread;
// the calls wait for the RIB thread.
#pragma once

#include <string>

#include "catsd/api/api_backend.hpp"
#include "catsd/netconf/server.hpp"

namespace cats {

std::string netconf_state(api::ApiBackend& backend);

netconf::RpcResult netconf_rpc(api::ApiBackend& backend, const std::string& op, const netconf::Leaves& input);

}  // namespace cats
