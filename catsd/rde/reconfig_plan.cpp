#include "catsd/rde/reconfig_plan.hpp"

#include <algorithm>
#include <functional>
#include <set>

namespace cats::rde {

using config::Config;
using config::ConfigErrors;
using config::Neighbor;

namespace {

const std::string kRoot = "/cats-bgp:bgp";
constexpr const char* kRestart = "cannot change while catsd runs: restart catsd to apply it";

// One row per neighbor leaf or container (BIRD's one row per attribute):
// its name in the model, how a change reaches the session, and the test.
struct NeighborField {
  const char* name;
  std::uint32_t bits;
  std::function<bool(const Neighbor&, const Neighbor&)> same;
};

template <class T>
std::function<bool(const Neighbor&, const Neighbor&)> member(T Neighbor::*m) {
  return [m](const Neighbor& a, const Neighbor& b) { return a.*m == b.*m; };
}

template <class T>
std::function<bool(const Neighbor&, const Neighbor&)> timer(T config::Timers::*m) {
  return [m](const Neighbor& a, const Neighbor& b) { return a.timers.*m == b.timers.*m; };
}

// Whether the CATS capability is in our OPEN (session_config.cpp's rule).
bool advertises_cats(const config::NeighborCats& c) {
  return c.send || c.receive || c.require_capability;
}

const std::vector<NeighborField>& neighbor_fields() {
  static const std::vector<NeighborField> rows = {
      {"remote-as", kChangeReset, member(&Neighbor::remote_as)},
      {"local-address", kChangeReset, member(&Neighbor::local_address)},
      {"port", kChangeReset, member(&Neighbor::port)},
      {"passive", kChangeReset, member(&Neighbor::passive)},
      {"afi-safis", kChangeReset, member(&Neighbor::families)},
      {"capabilities/route-refresh", kChangeReset, member(&Neighbor::route_refresh)},
      {"capabilities/enhanced-route-refresh", kChangeReset, member(&Neighbor::enhanced_route_refresh)},
      {"capabilities/extended-message", kChangeReset, member(&Neighbor::extended_message)},
      {"graceful-restart", kChangeReset, member(&Neighbor::graceful_restart)},
      {"md5-password", kChangeReset, member(&Neighbor::md5_password)},
      {"ttl-security", kChangeReset, member(&Neighbor::ttl_security)},
      // A client's paths are reflected differently to every other neighbor.
      {"route-reflector-client", kChangeReset, member(&Neighbor::route_reflector_client)},
      {"cats/require-capability", kChangeReset,
       [](const Neighbor& a, const Neighbor& b) {
         return a.cats.require_capability == b.cats.require_capability &&
                advertises_cats(a.cats) == advertises_cats(b.cats);
       }},
      {"timers/hold-time", kChangeTimers, timer(&config::Timers::hold_time)},
      {"timers/keepalive", kChangeTimers, timer(&config::Timers::keepalive)},
      {"timers/min-hold-time", kChangeTimers, timer(&config::Timers::min_hold_time)},
      {"timers/connect-retry", kChangeTimers, timer(&config::Timers::connect_retry)},
      {"timers/delay-open", kChangeTimers, timer(&config::Timers::delay_open)},
      {"timers/idle-hold", kChangeTimers, timer(&config::Timers::idle_hold)},
      {"timers/idle-hold-max", kChangeTimers, timer(&config::Timers::idle_hold_max)},
      {"timers/send-hold-time", kChangeTimers, timer(&config::Timers::send_hold_time)},
      {"timers/min-route-advertisement-interval", kChangeLimits, timer(&config::Timers::mrai)},
      {"max-prefix", kChangeLimits, member(&Neighbor::max_prefix)},
      {"max-paths-per-prefix", kChangeLimits, member(&Neighbor::max_paths_per_prefix)},
      {"policy/import", kChangeImport, member(&Neighbor::import_policy)},
      {"cats/receive", kChangeImport,
       [](const Neighbor& a, const Neighbor& b) { return a.cats.receive == b.cats.receive; }},
      {"policy/export", kChangeExport, member(&Neighbor::export_policy)},
      {"next-hop-self", kChangeExport, member(&Neighbor::next_hop_self)},
      {"cats/send", kChangeExport, [](const Neighbor& a, const Neighbor& b) { return a.cats.send == b.cats.send; }},
      {"cats/export-selection", kChangeExport,
       [](const Neighbor& a, const Neighbor& b) { return a.cats.export_selection == b.cats.export_selection; }},
      {"cats/network-cost", kChangeSteering,
       [](const Neighbor& a, const Neighbor& b) { return a.cats.network_cost == b.cats.network_cost; }},
      {"cats/latency", kChangeSteering,
       [](const Neighbor& a, const Neighbor& b) { return a.cats.latency_ms == b.cats.latency_ms; }},
      {"description", kChangeNoted, member(&Neighbor::description)},
  };
  return rows;
}

// A neighbor's policy also changes when the prefix list it names does.
bool list_changed(const std::optional<std::string>& name, const Config& running, const Config& next) {
  if (!name) return false;
  const auto* a = running.prefix_list(*name);
  const auto* b = next.prefix_list(*name);
  return a == nullptr || b == nullptr || !(*a == *b);
}

void check_fixed(const Config& running, const Config& next, ConfigErrors& errors) {
  const auto& a = running.global;
  const auto& b = next.global;
  const auto fixed = [&](bool same, const std::string& leaf) {
    if (!same) errors.push_back({kRoot + leaf, kRestart});
  };
  fixed(a.as == b.as, "/global/as");
  fixed(a.router_id == b.router_id, "/global/router-id");
  fixed(a.cluster_id == b.cluster_id, "/global/cluster-id");
  fixed(a.roles == b.roles, "/global/role");
  fixed(a.listen_addresses == b.listen_addresses, "/global/listen/address");
  fixed(a.listen_port == b.listen_port, "/global/listen/port");
  fixed(a.cats == b.cats, "/global/cats");
  fixed(running.fib == next.fib, "/fib");
  // The server's users change live; its endpoint only with a restart.
  config::Netconf a_nc = running.netconf;
  config::Netconf b_nc = next.netconf;
  a_nc.users.clear();
  b_nc.users.clear();
  fixed(a_nc == b_nc, "/netconf");
  fixed(running.metrics == next.metrics, "/metrics");
  fixed(running.steering.next_hop_tracking == next.steering.next_hop_tracking &&
            running.steering.resolve_via_default == next.steering.resolve_via_default,
        "/steering/next-hop-tracking");
}

template <class T, class Key>
void diff_lists(const std::vector<T>& running, const std::vector<T>& next, Key key, std::vector<std::string>& removed,
                std::vector<std::string>& added, const std::function<void(const T&, const T&)>& both) {
  for (const auto& r : running) {
    auto it = std::find_if(next.begin(), next.end(), [&](const T& n) { return key(n) == key(r); });
    if (it == next.end()) {
      removed.push_back(key(r));
    } else {
      both(r, *it);
    }
  }
  for (const auto& n : next)
    if (std::none_of(running.begin(), running.end(), [&](const T& r) { return key(r) == key(n); }))
      added.push_back(key(n));
}

}  // namespace

bool ReconfigPlan::empty() const {
  return removed_neighbors.empty() && added_neighbors.empty() && changed_neighbors.empty() &&
         removed_services.empty() && added_services.empty() && changed_services.empty() && !steering && !collector &&
         !bmp && !mrt;
}

std::vector<std::string> ReconfigPlan::summary() const {
  std::vector<std::string> out;
  for (const auto& a : removed_neighbors) out.push_back("neighbor " + a + " removed (Cease 6/3)");
  for (const auto& a : added_neighbors) out.push_back("neighbor " + a + " added");
  for (const auto& c : changed_neighbors) {
    std::string how;
    if ((c.what & kChangeReset) != 0) {
      how = "session reset (Cease 6/6)";
    } else {
      const std::pair<std::uint32_t, const char*> parts[] = {{kChangeImport, "route refresh in"},
                                                             {kChangeExport, "table sent again"},
                                                             {kChangeTimers, "timers from the next session"},
                                                             {kChangeSteering, "selection again"},
                                                             {kChangeLimits, "limits at once"}};
      for (const auto& [bit, text] : parts)
        if ((c.what & bit) != 0) how += (how.empty() ? "" : ", ") + std::string(text);
      if (how.empty()) how = "no session change";
    }
    std::string fields;
    for (const auto& f : c.fields) fields += (fields.empty() ? "" : " ") + f;
    std::string line = "neighbor " + c.address;
    line.append(" changed (").append(fields).append("): ").append(how);
    out.push_back(std::move(line));
  }
  for (const auto& s : removed_services) out.push_back("service " + s + " removed (withdrawn)");
  for (const auto& s : added_services) out.push_back("service " + s + " added");
  for (const auto& s : changed_services) out.push_back("service " + s + " changed (advertised again)");
  if (steering) out.push_back("steering changed: every service prefix is selected again");
  if (collector) out.push_back("collector, scoring or damper changed: the in-process collector restarts");
  if (bmp) out.push_back("bmp changed: stations added, removed or reconnected");
  if (mrt) out.push_back("mrt changed: the MRT files start again");
  return out;
}

bool collector_changed(const Config& running, const Config& next) {
  return !(running.collector == next.collector) || !(running.profiles == next.profiles) ||
         !(running.damper == next.damper) || !(running.services == next.services);
}

std::variant<ReconfigPlan, ConfigErrors> plan_reconfig(const Config& running, const Config& next) {
  ConfigErrors errors;
  check_fixed(running, next, errors);
  if (!errors.empty()) return errors;

  ReconfigPlan plan;
  diff_lists<Neighbor>(
      running.neighbors, next.neighbors, [](const Neighbor& n) { return n.address; }, plan.removed_neighbors,
      plan.added_neighbors,
      [&](const Neighbor& a, const Neighbor& b) {
        NeighborChange c{a.address, 0, {}};
        for (const auto& row : neighbor_fields()) {
          if (row.same(a, b)) continue;
          c.what |= row.bits;
          c.fields.emplace_back(row.name);
        }
        if (a.import_policy == b.import_policy && list_changed(b.import_policy.prefix_list, running, next)) {
          c.what |= kChangeImport;
          c.fields.push_back("prefix-list " + *b.import_policy.prefix_list);
        }
        if (a.export_policy == b.export_policy && list_changed(b.export_policy.prefix_list, running, next)) {
          c.what |= kChangeExport;
          c.fields.push_back("prefix-list " + *b.export_policy.prefix_list);
        }
        if (c.what != 0) plan.changed_neighbors.push_back(std::move(c));
      });

  // Services are the edge's (originated); steering services are the ingress's.
  diff_lists<config::Service>(
      running.services, next.services, [](const config::Service& s) { return s.name; }, plan.removed_services,
      plan.added_services,
      [&](const config::Service& a, const config::Service& b) {
        if (!(a == b)) plan.changed_services.push_back(a.name);
      });
  plan.steering = !(running.steering == next.steering);
  plan.collector = collector_changed(running, next);
  plan.bmp = running.bmp != next.bmp;
  plan.mrt = running.mrt != next.mrt;
  return plan;
}

}  // namespace cats::rde
