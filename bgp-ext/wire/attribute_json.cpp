#include "bgp-ext/wire/attribute_json.hpp"

#include <array>

#include "bgp-ext/wire/attribute_table.hpp"

namespace cats::wire {

std::string ipv4_text(const std::array<std::uint8_t, 4>& a) {
  return address_to_string(Afi::kIpv4, std::as_bytes(std::span(a)));
}

Json nlri_json(const NlriView& v, std::uint8_t safi) {
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

namespace {

using Path = std::string;

// One pair per attribute value type: value -> fields, fields -> value.

void origin_to(const Origin& v, Json& o) {
  static constexpr const char* kNames[] = {"IGP", "EGP", "INCOMPLETE"};
  o["value"] = kNames[v.value];
}
Origin origin_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext&) {
  const std::string v = r.text(o, "value", path);
  std::uint8_t n = v == "IGP" ? 0 : v == "EGP" ? 1 : v == "INCOMPLETE" ? 2 : 255;
  if (n == 255) r.fail(path + ".value", "expected IGP, EGP or INCOMPLETE");
  return Origin{n};
}

void as_path_to(const AsPath& v, Json& o) {
  o["segments"] = as_path_json(v);
  o["as4"] = v.four_octet;
}
AsPath as_path_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext&) {
  AsPath p;
  r.each(o, "segments", path, [&](const Json& seg, const std::string& sp) {
    const std::string t = r.text(seg, "type", sp);
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
      r.fail(sp + ".type", "unknown segment type " + t);
    r.each(seg, "asns", sp, [&](const Json& n, const std::string& np) {
      if (!n.is_number_unsigned() || n.get<std::uint64_t>() > 0xffffffffu)
        r.fail(np, "expected a 32-bit unsigned integer");
      s.asns.push_back(n.get<std::uint32_t>());
    });
    p.segments.push_back(std::move(s));
  });
  return p;
}

void next_hop_to(const NextHop& v, Json& o) {
  o["next_hop"] = ipv4_text(v.addr);
}
NextHop next_hop_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext&) {
  return NextHop{r.v4(o, "next_hop", path)};
}

// MULTI_EXIT_DISC and LOCAL_PREF.
template <class T>
void u32_to(const T& v, Json& o) {
  o["value"] = v.value;
}
template <class T>
T u32_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext&) {
  return T{r.number<std::uint32_t>(o, "value", path, 0xffffffffu)};
}

void atomic_aggregate_to(const AtomicAggregate&, Json&) {}
AtomicAggregate atomic_aggregate_from(const JsonReader&, const Json&, const Path&, const EncodeContext&) {
  return {};
}

void aggregator_to(const Aggregator& v, Json& o) {
  o["asn"] = v.asn;
  o["address"] = ipv4_text(v.address);
}
Aggregator aggregator_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext&) {
  return Aggregator{r.number<std::uint32_t>(o, "asn", path, 0xffffffffu), r.v4(o, "address", path), true};
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

void communities_to(const Communities& v, Json& o) {
  Json cs = Json::array(), names = Json::array();
  for (auto c : v.values) {
    cs.push_back(std::to_string(c >> 16) + ":" + std::to_string(c & 0xffff));
    if (const char* n = well_known_community(c)) names.push_back(n);
  }
  o["communities"] = std::move(cs);
  if (!names.empty()) o["names"] = std::move(names);
}
Communities communities_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext&) {
  Communities c;
  r.each(o, "communities", path, [&](const Json& e, const std::string& cp) {
    if (!e.is_string()) r.fail(cp, "expected \"A:B\"");
    auto [hi, lo] = r.split_pair(e.get<std::string>(), cp);
    c.values.push_back((hi << 16) | (lo & 0xffff));
  });
  return c;
}

void originator_id_to(const OriginatorId& v, Json& o) {
  o["originator_id"] = ipv4_text(v.id);
}
OriginatorId originator_id_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext&) {
  return OriginatorId{r.v4(o, "originator_id", path)};
}

