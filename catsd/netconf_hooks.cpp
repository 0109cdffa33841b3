#include "catsd/netconf_hooks.hpp"

#include <nlohmann/json.hpp>

#include "catsd/api/show.hpp"

namespace cats {

namespace {

using nlohmann::json;

// RFC 7951 §6.1: 64-bit integers are strings.
std::string u64(std::uint64_t v) {
  return std::to_string(v);
}

json neighbor_state(const api::pb::Neighbor& n) {
  json st = json::object();
  st["session-state"] = n.state();
  if (n.state() == "established") {
    st["established-for"] = u64(n.established_for_s());
    if (!n.peer_router_id().empty()) st["peer-router-id"] = n.peer_router_id();
    st["negotiated-hold-time"] = n.hold_time();
    st["keepalive"] = n.keepalive();
    st["cats-version"] = n.cats_version();
    json caps = json::array();
    if (n.route_refresh()) caps.push_back("route-refresh");
    if (n.enhanced_route_refresh()) caps.push_back("enhanced-route-refresh");
    if (n.graceful_restart()) caps.push_back("graceful-restart");
    if (n.extended_message()) caps.push_back("extended-message");
    if (!caps.empty()) st["capability"] = caps;
  }
  st["counters"] = {{"messages-received", u64(n.messages_in())},
                    {"messages-sent", u64(n.messages_out())},
                    {"updates-received", u64(n.updates_in())},
                    {"updates-sent", u64(n.updates_out())},
                    {"flaps", n.flaps()},
                    {"paths-refused", u64(n.paths_refused())}};
  json families = json::array();
  for (const auto& f : n.families())
    families.push_back({{"name", f.name()},
                        {"add-path-send", f.add_path_send()},
                        {"add-path-receive", f.add_path_receive()},
                        {"prefixes-received", u64(f.prefixes_received())},
                        {"prefixes-accepted", u64(f.prefixes_accepted())},
                        {"prefixes-advertised", u64(f.prefixes_advertised())}});
  if (!families.empty()) st["afi-safi"] = families;
  if (n.has_last_error())
    st["last-error"] = {
        {"code", n.last_error().code()}, {"subcode", n.last_error().subcode()}, {"reason", n.last_error().reason()}};
  st["max-prefix-exceeded"] = n.max_prefix_exceeded();
  return st;
}

json selection(const api::pb::ServiceView& v) {
  json p = {{"prefix", v.prefix()},   {"service-class", v.service_class()},
            {"outcome", v.outcome()}, {"reason", v.reason()},
            {"tier", v.tier()},       {"changes", u64(v.changes())}};
  if (!v.service().empty()) p["service"] = v.service();
  json sites = json::array();
  for (const auto& c : v.candidates()) {
    json s = {{"peer", c.peer()},
              {"path-id", c.path_id()},
              {"selected", c.selected()},
              {"weight", c.weight()},
              {"eligible", c.eligible()}};
    if (!c.next_hop().empty()) s["next-hop"] = c.next_hop();
    if (c.has_l2()) s["l2-score"] = c.l2();
    if (c.has_network_cost()) s["network-cost"] = u64(c.network_cost());
    sites.push_back(std::move(s));
  }
  if (!sites.empty()) p["site"] = sites;
  return p;
}

std::optional<std::string> leaf(const netconf::Leaves& in, const std::string& name) {
  for (const auto& [k, v] : in)
    if (k == name) return v;
  return std::nullopt;
}

netconf::RpcError from_api(const api::ApiError& e) {
  using Code = api::ApiError::Code;
  const char* tag =
      e.code == Code::not_found || e.code == Code::invalid_argument ? "invalid-value" : "operation-failed";
  return netconf::RpcError{tag, "", e.message};
}

}  // namespace

void NotificationSink::send(std::string json) {
  const std::lock_guard lock(mu_);
  if (server_ != nullptr) server_->notify(std::move(json));
}

void NotificationSink::detach() {
  const std::lock_guard lock(mu_);
  server_ = nullptr;
}

void netconf_notifications(rde::Engine& engine, const std::shared_ptr<NotificationSink>& sink) {
  engine.watch_sessions([sink](const rde::Neighbor& n, const session::SessionDown* why) {
    json body = {{"address", n.address()}, {"session-state", why == nullptr ? "established" : "down"}};
    if (why != nullptr) body["reason"] = api::down_reason(*why);
    sink->send(json{{"cats-bgp:session-change", body}}.dump());
  });
  engine.watch_selection([sink](const rde::SelectionNote& note) {
    json body = {{"prefix", note.key.prefix.to_string()}};
    json selected = json::array();
    if (note.state != nullptr) {
      for (const auto& s : note.state->selected) selected.push_back(s.site.to_string());
      body["outcome"] = steer::outcome_name(note.state->last.outcome);
      if (!note.state->service.empty()) body["service"] = note.state->service;
    }
    if (!selected.empty()) body["selected"] = selected;
    sink->send(json{{"cats-bgp:selection-change", body}}.dump());
  });
}

netconf::RpcResult netconf_rpc(api::ApiBackend& backend, const std::string& op, const netconf::Leaves& input) {
  if (op == "clear-neighbor") {
    api::pb::ClearNeighborRequest req;
    req.set_address(leaf(input, "address").value_or(""));
    const std::string mode = leaf(input, "mode").value_or("hard");
    req.set_mode(mode == "soft-in"    ? api::pb::ClearNeighborRequest::SOFT_IN
                 : mode == "soft-out" ? api::pb::ClearNeighborRequest::SOFT_OUT
                 : mode == "soft"     ? api::pb::ClearNeighborRequest::SOFT_BOTH
                                      : api::pb::ClearNeighborRequest::HARD);
    req.set_reason(leaf(input, "reason").value_or("NETCONF clear-neighbor"));
    api::pb::ClearNeighborReply reply;
    if (auto e = backend.clear_neighbor(req, &reply)) return from_api(*e);
    return netconf::Leaves{{"cleared", std::to_string(reply.cleared())}};
  }
  if (op == "inject-metrics") {
    api::pb::InjectMetricsRequest req;
    req.set_service(leaf(input, "service").value_or(""));
    if (auto v = leaf(input, "l2-score")) req.set_l2(static_cast<std::uint32_t>(std::stoul(*v)));
    for (const char* cat : {"compute", "communication", "service", "composed"})
      if (auto v = leaf(input, std::string("l1/") + cat)) {
        auto* l1 = req.add_l1();
        l1->set_category(cat);
        l1->set_score(static_cast<std::uint32_t>(std::stoul(*v)));
      }
    if (auto v = leaf(input, "drain")) req.set_drain(*v == "true");
    if (auto v = leaf(input, "withdraw")) req.set_withdraw(*v == "true");
    req.set_reason("NETCONF inject-metrics");
    api::pb::InjectMetricsReply reply;
    if (auto e = backend.inject_metrics(req, &reply)) return from_api(*e);
    return netconf::Leaves{{"sequence", std::to_string(reply.sequence())},
                           {"paths-readvertised", std::to_string(reply.paths_readvertised())}};
  }
  return netconf::RpcError{"operation-not-supported", "", op + " is not supported"};
}

std::string netconf_state(api::ApiBackend& backend,
                          const std::function<std::optional<collector::Snapshot>()>& collector) {
  json bgp = json::object();
  if (auto snap = collector ? collector() : std::nullopt) {
    json targets = json::array();
    for (const auto& t : snap->targets) {
      targets.push_back({{"name", t.name},
                         {"state",
                          {{"answered", t.answered},
                           {"stale", t.stale},
                           {"scrapes", u64(t.counters.scrapes)},
                           {"good", u64(t.counters.good)},
                           {"parse-errors", u64(t.counters.parse_errors)},
                           {"last-failure", t.last_failure},
                           {"last-error", t.last_error},
                           {"last-duration", u64(static_cast<std::uint64_t>(t.last_took.count()))}}}});
    }
    if (!targets.empty()) bgp["collector"]["target"] = targets;
  }
  api::pb::ShowNeighborsReply neighbors;
  if (!backend.show_neighbors({}, &neighbors) && neighbors.neighbors_size() > 0) {
    json list = json::array();
    for (const auto& n : neighbors.neighbors())
      list.push_back({{"address", n.address()}, {"state", neighbor_state(n)}});
    bgp["neighbors"]["neighbor"] = list;
  }
  api::pb::ShowServicesReply services;
  if (!backend.show_services({}, &services)) {
    json originated = json::array();
    for (const auto& o : services.originated()) {
      json st = {{"advertised", o.advertised()},
                 {"withdrawn", o.withdrawn()},
                 {"drain", o.metrics().drain()},
                 {"sequence", o.metrics().sequence()},
                 {"updates-sent", u64(o.updates_sent())}};
      if (o.metrics().has_l2()) st["l2-score"] = o.metrics().l2();
      originated.push_back({{"name", o.name()}, {"state", st}});
    }
    if (!originated.empty()) bgp["services"]["service"] = originated;
    json prefixes = json::array();
    for (const auto& v : services.services()) prefixes.push_back(selection(v));
    if (!prefixes.empty()) bgp["selection"]["prefix"] = prefixes;
  }
  if (bgp.empty()) return {};
  return json{{"cats-bgp:bgp", bgp}}.dump();
}

}  // namespace cats
