// Helpers for exposition tests: a one-line-per-item text form of a parse
// result, so table rows can pair input text with what it parses to.
#pragma once

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "metric-collector/prom/exposition.hpp"
#include "metric-collector/prom/query.hpp"

namespace cats::prom::test {

// Shortest round-trip form; NaN and infinities as the text formats write them.
inline std::string num(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// Unescaped text as is, but a newline shown as <LF> to keep one item per line.
inline std::string shown(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n')
      out += "<LF>";
    else
      out += c;
  }
  return out;
}

// name{a="1",b="2"} value [@ts] role/family
inline std::string render(const ParseResult& r, const Sample& s) {
  std::string out(s.name);
  if (!s.labels.empty()) {
    out += '{';
    for (std::size_t i = 0; i < s.labels.size(); ++i) {
      if (i) out += ',';
      out += std::string(s.labels[i].name) + "=\"" + shown(s.labels[i].value) + '"';
    }
    out += '}';
  }
  out += ' ' + num(s.value);
  if (s.timestamp_ms) out += " @" + std::to_string(*s.timestamp_ms);
  out += std::string(" ") + role_name(s.role) + '/' + std::string(r.families[s.family].name);
  return out;
}

// One line per sample; see render() above.
inline std::string samples(const ParseResult& r) {
  std::string out;
  for (const Sample& s : r.samples) out += render(r, s) + '\n';
  return out;
}

// One line per family: name type [help="..."] [unit="..."]
inline std::string families(const ParseResult& r) {
  std::string out;
  for (const Family& f : r.families) {
    out += std::string(f.name) + ' ' + type_name(f.type);
    if (f.help_line) out += " help=\"" + shown(f.help) + '"';
    if (!f.unit.empty()) out += " unit=\"" + std::string(f.unit) + '"';
    out += '\n';
  }
  return out;
}

// One line per error: line:column reason
inline std::string errors(const ParseResult& r) {
  std::string out;
  for (const ParseError& e : r.errors)
    out += std::to_string(e.line) + ':' + std::to_string(e.column) + ' ' + e.reason + '\n';
  return out;
}

// xorshift64: a fast, reproducible stream of pseudo-random numbers.
class Xorshift {
 public:
  explicit Xorshift(std::uint64_t seed) : x_(seed) {}
  std::uint64_t operator()() {
    x_ ^= x_ << 13;
    x_ ^= x_ >> 7;
    x_ ^= x_ << 17;
    return x_;
  }

 private:
  std::uint64_t x_;
};

inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(CATS_PROM_FIXTURES) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << name;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace cats::prom::test
