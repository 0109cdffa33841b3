// The 19-octet BGP message header (RFC 4271 §4.1).
#pragma once

#include <cstdint>
#include <optional>

#include "bgp-ext/wire/bytes.hpp"
#include "bgp-ext/wire/error.hpp"

namespace cats::wire {

inline constexpr std::size_t kHeaderSize = 19;
inline constexpr std::size_t kMaxMessage = 4096;
inline constexpr std::size_t kMaxExtendedMessage = 65535;

enum class MessageType : std::uint8_t {
  kOpen = 1,
  kUpdate = 2,
  kNotification = 3,
  kKeepalive = 4,
  kRouteRefresh = 5,
};
const char* message_type_name(std::uint8_t type);

struct Header {
  std::uint16_t length = 0;
  std::uint8_t type = 0;
};

// Checks marker, length bounds (per type, RFC 4271 §6.1, RFC 8654) and type.
// `max_message` is 4096 or 65535; OPEN and KEEPALIVE stay <= 4096 regardless.
std::optional<DecodeError> check_header(ByteSpan wire, std::size_t max_message, Header& out);

// For stream framing: total length of the message at the front of `stream`,
// or nullopt when fewer than 19 octets are buffered.
std::optional<std::size_t> peek_length(ByteSpan stream);

// Starts a message: writes marker, a length placeholder and the type.
std::size_t begin_message(Writer& w, MessageType type);
// Patches the length of the message that began at `start`.
void finish_message(Writer& w, std::size_t start);

}  // namespace cats::wire
