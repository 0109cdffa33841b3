// Helpers for codec tests: build messages from hex fragments.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "bgp-ext/wire/message.hpp"

namespace cats::wire::test {

inline Bytes hex(std::string_view s) {
  auto b = from_hex(s);
  EXPECT_TRUE(b.has_value()) << "bad hex in test: " << s;
  return b.value_or(Bytes{});
}

// A whole UPDATE from its three fields (hex).
inline Bytes update_msg(std::string_view attrs, std::string_view nlri = "", std::string_view withdrawn = "") {
  const Bytes a = hex(attrs), n = hex(nlri), w = hex(withdrawn);
  Bytes out;
  Writer wr(out);
  const auto start = begin_message(wr, MessageType::kUpdate);
  wr.put16(static_cast<std::uint16_t>(w.size()));
  wr.put(w);
  wr.put16(static_cast<std::uint16_t>(a.size()));
  wr.put(a);
  wr.put(n);
  finish_message(wr, start);
  return out;
}

// Attributes every route needs: ORIGIN IGP, empty AS_PATH, NEXT_HOP 192.0.2.1.
inline constexpr std::string_view kBase =
    "400101004002004003"
    "04c0000201";
inline constexpr std::string_view kNlri = "20cb00710a";  // 203.0.113.10/32

inline DecodeContext as4_ctx() {
  DecodeContext c;
  c.as4 = true;
  return c;
}

}  // namespace cats::wire::test

namespace cats::wire::test {

inline std::string hex_byte(unsigned v) {
  static constexpr char d[] = "0123456789abcdef";
  return {d[(v >> 4) & 0xf], d[v & 0xf]};
}

// One path attribute: flags, type, computed length, value (hex).
inline std::string A(unsigned flags, unsigned type, std::string_view value) {
  const std::size_t len = value.size() / 2;
  std::string s = hex_byte(flags) + hex_byte(type);
  if (flags & 0x10) s += hex_byte(static_cast<unsigned>(len >> 8));
  return s + hex_byte(static_cast<unsigned>(len & 0xff)) + std::string(value);
}
// A CATS-EXP TLV (2-octet length).
inline std::string T(unsigned type, std::string_view value) {
  const std::size_t len = value.size() / 2;
  return hex_byte(type) + hex_byte(static_cast<unsigned>(len >> 8)) + hex_byte(static_cast<unsigned>(len & 0xff)) +
         std::string(value);
}
// A CATS-EXP metric sub-TLV: type, length (descriptor + value), descriptor, value.
inline std::string M(unsigned type, std::string_view descriptor, std::string_view value) {
  return hex_byte(type) + hex_byte(static_cast<unsigned>(2 + value.size() / 2)) + std::string(descriptor) +
         std::string(value);
}
inline std::string cats(std::string_view tlvs, std::string_view header = "01000000") {
  return A(0xc0, 255, std::string(header) + std::string(tlvs));
}
inline const std::string kOrigin = A(0x40, 1, "00");
inline const std::string kAsPath = A(0x40, 2, "");
inline const std::string kNextHopAttr = A(0x40, 3, "c0000201");
inline const std::string kMandatory = kOrigin + kAsPath + kNextHopAttr;
inline const std::string kL2Eight = M(1, "8100", "08");

}  // namespace cats::wire::test
