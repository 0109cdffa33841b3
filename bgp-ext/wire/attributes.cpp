#include "bgp-ext/wire/attributes.hpp"

#include <bit>

namespace cats::wire {

namespace {
DecodeStatus bad_length(const std::string& what, std::size_t got) {
  return Malformed{notify::kAttrLength, what + " length " + std::to_string(got) + " is invalid"};
}

// A non-empty list of `width`-octet items; `read(v, offset)` decodes one.
template <class T, class Read>
DecodeStatus decode_list(ByteSpan v, std::size_t width, const char* what, std::vector<T>& out, Read read) {
  if (v.empty() || v.size() % width != 0) return bad_length(what, v.size());
  out.clear();
  out.reserve(v.size() / width);
  for (std::size_t i = 0; i < v.size(); i += width) out.push_back(read(v, i));
  return std::nullopt;
}

// MP_REACH/MP_UNREACH: the NLRI of a unicast family, checked once here.
DecodeStatus nlri_status(const char* what, ByteSpan nlri, Afi afi, bool add_path) {
  if (auto e = validate_nlri(nlri, afi, add_path))
    return Malformed{notify::kOptionalAttr, std::string(what) + ": " + *e};
  return std::nullopt;
}
}  // namespace

Attribute built_attribute(std::uint8_t flags, std::uint8_t type, AttrValue value) {
  return Attribute{.flags = flags, .type = type, .value = std::move(value)};
}

DecodeStatus Origin::decode(ByteSpan v, Origin& out) {
  if (v.size() != 1) return bad_length("ORIGIN", v.size());
  out.value = u8(v, 0);
  if (out.value > 2) return Malformed{notify::kInvalidOrigin, "ORIGIN value " + std::to_string(out.value)};
  return std::nullopt;
}
void Origin::encode(Writer& w) const {
  w.put8(value);
}

const char* segment_type_name(SegmentType t) {
  switch (t) {
    case SegmentType::kSet: return "AS_SET";
    case SegmentType::kSequence: return "AS_SEQUENCE";
    case SegmentType::kConfedSequence: return "AS_CONFED_SEQUENCE";
    case SegmentType::kConfedSet: return "AS_CONFED_SET";
  }
  return "UNKNOWN";
}

DecodeStatus AsPath::decode(ByteSpan v, bool four_octet, AsPath& out) {
  out.segments.clear();
  out.four_octet = four_octet;
  const std::size_t width = four_octet ? 4 : 2;
  std::size_t pos = 0;
  while (pos < v.size()) {
    if (v.size() - pos < 2) return Malformed{notify::kMalformedAsPath, "truncated AS_PATH segment header"};
    const std::uint8_t type = u8(v, pos);
    const std::uint8_t count = u8(v, pos + 1);
    pos += 2;
    if (type < 1 || type > 4)
      return Malformed{notify::kMalformedAsPath, "AS_PATH segment type " + std::to_string(type)};
    if (count == 0) return Malformed{notify::kMalformedAsPath, "empty AS_PATH segment"};
    if (v.size() - pos < count * width)
      return Malformed{notify::kMalformedAsPath, "AS_PATH segment overruns the attribute"};
    AsSegment seg;
    seg.type = static_cast<SegmentType>(type);
    seg.asns.reserve(count);
    for (std::uint8_t i = 0; i < count; ++i, pos += width) seg.asns.push_back(four_octet ? be32(v, pos) : be16(v, pos));
    out.segments.push_back(std::move(seg));
  }
  return std::nullopt;
}

void AsPath::encode(Writer& w, bool four) const {
  for (const auto& seg : segments) {
    // Segments hold at most 255 ASNs; longer ones are split.
    for (std::size_t start = 0; start < seg.asns.size(); start += 255) {
      const std::size_t n = std::min<std::size_t>(255, seg.asns.size() - start);
      w.put8(static_cast<std::uint8_t>(seg.type));
      w.put8(static_cast<std::uint8_t>(n));
      for (std::size_t i = start; i < start + n; ++i) {
        if (four)
          w.put32(seg.asns[i]);
        else
          w.put16(static_cast<std::uint16_t>(seg.asns[i] > 0xffff ? kAsTrans : seg.asns[i]));
      }
    }
  }
}

std::size_t AsPath::path_length() const {
  std::size_t n = 0;
  for (const auto& s : segments) {
    if (s.type == SegmentType::kSequence) n += s.asns.size();
    if (s.type == SegmentType::kSet) n += 1;
  }
  return n;
}

bool AsPath::has_confed() const {
  for (const auto& s : segments)
    if (s.type == SegmentType::kConfedSequence || s.type == SegmentType::kConfedSet) return true;
  return false;
}

AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path) {
  // RFC 6793 §4.2.3: if AS_PATH is shorter than AS4_PATH, ignore AS4_PATH;
  // otherwise keep the leading AS_PATH entries that AS4_PATH does not cover.
  const std::size_t n2 = as_path.path_length();
  const std::size_t n4 = as4_path.path_length();
  if (n2 < n4) return as_path;
  std::size_t keep = n2 - n4;
  AsPath out;
  out.four_octet = true;
  for (const auto& seg : as_path.segments) {
    if (keep == 0) break;
    if (seg.type == SegmentType::kConfedSequence || seg.type == SegmentType::kConfedSet) {
      out.segments.push_back(seg);  // confed segments do not count and stay leading
      continue;
    }
    if (seg.type == SegmentType::kSet) {
      out.segments.push_back(seg);
      --keep;
      continue;
    }
    AsSegment part{seg.type, {}};
    for (auto asn : seg.asns) {
      if (keep == 0) break;
      part.asns.push_back(asn);
      --keep;
    }
    out.segments.push_back(std::move(part));
  }
  for (const auto& seg : as4_path.segments) out.segments.push_back(seg);
  return out;
}

