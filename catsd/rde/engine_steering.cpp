// The engine's steering side: after each Loc-RIB decision, the CATS RIB
// re-selects the service prefixes whose paths changed; next-hop tracking
// feeds route changes in; hold-downs that end re-select without new input.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "catsd/rde/engine.hpp"
#include "rib-adapter/netlink/route_monitor.hpp"

namespace cats::rde {

namespace asio = boost::asio;

std::optional<std::string> Engine::track_next_hops() {
  if (!cfg_.steering.next_hop_tracking) return std::nullopt;
  netlink::RouteMonitor::Handler h;
  h.dump = [this](const std::vector<rib::KernelRoute>& routes) {
    spdlog::debug("next-hop tracking: {} kernel routes", routes.size());
    nexthops_changed(nexthops_.replace_all(routes));
  };
  h.added = [this](const rib::KernelRoute& r) { nexthops_changed(nexthops_.add(r)); };
  h.removed = [this](const rib::KernelRoute& r) { nexthops_changed(nexthops_.remove(r)); };
  h.error = [](const std::string& e) { spdlog::warn("next-hop tracking: {}", e); };
  routes_ = std::make_unique<netlink::RouteMonitor>(ex_, std::move(h));
  if (auto err = routes_->start()) {
    routes_.reset();
    return "next-hop tracking: " + *err;
  }
  return std::nullopt;
}

void Engine::nexthops_changed(const std::vector<const rib::NexthopTable::Entry*>& changed) {
  if (changed.empty()) return;
  for (const auto* e : changed)
    spdlog::info("next hop {}: {}", e->address.to_string(),
                 !e->state.reachable ? std::string("unreachable")
                 : e->state.metric   ? "reachable, metric " + std::to_string(*e->state.metric)
                                     : std::string("reachable"));
  after_update(loc_rib_.nexthops_changed(changed));
}

void Engine::steer(const std::vector<rib::RibEvent>& events) {
  if (!steering_ || events.empty()) return;
  const auto now = steer::Clock::now();
  bool any = false;
  for (const auto& ev : events) {
    if (cats_.update(loc_rib_, ev.key, ev.entry, now)) {
      selection_changed(ev.key);
      any = true;
    }
  }
  if (any || cats_.size() > 0) arm_recheck();
}

std::optional<std::size_t> Engine::follow_cats(const rib::RibEntry& e) {
  if (!steering_ || !cats_.is_service(e) || !cats_.class_for(e).bgp_best_follows) return std::nullopt;
  return cats_.preview(loc_rib_, e, steer::Clock::now());
}

void Engine::reselect(const std::vector<rib::PrefixKey>& keys) {
  const auto now = steer::Clock::now();
  for (const auto& k : keys)
    if (cats_.update(loc_rib_, k, loc_rib_.find(k), now)) selection_changed(k);
}

void Engine::selection_changed(const rib::PrefixKey& key) {
  const auto* st = cats_.find(key);
  if (st != nullptr && !st->selected.empty())
    spdlog::debug("steering {}: {} ({})", key.prefix.to_string(), st->selected.front().site.to_string(),
                  steer::outcome_name(st->last.outcome));
  const SelectionNote note{key, st};
  for (auto& [id, w] : selection_watchers_) w(note);
  fib_update(key, loc_rib_.find(key));
  export_selection_change(key);
}

void Engine::export_selection_change(const rib::PrefixKey& key) {
  // Neighbors sent the selection (cats/export-selection) hear of it as of a
  // change of the prefix's paths; after the round that caused it, if any.
  if (!std::any_of(neighbors_.begin(), neighbors_.end(),
                   [](const auto& n) { return n && n->config().cats.export_selection; }))
    return;
  selection_exports_.push_back(key);
  if (selection_exports_.size() > 1) return;
  asio::post(ex_, [this] {
    std::vector<rib::RibEvent> events;
    for (const auto& k : selection_exports_)
      if (const rib::RibEntry* e = loc_rib_.find(k))
        events.push_back(rib::RibEvent{k, rib::RibEvent::Kind::kPathsChanged, std::nullopt, e});
    selection_exports_.clear();
    dispatch(events, {});
  });
}

void Engine::arm_recheck() {
  const auto next = cats_.next_recheck();
  if (!next || (recheck_at_ && *recheck_at_ <= *next)) return;
  recheck_at_ = next;
  recheck_.expires_at(*next);
  recheck_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    recheck_at_.reset();
    // A hold-down ended: the blocked site may be chosen now.
    reselect(cats_.due(steer::Clock::now()));
    arm_recheck();
  });
}

std::uint64_t Engine::watch_selection(SelectionWatcher w) {
  const auto id = next_watch_++;
  selection_watchers_.emplace(id, std::move(w));
  return id;
}

void Engine::unwatch_selection(std::uint64_t id) {
  selection_watchers_.erase(id);
}

}  // namespace cats::rde
