// JSON -> message: what `catsctl encode --json` sends (docs/DECODE-JSON.md).
#include <algorithm>

#include "bgp-ext/wire/attribute_json.hpp"

namespace cats::wire {

namespace {

Update update_from_json(const JsonReader& r, const Json& o, const EncodeContext& ctx, std::uint8_t cats_type) {
  Update u;
  // Top-level NLRI lists hold only the IPv4 NLRI/withdrawn fields' entries
  // that are not also inside MP_* attributes.
  std::vector<NlriEntry> wd, nl;
  if (o.contains("withdrawn"))
    for (auto& e : r.nlri_entries(o, "withdrawn", "$"))
      if (e.prefix.afi == Afi::kIpv4) wd.push_back(e);
  if (o.contains("nlri"))
    for (auto& e : r.nlri_entries(o, "nlri", "$"))
      if (e.prefix.afi == Afi::kIpv4) nl.push_back(e);
  std::vector<NlriEntry> mp_v4_reach, mp_v4_unreach;
  if (o.contains("attributes")) {
    r.each(o, "attributes", "$", [&](const Json& aj, const std::string& path) {
      Attribute a = attribute_from_json(r, aj, path, ctx, cats_type);
      // IPv4 prefixes carried in MP_* must not be repeated in the classic fields.
      if (const auto* mp = a.as<MpReach>(); mp != nullptr && mp->afi == 1 && mp->safi == 1)
        for (const auto& e : mp->entries()) mp_v4_reach.push_back(e);
      if (const auto* mp = a.as<MpUnreach>(); mp != nullptr && mp->afi == 1 && mp->safi == 1)
        for (const auto& e : mp->entries()) mp_v4_unreach.push_back(e);
      u.attrs.add(std::move(a));
    });
  }
  auto drop = [](std::vector<NlriEntry>& from, const std::vector<NlriEntry>& what) {
    for (const auto& e : what) {
      auto it = std::find(from.begin(), from.end(), e);
      if (it != from.end()) from.erase(it);
    }
  };
  drop(nl, mp_v4_reach);
  drop(wd, mp_v4_unreach);
  u.withdrawn = NlriView(r.encode_entries(wd, ctx.add_path.ipv4), Afi::kIpv4, ctx.add_path.ipv4);
  u.nlri = NlriView(r.encode_entries(nl, ctx.add_path.ipv4), Afi::kIpv4, ctx.add_path.ipv4);
  return u;
}

Open open_from_json(const JsonReader& r, const Json& o, std::uint8_t cats_capability) {
  Open m;
  m.version = r.number_or<std::uint8_t>(o, "version", "$", 255, 4);
  m.my_as = r.number<std::uint16_t>(o, "my_as", "$", 0xffff);
  m.hold_time = r.number<std::uint16_t>(o, "hold_time", "$", 0xffff);
  m.bgp_id = r.v4(o, "bgp_id", "$");
  m.extended_parameters = o.value("extended_parameters", false);
  OptionalParameter p;
  p.type = 2;
  if (o.contains("capabilities"))
    r.each(o, "capabilities", "$", [&](const Json& cj, const std::string& cp) {
      Capability c;
      c.code = r.number<std::uint8_t>(cj, "code", cp, 255);
      if (cj.contains("raw")) {
        c.raw = r.hex(cj, "raw", cp);  // the raw value is authoritative for capabilities
      } else if (c.code == cap::kMultiprotocol) {
        Bytes b;
        Writer w(b);
        w.put16(r.number<std::uint16_t>(cj, "afi", cp, 0xffff));
        w.put8(0);
        w.put8(r.number<std::uint8_t>(cj, "safi", cp, 255));
        c.raw = r.keep(std::move(b));
      } else if (c.code == cap::kAs4) {
        Bytes b;
        Writer w(b);
        w.put32(r.number<std::uint32_t>(cj, "asn", cp, 0xffffffffu));
        c.raw = r.keep(std::move(b));
      } else if (c.code == cats_capability) {
        c.raw = r.keep(Bytes{static_cast<std::byte>(r.number<std::uint8_t>(cj, "max_version", cp, 255))});
      }
      if (c.raw.size() > 255) r.fail(cp, "capability value longer than 255 octets");
      p.capabilities.push_back(std::move(c));
    });
  if (!p.capabilities.empty()) m.parameters.push_back(std::move(p));
  if (o.contains("optional_parameters"))
    r.each(o, "optional_parameters", "$", [&](const Json& pj, const std::string& pp) {
      OptionalParameter op;
      op.type = r.number<std::uint8_t>(pj, "type", pp, 255);
      op.raw = r.hex(pj, "raw", pp);
      m.parameters.push_back(std::move(op));
    });
  return m;
}

}  // namespace

Bytes encode_json_message(const Json& j, const EncodeContext& ctx, std::uint8_t cats_type,
                          std::uint8_t cats_capability) {
  Arena arena;
  const JsonReader r(arena);
  if (!j.is_object()) throw JsonError("$: expected an object");
  const std::string type = r.text(j, "type", "$");
  MessageBody body;
  if (type == "UPDATE") {
    body = update_from_json(r, j, ctx, cats_type);
  } else if (type == "OPEN") {
    body = open_from_json(r, j, cats_capability);
  } else if (type == "KEEPALIVE") {
    body = Keepalive{};
  } else if (type == "NOTIFICATION") {
    body = Notification{r.number<std::uint8_t>(j, "code", "$", 255), r.number<std::uint8_t>(j, "subcode", "$", 255),
                        j.contains("data") ? r.hex(j, "data", "$") : ByteSpan{}};
  } else if (type == "ROUTE-REFRESH") {
    body =
        RouteRefresh{r.number<std::uint16_t>(j, "afi", "$", 0xffff),
                     r.number_or<std::uint8_t>(j, "subtype", "$", 255, 0), r.number<std::uint8_t>(j, "safi", "$", 255)};
  } else {
    throw JsonError("$.type: unknown message type " + type);
  }
  Bytes out = encode_message(body, ctx, cats_capability);
  if (out.size() > ctx.max_message())
    throw JsonError("$: encoded message is " + std::to_string(out.size()) + " octets, more than " +
                    std::to_string(ctx.max_message()));
  return out;
}

}  // namespace cats::wire
