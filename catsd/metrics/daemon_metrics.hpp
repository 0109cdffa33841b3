// catsd's metric families: BGP sessions (from show neighbors), the RIB's
// size, CATS per service and site (show services: the ingress's candidate
// sites and selection, the edge's originated metrics), and the in-process
// collector when there is one. Built from replies the API also gives, so a
// figure on /metrics is the one catsctl shows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/metrics/families.hpp"
#include "proto/catsd.pb.h"

namespace cats::metrics {

struct RibSummary {
  std::size_t prefixes = 0;
  std::size_t paths = 0;
  std::size_t attribute_sets = 0;
  std::size_t attribute_bytes = 0;
  std::uint64_t decisions = 0;  // prefixes run through the decision process
};

struct DaemonState {
  std::optional<api::v1::ShowNeighborsReply> neighbors;  // absent: the daemon did not answer in time
  std::optional<api::v1::ShowServicesReply> services;
  std::optional<RibSummary> rib;
  // Candidates (prefix x site) with catsd_cats_site_* series; more: none of them. 0: no limit.
  std::size_t site_series_limit = 20'000;
};

// The numeric session state: RFC 4271's FSM states in order, idle 1 .. established 6; 0 unknown.
int session_state_number(const std::string& state);

void add_daemon_metrics(Families& out, const DaemonState& s);

}  // namespace cats::metrics
