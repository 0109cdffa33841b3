// What the decoder must know about the session: negotiated capabilities and
// local policy that changes RFC 7606 handling.
#pragma once

#include <cstdint>

#include "bgp-ext/wire/cats_exp.hpp"
#include "bgp-ext/wire/nlri.hpp"

namespace cats::wire {

struct DecodeContext {
  bool as4 = false;                     // 4-octet AS negotiated (RFC 6793)
  AddPath add_path;                     // ADD-PATH receive negotiated, per family
  bool extended_message = false;        // RFC 8654
  bool enhanced_route_refresh = false;  // RFC 7313 (ROUTE-REFRESH length errors -> 7/1)
  bool ebgp = false;                    // LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST discarded (E15)
  bool aigp = true;                     // AIGP enabled on the session (RFC 7311 AIGP_SESSION)
  bool multiprotocol = false;           // a family other than IPv4 unicast negotiated (MP_* may carry NLRI)
  std::uint8_t cats_type = kDefaultCatsType;
  std::uint8_t cats_capability = kDefaultCatsCapability;

  std::size_t max_message() const { return extended_message ? 65535 : 4096; }
};

}  // namespace cats::wire
