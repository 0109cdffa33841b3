// Route reflection (RFC 4456): loop checks on receipt, the attributes a
// reflector adds, and which peers a route goes to.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bgp-ext/wire/path_attributes.hpp"
#include "rib-adapter/rib/path.hpp"

namespace cats::rib {

enum class ReflectionLoop : std::uint8_t {
  kNone,
  kOriginatorIsUs,    // ORIGINATOR_ID is our router id
  kClusterListHasUs,  // our CLUSTER_ID is in CLUSTER_LIST
};

// RFC 4456 §8: a path that fails is ignored. With our_cluster_id (the cluster
// id, or the router id when none is configured) CLUSTER_LIST is checked too;
// catsd checks it on every iBGP session, as FRR does, not only as a reflector.
ReflectionLoop reflection_loop(const PathInfo& path, RouterId our_router_id, std::optional<ClusterId> our_cluster_id);
// The same from the attributes of a received UPDATE.
ReflectionLoop reflection_loop(const wire::AttributeSet& attrs, RouterId our_router_id,
                               std::optional<ClusterId> our_cluster_id);

// RFC 4271 §9.1.2: an eBGP path whose AS_PATH (merged with AS4_PATH) holds
// our AS is a loop; iBGP paths are checked by reflection_loop.
bool as_path_loop(const wire::AttributeSet& attrs, std::uint32_t our_as);

// RFC 4456 §8 for reflecting an iBGP-learned path to an iBGP peer: an
// ORIGINATOR_ID (the router id of the peer the path came from) when there is
// none, and CLUSTER_LIST with our cluster id prepended. These are the only
// changes: NEXT_HOP, AS_PATH, LOCAL_PREF, MED and everything else stay as they
// are. Each returned attribute replaces the one of its type, or is added.
std::vector<wire::Attribute> reflect_attributes(const wire::AttributeSet& attrs, RouterId from_router_id,
                                                ClusterId our_cluster_id);

// Where a path came from and where it may go.
enum class Neighbor : std::uint8_t {
  kLocal,           // originated here (as a source only)
  kExternal,        // eBGP
  kConfedExternal,  // eBGP inside our confederation
  kClient,          // iBGP, our route reflection client
  kNonClient,       // iBGP, not a client (every iBGP peer of a speaker that is not a reflector)
};

enum class Advertise : std::uint8_t {
  kNo,
  kYes,      // the usual advertisement
  kReflect,  // iBGP to iBGP: with reflect_attributes
};

// RFC 4271 §9.2 and RFC 4456 §6: from a client to everyone (to other clients
// unless client-to-client reflection is off, as when clients are fully meshed);
// from a non-client iBGP peer to clients and external peers; from eBGP or
// originated here to everyone. Not back to the peer it came from: the caller's
// check.
Advertise advertise(Neighbor from, Neighbor to, bool client_to_client = true);

}  // namespace cats::rib