DecodeStatus NextHop::decode(ByteSpan v, NextHop& out) {
  if (v.size() != 4) return bad_length("NEXT_HOP", v.size());
  std::memcpy(out.addr.data(), v.data(), 4);
  const auto a = out.addr;
  // RFC 4271 §6.3 / RFC 7606 §7.3: semantically invalid next hops.
  if (be32(v, 0) == 0 || be32(v, 0) == 0xffffffffu || (a[0] & 0xf0) == 0xe0)
    return Malformed{notify::kInvalidNextHop,
                     "NEXT_HOP " + address_to_string(Afi::kIpv4, v) + " is not a unicast address"};
  return std::nullopt;
}
void NextHop::encode(Writer& w) const {
  w.put(std::as_bytes(std::span(addr)));
}

DecodeStatus Med::decode(ByteSpan v, Med& out) {
  if (v.size() != 4) return bad_length("MULTI_EXIT_DISC", v.size());
  out.value = be32(v, 0);
  return std::nullopt;
}

DecodeStatus LocalPref::decode(ByteSpan v, LocalPref& out) {
  if (v.size() != 4) return bad_length("LOCAL_PREF", v.size());
  out.value = be32(v, 0);
  return std::nullopt;
}

DecodeStatus AtomicAggregate::decode(ByteSpan v, AtomicAggregate&) {
  if (!v.empty()) return bad_length("ATOMIC_AGGREGATE", v.size());
  return std::nullopt;
}

DecodeStatus Aggregator::decode(ByteSpan v, bool four_octet, Aggregator& out) {
  const std::size_t want = four_octet ? 8 : 6;
  if (v.size() != want) return bad_length(four_octet ? "AGGREGATOR (4-octet AS)" : "AGGREGATOR", v.size());
  out.four_octet = four_octet;
  out.asn = four_octet ? be32(v, 0) : be16(v, 0);
  std::memcpy(out.address.data(), v.data() + (four_octet ? 4 : 2), 4);
  return std::nullopt;
}
void Aggregator::encode(Writer& w, bool four) const {
  if (four)
    w.put32(asn);
  else
    w.put16(static_cast<std::uint16_t>(asn > 0xffff ? kAsTrans : asn));
  w.put(std::as_bytes(std::span(address)));
}

DecodeStatus Communities::decode(ByteSpan v, Communities& out) {
  return decode_list(v, 4, "COMMUNITIES", out.values, be32);
}
void Communities::encode(Writer& w) const {
  for (auto c : values) w.put32(c);
}

DecodeStatus OriginatorId::decode(ByteSpan v, OriginatorId& out) {
  if (v.size() != 4) return bad_length("ORIGINATOR_ID", v.size());
  std::memcpy(out.id.data(), v.data(), 4);
  return std::nullopt;
}
void OriginatorId::encode(Writer& w) const {
  w.put(std::as_bytes(std::span(id)));
}

DecodeStatus ClusterList::decode(ByteSpan v, ClusterList& out) {
  return decode_list(v, 4, "CLUSTER_LIST", out.ids, be32);
}
void ClusterList::encode(Writer& w) const {
  for (auto c : ids) w.put32(c);
}

static bool unicast_family(std::uint16_t afi, std::uint8_t safi) {
  return (afi == 1 || afi == 2) && safi == kSafiUnicast;
}
bool MpReach::known_family() const {
  return unicast_family(afi, safi);
}
bool MpUnreach::known_family() const {
  return unicast_family(afi, safi);
}

DecodeStatus MpReach::decode(ByteSpan v, const AddPath& ap, MpReach& out) {
  if (v.size() < 5) return Malformed{notify::kOptionalAttr, "MP_REACH_NLRI shorter than 5 octets"};
  out.afi = be16(v, 0);
  out.safi = u8(v, 2);
  const std::uint8_t nh_len = u8(v, 3);
  if (v.size() < 5u + nh_len) return Malformed{notify::kOptionalAttr, "MP_REACH_NLRI next hop overruns the attribute"};
  out.next_hop = v.subspan(4, nh_len);
  out.reserved = u8(v, 4u + nh_len);
  out.nlri = v.subspan(5u + nh_len);
  if (!out.known_family()) return std::nullopt;  // kept opaque
  const Afi afi = static_cast<Afi>(out.afi);
  out.add_path = ap.for_afi(afi);
  const bool nh_ok = afi == Afi::kIpv4 ? nh_len == 4 : (nh_len == 16 || nh_len == 32);
  if (!nh_ok)
    return Malformed{notify::kOptionalAttr, "MP_REACH_NLRI next hop length " + std::to_string(nh_len) +
                                                " is invalid for AFI " + std::to_string(out.afi)};
  return nlri_status("MP_REACH_NLRI", out.nlri, afi, out.add_path);
}

