// Messages shared by the codec benchmarks (wire_bench, wire_instr); the prefix
// generators also by tests/wire/packing_test.cpp.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "bgp-ext/wire/message.hpp"

namespace cats::wire::bench {

inline const std::string kTv1 =
    "ffffffffffffffffffffffffffffffff0040020000002440010100400200400304c000020140050400000064c0ff0c01000000020005010381"
    "000820cb00710a";

inline Bytes cats_value_8_instances() {
  Bytes b;
  Writer w(b);
  w.put32(0x01000000);
  w.put8(cats_tlv::kMetricControl);
  w.put16(8);
  w.put32(42);
  w.put16(10);
  w.put16(1);
  w.put8(cats_tlv::kSiteMetrics);
  w.put16(5);
  w.put8(cats_metric::kNormFi);
  w.put8(3);
  w.put16(cats_metric::kL2Descriptor);
  w.put8(8);
  for (int i = 0; i < 8; ++i) {
    w.put8(cats_tlv::kContactInstance);
    w.put16(18 + 10);
    w.put8(2);
    w.put8(0);
    for (int k = 0; k < 15; ++k) w.put8(k == 0 ? 0x20 : 0);
    w.put8(static_cast<std::uint8_t>(i + 1));
    for (std::uint8_t t : {cats_metric::kComputeNorm, cats_metric::kCommunicationNorm}) {
      w.put8(t);
      w.put8(3);
      w.put16(cats_metric::kL1Descriptor);
      w.put8(static_cast<std::uint8_t>(i % 11));
    }
  }
  return b;
}

// Attributes of the packed messages, decoded from bytes kept alive here.
struct Attrs {
  Bytes bytes;
  AttributeSet set;
};

inline Attrs make_attrs(bool next_hop) {
  Attrs a;
  Writer w(a.bytes);
  auto put = [&](std::uint8_t flags, std::uint8_t type, const Bytes& v) {
    w.put8(flags);
    w.put8(type);
    w.put8(static_cast<std::uint8_t>(v.size()));
    w.put(v);
  };
  put(0x40, attr::kOrigin, {std::byte{0}});
  put(0x40, attr::kAsPath, *from_hex("02020000fde80000fde9"));
  if (next_hop) put(0x40, attr::kNextHop, *from_hex("c0000201"));
  put(0x40, attr::kLocalPref, *from_hex("00000064"));
  put(0xc0, kDefaultCatsType,
      *from_hex("010000000400080000002a000a0001020005010381000"
                "8"));
  DecodeContext ctx;
  ctx.as4 = true;
  std::vector<DecodeError> errors;
  decode_path_attributes(a.bytes, ctx, a.set, errors);
  if (!errors.empty()) std::abort();
  return a;
}

// The path id of the i-th generated prefix.
using PathIdOf = std::optional<std::uint32_t> (*)(std::size_t i);
inline std::optional<std::uint32_t> no_path_id(std::size_t /*i*/) {
  return std::nullopt;
}
inline std::optional<std::uint32_t> cycled_path_id(std::size_t i) {
  return static_cast<std::uint32_t>(i % 4 + 1);
}

// n distinct prefixes 10.x.y.0/24.
inline std::vector<NlriEntry> v4(std::size_t n, PathIdOf path_id = no_path_id) {
  std::vector<NlriEntry> out;
  for (std::size_t i = 0; i < n; ++i) {
    Prefix p;
    p.length = 24;
    p.addr = {10, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 0};
    out.push_back({p, path_id(i)});
  }
  return out;
}

// n distinct prefixes 2001:db8:cafe::x:y/128.
inline std::vector<NlriEntry> v6(std::size_t n, PathIdOf path_id = no_path_id) {
  std::vector<NlriEntry> out;
  for (std::size_t i = 0; i < n; ++i) {
    Prefix p;
    p.afi = Afi::kIpv6;
    p.length = 128;
    p.addr = {0x20, 0x01, 0x0d, 0xb8, 0xca, 0xfe};
    p.addr[14] = static_cast<std::uint8_t>(i >> 8);
    p.addr[15] = static_cast<std::uint8_t>(i);
    out.push_back({p, path_id(i)});
  }
  return out;
}

inline std::vector<NlriEntry> v6_addpath(std::size_t n) {
  return v6(n, cycled_path_id);
}

// Visits every prefix of a decoded UPDATE, as the RIB ingest will: the
// NLRI field, then MP_REACH_NLRI. Returns the count; `sum` keeps the work
// from being optimised away.
struct Visited {
  std::size_t prefixes = 0;
  std::uint32_t sum = 0;
};
inline Visited visit_prefixes(const Update& u) {
  Visited v;
  for (const auto& e : u.nlri) {
    v.sum += e.prefix.addr[2];
    ++v.prefixes;
  }
  if (const auto* r = u.mp_reach())
    for (const auto& e : r->entries()) {
      v.sum += e.prefix.addr[15] + e.path_id.value_or(0);
      ++v.prefixes;
    }
  return v;
}

}  // namespace cats::wire::bench
