// The one store of received paths, shared by every peer's Adj-RIB-In and the
// Loc-RIB (BIRD's table, OpenBGPD's rib): per (family, prefix) one entry that
// holds the paths of all peers and the decision's result. An Adj-RIB-In is a
// view of the paths tagged with its peer id, so a path is stored once.
//
// Entries live in fixed-size chunks and never move: a pointer to an entry
// stays valid until the entry is erased. The index (prefix_index.hpp) maps a
// prefix to its entry number in four octets per slot, comparing keys through
// the entries themselves.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <tuple>
#include <type_traits>
#include <vector>

#include "bgp-ext/wire/update.hpp"
#include "rib-adapter/rib/attr_store.hpp"
#include "rib-adapter/rib/decision.hpp"
#include "rib-adapter/rib/path_arrays.hpp"
#include "rib-adapter/rib/prefix_index.hpp"

namespace cats::rib {

using PeerId = std::uint32_t;
using Clock = std::chrono::steady_clock;

struct PrefixKey {
  wire::Family family;
  wire::Prefix prefix;
  bool operator==(const PrefixKey&) const = default;
  std::strong_ordering operator<=>(const PrefixKey& o) const {
    return std::tie(family.afi, family.safi, prefix) <=> std::tie(o.family.afi, o.family.safi, o.prefix);
  }
};

inline constexpr wire::Family kIpv4Unicast{1, 1};
inline constexpr wire::Family kIpv6Unicast{2, 1};

// When an UPDATE arrived: the sequence orders paths across peers (RFC 5004
// "oldest"), the time is for display (age).
struct Arrival {
  std::uint64_t seq = 0;
  Clock::time_point time{};
};

// One received path: who sent it, under which ADD-PATH id, with which
// interned attributes, and when. 24 octets: one per stored path.
struct AdjRoute {
  static constexpr PeerId kMaxPeer = (PeerId{1} << 19) - 1;
  static constexpr std::uint64_t kSeqMask = (std::uint64_t{1} << 44) - 1;  // 5 years at 100,000 UPDATEs/s

  AttrsRef attrs;
  std::uint32_t path_id = 0;   // 0 without ADD-PATH
  std::uint32_t time_s = 0;    // Arrival::time, in seconds since the RIB's epoch
  std::uint64_t seq : 44 = 0;  // Arrival::seq
  PeerId peer : 19 = 0;        // at most kMaxPeer
  bool stale : 1 = false;      // graceful restart or enhanced route refresh in progress

  AdjRoute() = default;
  AdjRoute(PeerId p, std::uint32_t id, AttrsRef a, Arrival at)
      : attrs(std::move(a)), path_id(id), time_s(seconds(at.time)), seq(at.seq & kSeqMask), peer(p & kMaxPeer) {}
  Clock::time_point arrived() const { return epoch() + std::chrono::seconds{time_s}; }

  // The first time any RIB asked; times before it count as the epoch.
  static Clock::time_point epoch() {
    static const Clock::time_point e = Clock::now();
    return e;
  }
  static std::uint32_t seconds(Clock::time_point t) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(t - epoch()).count();
    return s <= 0 ? 0 : static_cast<std::uint32_t>(s);
  }
};

// A path named by its source: the peer and its path id there.
struct PathKey {
  PeerId peer = 0;
  std::uint32_t path_id = 0;
  bool operator==(const PathKey&) const = default;
};

// A path with its attributes (held).
struct PathRef {
  PeerId peer = 0;
  std::uint32_t path_id = 0;
  AttrsRef attrs;
  bool operator==(const PathRef&) const = default;
};

// An optional index into a prefix's paths (none: kNone), with the part of
// std::optional's interface the RIB uses.
class BestIndex {
 public:
  static constexpr std::uint16_t kNone = 0x1fff;  // 13 bits in RibEntry
  BestIndex() = default;
  explicit BestIndex(std::uint16_t v) : v_(v) {}
  bool has_value() const { return v_ != kNone; }
  explicit operator bool() const { return has_value(); }
  std::uint16_t operator*() const { return v_; }

 private:
  std::uint16_t v_ = kNone;
};

// One prefix in 56 octets: the key, the first path inline (more
// go to the heap, in an array of the next power of two), the decision's
// result and the table's bookkeeping in bit fields. Stored once per prefix.
class RibEntry {
 public:
  // Paths one entry can hold (13-bit count and best index, kNone kept).
  static constexpr std::size_t kMaxPaths = BestIndex::kNone - 1;

  RibEntry() {}
  // An array of paths is the table's (PathArrays): the table calls
  // clear_paths() first; this only drops the inline path's attributes.
  ~RibEntry() {
    if (count_ == 1) store_.one.~AdjRoute();
  }
  RibEntry(const RibEntry&) = delete;
  RibEntry& operator=(const RibEntry&) = delete;

  PrefixKey key;

