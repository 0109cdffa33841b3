// The tap between the route decision engine and telemetry (BMP, MRT). The
// engine calls a RibMonitor on the RIB thread as sessions come and go,
// UPDATEs arrive and best paths change; with nothing configured it holds no
// monitor and each tap is one pointer test. Telemetry reads the table and
// per-peer counters through a RibSource, on the RIB thread too.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "bgp-ext/session/fsm.hpp"
#include "bgp-ext/wire/bytes.hpp"
#include "bgp-ext/wire/context.hpp"
#include "rib-adapter/rib/loc_rib.hpp"

namespace cats::telemetry {

// An Established session as telemetry reports it.
struct PeerInfo {
  rib::PeerId id = 0;
  wire::Bytes address;            // 4 or 16 octets
  wire::Bytes local;              // 4 or 16 octets; empty when unknown
  std::uint16_t remote_port = 0;  // the connection's; 0 when unknown
  std::uint16_t local_port = 0;
  std::uint32_t asn = 0;
  std::uint32_t local_asn = 0;
  std::uint32_t bgp_id = 0;
  std::uint32_t local_bgp_id = 0;
  bool as4 = true;
  wire::AddPath add_path;  // the peer's NLRI carry path ids
  wire::Bytes sent_open;   // whole OPEN messages
  wire::Bytes received_open;
  std::chrono::system_clock::time_point since{};
  bool replayed = false;  // up before the tap was set: no state change to log
};

struct PeerStats {
  std::uint64_t rejected = 0;           // prefixes refused by import policy or loop checks
  std::uint64_t treat_as_withdraw = 0;  // UPDATEs handled as treat-as-withdraw (RFC 7606)
  std::uint64_t adj_rib_in = 0;         // paths held
  std::uint64_t best = 0;               // of them the Loc-RIB's best
};

class RibSource {
 public:
  virtual ~RibSource() = default;
  virtual const rib::LocRib& loc_rib() const = 0;
  // Every neighbor's, in one walk of the Loc-RIB (not one per peer: a
  // million prefixes and many peers must not cost the RIB thread a walk each).
  virtual std::map<rib::PeerId, PeerStats> peer_stats() const = 0;
  virtual std::uint32_t local_asn() const = 0;
  virtual std::uint32_t local_router_id() const = 0;
};

class RibMonitor {
 public:
  virtual ~RibMonitor() = default;
  virtual void peer_up(const PeerInfo& p) = 0;
  virtual void peer_down(rib::PeerId id, const session::SessionDown& why) = 0;
  // One whole message as it arrived (pre-policy), before it is applied.
  virtual void received(rib::PeerId id, wire::ByteSpan message) = 0;
  // Whether adj_in_changed is wanted (it costs a lookup per prefix).
  virtual bool wants_post_policy() const = 0;
  // The peer's path for `key` after import policy; nullptr: none (withdrawn or filtered).
  virtual void adj_in_changed(rib::PeerId id, const rib::PrefixKey& key, std::uint32_t path_id,
                              const rib::AdjRoute* path) = 0;
  // A Loc-RIB change: kBestChanged or kBestWithdrawn.
  virtual void best_changed(const rib::RibEvent& ev) = 0;
};

}  // namespace cats::telemetry
