#include "rib-adapter/rib/rib_table.hpp"

#include <algorithm>
#include <bit>
#include <new>
#include <random>

#include "rib-adapter/rib/mapped.hpp"

namespace cats::rib {

namespace {
// Per process, so that a peer cannot choose prefixes that all land on one
// probe sequence (the mixing below is invertible: without a secret, colliding
// prefixes are easy to compute). Set before main: no guard on the hot path.
const std::uint64_t kSeed = [] {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd();
}();
}  // namespace

// Multiply-xorshift over the seeded address words and (afi, safi, length):
// cheap, and both ends are well mixed (the low bits place a slot, the top six
// tag it).
std::uint64_t RibTable::hash(const PrefixKey& k) {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  std::memcpy(&hi, k.prefix.addr.data(), 8);
  std::memcpy(&lo, k.prefix.addr.data() + 8, 8);
  hi ^= kSeed;
  lo ^= kSeed * 0x94d049bb133111ebULL;
  const std::uint64_t tag = std::uint64_t{k.family.afi} << 16 | std::uint64_t{k.family.safi} << 8 | k.prefix.length;
  std::uint64_t h = (hi ^ (tag << 56)) * 0x9e3779b97f4a7c15ULL;
  h ^= (lo + tag) * 0xc2b2ae3d27d4eb4fULL;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 32;
  return h;
}

namespace {
AdjRoute* allocate_paths(PathArrays& arrays, std::size_t n) {
  return static_cast<AdjRoute*>(arrays.allocate(n));  // raw storage: relocate() constructs
}
// Moves src[0, n) except index `skip` to dst, ending their lifetimes in src.
void relocate(AdjRoute* src, std::size_t n, AdjRoute* dst, std::size_t skip = ~std::size_t{0}) {
  for (std::size_t i = 0, j = 0; i < n; ++i) {
    if (i != skip) new (&dst[j++]) AdjRoute(std::move(src[i]));
    src[i].~AdjRoute();
  }
}
}  // namespace

// Two or more paths live in an array of exactly bit_ceil(count) paths, so the
// count says when it is full, and a prefix that loses paths gives the memory
// back.
void RibEntry::add_path(AdjRoute r, PathArrays& arrays) {
  const std::size_t n = count_;
  if (n == 0) {
    new (&store_.one) AdjRoute(std::move(r));
  } else if (n == 1 || std::has_single_bit(n)) {
    AdjRoute* grown = allocate_paths(arrays, n * 2);
    relocate(data(), n, grown);
    if (n > 1) arrays.deallocate(store_.many, n);
    new (&grown[n]) AdjRoute(std::move(r));
    store_.many = grown;
  } else {
    new (&store_.many[n]) AdjRoute(std::move(r));
  }
  ++count_;
}

void RibEntry::erase_path(std::size_t i, PathArrays& arrays) {
  const std::size_t n = count_;
  AdjRoute* d = data();
  if (n == 2) {
    AdjRoute keep(std::move(d[1 - i]));
    d[0].~AdjRoute();
    d[1].~AdjRoute();
    arrays.deallocate(d, 2);
    new (&store_.one) AdjRoute(std::move(keep));
  } else if (n > 2 && std::has_single_bit(n - 1)) {
    AdjRoute* shrunk = allocate_paths(arrays, n - 1);
    relocate(d, n, shrunk, i);
    arrays.deallocate(d, std::bit_ceil(n));
    store_.many = shrunk;
  } else {
    for (std::size_t k = i; k + 1 < n; ++k) d[k] = std::move(d[k + 1]);
    d[n - 1].~AdjRoute();
  }
  --count_;
}

void RibEntry::clear_paths(PathArrays& arrays) {
  const std::size_t n = count_;
  AdjRoute* d = data();
  for (std::size_t i = 0; i < n; ++i) d[i].~AdjRoute();
  if (n > 1) arrays.deallocate(d, std::bit_ceil(n));
  count_ = 0;
  clear_best();
}

RibTable::RibTable() = default;

RibEntry* RibTable::find(const PrefixKey& k, std::uint64_t h) {
  const std::uint32_t n = index_.find(h, key_is(k));
  return n == PrefixIndex::kNone ? nullptr : &at(n);
}

const RibEntry* RibTable::find(const PrefixKey& k, std::uint64_t h) const {
  const std::uint32_t n = index_.find(h, key_is(k));
  return n == PrefixIndex::kNone ? nullptr : &at(n);
}

void RibTable::rebuild_index() {
  index_.rebuild(size(), [this](auto add) { for_each([&](const RibEntry& e) { add(hash(e.key), e.self); }); });
}

RibTable::ChunkPtr RibTable::map_chunk() {
  return ChunkPtr(static_cast<Chunk*>(map_zeroed(sizeof(Chunk))));
}

void RibTable::Unmap::operator()(Chunk* c) const {
  unmap(c, sizeof(Chunk));
}

RibTable::~RibTable() {
  for (std::size_t i = 0; i < used_; ++i) {
    if (chunks_[i / kChunk] == nullptr) continue;
    at(static_cast<std::uint32_t>(i)).clear_paths(arrays_);
    at(static_cast<std::uint32_t>(i)).~RibEntry();
  }
}

RibEntry& RibTable::get(const PrefixKey& k, std::uint64_t h) {
  // A free slot first (mapping may throw: not inside the index's callback):
  // a released chunk is revived before a new one is mapped.
  if (free_.empty() && !dead_.empty()) {
    const std::uint32_t c = dead_.back();
    chunks_[c] = map_chunk();
    dead_.pop_back();
    for (std::size_t i = kChunk; i-- > 0;) {
      new (&(*chunks_[c])[i]) RibEntry{};
      free_.push_back(static_cast<std::uint32_t>(c * kChunk + i));
    }
  }
  if (free_.empty() && used_ == chunks_.size() * kChunk) {
    chunks_.push_back(map_chunk());
    live_.push_back(0);
  }
  if (!index_.has_room()) rebuild_index();
  // One probe: the slot is filled only when the prefix is new.
  auto make = [&] {
    std::uint32_t m = 0;
    if (!free_.empty()) {
      m = free_.back();
      free_.pop_back();
    } else {
      m = static_cast<std::uint32_t>(used_++);
      new (&at(m)) RibEntry{};
    }
    RibEntry& e = at(m);
    e.key = k;
    e.live = true;
    e.self = m;
    ++live_[m / kChunk];
    return m;
  };
  return at(index_.find_or_insert(h, key_is(k), make).first);
}

void RibTable::erase(RibEntry& e) {
  if (!e.live) return;
  const std::uint32_t n = e.self;
  index_.erase(hash(e.key), n);
  e.~RibEntry();  // drops the attribute refs it may still hold
  new (&e) RibEntry{};
  free_.push_back(n);
  if (--live_[n / kChunk] == 0) ++emptied_;
}

std::size_t RibTable::compact() {
  std::size_t released = 0;
  std::vector<bool> gone(chunks_.size(), false);
  for (std::size_t c = 0; c < chunks_.size(); ++c) {
    // The last chunk may be partly handed out; only whole unused chunks go.
    if (chunks_[c] == nullptr || live_[c] != 0 || (c + 1) * kChunk > used_) continue;
    for (std::size_t i = 0; i < kChunk; ++i) (*chunks_[c])[i].~RibEntry();
    chunks_[c].reset();
    dead_.push_back(static_cast<std::uint32_t>(c));
    gone[c] = true;
    released += sizeof(Chunk);
  }
  if (released != 0) std::erase_if(free_, [&](std::uint32_t n) { return gone[n / kChunk]; });
  // Shrink the index when it is mostly empty (this also clears its tombstones).
  if (index_.oversized()) {
    const std::size_t before = index_.bytes();
    rebuild_index();
    released += before - std::min(before, index_.bytes());
  }
  released += arrays_.release();
  free_.shrink_to_fit();
  emptied_ = 0;
  return released;
}

std::vector<const RibEntry*> RibTable::sorted() const {
  std::vector<const RibEntry*> out;
  out.reserve(size());
  for_each([&](const RibEntry& e) { out.push_back(&e); });
  std::sort(out.begin(), out.end(), [](const RibEntry* a, const RibEntry* b) { return a->key < b->key; });
  return out;
}

void RibTable::set_facts(PeerId id, const PeerFacts& f) {
  if (facts_.size() <= id) facts_.resize(id + 1);
  facts_[id] = f;
}

const PeerFacts& RibTable::facts(PeerId id) const {
  static const PeerFacts kNone;
  return id < facts_.size() ? facts_[id] : kNone;
}

}  // namespace cats::rib
