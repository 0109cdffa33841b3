#include "bgp-ext/wire/json.hpp"

#include <bit>
#include <cmath>

namespace cats::wire {

namespace {

std::string ipv4(const std::array<std::uint8_t, 4>& a) {
  return address_to_string(Afi::kIpv4, std::as_bytes(std::span(a)));
}
std::string ipv4(std::uint32_t v) {
  std::array<std::uint8_t, 4> a{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                                static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  return ipv4(a);
}

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

Json nlri_list(const NlriView& v, std::uint8_t safi) {
  Json arr = Json::array();
  for (const auto& e : v) {
    Json o;
    o["prefix"] = e.prefix.to_string();
    o["afi"] = static_cast<int>(e.prefix.afi);
    o["safi"] = safi;
    if (e.path_id) o["path_id"] = *e.path_id;
    arr.push_back(std::move(o));
  }
  return arr;
}

Json as_path_json(const AsPath& p) {
  Json segs = Json::array();
  for (const auto& s : p.segments) segs.push_back({{"type", segment_type_name(s.type)}, {"asns", s.asns}});
  return segs;
}

const char* well_known_community(std::uint32_t c) {
  switch (c) {
    case 0xFFFFFF01: return "NO_EXPORT";
    case 0xFFFFFF02: return "NO_ADVERTISE";
    case 0xFFFFFF03: return "NO_EXPORT_SUBCONFED";
    case 0xFFFFFF04: return "NOPEER";
    case 0xFFFF0000: return "GRACEFUL_SHUTDOWN";
    case 0xFFFF029A: return "BLACKHOLE";
    default: return nullptr;
  }
}

Json metric_json(const CatsMetric& m) {
  Json o;
  o["metric_type"] = m.type;
  o["name"] = cats_metric_name(m.type);
  o["descriptor"] = m.descriptor;
  o["level"] = m.level();
  o["format"] = m.is_float() ? "float" : "uint";
  o["unit"] = cats_unit_name(m.unit());
  o["source"] = cats_source_name(m.source());
  o["statistics"] = cats_statistics_name(m.statistics());
  if (!m.ignored.empty()) {
    o["ignored"] = m.ignored;
  } else if (m.known_type()) {
    if (auto n = m.number()) {
      if (m.is_float())
        o["value"] = *n;
      else
        o["value"] = static_cast<std::uint64_t>(*n);
    }
  }
  o["value_hex"] = to_hex(m.value);
  return o;
}

Json cats_json(const CatsExp& c, Json o) {
  o["version"] = c.version;
  o["drain"] = c.drain();
  o["value_flags"] = c.value_flags;
  if (c.reserved != 0) o["reserved"] = c.reserved;
  if (!c.understood()) {
    o["opaque"] = true;
    o["opaque_value"] = to_hex(c.opaque);
    return o;
  }
  Json tlvs = Json::array();
  for (const auto& t : c.tlvs) {
    Json tj;
    tj["type"] = t.type;
    tj["name"] = cats_tlv_name(t.type);
    if (const auto* cs = std::get_if<CatsCsId>(&t.body)) {
      tj["id_type"] = cs->id.id_type;
      tj["id"] = cs->id.to_string();
    } else if (const auto* s = std::get_if<CatsSiteMetrics>(&t.body)) {
      Json ms = Json::array();
      for (const auto& m : s->metrics) ms.push_back(metric_json(m));
      tj["metrics"] = std::move(ms);
      if (auto sc = metric_set_score(s->metrics)) tj["score"] = *sc;
    } else if (const auto* ci = std::get_if<CatsContactInstance>(&t.body)) {
      tj["id_type"] = ci->id.id_type;
      tj["id"] = ci->id.to_string();
      if (ci->reserved != 0) tj["reserved"] = ci->reserved;
      Json ms = Json::array();
      for (const auto& m : ci->metrics) ms.push_back(metric_json(m));
      tj["metrics"] = std::move(ms);
      if (auto sc = metric_set_score(ci->metrics)) tj["score"] = *sc;
    } else if (const auto* mc = std::get_if<CatsMetricControl>(&t.body)) {
      tj["sequence"] = mc->sequence;
      tj["interval"] = mc->interval;
      tj["profile"] = mc->profile;
    }
    if (!t.ignored.empty()) tj["ignored"] = t.ignored;
    if (std::holds_alternative<std::monostate>(t.body)) tj["value"] = to_hex(t.value);
    tlvs.push_back(std::move(tj));
  }
  o["tlvs"] = std::move(tlvs);
  if (auto s = c.site_score())
    o["site_score"] = *s;
  else
    o["site_score"] = nullptr;
  o["warnings"] = c.warnings;
  return o;
}

Json attribute_json(const Attribute& a, const DecodeContext& ctx) {
  Json o;
  o["type_code"] = a.type;
  o["flags"] = a.flags;
  o["name"] = a.recognised ? attribute_name(a.type, ctx.cats_type)
                           : (a.type == attr::kEdgeMetadata ? "EDGE_METADATA" : "UNKNOWN");
  o["length"] = a.raw.size();
  o["raw"] = to_hex(a.raw);
  if (a.discarded) o["discarded"] = true;
  if (a.malformed) o["malformed"] = true;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Origin>) {
          static constexpr const char* kNames[] = {"IGP", "EGP", "INCOMPLETE"};
          o["value"] = kNames[v.value];
        } else if constexpr (std::is_same_v<T, AsPath>) {
          o["segments"] = as_path_json(v);
          o["as4"] = v.four_octet;
        } else if constexpr (std::is_same_v<T, NextHop>) {
          o["next_hop"] = ipv4(v.addr);
        } else if constexpr (std::is_same_v<T, Med> || std::is_same_v<T, LocalPref>) {
          o["value"] = v.value;
        } else if constexpr (std::is_same_v<T, Aggregator>) {
          o["asn"] = v.asn;
          o["address"] = ipv4(v.address);
        } else if constexpr (std::is_same_v<T, Communities>) {
          Json cs = Json::array(), names = Json::array();
          for (auto c : v.values) {
            cs.push_back(std::to_string(c >> 16) + ":" + std::to_string(c & 0xffff));
            if (const char* n = well_known_community(c)) names.push_back(n);
          }
          o["communities"] = std::move(cs);
          if (!names.empty()) o["names"] = std::move(names);
        } else if constexpr (std::is_same_v<T, OriginatorId>) {
          o["originator_id"] = ipv4(v.id);
        } else if constexpr (std::is_same_v<T, ClusterList>) {
          Json ids = Json::array();
          for (auto c : v.ids) ids.push_back(ipv4(c));
          o["cluster_list"] = std::move(ids);
        } else if constexpr (std::is_same_v<T, MpReach>) {
          o["afi"] = v.afi;
          o["safi"] = v.safi;
          if (v.known_family()) {
            const Afi afi = static_cast<Afi>(v.afi);
            const std::size_t w = afi == Afi::kIpv4 ? 4 : 16;
            Json nhs = Json::array();
            for (std::size_t i = 0; i + w <= v.next_hop.size(); i += w)
              nhs.push_back(address_to_string(afi, v.next_hop.subspan(i, w)));
            o["next_hop"] = std::move(nhs);
            o["nlri"] = nlri_list(v.entries(), v.safi);
          } else {
            o["next_hop_hex"] = to_hex(v.next_hop);
            o["nlri_hex"] = to_hex(v.nlri);
          }
        } else if constexpr (std::is_same_v<T, MpUnreach>) {
          o["afi"] = v.afi;
          o["safi"] = v.safi;
          if (v.known_family())
            o["withdrawn"] = nlri_list(v.entries(), v.safi);
          else
            o["withdrawn_hex"] = to_hex(v.withdrawn);
        } else if constexpr (std::is_same_v<T, ExtCommunities>) {
          Json cs = Json::array();
          for (auto c : v.values) {
            Json e;
            e["type"] = static_cast<int>(c >> 56);
            e["subtype"] = static_cast<int>((c >> 48) & 0xff);
            e["transitive"] = ((c >> 56) & 0x40) == 0;
            std::array<std::byte, 8> b{};
            for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::byte>(c >> (56 - 8 * i));
            e["raw"] = to_hex(b);
            if (auto lb = ExtCommunities::link_bandwidth(c))
              e["link_bandwidth"] = {{"asn", lb->asn}, {"bytes_per_second", lb->bytes_per_second}};
            cs.push_back(std::move(e));
          }
          o["communities"] = std::move(cs);
        } else if constexpr (std::is_same_v<T, LargeCommunities>) {
          Json cs = Json::array();
          for (const auto& c : v.values)
            cs.push_back(std::to_string(c[0]) + ":" + std::to_string(c[1]) + ":" + std::to_string(c[2]));
          o["communities"] = std::move(cs);
        } else if constexpr (std::is_same_v<T, Aigp>) {
          Json ts = Json::array();
          for (const auto& t : v.tlvs) {
            if (t.type == 1 && t.value.size() == 8)
              ts.push_back({{"type", 1}, {"metric", be64(t.value, 0)}});
            else
              ts.push_back({{"type", t.type}, {"value", to_hex(t.value)}});
          }
          o["tlvs"] = std::move(ts);
        } else if constexpr (std::is_same_v<T, CatsExp>) {
          o = cats_json(v, std::move(o));
        }
      },
      a.value);
  return o;
}

