// Per-neighbor routing policy: prefix lists (FRR/Cisco semantics) and the
// attribute actions of cats-bgp.yang's policy-actions, compiled once from the
// configuration values and then applied per route without further checks.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "bgp-ext/wire/nlri.hpp"
#include "bgp-ext/wire/path_attributes.hpp"
#include "yang/config/config.hpp"

namespace cats::rib {

// A compiled prefix list: entries by ascending seq, first match wins, implicit
// deny when nothing matches (an empty list denies everything), as FRR and Cisco.
// Lengths as FRR: without ge/le only the exact prefix matches; with le the
// length must be in [len, le]; with ge in [ge, 32/128]; with both in [ge, le].
// An IPv4 entry never matches an IPv6 prefix and vice versa.
class PrefixFilter {
 public:
  // Errors name the list and the entry's seq: bad prefix text, ge/le beyond the
  // family's maximum, ge or le below the prefix length, le below ge, seq twice.
  // Host bits set in an entry's prefix are cleared ("10.1.2.3/8" is 10.0.0.0/8).
  static std::variant<PrefixFilter, std::string> compile(const config::PrefixList& list);

  bool permits(const wire::Prefix& p) const;
  const std::string& name() const { return name_; }

 private:
  struct Entry {
    wire::Prefix prefix;  // host bits zero
    std::uint8_t min_len = 0;
    std::uint8_t max_len = 0;
    bool permit = false;
  };
  std::string name_;
  std::vector<Entry> entries_;  // ascending seq
};

// One direction (import or export) of one neighbor's policy, compiled. A
// default-constructed Policy lets everything pass unchanged.
struct Policy {
  std::optional<PrefixFilter> filter;  // nullopt: every prefix passes
  std::optional<std::uint32_t> set_local_pref;
  std::optional<std::uint32_t> set_med;
  std::vector<std::uint32_t> add_communities;  // ASN << 16 | value; sorted, no duplicates
  bool allow_cats = true;                      // false: strip the CATS attribute

  // `lists` resolves actions.prefix_list; an unknown name or a bad list is an error.
  static std::variant<Policy, std::string> compile(const config::PolicyActions& actions,
                                                   std::span<const config::PrefixList> lists, bool allow_cats);

  bool permits(const wire::Prefix& p) const { return !filter || filter->permits(p); }
  // Any set/add/strip: callers skip apply() (and the copy) when false.
  bool modifies() const;

  // A copy of `in` with the actions applied: LOCAL_PREF and MED replaced in
  // place or inserted in type order; communities merged into COMMUNITIES
  // (sorted, deduplicated, as RFC 1997 implementations keep them; an existing
  // Partial bit stays set; left untouched when nothing is new); every attribute
  // of type `cats_type` removed when !allow_cats. A type that is set replaces
  // every copy of it, discarded ones included, so the result never encodes one
  // twice. Built attributes have empty `raw`; encode_attribute writes them
  // from their values.
  // The copy borrows from the same buffer as `in` (raw bytes, opaque values,
  // CATS TLVs): it must not outlive the buffer `in` was decoded from.
  wire::AttributeSet apply(const wire::AttributeSet& in, std::uint8_t cats_type) const;
};

// Both directions of one neighbor: import allows CATS when cats.receive,
// export when cats.send.
struct NeighborPolicy {
  Policy import_policy;
  Policy export_policy;

  // Errors start with "import-policy: " or "export-policy: ". Setting
  // LOCAL_PREF on export to an eBGP neighbor is an error: the attribute is
  // never sent to an external peer (RFC 4271 §5.1.5), so the action could not work.
  static std::variant<NeighborPolicy, std::string> compile(const config::Neighbor& neighbor,
                                                           std::span<const config::PrefixList> lists);
};

}  // namespace cats::rib
