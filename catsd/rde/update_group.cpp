#include "catsd/rde/update_group.hpp"

#include <algorithm>
#include <limits>
#include <new>

namespace cats::rde {

using wire::Afi;
using wire::NlriEntry;

int family_index(const wire::Family& f) {
  if (f.safi != 1) return -1;
  return f.afi == 1 ? 0 : f.afi == 2 ? 1 : -1;
}

namespace {

Afi afi_of(int family) {
  return family == 0 ? Afi::kIpv4 : Afi::kIpv6;
}

// Octets one prefix takes in NLRI.
std::size_t nlri_octets(const wire::Prefix& p, bool add_path) {
  return 1 + (p.length + 7u) / 8u + (add_path ? 4u : 0u);
}

// RFC 6793 §4.2.2: towards a 2-octet-AS peer, ASNs above 65535 go out as
// AS_TRANS and the real path (confederation segments left out) and
// aggregator travel in AS4_PATH / AS4_AGGREGATOR.
void add_as4_attributes(wire::AttributeSet& attrs) {
  bool changed = false;
  if (const auto* p = attrs.get<wire::AsPath>(wire::attr::kAsPath)) {
    wire::AsPath real;
    bool wide = false;
    for (const auto& seg : p->segments) {
      if (seg.type == wire::SegmentType::kConfedSequence || seg.type == wire::SegmentType::kConfedSet) continue;
      real.segments.push_back(seg);
      for (auto a : seg.asns) wide = wide || a > 0xffff;
    }
    if (wide) {
      wire::Attribute a;
      a.flags = wire::attr::kOptional | wire::attr::kTransitive;
      a.type = wire::attr::kAs4Path;
      a.value = std::move(real);
      attrs.set(std::move(a));
      changed = true;
    }
  }
  if (const auto* g = attrs.get<wire::Aggregator>(wire::attr::kAggregator); g != nullptr && g->asn > 0xffff) {
    wire::Aggregator as4 = *g;
    as4.four_octet = true;
    wire::Attribute a;
    a.flags = wire::attr::kOptional | wire::attr::kTransitive;
    a.type = wire::attr::kAs4Aggregator;
    a.value = as4;
    attrs.set(std::move(a));
    changed = true;
  }
  if (!changed) return;
  auto& list = attrs.mutable_list();
  std::stable_sort(list.begin(), list.end(), [](const auto& x, const auto& y) { return x.type < y.type; });
  attrs.reindex();
}

// Messages of one packing in one buffer: one allocation and one queue entry
// per block instead of one per message.
session::SharedBytes concat(std::vector<wire::Bytes>& messages) {
  if (messages.size() == 1) return std::make_shared<const wire::Bytes>(std::move(messages[0]));
  std::size_t total = 0;
  for (const auto& m : messages) total += m.size();
  wire::Bytes all;
  all.reserve(total);
  for (const auto& m : messages) all.insert(all.end(), m.begin(), m.end());
  return std::make_shared<const wire::Bytes>(std::move(all));
}

// Withdrawals of both families, IPv4 first, appended to `out`; the number of messages.
std::size_t pack_withdrawn(std::array<std::vector<NlriEntry>, 2>& lists, const wire::EncodeContext& ctx,
                           std::vector<Outgoing::Buffer>& out) {
  std::size_t messages = 0;
  for (int f = 0; f < 2; ++f) {
    auto& list = lists[static_cast<std::size_t>(f)];
    if (list.empty()) continue;
    auto packed = wire::pack_withdrawals(afi_of(f), list, ctx);
    const std::size_t count = packed.messages.size();
    out.push_back({concat(packed.messages), count});
    messages += count;
  }
  return messages;
}

}  // namespace

// ---- EntryIndex ---------------------------------------------------------------

void EntryIndex::live(const rib::RibEntry& e) {
  const std::uint32_t n = e.self;
  const std::size_t c = n / kChunk;
  if (c >= base_.size()) {
    base_.resize(c + 1, 0);
    used_.resize(c + 1, 0);
  }
  if (n / 64 >= known_.size()) known_.resize(grown(known_.size(), n / 64), 0);
  base_[c] = reinterpret_cast<std::uintptr_t>(&e) - (n % kChunk) * sizeof(rib::RibEntry);
  std::uint64_t& w = known_[n / 64];
  const std::uint64_t bit = std::uint64_t{1} << (n % 64);
  if ((w & bit) == 0) {
    w |= bit;
    ++used_[c];
    ++live_;
  }
  end_ = std::max(end_, n + 1);
}

void EntryIndex::freed(std::uint32_t n) {
  if (n / 64 >= known_.size()) return;
  std::uint64_t& w = known_[n / 64];
  const std::uint64_t bit = std::uint64_t{1} << (n % 64);
  if ((w & bit) == 0) return;  // never seen with a path
  w &= ~bit;
  --live_;
  // Generations only for numbers ever freed: a table that only grows has none.
  if (n >= gen_.size()) gen_.resize(grown(gen_.size(), n), 0);
  ++gen_[n];
  // The table may unmap a chunk with no entry in use: forget its address.
  if (--used_[n / kChunk] == 0) base_[n / kChunk] = 0;
}

const rib::RibEntry* EntryIndex::at(std::uint32_t n) const {
  const std::size_t c = n / kChunk;
  if (c >= base_.size() || base_[c] == 0 || (known_[n / 64] >> (n % 64) & 1) == 0) return nullptr;
  // NOLINTNEXTLINE(performance-no-int-to-ptr): an address kept as a number, so an unmapped chunk leaves no pointer
  const auto* e = std::launder(reinterpret_cast<const rib::RibEntry*>(base_[c] + (n % kChunk) * sizeof(rib::RibEntry)));
  return e->live && e->self == n ? e : nullptr;
}

void EntryIndex::rebuild(const rib::LocRib& rib) {
  for (auto& g : gen_) ++g;
  std::fill(base_.begin(), base_.end(), 0);
  std::fill(used_.begin(), used_.end(), 0);
  std::fill(known_.begin(), known_.end(), 0);
  end_ = 0;
  live_ = 0;
  rib.for_each([this](const rib::RibEntry& e) {
    if (!e.paths().empty()) live(e);
  });
}

// ---- ExportParams -------------------------------------------------------------

bool ExportParams::same(const ExportParams& o) const {
  const ExportTarget& a = target;
  const ExportTarget& b = o.target;
  return a.kind == b.kind && a.local_as == b.local_as && a.router_id == b.router_id && a.cluster_id == b.cluster_id &&
         a.next_hop_self == b.next_hop_self && a.client_to_client == b.client_to_client && a.self_v4 == b.self_v4 &&
         a.self_v6 == b.self_v6 && a.cats_type == b.cats_type && a.default_local_pref == b.default_local_pref &&
         (a.policy == nullptr) == (b.policy == nullptr) && policy.prefix_list == o.policy.prefix_list &&
         policy.set_local_pref == o.policy.set_local_pref && policy.set_med == o.policy.set_med &&
         policy.add_communities == o.policy.add_communities && cats_send == o.cats_send && ectx.as4 == o.ectx.as4 &&
         ectx.add_path.ipv4 == o.ectx.add_path.ipv4 && ectx.add_path.ipv6 == o.ectx.add_path.ipv6 &&
         ectx.extended_message == o.ectx.extended_message && families == o.families &&
         export_selection == o.export_selection;
}

// ---- Building a part ----------------------------------------------------------

// Collects one part: announcements in blocks by (exported set, family, the
// member whose own path it is), withdrawal candidates, and the work done.
class UpdateGroup::Builder {
 public:
  Builder(UpdateGroup& g, Chunk& c, std::vector<AdjRibOut*> eligible) : g_(g), c_(c), eligible_(std::move(eligible)) {}

