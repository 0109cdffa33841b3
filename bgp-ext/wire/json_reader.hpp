// Typed fields of a message's JSON form, for building the message: every
// error names the JSON path of the field ("$.attributes[2].value: ...").
// Octets built from the JSON live in the arena the reader is given.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bgp-ext/wire/json.hpp"

namespace cats::wire {

class JsonReader {
 public:
  explicit JsonReader(Arena& arena) : arena_(arena) {}

  [[noreturn]] void fail(const std::string& path, const std::string& why) const { throw JsonError(path + ": " + why); }

  ByteSpan keep(Bytes b) const { return arena_.keep(std::move(b)); }

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
    return keep(std::move(*b));
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

  // Calls f(element, its path) for each element of the array `key`.
  template <class F>
  void each(const Json& o, const char* key, const std::string& path, F&& f) const {
    const Json& arr = array(o, key, path);
    for (std::size_t i = 0; i < arr.size(); ++i) f(arr[i], path + "." + key + "[" + std::to_string(i) + "]");
  }

  std::vector<NlriEntry> nlri_entries(const Json& o, const char* key, const std::string& path) const {
    std::vector<NlriEntry> out;
    each(o, key, path, [&](const Json& e, const std::string& p) {
      auto pf = Prefix::parse(text(e, "prefix", p));
      if (!pf) fail(p + ".prefix", "invalid prefix");
      NlriEntry n{*pf, std::nullopt};
      if (e.contains("path_id")) n.path_id = number<std::uint32_t>(e, "path_id", p, 0xffffffffu);
      out.push_back(n);
    });
    return out;
  }

  ByteSpan encode_entries(const std::vector<NlriEntry>& es, bool add_path) const {
    Bytes b;
    Writer w(b);
    for (const auto& e : es) encode_nlri(w, e, add_path);
    return keep(std::move(b));
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

 private:
  Arena& arena_;
};

}  // namespace cats::wire
