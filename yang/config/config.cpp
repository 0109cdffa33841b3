#include "config/config.hpp"

#include <algorithm>

namespace cats::config {

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
const score::Profile* Config::profile(std::uint16_t id) const {
  return find(profiles, [&](const score::Profile& p) { return p.id == id; });
}

}  // namespace cats::config