  bool full() const { return octets_ >= kChunkOctets || visits >= kChunkVisits; }

  void announce(const rib::AttrsRef& attrs, int family, rib::PeerId except, const wire::Prefix& p,
                std::optional<std::uint32_t> id, std::uint32_t n) {
    Open* o = last_ < open_.size() ? &open_[last_] : nullptr;
    if (o == nullptr || o->attrs != attrs || o->family != family || o->except != except) {
      const SerialKey key{attrs.get(), except << 1 | static_cast<rib::PeerId>(family)};
      auto [it, added] = index_.try_emplace(key, open_.size());
      if (added) {
        open_.push_back({attrs, family, except, {}, {}});
        octets_ += 64;  // message overhead and attributes, roughly
      }
      last_ = it->second;
      o = &open_[last_];
    }
    o->nlri.push_back({p, id});
    auto& runs = o->runs;
    if (!runs.empty() && runs.back().first + runs.back().second == n) {
      ++runs.back().second;
    } else if (runs.empty() || runs.back().first + runs.back().second != n + 1) {  // (ADD-PATH: n again)
      runs.push_back({n, 1});
    }
    octets_ += nlri_octets(p, id.has_value());
  }

  // A withdrawal some member at the part's start may need: skipped when none
  // of them has the prefix.
  void withdraw(int family, const wire::Prefix& p, std::uint32_t n, rib::PeerId only, bool clears,
                std::span<const std::pair<std::uint32_t, rib::PeerId>> ids) {
    bool needed = false;
    for (const AdjRibOut* m : eligible_)
      if ((only == 0 || m->peer() == only) && m->has(n)) needed = true;
    if (!needed) return;
    Chunk::Withdrawal w;
    w.family = family;
    w.prefix = p;
    w.n = n;
    w.only = only;
    w.clears = clears;
    w.ids_begin = static_cast<std::uint32_t>(c_.ids.size());
    c_.ids.insert(c_.ids.end(), ids.begin(), ids.end());
    w.ids_end = static_cast<std::uint32_t>(c_.ids.size());
    c_.withdrawals.push_back(w);
    octets_ += nlri_octets(p, g_.add_path(family)) * std::max<std::size_t>(1, ids.size());
  }

  // Encodes the announcements, one buffer per block.
  void finish() {
    const wire::EncodeContext& ctx = g_.params_.ectx;
    for (auto& o : open_) {
      wire::AttributeSet attrs = o.attrs->attrs();
      attrs.erase(wire::attr::kMpReach);
      if (o.family == 1) attrs.erase(wire::attr::kNextHop);
      if (!ctx.as4) add_as4_attributes(attrs);
      auto packed = wire::pack_announcements(attrs, afi_of(o.family), o.attrs->next_hop(), o.nlri, ctx);
      if (packed.messages.empty()) continue;  // attributes leave no room for a prefix: nothing can be sent
      Chunk::Block b;
      b.messages = packed.messages.size();
      b.bytes = concat(packed.messages);
      b.family = o.family;
      b.except = o.except;
      b.begin = static_cast<std::uint32_t>(c_.runs.size());
      c_.runs.insert(c_.runs.end(), o.runs.begin(), o.runs.end());
      b.end = static_cast<std::uint32_t>(c_.runs.size());
      c_.octets += b.bytes->size();
      c_.blocks.push_back(std::move(b));
    }
  }

