// The RIB table's index: prefix → entry number, four octets per slot.
//
// Open addressing with linear probing, at most 70 % full (slots in use plus
// tombstones); a rebuild leaves it at most half full, so at least a fifth of
// the slots are taken between two rebuilds whatever the churn. A slot holds the
// entry number + 1 in its low 26 bits (0: empty) and 6 bits of the prefix's
// hash, so that a probe reads an entry to compare keys only when those bits
// match (1 in 64 of the others: each such read is a cache miss, 8 % of an
// ingest with 4 bits). 26 bits are 67M prefixes, 50 times today's
// IPv4 + IPv6 Internet table. The index keeps no keys: the table compares
// through its entries, and growing rebuilds the index from the entries (a
// sequential pass) after the old slots are freed, so a growing index never
// holds two arrays at once. Erased slots become tombstones, cleared by the
// next rebuild.
//
// Why not Abseil's flat_hash_set (used before): its elements had to carry
// the hash (8 octets + a control octet) to grow without reading the entries,
// and it holds old and new arrays while growing: 19 MB at 1M prefixes, 28 MB
// at the peak, against 8 MB here.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace cats::rib {

class PrefixIndex {
 public:
  static constexpr std::uint32_t kNone = 0xffffffff;
  // Entry numbers are below this (26 bits, one value kept for "empty").
  static constexpr std::uint32_t kEntryLimit = (std::uint32_t{1} << 26) - 1;

  std::size_t size() const { return live_; }
  std::size_t capacity() const { return slots_ ? mask_ + 1 : 0; }
  std::size_t bytes() const { return capacity() * sizeof(std::uint32_t); }

  void prefetch(std::uint64_t h) const {
    if (slots_) __builtin_prefetch(&slots_[h & mask_]);
  }

  // The entry number whose key eq(n) accepts, or kNone.
  template <class Eq>
  std::uint32_t find(std::uint64_t h, Eq&& eq) const {
    if (!slots_) return kNone;
    const std::uint32_t t = tag(h);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const std::uint32_t s = slots_[i];
      if (s == kEmpty) return kNone;
      if ((s & kTagMask) == t && (s & kNumMask) != 0 && eq((s & kNumMask) - 1)) return (s & kNumMask) - 1;
    }
  }

  // Room for one more: false when the caller must rebuild() first.
  bool has_room() const { return slots_ && (live_ + dead_ + 1) * 10 <= (mask_ + 1) * 7; }

  // The entry eq accepts, or a new one from make() (which returns its
  // number). Requires has_room(). Returns the number and whether it is new.
  template <class Eq, class Make>
  std::pair<std::uint32_t, bool> find_or_insert(std::uint64_t h, Eq&& eq, Make&& make) {
    const std::uint32_t t = tag(h);
    std::size_t hole = kNoHole;
    std::size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const std::uint32_t s = slots_[i];
      if (s == kEmpty) break;
      if ((s & kNumMask) == 0) {
        if (hole == kNoHole) hole = i;
      } else if ((s & kTagMask) == t && eq((s & kNumMask) - 1)) {
        return {(s & kNumMask) - 1, false};
      }
    }
    if (hole != kNoHole) {
      i = hole;
      --dead_;
    }
    const std::uint32_t n = make();
    slots_[i] = t | (n + 1);
    ++live_;
    return {n, true};
  }

  // Removes entry number n (hashed h); false if absent.
  bool erase(std::uint64_t h, std::uint32_t n) {
    if (!slots_) return false;
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const std::uint32_t s = slots_[i];
      if (s == kEmpty) return false;
      if ((s & kNumMask) == n + 1) {
        slots_[i] = kTombstone;
        --live_;
        ++dead_;
        return true;
      }
    }
  }

  // Rebuilds for `live` entries, at most half full afterwards: frees the
  // slots, then each(add) must call add(h, n) for every entry.
  template <class Each>
  void rebuild(std::size_t live, Each&& each) {
    const std::size_t cap = std::max<std::size_t>(kMinCapacity, std::bit_ceil((live + 1) * 2));
    slots_.reset();
    slots_ = allocate_slots(cap);  // zeroed: all empty
    mask_ = cap - 1;
    live_ = 0;
    dead_ = 0;
    ++rebuilds_;
    // The entries come in storage order, their slots at random: each slot is
    // prefetched kAhead entries before it is written, so the misses overlap.
    constexpr std::size_t kAhead = 16;
    std::array<std::pair<std::uint64_t, std::uint32_t>, kAhead> ring;
    std::size_t queued = 0;
    auto place = [this](std::uint64_t h, std::uint32_t n) {
      std::size_t i = h & mask_;
      while (slots_[i] != kEmpty) i = (i + 1) & mask_;
      slots_[i] = tag(h) | (n + 1);
      ++live_;
    };
    each([&](std::uint64_t h, std::uint32_t n) {
      prefetch(h);
      auto& r = ring[queued++ % kAhead];
      if (queued > kAhead) place(r.first, r.second);
      r = {h, n};
    });
    for (std::size_t k = queued > kAhead ? queued - kAhead : 0; k < queued; ++k)
      place(ring[k % kAhead].first, ring[k % kAhead].second);
  }

  std::size_t rebuilds() const { return rebuilds_; }

  // Whether a rebuild would give back at least three quarters of the slots.
  bool oversized() const { return capacity() > kMinCapacity && (live_ + 1) * 16 <= capacity(); }

 private:
  static constexpr std::uint32_t kEmpty = 0;
  static constexpr std::uint32_t kNumMask = kEntryLimit;
  static constexpr std::uint32_t kTagMask = ~kNumMask;
  static constexpr std::uint32_t kTombstone = kTagMask;  // any tag, number 0
  static constexpr std::size_t kNoHole = ~std::size_t{0};
  static constexpr std::size_t kMinCapacity = 64;
  static constexpr std::size_t kMapAtBytes = 1 << 20;
  static std::uint32_t tag(std::uint64_t h) { return static_cast<std::uint32_t>(h >> 58) << 26; }

  // Zeroed slots. Large arrays are mapped already populated: the kernel's
  // zero pages in one call, instead of a fault per page under a memset.
  struct FreeSlots {
    std::size_t bytes;  // 0: from calloc (no initializer: see CWG 1397)
    void operator()(std::uint32_t* p) const;
  };
  using Slots = std::unique_ptr<std::uint32_t[], FreeSlots>;
  static Slots allocate_slots(std::size_t n);

  Slots slots_;
  std::size_t mask_ = 0;
  std::size_t live_ = 0;
  std::size_t dead_ = 0;
  std::size_t rebuilds_ = 0;
};

}  // namespace cats::rib
