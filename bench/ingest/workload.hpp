// The ingest benchmark's workloads, shared by the feeder
// (bench/ingest/feeder.cpp) and the RIB kernel benchmark (bench/rib_bench.cpp).
//
// Workload A: N distinct IPv4 prefixes (90 % /24 from 10.0.0.0 upward,
// 10 % /32 from 100.64.0.0), packed, every UPDATE carrying a CATS-EXP
// attribute, 11 attribute sets (L2 score 0..10, AS_PATH length 1..3).
// Workload B: N/4 anycast /32 from 100.64.0.0, each with ADD-PATH path ids
// 1..4 (next hop = the feeder's address + path id - 1, L2 per path).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include "bgp-ext/wire/message.hpp"

namespace cats::bench {

using namespace cats::wire;

struct Stream {
  Bytes bytes;  // every UPDATE then End-of-RIB, back to back
  std::vector<std::size_t> message_ends;
  std::size_t updates = 0;
  std::size_t paths = 0;
  std::size_t attribute_sets = 0;
};

// One attribute set, kept with the bytes its decoded values borrow.
struct AttrSet {
  Bytes bytes;
  AttributeSet set;
};

// `local_pref`: added when set (an iBGP feeder's UPDATEs carry one).
inline AttrSet make_attrs(std::uint32_t local_as, std::array<std::uint8_t, 4> next_hop, unsigned variant,
                          std::optional<std::uint32_t> local_pref = std::nullopt) {
  AttrSet a;
  Writer w(a.bytes);
  w.put8(attr::kTransitive);
  w.put8(attr::kOrigin);
  w.put8(1);
  w.put8(0);  // IGP
  // AS_SEQUENCE: our AS, then 0..2 more ASNs (AS_PATH length varies).
  const unsigned extra = variant % 3;
  w.put8(attr::kTransitive);
  w.put8(attr::kAsPath);
  w.put8(static_cast<std::uint8_t>(2 + 4 * (1 + extra)));
  w.put8(2);
  w.put8(static_cast<std::uint8_t>(1 + extra));
  w.put32(local_as);
  for (unsigned k = 0; k < extra; ++k) w.put32(64512 + variant);
  w.put8(attr::kTransitive);
  w.put8(attr::kNextHop);
  w.put8(4);
  for (auto b : next_hop) w.put8(b);
  if (local_pref) {
    w.put8(attr::kTransitive);
    w.put8(attr::kLocalPref);
    w.put8(4);
    w.put32(*local_pref);
  }
  // CATS-EXP v1: value header, then a Site-Metrics TLV with one L2 norm_fi.
  w.put8(attr::kOptional | attr::kTransitive);
  w.put8(kDefaultCatsType);
  w.put8(12);
  w.put32(0x01000000);
  w.put8(cats_tlv::kSiteMetrics);
  w.put16(5);
  w.put8(cats_metric::kNormFi);
  w.put8(3);
  w.put16(cats_metric::kL2Descriptor);
  w.put8(static_cast<std::uint8_t>(variant % 11));
  DecodeContext ctx;
  ctx.as4 = true;
  std::vector<DecodeError> errors;
  decode_path_attributes(a.bytes, ctx, a.set, errors);
  if (!errors.empty()) throw std::logic_error("internal: attribute set does not decode");
  return a;
}

inline Prefix v4(std::uint32_t addr, std::uint8_t len) {
  Prefix p;
  p.length = len;
  p.addr = {static_cast<std::uint8_t>(addr >> 24), static_cast<std::uint8_t>(addr >> 16),
            static_cast<std::uint8_t>(addr >> 8), static_cast<std::uint8_t>(addr)};
  return p;
}

inline void append(Stream& s, const PackedUpdates& p) {
  if (!p.ok) throw std::logic_error("internal: attributes leave no room for a prefix");
  for (const auto& m : p.messages) {
    s.bytes.insert(s.bytes.end(), m.begin(), m.end());
    s.message_ends.push_back(s.bytes.size());
    ++s.updates;
  }
}

// `as`: the first ASN of every AS_PATH.
inline Stream build_stream(char workload, std::size_t prefixes, std::uint32_t as, std::array<std::uint8_t, 4> nh,
                           std::optional<std::uint32_t> local_pref = std::nullopt) {
  Stream s;
  EncodeContext ectx;
  ectx.as4 = true;
  std::vector<AttrSet> sets;
  const std::uint32_t base24 = 10u << 24;
  const std::uint32_t base32 = (100u << 24) | (64u << 16);
  if (workload == 'A') {
    for (unsigned v = 0; v < 11; ++v) sets.push_back(make_attrs(as, nh, v, local_pref));
    const std::size_t n32 = prefixes / 10;
    const std::size_t n24 = prefixes - n32;
    std::vector<NlriEntry> all;
    all.reserve(prefixes);
    for (std::size_t i = 0; i < n24; ++i) all.push_back({v4(base24 + static_cast<std::uint32_t>(i << 8), 24), {}});
    for (std::size_t i = 0; i < n32; ++i) all.push_back({v4(base32 + static_cast<std::uint32_t>(i), 32), {}});
    // Blocks that fill about one 4096-octet message each.
    std::size_t block = 0;
    for (std::size_t i = 0; i < all.size(); ++block) {
      const std::size_t len = std::min<std::size_t>(all[i].prefix.length == 24 ? 1000 : 800, all.size() - i);
      const std::size_t end = (i < n24 && i + len > n24) ? n24 : i + len;
      append(s, pack_announcements(sets[block % sets.size()].set, Afi::kIpv4, {}, std::span(all).subspan(i, end - i),
                                   ectx));
      i = end;
    }
    s.paths = all.size();
  } else {
    ectx.add_path.ipv4 = true;
    // Per path id p (1..4): next hop nh + p - 1; 11 L2 variants per path id.
    for (unsigned p = 1; p <= 4; ++p) {
      auto h = nh;
      h[3] = static_cast<std::uint8_t>(h[3] + p - 1);
      for (unsigned v = 0; v < 11; ++v) sets.push_back(make_attrs(as, h, v, local_pref));
    }
    const std::size_t n = prefixes / 4;
    std::vector<NlriEntry> block_entries;
    std::size_t block = 0;
    for (std::size_t i = 0; i < n; i += 800, ++block) {
      const std::size_t len = std::min<std::size_t>(800, n - i);
      for (unsigned p = 1; p <= 4; ++p) {
        block_entries.clear();
        for (std::size_t k = 0; k < len; ++k)
          block_entries.push_back({v4(base32 + static_cast<std::uint32_t>(i + k), 32), p});
        const auto& set = sets[std::size_t{p - 1} * 11 + (block + p) % 11].set;
        append(s, pack_announcements(set, Afi::kIpv4, {}, block_entries, ectx));
      }
    }
    s.paths = n * 4;
  }
  s.attribute_sets = sets.size();
  const Bytes eor = end_of_rib_message(Afi::kIpv4);
  s.bytes.insert(s.bytes.end(), eor.begin(), eor.end());
  s.message_ends.push_back(s.bytes.size());
  return s;
}

}  // namespace cats::bench
