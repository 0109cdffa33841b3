// Adj-RIB-Out of one neighbor: what we advertised, per prefix and path, and
// the changes not yet sent. The engine sets the desired paths of a prefix;
// flush() packs the pending difference into as few UPDATEs as the packer
// allows (prefixes that share an outgoing attribute set travel together),
// withdrawals first. Without ADD-PATH a prefix has at most one path (id 0);
// with ADD-PATH each source path keeps its identifier while it is advertised.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "bgp-ext/wire/update.hpp"
#include "rib-adapter/rib/adj_rib_in.hpp"

namespace cats::rde {

// A path of the Loc-RIB: the peer it came from and its path id there.
using SourceKey = std::pair<rib::PeerId, std::uint32_t>;

struct DesiredPath {
  SourceKey source;
  rib::AttrsRef attrs;  // exported (export.hpp)
};

struct OutStats {
  std::size_t prefixes = 0;
  std::size_t paths = 0;
  std::size_t pending = 0;
};

class AdjRibOut {
 public:
  // Replaces what should be advertised for `k`; records the difference.
  void set(const rib::PrefixKey& k, std::vector<DesiredPath> desired, bool add_path);
  // Everything advertised in `f` goes out again (route refresh, soft out).
  void resend(wire::Family f);
  // Session down: forget everything, send nothing.
  void clear();

  bool has_pending() const { return !pending_.empty(); }
  // Complete UPDATE messages for the pending changes; pending becomes empty.
  std::vector<wire::Bytes> flush(const wire::EncodeContext& ctx);

  std::size_t count(wire::Family f) const;
  OutStats stats() const;
  const std::vector<std::pair<std::uint32_t, rib::AttrsRef>>* find(const rib::PrefixKey& k) const;

 private:
  struct OutPath {
    SourceKey source;
    std::uint32_t id = 0;
    rib::AttrsRef attrs;
  };
  using PendingKey = std::pair<rib::PrefixKey, std::uint32_t>;

  std::map<rib::PrefixKey, std::vector<OutPath>> table_;
  std::map<PendingKey, rib::AttrsRef> pending_;  // nullptr: withdraw
  mutable std::vector<std::pair<std::uint32_t, rib::AttrsRef>> view_;
};

}  // namespace cats::rde