void cluster_list_to(const ClusterList& v, Json& o) {
  Json ids = Json::array();
  for (auto c : v.ids)
    ids.push_back(ipv4_text({static_cast<std::uint8_t>(c >> 24), static_cast<std::uint8_t>(c >> 16),
                             static_cast<std::uint8_t>(c >> 8), static_cast<std::uint8_t>(c)}));
  o["cluster_list"] = std::move(ids);
}
ClusterList cluster_list_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext&) {
  ClusterList c;
  r.each(o, "cluster_list", path, [&](const Json& e, const std::string& ep) {
    auto x = parse_address(Afi::kIpv4, e.is_string() ? e.get<std::string>() : "");
    if (!x) r.fail(ep, "invalid IPv4 address");
    c.ids.push_back(be32(std::as_bytes(std::span(*x)), 0));
  });
  return c;
}

// MP_REACH_NLRI and MP_UNREACH_NLRI: the family, then NLRI for the known ones.
template <class T>
void mp_family_to(const T& v, Json& o) {
  o["afi"] = v.afi;
  o["safi"] = v.safi;
}
template <class T>
T mp_family_from(const JsonReader& r, const Json& o, const Path& path) {
  T m;
  m.afi = r.number<std::uint16_t>(o, "afi", path, 0xffff);
  m.safi = r.number<std::uint8_t>(o, "safi", path, 255);
  return m;
}
ByteSpan nlri_from(const JsonReader& r, const Json& o, const char* key, const Path& path, const EncodeContext& ctx,
                   Afi afi) {
  return r.encode_entries(r.nlri_entries(o, key, path), afi == Afi::kIpv4 ? ctx.add_path.ipv4 : ctx.add_path.ipv6);
}

void mp_reach_to(const MpReach& v, Json& o) {
  mp_family_to(v, o);
  if (v.known_family()) {
    const Afi afi = static_cast<Afi>(v.afi);
    const std::size_t w = afi == Afi::kIpv4 ? 4 : 16;
    Json nhs = Json::array();
    for (std::size_t i = 0; i + w <= v.next_hop.size(); i += w)
      nhs.push_back(address_to_string(afi, v.next_hop.subspan(i, w)));
    o["next_hop"] = std::move(nhs);
    o["nlri"] = nlri_json(v.entries(), v.safi);
  } else {
    o["next_hop_hex"] = to_hex(v.next_hop);
    o["nlri_hex"] = to_hex(v.nlri);
  }
}
MpReach mp_reach_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext& ctx) {
  auto m = mp_family_from<MpReach>(r, o, path);
  if (m.known_family()) {
    const Afi afi = static_cast<Afi>(m.afi);
    Bytes nh;
    r.each(o, "next_hop", path, [&](const Json& e, const std::string& ep) {
      auto x = parse_address(afi, e.is_string() ? e.get<std::string>() : "");
      if (!x) r.fail(ep, "invalid address");
      const std::size_t w = afi == Afi::kIpv4 ? 4 : 16;
      for (std::size_t k = 0; k < w; ++k) nh.push_back(static_cast<std::byte>((*x)[k]));
    });
    m.next_hop = r.keep(std::move(nh));
    m.nlri = nlri_from(r, o, "nlri", path, ctx, afi);
  } else {
    m.next_hop = r.hex(o, "next_hop_hex", path);
    m.nlri = r.hex(o, "nlri_hex", path);
  }
  return m;
}

void mp_unreach_to(const MpUnreach& v, Json& o) {
  mp_family_to(v, o);
  if (v.known_family())
    o["withdrawn"] = nlri_json(v.entries(), v.safi);
  else
    o["withdrawn_hex"] = to_hex(v.withdrawn);
}
MpUnreach mp_unreach_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext& ctx) {
  auto m = mp_family_from<MpUnreach>(r, o, path);
  if (m.known_family())
    m.withdrawn = nlri_from(r, o, "withdrawn", path, ctx, static_cast<Afi>(m.afi));
  else
    m.withdrawn = r.hex(o, "withdrawn_hex", path);
  return m;
}

