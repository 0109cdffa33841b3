// What a new configuration changes, compared with the running one, sorted by
// how catsd applies it without a restart (BIRD's reconfigure, FRR's commit):
// a new neighbor starts, a removed one gets Cease 6/3, a policy change is a
// route refresh instead of a reset, timers wait for the next session. What
// cannot change while catsd runs (the speaker's identity, the FIB, next-hop
// tracking) is refused with its path, and then nothing changes at all.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "yang/config/config.hpp"

namespace cats::rde {

// How a neighbor's change reaches it; bits, as one change can need several.
enum ChangeBits : std::uint32_t {
  kChangeReset = 1u << 0,     // the session restarts with Cease 6/6 (its OPEN or transport differs)
  kChangeTimers = 1u << 1,    // FSM timers: from the next session on
  kChangeImport = 1u << 2,    // import policy: ROUTE-REFRESH (a reset without route refresh)
  kChangeExport = 1u << 3,    // export policy or rewriting: the Adj-RIB-Out is walked again
  kChangeSteering = 1u << 4,  // network cost or latency: the CATS selection runs again
  kChangeLimits = 1u << 5,    // max-prefix, max-paths-per-prefix, MRAI: at once
  kChangeNoted = 1u << 6,     // description: nothing to do
};

struct NeighborChange {
  std::string address;
  std::uint32_t what = 0;           // ChangeBits
  std::vector<std::string> fields;  // what differs, for the log ("remote-as", "timers/hold-time")
};

struct ReconfigPlan {
  std::vector<std::string> removed_neighbors;
  std::vector<std::string> added_neighbors;
  std::vector<NeighborChange> changed_neighbors;
  std::vector<std::string> removed_services;
  std::vector<std::string> added_services;
  std::vector<std::string> changed_services;  // prefixes, CS-ID, profile, freshness or configured metrics
  bool steering = false;                      // steering (classes, services, cost): selection runs again
  bool collector = false;  // collector, scoring, damper or services: the in-process collector restarts
  bool bmp = false;        // BMP stations: added, removed or reconnected (catsd/telemetry)
  bool mrt = false;        // MRT files: the writer replaced

  bool empty() const;
  // One line per change, for the log and the reply of a reload.
  std::vector<std::string> summary() const;
};

// Whether the in-process collector needs to start again for `next`.
bool collector_changed(const config::Config& running, const config::Config& next);

// Errors name the path of what cannot change while catsd runs and say so;
// `running` and `next` are validated configurations.
std::variant<ReconfigPlan, config::ConfigErrors> plan_reconfig(const config::Config& running,
                                                               const config::Config& next);

}  // namespace cats::rde
