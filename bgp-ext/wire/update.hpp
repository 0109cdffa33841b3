// UPDATE messages (RFC 4271 §4.3, RFC 4760, RFC 7911) and their RFC 7606
// handling, plus the packer that builds UPDATEs for many prefixes.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "bgp-ext/wire/path_attributes.hpp"

namespace cats::wire {

struct Family {
  std::uint16_t afi = 1;
  std::uint8_t safi = 1;
  bool operator==(const Family&) const = default;
};

struct Update {
  NlriView withdrawn;  // Withdrawn Routes field (IPv4 unicast)
  NlriView nlri;       // NLRI field (IPv4 unicast)
  AttributeSet attrs;

  const MpReach* mp_reach() const { return attrs.get<MpReach>(attr::kMpReach); }
  const MpUnreach* mp_unreach() const { return attrs.get<MpUnreach>(attr::kMpUnreach); }
  // RFC 4724 §2: empty UPDATE (IPv4) or lone empty MP_UNREACH.
  std::optional<Family> end_of_rib() const;
  // Any reachable prefix (NLRI field or MP_REACH_NLRI).
  bool has_reachable() const;
  // Anything the receiver could withdraw (RFC 7606 §5.2).
  bool has_any_nlri() const;
  // AS_PATH merged with AS4_PATH when the session is 2-octet (RFC 6793).
  std::optional<AsPath> effective_as_path() const;
};

void decode_update(ByteSpan body, const DecodeContext& ctx, Update& out, std::vector<DecodeError>& errors);
// Writes the UPDATE body (without the 19-octet header).
void encode_update_body(Writer& w, const Update& u, const EncodeContext& ctx);

// Packing: many prefixes sharing one attribute set, split so that no message
// exceeds ctx.max_message(). `attrs` must not contain MP_REACH/MP_UNREACH;
// IPv6 prefixes travel in a generated MP_REACH_NLRI placed first (RFC 7606 §5.1).
struct PackedUpdates {
  std::vector<Bytes> messages;  // complete messages, header included
  bool ok = true;               // false: the attributes leave no room for a prefix
};
PackedUpdates pack_announcements(const AttributeSet& attrs, Afi afi, ByteSpan mp_next_hop,
                                 std::span<const NlriEntry> prefixes, const EncodeContext& ctx);
PackedUpdates pack_withdrawals(Afi afi, std::span<const NlriEntry> prefixes, const EncodeContext& ctx);
Bytes end_of_rib_message(Afi afi);

}  // namespace cats::wire
