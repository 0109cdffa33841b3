// OPEN (RFC 4271 §4.2), optional parameters incl. RFC 9072 extended length,
// and capabilities (RFC 5492 and the RFCs of each capability).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bgp-ext/wire/context.hpp"
#include "bgp-ext/wire/error.hpp"

namespace cats::wire {

namespace cap {
inline constexpr std::uint8_t kMultiprotocol = 1;
inline constexpr std::uint8_t kRouteRefresh = 2;
inline constexpr std::uint8_t kExtendedMessage = 6;
inline constexpr std::uint8_t kGracefulRestart = 64;
inline constexpr std::uint8_t kAs4 = 65;
inline constexpr std::uint8_t kAddPath = 69;
inline constexpr std::uint8_t kEnhancedRouteRefresh = 70;
inline constexpr std::uint8_t kFqdn = 73;
}  // namespace cap

struct MultiprotocolCap {
  std::uint16_t afi = 1;
  std::uint8_t reserved = 0;
  std::uint8_t safi = 1;
};
struct GracefulRestartCap {
  struct Family {
    std::uint16_t afi = 1;
    std::uint8_t safi = 1;
    std::uint8_t flags = 0;  // 0x80 = forwarding state preserved
  };
  std::uint8_t flags = 0;  // top nibble: R 0x8, N 0x4 (RFC 8538)
  std::uint16_t restart_time = 0;
  std::vector<Family> families;
  bool restarted() const { return (flags & 0x8) != 0; }
  bool notification() const { return (flags & 0x4) != 0; }
};
struct As4Cap {
  std::uint32_t asn = 0;
};
struct AddPathCap {
  struct Family {
    std::uint16_t afi = 1;
    std::uint8_t safi = 1;
    std::uint8_t send_receive = 0;  // 1 receive, 2 send, 3 both; others ignored (E31)
  };
  std::vector<Family> families;
};
struct FqdnCap {
  std::string hostname;
  std::string domain;
};
struct CatsCap {
  std::uint8_t max_version = 1;
};

using CapabilityValue =
    std::variant<std::monostate, MultiprotocolCap, GracefulRestartCap, As4Cap, AddPathCap, FqdnCap, CatsCap>;

struct Capability {
  std::uint8_t code = 0;
  ByteSpan raw;           // value as received; used to encode monostate values
  CapabilityValue value;  // decoded when known and well-formed
  bool malformed = false;
};

const char* capability_name(std::uint8_t code, std::uint8_t cats_capability);

struct OptionalParameter {
  std::uint8_t type = 2;  // 2 = Capabilities
  ByteSpan raw;
  std::vector<Capability> capabilities;
};

struct Open {
  std::uint8_t version = 4;
  std::uint16_t my_as = 0;
  std::uint16_t hold_time = 0;
  std::array<std::uint8_t, 4> bgp_id{};
  bool extended_parameters = false;  // RFC 9072 encoding
  std::vector<OptionalParameter> parameters;

  // All capabilities over all parameters, in order.
  std::vector<const Capability*> capabilities() const;
  const Capability* find(std::uint8_t code) const;
  // The real AS: the 4-octet AS capability if present, else My AS.
  std::uint32_t asn() const;
};

void decode_open(ByteSpan body, const DecodeContext& ctx, Open& out, std::vector<DecodeError>& errors);
void encode_open_body(Writer& w, const Open& o, std::uint8_t cats_capability);

// Capability value encoders shared by the JSON encoder and the session.
void encode_capability(Writer& w, const Capability& c);

}  // namespace cats::wire
