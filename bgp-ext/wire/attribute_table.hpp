// The path attribute table, in the manner of BIRD's bgp_attr_table[]: one
// descriptor per type code holds what the codec knows about that attribute.
// A code without a descriptor is unrecognised (RFC 4271 §5), Edge Metadata
// (42) included. CATS-EXP has a descriptor of its own that the lookup returns
// for the session's CATS code.
#pragma once

#include <cstdint>

#include "bgp-ext/wire/attributes.hpp"
#include "bgp-ext/wire/context.hpp"
#include "bgp-ext/wire/error.hpp"

namespace cats::wire {

struct AttributeDescriptor {
  const char* name;     // "ORIGIN", "CATS-EXP", ...
  std::uint8_t flags;   // expected Optional|Transitive bits
  Action on_malformed;  // RFC 7606 action for a bad value or conflicting flags
  // Sets `out` to the decoded value, or says why the octets are malformed.
  DecodeStatus (*decode)(ByteSpan v, const DecodeContext& ctx, AttrValue& out);
  // Writes the value octets; `v` holds this descriptor's value type.
  void (*encode)(Writer& w, const AttrValue& v, const EncodeContext& ctx);
};

// The descriptor of `type` on a session whose CATS-EXP code is `cats_type`;
// nullptr when the codec does not recognise it.
const AttributeDescriptor* attribute_descriptor(std::uint8_t type, std::uint8_t cats_type);

// The descriptor that writes `a.value`, nullptr for bytes (Opaque). A CatsExp
// value names CATS-EXP's: the encoder does not know the session's code.
const AttributeDescriptor* value_descriptor(const Attribute& a);

}  // namespace cats::wire
