// NOTIFICATIONs the FSM sends or receives, as owned values (the codec's
// wire::Notification borrows from a receive buffer), and the subcodes the
// FSM itself picks.
#pragma once

#include <cstdint>
#include <string_view>

#include "bgp-ext/wire/bytes.hpp"
#include "bgp-ext/wire/error.hpp"

namespace cats::session {

struct Notify {
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  wire::Bytes data{};
  bool operator==(const Notify&) const = default;
};

// Cease subcodes (RFC 4486, RFC 8538).
namespace cease {
inline constexpr std::uint8_t kUnspecific = 0;
inline constexpr std::uint8_t kMaxPrefixes = 1;
inline constexpr std::uint8_t kAdminShutdown = 2;
inline constexpr std::uint8_t kPeerDeconfigured = 3;
inline constexpr std::uint8_t kAdminReset = 4;
inline constexpr std::uint8_t kConnectionRejected = 5;
inline constexpr std::uint8_t kOtherConfigChange = 6;
inline constexpr std::uint8_t kCollisionResolution = 7;
inline constexpr std::uint8_t kOutOfResources = 8;
inline constexpr std::uint8_t kHardReset = 9;
}  // namespace cease

// Finite State Machine Error subcodes (RFC 6608).
namespace fsm_error {
inline constexpr std::uint8_t kUnspecified = 0;
inline constexpr std::uint8_t kUnexpectedInOpenSent = 1;
inline constexpr std::uint8_t kUnexpectedInOpenConfirm = 2;
inline constexpr std::uint8_t kUnexpectedInEstablished = 3;
}  // namespace fsm_error

// RFC 9687 error code; the codec's table stops at 7.
inline constexpr std::uint8_t kSendHoldTimerExpired = 8;

// RFC 9003 shutdown communication: a length octet and at most 255 octets of
// UTF-8. Longer text is cut at a character boundary, never inside one.
wire::Bytes shutdown_communication(std::string_view text);

// A Cease; the text rides along only where RFC 9003 defines it (subcodes 2
// and 4) and only when non-empty.
Notify make_cease(std::uint8_t subcode, std::string_view text = {});

// The NOTIFICATION a codec error asks for (header, OPEN and UPDATE errors).
Notify notify_for(const wire::DecodeError& e);

// A received NOTIFICATION, copied out of the receive buffer.
Notify notify_from_wire(std::uint8_t code, std::uint8_t subcode, wire::ByteSpan data);

}  // namespace cats::session
