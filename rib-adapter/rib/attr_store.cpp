#include "rib-adapter/rib/attr_store.hpp"

#include <algorithm>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rib-adapter/rib/decision.hpp"

namespace cats::rib {

namespace {

std::string_view key_of(wire::ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

StoredAttrs::StoredAttrs(wire::Bytes bytes, std::uint8_t cats_type) : bytes_(std::move(bytes)) {
  // The canonical form holds only what a clean decode produced, so iBGP, AIGP
  // on and 4-octet AS reproduce it without errors.
  wire::DecodeContext ctx;
  ctx.as4 = true;
  ctx.aigp = true;
  ctx.ebgp = false;
  ctx.cats_type = cats_type;
  std::vector<wire::DecodeError> errors;
  wire::decode_path_attributes(bytes_, ctx, attrs_, errors);
  valid_ = errors.empty();
  keys_ = make_path_info(attrs_, PeerFacts{});
  if (const auto* c = attrs_.get<wire::CatsExp>(cats_type); c != nullptr && c->understood()) {
    cats_.present = true;
    cats_.drained = c->drain();
    cats_.site_score = c->site_score();
    if (const auto* sm = c->site_metrics()) {
      for (const auto& m : sm->metrics) {
        if (!m.usable() || m.type < wire::cats_metric::kComputeNorm || m.type > wire::cats_metric::kComposedNorm)
          continue;
        if (const auto v = m.number(); v && *v >= 0 && *v <= wire::cats_metric::kMaxScore)
          cats_.l1[m.type - wire::cats_metric::kComputeNorm] = static_cast<std::uint8_t>(*v);
      }
    }
    if (const auto* id = c->cs_id()) cats_.cs_id = id->id.to_string();
  }
}

std::optional<PeerAddress> StoredAttrs::next_hop_address() const {
  const auto nh = next_hop();
  PeerAddress a;
  if (nh.size() == 4) {
    a.afi = wire::Afi::kIpv4;
    for (std::size_t i = 0; i < 4; ++i) a.addr[i] = static_cast<std::uint8_t>(nh[i]);
  } else if (nh.size() >= 16) {
    const bool mapped = std::all_of(nh.begin(), nh.begin() + 10, [](std::byte b) { return b == std::byte{0}; }) &&
                        nh[10] == std::byte{0xff} && nh[11] == std::byte{0xff};
    a.afi = mapped ? wire::Afi::kIpv4 : wire::Afi::kIpv6;
    for (std::size_t i = 0; i < (mapped ? 4u : 16u); ++i)
      a.addr[i] = static_cast<std::uint8_t>(nh[(mapped ? 12 : 0) + i]);
  } else {
    return std::nullopt;
  }
  if (std::all_of(a.addr.begin(), a.addr.end(), [](std::uint8_t b) { return b == 0; })) return std::nullopt;
  return a;
}

wire::ByteSpan StoredAttrs::next_hop() const {
  if (const auto* nh = attrs_.get<wire::NextHop>(wire::attr::kNextHop)) return std::as_bytes(std::span(nh->addr));
  if (const auto* mp = attrs_.get<wire::MpReach>(wire::attr::kMpReach)) return mp->next_hop;
  return {};
}

struct AttrStore::Table {
  // Keys view the StoredAttrs' own bytes. The refs own the sets; an entry is
  // erased by the deleter of its set, before the bytes go.
  std::unordered_map<std::string_view, const StoredAttrs*> sets;
  std::size_t bytes = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t rejected = 0;
  NexthopTable* nexthops = nullptr;
};

AttrStore::AttrStore(std::uint8_t cats_type) : cats_type_(cats_type), table_(std::make_shared<Table>()) {}

AttrStore::~AttrStore() = default;

wire::Bytes AttrStore::canonical_bytes(const wire::AttributeSet& received, NextHopIn nh) {
  std::vector<wire::Attribute> keep;
  keep.reserve(received.list().size());
  const auto* as4_aggregator = received.get<wire::Aggregator>(wire::attr::kAs4Aggregator);
  for (const auto& a : received.list()) {
    if (a.discarded || a.malformed) continue;
    switch (a.type) {
      case wire::attr::kMpUnreach:
      case wire::attr::kAs4Path:
      case wire::attr::kAs4Aggregator: continue;
      case wire::attr::kNextHop:
        if (nh != NextHopIn::kNextHopAttribute) continue;
        keep.push_back(a);
        break;
      case wire::attr::kMpReach: {
        const auto* mp = a.as<wire::MpReach>();
        if (nh != NextHopIn::kMpReach || mp == nullptr) continue;
        wire::Attribute copy = a;
        wire::MpReach bare = *mp;
        bare.nlri = {};
        bare.add_path = false;
        copy.value = bare;
        keep.push_back(std::move(copy));
        break;
      }
      case wire::attr::kAsPath: {
        wire::Attribute copy = a;
        if (auto path = wire::effective_as_path(received)) {
          path->four_octet = true;
          copy.value = std::move(*path);
        }
        keep.push_back(std::move(copy));
        break;
      }
      case wire::attr::kAggregator: {
        wire::Attribute copy = a;
        const auto* agg = a.as<wire::Aggregator>();
        // RFC 6793 §4.2.3: AS_TRANS in AGGREGATOR means AS4_AGGREGATOR is the real one.
        if (agg != nullptr && !agg->four_octet && agg->asn == wire::kAsTrans && as4_aggregator != nullptr) {
          wire::Aggregator real = *as4_aggregator;
          real.four_octet = true;
          copy.value = real;
        }
        keep.push_back(std::move(copy));
        break;
      }
      default: keep.push_back(a);
    }
  }
  std::stable_sort(keep.begin(), keep.end(),
                   [](const wire::Attribute& x, const wire::Attribute& y) { return x.type < y.type; });
  wire::Bytes out;
  wire::Writer w(out);
  wire::EncodeContext ctx;
  ctx.as4 = true;
  for (const auto& a : keep) wire::encode_attribute(w, a, ctx);
  return out;
}

AttrsRef AttrStore::intern(const wire::AttributeSet& received, NextHopIn nh, bool track) {
  wire::Bytes bytes = canonical_bytes(received, nh);
  Table& t = *table_;
  auto attach = [&](const StoredAttrs& s) {
    if (track && t.nexthops != nullptr && s.nexthop_ == nullptr)
      if (auto a = s.next_hop_address()) s.nexthop_ = t.nexthops->acquire(*a);
  };
  // Single thread: a set leaves the table in the call that drops its last ref.
  if (auto it = t.sets.find(key_of(bytes)); it != t.sets.end()) {
    ++t.hits;
    attach(*it->second);
    return AttrsRef(it->second);
  }
  auto owned = std::make_unique<StoredAttrs>(std::move(bytes), cats_type_);
  if (!owned->valid()) {
    ++t.rejected;
    return nullptr;
  }
  owned->table_ = std::static_pointer_cast<void>(table_);
  attach(*owned);
  const StoredAttrs* s = owned.release();
  t.sets.emplace(key_of(s->bytes()), s);
  t.bytes += s->bytes().size();
  ++t.misses;
  return AttrsRef(s);
}

// The last reference went: unlink the set if its store still exists (refs may
// outlive it), then free it. The references owned it together; now this does.
void StoredAttrs::destroy(const StoredAttrs* s) {
  const std::unique_ptr<const StoredAttrs> owned{s};
  if (auto table = std::static_pointer_cast<AttrStore::Table>(s->table_.lock())) {
    if (table->sets.erase(key_of(s->bytes())) != 0) table->bytes -= s->bytes().size();
    if (table->nexthops != nullptr && s->nexthop_ != nullptr) table->nexthops->release(s->nexthop_);
  }
}

void AttrStore::set_nexthops(NexthopTable* t) {
  table_->nexthops = t;
}

AttrStoreStats AttrStore::stats() const {
  const Table& t = *table_;
  return {.sets = t.sets.size(), .bytes = t.bytes, .hits = t.hits, .misses = t.misses, .rejected = t.rejected};
}

}  // namespace cats::rib
