#include "bgp-ext/wire/attribute_table.hpp"

#include <array>

namespace cats::wire {

namespace {

constexpr std::uint8_t kO = attr::kOptional;
constexpr std::uint8_t kT = attr::kTransitive;

// What a value type's decode()/encode() takes besides the octets.
enum class Needs { kNothing, kSessionAsn, kFourOctetAsn, kAddPath };

template <class T, Needs N>
DecodeStatus decode_as(ByteSpan v, const DecodeContext& ctx, AttrValue& out) {
  T& value = out.emplace<T>();
  if constexpr (N == Needs::kNothing)
    return T::decode(v, value);
  else if constexpr (N == Needs::kAddPath)
    return T::decode(v, ctx.add_path, value);
  else
    return T::decode(v, N == Needs::kFourOctetAsn || ctx.as4, value);
}

template <class T, Needs N>
void encode_as(Writer& w, const AttrValue& v, const EncodeContext& ctx) {
  const T& value = std::get<T>(v);
  if constexpr (N == Needs::kSessionAsn || N == Needs::kFourOctetAsn)
    value.encode(w, N == Needs::kFourOctetAsn || ctx.as4);
  else
    value.encode(w);
}

template <class T, Needs N = Needs::kNothing>
constexpr AttributeDescriptor row(const char* name, std::uint8_t flags, Action on_malformed) {
  return {name, flags, on_malformed, &decode_as<T, N>, &encode_as<T, N>};
}

constexpr auto kWithdraw = Action::kTreatAsWithdraw;
constexpr auto kDiscard = Action::kAttributeDiscard;
constexpr auto kReset = Action::kSessionReset;

constexpr std::array<AttributeDescriptor, 256> kTable = [] {
  std::array<AttributeDescriptor, 256> t{};
  t[attr::kOrigin] = row<Origin>("ORIGIN", kT, kWithdraw);
  t[attr::kAsPath] = row<AsPath, Needs::kSessionAsn>("AS_PATH", kT, kWithdraw);
  t[attr::kNextHop] = row<NextHop>("NEXT_HOP", kT, kWithdraw);
  t[attr::kMed] = row<Med>("MULTI_EXIT_DISC", kO, kWithdraw);
  t[attr::kLocalPref] = row<LocalPref>("LOCAL_PREF", kT, kWithdraw);
  t[attr::kAtomicAggregate] = row<AtomicAggregate>("ATOMIC_AGGREGATE", kT, kDiscard);
  t[attr::kAggregator] = row<Aggregator, Needs::kSessionAsn>("AGGREGATOR", kO | kT, kDiscard);
  t[attr::kCommunities] = row<Communities>("COMMUNITIES", kO | kT, kWithdraw);
  t[attr::kOriginatorId] = row<OriginatorId>("ORIGINATOR_ID", kO, kWithdraw);
  t[attr::kClusterList] = row<ClusterList>("CLUSTER_LIST", kO, kWithdraw);
  t[attr::kMpReach] = row<MpReach, Needs::kAddPath>("MP_REACH_NLRI", kO, kReset);
  t[attr::kMpUnreach] = row<MpUnreach, Needs::kAddPath>("MP_UNREACH_NLRI", kO, kReset);
  t[attr::kExtCommunities] = row<ExtCommunities>("EXTENDED_COMMUNITIES", kO | kT, kWithdraw);
  t[attr::kAs4Path] = row<AsPath, Needs::kFourOctetAsn>("AS4_PATH", kO | kT, kDiscard);
  t[attr::kAs4Aggregator] = row<Aggregator, Needs::kFourOctetAsn>("AS4_AGGREGATOR", kO | kT, kDiscard);
  t[attr::kAigp] = row<Aigp>("AIGP", kO, kDiscard);
  t[attr::kLargeCommunity] = row<LargeCommunities>("LARGE_COMMUNITY", kO | kT, kWithdraw);
  return t;
}();

// Whatever code the session gives it; only cats_exp.hpp knows its layout.
constexpr AttributeDescriptor kCatsExp = row<CatsExp>("CATS-EXP", kO | kT, kWithdraw);

const AttributeDescriptor* described(std::uint8_t type) {
  const AttributeDescriptor& d = kTable[type];
  return d.decode != nullptr ? &d : nullptr;
}

}  // namespace

const AttributeDescriptor* attribute_descriptor(std::uint8_t type, std::uint8_t cats_type) {
  return type == cats_type ? &kCatsExp : described(type);
}

const AttributeDescriptor* value_descriptor(const Attribute& a) {
  if (a.as<Opaque>() != nullptr) return nullptr;
  return a.as<CatsExp>() != nullptr ? &kCatsExp : described(a.type);
}

const char* attribute_name(std::uint8_t type, std::uint8_t cats_type) {
  if (const auto* d = attribute_descriptor(type, cats_type)) return d->name;
  return type == attr::kEdgeMetadata ? "EDGE_METADATA" : "UNKNOWN";  // 42 is named but unrecognised (E34)
}

}  // namespace cats::wire
