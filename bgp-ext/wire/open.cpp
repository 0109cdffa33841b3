#include "bgp-ext/wire/open.hpp"

namespace cats::wire {

const char* capability_name(std::uint8_t code, std::uint8_t cats_capability) {
  if (code == cats_capability) return "cats-exp";
  switch (code) {
    case cap::kMultiprotocol: return "multiprotocol";
    case cap::kRouteRefresh: return "route-refresh";
    case cap::kExtendedMessage: return "extended-message";
    case cap::kGracefulRestart: return "graceful-restart";
    case cap::kAs4: return "4-octet-as";
    case cap::kAddPath: return "add-path";
    case cap::kEnhancedRouteRefresh: return "enhanced-route-refresh";
    case cap::kFqdn: return "fqdn";
    case 128: return "route-refresh-old";
    default: return "unknown";
  }
}

namespace {

// Decodes a known capability value; false when its length is wrong.
bool decode_capability_value(Capability& c, std::uint8_t cats_capability) {
  const ByteSpan v = c.raw;
  if (c.code == cats_capability) {
    if (v.size() != 1) return false;
    c.value = CatsCap{u8(v, 0)};
    return true;
  }
  switch (c.code) {
    case cap::kMultiprotocol:
      if (v.size() != 4) return false;
      c.value = MultiprotocolCap{be16(v, 0), u8(v, 2), u8(v, 3)};
      return true;
    case cap::kRouteRefresh:
    case cap::kExtendedMessage:
    case cap::kEnhancedRouteRefresh: return v.empty();
    case cap::kGracefulRestart: {
      if (v.size() < 2 || (v.size() - 2) % 4 != 0) return false;
      GracefulRestartCap g;
      g.flags = static_cast<std::uint8_t>(u8(v, 0) >> 4);
      g.restart_time = be16(v, 0) & 0x0fff;
      for (std::size_t i = 2; i < v.size(); i += 4) g.families.push_back({be16(v, i), u8(v, i + 2), u8(v, i + 3)});
      c.value = std::move(g);
      return true;
    }
    case cap::kAs4:
      if (v.size() != 4) return false;
      c.value = As4Cap{be32(v, 0)};
      return true;
    case cap::kAddPath: {
      if (v.empty() || v.size() % 4 != 0) return false;
      AddPathCap a;
      for (std::size_t i = 0; i < v.size(); i += 4) a.families.push_back({be16(v, i), u8(v, i + 2), u8(v, i + 3)});
      c.value = std::move(a);
      return true;
    }
    case cap::kFqdn: {
      if (v.empty()) return false;
      const std::size_t hl = u8(v, 0);
      if (v.size() < 2 + hl) return false;
      const std::size_t dl = u8(v, 1 + hl);
      if (v.size() != 2 + hl + dl) return false;
      FqdnCap f;
      f.hostname.assign(reinterpret_cast<const char*>(v.data() + 1), hl);
      f.domain.assign(reinterpret_cast<const char*>(v.data() + 2 + hl), dl);
      c.value = std::move(f);
      return true;
    }
    default: return true;  // unknown: kept as bytes
  }
}

DecodeError open_error(std::uint8_t sub, std::string why, Bytes data = {}) {
  return DecodeError{Action::kSessionReset, notify::kOpen, sub, std::nullopt, std::move(why), std::move(data)};
}

}  // namespace

std::vector<const Capability*> Open::capabilities() const {
  std::vector<const Capability*> out;
  for (const auto& p : parameters)
    for (const auto& c : p.capabilities) out.push_back(&c);
  return out;
}

const Capability* Open::find(std::uint8_t code) const {
  const Capability* found = nullptr;
  for (const auto* c : capabilities())
    if (c->code == code) found = c;  // the last instance counts (RFC 4724 §3)
  return found;
}

std::uint32_t Open::asn() const {
  if (const auto* c = find(cap::kAs4))
    if (const auto* a = std::get_if<As4Cap>(&c->value)) return a->asn;
  return my_as;
}

void decode_open(ByteSpan body, const DecodeContext& ctx, Open& out, std::vector<DecodeError>& errors) {
  Reader r(body);
  out.version = r.get8();
  out.my_as = r.get16();
  out.hold_time = r.get16();
  const ByteSpan id = r.take(4);
  std::uint16_t opt_len = r.get8();
  if (!r.ok()) {
    errors.push_back(DecodeError{
        Action::kSessionReset, notify::kHeader, notify::kBadLength, std::nullopt, "OPEN shorter than 10 octets", {}});
    return;
  }
  std::memcpy(out.bgp_id.data(), id.data(), 4);
  // RFC 9072: Non-Ext OP Len 255 followed by Non-Ext OP Type 255.
  if (opt_len == 255 && r.remaining() >= 3 && u8(body, 10) == 255) {
    out.extended_parameters = true;
    r.get8();
    opt_len = r.get16();
  }
  if (opt_len != r.remaining()) {
    errors.push_back(open_error(notify::kOpenUnspecific, "Optional Parameters Length " + std::to_string(opt_len) +
                                                             " does not match the message"));
    return;
  }
  if (out.version != 4)
    errors.push_back(open_error(notify::kUnsupportedVersion, "BGP version " + std::to_string(out.version),
                                Bytes{std::byte{0}, std::byte{4}}));
  if (out.hold_time == 1 || out.hold_time == 2)
    errors.push_back(open_error(notify::kUnacceptableHold, "hold time " + std::to_string(out.hold_time)));
  if (be32(id, 0) == 0) errors.push_back(open_error(notify::kBadBgpId, "BGP Identifier 0.0.0.0"));

  while (r.remaining() > 0) {
    OptionalParameter p;
    p.type = r.get8();
    const std::size_t plen = out.extended_parameters ? r.get16() : r.get8();
    p.raw = r.take(plen);
    if (!r.ok()) {
      errors.push_back(open_error(notify::kOpenUnspecific, "optional parameter overruns the OPEN"));
      return;
    }
    if (p.type != 2) {
      errors.push_back(open_error(notify::kUnsupportedOptParam, "optional parameter type " + std::to_string(p.type)));
      out.parameters.push_back(std::move(p));
      continue;
    }
    Reader cr(p.raw);
    while (cr.remaining() > 0) {
      Capability c;
      c.code = cr.get8();
      const std::uint8_t clen = cr.get8();
      c.raw = cr.take(clen);
      if (!cr.ok()) {
        errors.push_back(
            open_error(notify::kOpenUnspecific, "capability " + std::to_string(c.code) + " overruns its parameter"));
        out.parameters.push_back(std::move(p));
        return;
      }
      if (!decode_capability_value(c, ctx.cats_capability)) {
        c.malformed = true;
        errors.push_back(open_error(notify::kOpenUnspecific, std::string("malformed ") +
                                                                 capability_name(c.code, ctx.cats_capability) +
                                                                 " capability (length " + std::to_string(clen) + ")"));
      }
      p.capabilities.push_back(std::move(c));
    }
    out.parameters.push_back(std::move(p));
  }
}

void encode_capability(Writer& w, const Capability& c) {
  w.put8(c.code);
  const auto at = w.size();
  w.put8(0);
  const auto start = w.size();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          w.put(c.raw);
        } else if constexpr (std::is_same_v<T, MultiprotocolCap>) {
          w.put16(v.afi);
          w.put8(v.reserved);
          w.put8(v.safi);
        } else if constexpr (std::is_same_v<T, GracefulRestartCap>) {
          w.put16(static_cast<std::uint16_t>((v.flags << 12) | (v.restart_time & 0x0fff)));
          for (const auto& f : v.families) {
            w.put16(f.afi);
            w.put8(f.safi);
            w.put8(f.flags);
          }
        } else if constexpr (std::is_same_v<T, As4Cap>) {
          w.put32(v.asn);
        } else if constexpr (std::is_same_v<T, AddPathCap>) {
          for (const auto& f : v.families) {
            w.put16(f.afi);
            w.put8(f.safi);
            w.put8(f.send_receive);
          }
        } else if constexpr (std::is_same_v<T, FqdnCap>) {
          // Each name has a 1-octet length; longer names are cut, not wrapped.
          const std::size_t hl = std::min<std::size_t>(v.hostname.size(), 255);
          const std::size_t dl = std::min<std::size_t>(v.domain.size(), 255);
          w.put8(static_cast<std::uint8_t>(hl));
          w.put(std::as_bytes(std::span(v.hostname.data(), hl)));
          w.put8(static_cast<std::uint8_t>(dl));
          w.put(std::as_bytes(std::span(v.domain.data(), dl)));
        } else if constexpr (std::is_same_v<T, CatsCap>) {
          w.put8(v.max_version);
        }
      },
      c.value);
  w.patch8(at, static_cast<std::uint8_t>(w.size() - start));
}

