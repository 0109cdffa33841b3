// Capability negotiation: what we offer in our OPEN and what a session runs
// with once the peer's OPEN is in (RFC 4271 §4.2/§6.2, RFC 5492, RFC 6793,
// RFC 4760, RFC 7911, RFC 2918/7313, RFC 8654, RFC 4724/8538, CATS B.3.4).
// Pure: no I/O, no clock. Problems with the peer's OPEN come back as data,
// ready to be sent as a NOTIFICATION.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bgp-ext/wire/attributes.hpp"
#include "bgp-ext/wire/context.hpp"
#include "bgp-ext/wire/open.hpp"

namespace cats::session {

using wire::kAsTrans;  // 23456, RFC 6793

struct AfiSafi {
  std::uint16_t afi = 1;
  std::uint8_t safi = 1;
  auto operator<=>(const AfiSafi&) const = default;
};
inline constexpr AfiSafi kIpv4Unicast{1, 1};
inline constexpr AfiSafi kIpv6Unicast{2, 1};

std::string to_string(AfiSafi f);  // "ipv4-unicast", "afi 25 safi 70"

// ADD-PATH Send/Receive as advertised (RFC 7911 §4); the values are the wire values.
enum class AddPathMode : std::uint8_t { kNone = 0, kReceive = 1, kSend = 2, kBoth = 3 };

struct FamilyConfig {
  AfiSafi family = kIpv4Unicast;
  AddPathMode add_path = AddPathMode::kNone;
  bool gr_forwarding = false;  // GR F bit: our forwarding state survives our restart
};

struct GracefulRestartConfig {
  bool enabled = false;
  std::uint16_t restart_time = 120;  // seconds, 12 bits
  bool notification = true;          // N bit (RFC 8538)
  bool restarting = false;           // R bit: this OPEN follows our own restart
};

struct CatsConfig {
  bool advertise = true;
  std::uint8_t capability = wire::kDefaultCatsCapability;
  std::uint8_t max_version = 1;
};

// What this speaker offers to one neighbor. Validate with check_config() first.
struct LocalConfig {
  std::uint32_t asn = 0;
  std::uint32_t router_id = 0;  // host order, 192.0.2.1 = 0xc0000201
  std::uint16_t hold_time = 90;
  std::uint16_t min_hold_time = 0;  // a peer proposing less (0 included) is refused; 0 = no minimum
  std::vector<FamilyConfig> families{{kIpv4Unicast}, {kIpv6Unicast}};
  bool route_refresh = true;
  bool enhanced_route_refresh = true;  // also sends Route Refresh (RFC 7313 builds on RFC 2918)
  bool extended_message = true;
  GracefulRestartConfig graceful_restart;
  CatsConfig cats;
  bool require_cats = false;             // peer without the CATS capability: 2/7
  std::optional<std::uint32_t> peer_as;  // nullopt: any AS (dynamic neighbor)
};

// Configuration mistakes that would make us send an invalid OPEN; nullopt when fine.
std::optional<std::string> check_config(const LocalConfig& cfg);

wire::Open build_open(const LocalConfig& cfg);

struct FamilyState {
  AfiSafi family;
  bool add_path_send = false;     // we may send path ids (RFC 7911 §4)
  bool add_path_receive = false;  // the peer's NLRI carry path ids
  auto operator<=>(const FamilyState&) const = default;
};

struct PeerGracefulRestart {
  struct Family {
    AfiSafi family;
    bool forwarding = false;  // F bit
    auto operator<=>(const Family&) const = default;
  };
  std::uint16_t restart_time = 0;
  bool restarted = false;     // R bit
  bool notification = false;  // N bit
  std::vector<Family> families;
  const Family* find(AfiSafi f) const;
};

struct UnknownCapability {
  std::uint8_t code = 0;
  wire::Bytes value;
  auto operator<=>(const UnknownCapability&) const = default;
};

struct Negotiated {
  std::uint32_t local_asn = 0;
  std::uint32_t peer_asn = 0;
  std::uint32_t peer_router_id = 0;
  bool ibgp = false;
  std::uint16_t hold_time = 0;  // 0: no KEEPALIVE, no hold timer
  std::uint16_t keepalive = 0;
  bool as4 = false;                    // both sides 4-octet AS (we always offer it)
  std::vector<FamilyState> families;   // enabled, in local configuration order
  std::vector<AfiSafi> peer_families;  // as the peer offered them (implied IPv4 unicast without MP)
  bool route_refresh = false;
  bool route_refresh_pre_standard = false;  // the peer only offered code 128
  bool enhanced_route_refresh = false;
  bool extended_message = false;
  bool graceful_restart = false;  // both sides advertised GR: we keep the peer's routes stale across its restart
  bool gr_notification = false;   // both sides set N (RFC 8538)
  std::optional<PeerGracefulRestart> peer_graceful_restart;
  std::uint8_t cats_capability = wire::kDefaultCatsCapability;
  std::optional<std::uint8_t> peer_cats_max_version;
  std::uint8_t cats_version = 0;  // min of both max versions; 0 = not negotiated
  std::optional<std::string> peer_hostname;
  std::optional<std::string> peer_domain;
  std::vector<UnknownCapability> unknown_capabilities;

  const FamilyState* family(AfiSafi f) const;
  bool add_path_send(AfiSafi f) const;
  bool add_path_receive(AfiSafi f) const;
  // GR applies to this family: stale paths kept while the peer restarts.
  bool gr_family(AfiSafi f) const;
};

struct NegotiationError {
  std::uint8_t code = wire::notify::kOpen;
  std::uint8_t subcode = 0;
  wire::Bytes data;
  std::string reason;

  wire::Bytes notification() const;  // the whole NOTIFICATION message
};

using NegotiationResult = std::variant<Negotiated, NegotiationError>;

// `received` is an OPEN that decode_message() accepted without a session reset.
NegotiationResult negotiate(const LocalConfig& cfg, const wire::Open& received);

// What the codec needs from the session. AIGP follows RFC 7311's default
// (on for iBGP, off for eBGP); the speaker overrides it from neighbor config.
wire::DecodeContext decode_context(const Negotiated& n, std::uint8_t cats_type = wire::kDefaultCatsType);
wire::EncodeContext encode_context(const Negotiated& n);

}  // namespace cats::session
