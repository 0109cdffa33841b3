// MRT records (RFC 6396; ADD-PATH RFC 8050) as bytes: TABLE_DUMP_V2 for RIB
// dumps, BGP4MP_ET for message logs. Pure encoders, no I/O.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bgp-ext/wire/bytes.hpp"
#include "bgp-ext/wire/nlri.hpp"
#include "bgp-ext/wire/update.hpp"

namespace cats::telemetry {

namespace mrt {
inline constexpr std::uint16_t kTableDumpV2 = 13;
inline constexpr std::uint16_t kBgp4mp = 16;
inline constexpr std::uint16_t kBgp4mpEt = 17;
inline constexpr std::uint16_t kPeerIndexTable = 1;
inline constexpr std::uint16_t kRibIpv4Unicast = 2;
inline constexpr std::uint16_t kRibIpv6Unicast = 4;
inline constexpr std::uint16_t kRibIpv4UnicastAddPath = 8;
inline constexpr std::uint16_t kRibIpv6UnicastAddPath = 10;
inline constexpr std::uint16_t kMessageAs4 = 4;
inline constexpr std::uint16_t kStateChangeAs4 = 5;
inline constexpr std::uint16_t kMessageAs4AddPath = 9;
// BGP FSM states as BGP4MP numbers them.
inline constexpr std::uint16_t kIdle = 1;
inline constexpr std::uint16_t kOpenConfirm = 5;
inline constexpr std::uint16_t kEstablished = 6;
}  // namespace mrt

using MrtTime = std::chrono::system_clock::time_point;

// An address as 4 (IPv4) or 16 octets.
struct MrtAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> octets{};  // IPv4 in the first four
  static MrtAddress from(wire::ByteSpan addr);
};

struct MrtPeer {
  std::uint32_t bgp_id = 0;
  MrtAddress address;
  std::uint32_t asn = 0;
};

struct MrtRibEntry {
  std::uint16_t peer_index = 0;
  std::uint32_t originated = 0;  // seconds since the epoch
  std::uint32_t path_id = 0;     // written in the _ADDPATH subtypes only
  wire::ByteSpan attrs;          // already cut as RFC 6396 §4.3.4 says (mrt_attributes)
};

struct MrtSession {
  std::uint32_t peer_as = 0;
  std::uint32_t local_as = 0;
  MrtAddress peer;
  MrtAddress local;  // the same family as `peer`
};

wire::Bytes mrt_peer_index(MrtTime t, std::uint32_t collector_id, const std::string& view,
                           const std::vector<MrtPeer>& peers);
// RIB_IPV4_UNICAST / RIB_IPV6_UNICAST, or their _ADDPATH subtypes.
wire::Bytes mrt_rib(MrtTime t, std::uint32_t sequence, wire::Family f, const wire::Prefix& prefix, bool add_path,
                    std::span<const MrtRibEntry> entries);
// BGP4MP_ET MESSAGE_AS4 (or _ADDPATH) with a whole BGP message.
wire::Bytes mrt_message(MrtTime t, const MrtSession& s, bool add_path, wire::ByteSpan message);
// BGP4MP_ET STATE_CHANGE_AS4.
wire::Bytes mrt_state_change(MrtTime t, const MrtSession& s, std::uint16_t from, std::uint16_t to);

}  // namespace cats::telemetry
