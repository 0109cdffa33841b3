// The CATS RIB (spec B.1): per service prefix, the sites' paths with their
// metrics and network cost, the selection in force, and what it replaced.
// The BGP decision (Loc-RIB) stays as it is; the engine feeds this after
// each decision, and the FIB, show, watch and Resolve read it.
//
// A prefix is a service prefix when a path of it carries the CATS attribute
// or the steering configuration names it. Selection state is kept for the
// prefixes with a choice to make (two paths or more, or configured): with a
// single path the selection is that path, or the BGP best when it is not
// eligible, which is the same path.
#pragma once

#include <boost/container/small_vector.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rib-adapter/rib/loc_rib.hpp"
#include "rib-adapter/steer/select.hpp"
#include "yang/config/config.hpp"

namespace cats::steer {

// What the configuration says about one neighbor's paths.
struct PeerSteering {
  std::optional<std::uint32_t> cost;        // neighbor/cats/network-cost
  std::optional<std::uint32_t> latency_ms;  // neighbor/cats/latency
};

// One selected site.
struct Selected {
  SiteId site;
  rib::PathKey path;
  std::uint32_t weight = 1;
  double score = 0;
  double penalty = 0;
  bool operator==(const Selected& o) const { return site == o.site && path == o.path && weight == o.weight; }
};

struct ServiceState {
  const config::ServiceClass* service_class = nullptr;
  std::string service;  // the steering/service binding, if any
  std::vector<Selected> selected;
  Selection last;  // the last run (outcome and explanation; its indices are stale)
  History history;
  Clock::time_point changed_at{};
  std::uint64_t changes = 0;  // selection changes since the prefix was first seen
  std::optional<std::multimap<Clock::time_point, rib::PrefixKey>::iterator> recheck;  // CatsRib's
};

using Candidates = boost::container::small_vector<Candidate, 8>;
// Boost 1.74's iterators are not contiguous_iterator: std::span needs the pointer.
inline std::span<const Candidate> span_of(const Candidates& c) {
  return {c.data(), c.size()};
}

class CatsRib {
 public:
  explicit CatsRib(const config::Steering& cfg);

  void set_peer(rib::PeerId id, PeerSteering s);
  // The steering configuration this was built with has changed (it is held
  // by reference): bindings are rebuilt, each prefix's class found again;
  // selections and hold-downs are kept until the caller re-selects.
  void reconfigure(const rib::LocRib& loc);

  // Whether the prefix of `e` is a service prefix.
  bool is_service(const rib::RibEntry& e) const;
  // The candidates of an entry, one per path (index i is path i).
  Candidates candidates(const rib::LocRib& loc, const rib::RibEntry& e) const;
  const config::ServiceClass& class_for(const rib::RibEntry& e, std::string* service = nullptr) const;

  // Re-selects for `key` after its paths or their next hops changed (`e`
  // nullptr: the prefix is gone). True when the selection changed.
  bool update(const rib::LocRib& loc, const rib::PrefixKey& key, const rib::RibEntry* e, Clock::time_point now);

  // The path the selection would choose for `e` now, without committing it
  // (for the Loc-RIB to follow, before update() runs on the decision's event).
  std::optional<std::size_t> preview(const rib::LocRib& loc, const rib::RibEntry& e, Clock::time_point now) const;

  const ServiceState* find(const rib::PrefixKey& key) const;
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [k, s] : services_) f(k, s);
  }
  std::size_t size() const { return services_.size(); }
  // The earliest hold-down end, and the prefixes whose hold-down has ended.
  std::optional<Clock::time_point> next_recheck() const;
  std::vector<rib::PrefixKey> due(Clock::time_point now) const;
  const config::Steering& config() const { return cfg_; }
  Params params() const { return {cfg_.unknown_score}; }

 private:
  struct Binding {
    wire::Prefix prefix;
    std::size_t service;  // into cfg_.services
  };
  const config::SteeringService* bound(const rib::RibEntry& e) const;
  void index();  // prefixes_, next_hops_, cloud_next_hops_ from cfg_

  const config::Steering& cfg_;
  std::vector<PeerSteering> peers_;  // by PeerId
  std::vector<Binding> prefixes_;    // configured service prefixes
  std::vector<std::pair<rib::PeerAddress, config::NextHopCost>> next_hops_;
  std::vector<rib::PeerAddress> cloud_next_hops_;
  std::map<rib::PrefixKey, ServiceState> services_;
  // Pending hold-down ends, earliest first (one per prefix at most).
  std::multimap<Clock::time_point, rib::PrefixKey> rechecks_;
  void set_recheck(const rib::PrefixKey& key, ServiceState& st, std::optional<Clock::time_point> at);
};

}  // namespace cats::steer
