#include "bgp-ext/wire/header.hpp"

namespace cats::wire {

const char* message_type_name(std::uint8_t type) {
  switch (type) {
    case 1: return "OPEN";
    case 2: return "UPDATE";
    case 3: return "NOTIFICATION";
    case 4: return "KEEPALIVE";
    case 5: return "ROUTE-REFRESH";
    default: return "UNKNOWN";
  }
}

std::optional<DecodeError> check_header(ByteSpan wire, std::size_t max_message, Header& out) {
  auto reset = [](std::uint8_t sub, std::string why, Bytes data) {
    return DecodeError{Action::kSessionReset, notify::kHeader, sub, std::nullopt, std::move(why), std::move(data)};
  };
  if (wire.size() < kHeaderSize) return reset(notify::kBadLength, "message shorter than the 19-octet header", {});
  for (std::size_t i = 0; i < 16; ++i)
    if (u8(wire, i) != 0xff) return reset(notify::kNotSynchronized, "marker is not all ones", {});
  out.length = be16(wire, 16);
  out.type = u8(wire, 18);
  const Bytes len_field(wire.begin() + 16, wire.begin() + 18);
  std::size_t min = kHeaderSize, max = max_message;
  switch (out.type) {
    case 1: min = 29, max = kMaxMessage; break;
    case 2: min = 23; break;
    case 3: min = 21; break;
    case 4: min = 19, max = 19; break;
    case 5: min = 23; break;
    default:
      return reset(notify::kBadType, "unknown message type " + std::to_string(out.type),
                   Bytes{static_cast<std::byte>(out.type)});
  }
  if (out.length < min || out.length > max)
    return reset(notify::kBadLength,
                 std::string(message_type_name(out.type)) + " length " + std::to_string(out.length) + " outside " +
                     std::to_string(min) + ".." + std::to_string(max),
                 len_field);
  return std::nullopt;
}

std::optional<std::size_t> peek_length(ByteSpan stream) {
  if (stream.size() < kHeaderSize) return std::nullopt;
  return be16(stream, 16);
}

std::size_t begin_message(Writer& w, MessageType type) {
  const std::size_t start = w.size();
  for (int i = 0; i < 4; ++i) w.put32(0xffffffffu);
  w.put16(0);
  w.put8(static_cast<std::uint8_t>(type));
  return start;
}

void finish_message(Writer& w, std::size_t start) {
  w.patch16(start + 16, static_cast<std::uint16_t>(w.size() - start));
}

}  // namespace cats::wire
