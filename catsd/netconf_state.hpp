// The operational state of cats-bgp (its config false nodes: neighbors'
// sessions, originated services, the CATS selection) for NETCONF <get>, as
// RFC 7951 JSON built from the same calls as catsctl show (so both say the
// same thing). Called on the NETCONF server's thread; the calls wait for the
// RIB thread.
#pragma once

#include <string>

#include "catsd/api/api_backend.hpp"

namespace cats {

std::string netconf_state(api::ApiBackend& backend);

}  // namespace cats
