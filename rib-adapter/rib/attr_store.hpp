// Interning of path attribute sets (BIRD's rta cache): paths that carry the
// same attributes share one immutable StoredAttrs. The key is a canonical
// encoding, so the table compares bytes, not decoded values.
//
// Canonical form of a received set:
//  * discarded (RFC 7606 attribute-discard, duplicates) and malformed
//    attributes are left out, and so are MP_UNREACH_NLRI, AS4_PATH and
//    AS4_AGGREGATOR: AS_PATH is stored as the RFC 6793 merge, 4-octet, and
//    AGGREGATOR takes AS4_AGGREGATOR's value when it held AS_TRANS;
//  * the next hop lives in NEXT_HOP for routes from the NLRI field and in an
//    MP_REACH_NLRI without NLRI for MP routes (the other one is left out), so
//    paths with different next hops never share a set;
//  * attributes are sorted by type code (RFC 4271 §5 asks senders for that
//    order anyway), so two peers sending the same attributes in a different
//    order share a set;
//  * each attribute keeps its flags (Extended Length and Partial included) and
//    is re-encoded as the codec does (byte-exact for unknown attributes and
//    CATS-EXP), so the same attribute sent with and without Extended Length
//    gives two sets. That keeps reflection byte-exact and costs little.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "bgp-ext/wire/path_attributes.hpp"
#include "rib-adapter/rib/nexthops.hpp"
#include "rib-adapter/rib/path.hpp"

namespace cats::rib {

// Where a path's next hop is carried.
enum class NextHopIn : std::uint8_t {
  kNextHopAttribute,  // IPv4 routes from the NLRI field
  kMpReach,           // routes from MP_REACH_NLRI
};

class StoredAttrs;

// What the CATS selection reads from a set's CATS attribute, decoded once
// per set (B.3.5 reception rules).
struct CatsFacts {
  bool present = false;                             // a CATS attribute that decoded (version understood)
  bool drained = false;                             // D flag
  std::optional<std::uint8_t> site_score;           // effective site score S
  std::array<std::optional<std::uint8_t>, 4> l1{};  // Site Metrics L1 by category: compute .. composed
  std::string cs_id;                                // text of the CS-ID TLV; empty: none
};

// A counted reference to an interned set. Intrusive (8 octets: one per stored
// path, so it matters). The set leaves its store's table and is freed when
// the last reference goes. Like the store, references belong to the RIB
// thread: the count is not atomic (a locked add per stored path was a fifth
// of the UPDATE loop, and it drains the store buffer).
class AttrsRef {
 public:
  AttrsRef() = default;
  AttrsRef(std::nullptr_t) {}  // NOLINT(google-explicit-constructor): like a pointer
  AttrsRef(const AttrsRef& o) : p_(o.p_) { acquire(); }
  AttrsRef(AttrsRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  AttrsRef& operator=(const AttrsRef& o) {
    AttrsRef copy(o);
    std::swap(p_, copy.p_);
    return *this;
  }
  AttrsRef& operator=(AttrsRef&& o) noexcept {
    AttrsRef moved(std::move(o));
    std::swap(p_, moved.p_);
    return *this;
  }
  ~AttrsRef() { release(); }

  void reset() { release(); }
  const StoredAttrs* get() const { return p_; }
  const StoredAttrs* operator->() const { return p_; }
  const StoredAttrs& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }
  friend bool operator==(const AttrsRef& a, const AttrsRef& b) { return a.p_ == b.p_; }
  friend bool operator==(const AttrsRef& a, std::nullptr_t) { return a.p_ == nullptr; }

 private:
  friend class AttrStore;
  explicit AttrsRef(const StoredAttrs* p) : p_(p) { acquire(); }
  inline void acquire() const;
  inline void release();

