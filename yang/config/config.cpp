#include "yang/config/config.hpp"

#include <algorithm>
#include <charconv>

namespace cats::config {

std::string ConfigError::message() const {
  return path.empty() ? reason : path + ": " + reason;
}

const char* role_name(Role r) {
  switch (r) {
    case Role::kEdge: return "edge";
    case Role::kIngress: return "ingress";
    case Role::kReflector: return "reflector";
    case Role::kController: return "controller";
  }
  return "unknown";
}

bool Global::has_role(Role r) const {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

namespace {
template <typename T, typename Pred>
const T* find(const std::vector<T>& v, Pred pred) {
  auto it = std::find_if(v.begin(), v.end(), pred);
  return it == v.end() ? nullptr : &*it;
}
}  // namespace

const Neighbor* Config::neighbor(std::string_view address) const {
  return find(neighbors, [&](const Neighbor& n) { return n.address == address; });
}
const PrefixList* Config::prefix_list(std::string_view name) const {
  return find(prefix_lists, [&](const PrefixList& p) { return p.name == name; });
}
const Service* Config::service(std::string_view name) const {
  return find(services, [&](const Service& s) { return s.name == name; });
}
const Profile* Config::profile(std::uint16_t id) const {
  return find(profiles, [&](const Profile& p) { return p.id == id; });
}

namespace {
// The built-in classes differ only in these.
ServiceClass builtin_class(const char* name, double network_weight, double compute_weight,
                           std::uint8_t leave_threshold) {
  ServiceClass c;
  c.name = name;
  c.network_weight = network_weight;
  c.compute_weight = compute_weight;
  c.leave_threshold = leave_threshold;
  return c;
}
}  // namespace

ServiceClass delay_sensitive_class() {
  return builtin_class("delay-sensitive", 3, 1, 3);
}

ServiceClass delay_tolerant_class() {
  return builtin_class("delay-tolerant", 1, 3, 6);
}

FibScope Config::fib_scope() const {
  if (fib.scope) return *fib.scope;
  return global.has_role(Role::kIngress) ? FibScope::kServices : FibScope::kNone;
}

const ServiceClass* Steering::find_class(std::string_view name) const {
  return find(classes, [&](const ServiceClass& c) { return c.name == name; });
}

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  HttpUrl out;
  if (slash != std::string_view::npos) out.path = std::string{url.substr(slash)};
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials in a scrape URL
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string{authority.substr(1, close - 1)};
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') return std::nullopt;
    if (!authority.empty()) port = authority.substr(1);
  } else {
    const auto colon = authority.find(':');
    out.host = std::string{authority.substr(0, colon)};
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (port.find(':') != std::string_view::npos) return std::nullopt;  // an IPv6 literal needs brackets
  }
  if (out.host.empty()) return std::nullopt;
  if (!port.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || end != port.data() + port.size() || p == 0 || p > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(p);
  }
  return out;
}

}  // namespace cats::config
