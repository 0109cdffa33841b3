#include "bgp-ext/wire/message.hpp"

namespace cats::wire {

std::optional<std::string> Notification::shutdown_communication() const {
  if (code != notify::kCease || (subcode != 2 && subcode != 4) || data.empty()) return std::nullopt;
  const std::size_t len = u8(data, 0);
  if (len + 1 > data.size()) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(data.data() + 1), len);
}

const char* route_refresh_subtype_name(std::uint8_t subtype) {
  switch (subtype) {
    case 0: return "normal";
    case 1: return "BoRR";
    case 2: return "EoRR";
    default: return "reserved";
  }
}

Decoded decode_message(ByteSpan wire, const DecodeContext& ctx) {
  Decoded d;
  if (auto e = check_header(wire, ctx.max_message(), d.header)) {
    d.errors.push_back(std::move(*e));
    return d;
  }
  if (wire.size() != d.header.length) {
    d.errors.push_back(DecodeError{
        Action::kSessionReset,
        notify::kHeader,
        notify::kBadLength,
        std::nullopt,
        "header length " + std::to_string(d.header.length) + " but " + std::to_string(wire.size()) + " octets given",
        {}});
    return d;
  }
  const ByteSpan body = wire.subspan(kHeaderSize);
  switch (static_cast<MessageType>(d.header.type)) {
    case MessageType::kOpen: {
      Open o;
      decode_open(body, ctx, o, d.errors);
      d.body = std::move(o);
      break;
    }
    case MessageType::kUpdate: {
      Update u;
      decode_update(body, ctx, u, d.errors);
      d.body = std::move(u);
      break;
    }
    case MessageType::kNotification: {
      Notification n{u8(body, 0), u8(body, 1), body.subspan(2)};
      d.body = n;
      break;
    }
    case MessageType::kKeepalive: d.body = Keepalive{}; break;
    case MessageType::kRouteRefresh: {
      if (body.size() != 4) {
        // RFC 7313 §5: 7/1 when Enhanced Route Refresh was negotiated.
        if (ctx.enhanced_route_refresh)
          d.errors.push_back(DecodeError{
              Action::kSessionReset, notify::kRouteRefresh, notify::kInvalidRouteRefreshLength, std::nullopt,
              "ROUTE-REFRESH length " + std::to_string(d.header.length), Bytes(wire.begin(), wire.end())});
        else
          d.errors.push_back(DecodeError{Action::kSessionReset, notify::kHeader, notify::kBadLength, std::nullopt,
                                         "ROUTE-REFRESH length " + std::to_string(d.header.length),
                                         Bytes(wire.begin() + 16, wire.begin() + 18)});
        break;
      }
      d.body = RouteRefresh{be16(body, 0), u8(body, 2), u8(body, 3)};
      break;
    }
  }
  return d;
}

Bytes encode_message(const MessageBody& body, const EncodeContext& ctx, std::uint8_t cats_capability) {
  Bytes out;
  Writer w(out);
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Open>) {
          const auto s = begin_message(w, MessageType::kOpen);
          encode_open_body(w, m, cats_capability);
          finish_message(w, s);
        } else if constexpr (std::is_same_v<T, Update>) {
          const auto s = begin_message(w, MessageType::kUpdate);
          encode_update_body(w, m, ctx);
          finish_message(w, s);
        } else if constexpr (std::is_same_v<T, Notification>) {
          const auto s = begin_message(w, MessageType::kNotification);
          w.put8(m.code);
          w.put8(m.subcode);
          // Data quoting a large message is cut so the NOTIFICATION stays a
          // valid message for any peer (4096 octets without RFC 8654).
          w.put(m.data.first(std::min<std::size_t>(m.data.size(), kMaxMessage - 21)));
          finish_message(w, s);
        } else if constexpr (std::is_same_v<T, Keepalive>) {
          const auto s = begin_message(w, MessageType::kKeepalive);
          finish_message(w, s);
        } else if constexpr (std::is_same_v<T, RouteRefresh>) {
          const auto s = begin_message(w, MessageType::kRouteRefresh);
          w.put16(m.afi);
          w.put8(m.subtype);
          w.put8(m.safi);
          finish_message(w, s);
        }
      },
      body);
  return out;
}

Bytes make_keepalive() {
  return encode_message(Keepalive{}, {});
}

Bytes make_notification(std::uint8_t code, std::uint8_t subcode, ByteSpan data) {
  return encode_message(Notification{code, subcode, data}, {});
}

Bytes make_shutdown_notification(std::uint8_t subcode, std::string_view text) {
  const std::size_t n = std::min<std::size_t>(text.size(), 255);
  Bytes data;
  data.push_back(static_cast<std::byte>(n));
  for (std::size_t i = 0; i < n; ++i) data.push_back(static_cast<std::byte>(text[i]));
  return make_notification(notify::kCease, subcode, data);
}

}  // namespace cats::wire
