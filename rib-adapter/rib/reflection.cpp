#include "rib-adapter/rib/reflection.hpp"

#include <algorithm>
#include <array>

namespace cats::rib {

namespace {

ReflectionLoop loop_of(std::optional<RouterId> originator, std::span<const ClusterId> cluster_list,
                       RouterId our_router_id, std::optional<ClusterId> our_cluster_id) {
  if (originator == our_router_id) return ReflectionLoop::kOriginatorIsUs;
  if (our_cluster_id && std::ranges::find(cluster_list, *our_cluster_id) != cluster_list.end())
    return ReflectionLoop::kClusterListHasUs;
  return ReflectionLoop::kNone;
}

}  // namespace

ReflectionLoop reflection_loop(const PathInfo& path, RouterId our_router_id, std::optional<ClusterId> our_cluster_id) {
  return loop_of(path.originator_id, path.cluster_list, our_router_id, our_cluster_id);
}

ReflectionLoop reflection_loop(const wire::AttributeSet& attrs, RouterId our_router_id,
                               std::optional<ClusterId> our_cluster_id) {
  std::optional<RouterId> originator;
  if (const auto* o = attrs.get<wire::OriginatorId>(wire::attr::kOriginatorId))
    originator = wire::be32(std::as_bytes(std::span(o->id)), 0);
  std::span<const ClusterId> clusters;
  if (const auto* c = attrs.get<wire::ClusterList>(wire::attr::kClusterList)) clusters = c->ids;
  return loop_of(originator, clusters, our_router_id, our_cluster_id);
}

bool as_path_loop(const wire::AttributeSet& attrs, std::uint32_t our_as) {
  const auto path = wire::effective_as_path(attrs);
  if (!path) return false;
  return std::ranges::any_of(path->segments, [&](const wire::AsSegment& seg) {
    return std::ranges::find(seg.asns, our_as) != seg.asns.end();
  });
}

namespace {

// Both are optional non-transitive (RFC 4456 §8).
wire::Attribute optional_attribute(std::uint8_t type, wire::AttrValue value) {
  return wire::built_attribute(wire::attr::kOptional, type, std::move(value));
}

}  // namespace

std::vector<wire::Attribute> reflect_attributes(const wire::AttributeSet& attrs, RouterId from_router_id,
                                                ClusterId our_cluster_id) {
  std::vector<wire::Attribute> out;
  // Never replaced: it names the first router inside the AS.
  if (attrs.get<wire::OriginatorId>(wire::attr::kOriginatorId) == nullptr) {
    wire::OriginatorId id;
    for (std::size_t i = 0; i < 4; ++i) id.id[i] = static_cast<std::uint8_t>(from_router_id >> (24 - 8 * i));
    out.push_back(optional_attribute(wire::attr::kOriginatorId, id));
  }
  wire::ClusterList list;
  const auto* old = attrs.get<wire::ClusterList>(wire::attr::kClusterList);
  list.ids.reserve(1 + (old != nullptr ? old->ids.size() : 0));
  list.ids.push_back(our_cluster_id);
  if (old != nullptr) list.ids.insert(list.ids.end(), old->ids.begin(), old->ids.end());
  // Extended Length is chosen by the encoder from the new length.
  out.push_back(optional_attribute(wire::attr::kClusterList, std::move(list)));
  return out;
}

namespace {

constexpr Advertise N = Advertise::kNo;
constexpr Advertise Y = Advertise::kYes;
constexpr Advertise R = Advertise::kReflect;

// [from][to], in Neighbor order. Client to client is R, turned off below.
// clang-format off
constexpr std::array<std::array<Advertise, 5>, 5> kAdvertise = {{
    //                       to: local  external  confed-ext  client  non-client
    /* from local          */ {{N,     Y,        Y,          Y,      Y}},
    /* from external       */ {{N,     Y,        Y,          Y,      Y}},
    /* from confed-external*/ {{N,     Y,        Y,          Y,      Y}},
    /* from client         */ {{N,     Y,        Y,          R,      R}},
    /* from non-client     */ {{N,     Y,        Y,          R,      N}},
}};
// clang-format on

}  // namespace

Advertise advertise(Neighbor from, Neighbor to, bool client_to_client) {
  if (from == Neighbor::kClient && to == Neighbor::kClient && !client_to_client) return Advertise::kNo;
  return kAdvertise[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)];
}

}  // namespace cats::rib