  // Every peer's paths, in arrival order.
  std::span<AdjRoute> paths() { return {data(), count_}; }
  std::span<const AdjRoute> paths() const { return {data(), count_}; }
  void add_path(AdjRoute r, PathArrays& arrays);
  void erase_path(std::size_t i, PathArrays& arrays);
  void clear_paths(PathArrays& arrays);

  BestIndex best() const { return BestIndex(static_cast<std::uint16_t>(best_)); }
  void set_best(std::size_t i) { best_ = static_cast<std::uint32_t>(i) & BestIndex::kNone; }
  void clear_best() { best_ = BestIndex::kNone; }
  const AdjRoute* best_path() const { return best_ != BestIndex::kNone ? &data()[best_] : nullptr; }
  Step reason() const { return static_cast<Step>(reason_); }  // the step that decided
  void set_reason(Step s) { reason_ = static_cast<std::uint32_t>(s); }

 private:
  union Store {
    Store() {}
    ~Store() {}
    AdjRoute one;
    AdjRoute* many;
  };
  AdjRoute* data() { return count_ > 1 ? store_.many : &store_.one; }
  const AdjRoute* data() const { return count_ > 1 ? store_.many : &store_.one; }

  Store store_;

 public:
  std::uint32_t self : 27 = 0;         // entry number, for the index (26 bits used)
  std::uint32_t refused : 1 = 0;       // a path was refused for the path limits since the last removal
  std::uint32_t best_touched : 1 = 0;  // since the last decision: the best path was replaced or removed
  std::uint32_t had_best : 1 = 0;      // the last decision found a best path
  std::uint32_t live : 1 = 0;          // slot in use (chunks hold free slots too)
  std::uint32_t queued : 1 = 0;        // already in the ApplyResult being built (dedup)

 private:
  std::uint32_t count_ : 13 = 0;
  std::uint32_t best_ : 13 = BestIndex::kNone;
  std::uint32_t reason_ : 6 = static_cast<std::uint32_t>(Step::kOnlyPath);
};
static_assert(sizeof(AdjRoute) == 24, "AdjRoute grew: it is stored once per path");
static_assert(sizeof(RibEntry) <= 56, "RibEntry grew: it is stored once per prefix");

class RibTable {
 public:
  RibTable();
  ~RibTable();
  RibTable(const RibTable&) = delete;
  RibTable& operator=(const RibTable&) = delete;

  RibEntry* find(const PrefixKey& k) { return find(k, hash(k)); }
  const RibEntry* find(const PrefixKey& k) const { return find(k, hash(k)); }
  // The same with the key's hash already known (from prefetch()).
  RibEntry* find(const PrefixKey& k, std::uint64_t h);
  const RibEntry* find(const PrefixKey& k, std::uint64_t h) const;
  // The entry for k, created empty if missing.
  RibEntry& get(const PrefixKey& k) { return get(k, hash(k)); }
  RibEntry& get(const PrefixKey& k, std::uint64_t h);
  // Starts loading the index slot k would use: callers walking many prefixes
  // prefetch a few ahead, so the cache misses overlap. Returns k's hash.
  std::uint64_t prefetch(const PrefixKey& k) const {
    const std::uint64_t h = hash(k);
    index_.prefetch(h);
    return h;
  }
  // Calls fn(item, key_of(item), hash) for each item of a range, with the
  // index slots of the next kPrefetchAhead keys already loading (their cache
  // misses overlap). Each item is read and each key built and hashed once; a
  // key is built kPrefetchAhead items before it is hashed, so the hash does
  // not wait on the stores that just wrote it (a failed store-to-load forward
  // cost 9 % of an ingest).
  static constexpr std::size_t kPrefetchAhead = 8;
  template <class Range, class KeyOf, class Fn>
  void for_each_prefetched(const Range& items, KeyOf&& key_of, Fn&& fn) const {
    using Item = std::remove_cvref_t<decltype(*std::begin(items))>;
    struct Slot {
      Item item;
      PrefixKey key;
      std::uint64_t hash;
    };
    constexpr std::size_t kRing = 2 * kPrefetchAhead;  // read, then hashed kPrefetchAhead later, then used
    std::array<Slot, kRing> ring;
    auto it = std::begin(items);
    const auto end = std::end(items);
    std::size_t read = 0;
    std::size_t hashed = 0;
    auto read_one = [&] {
      Slot& s = ring[read++ % kRing];
      s.item = *it;
      s.key = key_of(s.item);
      ++it;
    };
    auto hash_one = [&] {
      Slot& s = ring[hashed++ % kRing];
      s.hash = prefetch(s.key);
    };
    while (read < kRing && it != end) read_one();
    while (hashed < std::min(read, kPrefetchAhead)) hash_one();
    for (std::size_t done = 0; done < read; ++done) {
      if (hashed < read) hash_one();
      const Slot& s = ring[done % kRing];
      fn(s.item, s.key, s.hash);
      if (it != end) read_one();  // into the slot just used
    }
  }
  // Frees an entry (its paths must be gone).
  void erase(RibEntry& e);
  std::size_t size() const { return index_.size(); }
  std::size_t index_bytes() const { return index_.bytes(); }