  std::size_t visits = 0;

 private:
  struct Open {
    rib::AttrsRef attrs;
    int family = 0;
    rib::PeerId except = 0;
    std::vector<NlriEntry> nlri;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
  };
  UpdateGroup& g_;
  Chunk& c_;
  std::vector<AdjRibOut*> eligible_;
  std::vector<Open> open_;
  std::unordered_map<SerialKey, std::size_t, SerialHash> index_;  // (attributes, member << 1 | family) -> open_
  std::size_t last_ = std::numeric_limits<std::size_t>::max();
  std::size_t octets_ = 0;
};

// ---- UpdateGroup --------------------------------------------------------------

UpdateGroup::UpdateGroup(ExportParams params) : params_(std::move(params)), cache_(4096) {
  refresh_policy(params_.target.policy);
}

void UpdateGroup::refresh_policy(const rib::Policy* p) {
  if (p == nullptr) return;  // same(): a group without a policy gets no member with one
  if (!policy_ || p != &*policy_) policy_ = *p;
  params_.target.policy = &*policy_;
}

void UpdateGroup::join(AdjRibOut& m, rib::PeerId peer) {
  m.group_ = this;
  m.peer_ = peer;
  m.position_ = ExportPosition{.pos = head_, .cursor = 0, .walk = params_.families, .walking = true, .fresh = true};
  members_.push_back(&m);
}

void UpdateGroup::leave(AdjRibOut& m) {
  std::erase(members_, &m);
  forget_rendered();
}

void UpdateGroup::depart(AdjRibOut& m, const ExportEnv& env) {
  lag(m, env);
  --lags_;  // a move, not a member that fell behind
  leave(m);
}

void UpdateGroup::rewalk(AdjRibOut& m, std::uint8_t families) {
  ExportPosition& p = m.position_;
  // A walk in progress extends to the new families: what it skipped so far
  // of them was never sent.
  p.walk = p.walking ? static_cast<std::uint8_t>(p.walk | families) : families;
  p.cursor = 0;
  p.walking = true;
  p.fresh = false;
}

bool UpdateGroup::member(rib::PeerId p) const {
  return std::any_of(members_.begin(), members_.end(), [p](const AdjRibOut* m) { return m->peer_ == p; });
}

rib::AttrsRef UpdateGroup::exported(const rib::AdjRoute& path, const wire::Prefix& prefix, int family,
                                    const ExportEnv& env) {
  if (!export_permits(params_.target, prefix)) return nullptr;
  const ExportSource src = env.source_of(path.peer);
  const rib::StoredAttrs* a = path.attrs.get();
  const std::uintptr_t h = (reinterpret_cast<std::uintptr_t>(a) >> 4) ^ (std::uintptr_t{src.router_id} * 0x9e3779b1u) ^
                           (static_cast<std::uintptr_t>(src.kind) << 7) ^ static_cast<std::uintptr_t>(family);
  CacheSlot& slot = cache_[h & (cache_.size() - 1)];
  if (slot.source.get() == a && slot.kind == src.kind && slot.router_id == src.router_id && slot.family == family)
    return slot.out;
  auto r = export_attrs(*a, afi_of(family), src, params_.target, env.store);
  slot = CacheSlot{path.attrs, src.kind, src.router_id, family, r.attrs};
  return slot.out;
}

std::uint32_t UpdateGroup::intern(const rib::AttrsRef& attrs, rib::PeerId except) {
  const SerialKey k{attrs.get(), except};
  if (auto it = serial_of_.find(k); it != serial_of_.end()) {
    ++serials_[it->second].uses;
    return it->second;
  }
  if (serials_.size() < kNothing + 1) serials_.resize(kNothing + 1);
  std::uint32_t s = 0;
  if (!free_serials_.empty()) {
    s = free_serials_.back();
    free_serials_.pop_back();
  } else {
    s = static_cast<std::uint32_t>(serials_.size());
    serials_.emplace_back();
  }
  serials_[s] = Serial{attrs, except, 1};
  serial_of_.emplace(k, s);
  return s;
}

void UpdateGroup::release(std::uint32_t s) {
  if (s <= kNothing) return;
  Serial& x = serials_[s];
  if (--x.uses > 0) return;
  serial_of_.erase(SerialKey{x.attrs.get(), x.except});
  x.attrs.reset();
  free_serials_.push_back(s);
}

std::optional<std::vector<SelectedPath>> UpdateGroup::selection(const rib::RibEntry& e, const ExportEnv& env) const {
  if (!params_.export_selection || env.cats == nullptr || env.cats->find(e.key) == nullptr) return std::nullopt;
  return selected_paths(*env.cats, e);
}

std::uint32_t UpdateGroup::best_serial(const rib::RibEntry& e, int family, const ExportEnv& env) {
  const rib::AdjRoute* best = e.best_path();
  if (auto sel = selection(e, env)) best = sel->empty() ? nullptr : &e.paths()[sel->front().index];
  // Never back to the neighbor the path came from: with it the only
  // member, nobody gets the prefix.
  if (best == nullptr || (members_.size() == 1 && members_[0]->peer_ == best->peer)) return kNothing;
  const rib::AttrsRef out = exported(*best, e.key.prefix, family, env);
  if (!out) return kNothing;
  return intern(out, member(best->peer) ? best->peer : 0);
}

void UpdateGroup::set_best(std::uint32_t n, std::uint32_t s) {
  // Beyond the array everything is unknown; nothing exported is not
  // remembered there either (a group that exports nothing, as towards the
  // peer every path comes from, keeps no array at all).
  if (n >= best_.size() && s <= kNothing) return;
  release(best(n));
  best_.set(n, s);
}

std::uint32_t UpdateGroup::Narrow::get(std::uint32_t n) const {
  switch (width_) {
    case 1: return b8_[n];
    case 2: return b16_[n];
    default: return b32_[n];
  }
}

void UpdateGroup::Narrow::set(std::uint32_t n, std::uint32_t v) {
  if (n >= size_) {
    size_ = grown(size_, n);
    b8_.resize(width_ == 1 ? size_ : 0);
    b16_.resize(width_ == 2 ? size_ : 0);
    b32_.resize(width_ == 4 ? size_ : 0);
  }
  if (width_ == 1 && v > 0xff) {
    b16_.assign(b8_.begin(), b8_.end());
    b8_ = {};
    width_ = 2;
  }
  if (width_ == 2 && v > 0xffff) {
    b32_.assign(b16_.begin(), b16_.end());
    b16_ = {};
    width_ = 4;
  }
  switch (width_) {
    case 1: b8_[n] = static_cast<std::uint8_t>(v); break;
    case 2: b16_[n] = static_cast<std::uint16_t>(v); break;
    default: b32_[n] = v; break;
  }
}

namespace {

// Slots words: inline (bit 63) with the count in bits 60-62 and up to four
// (id:4, serial:11) in 15 bits each; else size class << 56 | count << 32 | index.
constexpr std::uint64_t kInline = std::uint64_t{1} << 63;

bool fits_inline(std::span<const std::uint64_t> v) {
  if (v.size() > 4) return false;
  return std::all_of(v.begin(), v.end(), [](std::uint64_t x) { return (x >> 32) < 16 && (x & 0xffffffff) < 2048; });
}

}  // namespace

void UpdateGroup::Slots::get(std::uint32_t n, std::vector<std::uint64_t>& out) const {
  out.clear();
  if (n >= word_.size() || word_[n] == 0) return;
  const std::uint64_t w = word_[n];
  if ((w & kInline) != 0) {
    const auto count = static_cast<unsigned>((w >> 60) & 7);
    for (unsigned k = 0; k < count; ++k) {
      const auto x = static_cast<std::uint32_t>((w >> (15 * k)) & 0x7fff);
      out.push_back(std::uint64_t{x >> 11} << 32 | (x & 0x7ff));
    }
    return;
  }
  const auto size_class = static_cast<unsigned>(w >> 56);
  const auto count = static_cast<std::size_t>((w >> 32) & 0xffff);
  const auto* p = pools_[size_class].data() + (static_cast<std::size_t>(w & 0xffffffff) << size_class);
  out.assign(p, p + count);
}

void UpdateGroup::Slots::release(std::uint64_t w) {
  if (w == 0 || (w & kInline) != 0) return;
  free_[w >> 56].push_back(static_cast<std::uint32_t>(w));
}

void UpdateGroup::Slots::set(std::uint32_t n, std::span<const std::uint64_t> v) {
  if (n >= word_.size()) {
    if (v.empty()) return;
    word_.resize(grown(word_.size(), n), 0);
  }
  release(word_[n]);
  word_[n] = 0;
  if (v.empty()) return;
  if (fits_inline(v)) {
    std::uint64_t w = kInline | std::uint64_t{v.size()} << 60;
    for (std::size_t k = 0; k < v.size(); ++k) w |= ((v[k] >> 32) << 11 | (v[k] & 0x7ff)) << (15 * k);
    word_[n] = w;
    return;
  }
  const auto size_class = static_cast<unsigned>(std::bit_width(v.size() - 1));
  auto& fl = free_[size_class];
  std::uint32_t index = 0;
  if (!fl.empty()) {
    index = fl.back();
    fl.pop_back();
  } else {
    index = static_cast<std::uint32_t>(pools_[size_class].size() >> size_class);
    pools_[size_class].resize(pools_[size_class].size() + (std::size_t{1} << size_class));
  }
  std::copy(v.begin(), v.end(), pools_[size_class].begin() + (std::ptrdiff_t{index} << size_class));
  word_[n] = std::uint64_t{size_class} << 56 | std::uint64_t{v.size()} << 32 | index;
}

std::uint32_t UpdateGroup::id_of(std::uint64_t source) {
  auto it = sources_.find(source);
  if (it != sources_.end()) return it->second.id;
  std::uint32_t id = 0;
  if (!free_ids_.empty()) {
    id = *free_ids_.begin();
    free_ids_.erase(free_ids_.begin());
  } else {
    id = next_id_++;
  }
  sources_.emplace(source, Source{id, 0});
  if (id >= source_of_id_.size()) source_of_id_.resize(id + 1, 0);
  source_of_id_[id] = source;
  return id;
}

void UpdateGroup::release_id(std::uint32_t id) {
  auto it = sources_.find(source_of_id_[id]);
  if (it == sources_.end() || --it->second.refs > 0) return;
  sources_.erase(it);
  free_ids_.insert(id);
}

void UpdateGroup::sync_paths(std::uint32_t n, const rib::RibEntry* e, int family, const ExportEnv& env,
                             std::vector<std::pair<std::uint32_t, rib::PeerId>>& removed,
                             std::vector<std::uint32_t>* changed, std::vector<Exported>* current) {
  std::vector<std::uint64_t> old;
  slots_.get(n, old);
  auto id_at = [&](std::size_t i) { return static_cast<std::uint32_t>(old[i] >> 32); };
  auto serial_at = [&](std::size_t i) { return static_cast<std::uint32_t>(old[i]); };
  // What it exports now: the best path first, then the others in order
  // (the order new sources are given ids in).
  std::vector<Exported> now;
  if (auto sel = e != nullptr ? selection(*e, env) : std::nullopt) {
    // The selected sites' paths; with more than one, each weighs by its Link Bandwidth.
    for (const SelectedPath& s : *sel) {
      const rib::AdjRoute& p = e->paths()[s.index];
      auto out = exported(p, e->key.prefix, family, env);
      if (out && sel->size() > 1)
        out = with_link_bandwidth(*out, afi_of(family), s.weight, params_.target.local_as, env.store);
      if (out) now.push_back({0, intern(out, member(p.peer) ? p.peer : 0), &p});
    }
  } else if (e != nullptr && e->best()) {
    const std::size_t best = *e->best();
    auto consider = [&](std::size_t i) {
      const rib::AdjRoute& p = e->paths()[i];
      if (auto out = exported(p, e->key.prefix, family, env))
        now.push_back({0, intern(out, member(p.peer) ? p.peer : 0), &p});
    };
    consider(best);
    for (std::size_t i = 0; i < e->paths().size(); ++i)
      if (i != best) consider(i);
  }
  auto source = [](const rib::AdjRoute& r) { return std::uint64_t{r.peer} << 32 | r.path_id; };
  // Sources kept keep their id; the ones gone give theirs back first, so a
  // new source of the same prefix may take it (replacing, as a per-prefix
  // allocation would).
  std::vector<bool> kept(old.size(), false);
  for (auto& x : now) {
    auto it = sources_.find(source(*x.path));
    if (it == sources_.end()) continue;
    for (std::size_t i = 0; i < old.size(); ++i)
      if (id_at(i) == it->second.id) {
        x.id = it->second.id;
        kept[i] = true;
        if (changed != nullptr && serial_at(i) != x.serial) changed->push_back(x.id);
        release(serial_at(i));
      }
  }
  std::vector<std::uint32_t> gone;
  for (std::size_t i = 0; i < old.size(); ++i) {
    if (kept[i]) continue;
    gone.push_back(id_at(i));
    removed.push_back({id_at(i), static_cast<rib::PeerId>(source_of_id_[id_at(i)] >> 32)});
    release(serial_at(i));
    release_id(id_at(i));
  }
  for (auto& x : now) {
    if (x.id != 0) continue;
    x.id = id_of(source(*x.path));
    ++sources_[source(*x.path)].refs;
    if (changed != nullptr) changed->push_back(x.id);
  }
  // An id given back and taken again here is announced again, not withdrawn.
  std::erase_if(removed, [&](const auto& r) {
    return std::find(gone.begin(), gone.end(), r.first) != gone.end() &&
           std::any_of(now.begin(), now.end(), [&](const Exported& x) { return x.id == r.first; });
  });
  std::vector<std::uint64_t> next;
  next.reserve(now.size());
  for (const auto& x : now) next.push_back(std::uint64_t{x.id} << 32 | x.serial);
  std::sort(next.begin(), next.end());
  slots_.set(n, next);
  if (current != nullptr) *current = std::move(now);
}

void UpdateGroup::begin_round() {
  horizon_ = {0, 0};
  any_stale_ = false;
  auto add = [&](const ExportPosition& p) {
    for (int f = 0; f < 2; ++f) {
      const std::uint64_t h = (p.walk >> f & 1) != 0 ? p.cursor : std::numeric_limits<std::uint64_t>::max();
      horizon_[static_cast<std::size_t>(f)] = std::max(horizon_[static_cast<std::size_t>(f)], h);
    }
    any_stale_ = any_stale_ || !p.fresh;
  };
  for (const AdjRibOut* m : members_) {
    add(m->position_);
    any_stale_ = any_stale_ || !m->backlog.empty();
  }
  for (const auto& c : ring_) add(c->to);
}

void UpdateGroup::on_event(const rib::RibEvent& ev, std::uint32_t n, bool freed, const ExportEnv& env) {
  const int f = family_index(ev.key.family);
  if (f < 0 || (params_.families >> f & 1) == 0 || members_.empty()) return;
  // Some member (or a part kept for one) walked past n and must hear of the
  // change; one that may have something of n past its walk must hear of a
  // withdrawal.
  const bool walked = n < horizon_[static_cast<std::size_t>(f)];
  scratch_removed_.clear();
  scratch_changed_.clear();
  if (add_path(f)) {
    // Ids are kept up to date whoever has walked: they are the group's.
    sync_paths(n, freed ? nullptr : ev.entry, f, env, scratch_removed_, &scratch_changed_, nullptr);
    if (!walked && !(any_stale_ && !scratch_removed_.empty())) return;
    if (scratch_removed_.empty() && scratch_changed_.empty()) return;  // it exports the same
  } else if (freed) {
    set_best(n, kUnknown);
    if (!walked && !any_stale_) return;
  } else {
    // The best path, all that is sent, is the same; the selection may not be.
    if (ev.kind == rib::RibEvent::Kind::kPathsChanged && !params_.export_selection) return;
    if (!walked) {
      set_best(n, kUnknown);  // whoever walks to it computes it
      return;
    }
    const std::uint32_t now = best_serial(*ev.entry, f, env);
    if (now == best(n)) {
      release(now);
      return;  // it exports the same
    }
    set_best(n, now);
  }
  LogItem it;
  it.n = n;
  it.gen = env.index.gen(n);
  if (freed) {
    it.freed = 1;
    it.key = static_cast<std::uint32_t>(keys_base_ + keys_.size());
    const wire::Prefix& p = ev.key.prefix;
    keys_.push_back(static_cast<std::uint8_t>(f));
    keys_.push_back(p.length);
    keys_.insert(keys_.end(), p.addr.begin(), p.addr.begin() + (p.length + 7) / 8);
  }
  it.ids = static_cast<std::uint32_t>(ids_base_ + ids_.size());
  it.removed = static_cast<std::uint16_t>(scratch_removed_.size());
  ids_.insert(ids_.end(), scratch_removed_.begin(), scratch_removed_.end());
  if (walked) {
    it.changed = static_cast<std::uint16_t>(scratch_changed_.size());
    for (auto id : scratch_changed_) ids_.push_back({id, 0});
  }
  log_.push_back(it);
  ++head_;
}

void UpdateGroup::end_round(const ExportEnv& env) {
  if (members_.empty()) {
    // Nobody to tell: the log starts over.
    base_ = head_;
    log_.clear();
    keys_.clear();
    ids_.clear();
    keys_base_ = ids_base_ = 0;
    return;
  }
  const std::uint64_t bound = std::max<std::uint64_t>(kLogFloor, env.index.size() / 2);
  for (AdjRibOut* m : members_)
    if (head_ - m->position_.pos > bound) lag(*m, env);
  trim();
}

void UpdateGroup::reset_all() {
  base_ = head_;
  log_.clear();
  keys_.clear();
  ids_.clear();
  keys_base_ = ids_base_ = 0;
  ring_.clear();
  for (AdjRibOut* m : members_) {
    m->position_.pos = head_;
    rewalk(*m, params_.families);
  }
}

std::uint64_t UpdateGroup::widen(std::uint32_t low, std::uint64_t base) const {
  return base + static_cast<std::uint32_t>(low - static_cast<std::uint32_t>(base));
}

wire::Prefix UpdateGroup::stored_prefix(std::uint64_t offset) const {
  const std::uint8_t* k = keys_.data() + (offset - keys_base_);
  wire::Prefix p;
  p.afi = afi_of(k[0]);
  p.length = k[1];
  std::copy(k + 2, k + 2 + (p.length + 7) / 8, p.addr.begin());
  return p;
}

void UpdateGroup::trim() {
  std::uint64_t low = head_;
  for (const AdjRibOut* m : members_) low = std::min(low, m->position_.pos);
  if (low <= base_) return;
  // Dropped in halves, so a long log is not moved for every item done.
  const std::size_t done = static_cast<std::size_t>(low - base_);
  if (low != head_ && done < log_.size() / 2) return;
  log_.erase(log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(done));
  base_ = low;
  // The prefixes and ids the remaining items refer to start at the first
  // remaining item that has any.
  std::uint64_t keys_from = keys_base_ + keys_.size();
  std::uint64_t ids_from = ids_base_ + ids_.size();
  for (const LogItem& it : log_) {
    if (it.freed != 0 && keys_from == keys_base_ + keys_.size()) keys_from = widen(it.key, keys_base_);
    if (it.removed + it.changed != 0 && ids_from == ids_base_ + ids_.size()) ids_from = widen(it.ids, ids_base_);
  }
  keys_.erase(keys_.begin(), keys_.begin() + static_cast<std::ptrdiff_t>(keys_from - keys_base_));
  keys_base_ = keys_from;
  ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(ids_from - ids_base_));
  ids_base_ = ids_from;
  // A burst (a full table withdrawn) gives its memory back once done.
  if (log_.empty() && log_.capacity() > kLogFloor) {
    log_ = {};
    keys_ = {};
    ids_ = {};
  }
}