void ext_communities_to(const ExtCommunities& v, Json& o) {
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
}
ExtCommunities ext_communities_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext&) {
  ExtCommunities e;
  r.each(o, "communities", path, [&](const Json& c, const std::string& cp) {
    ByteSpan b = r.hex(c, "raw", cp);
    if (b.size() != 8) r.fail(cp + ".raw", "expected 8 octets");
    e.values.push_back(be64(b, 0));
  });
  return e;
}

void large_communities_to(const LargeCommunities& v, Json& o) {
  Json cs = Json::array();
  for (const auto& c : v.values)
    cs.push_back(std::to_string(c[0]) + ":" + std::to_string(c[1]) + ":" + std::to_string(c[2]));
  o["communities"] = std::move(cs);
}
LargeCommunities large_communities_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext&) {
  LargeCommunities l;
  r.each(o, "communities", path, [&](const Json& c, const std::string& cp) {
    if (!c.is_string()) r.fail(cp, "expected \"A:B:C\"");
    const std::string s = c.get<std::string>();
    auto c1 = s.find(':'), c2 = s.find(':', c1 == std::string::npos ? 0 : c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos) r.fail(cp, "expected \"A:B:C\"");
    try {
      l.values.push_back({static_cast<std::uint32_t>(std::stoul(s.substr(0, c1))),
                          static_cast<std::uint32_t>(std::stoul(s.substr(c1 + 1, c2 - c1 - 1))),
                          static_cast<std::uint32_t>(std::stoul(s.substr(c2 + 1)))});
    } catch (const std::exception&) {
      r.fail(cp, "expected \"A:B:C\" with numbers");
    }
  });
  return l;
}

void aigp_to(const Aigp& v, Json& o) {
  Json ts = Json::array();
  for (const auto& t : v.tlvs) {
    if (t.type == 1 && t.value.size() == 8)
      ts.push_back({{"type", 1}, {"metric", be64(t.value, 0)}});
    else
      ts.push_back({{"type", t.type}, {"value", to_hex(t.value)}});
  }
  o["tlvs"] = std::move(ts);
}
Aigp aigp_from(const JsonReader& r, const Json& o, const Path& path, const EncodeContext&) {
  Aigp g;
  r.each(o, "tlvs", path, [&](const Json& tj, const std::string& tp) {
    Aigp::Tlv t;
    t.type = r.number<std::uint8_t>(tj, "type", tp, 255);
    if (tj.contains("metric")) {
      Bytes b;
      Writer w(b);
      w.put64(r.number<std::uint64_t>(tj, "metric", tp, ~std::uint64_t{0}));
      t.value = r.keep(std::move(b));
    } else {
      t.value = r.hex(tj, "value", tp);
    }
    g.tlvs.push_back(t);
  });
  return g;
}

template <class T, void (*To)(const T&, Json&)>
void to_json_as(const AttrValue& v, Json& o) {
  To(std::get<T>(v), o);
}
template <class T, T (*From)(const JsonReader&, const Json&, const Path&, const EncodeContext&)>
AttrValue from_json_as(const JsonReader& r, const Json& o, const Path& path, const EncodeContext& ctx) {
  return From(r, o, path, ctx);
}
template <class T, void (*To)(const T&, Json&),
          T (*From)(const JsonReader&, const Json&, const Path&, const EncodeContext&)>
constexpr AttributeJson row() {
  return {&to_json_as<T, To>, &from_json_as<T, From>};
}