  const StoredAttrs* p_ = nullptr;
};

// One interned attribute set: owns its canonical bytes and a decoded
// AttributeSet whose views point into them. Immutable and never moved, so
// PathInfo spans built from attrs() stay valid while a shared_ptr is held.
class StoredAttrs {
 public:
  StoredAttrs(wire::Bytes bytes, std::uint8_t cats_type);
  StoredAttrs(const StoredAttrs&) = delete;
  StoredAttrs& operator=(const StoredAttrs&) = delete;

  wire::ByteSpan bytes() const { return bytes_; }
  const wire::AttributeSet& attrs() const { return attrs_; }
  // Next hop octets: NEXT_HOP (4) or MP_REACH_NLRI's (4, 16 or 32); empty if none.
  wire::ByteSpan next_hop() const;
  // False only if the canonical bytes did not decode cleanly (a codec bug).
  bool valid() const { return valid_; }
  // The decision's keys from these attributes (make_path_info with no peer):
  // computed once per set, not per path. Spans point into this set.
  const PathInfo& keys() const { return keys_; }
  // The next hop as next-hop tracking resolves it (reachable with an unknown
  // cost when the store tracks none, or the next hop is ours).
  NexthopState nexthop() const { return nexthop_ != nullptr ? nexthop_->state : NexthopState{}; }
  const NexthopTable::Entry* nexthop_entry() const { return nexthop_; }
  const CatsFacts& cats() const { return cats_; }
  // The next hop as an address (IPv4-mapped IPv6 as IPv4); nullopt when none or unspecified.
  std::optional<PeerAddress> next_hop_address() const;

 private:
  const wire::Bytes bytes_;
  wire::AttributeSet attrs_;
  PathInfo keys_;
  // The table's, shared with other sets; attached when a path first uses the set.
  mutable NexthopTable::Entry* nexthop_ = nullptr;
  CatsFacts cats_;
  bool valid_ = true;

  friend class AttrsRef;
  friend class AttrStore;
  mutable std::uint32_t refs_ = 0;
  std::weak_ptr<void> table_;  // the store's table, which the set leaves when freed
  static void destroy(const StoredAttrs* s);
};

void AttrsRef::acquire() const {
  if (p_ != nullptr) ++p_->refs_;
}

void AttrsRef::release() {
  if (p_ != nullptr && --p_->refs_ == 0) StoredAttrs::destroy(p_);
  p_ = nullptr;
}

struct AttrStoreStats {
  std::size_t sets = 0;        // distinct sets held now
  std::size_t bytes = 0;       // canonical bytes held now
  std::uint64_t hits = 0;      // intern() calls answered from the table
  std::uint64_t misses = 0;    // intern() calls that created a set
  std::uint64_t rejected = 0;  // canonical form did not re-decode (should stay 0)
};

// Single-threaded, owned by the route decision engine. A set leaves the table
// when its last AttrsRef is dropped; refs may outlive the store.
class AttrStore {
 public:
  explicit AttrStore(std::uint8_t cats_type = wire::kDefaultCatsType);
  ~AttrStore();
  AttrStore(const AttrStore&) = delete;
  AttrStore& operator=(const AttrStore&) = delete;

  // The canonical encoding of `received` for a route whose next hop is in `nh`.
  static wire::Bytes canonical_bytes(const wire::AttributeSet& received, NextHopIn nh);

  // The shared set for `received`; nullptr if its canonical form does not
  // decode cleanly (counted in `rejected`; the caller must not install).
  // `track`: the next hop is one a path uses (a received path, not ours and
  // not an outgoing set), resolved by next-hop tracking.
  AttrsRef intern(const wire::AttributeSet& received, NextHopIn nh, bool track = false);

  AttrStoreStats stats() const;
  std::uint8_t cats_type() const { return cats_type_; }
  // Next hops of sets interned from now on are tracked in `t` (it must
  // outlive every set). nullptr: none tracked.
  void set_nexthops(NexthopTable* t);

 private:
  friend class StoredAttrs;  // a freed set leaves the table
  struct Table;
  std::uint8_t cats_type_;
  std::shared_ptr<Table> table_;  // shared with the refs' deleters (weakly)
};

}  // namespace cats::rib
