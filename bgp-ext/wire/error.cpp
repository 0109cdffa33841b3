#include "bgp-ext/wire/error.hpp"

namespace cats::wire {

const char* action_name(Action a) {
  switch (a) {
    case Action::kNone: return "none";
    case Action::kAttributeDiscard: return "attribute-discard";
    case Action::kTreatAsWithdraw: return "treat-as-withdraw";
    case Action::kSessionReset: return "session-reset";
  }
  return "none";
}

const DecodeError* strongest(const std::vector<DecodeError>& errors) {
  const DecodeError* best = nullptr;
  for (const auto& e : errors)
    if (best == nullptr || e.action > best->action) best = &e;
  return best;
}

namespace notify {

const char* code_name(std::uint8_t code) {
  switch (code) {
    case kHeader: return "Message Header Error";
    case kOpen: return "OPEN Message Error";
    case kUpdate: return "UPDATE Message Error";
    case kHoldTimer: return "Hold Timer Expired";
    case kFsm: return "Finite State Machine Error";
    case kCease: return "Cease";
    case kRouteRefresh: return "ROUTE-REFRESH Message Error";
    default: return "Unknown";
  }
}

const char* subcode_name(std::uint8_t code, std::uint8_t sub) {
  switch (code) {
    case kHeader:
      switch (sub) {
        case 1: return "Connection Not Synchronized";
        case 2: return "Bad Message Length";
        case 3: return "Bad Message Type";
      }
      break;
    case kOpen:
      switch (sub) {
        case 0: return "Unspecific";
        case 1: return "Unsupported Version Number";
        case 2: return "Bad Peer AS";
        case 3: return "Bad BGP Identifier";
        case 4: return "Unsupported Optional Parameter";
        case 5: return "Authentication Failure (deprecated)";
        case 6: return "Unacceptable Hold Time";
        case 7: return "Unsupported Capability";
        case 8:
        case 9:
        case 10: return "Deprecated";
        case 11: return "Role Mismatch";
      }
      break;
    case kUpdate:
      switch (sub) {
        case 1: return "Malformed Attribute List";
        case 2: return "Unrecognized Well-known Attribute";
        case 3: return "Missing Well-known Attribute";
        case 4: return "Attribute Flags Error";
        case 5: return "Attribute Length Error";
        case 6: return "Invalid ORIGIN Attribute";
        case 7: return "AS Routing Loop (deprecated)";
        case 8: return "Invalid NEXT_HOP Attribute";
        case 9: return "Optional Attribute Error";
        case 10: return "Invalid Network Field";
        case 11: return "Malformed AS_PATH";
      }
      break;
    case kHoldTimer: return sub == 0 ? "Unspecific" : "Unknown";
    case kFsm:
      switch (sub) {
        case 0: return "Unspecified Error";
        case 1: return "Receive Unexpected Message in OpenSent State";
        case 2: return "Receive Unexpected Message in OpenConfirm State";
        case 3: return "Receive Unexpected Message in Established State";
      }
      break;
    case kCease:
      switch (sub) {
        case 1: return "Maximum Number of Prefixes Reached";
        case 2: return "Administrative Shutdown";
        case 3: return "Peer De-configured";
        case 4: return "Administrative Reset";
        case 5: return "Connection Rejected";
        case 6: return "Other Configuration Change";
        case 7: return "Connection Collision Resolution";
        case 8: return "Out of Resources";
        case 9: return "Hard Reset";
        case 10: return "BFD Down";
      }
      break;
    case kRouteRefresh:
      if (sub == 1) return "Invalid Message Length";
      break;
  }
  return "Unknown";
}

}  // namespace notify
}  // namespace cats::wire
