// The engine's side of a live reconfiguration: the plan (reconfig_plan.hpp)
// applied to neighbors, originated services and the CATS selection, without
// touching what did not change.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "catsd/rde/engine.hpp"
#include "yang/loader/session_config.hpp"

namespace cats::rde {

namespace {

std::string neighbor_path(const std::string& address) {
  return "/cats-bgp:bgp/neighbors/neighbor[address='" + address + "']";
}

}  // namespace

Engine::Reconfigured Engine::reconfigure(config::Config next) {
  Reconfigured out;
  if (stopping_) {
    out.errors.push_back({"/cats-bgp:bgp", "catsd is shutting down"});
    return out;
  }
  auto planned = plan_reconfig(cfg_, next);
  if (auto* errors = std::get_if<config::ConfigErrors>(&planned)) {
    out.errors = std::move(*errors);
    return out;
  }
  out.plan = std::get<ReconfigPlan>(std::move(planned));
  const ReconfigPlan& plan = out.plan;
  if (plan.empty()) return out;

  // Everything that can fail, before anything changes.
  std::map<std::string, rib::NeighborPolicy> policies;
  const auto compile = [&](const std::string& address) {
    const config::Neighbor* nc = next.neighbor(address);
    if (nc == nullptr) return;
    auto p = rib::NeighborPolicy::compile(*nc, next.prefix_lists);
    if (auto* e = std::get_if<std::string>(&p)) {
      out.errors.push_back({neighbor_path(address), *e});
    } else {
      policies.emplace(address, std::get<rib::NeighborPolicy>(std::move(p)));
    }
  };
  for (const auto& a : plan.added_neighbors) compile(a);
  for (const auto& c : plan.changed_neighbors) compile(c.address);
  if (neighbors_.size() + plan.added_neighbors.size() >= rib::AdjRoute::kMaxPeer)
    out.errors.push_back({"/cats-bgp:bgp/neighbors", "no neighbor ids left (" +
                                                         std::to_string(rib::AdjRoute::kMaxPeer - 1) +
                                                         " since start): restart catsd to add neighbors"});
  if (!out.errors.empty()) return out;

  for (const auto& line : plan.summary()) spdlog::info("reconfiguration: {}", line);
  const auto find = [this](const std::string& address) -> Neighbor* {
    for (auto& n : neighbors_)
      if (n && n->address() == address) return n.get();
    return nullptr;
  };
  for (const auto& a : plan.removed_neighbors)
    if (Neighbor* n = find(a)) remove_neighbor(*n);

  // What goes is withdrawn while the running configuration still describes it.
  const std::vector<config::Service> before = cfg_.services;
  for (const auto& name : plan.removed_services) {
    auto it = std::find_if(services_.begin(), services_.end(),
                           [&](const OriginatedService& s) { return s.svc->name == name; });
    if (it == services_.end()) continue;
    if (!it->state.withdrawn && !it->waiting) apply_local(build_withdrawals(*it->svc), name);
    services_.erase(it);
  }
  for (const auto& name : plan.changed_services)
    if (const auto* now = next.service(name); now != nullptr)
      if (const auto* was = cfg_.service(name); was != nullptr) withdraw_service_prefixes(*was, now->prefixes);
  std::vector<std::string> names;
  for (const auto& s : services_) names.push_back(s.svc->name);

  cfg_ = std::move(next);
  for (std::size_t i = 0; i < services_.size(); ++i) services_[i].svc = cfg_.service(names[i]);
  // The selections point at their service classes, which moved with the
  // configuration: point them at the new ones at once, before the changes
  // below can run a selection (a reload that changes no steering left them
  // dangling). A steering change re-resolves them again afterwards, with
  // the neighbors' changes in place: an index rebuilt twice, on a reload.
  if (steering_) cats_.reconfigure(loc_rib_);

  for (const auto& c : plan.changed_neighbors)
    if (Neighbor* n = find(c.address); n != nullptr && cfg_.neighbor(c.address) != nullptr)
      change_neighbor(*n, c, *cfg_.neighbor(c.address), std::move(policies.at(c.address)));
  for (const auto& a : plan.added_neighbors)
    if (const auto* nc = cfg_.neighbor(a)) add_neighbor(*nc, std::move(policies.at(a)));
  reconfigure_services(plan, before);
  const bool costs = std::any_of(plan.changed_neighbors.begin(), plan.changed_neighbors.end(),
                                 [](const NeighborChange& c) { return (c.what & kChangeSteering) != 0; });
  if (steering_ && (plan.steering || costs)) reconfigure_steering();
  return out;
}

Neighbor& Engine::create_neighbor(rib::PeerId id, const config::Neighbor& nc, rib::NeighborPolicy policy) {
  cats_.set_peer(id, {nc.cats.network_cost, nc.cats.latency_ms});
  if (neighbors_.size() < id) neighbors_.resize(id);
  neighbors_[id - 1] = std::make_unique<Neighbor>(id, nc, std::move(policy), ex_, [this, id] {
    if (Neighbor* n = neighbor(id)) gr_expired(*n);
  });
  return *neighbors_[id - 1];
}

void Engine::add_neighbor(const config::Neighbor& nc, rib::NeighborPolicy policy) {
  auto pc = loader::to_peer_config(cfg_, nc);
  if (auto* e = std::get_if<std::string>(&pc)) {
    spdlog::error("{}", *e);  // the loader checked the addresses: not expected
    return;
  }
  const auto id = static_cast<rib::PeerId>(neighbors_.size() + 1);
  create_neighbor(id, nc, std::move(policy));
  port_.add(id, std::get<session::PeerConfig>(std::move(pc)));
}

void Engine::remove_neighbor(Neighbor& n) {
  const rib::PeerId id = n.id();
  port_.remove(id);  // Cease 6/3
  if (const EstablishedSession* es = n.session()) {
    session::SessionDown why;
    why.was_established = true;
    why.sent = session::Notify{wire::notify::kCease, session::cease::kPeerDeconfigured, {}};  // port_.remove sent it
    n.drop_session(es->gen, why);
    if (monitor_ != nullptr) monitor_->peer_down(id, why);
  }
  if (n.rib_in() != nullptr) process(*n.rib_in(), n.rib_in()->clear());
  n.rib_out().clear();  // leaves its update group
  cats_.set_peer(id, {});
  std::erase(refused_, id);
  std::erase(ready_, id);
  neighbors_[id - 1].reset();
}

void Engine::change_neighbor(Neighbor& n, const NeighborChange& c, const config::Neighbor& nc,
                             rib::NeighborPolicy policy) {
  n.set_config(nc, std::move(policy));
  cats_.set_peer(n.id(), {nc.cats.network_cost, nc.cats.latency_ms});
  auto pc = loader::to_peer_config(cfg_, nc);
  if (auto* e = std::get_if<std::string>(&pc)) {
    spdlog::error("{}", *e);
    return;
  }
  auto& peer_cfg = std::get<session::PeerConfig>(pc);
  if ((c.what & kChangeReset) != 0) {
    port_.reconfigure(n.id(), std::move(peer_cfg), true);
    return;
  }
  if ((c.what & kChangeTimers) != 0) port_.reconfigure(n.id(), peer_cfg, false);
  EstablishedSession* es = n.session();
  if (n.rib_in() != nullptr && (c.what & kChangeLimits) != 0) {
    if (es != nullptr)
      for (const auto& f : es->negotiated.families) {
        std::optional<std::size_t> limit;
        if (nc.max_prefix) limit = nc.max_prefix->limit;
        n.rib_in()->set_max_prefix(wire::Family{f.family.afi, f.family.safi}, limit);
      }
    n.rib_in()->set_paths_per_prefix(nc.max_paths_per_prefix);
    if (!nc.max_prefix) n.set_max_prefix_exceeded(false);
  }
  if (es == nullptr) return;  // the rest happens when the session comes up
  if ((c.what & kChangeImport) != 0) {
    install_imports(n);
    if (!es->negotiated.route_refresh) {
      spdlog::info("[{}] no route refresh with this neighbor: its session restarts for the new import policy",
                   n.address());
      port_.reconfigure(n.id(), std::move(peer_cfg), true);
      return;
    }
    request_refresh(n);
  }
  if ((c.what & kChangeExport) != 0) {
    es->target.next_hop_self = nc.next_hop_self;
    es->target.policy = &n.policy().export_policy;
    groups_.regroup(n.rib_out(), export_params(n), export_env());
    schedule(n);
  }
}

void Engine::withdraw_service_prefixes(const config::Service& svc, const std::vector<std::string>& keep) {
  config::Service gone = svc;
  std::erase_if(gone.prefixes,
                [&](const std::string& p) { return std::find(keep.begin(), keep.end(), p) != keep.end(); });
  if (!gone.prefixes.empty()) apply_local(build_withdrawals(gone), svc.name);
}

void Engine::reconfigure_services(const ReconfigPlan& plan, const std::vector<config::Service>& before) {
  if (!cfg_.global.has_role(config::Role::kEdge)) return;
  for (const auto& name : plan.changed_services) {
    auto it = std::find_if(services_.begin(), services_.end(),
                           [&](const OriginatedService& s) { return s.svc->name == name; });
    auto was = std::find_if(before.begin(), before.end(), [&](const config::Service& s) { return s.name == name; });
    if (it == services_.end() || was == before.end()) continue;
    OriginatedService& s = *it;
    // Configured metrics that change are a report of their own; otherwise
    // the last report stays and goes out with the new prefixes or IDs.
    const bool metrics = !(was->metrics == s.svc->metrics);
    if (metrics) {
      s.reported = s.svc->metrics;
      s.state.metrics = s.svc->metrics;
      s.stale = false;
    }
    // Freshness alone changes nothing on the wire.
    const bool wire =
        metrics || was->prefixes != s.svc->prefixes || was->cs_id != s.svc->cs_id || was->profile != s.svc->profile;
    if (s.waiting || !wire) continue;
    s.state.sequence = next_sequence(s.state.sequence, sequence_clock_());
    originate(s);
  }
  for (const auto& name : plan.added_services) {
    const config::Service* svc = cfg_.service(name);
    if (svc == nullptr) continue;
    services_.push_back(make_service(*svc));
    if (!services_.back().waiting) originate(services_.back());
  }
  arm_freshness_timer();
}

void Engine::reconfigure_steering() {
  cats_.reconfigure(loc_rib_);
  const auto& classes = cfg_.steering.classes;
  if (std::any_of(classes.begin(), classes.end(), [](const auto& c) { return c.bgp_best_follows; }))
    loc_rib_.set_best_override([this](const rib::RibEntry& e) { return follow_cats(e); });
  // Every prefix with a selection, and every configured service prefix.
  std::vector<rib::PrefixKey> keys;
  cats_.for_each([&](const rib::PrefixKey& k, const steer::ServiceState&) { keys.push_back(k); });
  loc_rib_.table().for_each([&](const rib::RibEntry& e) {
    if (cats_.is_service(e) && cats_.find(e.key) == nullptr) keys.push_back(e.key);
  });
  reselect(keys);
}

}  // namespace cats::rde
