// One stored path as a BGP UPDATE (for BMP Route Monitoring) and as an MRT
// RIB entry's attributes, from the RIB's canonical attribute bytes (NEXT_HOP
// for IPv4 unicast, MP_REACH_NLRI without NLRI otherwise; AS_PATH 4-octet).
// Raw TLV work: attributes we do not know (CATS-EXP on any code point) pass
// as they are.
#pragma once

#include <cstdint>
#include <optional>

#include "bgp-ext/wire/bytes.hpp"
#include "bgp-ext/wire/nlri.hpp"
#include "bgp-ext/wire/update.hpp"

namespace cats::telemetry {

// [path id] length prefix-octets (RFC 4271 §4.3, RFC 7911 §3).
void put_nlri(wire::Writer& w, const wire::Prefix& p, std::optional<std::uint32_t> path_id);

// A whole UPDATE announcing `prefix` with `attrs`; nullopt when `attrs` is
// not a well-formed attribute list.
std::optional<wire::Bytes> announcement(wire::Family f, const wire::Prefix& prefix,
                                        std::optional<std::uint32_t> path_id, wire::ByteSpan attrs);
wire::Bytes withdrawal(wire::Family f, const wire::Prefix& prefix, std::optional<std::uint32_t> path_id);

// RFC 6396 §4.3.4: in a RIB entry MP_REACH_NLRI keeps only its next hop
// length and next hop. nullopt when `attrs` is not well formed.
std::optional<wire::Bytes> mrt_attributes(wire::ByteSpan attrs);

}  // namespace cats::telemetry
