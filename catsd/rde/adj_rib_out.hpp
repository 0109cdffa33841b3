// Adj-RIB-Out of one neighbor as a member of its update group
// (update_group.hpp): one bit per Loc-RIB entry number, set while the
// neighbor has something of that prefix (which decides whether it gets a
// withdrawal), its position in the group's export and what is still owed to
// it (End-of-RIB, EoRR, withdrawals it missed while lagging). Paths and
// attributes are not copied: what a prefix looks like towards the neighbor is
// the group's, computed from the Loc-RIB when its UPDATEs are produced.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "bgp-ext/wire/update.hpp"
#include "rib-adapter/rib/rib_table.hpp"

namespace cats::rde {

class UpdateGroup;

// Where a member is in its group's export (update_group.hpp), and where a
// produced part starts and ends: everything a part depends on besides the table.
struct ExportPosition {
  std::uint64_t pos = 0;     // log items before this are done
  std::uint32_t cursor = 0;  // the walk has done every entry below this of the families in `walk`
  std::uint8_t walk = 0;     // family bits the walk covers (IPv4 unicast 1, IPv6 unicast 2)
  bool walking = false;      // an initial or refresh walk is not finished (markers at its end)
  bool fresh = true;         // nothing at or past `cursor` was ever sent to the member
  bool operator==(const ExportPosition&) const = default;
  bool covers(std::uint32_t n, int family) const { return (walk >> family & 1) != 0 && n >= cursor; }
};

// A withdrawal owed to a lagging member (UpdateGroup::lag).
struct OwedWithdrawal {
  int family = 0;
  wire::Prefix prefix;
  std::uint32_t n = 0;
  bool clears = true;
  std::vector<std::uint32_t> ids;  // ADD-PATH; empty: the prefix
};

class AdjRibOut {
 public:
  AdjRibOut() = default;
  ~AdjRibOut();
  AdjRibOut(const AdjRibOut&) = delete;
  AdjRibOut& operator=(const AdjRibOut&) = delete;

  // Session down: leaves the group, forgets everything.
  void clear();

  // Prefixes the neighbor has, per family.
  std::size_t count(wire::Family f) const;
  bool has(std::uint32_t n) const { return n / 64 < bits_.size() && (bits_[n / 64] >> (n % 64) & 1) != 0; }
  void set(std::uint32_t n, int family);
  void unset(std::uint32_t n, int family);

  UpdateGroup* group() const { return group_; }
  rib::PeerId peer() const { return peer_; }
  const ExportPosition& position() const { return position_; }
  std::size_t memory() const { return bits_.capacity() * sizeof(std::uint64_t); }

  // Flow (the engine's): one part in flight until the session has room again.
  bool writable = true;
  bool queued = false;                  // in the engine's queue of members to serve
  bool eor_pending = false;             // End-of-RIB when the current walk ends
  std::uint8_t eorr_pending = 0;        // EoRR (RFC 7313) per family bit when the current walk ends
  std::vector<OwedWithdrawal> backlog;  // sent before anything else

 private:
  friend class UpdateGroup;
  UpdateGroup* group_ = nullptr;
  rib::PeerId peer_ = 0;
  std::vector<std::uint64_t> bits_;
  std::array<std::size_t, 2> count_{};
  ExportPosition position_;
};

}  // namespace cats::rde
