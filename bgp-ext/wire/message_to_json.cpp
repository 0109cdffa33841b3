// Message -> JSON: the form `catsctl decode --json` prints (docs/DECODE-JSON.md).
#include <algorithm>

#include "bgp-ext/wire/attribute_json.hpp"

namespace cats::wire {

namespace {

// Text from the wire (FQDN, shutdown communication) may be any bytes; JSON
// strings must be UTF-8, so invalid sequences become U+FFFD.
std::string valid_utf8(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = n > 0 && i + n <= in.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(in[i + k]) >> 6) == 0x2;
    if (ok && n > 1) {
      // Reject overlong forms, surrogates and code points above U+10FFFF.
      std::uint32_t cp = c & (0x7fu >> n);
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(in[i + k]) & 0x3fu);
      static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[n] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    }
    if (ok) {
      out.append(in, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

Json open_json(const Open& m, const DecodeContext& ctx, Json o) {
  o["version"] = m.version;
  o["my_as"] = m.my_as;
  o["hold_time"] = m.hold_time;
  o["bgp_id"] = ipv4_text(m.bgp_id);
  if (m.extended_parameters) o["extended_parameters"] = true;
  Json caps = Json::array(), others = Json::array();
  for (const auto& p : m.parameters) {
    if (p.type != 2) {
      others.push_back({{"type", p.type}, {"raw", to_hex(p.raw)}});
      continue;
    }
    for (const auto& c : p.capabilities) {
      Json cj;
      cj["code"] = c.code;
      cj["name"] = capability_name(c.code, ctx.cats_capability);
      cj["raw"] = to_hex(c.raw);
      if (c.malformed) cj["malformed"] = true;
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, MultiprotocolCap>) {
              cj["afi"] = v.afi;
              cj["safi"] = v.safi;
            } else if constexpr (std::is_same_v<T, GracefulRestartCap>) {
              cj["restart_flag"] = v.restarted();
              cj["notification_flag"] = v.notification();
              cj["restart_time"] = v.restart_time;
              Json fams = Json::array();
              for (const auto& f : v.families)
                fams.push_back({{"afi", f.afi}, {"safi", f.safi}, {"forwarding", (f.flags & 0x80) != 0}});
              cj["families"] = std::move(fams);
            } else if constexpr (std::is_same_v<T, As4Cap>) {
              cj["asn"] = v.asn;
            } else if constexpr (std::is_same_v<T, AddPathCap>) {
              static constexpr const char* kSr[] = {"invalid", "receive", "send", "both"};
              Json fams = Json::array();
              for (const auto& f : v.families) {
                Json fj{{"afi", f.afi},
                        {"safi", f.safi},
                        {"send_receive", f.send_receive <= 3 ? kSr[f.send_receive] : "invalid"}};
                if (f.send_receive < 1 || f.send_receive > 3) fj["ignored"] = true;  // E31
                fams.push_back(std::move(fj));
              }
              cj["families"] = std::move(fams);
            } else if constexpr (std::is_same_v<T, FqdnCap>) {
              cj["hostname"] = valid_utf8(v.hostname);
              cj["domain"] = valid_utf8(v.domain);
            } else if constexpr (std::is_same_v<T, CatsCap>) {
              cj["max_version"] = v.max_version;
            }
          },
          c.value);
      caps.push_back(std::move(cj));
    }
  }
  o["capabilities"] = std::move(caps);
  if (!others.empty()) o["optional_parameters"] = std::move(others);
  return o;
}

}  // namespace

Json error_to_json(const DecodeError& e) {
  Json o;
  o["action"] = action_name(e.action);
  o["code"] = e.code;
  o["subcode"] = e.subcode;
  if (e.attribute)
    o["attribute"] = *e.attribute;
  else
    o["attribute"] = nullptr;
  o["reason"] = e.reason;
  o["data"] = to_hex(e.data);
  return o;
}

Json to_json(const Decoded& d, const DecodeContext& ctx) {
  Json o;
  o["type"] = message_type_name(d.header.type);
  o["length"] = d.header.length;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Update>) {
          Json wd = nlri_json(m.withdrawn, 1);
          Json nl = Json::array();
          if (const auto* r = m.mp_reach(); r != nullptr && r->known_family())
            for (auto& e : nlri_json(r->entries(), r->safi)) nl.push_back(e);
          for (auto& e : nlri_json(m.nlri, 1)) nl.push_back(e);
          if (const auto* u = m.mp_unreach(); u != nullptr && u->known_family())
            for (auto& e : nlri_json(u->entries(), u->safi)) wd.push_back(e);
          o["withdrawn"] = std::move(wd);
          o["nlri"] = std::move(nl);
          Json attrs = Json::array();
          for (const auto& a : m.attrs.list()) attrs.push_back(attribute_to_json(a, ctx));
          o["attributes"] = std::move(attrs);
          if (auto f = m.end_of_rib())
            o["end_of_rib"] = {{"afi", f->afi}, {"safi", f->safi}};
          else
            o["end_of_rib"] = nullptr;
          if (!ctx.as4 && m.attrs.find(attr::kAs4Path) != nullptr)
            if (auto p = m.effective_as_path()) o["as_path_effective"] = as_path_json(*p);
        } else if constexpr (std::is_same_v<T, Open>) {
          o = open_json(m, ctx, std::move(o));
        } else if constexpr (std::is_same_v<T, Notification>) {
          o["code"] = m.code;
          o["subcode"] = m.subcode;
          o["code_name"] = notify::code_name(m.code);
          o["subcode_name"] = notify::subcode_name(m.code, m.subcode);
          o["data"] = to_hex(m.data);
          if (auto s = m.shutdown_communication()) o["shutdown_communication"] = valid_utf8(*s);
        } else if constexpr (std::is_same_v<T, RouteRefresh>) {
          o["afi"] = m.afi;
          o["safi"] = m.safi;
          o["subtype"] = m.subtype;
          o["subtype_name"] = route_refresh_subtype_name(m.subtype);
        }
      },
      d.body);
  if (const auto* e = d.error())
    o["error"] = error_to_json(*e);
  else
    o["error"] = nullptr;
  // Strongest first, stable among equals.
  std::vector<const DecodeError*> sorted;
  for (const auto& e : d.errors) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->action > b->action; });
  Json errs = Json::array();
  for (const auto* e : sorted) errs.push_back(error_to_json(*e));
  o["errors"] = std::move(errs);
  return o;
}

}  // namespace cats::wire
