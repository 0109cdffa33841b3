// RFC 7606 error handling as data: every decode problem is a value that names
// the action the receiver must take, the NOTIFICATION it would send, and the
// offending attribute.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp-ext/wire/bytes.hpp"

namespace cats::wire {

// Ordered weakest to strongest so that max() picks the one to apply (RFC 7606 §2).
enum class Action : std::uint8_t {
  kNone = 0,
  kAttributeDiscard = 1,
  kTreatAsWithdraw = 2,
  kSessionReset = 3,
};

const char* action_name(Action a);  // "attribute-discard", ...

struct DecodeError {
  Action action = Action::kNone;
  std::uint8_t code = 0;                  // NOTIFICATION code
  std::uint8_t subcode = 0;               // NOTIFICATION subcode
  std::optional<std::uint8_t> attribute;  // offending path attribute type code
  std::string reason;
  Bytes data;  // NOTIFICATION Data
};

// A malformed attribute value: the UPDATE subcode and why. Decoders of single
// attributes return this; the attribute table turns it into a DecodeError.
struct Malformed {
  std::uint8_t subcode;
  std::string reason;
};
using DecodeStatus = std::optional<Malformed>;

// Strongest error of a list (first one wins among equals), or nullptr.
const DecodeError* strongest(const std::vector<DecodeError>& errors);

// NOTIFICATION error codes (RFC 4271 §4.5, RFC 7313).
namespace notify {
inline constexpr std::uint8_t kHeader = 1;
inline constexpr std::uint8_t kOpen = 2;
inline constexpr std::uint8_t kUpdate = 3;
inline constexpr std::uint8_t kHoldTimer = 4;
inline constexpr std::uint8_t kFsm = 5;
inline constexpr std::uint8_t kCease = 6;
inline constexpr std::uint8_t kRouteRefresh = 7;

// Header subcodes
inline constexpr std::uint8_t kNotSynchronized = 1;
inline constexpr std::uint8_t kBadLength = 2;
inline constexpr std::uint8_t kBadType = 3;
// OPEN subcodes
inline constexpr std::uint8_t kOpenUnspecific = 0;
inline constexpr std::uint8_t kUnsupportedVersion = 1;
inline constexpr std::uint8_t kBadPeerAs = 2;
inline constexpr std::uint8_t kBadBgpId = 3;
inline constexpr std::uint8_t kUnsupportedOptParam = 4;
inline constexpr std::uint8_t kUnacceptableHold = 6;
inline constexpr std::uint8_t kUnsupportedCapability = 7;
// UPDATE subcodes
inline constexpr std::uint8_t kMalformedAttrList = 1;
inline constexpr std::uint8_t kUnrecognizedWellKnown = 2;
inline constexpr std::uint8_t kMissingWellKnown = 3;
inline constexpr std::uint8_t kAttrFlags = 4;
inline constexpr std::uint8_t kAttrLength = 5;
inline constexpr std::uint8_t kInvalidOrigin = 6;
inline constexpr std::uint8_t kInvalidNextHop = 8;
inline constexpr std::uint8_t kOptionalAttr = 9;
inline constexpr std::uint8_t kInvalidNetwork = 10;
inline constexpr std::uint8_t kMalformedAsPath = 11;
// ROUTE-REFRESH subcodes
inline constexpr std::uint8_t kInvalidRouteRefreshLength = 1;

const char* code_name(std::uint8_t code);
const char* subcode_name(std::uint8_t code, std::uint8_t subcode);
}  // namespace notify

}  // namespace cats::wire
