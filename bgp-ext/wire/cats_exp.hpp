// CATS-EXP v1, the project's experimental CATS metric attribute
// (docs/spec/CATS-BGP-ENCODINGS.md §B.3). Everything CATS-encoding-specific
// lives here so the IETF draft's encoding can replace it behind the same calls:
// decode(), encode(), drain(), site_score(), metric_control().
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "bgp-ext/wire/bytes.hpp"
#include "bgp-ext/wire/error.hpp"

namespace cats::wire {

inline constexpr std::uint8_t kDefaultCatsType = 255;
inline constexpr std::uint8_t kDefaultCatsCapability = 239;
inline constexpr std::uint8_t kCatsDrainFlag = 0x80;

namespace cats_tlv {
inline constexpr std::uint8_t kCsId = 1;
inline constexpr std::uint8_t kSiteMetrics = 2;
inline constexpr std::uint8_t kContactInstance = 3;
inline constexpr std::uint8_t kMetricControl = 4;
}  // namespace cats_tlv

namespace cats_metric {
inline constexpr std::uint8_t kNormFi = 1;  // L2 single score
inline constexpr std::uint8_t kComputeNorm = 2;
inline constexpr std::uint8_t kCommunicationNorm = 3;
inline constexpr std::uint8_t kServiceNorm = 4;
inline constexpr std::uint8_t kComposedNorm = 5;
inline constexpr std::uint8_t kStorageNorm = 6;
inline constexpr std::uint16_t kL2Descriptor = 0x8100;  // L2, uint, unit-less, normalisation
inline constexpr std::uint16_t kL1Descriptor = 0x4100;
inline constexpr std::uint8_t kMaxScore = 10;
}  // namespace cats_metric

const char* cats_metric_name(std::uint8_t type);  // "norm_fi", ..., "unknown"
const char* cats_unit_name(std::uint8_t unit);
const char* cats_source_name(std::uint8_t source);
const char* cats_statistics_name(std::uint8_t st);
const char* cats_tlv_name(std::uint8_t type);

struct CatsMetric {
  std::uint8_t type = 0;
  std::uint16_t descriptor = 0;
  ByteSpan value;
  std::string ignored;  // non-empty: rule E27 made us ignore it (the reason)

  std::uint8_t level() const { return static_cast<std::uint8_t>(descriptor >> 14); }
  bool is_float() const { return ((descriptor >> 13) & 1u) != 0; }
  std::uint8_t unit() const { return static_cast<std::uint8_t>((descriptor >> 9) & 0xfu); }
  std::uint8_t source() const { return static_cast<std::uint8_t>((descriptor >> 6) & 0x7u); }
  std::uint8_t statistics() const { return static_cast<std::uint8_t>((descriptor >> 4) & 0x3u); }
  bool known_type() const;
  bool usable() const { return ignored.empty() && known_type(); }
  // Value as a number (uint of 1/2/4/8 octets or float32/64); nullopt if the
  // width does not fit the format.
  std::optional<double> number() const;
};

struct CatsId {
  std::uint8_t id_type = 0;  // 1 IPv4, 2 IPv6, 3 32-bit opaque, 4 128-bit opaque
  ByteSpan id;
  std::string to_string() const;
  static std::optional<std::size_t> length_for(std::uint8_t id_type);
};

struct CatsCsId {
  CatsId id;
};
struct CatsSiteMetrics {
  std::vector<CatsMetric> metrics;
};
struct CatsContactInstance {
  CatsId id;
  std::uint8_t reserved = 0;
  std::vector<CatsMetric> metrics;
};
struct CatsMetricControl {
  std::uint32_t sequence = 0;
  std::uint16_t interval = 0;
  std::uint16_t profile = 0;
};

struct CatsTlv {
  std::uint8_t type = 0;
  ByteSpan value;       // the TLV value as received (kept for unknown/ignored TLVs)
  std::string ignored;  // non-empty: rule E25/E26 made us ignore it
  std::variant<std::monostate, CatsCsId, CatsSiteMetrics, CatsContactInstance, CatsMetricControl> body;
};

struct CatsExp {
  std::uint8_t version = 1;
  std::uint8_t value_flags = 0;  // D bit and reserved bits, as received
  std::uint16_t reserved = 0;
  ByteSpan opaque;  // everything after the value header when version != 1
  std::vector<CatsTlv> tlvs;
  std::vector<std::string> warnings;  // E24-E27 events, for the log

  bool understood() const { return version == 1; }
  bool drain() const { return (value_flags & kCatsDrainFlag) != 0; }
  const CatsCsId* cs_id() const;
  const CatsSiteMetrics* site_metrics() const;
  const CatsMetricControl* metric_control() const;
  // Effective site score S (B.3.5 reception rule 2); nullopt = unknown.
  std::optional<std::uint8_t> site_score() const;

  // Framing errors (E21, E23) are Malformed; everything else is a warning.
  static DecodeStatus decode(ByteSpan v, CatsExp& out);
  void encode(Writer& w) const;
};

// Score of one metric set: its L2 norm_fi, else the minimum valid L1 score.
std::optional<std::uint8_t> metric_set_score(std::span<const CatsMetric> metrics);

}  // namespace cats::wire