void MpReach::encode(Writer& w) const {
  w.put16(afi);
  w.put8(safi);
  w.put8(static_cast<std::uint8_t>(next_hop.size()));
  w.put(next_hop);
  w.put8(reserved);
  w.put(nlri);
}

DecodeStatus MpUnreach::decode(ByteSpan v, const AddPath& ap, MpUnreach& out) {
  if (v.size() < 3) return Malformed{notify::kOptionalAttr, "MP_UNREACH_NLRI shorter than 3 octets"};
  out.afi = be16(v, 0);
  out.safi = u8(v, 2);
  out.withdrawn = v.subspan(3);
  if (!out.known_family()) return std::nullopt;
  const Afi afi = static_cast<Afi>(out.afi);
  out.add_path = ap.for_afi(afi);
  return nlri_status("MP_UNREACH_NLRI", out.withdrawn, afi, out.add_path);
}

void MpUnreach::encode(Writer& w) const {
  w.put16(afi);
  w.put8(safi);
  w.put(withdrawn);
}

std::uint64_t LinkBandwidth::to_community() const {
  const std::uint64_t type = transitive ? 0x00 : 0x40;
  return (type << 56) | (std::uint64_t{0x04} << 48) | (std::uint64_t{asn} << 32) |
         std::bit_cast<std::uint32_t>(bytes_per_second);
}

std::optional<LinkBandwidth> ExtCommunities::link_bandwidth(std::uint64_t c) {
  const auto type = static_cast<std::uint8_t>(c >> 56);
  const auto subtype = static_cast<std::uint8_t>(c >> 48);
  if ((type != 0x00 && type != 0x40) || subtype != 0x04) return std::nullopt;
  LinkBandwidth lb;
  lb.transitive = type == 0x00;
  lb.asn = static_cast<std::uint16_t>(c >> 32);
  lb.bytes_per_second = std::bit_cast<float>(static_cast<std::uint32_t>(c));
  return lb;
}

std::optional<LinkBandwidth> ExtCommunities::lowest_link_bandwidth() const {
  std::optional<LinkBandwidth> best;
  for (auto c : values)
    if (auto lb = link_bandwidth(c))
      if (!best || lb->bytes_per_second < best->bytes_per_second) best = lb;
  return best;
}

DecodeStatus ExtCommunities::decode(ByteSpan v, ExtCommunities& out) {
  return decode_list(v, 8, "EXTENDED_COMMUNITIES", out.values, be64);
}
void ExtCommunities::encode(Writer& w) const {
  for (auto c : values) w.put64(c);
}

DecodeStatus LargeCommunities::decode(ByteSpan v, LargeCommunities& out) {
  return decode_list(v, 12, "LARGE_COMMUNITY", out.values, [](ByteSpan b, std::size_t i) {
    return std::array<std::uint32_t, 3>{be32(b, i), be32(b, i + 4), be32(b, i + 8)};
  });
}
void LargeCommunities::encode(Writer& w) const {
  for (const auto& c : values)
    for (auto x : c) w.put32(x);
}

std::optional<std::uint64_t> Aigp::metric() const {
  for (const auto& t : tlvs)
    if (t.type == 1 && t.value.size() == 8) return be64(t.value, 0);
  return std::nullopt;
}

DecodeStatus Aigp::decode(ByteSpan v, Aigp& out) {
  out.tlvs.clear();
  bool have_metric = false;
  std::size_t pos = 0;
  while (pos < v.size()) {
    if (v.size() - pos < 3) return Malformed{notify::kOptionalAttr, "AIGP: truncated TLV header"};
    Tlv t;
    t.type = u8(v, pos);
    const std::uint16_t len = be16(v, pos + 1);  // includes the 3-octet header
    if (len < 3 || v.size() - pos < len)
      return Malformed{notify::kOptionalAttr, "AIGP: TLV length " + std::to_string(len)};
    t.value = v.subspan(pos + 3, len - 3u);
    pos += len;
    if (t.type == 1) {
      // RFC 7311 §3.2: one AIGP TLV of length 11; a second one is malformed.
      if (t.value.size() != 8 || have_metric) return Malformed{notify::kOptionalAttr, "AIGP: bad or repeated AIGP TLV"};
      have_metric = true;
    }
    out.tlvs.push_back(t);
  }
  return std::nullopt;
}

void Aigp::encode(Writer& w) const {
  for (const auto& t : tlvs) {
    w.put8(t.type);
    w.put16(static_cast<std::uint16_t>(t.value.size() + 3));
    w.put(t.value);
  }
}

Bytes Aigp::make_value(std::uint64_t metric) {
  Bytes b;
  Writer w(b);
  w.put8(1);
  w.put16(11);
  w.put64(metric);
  return b;
}

}  // namespace cats::wire
