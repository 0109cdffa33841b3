// The seam between the session engine and the route decision engine (in
// OpenBGPD, the pipe between bgpd's session engine and its rde). The engine
// reaches sessions only through a SessionPort; sessions report to the engine
// through SessionEvents, on the RIB thread. AsioSessions (asio_sessions.hpp)
// is the real port; tests drive an Engine through a port that records what
// it sends, without sockets.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bgp-ext/session/fsm.hpp"
#include "bgp-ext/session/negotiate.hpp"
#include "bgp-ext/session/peer.hpp"
#include "bgp-ext/session/transport.hpp"
#include "bgp-ext/wire/message.hpp"
#include "rib-adapter/rib/rib_table.hpp"

namespace cats::rde {

using SteadyClock = std::chrono::steady_clock;

// UPDATEs of one session, in arrival order, handed from the session thread to
// the RIB thread together: the RIB decides each prefix they touch once.
struct UpdateBatch {
  struct Message {
    std::size_t end;  // offset past the message in `bytes`
    wire::DecodeContext ctx;
  };
  std::uint64_t gen = 0;
  wire::Bytes bytes;
  std::vector<Message> messages;
};

// Encoded messages on their way to a session. Buffers are shared: the
// neighbors of an update group get the same octets (session::SharedBytes).
struct Outgoing {
  struct Buffer {
    session::SharedBytes bytes;  // one or more whole messages
    std::size_t messages = 1;
  };
  std::vector<Buffer> buffers;
  // Report session_writable once the session's output queue is below its
  // low-water mark (at once if it already is): the engine produces the next
  // part of an export then.
  bool notify = false;
};

// What the session thread knows of a neighbor, for show neighbors.
struct PeerRuntime {
  session::State state = session::State::kIdle;
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::optional<session::SessionDown> last_down;  // any fall to Idle, before Established too
  SteadyClock::time_point last_down_at{};
};

// Session events, delivered on the RIB thread. `gen` numbers the Established
// sessions of a neighbor: anything computed for one generation is dropped
// when it reaches another.
class SessionEvents {
 public:
  virtual ~SessionEvents() = default;
  virtual void session_up(rib::PeerId id, std::uint64_t gen, const session::Negotiated& s,
                          const session::ConnectionEnds& ends) = 0;
  virtual void session_updates(rib::PeerId id, const UpdateBatch& batch) = 0;
  virtual void session_down(rib::PeerId id, std::uint64_t gen, const session::SessionDown& why) = 0;
  virtual void session_refresh(rib::PeerId id, std::uint64_t gen, const wire::RouteRefresh& rr) = 0;
  // The output asked for by Outgoing::notify has room now.
  virtual void session_writable(rib::PeerId id, std::uint64_t gen) = 0;
};

// What the engine asks of sessions. Every call returns at once; the work
// happens on the session thread.
class SessionPort {
 public:
  virtual ~SessionPort() = default;
  // `out` goes out on session `gen` of neighbor `id` only.
  virtual void send(rib::PeerId id, std::uint64_t gen, Outgoing out) = 0;
  // An administrative event for the neighbor's session (fsm.hpp: admin_reset,
  // max_prefix), then a manual start when `restart` is set.
  virtual void control(rib::PeerId id, const session::Event& ev, bool restart) = 0;
  // Reconfiguration (the RIB thread's). A neighbor added while running: its
  // session starts with `cfg` (id: the next unused one).
  virtual void add(rib::PeerId id, session::PeerConfig cfg) = 0;
  // Cease 6/3 to the neighbor's session; the session is gone once the
  // NOTIFICATION is out. The id is not used again.
  virtual void remove(rib::PeerId id) = 0;
  // The neighbor's session settings. `reset`: Cease 6/6 and a new session
  // with them now; otherwise they apply from its next session.
  virtual void reconfigure(rib::PeerId id, session::PeerConfig cfg, bool reset) = 0;
  // `reply` runs on the session thread with one PeerRuntime per neighbor id
  // (index id - 1; a removed neighbor's is default).
  virtual void runtime(std::function<void(std::vector<PeerRuntime>)> reply) = 0;
  // Cease 6/2 with `text` to every session; `done` runs (on the session
  // thread) once every NOTIFICATION is written or after `linger`.
  virtual void shutdown(std::string text, std::chrono::milliseconds linger, std::function<void()> done) = 0;
};

}  // namespace cats::rde
