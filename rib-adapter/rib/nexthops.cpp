#include "rib-adapter/rib/nexthops.hpp"

#include <algorithm>

namespace cats::rib {

namespace {

bool covers(const KernelRoute& r, const PeerAddress& a) {
  if (r.prefix.afi != a.afi) return false;
  const std::size_t full = r.length / 8;
  if (!std::equal(r.prefix.addr.begin(), r.prefix.addr.begin() + static_cast<std::ptrdiff_t>(full), a.addr.begin()))
    return false;
  const unsigned rest = r.length % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (r.prefix.addr[full] & mask) == (a.addr[full] & mask);
}

// Longest first; among equal lengths the lower metric first (the kernel's choice).
bool before(const KernelRoute& x, const KernelRoute& y) {
  if (x.length != y.length) return x.length > y.length;
  if (x.metric != y.metric) return x.metric < y.metric;
  return x < y;
}

}  // namespace

NexthopState NexthopTable::resolve(const PeerAddress& a) const {
  if (!active_) return {};
  for (const auto& r : routes_) {
    if (!covers(r, a)) continue;
    if (r.length == 0 && !opt_.resolve_via_default) continue;
    if (opt_.own_protocol != 0 && r.protocol == opt_.own_protocol) continue;
    if (r.table != 254 && r.table != 255) continue;
    if (!r.usable) return {false, std::nullopt, std::nullopt, 0};  // blackhole and the like: not reachable
    return {true, r.metric, r.gateway ? r.gateway : std::optional<PeerAddress>(a), r.oif};
  }
  return {false, std::nullopt, std::nullopt, 0};
}

NexthopTable::Entry* NexthopTable::acquire(const PeerAddress& a) {
  auto& e = entries_[a];
  if (!e) {
    e = std::make_unique<Entry>();
    e->address = a;
    e->state = resolve(a);
  }
  ++e->refs;
  return e.get();
}

void NexthopTable::release(Entry* e) {
  if (e == nullptr || --e->refs > 0) return;
  entries_.erase(e->address);
}

std::vector<const NexthopTable::Entry*> NexthopTable::refresh(const KernelRoute* changed) {
  std::vector<const Entry*> out;
  for (auto& [a, e] : entries_) {
    if (changed != nullptr && !covers(*changed, a)) continue;  // cannot have moved
    const auto s = resolve(a);
    if (s == e->state) continue;
    e->state = s;
    out.push_back(e.get());
  }
  return out;
}

std::vector<const NexthopTable::Entry*> NexthopTable::replace_all(const std::vector<KernelRoute>& routes) {
  routes_ = routes;
  std::sort(routes_.begin(), routes_.end(), before);
  routes_.erase(std::unique(routes_.begin(), routes_.end()), routes_.end());
  active_ = true;
  return refresh(nullptr);
}

std::vector<const NexthopTable::Entry*> NexthopTable::add(const KernelRoute& r) {
  const auto at = std::lower_bound(routes_.begin(), routes_.end(), r, before);
  if (at != routes_.end() && *at == r) return {};
  routes_.insert(at, r);
  return active_ ? refresh(&r) : std::vector<const Entry*>{};
}

std::vector<const NexthopTable::Entry*> NexthopTable::remove(const KernelRoute& r) {
  // The kernel names a route by table, destination and metric.
  const auto at = std::find_if(routes_.begin(), routes_.end(), [&](const KernelRoute& x) {
    return x.prefix == r.prefix && x.length == r.length && x.table == r.table && x.metric == r.metric;
  });
  if (at == routes_.end()) return {};
  const KernelRoute gone = *at;
  routes_.erase(at);
  return active_ ? refresh(&gone) : std::vector<const Entry*>{};
}

}  // namespace cats::rib