void UpdateGroup::lag(AdjRibOut& m, const ExportEnv& env) {
  // What m missed of the log: the withdrawals it needs become its backlog,
  // everything else comes from walking the table again.
  for (std::uint64_t pos = m.position_.pos; pos < head_; ++pos) {
    const LogItem& it = item(pos);
    if ((it.removed == 0 && it.freed == 0) || !m.has(it.n)) continue;
    OwedWithdrawal w;
    w.n = it.n;
    if (it.freed != 0) {
      w.prefix = stored_prefix(widen(it.key, keys_base_));
      w.family = w.prefix.afi == Afi::kIpv4 ? 0 : 1;
    } else {
      const rib::RibEntry* e = env.index.gen(it.n) == it.gen ? env.index.at(it.n) : nullptr;
      if (e == nullptr) continue;  // freed since: a later item has it
      w.prefix = e->key.prefix;
      w.family = family_index(e->key.family);
      w.clears = false;  // the walk decides about the rest
    }
    const auto first = ids_.begin() + static_cast<std::ptrdiff_t>(widen(it.ids, ids_base_) - ids_base_);
    for (auto i = first; i != first + it.removed; ++i)
      if (i->second != m.peer_) w.ids.push_back(i->first);
    if (add_path(w.family) && w.ids.empty() && !w.clears) continue;
    m.backlog.push_back(std::move(w));
  }
  m.position_.pos = head_;
  rewalk(m, params_.families);
  ++lags_;
}

