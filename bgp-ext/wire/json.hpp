// JSON form of BGP messages: the contract of `catsctl decode --json` and the
// input of `catsctl encode` (docs/DECODE-JSON.md).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "bgp-ext/wire/message.hpp"

namespace cats::wire {

using Json = nlohmann::ordered_json;

// A decoded message as JSON; `ctx` is the one it was decoded with. Never throws
// on anything decode_message() returns.
Json to_json(const Decoded& d, const DecodeContext& ctx);
Json error_to_json(const DecodeError& e);

// Thrown by encode_json_message with the JSON path of the offending field.
struct JsonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Builds a complete message, header included, from its JSON form (fields the
// decoder would not decode are taken from "raw"); throws JsonError.
Bytes encode_json_message(const Json& j, const EncodeContext& ctx, std::uint8_t cats_type,
                          std::uint8_t cats_capability);

}  // namespace cats::wire
