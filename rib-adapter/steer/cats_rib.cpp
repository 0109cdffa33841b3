#include "rib-adapter/steer/cats_rib.hpp"

#include <algorithm>

namespace cats::steer {

namespace {

std::optional<rib::PeerAddress> address(const std::string& text) {
  return rib::PeerAddress::parse(text);
}

bool has_community(const wire::AttributeSet& a, const std::vector<std::uint32_t>& wanted) {
  if (wanted.empty()) return false;
  const auto* c = a.get<wire::Communities>(wire::attr::kCommunities);
  if (c == nullptr) return false;
  return std::any_of(c->values.begin(), c->values.end(),
                     [&](std::uint32_t v) { return std::find(wanted.begin(), wanted.end(), v) != wanted.end(); });
}

}  // namespace

CatsRib::CatsRib(const config::Steering& cfg) : cfg_(cfg) {
  index();
}

void CatsRib::index() {
  prefixes_.clear();
  next_hops_.clear();
  cloud_next_hops_.clear();
  for (std::size_t i = 0; i < cfg_.services.size(); ++i)
    for (const auto& text : cfg_.services[i].prefixes)
      if (auto p = wire::Prefix::parse(text)) prefixes_.push_back({*p, i});
  for (const auto& nh : cfg_.network_cost.next_hops)
    if (auto a = address(nh.address)) next_hops_.emplace_back(*a, nh);
  for (const auto& text : cfg_.cloud_next_hops)
    if (auto a = address(text)) cloud_next_hops_.push_back(*a);
}

void CatsRib::reconfigure(const rib::LocRib& loc) {
  index();
  for (auto& [key, st] : services_) {
    if (const rib::RibEntry* e = loc.find(key)) {
      st.service_class = &class_for(*e, &st.service);
    } else {
      st.service.clear();
      const auto* c = cfg_.find_class(cfg_.default_class);
      static const config::ServiceClass kFallback = config::delay_tolerant_class();
      st.service_class = c != nullptr ? c : &kFallback;
    }
  }
}

void CatsRib::set_peer(rib::PeerId id, PeerSteering s) {
  if (peers_.size() <= id) peers_.resize(id + 1);
  peers_[id] = s;
}

const config::SteeringService* CatsRib::bound(const rib::RibEntry& e) const {
  for (const auto& b : prefixes_)
    if (b.prefix == e.key.prefix) return &cfg_.services[b.service];
  for (const auto& s : cfg_.services) {
    if (!s.cs_id) continue;
    for (const auto& p : e.paths())
      if (p.attrs->cats().cs_id == s.cs_id->value) return &s;
  }
  return nullptr;
}

bool CatsRib::is_service(const rib::RibEntry& e) const {
  for (const auto& p : e.paths())
    if (p.attrs->cats().present) return true;
  return !prefixes_.empty() && bound(e) != nullptr;
}

const config::ServiceClass& CatsRib::class_for(const rib::RibEntry& e, std::string* service) const {
  const auto* s = bound(e);
  if (service != nullptr) *service = s != nullptr ? s->name : "";
  const config::ServiceClass* c = cfg_.find_class(s != nullptr ? s->service_class : cfg_.default_class);
  // The loader checked every name; the built-in class if configuration was bypassed.
  static const config::ServiceClass kFallback = config::delay_tolerant_class();
  return c != nullptr ? *c : kFallback;
}

Candidates CatsRib::candidates(const rib::LocRib& loc, const rib::RibEntry& e) const {
  Candidates out;
  const auto& paths = e.paths();
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const rib::AdjRoute& p = paths[i];
    const rib::StoredAttrs& a = *p.attrs;
    Candidate c;
    c.site = a.next_hop_address().value_or(loc.table().facts(p.peer).address);
    c.tier = has_community(a.attrs(), cfg_.cloud_communities) ||
                     std::find(cloud_next_hops_.begin(), cloud_next_hops_.end(), c.site) != cloud_next_hops_.end()
                 ? Tier::kCloud
                 : Tier::kEdge;
    const rib::NexthopState nh = a.nexthop();
    c.reachable = nh.reachable;
    c.drained = a.cats().drained;
    c.bgp_best = e.best() && *e.best() == i;
    c.site_score = a.cats().site_score;
    c.l1 = a.cats().l1;
    // The network cost: the sum of the enabled sources that are known.
    std::uint64_t cost = 0;
    bool known = false;
    auto add = [&](std::optional<std::uint64_t> v) {
      if (!v) return;
      cost += *v;
      known = true;
    };
    if (cfg_.network_cost.igp) add(nh.metric);
    if (cfg_.network_cost.aigp) add(a.keys().aigp);
    const PeerSteering ps = p.peer < peers_.size() ? peers_[p.peer] : PeerSteering{};
    add(ps.cost);
    c.latency_ms = ps.latency_ms;
    for (const auto& [addr, nhc] : next_hops_) {
      if (addr != c.site) continue;
      add(nhc.cost);
      if (nhc.latency_ms) c.latency_ms = nhc.latency_ms;
    }
    if (known) c.cost = cost;
    out.push_back(c);
  }
  return out;
}

