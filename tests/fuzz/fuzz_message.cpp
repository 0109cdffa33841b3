// Fuzzes the whole-message decoder. The first input octet chooses the session
// context; the rest is one message. Property: for every accepted input
// (no action stronger than attribute-discard) decode(encode(decode(x)))
// equals decode(x), compared through the JSON form.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "bgp-ext/wire/json.hpp"

using namespace cats::wire;

namespace {

DecodeContext context_from(std::uint8_t b) {
  DecodeContext c;
  c.as4 = (b & 0x01) != 0;
  c.add_path.ipv4 = (b & 0x02) != 0;
  c.add_path.ipv6 = (b & 0x04) != 0;
  c.extended_message = (b & 0x08) != 0;
  c.ebgp = (b & 0x10) != 0;
  c.aigp = (b & 0x20) == 0;
  c.enhanced_route_refresh = (b & 0x40) != 0;
  c.cats_type = (b & 0x80) != 0 ? 254 : 255;
  return c;
}

// The encoder sends the low four flag bits as zero (RFC 4271 §4.3); mask them
// in the attributes and in error data that quotes an attribute.
void mask_flags(Json& j) {
  if (j.contains("attributes"))
    for (auto& a : j["attributes"]) a["flags"] = a["flags"].get<int>() & 0xf0;
  for (auto* errs : {&j["errors"]})
    for (auto& e : *errs) {
      std::string data = e["data"];
      if (!e["attribute"].is_null() && data.size() >= 2) data[1] = '0';
      e["data"] = data;
      e["reason"] = "";  // quotes the flags octet as received
    }
  if (!j["error"].is_null()) j["error"] = j["errors"][0];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const DecodeContext ctx = context_from(data[0]);
  const ByteSpan wire(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  const Decoded d = decode_message(wire, ctx);
  Json j1 = to_json(d, ctx);  // must never throw or crash, whatever the input
  if (d.action() > Action::kAttributeDiscard || std::holds_alternative<std::monostate>(d.body)) return 0;

  EncodeContext ectx;
  ectx.as4 = ctx.as4;
  ectx.add_path = ctx.add_path;
  ectx.extended_message = ctx.extended_message;
  const Bytes again = encode_message(d.body, ectx, ctx.cats_capability);
  const Decoded d2 = decode_message(again, ctx);
  Json j2 = to_json(d2, ctx);
  mask_flags(j1);
  mask_flags(j2);
  if (j1.dump() != j2.dump()) {  // by text: NaN floats compare unequal as values
    std::fprintf(stderr, "round trip differs\nin:  %s\nout: %s\n", j1.dump().c_str(), j2.dump().c_str());
    std::abort();
  }
  return 0;
}
