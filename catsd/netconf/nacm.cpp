#include "catsd/netconf/nacm.hpp"

#include <algorithm>
#include <sstream>

namespace cats::netconf {

namespace {

const char* text(const lyd_node* parent, std::string_view name) {
  for (const lyd_node* c = lyd_child(parent); c != nullptr; c = c->next)
    if (c->schema != nullptr && name == LYD_NAME(c)) return lyd_get_value(c);
  return nullptr;
}

std::vector<std::string> texts(const lyd_node* parent, std::string_view name) {
  std::vector<std::string> out;
  for (const lyd_node* c = lyd_child(parent); c != nullptr; c = c->next)
    if (c->schema != nullptr && name == LYD_NAME(c)) out.emplace_back(lyd_get_value(c));
  return out;
}

const lyd_node* child(const lyd_node* parent, std::string_view name) {
  for (const lyd_node* c = lyd_child(parent); c != nullptr; c = c->next)
    if (c->schema != nullptr && name == LYD_NAME(c)) return c;
  return nullptr;
}

std::uint8_t access_bits(const char* v) {
  if (v == nullptr || std::string_view{v} == "*") return kAllAccess;
  std::uint8_t bits = 0;
  std::istringstream words{v};
  for (std::string w; words >> w;) {
    if (w == "create") bits |= kCreate;
    if (w == "read") bits |= kRead;
    if (w == "update") bits |= kUpdate;
    if (w == "delete") bits |= kDelete;
    if (w == "exec") bits |= kExec;
  }
  return bits;
}

bool is_permit(const char* v, bool fallback) {
  return v == nullptr ? fallback : std::string_view{v} == "permit";
}

// Whether `path` (bare names) is `rule` or below it.
bool under(const std::string& path, const std::string& rule) {
  if (rule == "/" || rule.empty()) return true;
  if (path.compare(0, rule.size(), rule) != 0) return false;
  return path.size() == rule.size() || path[rule.size()] == '/';
}

}  // namespace

std::string Nacm::bare_path(std::string_view path) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '[') {  // a predicate: skip to its end (quotes may hold ']')
      char quote = 0;
      for (++i; i < path.size(); ++i) {
        if (quote != 0) {
          if (path[i] == quote) quote = 0;
        } else if (path[i] == '\'' || path[i] == '"') {
          quote = path[i];
        } else if (path[i] == ']') {
          ++i;
          break;
        }
      }
      continue;
    }
    if (path[i] == '/') {
      out += '/';
      ++i;
      // A step's module prefix goes.
      const auto end = path.find_first_of("/[", i);
      const auto colon = path.find(':', i);
      if (colon != std::string_view::npos && (end == std::string_view::npos || colon < end)) i = colon + 1;
      continue;
    }
    out += path[i++];
  }
  return out;
}

NacmConfig nacm_from(const lyd_node* tree) {
  NacmConfig cfg;
  const lyd_node* nacm = nullptr;
  for (const lyd_node* n = tree; n != nullptr; n = n->next)
    if (n->schema != nullptr && std::string_view{n->schema->module->name} == "ietf-netconf-acm" &&
        std::string_view{LYD_NAME(n)} == "nacm")
      nacm = n;
  if (nacm == nullptr) return cfg;
  cfg.configured = true;
  if (const char* v = text(nacm, "enable-nacm")) cfg.enabled = std::string_view{v} == "true";
  cfg.read_permit = is_permit(text(nacm, "read-default"), true);
  cfg.write_permit = is_permit(text(nacm, "write-default"), false);
  cfg.exec_permit = is_permit(text(nacm, "exec-default"), true);
  if (const lyd_node* groups = child(nacm, "groups"))
    for (const lyd_node* g = lyd_child(groups); g != nullptr; g = g->next)
      if (const char* name = text(g, "name")) cfg.groups[name] = texts(g, "user-name");
  for (const lyd_node* l = lyd_child(nacm); l != nullptr; l = l->next) {
    if (l->schema == nullptr || std::string_view{LYD_NAME(l)} != "rule-list") continue;
    NacmRuleList list;
    if (const char* name = text(l, "name")) list.name = name;
    list.groups = texts(l, "group");
    for (const lyd_node* r = lyd_child(l); r != nullptr; r = r->next) {
      if (r->schema == nullptr || std::string_view{LYD_NAME(r)} != "rule") continue;
      NacmRule rule;
      if (const char* v = text(r, "name")) rule.name = v;
      if (const char* v = text(r, "module-name")) rule.module = v;
      if (const char* v = text(r, "rpc-name")) rule.rpc = v;
      if (const char* v = text(r, "path")) rule.path = Nacm::bare_path(v);
      rule.other_type = text(r, "notification-name") != nullptr;
      rule.access = access_bits(text(r, "access-operations"));
      rule.permit = is_permit(text(r, "action"), false);
      list.rules.push_back(std::move(rule));
    }
    cfg.rule_lists.push_back(std::move(list));
  }
  return cfg;
}

std::vector<const NacmRuleList*> Nacm::lists_for(const std::string& user) const {
  std::vector<const NacmRuleList*> out;
  for (const auto& list : cfg_.rule_lists) {
    const bool member = std::any_of(list.groups.begin(), list.groups.end(), [&](const std::string& g) {
      if (g == "*") return true;
      const auto it = cfg_.groups.find(g);
      return it != cfg_.groups.end() && std::find(it->second.begin(), it->second.end(), user) != it->second.end();
    });
    if (member) out.push_back(&list);
  }
  return out;
}

bool Nacm::may_exec(const std::string& user, std::string_view module, std::string_view rpc) const {
  if (!cfg_.configured || !cfg_.enabled || rpc == "close-session") return true;
  for (const NacmRuleList* list : lists_for(user))
    for (const auto& r : list->rules) {
      if (r.other_type || r.path || (r.access & kExec) == 0) continue;
      if (r.module != "*" && r.module != module) continue;
      if (r.rpc && *r.rpc != "*" && *r.rpc != rpc) continue;
      return r.permit;
    }
  // RFC 8341 §3.2.5: these are nacm:default-deny-all.
  if (module == "ietf-netconf" && (rpc == "kill-session" || rpc == "delete-config")) return false;
  return cfg_.exec_permit;
}

bool Nacm::may_access(const std::string& user, std::string_view module, std::string_view path, Access access) const {
  if (!cfg_.configured || !cfg_.enabled) return true;
  const std::string bare = bare_path(path);
  for (const NacmRuleList* list : lists_for(user))
    for (const auto& r : list->rules) {
      if (r.other_type || r.rpc || (r.access & access) == 0) continue;
      if (r.module != "*" && r.module != module) continue;
      if (r.path && !under(bare, *r.path)) continue;
      return r.permit;
    }
  // The nacm container itself is nacm:default-deny-write.
  if (module == "ietf-netconf-acm" && access != kRead) return false;
  return access == kRead ? cfg_.read_permit : cfg_.write_permit;
}

}  // namespace cats::netconf
