// The engine's FIB side: per prefix, the hops the kernel should forward by
// (the selected sites, weighted, through the gateway and interface that
// next-hop tracking resolved), handed to the FIB's own thread when they
// change.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>

#include "catsd/rde/engine.hpp"
#include "rib-adapter/netlink/fib.hpp"

namespace cats::rde {

namespace {

// Weighted groups spread flows by the kernel's multipath hash; with policy 0
// (addresses only) every flow between a client and an anycast address takes
// one member, whatever the weights.
void warn_if_hash_ignores_ports(const config::Steering& steering) {
  const bool weighted = std::any_of(steering.classes.begin(), steering.classes.end(),
                                    [](const auto& c) { return c.mode == config::SelectionMode::kWeighted; });
  if (!weighted) return;
  for (const char* family : {"ipv4", "ipv6"}) {
    std::ifstream f(std::string("/proc/sys/net/") + family + "/fib_multipath_hash_policy");
    int policy = -1;
    if (f >> policy && policy == 0)
      spdlog::warn(
          "FIB: net.{}.fib_multipath_hash_policy is 0 (addresses only): weighted classes split traffic "
          "per client, not per flow; set it to 1 to hash on ports too",
          family);
  }
}

}  // namespace

std::optional<std::string> Engine::program_fib() {
  fib_scope_ = cfg_.fib_scope();
  if (fib_scope_ == config::FibScope::kNone) return std::nullopt;
  netlink::FibOptions o;
  o.buckets = cfg_.fib.buckets;
  o.idle_timer = cfg_.fib.idle_timer;
  o.retain = cfg_.fib.retain;
  o.stale_after = cfg_.fib.stale_time;
  fib_ = std::make_unique<netlink::Fib>(o);
  if (auto err = fib_->start()) {
    fib_.reset();
    fib_scope_ = config::FibScope::kNone;
    return "FIB: " + *err;
  }
  spdlog::info("FIB: {} prefixes, protocol 201, resilient groups of {} buckets",
               fib_scope_ == config::FibScope::kAll ? "all" : "service", o.buckets);
  warn_if_hash_ignores_ports(cfg_.steering);
  // What is already in the RIB.
  loc_rib_.for_each([&](const rib::RibEntry& e) { fib_update(e.key, &e); });
  return std::nullopt;
}

void Engine::stop_fib() {
  if (fib_) fib_->stop(cfg_.fib.retain);
}

void Engine::fib_update(const std::vector<rib::RibEvent>& events) {
  if (!fib_) return;
  for (const auto& ev : events) fib_update(ev.key, ev.entry);
}

void Engine::fib_update(const rib::PrefixKey& key, const rib::RibEntry* e) {
  if (!fib_) return;
  const bool service = e != nullptr && steering_ && cats_.is_service(*e);
  if (e != nullptr && !service && fib_scope_ != config::FibScope::kAll) {
    if (fib_sent_.count(key) == 0) return;  // never programmed: nothing to take back
    e = nullptr;                            // was a service prefix, is not any more
  }
  // The paths to forward by, with their weights.
  std::vector<std::pair<std::size_t, std::uint32_t>> chosen;
  if (e != nullptr) {
    const auto* st = service ? cats_.find(key) : nullptr;
    if (st != nullptr) {
      for (const auto& s : st->selected)
        for (std::size_t i = 0; i < e->paths().size(); ++i)
          if (e->paths()[i].peer == s.path.peer && e->paths()[i].path_id == s.path.path_id)
            chosen.emplace_back(i, s.weight);
    } else if (e->best()) {
      chosen.emplace_back(*e->best(), 1);
    }
  }
  std::vector<std::tuple<rib::PeerAddress, std::uint32_t, std::uint32_t>> hops;  // gateway, oif, weight
  for (const auto& [i, w] : chosen) {
    const rib::NexthopState nh = e->paths()[i].attrs->nexthop();
    if (!nh.reachable || !nh.gateway || nh.oif == 0) continue;
    auto same = std::find_if(hops.begin(), hops.end(),
                             [&](const auto& h) { return std::get<0>(h) == *nh.gateway && std::get<1>(h) == nh.oif; });
    if (same != hops.end()) {
      std::get<2>(*same) += w;
    } else {
      hops.emplace_back(*nh.gateway, nh.oif, w);
    }
  }
  std::sort(hops.begin(), hops.end());
  auto it = fib_sent_.find(key);
  if (it != fib_sent_.end() ? it->second == hops : hops.empty()) return;
  netlink::FibRoute r{key.prefix, {}};
  for (const auto& [g, oif, w] : hops) r.hops.push_back({g, oif, w});
  fib_->set(std::move(r));
  if (hops.empty()) {
    fib_sent_.erase(key);
  } else {
    fib_sent_[key] = std::move(hops);
  }
}

}  // namespace cats::rde
