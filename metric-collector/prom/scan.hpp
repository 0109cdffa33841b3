// Lexical helpers of the exposition parser: character classes and the
// word-at-a-time scans of its hot loop. Internal to prom/.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace cats::prom::scan {

// Character classes; 0.0.4 and OpenMetrics share the name syntax.
enum : std::uint8_t { kMetricStart = 1, kMetricChar = 2, kLabelStart = 4, kLabelChar = 8, kBlank = 16 };

inline constexpr std::array<std::uint8_t, 256> kClass = [] {
  std::array<std::uint8_t, 256> t{};
  constexpr std::uint8_t kLetter = kMetricStart | kMetricChar | kLabelStart | kLabelChar;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kLetter;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kLetter;
  for (int c = '0'; c <= '9'; ++c) t[c] = kMetricChar | kLabelChar;
  t['_'] = kLetter;
  t[':'] = kMetricStart | kMetricChar;
  t[' '] = kBlank;
  t['\t'] = kBlank;
  return t;
}();

inline bool is(char c, std::uint8_t cls) {
  return (kClass[static_cast<unsigned char>(c)] & cls) != 0;
}
inline const char* skip_blanks(const char* p, const char* e) {
  while (p < e && is(*p, kBlank)) ++p;
  return p;
}
inline const char* skip_token(const char* p, const char* e) {
  while (p < e && !is(*p, kBlank)) ++p;
  return p;
}
inline const char* scan_name(const char* p, const char* e, std::uint8_t start, std::uint8_t rest) {
  if (p == e || !is(*p, start)) return p;
  ++p;
  while (p < e && is(*p, rest)) ++p;
  return p;
}

// First '"' or '\\' in [p, e), or e: eight bytes at a time with the
// has-zero-byte trick (the lowest flagged byte is always a true match).
inline const char* find_quote_or_backslash(const char* p, const char* e) {
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kHighs = 0x8080808080808080ull;
    while (e - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      const std::uint64_t q = w ^ (kOnes * '"');
      const std::uint64_t b = w ^ (kOnes * '\\');
      const std::uint64_t hit = (((q - kOnes) & ~q) | ((b - kOnes) & ~b)) & kHighs;
      if (hit) return p + (std::countr_zero(hit) >> 3);
      p += 8;
    }
  }
  while (p < e && *p != '"' && *p != '\\') ++p;
  return p;
}

// Equality of short byte strings (names) without a call: word loads, the
// last one overlapping.
inline bool same_bytes(const char* a, const char* b, std::size_t n) {
  auto load8 = [](const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  auto load4 = [](const char* p) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
  };
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (load8(a + i) != load8(b + i)) return false;
    }
    return load8(a + n - 8) == load8(b + n - 8);
  }
  if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Exporters write the same names line after line: when the text at p is
// `guess` followed by a character that cannot continue the name, the name is
// found without scanning it byte by byte. Returns its end, or nullptr.
inline const char* match_guess(const char* p, const char* e, std::string_view guess, std::uint8_t rest) {
  const std::size_t n = guess.size();
  if (n == 0 || static_cast<std::size_t>(e - p) <= n || is(p[n], rest)) return nullptr;
  return same_bytes(p, guess.data(), n) ? p + n : nullptr;
}

}  // namespace cats::prom::scan