void UpdateGroup::forget_rendered() {
  // A part stays while a member at its start may still take it.
  std::erase_if(ring_, [&](const std::shared_ptr<const Chunk>& c) {
    return std::none_of(members_.begin(), members_.end(), [&](const AdjRibOut* m) {
      return m->position_ == c->from && m->backlog.empty() &&
             std::find(c->eligible.begin(), c->eligible.end(), m->peer_) != c->eligible.end();
    });
  });
}

bool UpdateGroup::has_work(const AdjRibOut& m, const EntryIndex& index) const {
  const ExportPosition& p = m.position_;
  return !m.backlog.empty() || p.pos < head_ || p.walking || (p.walk != 0 && p.cursor < index.end());
}

bool UpdateGroup::caught_up(const AdjRibOut& m, const EntryIndex& index) const {
  return !has_work(m, index);
}

std::shared_ptr<const Chunk> UpdateGroup::next(AdjRibOut& m, const ExportEnv& env) {
  forget_rendered();
  for (const auto& c : ring_)
    if (c->from == m.position_ && std::find(c->eligible.begin(), c->eligible.end(), m.peer_) != c->eligible.end())
      return c;
  return produce(m.position_, env);
}

std::shared_ptr<const Chunk> UpdateGroup::produce(const ExportPosition& from, const ExportEnv& env) {
  auto c = std::make_shared<Chunk>();
  c->from = from;
  std::vector<AdjRibOut*> eligible;
  for (AdjRibOut* m : members_)
    if (m->position_ == from && m->backlog.empty()) {
      eligible.push_back(m);
      c->eligible.push_back(m->peer_);
    }
  Builder b(*this, *c, std::move(eligible));
  ExportPosition at = from;
  // The log first: changes to entries already walked past, in order.
  std::vector<std::pair<std::uint32_t, rib::PeerId>> removed;
  while (at.pos < head_ && !b.full()) {
    const LogItem& it = item(at.pos++);
    ++b.visits;
    const auto first = ids_.begin() + static_cast<std::ptrdiff_t>(widen(it.ids, ids_base_) - ids_base_);
    removed.assign(first, first + it.removed);
    if (it.freed != 0) {
      const wire::Prefix p = stored_prefix(widen(it.key, keys_base_));
      b.withdraw(p.afi == Afi::kIpv4 ? 0 : 1, p, it.n, 0, true, removed);
      continue;
    }
    if (env.index.gen(it.n) != it.gen) continue;  // freed since: a later item withdraws it
    const rib::RibEntry* e = env.index.at(it.n);
    if (e == nullptr) continue;
    const int f = family_index(e->key.family);
    if (!removed.empty()) b.withdraw(f, e->key.prefix, it.n, 0, slots_.empty(it.n), removed);
    if (at.covers(it.n, f)) continue;  // the walk sends it
    if (!add_path(f)) {
      add_entry(b, *e, it.n, false, env);
      continue;
    }
    // ADD-PATH: the paths this change announced, as they are now.
    for (auto k = first + it.removed; k != first + it.removed + it.changed; ++k)
      announce_id(b, *e, it.n, k->first, env);
  }
  // Then the walk, which goes on past the end as the table grows.
  if (at.pos == head_) {
    const std::uint32_t end = env.index.end();
    while (at.cursor < end && !b.full()) {
      const std::uint32_t n = at.cursor;
      if (!env.index.chunk_used(n)) {
        at.cursor = std::min(end, (n / EntryIndex::kChunk + 1) * EntryIndex::kChunk);
        continue;
      }
      ++at.cursor;
      ++b.visits;
      const rib::RibEntry* e = env.index.at(n);
      if (e == nullptr) continue;
      const int f = family_index(e->key.family);
      if (f < 0 || (at.walk >> f & 1) == 0) continue;
      add_entry(b, *e, n, at.fresh, env);
    }
    if (at.cursor >= end && at.walking) {
      c->completes_walk = true;
      c->walked = at.walk;
      at.walking = false;
      at.walk = params_.families;
      at.fresh = true;
    }
  }
  c->to = at;
  b.finish();
  ring_.push_back(c);
  if (ring_.size() > kRing) ring_.erase(ring_.begin());
  return c;
}

