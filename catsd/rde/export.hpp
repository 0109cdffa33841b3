// What one path looks like when sent to one neighbor (RFC 4271 §5 and §9.2,
// RFC 4456 route reflection, RFC 1997 well-known communities, the
// neighbor's export policy). Pure: no session, no I/O; the result is interned
// so identical outgoing sets are shared and packed together.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "rib-adapter/rib/attr_store.hpp"
#include "rib-adapter/rib/path.hpp"
#include "rib-adapter/rib/policy.hpp"
#include "rib-adapter/rib/reflection.hpp"

namespace cats::rde {

struct ExportSource {
  rib::Neighbor kind = rib::Neighbor::kLocal;  // local, external, client or non-client
  rib::RouterId router_id = 0;                 // of the peer the path came from (ORIGINATOR_ID)
};

struct ExportTarget {
  rib::Neighbor kind = rib::Neighbor::kNonClient;
  std::uint32_t local_as = 0;
  rib::RouterId router_id = 0;    // ours
  rib::ClusterId cluster_id = 0;  // ours (the router id unless configured)
  bool next_hop_self = false;
  bool client_to_client = true;
  std::optional<std::array<std::uint8_t, 4>> self_v4;   // our address for IPv4 next hops
  std::optional<std::array<std::uint8_t, 16>> self_v6;  // ... and IPv6 (IPv4-mapped on an IPv4 session)
  const rib::Policy* policy = nullptr;                  // export policy; nullptr: none
  std::uint8_t cats_type = 255;
  std::uint32_t default_local_pref = 100;
};

enum class ExportVerdict : std::uint8_t {
  kAdvertise,
  kNotToThisPeer,  // RFC 4271 / RFC 4456 propagation rules
  kCommunity,      // NO_ADVERTISE, NO_EXPORT, NO_EXPORT_SUBCONFED
  kPolicy,         // the prefix list denied it
  kNoNextHop,      // no address of the family to use as next hop
  kRejected,       // the built set did not re-decode (a bug; counted)
};

struct ExportResult {
  ExportVerdict verdict = ExportVerdict::kAdvertise;
  rib::AttrsRef attrs;  // set when advertised: canonical, with NEXT_HOP or a bare MP_REACH_NLRI
};

ExportResult export_path(const rib::StoredAttrs& path, const wire::Prefix& prefix, const ExportSource& from,
                         const ExportTarget& to, rib::AttrStore& store);

// The same without the policy's prefix list: the result depends on the
// prefix only through its family, so an update group computes it once per
// (source set, source, family) and checks the prefix list per prefix.
ExportResult export_attrs(const rib::StoredAttrs& path, wire::Afi afi, const ExportSource& from, const ExportTarget& to,
                          rib::AttrStore& store);
// The policy's prefix list alone.
inline bool export_permits(const ExportTarget& to, const wire::Prefix& prefix) {
  return to.policy == nullptr || to.policy->permits(prefix);
}

}  // namespace cats::rde
