// BMP messages (RFC 7854, Loc-RIB RFC 9069) as bytes: pure encoders, no I/O.
// Each function returns one whole message, common header included.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bgp-ext/wire/bytes.hpp"

namespace cats::telemetry {

inline constexpr std::uint8_t kBmpVersion = 3;

namespace bmp {
enum class Type : std::uint8_t {
  kRouteMonitoring = 0,
  kStatisticsReport = 1,
  kPeerDown = 2,
  kPeerUp = 3,
  kInitiation = 4,
  kTermination = 5,
};
enum class PeerType : std::uint8_t { kGlobal = 0, kRd = 1, kLocal = 2, kLocRib = 3 };
// Per-peer header flags (RFC 7854 §4.2, RFC 9069 §4.2).
inline constexpr std::uint8_t kFlagV6 = 0x80;              // V: the peer address is IPv6
inline constexpr std::uint8_t kFlagPostPolicy = 0x40;      // L
inline constexpr std::uint8_t kFlagAs2 = 0x20;             // A: 2-octet AS_PATH
inline constexpr std::uint8_t kFlagLocRibFiltered = 0x80;  // F (Loc-RIB only)
// Information TLV types of Initiation / Peer Up (RFC 7854 §4.4, RFC 9069 §5.1).
inline constexpr std::uint16_t kInfoString = 0;
inline constexpr std::uint16_t kInfoSysDescr = 1;
inline constexpr std::uint16_t kInfoSysName = 2;
inline constexpr std::uint16_t kInfoTableName = 3;
// Peer Down reasons (§4.9).
inline constexpr std::uint8_t kDownLocalNotification = 1;
inline constexpr std::uint8_t kDownLocalNoNotification = 2;
inline constexpr std::uint8_t kDownRemoteNotification = 3;
inline constexpr std::uint8_t kDownRemoteNoData = 4;
inline constexpr std::uint8_t kDownDeconfigured = 5;
// Statistics types used (§4.8).
inline constexpr std::uint16_t kStatRejected = 0;          // prefixes rejected by inbound policy (counter)
inline constexpr std::uint16_t kStatAdjRibIn = 7;          // routes in Adj-RIB-In (gauge)
inline constexpr std::uint16_t kStatLocRib = 8;            // routes in Loc-RIB (gauge)
inline constexpr std::uint16_t kStatTreatAsWithdraw = 11;  // UPDATEs treated as withdraw (counter)
}  // namespace bmp

struct PeerHeader {
  bmp::PeerType type = bmp::PeerType::kGlobal;
  std::uint8_t flags = 0;
  std::uint64_t distinguisher = 0;
  std::array<std::uint8_t, 16> address{};  // IPv4 in the last four octets
  std::uint32_t asn = 0;
  std::uint32_t bgp_id = 0;
  std::chrono::system_clock::time_point time{};
};

struct InfoTlv {
  std::uint16_t type = 0;
  std::string value;
};

struct Stat {
  std::uint16_t type = 0;
  std::uint64_t value = 0;
  bool gauge = false;  // 64-bit gauge; otherwise a 32-bit counter
};

wire::Bytes bmp_initiation(const std::vector<InfoTlv>& info);
// Reason 0 (administratively closed) with a string.
wire::Bytes bmp_termination(const std::string& why);
// `local` as in PeerHeader::address; the OPENs are whole BGP messages.
wire::Bytes bmp_peer_up(const PeerHeader& h, const std::array<std::uint8_t, 16>& local, std::uint16_t local_port,
                        std::uint16_t remote_port, wire::ByteSpan sent_open, wire::ByteSpan received_open,
                        const std::vector<InfoTlv>& info = {});
// `data`: the NOTIFICATION (reasons 1, 3), the FSM event code (2), nothing (4), or for Loc-RIB (5) nothing.
wire::Bytes bmp_peer_down(const PeerHeader& h, std::uint8_t reason, wire::ByteSpan data);
wire::Bytes bmp_route_monitoring(const PeerHeader& h, wire::ByteSpan update);
wire::Bytes bmp_statistics(const PeerHeader& h, const std::vector<Stat>& stats);

// An IPv4 or IPv6 address (4 or 16 octets) in the 16 octets of the per-peer header.
std::array<std::uint8_t, 16> bmp_address(wire::ByteSpan addr);

}  // namespace cats::telemetry
