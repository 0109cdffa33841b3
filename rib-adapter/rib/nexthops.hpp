// Next-hop tracking, as FRR's zebra NHT: every BGP next hop in use is
// resolved through the kernel's routes (the main and local tables, fed by
// rib-adapter/netlink's route monitor). A next hop is reachable when a usable
// route covers it; the default route counts only when allowed, routes of
// our own FIB protocol never (a service prefix must not resolve a next hop).
// The covering route's metric is the next hop's IGP cost (RFC 4271
// §9.1.2.2 e). Until the first route dump is in, every next hop is reachable
// with an unknown cost, as without tracking.
//
// Entries are shared by the interned attribute sets that carry the next hop
// (StoredAttrs holds a pointer), so the decision reads a path's state with
// one load. Single-threaded, the RIB thread's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "rib-adapter/rib/path.hpp"

namespace cats::rib {

struct KernelRoute {
  PeerAddress prefix;  // host bits zero
  std::uint8_t length = 0;
  std::uint32_t table = 254;
  std::uint32_t metric = 0;            // RTA_PRIORITY
  std::uint8_t protocol = 0;           // rtm_protocol
  bool usable = true;                  // unicast or local; not blackhole, unreachable, prohibit
  std::optional<PeerAddress> gateway;  // RTA_GATEWAY (the first of a multipath route); none: on-link
  std::uint32_t oif = 0;               // RTA_OIF (likewise)
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 false positive on a defaulted <=> (llvm-project#53961)
  auto operator<=>(const KernelRoute&) const = default;
};

struct NexthopState {
  bool reachable = true;
  std::optional<std::uint32_t> metric;  // of the covering route; nullopt: unknown
  // Where packets to the next hop go (a recursive next hop resolved): the
  // covering route's gateway, or the next hop itself when the route is
  // on-link; and its interface. Unknown (oif 0) until a dump is in.
  std::optional<PeerAddress> gateway;
  std::uint32_t oif = 0;
  bool operator==(const NexthopState&) const = default;
};

struct NexthopOptions {
  bool resolve_via_default = false;
  std::uint8_t own_protocol = 0;  // routes of this protocol never resolve; 0: none
};

class NexthopTable {
 public:
  struct Entry {
    PeerAddress address;
    NexthopState state;
    std::uint32_t refs = 0;
  };

  using Options = NexthopOptions;
  explicit NexthopTable(Options o = {}) : opt_(o) {}
  NexthopTable(const NexthopTable&) = delete;
  NexthopTable& operator=(const NexthopTable&) = delete;

  // The entry for `a`, counted; resolved now. Stable until released.
  Entry* acquire(const PeerAddress& a);
  void release(Entry* e);

  // Kernel routes. Each returns the entries whose state changed.
  std::vector<const Entry*> replace_all(const std::vector<KernelRoute>& routes);  // after a dump
  std::vector<const Entry*> add(const KernelRoute& r);
  std::vector<const Entry*> remove(const KernelRoute& r);

  bool active() const { return active_; }  // a dump is in: states are real
  std::size_t size() const { return entries_.size(); }
  std::size_t routes() const { return routes_.size(); }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [a, e] : entries_) f(*e);
  }
  // The state `a` would have, tracked or not.
  NexthopState resolve(const PeerAddress& a) const;

 private:
  std::vector<const Entry*> refresh(const KernelRoute* changed);

  Options opt_;
  bool active_ = false;
  std::map<PeerAddress, std::unique_ptr<Entry>> entries_;
  std::vector<KernelRoute> routes_;  // longest prefixes first
};

}  // namespace cats::rib