  // Every entry, in storage order.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t c = 0; c < chunks_.size(); ++c)
      for (std::size_t i = 0; i < kChunk && c * kChunk + i < used_; ++i)
        if (chunks_[c] != nullptr && (*chunks_[c])[i].live) f((*chunks_[c])[i]);
  }
  template <class F>
  void for_each(F&& f) {
    for (std::size_t c = 0; c < chunks_.size(); ++c)
      for (std::size_t i = 0; i < kChunk && c * kChunk + i < used_; ++i)
        if (chunks_[c] != nullptr && (*chunks_[c])[i].live) f((*chunks_[c])[i]);
  }
  // Gives back the memory of chunks left without entries and shrinks the
  // index when it is mostly empty (after a large withdrawal). Entries that
  // remain do not move. Returns the octets released.
  std::size_t compact();
  std::size_t chunks() const { return chunks_.size() - dead_.size(); }
  // Chunks emptied since the last compact(): whether one could release anything.
  std::size_t emptied() const { return emptied_; }
  // Entry numbers are 26 bits (the index's; RibEntry::self has room): no more prefixes than this.
  static constexpr std::size_t kMaxEntries = PrefixIndex::kEntryLimit;
  bool full() const { return size() >= kMaxEntries; }
  // Paths one prefix may hold (all peers, all ADD-PATH ids). Lower limits
  // are for tests.
  static constexpr std::size_t kMaxPathsPerPrefix = RibEntry::kMaxPaths;
  std::size_t path_limit() const { return path_limit_; }
  // Counts removals from entries where a path had been refused: room that a
  // refused path could now take.
  void note_freed() { ++freed_; }
  std::uint64_t freed() const { return freed_; }
  void set_path_limit(std::size_t n) { path_limit_ = std::min(n, kMaxPathsPerPrefix); }

  // Every entry sorted by key (show commands).
  std::vector<const RibEntry*> sorted() const;

  // Where entries with more than one path keep them.
  PathArrays& arrays() { return arrays_; }
  const PathArrays& arrays() const { return arrays_; }

  // Who sent the paths tagged with a peer id (the decision needs the session facts).
  void set_facts(PeerId id, const PeerFacts& f);
  const PeerFacts& facts(PeerId id) const;

 private:
  static constexpr std::size_t kChunk = 1024;
  static std::uint64_t hash(const PrefixKey& k);
  static bool same(const PrefixKey& a, const PrefixKey& b) {
    return a.prefix.length == b.prefix.length && std::memcmp(a.prefix.addr.data(), b.prefix.addr.data(), 16) == 0 &&
           a.family.afi == b.family.afi && a.family.safi == b.family.safi;
  }
  auto key_is(const PrefixKey& k) const {
    return [this, &k](std::uint32_t n) { return same(at(n).key, k); };
  }
  void rebuild_index();
  // Chunks are raw storage: a slot is constructed when first handed out, so a
  // new chunk costs no pass over its memory.
  struct Chunk {
    alignas(RibEntry) std::byte bytes[sizeof(RibEntry) * kChunk];
    RibEntry& operator[](std::size_t i) { return *std::launder(reinterpret_cast<RibEntry*>(bytes) + i); }
    const RibEntry& operator[](std::size_t i) const {
      return *std::launder(reinterpret_cast<const RibEntry*>(bytes) + i);
    }
  };
  RibEntry& at(std::uint32_t i) { return (*chunks_[i / kChunk])[i % kChunk]; }
  const RibEntry& at(std::uint32_t i) const { return (*chunks_[i / kChunk])[i % kChunk]; }

  // Chunks are mapped directly (mmap), not taken from malloc: a released one
  // goes back to the kernel at once, whatever the heap around it holds.
  struct Unmap {
    void operator()(Chunk* c) const;
  };
  using ChunkPtr = std::unique_ptr<Chunk, Unmap>;
  static ChunkPtr map_chunk();
  std::vector<ChunkPtr> chunks_;         // nullptr: released by compact()
  std::vector<std::uint32_t> live_;      // entries in use per chunk
  std::vector<std::uint32_t> dead_;      // released chunks, revived before new ones
  std::size_t emptied_ = 0;              // chunks emptied since the last compact()
  std::size_t used_ = 0;                 // slots ever handed out
  std::vector<std::uint32_t> free_;      // erased slots, reused first
  PathArrays arrays_{sizeof(AdjRoute)};  // before the chunks' entries are destroyed (~RibTable)
  PrefixIndex index_;
  std::vector<PeerFacts> facts_;
  std::size_t path_limit_ = kMaxPathsPerPrefix;
  std::uint64_t freed_ = 0;
};

}  // namespace cats::rib
