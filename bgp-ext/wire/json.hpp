// JSON form of BGP messages: the contract of `catsctl decode --json` and the
// input of `catsctl encode` (docs/DECODE-JSON.md).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "bgp-ext/wire/message.hpp"

namespace cats::wire {

using Json = nlohmann::ordered_json;

Json to_json(const Decoded& d, const DecodeContext& ctx);
Json error_to_json(const DecodeError& e);

// Thrown by from_json with the JSON path of the offending field.
struct JsonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Builds a complete message from its JSON form. Borrowed bytes live in `arena`.
Bytes encode_json_message(const Json& j, const EncodeContext& ctx, std::uint8_t cats_type,
                          std::uint8_t cats_capability);

}  // namespace cats::wire