void UpdateGroup::add_entry(Builder& b, const rib::RibEntry& e, std::uint32_t n, bool fresh_walk,
                            const ExportEnv& env) {
  const int f = family_index(e.key.family);
  if (f < 0 || (params_.families >> f & 1) == 0) return;
  const wire::Prefix& p = e.key.prefix;
  if (!add_path(f)) {
    const std::uint32_t s = best_serial(e, f, env);
    set_best(n, s);
    if (s == kNothing) {
      if (!fresh_walk) b.withdraw(f, p, n, 0, true, {});
      return;
    }
    const Serial& x = serial(s);
    b.announce(x.attrs, f, x.except, p, std::nullopt, n);
    // The member whose path it is loses what it had of the prefix.
    if (x.except != 0 && !fresh_walk) b.withdraw(f, p, n, x.except, true, {});
    return;
  }
  std::vector<Exported> current;
  std::vector<std::pair<std::uint32_t, rib::PeerId>> removed;
  sync_paths(n, &e, f, env, removed, nullptr, &current);
  // Only for entries no event reached since the group began: nothing to remove.
  if (!removed.empty()) b.withdraw(f, p, n, 0, current.empty(), removed);
  for (const auto& x : current) {
    const Serial& s = serial(x.serial);
    b.announce(s.attrs, f, s.except, p, x.id, n);
  }
  if (current.empty() && !fresh_walk) b.withdraw(f, p, n, 0, true, {});
}

