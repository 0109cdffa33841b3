// Whole BGP messages: NOTIFICATION, KEEPALIVE, ROUTE-REFRESH, and the
// dispatcher that decodes any message and reports its RFC 7606 action.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bgp-ext/wire/header.hpp"
#include "bgp-ext/wire/open.hpp"
#include "bgp-ext/wire/update.hpp"

namespace cats::wire {

struct Notification {
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  ByteSpan data;
  // RFC 8203/9003 shutdown communication (Cease 2 or 4), if well-formed UTF-8 length.
  std::optional<std::string> shutdown_communication() const;
};

struct Keepalive {};

struct RouteRefresh {
  std::uint16_t afi = 1;
  std::uint8_t subtype = 0;  // RFC 7313: 0 normal, 1 BoRR, 2 EoRR
  std::uint8_t safi = 1;
};
const char* route_refresh_subtype_name(std::uint8_t subtype);

using MessageBody = std::variant<std::monostate, Open, Update, Notification, Keepalive, RouteRefresh>;

struct Decoded {
  Header header;
  MessageBody body;  // monostate when the header itself was rejected
  std::vector<DecodeError> errors;
  const DecodeError* error() const { return strongest(errors); }
  Action action() const {
    const auto* e = error();
    return e == nullptr ? Action::kNone : e->action;
  }
};

// `wire` must hold exactly one message (header included).
Decoded decode_message(ByteSpan wire, const DecodeContext& ctx);

// Encodes a message body into a complete message.
Bytes encode_message(const MessageBody& body, const EncodeContext& ctx,
                     std::uint8_t cats_capability = kDefaultCatsCapability);

Bytes make_keepalive();
Bytes make_notification(std::uint8_t code, std::uint8_t subcode, ByteSpan data = {});
// Cease with an RFC 8203 shutdown communication (truncated to 255 octets).
Bytes make_shutdown_notification(std::uint8_t subcode, std::string_view text);

}  // namespace cats::wire
