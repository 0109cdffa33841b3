#include "yang/loader/host_bits.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

namespace cats::loader {
namespace {

// The prefix with its host bits cleared, or nullopt when `text` has none set
// (or is no prefix: libyang has judged that already).
std::optional<std::string> masked(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  const std::string addr = text.substr(0, slash);
  unsigned len = 0;
  const char* end = text.data() + text.size();
  if (std::from_chars(text.data() + slash + 1, end, len).ptr != end) return std::nullopt;
  std::array<unsigned char, 16> bytes{};
  const bool v6 = addr.find(':') != std::string::npos;
  if (inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), bytes.data()) != 1) return std::nullopt;
  const unsigned bits = v6 ? 128 : 32;
  if (len > bits) return std::nullopt;
  bool set = false;
  for (unsigned i = len; i < bits; ++i) {
    const auto mask = static_cast<unsigned char>(0x80u >> (i % 8));
    if ((bytes[i / 8] & mask) != 0) {
      set = true;
      bytes[i / 8] &= static_cast<unsigned char>(~mask);
    }
  }
  if (!set) return std::nullopt;
  std::array<char, INET6_ADDRSTRLEN> out{};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), out.data(), out.size());
  return std::string(out.data()) + "/" + std::to_string(len);
}

// A list entry's step: its key member when it has one of the usual names.
std::string step(const std::string& list, const nlohmann::json& entry, std::size_t index) {
  for (const char* key : {"name", "address", "id", "seq"}) {
    if (const auto it = entry.find(key); it != entry.end() && (it->is_string() || it->is_number()))
      return list + "[" + key + "='" + (it->is_string() ? it->get<std::string>() : it->dump()) + "']";
  }
  return list + "[" + std::to_string(index + 1) + "]";
}

void walk(const nlohmann::json& node, const std::string& path, config::ConfigErrors& out) {
  if (!node.is_object()) return;
  for (const auto& [key, value] : node.items()) {
    const std::string name = key.substr(key.find(':') == std::string::npos ? 0 : key.find(':') + 1);
    const std::string here = path + "/" + (path.empty() ? key : name);
    if (name == "prefix") {
      auto check = [&](const nlohmann::json& v) {
        if (!v.is_string()) return;
        if (auto fixed = masked(v.get<std::string>()))
          out.push_back({here, v.get<std::string>() + " has host bits set (the prefix is " + *fixed + ")"});
      };
      if (value.is_array()) {
        for (const auto& v : value) check(v);
      } else {
        check(value);
      }
      continue;
    }
    if (value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) walk(value[i], path + "/" + step(name, value[i], i), out);
    } else {
      walk(value, here, out);
    }
  }
}

}  // namespace

config::ConfigErrors check_prefix_host_bits(const std::string& json) {
  config::ConfigErrors out;
  const auto doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_discarded()) walk(doc, "", out);
  return out;
}

std::vector<std::pair<std::string, std::string>> xml_prefixes_with_host_bits(const std::string& xml) {
  // Elements named prefix, with or without a namespace prefix of their own:
  // <prefix>V</prefix>, <cb:prefix xmlns:cb="...">V</cb:prefix>.
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at + 1)) {
    const std::size_t name_end = xml.find_first_of(" \t\r\n/>", at + 1);
    if (name_end == std::string::npos) break;
    std::string name = xml.substr(at + 1, name_end - at - 1);
    if (const auto colon = name.find(':'); colon != std::string::npos) name = name.substr(colon + 1);
    if (name != "prefix") continue;
    const std::size_t open_end = xml.find('>', name_end);
    if (open_end == std::string::npos || xml[open_end - 1] == '/') continue;
    const std::size_t close = xml.find('<', open_end);
    if (close == std::string::npos) break;
    std::string value = xml.substr(open_end + 1, close - open_end - 1);
    const auto first = value.find_first_not_of(" \t\r\n");
    const auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
    if (auto fixed = masked(value)) out.emplace_back(value, *fixed);
  }
  return out;
}

}  // namespace cats::loader