void UpdateGroup::announce_id(Builder& b, const rib::RibEntry& e, std::uint32_t n, std::uint32_t id,
                              const ExportEnv& /*env*/) {
  const int f = family_index(e.key.family);
  std::vector<std::uint64_t> slots;
  slots_.get(n, slots);
  for (const std::uint64_t slot : slots) {
    if (slot >> 32 != id) continue;
    const Serial& s = serial(static_cast<std::uint32_t>(slot));
    b.announce(s.attrs, f, s.except, e.key.prefix, id, n);
    return;
  }
}

std::size_t UpdateGroup::render(const Chunk& c, AdjRibOut& m, Outgoing& out) {
  std::size_t messages = 0;
  // Withdrawals by what m has; members with the same selection share the octets.
  std::vector<bool> pick(c.withdrawals.size(), false);
  bool any = false;
  for (std::size_t i = 0; i < c.withdrawals.size(); ++i) {
    const auto& w = c.withdrawals[i];
    pick[i] = (w.only == 0 || w.only == m.peer_) && m.has(w.n);
    any = any || pick[i];
  }
  if (any) {
    auto it = std::find_if(c.packed.begin(), c.packed.end(), [&](const auto& p) { return p.first == pick; });
    if (it == c.packed.end()) {
      std::array<std::vector<NlriEntry>, 2> lists;
      for (std::size_t i = 0; i < c.withdrawals.size(); ++i) {
        if (!pick[i]) continue;
        const auto& w = c.withdrawals[i];
        auto& list = lists[static_cast<std::size_t>(w.family)];
        if (!add_path(w.family)) {
          list.push_back({w.prefix, std::nullopt});
          continue;
        }
        // A member never had the paths it sent us.
        for (std::uint32_t k = w.ids_begin; k < w.ids_end; ++k)
          if (c.ids[k].second != m.peer_) list.push_back({w.prefix, c.ids[k].first});
      }
      std::vector<Outgoing::Buffer> bufs;
      pack_withdrawn(lists, params_.ectx, bufs);
      c.packed.emplace_back(pick, std::move(bufs));
      it = std::prev(c.packed.end());
    }
    for (const auto& b : it->second) {
      out.buffers.push_back(b);
      messages += b.messages;
    }
    for (std::size_t i = 0; i < c.withdrawals.size(); ++i)
      if (pick[i] && c.withdrawals[i].clears) m.unset(c.withdrawals[i].n, c.withdrawals[i].family);
  }
  for (const auto& b : c.blocks) {
    if (b.except == m.peer_) continue;
    out.buffers.push_back({b.bytes, b.messages});
    messages += b.messages;
    for (std::uint32_t k = b.begin; k < b.end; ++k)
      for (std::uint32_t i = 0; i < c.runs[k].second; ++i) m.set(c.runs[k].first + i, b.family);
  }
  m.position_ = c.to;
  // Every member it was made for has it: it goes (the ring holds what may still be taken).
  if (++c.renders >= c.eligible.size()) std::erase_if(ring_, [&](const auto& p) { return p.get() == &c; });
  trim();
  return messages;
}

