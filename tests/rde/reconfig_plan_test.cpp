// plan_reconfig: one row per change, with the way it reaches the neighbor
// (or the error that refuses it).
#include "catsd/rde/reconfig_plan.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace cats::rde {
namespace {

using config::Config;

Config base() {
  Config c;
  c.global.as = 65000;
  c.global.router_id = 0x0a0000fe;
  c.global.roles = {config::Role::kIngress, config::Role::kEdge};
  config::Neighbor a;
  a.address = "192.0.2.1";
  a.remote_as = 65001;
  config::Neighbor b = a;
  b.address = "192.0.2.2";
  b.import_policy.prefix_list = "in";
  b.export_policy.prefix_list = "out";
  c.neighbors = {a, b};
  c.prefix_lists = {{"in", {{10, config::Verdict::kPermit, "10.0.0.0/8", std::nullopt, 24}}},
                    {"out", {{10, config::Verdict::kDeny, "10.0.0.0/8", std::nullopt, std::nullopt}}}};
  config::Service s;
  s.name = "chat";
  s.prefixes = {"203.0.113.10/32"};
  s.metrics.l2 = 7;
  c.services = {s};
  return c;
}

config::Neighbor& first(Config& c) {
  return c.neighbors.front();
}

struct NeighborRow {
  const char* what;
  std::function<void(Config&)> change;
  std::uint32_t bits;
  const char* field;
};

TEST(ReconfigPlan, EachNeighborChangeReachesTheSessionItsWay) {
  const std::vector<NeighborRow> rows = {
      {"remote AS", [](Config& c) { first(c).remote_as = 65002; }, kChangeReset, "remote-as"},
      {"port", [](Config& c) { first(c).port = 1179; }, kChangeReset, "port"},
      {"passive", [](Config& c) { first(c).passive = true; }, kChangeReset, "passive"},
      {"families", [](Config& c) { first(c).families.pop_back(); }, kChangeReset, "afi-safis"},
      {"MD5", [](Config& c) { first(c).md5_password = "x"; }, kChangeReset, "md5-password"},
      {"GTSM", [](Config& c) { first(c).ttl_security.enabled = true; }, kChangeReset, "ttl-security"},
      {"RR client", [](Config& c) { first(c).route_reflector_client = true; }, kChangeReset, "route-reflector-client"},
      {"CATS capability off",
       [](Config& c) {
         first(c).cats.send = false;
         first(c).cats.receive = false;
       },
       kChangeReset | kChangeImport | kChangeExport, "cats/require-capability"},
      {"hold time", [](Config& c) { first(c).timers.hold_time = 30; }, kChangeTimers, "timers/hold-time"},
      {"idle hold", [](Config& c) { first(c).timers.idle_hold = 5; }, kChangeTimers, "timers/idle-hold"},
      {"MRAI", [](Config& c) { first(c).timers.mrai = 5; }, kChangeLimits, "timers/min-route-advertisement-interval"},
      {"max-prefix", [](Config& c) { first(c).max_prefix = config::MaxPrefix{100}; }, kChangeLimits, "max-prefix"},
      {"paths per prefix", [](Config& c) { first(c).max_paths_per_prefix = 4; }, kChangeLimits, "max-paths-per-prefix"},
      {"import", [](Config& c) { first(c).import_policy.set_local_pref = 200; }, kChangeImport, "policy/import"},
      {"CATS receive", [](Config& c) { first(c).cats.receive = false; }, kChangeImport, "cats/receive"},
      {"export", [](Config& c) { first(c).export_policy.set_med = 5; }, kChangeExport, "policy/export"},
      {"next hop self", [](Config& c) { first(c).next_hop_self = true; }, kChangeExport, "next-hop-self"},
      {"CATS send", [](Config& c) { first(c).cats.send = false; }, kChangeExport, "cats/send"},
      {"network cost", [](Config& c) { first(c).cats.network_cost = 10; }, kChangeSteering, "cats/network-cost"},
      {"latency", [](Config& c) { first(c).cats.latency_ms = 3; }, kChangeSteering, "cats/latency"},
      {"description", [](Config& c) { first(c).description = "edge 1"; }, kChangeNoted, "description"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    Config next = base();
    row.change(next);
    const auto r = plan_reconfig(base(), next);
    ASSERT_TRUE(std::holds_alternative<ReconfigPlan>(r));
    const auto& plan = std::get<ReconfigPlan>(r);
    ASSERT_EQ(plan.changed_neighbors.size(), 1u);
    const auto& c = plan.changed_neighbors.front();
    EXPECT_EQ(c.address, "192.0.2.1");
    EXPECT_EQ(c.what, row.bits);
    EXPECT_NE(std::find(c.fields.begin(), c.fields.end(), row.field), c.fields.end());
    EXPECT_TRUE(plan.added_neighbors.empty() && plan.removed_neighbors.empty());
    EXPECT_FALSE(plan.steering || plan.collector);
  }
}

TEST(ReconfigPlan, APrefixListChangeReachesTheNeighborsThatNameIt) {
  Config next = base();
  next.prefix_lists[0].entries[0].le = 32;  // "in": 192.0.2.2's import
  auto plan = std::get<ReconfigPlan>(plan_reconfig(base(), next));
  ASSERT_EQ(plan.changed_neighbors.size(), 1u);
  EXPECT_EQ(plan.changed_neighbors[0].address, "192.0.2.2");
  EXPECT_EQ(plan.changed_neighbors[0].what, kChangeImport);

  next = base();
  next.prefix_lists[1].entries[0].action = config::Verdict::kPermit;  // "out": its export
  plan = std::get<ReconfigPlan>(plan_reconfig(base(), next));
  ASSERT_EQ(plan.changed_neighbors.size(), 1u);
  EXPECT_EQ(plan.changed_neighbors[0].what, kChangeExport);

  next = base();
  next.prefix_lists.push_back({"unused", {}});  // named by nobody
  EXPECT_TRUE(std::get<ReconfigPlan>(plan_reconfig(base(), next)).empty());
}

TEST(ReconfigPlan, NeighborsAndServicesComeAndGo) {
  Config next = base();
  next.neighbors.erase(next.neighbors.begin());
  config::Neighbor c = next.neighbors.front();
  c.address = "2001:db8::3";
  next.neighbors.push_back(c);
  next.services.front().name = "vision";
  const auto plan = std::get<ReconfigPlan>(plan_reconfig(base(), next));
  EXPECT_EQ(plan.removed_neighbors, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(plan.added_neighbors, std::vector<std::string>{"2001:db8::3"});
  EXPECT_TRUE(plan.changed_neighbors.empty());
  EXPECT_EQ(plan.removed_services, std::vector<std::string>{"chat"});
  EXPECT_EQ(plan.added_services, std::vector<std::string>{"vision"});
  EXPECT_TRUE(plan.collector);  // services feed the collector's scoring
  EXPECT_EQ(plan.summary().size(), 5u);
}

TEST(ReconfigPlan, ServiceAndSteeringChanges) {
  Config next = base();
  next.services.front().metrics.l2 = 3;
  auto plan = std::get<ReconfigPlan>(plan_reconfig(base(), next));
  EXPECT_EQ(plan.changed_services, std::vector<std::string>{"chat"});

  next = base();
  next.steering.classes.front().margin = 2;
  plan = std::get<ReconfigPlan>(plan_reconfig(base(), next));
  EXPECT_TRUE(plan.steering);
  EXPECT_FALSE(plan.collector);

  next = base();
  next.damper.threshold = 2;
  plan = std::get<ReconfigPlan>(plan_reconfig(base(), next));
  EXPECT_TRUE(plan.collector);
  EXPECT_FALSE(plan.steering);

  EXPECT_TRUE(std::get<ReconfigPlan>(plan_reconfig(base(), base())).empty());
}

// BMP and MRT change live; the plan says so (and is not empty, so the reload
// reaches telemetry), and nothing else.
TEST(ReconfigPlan, BmpAndMrtChangeWithoutARestart) {
  Config next = base();
  config::BmpStation station;
  station.name = "pmacct";
  station.address = "192.0.2.50";
  next.bmp.stations.push_back(station);
  auto plan = std::get<ReconfigPlan>(plan_reconfig(base(), next));
  EXPECT_TRUE(plan.bmp);
  EXPECT_FALSE(plan.mrt);
  EXPECT_EQ(plan.summary(), std::vector<std::string>{"bmp changed: stations added, removed or reconnected"});

  next = base();
  next.mrt.table_dump.file = "/var/lib/catsd/rib.%H%M";
  plan = std::get<ReconfigPlan>(plan_reconfig(base(), next));
  EXPECT_TRUE(plan.mrt);
  EXPECT_FALSE(plan.bmp);
  EXPECT_TRUE(plan.changed_neighbors.empty() && !plan.steering && !plan.collector);
}

TEST(ReconfigPlan, WhatOnlyARestartChangesIsRefusedWithItsPath) {
  const std::vector<std::pair<std::function<void(Config&)>, std::string>> rows = {
      {[](Config& c) { c.global.as = 65009; }, "/cats-bgp:bgp/global/as"},
      {[](Config& c) { c.global.router_id = 1; }, "/cats-bgp:bgp/global/router-id"},
      {[](Config& c) { c.global.cluster_id = 7; }, "/cats-bgp:bgp/global/cluster-id"},
      {[](Config& c) { c.global.roles.pop_back(); }, "/cats-bgp:bgp/global/role"},
      {[](Config& c) { c.global.listen_port = 1179; }, "/cats-bgp:bgp/global/listen/port"},
      {[](Config& c) { c.global.listen_addresses = {"127.0.0.1"}; }, "/cats-bgp:bgp/global/listen/address"},
      {[](Config& c) { c.global.cats.attribute_type = 254; }, "/cats-bgp:bgp/global/cats"},
      {[](Config& c) { c.fib.scope = config::FibScope::kAll; }, "/cats-bgp:bgp/fib"},
      {[](Config& c) { c.steering.next_hop_tracking = false; }, "/cats-bgp:bgp/steering/next-hop-tracking"},
      {[](Config& c) { c.metrics.port = 9999; }, "/cats-bgp:bgp/metrics"},
  };
  for (const auto& [change, path] : rows) {
    SCOPED_TRACE(path);
    Config next = base();
    change(next);
    next.neighbors.pop_back();  // changes that would apply are refused with the rest
    const auto r = plan_reconfig(base(), next);
    ASSERT_TRUE(std::holds_alternative<config::ConfigErrors>(r));
    const auto& errors = std::get<config::ConfigErrors>(r);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].path, path);
    EXPECT_NE(errors[0].reason.find("restart catsd"), std::string::npos);
  }
}

}  // namespace
}  // namespace cats::rde