bool CatsRib::update(const rib::LocRib& loc, const rib::PrefixKey& key, const rib::RibEntry* e, Clock::time_point now) {
  // No choice to make: no state (a single path is its own selection).
  if (e == nullptr || !is_service(*e) || (e->paths().size() < 2 && bound(*e) == nullptr)) {
    const auto it = services_.find(key);
    if (it == services_.end()) return false;
    set_recheck(key, it->second, std::nullopt);
    services_.erase(it);
    return true;
  }
  auto [it, fresh] = services_.try_emplace(key);
  ServiceState& st = it->second;
  if (fresh) st.service_class = &class_for(*e, &st.service);
  const auto cs = candidates(loc, *e);
  Selection sel = select(span_of(cs), *st.service_class, params(), st.history, now);
  std::vector<Selected> now_selected;
  now_selected.reserve(sel.sites.size());
  for (const auto& c : sel.sites) {
    const auto& p = e->paths()[c.index];
    now_selected.push_back({cs[c.index].site, {p.peer, p.path_id}, c.weight, c.score, c.penalty});
  }
  const bool changed = fresh || now_selected != st.selected;
  st.history = next_history(st.history, span_of(cs), sel, now, st.service_class->hold_down);
  set_recheck(key, st, sel.recheck);
  st.last = std::move(sel);
  st.selected = std::move(now_selected);
  if (changed) {
    st.changed_at = now;
    ++st.changes;
  }
  return changed;
}

std::optional<std::size_t> CatsRib::preview(const rib::LocRib& loc, const rib::RibEntry& e,
                                            Clock::time_point now) const {
  if (!is_service(e)) return std::nullopt;
  const auto* st = find(e.key);
  const auto& cls = st != nullptr ? *st->service_class : class_for(e);
  const auto cs = candidates(loc, e);
  const auto sel = select(span_of(cs), cls, params(), st != nullptr ? st->history : History{}, now);
  if (sel.sites.empty()) return std::nullopt;
  return sel.sites.front().index;
}

const ServiceState* CatsRib::find(const rib::PrefixKey& key) const {
  const auto it = services_.find(key);
  return it == services_.end() ? nullptr : &it->second;
}

void CatsRib::set_recheck(const rib::PrefixKey& key, ServiceState& st, std::optional<Clock::time_point> at) {
  if (st.recheck && (!at || (*st.recheck)->first != *at)) {
    rechecks_.erase(*st.recheck);
    st.recheck.reset();
  }
  if (at && !st.recheck) st.recheck = rechecks_.emplace(*at, key);
}

std::optional<Clock::time_point> CatsRib::next_recheck() const {
  if (rechecks_.empty()) return std::nullopt;
  return rechecks_.begin()->first;
}

std::vector<rib::PrefixKey> CatsRib::due(Clock::time_point now) const {
  std::vector<rib::PrefixKey> out;
  for (auto it = rechecks_.begin(); it != rechecks_.end() && it->first <= now; ++it) out.push_back(it->second);
  return out;
}

}  // namespace cats::steer
