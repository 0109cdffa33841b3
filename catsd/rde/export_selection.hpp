// Controller mode (neighbor cats/export-selection): what a neighbor that does
// not speak CATS is sent for a service prefix instead of its best path. The
// selected sites' paths, heaviest first, each with a Link Bandwidth extended
// community (RFC 10005) of its weight, so that a router doing weighted ECMP
// by link bandwidth (FRR) splits traffic as the selection does; in best mode
// the one selected path.
#pragma once

#include <cstdint>
#include <vector>

#include "rib-adapter/rib/attr_store.hpp"
#include "rib-adapter/rib/rib_table.hpp"
#include "rib-adapter/steer/cats_rib.hpp"

namespace cats::rde {

// Bandwidth per unit of weight: the spec's mapping of a score S to S Gbit/s
// (docs/spec/CATS-BGP-ENCODINGS.md B.7.1); weights are scores 1..10.
inline constexpr float kLinkBandwidthPerWeight = 125'000'000.0F;

struct SelectedPath {
  std::size_t index = 0;  // in e.paths()
  std::uint32_t weight = 1;
  bool operator==(const SelectedPath&) const = default;
};

// The paths of `e` its CATS selection chose, heaviest first (ties in the
// selection's order); empty when `e` has no selection (not a service).
std::vector<SelectedPath> selected_paths(const steer::CatsRib& cats, const rib::RibEntry& e);

// `exported` (an outgoing set of `afi`'s route) with one Link Bandwidth
// community of `weight` (transitive, our AS or AS_TRANS) in place of any it
// carried; nullptr when the result does not intern.
rib::AttrsRef with_link_bandwidth(const rib::StoredAttrs& exported, wire::Afi afi, std::uint32_t weight,
                                  std::uint32_t local_as, rib::AttrStore& store);

}  // namespace cats::rde
