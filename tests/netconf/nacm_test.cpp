// NETCONF access control (RFC 8341): rule-lists by group, first matching
// rule wins, then the defaults; one row per question.
#include "catsd/netconf/nacm.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cats::netconf {
namespace {

NacmConfig example() {
  NacmConfig c;
  c.configured = true;
  c.groups = {{"admin", {"alice"}}, {"viewers", {"victor"}}, {"operators", {"otto"}}};
  NacmRuleList admin{"admin", {"admin"}, {}};
  admin.rules.push_back({"all", "*", std::nullopt, std::nullopt, false, kAllAccess, true});
  NacmRuleList ro{"read-only", {"viewers"}, {}};
  ro.rules.push_back({"secrets", "cats-bgp", std::nullopt, "/bgp/netconf", false, kRead, false});
  ro.rules.push_back({"get", "ietf-netconf", "get-config", std::nullopt, false, kExec, true});
  ro.rules.push_back({"rest", "*", "*", std::nullopt, false, kExec, false});
  NacmRuleList ops{"operators", {"operators"}, {}};
  ops.rules.push_back({"neighbors", "cats-bgp", std::nullopt, "/bgp/neighbors", false,
                       static_cast<std::uint8_t>(kCreate | kUpdate | kDelete), true});
  c.rule_lists = {admin, ro, ops};
  return c;
}

struct Row {
  const char* user;
  bool exec;  // an RPC (module, name) or a data access (module, path, access)
  const char* module;
  const char* what;
  Access access;
  bool allowed;
};

TEST(Nacm, RulesThenDefaults) {
  const Nacm nacm{example()};
  const std::vector<Row> rows = {
      {"alice", true, "ietf-netconf", "edit-config", kExec, true},
      {"alice", true, "ietf-netconf", "kill-session", kExec, true},  // permitted by a rule
      {"alice", false, "cats-bgp", "/cats-bgp:bgp/global/as", kUpdate, true},
      {"victor", true, "ietf-netconf", "get-config", kExec, true},
      {"victor", true, "ietf-netconf", "edit-config", kExec, false},
      {"victor", true, "ietf-netconf", "close-session", kExec, true},  // always
      {"victor", false, "cats-bgp", "/cats-bgp:bgp/netconf/user[name='x']/password", kRead, false},
      {"victor", false, "cats-bgp", "/cats-bgp:bgp/neighbors", kRead, true},     // read-default
      {"victor", false, "cats-bgp", "/cats-bgp:bgp/neighbors", kUpdate, false},  // write-default
      {"otto", true, "ietf-netconf", "edit-config", kExec, true},                // exec-default
      {"otto", true, "ietf-netconf", "kill-session", kExec, false},              // default-deny-all
      {"otto", true, "ietf-netconf", "delete-config", kExec, false},             // default-deny-all
      {"otto", false, "cats-bgp", "/cats-bgp:bgp/neighbors/neighbor[address='192.0.2.1']", kCreate, true},
      {"otto", false, "cats-bgp", "/cats-bgp:bgp/neighbors-x", kCreate, false},  // not below the rule's path
      {"otto", false, "cats-bgp", "/cats-bgp:bgp/services/service[name='a/b']", kDelete, false},
      {"otto", false, "ietf-netconf-acm", "/ietf-netconf-acm:nacm/enable-nacm", kUpdate, false},
      {"nobody", false, "cats-bgp", "/cats-bgp:bgp", kRead, true},
      {"nobody", false, "cats-bgp", "/cats-bgp:bgp", kDelete, false},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(std::string(r.user) + " " + r.what);
    const bool got =
        r.exec ? nacm.may_exec(r.user, r.module, r.what) : nacm.may_access(r.user, r.module, r.what, r.access);
    EXPECT_EQ(got, r.allowed);
  }
}

TEST(Nacm, OffOrAbsentAllowsEverything) {
  EXPECT_TRUE(Nacm{}.may_exec("anyone", "ietf-netconf", "kill-session"));
  EXPECT_TRUE(Nacm{}.may_access("anyone", "cats-bgp", "/cats-bgp:bgp", kDelete));
  auto off = example();
  off.enabled = false;
  EXPECT_TRUE(Nacm{off}.may_exec("victor", "ietf-netconf", "edit-config"));
}

TEST(Nacm, BarePath) {
  EXPECT_EQ(Nacm::bare_path("/cats-bgp:bgp/neighbors/neighbor[address='192.0.2.1']/timers"),
            "/bgp/neighbors/neighbor/timers");
  EXPECT_EQ(Nacm::bare_path("/cb:bgp/cb:services/cb:service[cb:name=\"a]b/c\"]/cb:prefix"),
            "/bgp/services/service/prefix");
}

}  // namespace
}  // namespace cats::netconf