std::size_t UpdateGroup::render_backlog(AdjRibOut& m, Outgoing& out) {
  std::array<std::vector<NlriEntry>, 2> lists;
  std::size_t octets = 0;
  std::size_t taken = 0;
  for (; taken < m.backlog.size() && octets < kChunkOctets; ++taken) {
    const OwedWithdrawal& w = m.backlog[taken];
    auto& list = lists[static_cast<std::size_t>(w.family)];
    if (add_path(w.family)) {
      for (auto id : w.ids) list.push_back({w.prefix, id});
    } else {
      list.push_back({w.prefix, std::nullopt});
    }
    octets += nlri_octets(w.prefix, add_path(w.family)) * std::max<std::size_t>(1, w.ids.size());
    if (w.clears) m.unset(w.n, w.family);
  }
  m.backlog.erase(m.backlog.begin(), m.backlog.begin() + static_cast<std::ptrdiff_t>(taken));
  return pack_withdrawn(lists, params_.ectx, out.buffers);
}

// ---- UpdateGroups -------------------------------------------------------------

UpdateGroup& UpdateGroups::group_for(ExportParams params) {
  std::erase_if(groups_, [](const auto& g) { return g->members().empty(); });
  for (auto& g : groups_)
    if (g->params().same(params)) {
      g->refresh_policy(params.target.policy);
      return *g;
    }
  groups_.push_back(std::make_unique<UpdateGroup>(std::move(params)));
  return *groups_.back();
}

void UpdateGroups::regroup(AdjRibOut& m, ExportParams params, const ExportEnv& env) {
  UpdateGroup* from = m.group();
  if (from == nullptr) return;
  // Before leaving: an empty group is dropped when another is looked up.
  UpdateGroup& to = group_for(std::move(params));
  const rib::PeerId peer = m.peer();
  from->depart(m, env);
  to.join(m, peer);
  to.rewalk(m, to.params().families);
}

void UpdateGroups::dispatch(std::span<const rib::RibEvent> events, std::span<const std::uint32_t> numbers,
                            const ExportEnv& env) {
  // Numbers before anything else: a group may look entries up by them.
  const bool numbered = numbers.size() == events.size();
  bool lost = false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].entry != nullptr) {
      index_.live(*events[i].entry);
    } else if (numbered) {
      index_.freed(numbers[i]);
    } else {
      lost = true;
    }
  }
  if (lost) {
    // An entry was freed and nobody said which: learn the table again and
    // walk it again everywhere (correct, if slow; never expected).
    index_.rebuild(*env.rib);
    for (auto& g : groups_) g->reset_all();
    return;
  }
  for (auto& g : groups_) {
    if (g->members().empty()) continue;
    g->begin_round();
    for (std::size_t i = 0; i < events.size(); ++i) {
      const bool freed = events[i].entry == nullptr;
      g->on_event(events[i], freed ? numbers[i] : events[i].entry->self, freed, env);
    }
    g->end_round(env);
  }
}

}  // namespace cats::rde
