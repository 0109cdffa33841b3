// BGP connection collision resolution (RFC 4271 §6.8, RFC 6286 §2.3) as a
// pure function over the two connections to one peer. The wrapper sends the
// loser OpenCollisionDump; its FSM then sends Cease 6/7 and closes.
#pragma once

#include <cstdint>

#include "bgp-ext/session/fsm.hpp"

namespace cats::session {

struct Speaker {
  std::uint32_t router_id = 0;  // BGP Identifier, host order
  std::uint32_t asn = 0;        // tie-break when the identifiers are equal (RFC 6286)
};

struct Connection {
  State state = State::kIdle;
  bool outgoing = false;  // we sent the SYN
};

enum class Collision : std::uint8_t {
  kNone,           // nothing to resolve: the existing connection is not past Active
  kCloseExisting,  // dump the existing connection, continue with the one whose OPEN arrived
  kCloseArriving,  // dump the connection whose OPEN just arrived
};
const char* collision_name(Collision c);

// Called when an OPEN from `remote` arrives on `arriving` while `existing`
// (the other connection to the same peer) is in `existing.state`.
Collision resolve_collision(Speaker local, Speaker remote, Connection existing, Connection arriving,
                            bool detect_in_established = false);

}  // namespace cats::session