constexpr std::array<AttributeJson, 256> kTable = [] {
  std::array<AttributeJson, 256> t{};
  t[attr::kOrigin] = row<Origin, origin_to, origin_from>();
  t[attr::kAsPath] = row<AsPath, as_path_to, as_path_from>();
  t[attr::kNextHop] = row<NextHop, next_hop_to, next_hop_from>();
  t[attr::kMed] = row<Med, u32_to<Med>, u32_from<Med>>();
  t[attr::kLocalPref] = row<LocalPref, u32_to<LocalPref>, u32_from<LocalPref>>();
  t[attr::kAtomicAggregate] = row<AtomicAggregate, atomic_aggregate_to, atomic_aggregate_from>();
  t[attr::kAggregator] = row<Aggregator, aggregator_to, aggregator_from>();
  t[attr::kCommunities] = row<Communities, communities_to, communities_from>();
  t[attr::kOriginatorId] = row<OriginatorId, originator_id_to, originator_id_from>();
  t[attr::kClusterList] = row<ClusterList, cluster_list_to, cluster_list_from>();
  t[attr::kMpReach] = row<MpReach, mp_reach_to, mp_reach_from>();
  t[attr::kMpUnreach] = row<MpUnreach, mp_unreach_to, mp_unreach_from>();
  t[attr::kExtCommunities] = row<ExtCommunities, ext_communities_to, ext_communities_from>();
  t[attr::kAs4Path] = row<AsPath, as_path_to, as_path_from>();
  t[attr::kAs4Aggregator] = row<Aggregator, aggregator_to, aggregator_from>();
  t[attr::kAigp] = row<Aigp, aigp_to, aigp_from>();
  t[attr::kLargeCommunity] = row<LargeCommunities, large_communities_to, large_communities_from>();
  return t;
}();

constexpr AttributeJson kCatsExp = row<CatsExp, cats_exp_to_json, cats_exp_from_json>();

const AttributeJson* described(std::uint8_t type) {
  const AttributeJson& j = kTable[type];
  return j.to_json != nullptr ? &j : nullptr;
}

}  // namespace

const AttributeJson* attribute_json(std::uint8_t type, std::uint8_t cats_type) {
  return type == cats_type ? &kCatsExp : described(type);
}

Json attribute_to_json(const Attribute& a, const DecodeContext& ctx) {
  Json o;
  o["type_code"] = a.type;
  o["flags"] = a.flags;
  o["name"] = a.recognised ? attribute_name(a.type, ctx.cats_type)
                           : (a.type == attr::kEdgeMetadata ? "EDGE_METADATA" : "UNKNOWN");
  o["length"] = a.raw.size();
  o["raw"] = to_hex(a.raw);
  if (a.discarded) o["discarded"] = true;
  if (a.malformed) o["malformed"] = true;
  // As in encode_attribute(): the value picks the row, bytes have none.
  if (a.as<Opaque>() == nullptr) {
    if (const auto* j = a.as<CatsExp>() != nullptr ? &kCatsExp : described(a.type)) j->to_json(a.value, o);
  }
  return o;
}

Attribute attribute_from_json(const JsonReader& r, const Json& o, const std::string& path, const EncodeContext& ctx,
                              std::uint8_t cats_type) {
  Attribute a;
  a.type = r.number<std::uint8_t>(o, "type_code", path, 255);
  a.flags = r.number<std::uint8_t>(o, "flags", path, 255);
  // Recognised as the decoder does it, E20 included (the CATS code with foreign O/T bits).
  const AttributeDescriptor* d = attribute_descriptor(a.type, cats_type);
  const bool raw_only = o.value("discarded", false) || o.value("malformed", false) || d == nullptr ||
                        (a.type == cats_type && (a.flags & (attr::kOptional | attr::kTransitive)) != d->flags);
  a.value = raw_only ? AttrValue{Opaque{r.hex(o, "raw", path)}}
                     : attribute_json(a.type, cats_type)->from_json(r, o, path, ctx);
  return a;
}

}  // namespace cats::wire
