#include "bgp-ext/session/fsm_collision.hpp"

namespace cats::session {

const char* collision_name(Collision c) {
  switch (c) {
    case Collision::kNone: return "none";
    case Collision::kCloseExisting: return "close-existing";
    case Collision::kCloseArriving: return "close-arriving";
  }
  return "?";
}

Collision resolve_collision(Speaker local, Speaker remote, Connection existing, Connection arriving,
                            bool detect_in_established) {
  switch (existing.state) {
    case State::kIdle:
    case State::kConnect:
    case State::kActive: return Collision::kNone;  // §6.8: cannot be detected
    case State::kEstablished:
      if (!detect_in_established) return Collision::kCloseArriving;
      break;
    case State::kOpenSent:  // the peer's identity is known: it is a configured peer
    case State::kOpenConfirm: break;
  }
  // Keep the connection initiated by the higher identifier; equal identifiers
  // (possible between ASes, RFC 6286) fall to the higher AS number.
  const bool local_wins =
      local.router_id != remote.router_id ? local.router_id > remote.router_id : local.asn > remote.asn;
  if (existing.outgoing == arriving.outgoing) {
    // Not a crossed pair (two connections the same way): RFC 4271's literal
    // rule, which assumes the existing one is ours.
    return local_wins ? Collision::kCloseArriving : Collision::kCloseExisting;
  }
  const bool keep_outgoing = local_wins;
  return existing.outgoing == keep_outgoing ? Collision::kCloseArriving : Collision::kCloseExisting;
}

}  // namespace cats::session
