// Path attribute lists: the set a message carries, decoded and encoded through
// the attribute table (attribute_table.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "bgp-ext/wire/attribute_table.hpp"

namespace cats::wire {

class AttributeSet {
 public:
  AttributeSet() { index_.fill(-1); }
  // Appends in wire order; the first usable (not discarded) one of a type wins.
  void add(Attribute a);
  const Attribute* find(std::uint8_t type) const {
    return index_[type] < 0 ? nullptr : &list_[static_cast<std::size_t>(index_[type])];
  }
  template <class T>
  const T* get(std::uint8_t type) const {
    const auto* a = find(type);
    return a == nullptr ? nullptr : a->as<T>();
  }
  const std::vector<Attribute>& list() const { return list_; }
  std::vector<Attribute>& mutable_list() { return list_; }
  // Replaces the usable attribute of a.type (or appends): for building an
  // Adj-RIB-Out from a received set.
  void set(Attribute a);
  // Removes every attribute of `type`.
  void erase(std::uint8_t type);
  void reindex();
  bool empty() const { return list_.empty(); }

 private:
  std::vector<Attribute> list_;
  std::array<std::int16_t, 256> index_;
};

// Decodes the Path Attributes field. Appends errors (already classified per
// RFC 7606 but not yet escalated for UPDATEs without NLRI).
void decode_path_attributes(ByteSpan field, const DecodeContext& ctx, AttributeSet& out,
                            std::vector<DecodeError>& errors);

void encode_path_attributes(Writer& w, const AttributeSet& attrs, const EncodeContext& ctx);

// RFC 4271 §5 / §9.1.3 for a route passed on to another peer: unrecognised
// optional transitive attributes get the Partial bit, unrecognised
// non-transitive ones and discarded ones are dropped. Recognised attributes
// (CATS-EXP included, unknown TLVs and all) are left as they are.
AttributeSet prepare_for_propagation(const AttributeSet& in);

// The AS path a route really took: AS_PATH, merged with AS4_PATH (RFC 6793
// §4.2.3) when AS_PATH was received with 2-octet ASNs. nullopt: no AS_PATH.
std::optional<AsPath> effective_as_path(const AttributeSet& attrs);

}  // namespace cats::wire
