// NETCONF access control (RFC 8341) from the ietf-netconf-acm data in the
// running datastore: groups of users, rule-lists of rules matching protocol
// operations or data paths, first match wins, then the defaults
// (read permit, write deny, exec permit). Without any nacm container in the
// configuration every authenticated user may do everything (logged at start).
#pragma once

#include <libyang/libyang.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cats::netconf {

enum Access : std::uint8_t { kCreate = 1, kRead = 2, kUpdate = 4, kDelete = 8, kExec = 16, kAllAccess = 31 };

struct NacmRule {
  std::string name;
  std::string module = "*";
  std::optional<std::string> rpc;   // rule-type protocol-operation
  std::optional<std::string> path;  // rule-type data-node, as names without prefixes or predicates
  bool other_type = false;          // notification rules: never match an RPC or data
  std::uint8_t access = kAllAccess;
  bool permit = false;
};

struct NacmRuleList {
  std::string name;
  std::vector<std::string> groups;  // "*": every group
  std::vector<NacmRule> rules;
};

struct NacmConfig {
  bool configured = false;  // a nacm container exists
  bool enabled = true;
  bool read_permit = true;
  bool write_permit = false;
  bool exec_permit = true;
  std::map<std::string, std::vector<std::string>> groups;  // group -> users
  std::vector<NacmRuleList> rule_lists;
};

// The /ietf-netconf-acm:nacm container among the tree's top-level siblings.
NacmConfig nacm_from(const lyd_node* tree);

class Nacm {
 public:
  explicit Nacm(NacmConfig cfg = {}) : cfg_(std::move(cfg)) {}

  // A protocol operation (module, RPC name); close-session always passes,
  // kill-session and delete-config need a rule that permits them.
  bool may_exec(const std::string& user, std::string_view module, std::string_view rpc) const;
  // An access to a data node: its module and data path (predicates allowed).
  bool may_access(const std::string& user, std::string_view module, std::string_view path, Access access) const;
  bool configured() const { return cfg_.configured; }
  // A data path as the names rules compare: "/cats-bgp:bgp/neighbors/neighbor[address='x']" -> bgp/neighbors/neighbor.
  static std::string bare_path(std::string_view path);

 private:
  std::vector<const NacmRuleList*> lists_for(const std::string& user) const;
  NacmConfig cfg_;
};

}  // namespace cats::netconf
