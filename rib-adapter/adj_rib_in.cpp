#include "adj_rib_in.hpp"

#include <algorithm>

namespace cats::rib {

namespace {

void finish(std::vector<PrefixKey>& keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

// IPv4/IPv6 unicast are the families whose NLRI the codec decodes.
template <class Mp>
std::optional<wire::Family> family_of(const Mp* mp) {
  if (mp == nullptr || !mp->known_family()) return std::nullopt;
  return wire::Family{mp->afi, mp->safi};
}

}  // namespace

AdjRibIn::FamilyTable& AdjRibIn::table(wire::Family f) {
  for (auto& t : families_)
    if (t.family == f) return t;
  families_.push_back({f, {}, std::nullopt});
  return families_.back();
}

const AdjRibIn::FamilyTable* AdjRibIn::find_table(wire::Family f) const {
  for (const auto& t : families_)
    if (t.family == f) return &t;
  return nullptr;
}

AdjRibIn::FamilyTable* AdjRibIn::find_table(wire::Family f) {
  for (auto& t : families_)
    if (t.family == f) return &t;
  return nullptr;
}

void AdjRibIn::install(wire::Family f, const wire::NlriView& v, const AttrsRef& attrs, Arrival at, ApplyResult& r) {
  auto& routes = table(f).routes;
  for (const auto& e : v) {
    if (hooks_.accept && !hooks_.accept(e.prefix)) {
      ++r.filtered;
      if (routes.erase(Key{e.prefix, e.path_id.value_or(0)}) != 0) {
        ++r.withdrawn;
        r.changed.push_back({f, e.prefix});
      }
      continue;
    }
    auto [it, inserted] = routes.try_emplace(Key{e.prefix, e.path_id.value_or(0)});
    AdjRoute& route = it->second;
    // The same attributes again change nothing (and keep the arrival, which
    // RFC 5004 compares); a stale path becoming fresh does change.
    if (!inserted && route.attrs == attrs && !route.stale) continue;
    route = AdjRoute{attrs, at, false};
    ++r.installed;
    r.changed.push_back({f, e.prefix});
  }
}

void AdjRibIn::withdraw(wire::Family f, const wire::NlriView& v, ApplyResult& r) {
  auto& routes = table(f).routes;
  for (const auto& e : v) {
    if (routes.erase(Key{e.prefix, e.path_id.value_or(0)}) == 0) {
      ++r.unknown_withdraws;  // E30
      continue;
    }
    ++r.withdrawn;
    r.changed.push_back({f, e.prefix});
  }
}

ApplyResult AdjRibIn::apply(const wire::Decoded& d, Arrival at) {
  if (const auto* u = std::get_if<wire::Update>(&d.body)) return apply(*u, d.action(), at);
  ApplyResult r;
  r.applied = d.action() != wire::Action::kSessionReset;
  return r;
}

ApplyResult AdjRibIn::apply(const wire::Update& u, wire::Action action, Arrival at) {
  ApplyResult r;
  if (action == wire::Action::kSessionReset) {
    r.applied = false;
    return r;
  }
  const auto reach = family_of(u.mp_reach());
  const auto unreach = family_of(u.mp_unreach());

  if (action == wire::Action::kTreatAsWithdraw) {
    withdraw(kIpv4Unicast, u.withdrawn, r);
    withdraw(kIpv4Unicast, u.nlri, r);
    if (unreach) withdraw(*unreach, u.mp_unreach()->entries(), r);
    if (reach) withdraw(*reach, u.mp_reach()->entries(), r);
  } else {
    r.end_of_rib = u.end_of_rib();
    withdraw(kIpv4Unicast, u.withdrawn, r);
    if (unreach) withdraw(*unreach, u.mp_unreach()->entries(), r);
    // One interned set per next-hop carrier and UPDATE, not per prefix.
    std::optional<wire::AttributeSet> rewritten;
    auto announce = [&](wire::Family f, const wire::NlriView& v, NextHopIn nh) {
      if (v.empty()) return;
      if (hooks_.transform && !rewritten) rewritten = hooks_.transform(u.attrs);
      if (auto attrs = store_->intern(rewritten ? *rewritten : u.attrs, nh)) {
        install(f, v, attrs, at, r);
      } else {
        withdraw(f, v, r);  // cannot store the attributes: safest is treat-as-withdraw
      }
    };
    announce(kIpv4Unicast, u.nlri, NextHopIn::kNextHopAttribute);
    if (reach) announce(*reach, u.mp_reach()->entries(), NextHopIn::kMpReach);
  }
  finish(r.changed);
  for (const auto& t : families_)
    if (t.max && t.routes.size() > *t.max) r.over_limit.push_back(t.family);
  return r;
}

std::vector<PrefixKey> AdjRibIn::mark_stale(wire::Family f) {
  std::vector<PrefixKey> changed;
  auto* t = find_table(f);
  if (t == nullptr) return changed;
  for (auto& [key, route] : t->routes) {
    if (route.stale) continue;
    route.stale = true;
    changed.push_back({f, key.first});
  }
  finish(changed);
  return changed;
}

std::vector<PrefixKey> AdjRibIn::sweep_stale(wire::Family f) {
  std::vector<PrefixKey> changed;
  auto* t = find_table(f);
  if (t == nullptr) return changed;
  std::erase_if(t->routes, [&](const auto& kv) {
    if (!kv.second.stale) return false;
    changed.push_back({f, kv.first.first});
    return true;
  });
  finish(changed);
  return changed;
}

std::vector<PrefixKey> AdjRibIn::mark_stale_all() {
  std::vector<PrefixKey> changed;
  for (const auto& t : families_) {
    auto c = mark_stale(t.family);
    changed.insert(changed.end(), c.begin(), c.end());
  }
  finish(changed);
  return changed;
}

std::vector<PrefixKey> AdjRibIn::sweep_stale_all() {
  std::vector<PrefixKey> changed;
  for (const auto& t : families_) {
    auto c = sweep_stale(t.family);
    changed.insert(changed.end(), c.begin(), c.end());
  }
  finish(changed);
  return changed;
}

std::vector<PrefixKey> AdjRibIn::clear() {
  std::vector<PrefixKey> changed;
  for (auto& t : families_) {
    for (const auto& [key, route] : t.routes) changed.push_back({t.family, key.first});
    t.routes.clear();
  }
  finish(changed);
  return changed;
}

void AdjRibIn::set_max_prefix(wire::Family f, std::optional<std::size_t> limit) {
  table(f).max = limit;
}

bool AdjRibIn::over_limit(wire::Family f) const {
  const auto* t = find_table(f);
  return t != nullptr && t->max && t->routes.size() > *t->max;
}

std::vector<AdjRibIn::PathEntry> AdjRibIn::paths(const PrefixKey& k) const {
  std::vector<PathEntry> out;
  const auto* t = find_table(k.family);
  if (t == nullptr) return out;
  for (auto it = t->routes.lower_bound(Key{k.prefix, 0}); it != t->routes.end() && it->first.first == k.prefix; ++it)
    out.push_back({it->first.second, &it->second});
  return out;
}

const AdjRoute* AdjRibIn::find(const PrefixKey& k, std::uint32_t path_id) const {
  const auto* t = find_table(k.family);
  if (t == nullptr) return nullptr;
  auto it = t->routes.find(Key{k.prefix, path_id});
  return it == t->routes.end() ? nullptr : &it->second;
}

std::size_t AdjRibIn::count(wire::Family f) const {
  const auto* t = find_table(f);
  return t == nullptr ? 0 : t->routes.size();
}

std::size_t AdjRibIn::size() const {
  std::size_t n = 0;
  for (const auto& t : families_) n += t.routes.size();
  return n;
}

}  // namespace cats::rib
