// Path attributes (RFC 4271 §5 and extensions), one value type each. Decoded
// values borrow variable-length payloads (NLRI, unknown bytes) from the message
// buffer; fixed-size fields are copied.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bgp-ext/wire/bytes.hpp"
#include "bgp-ext/wire/cats_exp.hpp"
#include "bgp-ext/wire/nlri.hpp"

namespace cats::wire {

namespace attr {
inline constexpr std::uint8_t kOrigin = 1;
inline constexpr std::uint8_t kAsPath = 2;
inline constexpr std::uint8_t kNextHop = 3;
inline constexpr std::uint8_t kMed = 4;
inline constexpr std::uint8_t kLocalPref = 5;
inline constexpr std::uint8_t kAtomicAggregate = 6;
inline constexpr std::uint8_t kAggregator = 7;
inline constexpr std::uint8_t kCommunities = 8;
inline constexpr std::uint8_t kOriginatorId = 9;
inline constexpr std::uint8_t kClusterList = 10;
inline constexpr std::uint8_t kMpReach = 14;
inline constexpr std::uint8_t kMpUnreach = 15;
inline constexpr std::uint8_t kExtCommunities = 16;
inline constexpr std::uint8_t kAs4Path = 17;
inline constexpr std::uint8_t kAs4Aggregator = 18;
inline constexpr std::uint8_t kAigp = 26;
inline constexpr std::uint8_t kLargeCommunity = 32;
inline constexpr std::uint8_t kEdgeMetadata = 42;

inline constexpr std::uint8_t kOptional = 0x80;
inline constexpr std::uint8_t kTransitive = 0x40;
inline constexpr std::uint8_t kPartial = 0x20;
inline constexpr std::uint8_t kExtendedLength = 0x10;
}  // namespace attr

inline constexpr std::uint32_t kAsTrans = 23456;

struct Origin {
  std::uint8_t value = 0;  // 0 IGP, 1 EGP, 2 INCOMPLETE
  static DecodeStatus decode(ByteSpan v, Origin& out);
  void encode(Writer& w) const;
};

enum class SegmentType : std::uint8_t { kSet = 1, kSequence = 2, kConfedSequence = 3, kConfedSet = 4 };
const char* segment_type_name(SegmentType t);

struct AsSegment {
  SegmentType type = SegmentType::kSequence;
  std::vector<std::uint32_t> asns;
  bool operator==(const AsSegment&) const = default;
};

// AS_PATH and AS4_PATH. `four_octet` records the ASN width used on the wire.
struct AsPath {
  std::vector<AsSegment> segments;
  bool four_octet = true;
  static DecodeStatus decode(ByteSpan v, bool four_octet, AsPath& out);
  // ASNs above 65535 become AS_TRANS when written with 2 octets (RFC 6793 §4.2.2).
  void encode(Writer& w, bool four_octet) const;
  // RFC 4271 §9.1.2.2 a): a set counts as one, confederation segments as zero.
  std::size_t path_length() const;
  bool has_confed() const;
  bool operator==(const AsPath& o) const { return segments == o.segments; }
};

// RFC 6793 §4.2.3: rebuild the real path from a 2-octet AS_PATH and AS4_PATH.
AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path);

struct NextHop {
  std::array<std::uint8_t, 4> addr{};
  static DecodeStatus decode(ByteSpan v, NextHop& out);
  void encode(Writer& w) const;
};

struct Med {
  std::uint32_t value = 0;
  static DecodeStatus decode(ByteSpan v, Med& out);
  void encode(Writer& w) const { w.put32(value); }
};

struct LocalPref {
  std::uint32_t value = 0;
  static DecodeStatus decode(ByteSpan v, LocalPref& out);
  void encode(Writer& w) const { w.put32(value); }
};

struct AtomicAggregate {
  static DecodeStatus decode(ByteSpan v, AtomicAggregate& out);
  void encode(Writer&) const {}
};

// AGGREGATOR (2- or 4-octet ASN) and AS4_AGGREGATOR (always 4).
struct Aggregator {
  std::uint32_t asn = 0;
  std::array<std::uint8_t, 4> address{};
  bool four_octet = true;
  static DecodeStatus decode(ByteSpan v, bool four_octet, Aggregator& out);
  void encode(Writer& w, bool four_octet) const;
};

struct Communities {
  std::vector<std::uint32_t> values;
  static DecodeStatus decode(ByteSpan v, Communities& out);
  void encode(Writer& w) const;
};