namespace {

// Parameter values, encoded first so their sizes decide the length format.
std::vector<Bytes> encode_parameter_values(const Open& o) {
  std::vector<Bytes> values;
  for (const auto& p : o.parameters) {
    Bytes v;
    Writer pw(v);
    if (p.type == 2) {
      for (const auto& c : p.capabilities) encode_capability(pw, c);
    } else {
      pw.put(p.raw);
    }
    values.push_back(std::move(v));
  }
  return values;
}

}  // namespace

void encode_open_body(Writer& w, const Open& o, std::uint8_t /*cats_capability*/) {
  w.put8(o.version);
  w.put16(o.my_as);
  w.put16(o.hold_time);
  w.put(std::as_bytes(std::span(o.bgp_id)));
  const std::vector<Bytes> values = encode_parameter_values(o);
  std::size_t total = 0;
  bool needs_extended = false;
  for (const auto& v : values) {
    total += 2 + v.size();
    needs_extended = needs_extended || v.size() > 255;
  }
  // RFC 9072: the extended encoding only when a length does not fit an
  // octet (or when the OPEN we re-encode arrived that way).
  const bool ext = o.extended_parameters || needs_extended || total > 255;
  if (ext) {
    w.put8(255);
    w.put8(255);
    w.put16(static_cast<std::uint16_t>(total + values.size()));  // one more length octet per parameter
  } else {
    w.put8(static_cast<std::uint8_t>(total));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    w.put8(o.parameters[i].type);
    if (ext)
      w.put16(static_cast<std::uint16_t>(values[i].size()));
    else
      w.put8(static_cast<std::uint8_t>(values[i].size()));
    w.put(values[i]);
  }
}

}  // namespace cats::wire
