// The JSON form of each path attribute (docs/DECODE-JSON.md): a table of the
// codec table's shape (attribute_table.hpp), one row per type code with a
// descriptor there, plus CATS-EXP's row for the session's code. Kept out of
// the codec so that it has no JSON dependency.
#pragma once

#include <cstdint>
#include <string>

#include "bgp-ext/wire/json.hpp"
#include "bgp-ext/wire/json_reader.hpp"

namespace cats::wire {

struct AttributeJson {
  // Adds the value's fields to the attribute's object `o`.
  void (*to_json)(const AttrValue& v, Json& o);
  // Builds the value from the attribute's object `o` found at `path`.
  AttrValue (*from_json)(const JsonReader& r, const Json& o, const std::string& path, const EncodeContext& ctx);
};

// The row of `type` on a session whose CATS-EXP code is `cats_type`; nullptr
// exactly where attribute_descriptor() has none.
const AttributeJson* attribute_json(std::uint8_t type, std::uint8_t cats_type);

// A whole attribute object: common fields, then the row's.
Json attribute_to_json(const Attribute& a, const DecodeContext& ctx);
// Bytes from `raw` where the codec would not decode the value (discarded,
// malformed, unrecognised); otherwise the row builds it.
Attribute attribute_from_json(const JsonReader& r, const Json& o, const std::string& path, const EncodeContext& ctx,
                              std::uint8_t cats_type);

// Pieces the message level shares.
std::string ipv4_text(const std::array<std::uint8_t, 4>& a);
Json nlri_json(const NlriView& v, std::uint8_t safi);
Json as_path_json(const AsPath& p);

// CATS-EXP's row (cats_exp_json.cpp).
void cats_exp_to_json(const CatsExp& c, Json& o);
CatsExp cats_exp_from_json(const JsonReader& r, const Json& o, const std::string& path, const EncodeContext& ctx);

}  // namespace cats::wire