Json open_json(const Open& m, const DecodeContext& ctx, Json o) {
  o["version"] = m.version;
  o["my_as"] = m.my_as;
  o["hold_time"] = m.hold_time;
  o["bgp_id"] = ipv4(m.bgp_id);
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
          Json wd = nlri_list(m.withdrawn, 1);
          Json nl = Json::array();
          if (const auto* r = m.mp_reach(); r != nullptr && r->known_family())
            for (auto& e : nlri_list(r->entries(), r->safi)) nl.push_back(e);
          for (auto& e : nlri_list(m.nlri, 1)) nl.push_back(e);
          if (const auto* u = m.mp_unreach(); u != nullptr && u->known_family())
            for (auto& e : nlri_list(u->entries(), u->safi)) wd.push_back(e);
          o["withdrawn"] = std::move(wd);
          o["nlri"] = std::move(nl);
          Json attrs = Json::array();
          for (const auto& a : m.attrs.list()) attrs.push_back(attribute_json(a, ctx));
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

// ---------------------------------------------------------------------------
// JSON -> message

namespace {

class Builder {
 public:
  Builder(Arena& arena, std::uint8_t cats_type, std::uint8_t cats_cap)
      : arena_(arena), cats_type_(cats_type), cats_cap_(cats_cap) {}

  [[noreturn]] void fail(const std::string& path, const std::string& why) const { throw JsonError(path + ": " + why); }

  const Json& field(const Json& o, const char* key, const std::string& path) const {
    if (!o.is_object() || !o.contains(key)) fail(path, std::string("missing field \"") + key + "\"");
    return o.at(key);
  }
  template <class T>
  T number(const Json& o, const char* key, const std::string& path, T max) const {
    const Json& v = field(o, key, path);
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::uint64_t>() > max)
      fail(path + "." + key, "expected an integer 0.." + std::to_string(max));
    return static_cast<T>(v.get<std::uint64_t>());
  }
  template <class T>
  T number_or(const Json& o, const char* key, const std::string& path, T max, T def) const {
    return o.contains(key) ? number<T>(o, key, path, max) : def;
  }
  std::string text(const Json& o, const char* key, const std::string& path) const {
    const Json& v = field(o, key, path);
    if (!v.is_string()) fail(path + "." + key, "expected a string");
    return v.get<std::string>();
  }
  ByteSpan hex(const Json& o, const char* key, const std::string& path) const {
    auto b = from_hex(text(o, key, path));
    if (!b) fail(path + "." + key, "invalid hex");
    return arena_.keep(std::move(*b));
  }
  std::array<std::uint8_t, 4> v4(const Json& o, const char* key, const std::string& path) const {
    auto a = parse_address(Afi::kIpv4, text(o, key, path));
    if (!a) fail(path + "." + key, "invalid IPv4 address");
    return {(*a)[0], (*a)[1], (*a)[2], (*a)[3]};
  }
  const Json& array(const Json& o, const char* key, const std::string& path) const {
    const Json& v = field(o, key, path);
    if (!v.is_array()) fail(path + "." + key, "expected an array");
    return v;
  }

  std::vector<NlriEntry> nlri_entries(const Json& arr, const std::string& path, bool& any_path_id) const {
    std::vector<NlriEntry> out;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string p = path + "[" + std::to_string(i) + "]";
      auto pf = Prefix::parse(text(arr[i], "prefix", p));
      if (!pf) fail(p + ".prefix", "invalid prefix");
      NlriEntry e{*pf, std::nullopt};
      if (arr[i].contains("path_id")) {
        e.path_id = number<std::uint32_t>(arr[i], "path_id", p, 0xffffffffu);
        any_path_id = true;
      }
      out.push_back(e);
    }
    return out;
  }

  ByteSpan encode_entries(const std::vector<NlriEntry>& es, bool add_path) const {
    Bytes b;
    Writer w(b);
    for (const auto& e : es) encode_nlri(w, e, add_path);
    return arena_.keep(std::move(b));
  }

  std::vector<std::uint32_t> u32_list(const Json& arr, const std::string& path) const {
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_number_unsigned() || arr[i].get<std::uint64_t>() > 0xffffffffu)
        fail(path + "[" + std::to_string(i) + "]", "expected a 32-bit unsigned integer");
      out.push_back(arr[i].get<std::uint32_t>());
    }
    return out;
  }

  std::pair<std::uint32_t, std::uint32_t> split_pair(const std::string& s, const std::string& path) const {
    auto colon = s.find(':');
    if (colon == std::string::npos) fail(path, "expected \"A:B\"");
    try {
      return {static_cast<std::uint32_t>(std::stoul(s.substr(0, colon))),
              static_cast<std::uint32_t>(std::stoul(s.substr(colon + 1)))};
    } catch (const std::exception&) {
      fail(path, "expected \"A:B\" with numbers");
    }
  }

  AsPath as_path(const Json& o, const std::string& path) const {
    AsPath p;
    const Json& segs = array(o, "segments", path);
    for (std::size_t i = 0; i < segs.size(); ++i) {
      const std::string sp = path + ".segments[" + std::to_string(i) + "]";
      const std::string t = text(segs[i], "type", sp);
      AsSegment s;
      if (t == "AS_SET")
        s.type = SegmentType::kSet;
      else if (t == "AS_SEQUENCE")
        s.type = SegmentType::kSequence;
      else if (t == "AS_CONFED_SEQUENCE")
        s.type = SegmentType::kConfedSequence;
      else if (t == "AS_CONFED_SET")
        s.type = SegmentType::kConfedSet;
      else
        fail(sp + ".type", "unknown segment type " + t);
      s.asns = u32_list(array(segs[i], "asns", sp), sp + ".asns");
      p.segments.push_back(std::move(s));
    }
    return p;
  }

  std::vector<CatsMetric> metrics(const Json& arr, const std::string& path) const {
    std::vector<CatsMetric> out;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string mp = path + "[" + std::to_string(i) + "]";
      CatsMetric m;
      m.type = number<std::uint8_t>(arr[i], "metric_type", mp, 255);
      m.descriptor = number<std::uint16_t>(arr[i], "descriptor", mp, 0xffff);
      if (arr[i].contains("value_hex")) {
        m.value = hex(arr[i], "value_hex", mp);
      } else {
        // Only a value: 1 octet for scores, else by format.
        Bytes b;
        Writer w(b);
        const Json& v = field(arr[i], "value", mp);
        if ((m.descriptor >> 13) & 1u) {
          if (!v.is_number()) fail(mp + ".value", "expected a number");
          w.put32(std::bit_cast<std::uint32_t>(v.get<float>()));
        } else {
          const auto n = number<std::uint64_t>(arr[i], "value", mp, ~std::uint64_t{0});
          if (n <= 0xff)
            w.put8(static_cast<std::uint8_t>(n));
          else if (n <= 0xffffffffu)
            w.put32(static_cast<std::uint32_t>(n));
          else
            w.put64(n);
        }
        m.value = arena_.keep(std::move(b));
      }
      if (m.value.size() > 253) fail(mp, "metric value longer than 253 octets");
      out.push_back(std::move(m));
    }
    return out;
  }

  CatsId cats_id(const Json& o, const std::string& path) const {
    CatsId id;
    id.id_type = number<std::uint8_t>(o, "id_type", path, 255);
    const std::string s = text(o, "id", path);
    Bytes b;
    Writer w(b);
    if (id.id_type == 1 || id.id_type == 2) {
      auto a = parse_address(id.id_type == 1 ? Afi::kIpv4 : Afi::kIpv6, s);
      if (!a) fail(path + ".id", "invalid address");
      w.put(std::as_bytes(std::span(a->data(), id.id_type == 1 ? 4 : 16)));
    } else if (id.id_type == 3) {
      try {
        w.put32(static_cast<std::uint32_t>(std::stoul(s)));
      } catch (const std::exception&) {
        fail(path + ".id", "expected a number");
      }
    } else {
      auto h = from_hex(s);
      if (!h) fail(path + ".id", "expected hex");
      b = std::move(*h);
    }
    id.id = arena_.keep(std::move(b));
    return id;
  }

  CatsExp cats(const Json& o, const std::string& path) const {
    CatsExp c;
    c.version = number<std::uint8_t>(o, "version", path, 255);
    c.value_flags = number_or<std::uint8_t>(o, "value_flags", path, 255, 0);
    if (o.contains("drain") && o.at("drain").is_boolean()) {
      if (o.at("drain").get<bool>())
        c.value_flags |= kCatsDrainFlag;
      else
        c.value_flags &= static_cast<std::uint8_t>(~kCatsDrainFlag);
    }
    c.reserved = number_or<std::uint16_t>(o, "reserved", path, 0xffff, 0);
    if (c.version != 1) {
      c.opaque = o.contains("opaque_value") ? hex(o, "opaque_value", path) : ByteSpan{};
      return c;
    }
    const Json& tlvs = array(o, "tlvs", path);
    for (std::size_t i = 0; i < tlvs.size(); ++i) {
      const std::string tp = path + ".tlvs[" + std::to_string(i) + "]";
      const Json& tj = tlvs[i];
      CatsTlv t;
      t.type = number<std::uint8_t>(tj, "type", tp, 255);
      if (tj.contains("value") || tj.contains("ignored")) {
        t.value = hex(tj, "value", tp);  // opaque: unknown or deliberately raw
      } else if (t.type == cats_tlv::kCsId) {
        t.body = CatsCsId{cats_id(tj, tp)};
      } else if (t.type == cats_tlv::kSiteMetrics) {
        t.body = CatsSiteMetrics{metrics(array(tj, "metrics", tp), tp + ".metrics")};
      } else if (t.type == cats_tlv::kContactInstance) {
        CatsContactInstance ci;
        ci.id = cats_id(tj, tp);
        ci.reserved = number_or<std::uint8_t>(tj, "reserved", tp, 255, 0);
        ci.metrics = metrics(array(tj, "metrics", tp), tp + ".metrics");
        t.body = std::move(ci);
      } else if (t.type == cats_tlv::kMetricControl) {
        t.body = CatsMetricControl{number<std::uint32_t>(tj, "sequence", tp, 0xffffffffu),
                                   number<std::uint16_t>(tj, "interval", tp, 0xffff),
                                   number<std::uint16_t>(tj, "profile", tp, 0xffff)};
      } else {
        fail(tp, "unknown TLV type needs \"value\" (hex)");
      }
      c.tlvs.push_back(std::move(t));
    }
    return c;
  }

  Attribute attribute(const Json& o, const std::string& path, const EncodeContext& ctx) const {
    Attribute a;
    a.type = number<std::uint8_t>(o, "type_code", path, 255);
    a.flags = number<std::uint8_t>(o, "flags", path, 255);
    const bool raw_only = o.value("discarded", false) || o.value("malformed", false) ||
                          !attribute_rule(a.type, cats_type_) || (a.type == cats_type_ && (a.flags & 0xc0) != 0xc0);
    if (raw_only) {
      a.value = Opaque{hex(o, "raw", path)};
      return a;
    }
    const bool ap4 = ctx.add_path.ipv4, ap6 = ctx.add_path.ipv6;
    if (a.type == cats_type_) {
      a.value = cats(o, path);
      return a;
    }
    switch (a.type) {
      case attr::kOrigin: {
        const std::string v = text(o, "value", path);
        std::uint8_t n = v == "IGP" ? 0 : v == "EGP" ? 1 : v == "INCOMPLETE" ? 2 : 255;
        if (n == 255) fail(path + ".value", "expected IGP, EGP or INCOMPLETE");
        a.value = Origin{n};
        break;
      }
      case attr::kAsPath:
      case attr::kAs4Path: a.value = as_path(o, path); break;
      case attr::kNextHop: a.value = NextHop{v4(o, "next_hop", path)}; break;
      case attr::kMed: a.value = Med{number<std::uint32_t>(o, "value", path, 0xffffffffu)}; break;
      case attr::kLocalPref: a.value = LocalPref{number<std::uint32_t>(o, "value", path, 0xffffffffu)}; break;
      case attr::kAtomicAggregate: a.value = AtomicAggregate{}; break;
      case attr::kAggregator:
      case attr::kAs4Aggregator:
        a.value = Aggregator{number<std::uint32_t>(o, "asn", path, 0xffffffffu), v4(o, "address", path), true};
        break;
      case attr::kCommunities: {
        Communities c;
        const Json& arr = array(o, "communities", path);
        for (std::size_t i = 0; i < arr.size(); ++i) {
          const std::string cp = path + ".communities[" + std::to_string(i) + "]";
          if (!arr[i].is_string()) fail(cp, "expected \"A:B\"");
          auto [hi, lo] = split_pair(arr[i].get<std::string>(), cp);
          c.values.push_back((hi << 16) | (lo & 0xffff));
        }
        a.value = std::move(c);
        break;
      }
      case attr::kOriginatorId: a.value = OriginatorId{v4(o, "originator_id", path)}; break;
      case attr::kClusterList: {
        ClusterList c;
        const Json& arr = array(o, "cluster_list", path);
        for (std::size_t i = 0; i < arr.size(); ++i) {
          auto x = parse_address(Afi::kIpv4, arr[i].is_string() ? arr[i].get<std::string>() : "");
          if (!x) fail(path + ".cluster_list[" + std::to_string(i) + "]", "invalid IPv4 address");
          c.ids.push_back(be32(std::as_bytes(std::span(*x)), 0));
        }
        a.value = std::move(c);
        break;
      }
      case attr::kMpReach: {
        MpReach m;
        m.afi = number<std::uint16_t>(o, "afi", path, 0xffff);
        m.safi = number<std::uint8_t>(o, "safi", path, 255);
        if (m.known_family()) {
          const Afi afi = static_cast<Afi>(m.afi);
          Bytes nh;
          const Json& nhs = array(o, "next_hop", path);
          for (std::size_t i = 0; i < nhs.size(); ++i) {
            auto x = parse_address(afi, nhs[i].is_string() ? nhs[i].get<std::string>() : "");
            if (!x) fail(path + ".next_hop[" + std::to_string(i) + "]", "invalid address");
            const std::size_t w = afi == Afi::kIpv4 ? 4 : 16;
            for (std::size_t k = 0; k < w; ++k) nh.push_back(static_cast<std::byte>((*x)[k]));
          }
          m.next_hop = arena_.keep(std::move(nh));
          bool any = false;
          auto es = nlri_entries(array(o, "nlri", path), path + ".nlri", any);
          m.nlri = encode_entries(es, afi == Afi::kIpv4 ? ap4 : ap6);
        } else {
          m.next_hop = hex(o, "next_hop_hex", path);
          m.nlri = hex(o, "nlri_hex", path);
        }
        a.value = m;
        break;
      }
      case attr::kMpUnreach: {
        MpUnreach m;
        m.afi = number<std::uint16_t>(o, "afi", path, 0xffff);
        m.safi = number<std::uint8_t>(o, "safi", path, 255);
        if (m.known_family()) {
          bool any = false;
          auto es = nlri_entries(array(o, "withdrawn", path), path + ".withdrawn", any);
          m.withdrawn = encode_entries(es, static_cast<Afi>(m.afi) == Afi::kIpv4 ? ap4 : ap6);
        } else {
          m.withdrawn = hex(o, "withdrawn_hex", path);
        }
        a.value = m;
        break;
      }
      case attr::kExtCommunities: {
        ExtCommunities e;
        const Json& arr = array(o, "communities", path);
        for (std::size_t i = 0; i < arr.size(); ++i) {
          const std::string cp = path + ".communities[" + std::to_string(i) + "]";
          ByteSpan b = hex(arr[i], "raw", cp);
          if (b.size() != 8) fail(cp + ".raw", "expected 8 octets");
          e.values.push_back(be64(b, 0));
        }
        a.value = std::move(e);
        break;
      }
      case attr::kLargeCommunity: {
        LargeCommunities l;
        const Json& arr = array(o, "communities", path);
        for (std::size_t i = 0; i < arr.size(); ++i) {
          const std::string cp = path + ".communities[" + std::to_string(i) + "]";
          if (!arr[i].is_string()) fail(cp, "expected \"A:B:C\"");
          const std::string s = arr[i].get<std::string>();
          auto c1 = s.find(':'), c2 = s.find(':', c1 == std::string::npos ? 0 : c1 + 1);
          if (c1 == std::string::npos || c2 == std::string::npos) fail(cp, "expected \"A:B:C\"");
          try {
            l.values.push_back({static_cast<std::uint32_t>(std::stoul(s.substr(0, c1))),
                                static_cast<std::uint32_t>(std::stoul(s.substr(c1 + 1, c2 - c1 - 1))),
                                static_cast<std::uint32_t>(std::stoul(s.substr(c2 + 1)))});
          } catch (const std::exception&) {
            fail(cp, "expected \"A:B:C\" with numbers");
          }
        }
        a.value = std::move(l);
        break;
      }
      case attr::kAigp: {
        Aigp g;
        const Json& arr = array(o, "tlvs", path);
        for (std::size_t i = 0; i < arr.size(); ++i) {
          const std::string tp = path + ".tlvs[" + std::to_string(i) + "]";
          Aigp::Tlv t;
          t.type = number<std::uint8_t>(arr[i], "type", tp, 255);
          if (arr[i].contains("metric")) {
            Bytes b;
            Writer w(b);
            w.put64(number<std::uint64_t>(arr[i], "metric", tp, ~std::uint64_t{0}));
            t.value = arena_.keep(std::move(b));
          } else {
            t.value = hex(arr[i], "value", tp);
          }
          g.tlvs.push_back(t);
        }
        a.value = std::move(g);
        break;
      }
      default: a.value = Opaque{hex(o, "raw", path)};
    }
    return a;
  }

  Update update(const Json& o, const EncodeContext& ctx) const {
    Update u;
    // Top-level NLRI lists hold only the IPv4 NLRI/withdrawn fields' entries
    // that are not also inside MP_* attributes.
    std::vector<NlriEntry> wd, nl;
    bool any = false;
    if (o.contains("withdrawn"))
      for (auto& e : nlri_entries(array(o, "withdrawn", "$"), "$.withdrawn", any))
        if (e.prefix.afi == Afi::kIpv4) wd.push_back(e);
    if (o.contains("nlri"))
      for (auto& e : nlri_entries(array(o, "nlri", "$"), "$.nlri", any))
        if (e.prefix.afi == Afi::kIpv4) nl.push_back(e);
    const Json empty = Json::array();
    const Json& attrs = o.contains("attributes") ? array(o, "attributes", "$") : empty;
    std::vector<NlriEntry> mp_v4_reach, mp_v4_unreach;
    for (std::size_t i = 0; i < attrs.size(); ++i) {
      Attribute a = attribute(attrs[i], "$.attributes[" + std::to_string(i) + "]", ctx);
      // IPv4 prefixes carried in MP_* must not be repeated in the classic fields.
      if (const auto* r = a.as<MpReach>(); r != nullptr && r->afi == 1 && r->safi == 1)
        for (const auto& e : r->entries()) mp_v4_reach.push_back(e);
      if (const auto* r = a.as<MpUnreach>(); r != nullptr && r->afi == 1 && r->safi == 1)
        for (const auto& e : r->entries()) mp_v4_unreach.push_back(e);
      u.attrs.add(std::move(a));
    }
    auto drop = [](std::vector<NlriEntry>& from, const std::vector<NlriEntry>& what) {
      for (const auto& e : what) {
        auto it = std::find(from.begin(), from.end(), e);
        if (it != from.end()) from.erase(it);
      }
    };
    drop(nl, mp_v4_reach);
    drop(wd, mp_v4_unreach);
    u.withdrawn = NlriView(encode_entries(wd, ctx.add_path.ipv4), Afi::kIpv4, ctx.add_path.ipv4);
    u.nlri = NlriView(encode_entries(nl, ctx.add_path.ipv4), Afi::kIpv4, ctx.add_path.ipv4);
    return u;
  }

  Open open(const Json& o) const {
    Open m;
    m.version = number_or<std::uint8_t>(o, "version", "$", 255, 4);
    m.my_as = number<std::uint16_t>(o, "my_as", "$", 0xffff);
    m.hold_time = number<std::uint16_t>(o, "hold_time", "$", 0xffff);
    m.bgp_id = v4(o, "bgp_id", "$");
    m.extended_parameters = o.value("extended_parameters", false);
    OptionalParameter p;
    p.type = 2;
    const Json empty = Json::array();
    const Json& caps = o.contains("capabilities") ? array(o, "capabilities", "$") : empty;
    for (std::size_t i = 0; i < caps.size(); ++i) {
      const std::string cp = "$.capabilities[" + std::to_string(i) + "]";
      const Json& cj = caps[i];
      Capability c;
      c.code = number<std::uint8_t>(cj, "code", cp, 255);
      if (cj.contains("raw")) {
        c.raw = hex(cj, "raw", cp);  // the raw value is authoritative for capabilities
      } else if (c.code == cap::kMultiprotocol) {
        Bytes b;
        Writer w(b);
        w.put16(number<std::uint16_t>(cj, "afi", cp, 0xffff));
        w.put8(0);
        w.put8(number<std::uint8_t>(cj, "safi", cp, 255));
        c.raw = arena_.keep(std::move(b));
      } else if (c.code == cap::kAs4) {
        Bytes b;
        Writer w(b);
        w.put32(number<std::uint32_t>(cj, "asn", cp, 0xffffffffu));
        c.raw = arena_.keep(std::move(b));
      } else if (c.code == cats_cap_) {
        c.raw = arena_.keep(Bytes{static_cast<std::byte>(number<std::uint8_t>(cj, "max_version", cp, 255))});
      }
      if (c.raw.size() > 255) fail(cp, "capability value longer than 255 octets");
      p.capabilities.push_back(std::move(c));
    }
    if (!p.capabilities.empty()) m.parameters.push_back(std::move(p));
    if (o.contains("optional_parameters")) {
      const Json& ps = array(o, "optional_parameters", "$");
      for (std::size_t i = 0; i < ps.size(); ++i) {
        const std::string pp = "$.optional_parameters[" + std::to_string(i) + "]";
        OptionalParameter op;
        op.type = number<std::uint8_t>(ps[i], "type", pp, 255);
        op.raw = hex(ps[i], "raw", pp);
        m.parameters.push_back(std::move(op));
      }
    }
    return m;
  }

 private:
  Arena& arena_;
  std::uint8_t cats_type_;
  std::uint8_t cats_cap_;
};

}  // namespace

Bytes encode_json_message(const Json& j, const EncodeContext& ctx, std::uint8_t cats_type,
                          std::uint8_t cats_capability) {
  Arena arena;
  Builder b(arena, cats_type, cats_capability);
  if (!j.is_object()) throw JsonError("$: expected an object");
  const std::string type = b.text(j, "type", "$");
  MessageBody body;
  if (type == "UPDATE") {
    body = b.update(j, ctx);
  } else if (type == "OPEN") {
    body = b.open(j);
  } else if (type == "KEEPALIVE") {
    body = Keepalive{};
  } else if (type == "NOTIFICATION") {
    body = Notification{b.number<std::uint8_t>(j, "code", "$", 255), b.number<std::uint8_t>(j, "subcode", "$", 255),
                        j.contains("data") ? b.hex(j, "data", "$") : ByteSpan{}};
  } else if (type == "ROUTE-REFRESH") {
    body =
        RouteRefresh{b.number<std::uint16_t>(j, "afi", "$", 0xffff),
                     b.number_or<std::uint8_t>(j, "subtype", "$", 255, 0), b.number<std::uint8_t>(j, "safi", "$", 255)};
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