struct OriginatorId {
  std::array<std::uint8_t, 4> id{};
  static DecodeStatus decode(ByteSpan v, OriginatorId& out);
  void encode(Writer& w) const;
};

struct ClusterList {
  std::vector<std::uint32_t> ids;
  static DecodeStatus decode(ByteSpan v, ClusterList& out);
  void encode(Writer& w) const;
};

struct MpReach {
  std::uint16_t afi = 0;
  std::uint8_t safi = 0;
  ByteSpan next_hop;  // 4, 16 or 32 octets for the unicast families
  std::uint8_t reserved = 0;
  ByteSpan nlri;
  bool add_path = false;
  // Unicast IPv4/IPv6 are decoded; other families are kept opaque.
  bool known_family() const;
  NlriView entries() const { return {nlri, static_cast<Afi>(afi), add_path}; }
  static DecodeStatus decode(ByteSpan v, const AddPath& ap, MpReach& out);
  void encode(Writer& w) const;
};

struct MpUnreach {
  std::uint16_t afi = 0;
  std::uint8_t safi = 0;
  ByteSpan withdrawn;
  bool add_path = false;
  bool known_family() const;
  NlriView entries() const { return {withdrawn, static_cast<Afi>(afi), add_path}; }
  static DecodeStatus decode(ByteSpan v, const AddPath& ap, MpUnreach& out);
  void encode(Writer& w) const;
};

// Link Bandwidth extended community (RFC 10005): AS + float32 bytes/second.
struct LinkBandwidth {
  bool transitive = true;
  std::uint16_t asn = 0;
  float bytes_per_second = 0;
  std::uint64_t to_community() const;
};

struct ExtCommunities {
  std::vector<std::uint64_t> values;
  static std::optional<LinkBandwidth> link_bandwidth(std::uint64_t community);
  // RFC 10005 as applied by FRR: with several, the lowest value counts.
  std::optional<LinkBandwidth> lowest_link_bandwidth() const;
  static DecodeStatus decode(ByteSpan v, ExtCommunities& out);
  void encode(Writer& w) const;
};

struct LargeCommunities {
  std::vector<std::array<std::uint32_t, 3>> values;
  static DecodeStatus decode(ByteSpan v, LargeCommunities& out);
  void encode(Writer& w) const;
};

// AIGP (RFC 7311): TLVs whose length includes the 3-octet header.
struct Aigp {
  struct Tlv {
    std::uint8_t type = 0;
    ByteSpan value;
  };
  std::vector<Tlv> tlvs;
  std::optional<std::uint64_t> metric() const;
  static DecodeStatus decode(ByteSpan v, Aigp& out);
  void encode(Writer& w) const;
  static Bytes make_value(std::uint64_t metric);
};

// Unknown attributes, type 42 and discarded attributes: bytes only.
struct Opaque {
  ByteSpan value;
  void encode(Writer& w) const { w.put(value); }
};

using AttrValue =
    std::variant<Opaque, Origin, AsPath, NextHop, Med, LocalPref, AtomicAggregate, Aggregator, Communities,
                 OriginatorId, ClusterList, MpReach, MpUnreach, ExtCommunities, LargeCommunities, Aigp, CatsExp>;

struct Attribute {
  std::uint8_t flags = 0;  // as received (Partial and Extended Length included)
  std::uint8_t type = 0;
  ByteSpan raw = {};       // value octets as received (empty for built attributes)
  bool discarded = false;  // RFC 7606 attribute-discard or a duplicate
  bool malformed = false;
  bool recognised = true;  // false: handled as an unrecognised attribute (RFC 4271 §5)
  AttrValue value;

  template <class T>
  const T* as() const {
    return std::get_if<T>(&value);
  }
};

// An attribute we build rather than received: no raw octets.
Attribute built_attribute(std::uint8_t flags, std::uint8_t type, AttrValue value);

struct EncodeContext {
  bool as4 = true;
  AddPath add_path;  // families for which ADD-PATH send was negotiated
  bool extended_message = false;
  std::size_t max_message() const { return extended_message ? 65535 : 4096; }
};

// Human name of an attribute type ("ORIGIN", "CATS-EXP", "UNKNOWN", ...).
const char* attribute_name(std::uint8_t type, std::uint8_t cats_type);

// Writes flags/type/length and the value. Extended Length is used when the
// value exceeds 255 octets or the attribute arrived with it; low bits cleared.
void encode_attribute(Writer& w, const Attribute& a, const EncodeContext& ctx);

}  // namespace cats::wire
