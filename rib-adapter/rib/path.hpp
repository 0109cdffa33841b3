// What the decision process knows about one path: keys taken from its path
// attributes plus facts about the session it arrived on. Built once when a path
// enters the Adj-RIB-In (make_path_info in decision.hpp), compared many times.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bgp-ext/wire/attributes.hpp"
#include "bgp-ext/wire/nlri.hpp"

namespace cats::rib {

using RouterId = std::uint32_t;  // BGP Identifier as an unsigned integer (RFC 6286)
using ClusterId = std::uint32_t;

// Transport address of a peer. IPv4 sorts before IPv6, then by octets.
struct PeerAddress {
  wire::Afi afi = wire::Afi::kIpv4;
  std::array<std::uint8_t, 16> addr{};  // IPv4 in the first four octets, the rest zero

  static std::optional<PeerAddress> parse(std::string_view text);
  std::string to_string() const;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted comparison
  auto operator<=>(const PeerAddress&) const = default;
};

enum class PeerType : std::uint8_t {
  kLocal,           // originated by this speaker (configuration, the edge role)
  kExternal,        // eBGP
  kConfedExternal,  // eBGP to another member AS: internal for the decision (RFC 5065)
  kInternal,        // iBGP
};

// The session a path arrived on.
struct PeerFacts {
  PeerAddress address;
  RouterId router_id = 0;
  std::uint32_t asn = 0;
  std::uint32_t local_asn = 0;  // our AS; the confederation identifier inside a confederation
  PeerType type = PeerType::kInternal;
};

struct PathInfo {
  PeerFacts peer;

  // State the RIB keeps current.
  std::uint32_t path_id = 0;       // ADD-PATH identifier as received (0 without ADD-PATH)
  std::uint64_t received_seq = 0;  // arrival order: smaller is older
  bool next_hop_reachable = true;
  bool stale = false;                     // loses to every fresh path (graceful restart: the RIB decides when)
  std::optional<std::uint32_t> igp_cost;  // IGP distance to the next hop; unknown compares equal

  // From the path attributes. as_path and cluster_list borrow from the
  // AttributeSet the path was built from: keep that alive (the RIB's interned set).
  std::optional<std::uint32_t> local_pref;  // absent: DecisionConfig::default_local_pref
  std::span<const wire::AsSegment> as_path;
  std::uint32_t as_path_length = 0;  // RFC 4271 §9.1.2.2 a), confederation segments not counted
  std::uint32_t neighbor_as = 0;     // whose MEDs this path's MED may be compared with
  std::uint8_t origin = 0;           // 0 IGP, 1 EGP, 2 INCOMPLETE
  std::optional<std::uint32_t> med;  // absent: 0, or worst with med_missing_as_worst
  std::optional<std::uint64_t> aigp;
  std::optional<RouterId> originator_id;
  std::span<const ClusterId> cluster_list;
};

}  // namespace cats::rib
