// The edge role's own routes: each configured service prefix announced with
// a CATS-EXP attribute built from the service's current metrics. The result
// is a real UPDATE message, fed to the RIB through the same decode and
// Adj-RIB-In path as a neighbor's, so an originated route is stored,
// selected and exported exactly like a received one.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp-ext/wire/bytes.hpp"
#include "bgp-ext/wire/nlri.hpp"
#include "yang/config/config.hpp"

namespace cats::rde {

// Metric Control sequence numbers follow the clock: 1/256 s since
// 2020-01-01T00:00:00Z, modulo 2^32 (RFC 1982 serial numbers wrap every 194
// days and compare within half that). A restarted edge so never reuses a
// number the network has seen, unless it made more than 256 changes a
// second on average since it started.
std::uint32_t clock_sequence(std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
// The sequence after `current`: current + 1, or `clock` when that is ahead
// (serial-number comparison).
std::uint32_t next_sequence(std::uint32_t current, std::uint32_t clock = clock_sequence());

// What the edge advertises for one service now.
struct ServiceState {
  config::Metrics metrics;
  std::uint32_t sequence = 1;  // Metric Control sequence (RFC 1982 serial), bumped per change
  bool withdrawn = false;      // service down: the prefixes are withdrawn
  std::uint64_t updates = 0;   // advertisements made (re-advertisements included)
};

struct OriginParams {
  std::uint8_t cats_type = 255;
  std::uint32_t router_id = 0;  // stands in as the next hop until export puts our address there
  std::uint16_t interval = 0;   // Metric Control interval, seconds
};

// The CATS-EXP value octets for `prefix` of `svc` (CS-ID defaults to the
// prefix address; Site Metrics carry L2 and the configured L1 scores).
wire::Bytes build_cats_exp_value(const config::Service& svc, const ServiceState& st, const wire::Prefix& prefix,
                                 std::uint16_t interval);

// One UPDATE per prefix (its CATS-EXP differs per prefix when the CS-ID is
// the prefix address): ORIGIN IGP, empty AS_PATH, an unspecified next hop
// (replaced by our address on export), the CATS-EXP attribute. Encoded for a
// local session: 4-octet AS, no ADD-PATH.
std::vector<wire::Bytes> build_announcements(const config::Service& svc, const ServiceState& st, const OriginParams& p);
// Withdrawals of every prefix of the service.
std::vector<wire::Bytes> build_withdrawals(const config::Service& svc);

// "inject" request validation: scores 0..10, instances well-formed. Error text or nullopt.
std::optional<std::string> check_metrics(const config::Metrics& m);

// The largest CATS-EXP value an originated route may carry. A peer without
// Extended Messages (RFC 8654) takes UPDATEs of at most 4096 octets, and the
// attributes added on export (AS_PATH, NEXT_HOP or MP_REACH_NLRI, LOCAL_PREF,
// communities, ORIGINATOR_ID and CLUSTER_LIST on a reflector, Link
// Bandwidth) and the prefix need the rest. The value cannot be split: one
// prefix carries one CATS-EXP attribute, so more contact instances are refused.
inline constexpr std::size_t kMaxCatsExpOctets = 3584;

// Why `m` cannot be advertised for `svc` (its CATS-EXP value for some prefix
// exceeds kMaxCatsExpOctets), or nullopt.
std::optional<std::string> check_fits(const config::Service& svc, const config::Metrics& m);

// Configuration errors for every service whose configured metrics, or one
// report from each of its collector targets, would not fit in an UPDATE.
config::ConfigErrors check_origination(const config::Config& cfg);

}  // namespace cats::rde
