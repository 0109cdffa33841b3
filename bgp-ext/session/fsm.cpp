// Transitions follow RFC 4271 §8.2.2 state by state; where we depart from
// its text, a comment at the spot says why.
#include "bgp-ext/session/fsm.hpp"

#include <algorithm>
#include <utility>

namespace cats::session {

namespace {

using std::chrono::seconds;

bool is_start(EventType t) {
  switch (t) {
    case EventType::kManualStart:
    case EventType::kAutomaticStart:
    case EventType::kManualStartPassive:
    case EventType::kAutomaticStartPassive:
    case EventType::kAutomaticStartDamp:
    case EventType::kAutomaticStartDampPassive: return true;
    default: return false;
  }
}

bool is_passive_start(EventType t) {
  return t == EventType::kManualStartPassive || t == EventType::kAutomaticStartPassive ||
         t == EventType::kAutomaticStartDampPassive;
}

// Events that stand for a received message: an unexpected one gets the
// RFC 6608 subcode of the state, anything else 5/0.
bool is_message(EventType t) {
  const auto n = static_cast<int>(t);
  return (n >= 19 && n <= 28) || t == EventType::kRouteRefreshMsg;
}

std::optional<Timer> timer_of(EventType t) {
  switch (t) {
    case EventType::kConnectRetryTimerExpires: return Timer::kConnectRetry;
    case EventType::kHoldTimerExpires: return Timer::kHold;
    case EventType::kKeepaliveTimerExpires: return Timer::kKeepalive;
    case EventType::kDelayOpenTimerExpires: return Timer::kDelayOpen;
    case EventType::kIdleHoldTimerExpires: return Timer::kIdleHold;
    case EventType::kSendHoldTimerExpires: return Timer::kSendHold;
    default: return std::nullopt;
  }
}

EventType expiry_of(Timer t) {
  switch (t) {
    case Timer::kConnectRetry: return EventType::kConnectRetryTimerExpires;
    case Timer::kHold: return EventType::kHoldTimerExpires;
    case Timer::kKeepalive: return EventType::kKeepaliveTimerExpires;
    case Timer::kDelayOpen: return EventType::kDelayOpenTimerExpires;
    case Timer::kIdleHold: return EventType::kIdleHoldTimerExpires;
    case Timer::kSendHold: return EventType::kSendHoldTimerExpires;
  }
  return EventType::kHoldTimerExpires;
}

// A NOTIFICATION the event should have carried; a neutral one if it did not.
Notify carried(const Event& ev, std::uint8_t code) {
  return ev.notify ? *ev.notify : Notify{code, 0, {}};
}

bool open_refused(const OpenReceived& open) {
  // RFC 4271 §6.2: hold times of 1 and 2 seconds MUST be refused; checked
  // here too so that no timer is ever armed with them.
  return open.reject.has_value() || open.hold_time == 1 || open.hold_time == 2;
}

Notify open_refusal(const OpenReceived& open) {
  if (open.reject) return *open.reject;
  return Notify{wire::notify::kOpen, wire::notify::kUnacceptableHold, {}};
}

}  // namespace

// ---- events -----------------------------------------------------------------

Event Event::open_received(std::uint16_t hold_time, std::uint32_t peer_id, std::uint16_t keepalive) {
  Event e{EventType::kBgpOpen};
  e.open = OpenReceived{hold_time, keepalive, peer_id, std::nullopt};
  return e;
}

Event Event::open_rejected(Notify n, std::uint32_t peer_id) {
  Event e{EventType::kBgpOpen};
  e.open.peer_id = peer_id;
  e.open.reject = std::move(n);
  return e;
}

Event Event::header_error(const wire::DecodeError& err) {
  Event e{EventType::kBgpHeaderErr};
  e.notify = notify_for(err);
  return e;
}

Event Event::open_error(const wire::DecodeError& err) {
  Event e{EventType::kBgpOpenMsgErr};
  e.notify = notify_for(err);
  return e;
}

Event Event::update_error(const wire::DecodeError& err) {
  Event e{EventType::kUpdateMsgErr};
  e.notify = notify_for(err);
  e.rfc7606 = err.action;
  return e;
}

Event Event::notification(std::uint8_t code, std::uint8_t subcode, wire::ByteSpan data) {
  const bool version = code == wire::notify::kOpen && subcode == wire::notify::kUnsupportedVersion;
  Event e{version ? EventType::kNotifMsgVerErr : EventType::kNotifMsg};
  e.notify = notify_from_wire(code, subcode, data);
  return e;
}

Event Event::manual_stop(std::string_view shutdown_text) {
  Event e{EventType::kManualStop};
  e.notify = make_cease(cease::kAdminShutdown, shutdown_text);
  return e;
}

Event Event::admin_reset(std::string_view text) {
  Event e{EventType::kManualStop};
  e.notify = make_cease(cease::kAdminReset, text);
  return e;
}

Event Event::peer_deconfigured() {
  Event e{EventType::kManualStop};
  e.notify = make_cease(cease::kPeerDeconfigured);
  return e;
}

Event Event::config_changed() {
  Event e{EventType::kManualStop};
  e.notify = make_cease(cease::kOtherConfigChange);
  return e;
}

Event Event::max_prefix(wire::Bytes data, std::optional<Duration> restart_after) {
  Event e{EventType::kAutomaticStop};
  e.notify = Notify{wire::notify::kCease, cease::kMaxPrefixes, std::move(data)};
  e.restart_after = restart_after;
  return e;
}

// ---- driver -----------------------------------------------------------------

Fsm::Fsm(FsmConfig config, RandomSource random)
    : config_(config), random_(std::move(random)), idle_hold_next_(config_.idle_hold_time) {}

Output Fsm::handle(const Event& event, TimePoint now) {
  Output out{state_, state_, {}};
  // An expiry handed in directly consumes its timer, as expire() would.
  if (auto t = timer_of(event.type)) timers_.stop(*t);
  step(event, now, out.actions);
  out.state = state_;
  return out;
}

Output Fsm::expire(TimePoint now) {
  Output out{state_, state_, {}};
  const auto generation = timers_.generation();
  while (auto t = timers_.due(now, generation)) {
    timers_.stop(*t);
    step(Event{expiry_of(*t)}, now, out.actions);
  }
  out.state = state_;
  return out;
}

void Fsm::step(const Event& ev, TimePoint now, std::vector<Action>& out) {
  switch (state_) {
    case State::kIdle: in_idle(ev, now, out); break;
    case State::kConnect:
    case State::kActive: in_connect_or_active(ev, now, out); break;
    case State::kOpenSent: in_open_sent(ev, now, out); break;
    case State::kOpenConfirm: in_open_confirm(ev, now, out); break;
    case State::kEstablished: in_established(ev, now, out); break;
  }
}

// ---- Idle -------------------------------------------------------------------

void Fsm::in_idle(const Event& ev, TimePoint now, std::vector<Action>& out) {
  switch (ev.type) {
    case EventType::kManualStart:
    case EventType::kManualStartPassive: start(is_passive_start(ev.type), true, now, out); return;
    case EventType::kAutomaticStart:
    case EventType::kAutomaticStartPassive:
    case EventType::kAutomaticStartDamp:
    case EventType::kAutomaticStartDampPassive:
      // Damping: an automatic start waits for the IdleHoldTimer.
      if (timers_.running(Timer::kIdleHold)) return;
      start(is_passive_start(ev.type), false, now, out);
      return;
    case EventType::kIdleHoldTimerExpires:
      if (started_) start(passive_, false, now, out);
      return;
    case EventType::kManualStop:
      // Ignored by RFC 4271, but it must also cancel a pending automatic
      // restart, or the operator could not keep a flapping peer down.
      stop_timer(Timer::kIdleHold, out);
      started_ = false;
      return;
    case EventType::kTcpCrAcked:
    case EventType::kTcpConnectionConfirmed:
      // A session that has not come up since it was started has no routes
      // to flap: its neighbor's connection is taken during the idle hold,
      // so that neither a peer that started later nor one spoofed bad OPEN
      // keeps the real neighbor out (deviation from RFC 4271 §8.2.2, Idle).
      if (accepts_in_idle()) {
        stop_timer(Timer::kIdleHold, out);
        state_ = State::kActive;
        in_connect_or_active(ev, now, out);
        return;
      }
      out.emplace_back(RejectTcp{});
      return;
    case EventType::kTcpConnectionValid:
    case EventType::kTcpCrInvalid: out.emplace_back(RejectTcp{}); return;  // Idle refuses connections
    default: return;                                                       // RFC 4271: no change in Idle
  }
}

void Fsm::start(bool passive, bool manual, TimePoint now, std::vector<Action>& out) {
  if (manual) {  // operator intervention ends the back-off
    idle_hold_next_ = config_.idle_hold_time;
    established_since_start_ = false;
  }
  stop_timer(Timer::kIdleHold, out);
  started_ = true;
  passive_ = passive;
  connect_retry_counter_ = 0;
  if (passive) {
    state_ = State::kActive;
    return;
  }
  arm_connect_retry(now, out);
  out.emplace_back(ConnectTcp{});
  state_ = State::kConnect;
}

// ---- Connect and Active -----------------------------------------------------

// A NOTIFICATION before our OPEN is out: only on a connection, and only with
// SendNOTIFICATIONwithoutOPEN.
std::optional<Notify> Fsm::before_open(Notify n, bool connected) const {
  if (!connected || !config_.send_notification_without_open) return std::nullopt;
  return n;
}

void Fsm::in_connect_or_active(const Event& ev, TimePoint now, std::vector<Action>& out) {
  const bool connect = state_ == State::kConnect;
  // With DelayOpen running the TCP connection is up but our OPEN is not out.
  const bool delaying = timers_.running(Timer::kDelayOpen);
  switch (ev.type) {
    case EventType::kManualStop:
      teardown({.reason = DownReason::kManualStop,
                .send = before_open(stop_cease(ev), delaying),
                .counter = Counter::kZero,
                .damp = false,
                .restart = false},
               ev, now, out);
      return;
    case EventType::kConnectRetryTimerExpires: retry_connect(connect, delaying, now, out); return;
    case EventType::kDelayOpenTimerExpires:
      stop_timer(Timer::kConnectRetry, out);
      send_open(now, out);
      return;
    case EventType::kTcpConnectionValid: return;  // processed by the wrapper; state unchanged
    case EventType::kTcpCrInvalid: out.emplace_back(RejectTcp{}); return;
    case EventType::kTcpCrAcked:
    case EventType::kTcpConnectionConfirmed: tcp_connected(now, out); return;
    case EventType::kTcpConnectionFails: tcp_failed_before_open(ev, connect, delaying, now, out); return;
    case EventType::kBgpOpen:
    case EventType::kBgpOpenWithDelayOpenTimer:
      if (!delaying) break;  // "any other event"
      open_while_delaying(ev, now, out);
      return;
    case EventType::kBgpHeaderErr:
      teardown({.reason = DownReason::kProtocolError, .send = before_open(carried(ev, wire::notify::kHeader), true)},
               ev, now, out);
      return;
    case EventType::kBgpOpenMsgErr:
      teardown({.reason = DownReason::kProtocolError, .send = before_open(carried(ev, wire::notify::kOpen), true)}, ev,
               now, out);
      return;
    case EventType::kNotifMsgVerErr:
      // With DelayOpen running RFC 4271 neither counts nor damps: version
      // negotiation may retry at once.
      teardown({.reason = DownReason::kNotificationReceived,
                .received = ev.notify,
                .counter = delaying ? Counter::kKeep : Counter::kIncrement,
                .damp = !delaying},
               ev, now, out);
      return;
    case EventType::kSendHoldTimerExpires:
    case EventType::kSendProgress: return;  // the send hold timer runs in Established only
    default:
      if (is_start(ev.type)) return;
      break;
  }
  unexpected_before_open(ev, delaying, now, out);
}

void Fsm::retry_connect(bool connect, bool delaying, TimePoint now, std::vector<Action>& out) {
  if (!connect && passive_) return;  // passive: never initiate (see arm_connect_retry)
  if (connect || delaying) out.emplace_back(DropTcp{});
  stop_timer(Timer::kDelayOpen, out);
  arm_connect_retry(now, out);
  out.emplace_back(ConnectTcp{});
  state_ = State::kConnect;
}

void Fsm::tcp_connected(TimePoint now, std::vector<Action>& out) {
  stop_timer(Timer::kConnectRetry, out);
  if (config_.delay_open) {
    start_timer(Timer::kDelayOpen, config_.delay_open_time, now, out);
    return;
  }
  send_open(now, out);
}

void Fsm::tcp_failed_before_open(const Event& ev, bool connect, bool delaying, TimePoint now,
                                 std::vector<Action>& out) {
  if (connect && delaying) {
    stop_timer(Timer::kDelayOpen, out);
    out.emplace_back(DropTcp{});
    arm_connect_retry(now, out);
    state_ = State::kActive;
    return;
  }
  // From Connect RFC 4271 neither counts nor damps a failed connect.
  teardown(
      {.reason = DownReason::kTcpFailed, .counter = connect ? Counter::kKeep : Counter::kIncrement, .damp = !connect},
      ev, now, out);
}

void Fsm::open_while_delaying(const Event& ev, TimePoint now, std::vector<Action>& out) {
  if (open_refused(ev.open)) {
    teardown({.reason = DownReason::kProtocolError, .send = before_open(open_refusal(ev.open), true)}, ev, now, out);
    return;
  }
  // Event 20: answer the peer's OPEN with ours and a KEEPALIVE at once.
  stop_timer(Timer::kConnectRetry, out);
  stop_timer(Timer::kDelayOpen, out);
  out.emplace_back(SendOpen{});
  out.emplace_back(SendKeepalive{});
  accept_open(ev.open, now, out);
  state_ = State::kOpenConfirm;
}

// Any other event (8, 10-11, 13, 19 without DelayOpen, 23, 25-28): drop,
// with no NOTIFICATION since our OPEN is not out.
void Fsm::unexpected_before_open(const Event& ev, bool delaying, TimePoint now, std::vector<Action>& out) {
  Teardown t{.reason = DownReason::kUnexpectedEvent};
  if (ev.type == EventType::kAutomaticStop) {
    t.reason = DownReason::kAutomaticStop;
    t.send = before_open(stop_cease(ev), delaying);
    t.wait = ev.restart_after;
  } else if (ev.type == EventType::kNotifMsg) {
    t.reason = DownReason::kNotificationReceived;
    t.received = ev.notify;
  }
  teardown(t, ev, now, out);
}

// ---- OpenSent, OpenConfirm, Established: what they share ---------------------

bool Fsm::in_connected(const Event& ev, TimePoint now, std::vector<Action>& out) {
  switch (ev.type) {
    case EventType::kManualStop:
      teardown({.reason = DownReason::kManualStop,
                .send = stop_cease(ev),
                .counter = Counter::kZero,
                .damp = false,
                .restart = false},
               ev, now, out);
      return true;
    case EventType::kAutomaticStop:
      teardown({.reason = DownReason::kAutomaticStop, .send = stop_cease(ev), .wait = ev.restart_after}, ev, now, out);
      return true;
    case EventType::kHoldTimerExpires:
      teardown({.reason = DownReason::kHoldTimerExpired, .send = Notify{wire::notify::kHoldTimer, 0, {}}}, ev, now,
               out);
      return true;
    case EventType::kTcpConnectionValid:
    case EventType::kTcpCrAcked:
    case EventType::kTcpConnectionConfirmed: return true;  // a second connection: the wrapper tracks it (§6.8)
    case EventType::kTcpCrInvalid: out.emplace_back(RejectTcp{}); return true;
    case EventType::kBgpHeaderErr:
      // In Established RFC 4271 §8.2.2 lists 21 under "FSM error", but §6.1
      // says a header error MUST be reported as one; FRR and BIRD agree.
      teardown({.reason = DownReason::kProtocolError, .send = carried(ev, wire::notify::kHeader)}, ev, now, out);
      return true;
    case EventType::kSendHoldTimerExpires:
      // RFC 9687 makes the NOTIFICATION optional; the socket is not
      // draining, so we do not queue one behind the stuck data.
      teardown({.reason = DownReason::kSendHoldTimerExpired}, ev, now, out);
      return true;
    default: return is_start(ev.type);  // start events are ignored
  }
}

// ---- OpenSent and OpenConfirm: what they share ------------------------------

bool Fsm::in_opening(const Event& ev, TimePoint now, std::vector<Action>& out) {
  switch (ev.type) {
    case EventType::kBgpOpenMsgErr:
      teardown({.reason = DownReason::kProtocolError, .send = carried(ev, wire::notify::kOpen)}, ev, now, out);
      return true;
    case EventType::kOpenCollisionDump:
      teardown({.reason = DownReason::kCollision, .send = make_cease(cease::kCollisionResolution)}, ev, now, out);
      return true;
    case EventType::kNotifMsgVerErr:
      teardown({.reason = DownReason::kNotificationReceived,
                .received = ev.notify,
                .counter = Counter::kKeep,
                .damp = false},
               ev, now, out);
      return true;
    case EventType::kNotifMsg:
      // In OpenSent RFC 4271 lists 25 under "FSM error"; answering a
      // NOTIFICATION with one is pointless (the peer has closed), so we only go down.
      teardown({.reason = DownReason::kNotificationReceived, .received = ev.notify}, ev, now, out);
      return true;
    case EventType::kSendProgress: return true;
    default: return false;
  }
}

// ---- OpenSent ---------------------------------------------------------------

void Fsm::in_open_sent(const Event& ev, TimePoint now, std::vector<Action>& out) {
  if (in_connected(ev, now, out) || in_opening(ev, now, out)) return;
  switch (ev.type) {
    case EventType::kTcpConnectionFails:
      stop_timer(Timer::kHold, out);
      out.emplace_back(DropTcp{});
      arm_connect_retry(now, out);
      state_ = State::kActive;
      return;
    case EventType::kBgpOpen:
    case EventType::kBgpOpenWithDelayOpenTimer:
      if (open_refused(ev.open)) {
        teardown({.reason = DownReason::kProtocolError, .send = open_refusal(ev.open)}, ev, now, out);
        return;
      }
      stop_timer(Timer::kDelayOpen, out);
      stop_timer(Timer::kConnectRetry, out);
      out.emplace_back(SendKeepalive{});
      accept_open(ev.open, now, out);
      state_ = State::kOpenConfirm;
      return;
    default:
      fsm_error(ev, now, out);  // 9, 11-13, 26-28, ROUTE-REFRESH
      return;
  }
}

// ---- OpenConfirm ------------------------------------------------------------

void Fsm::in_open_confirm(const Event& ev, TimePoint now, std::vector<Action>& out) {
  if (in_connected(ev, now, out) || in_opening(ev, now, out)) return;
  switch (ev.type) {
    case EventType::kKeepaliveTimerExpires: send_keepalive(now, out); return;
    case EventType::kTcpConnectionFails: teardown({.reason = DownReason::kTcpFailed}, ev, now, out); return;
    case EventType::kKeepAliveMsg: enter_established(now, out); return;
    default:
      // 9, 12-13, 27-28, ROUTE-REFRESH, and a second OPEN on this connection:
      // collisions between connections come in as OpenCollisionDump.
      fsm_error(ev, now, out);
      return;
  }
}

// ---- Established ------------------------------------------------------------

void Fsm::in_established(const Event& ev, TimePoint now, std::vector<Action>& out) {
  if (in_connected(ev, now, out)) return;
  switch (ev.type) {
    case EventType::kKeepaliveTimerExpires: send_keepalive(now, out); return;
    case EventType::kOpenCollisionDump:
      if (!config_.collision_detect_established) return;  // the arriving connection loses instead
      teardown({.reason = DownReason::kCollision, .send = make_cease(cease::kCollisionResolution)}, ev, now, out);
      return;
    case EventType::kTcpConnectionFails:
      // RFC 4271 does not damp here (nor for 24/25); we do, as a peer that
      // keeps resetting established sessions is what damping is for.
      teardown({.reason = DownReason::kTcpFailed}, ev, now, out);
      return;
    case EventType::kNotifMsg:
    case EventType::kNotifMsgVerErr:
      teardown({.reason = DownReason::kNotificationReceived, .received = ev.notify}, ev, now, out);
      return;
    case EventType::kKeepAliveMsg: restart_hold(now, out); return;
    case EventType::kUpdateMsg:
      out.emplace_back(DeliverUpdate{});
      restart_hold(now, out);
      return;
    case EventType::kUpdateMsgErr:
      // RFC 7606: only session-reset tears the session down; the weaker
      // actions reach the RIB with the UPDATE.
      if (ev.rfc7606 == wire::Action::kSessionReset) {
        teardown({.reason = DownReason::kProtocolError, .send = carried(ev, wire::notify::kUpdate)}, ev, now, out);
        return;
      }
      out.emplace_back(DeliverUpdate{ev.rfc7606});
      restart_hold(now, out);
      return;
    case EventType::kRouteRefreshMsg:
      out.emplace_back(DeliverRouteRefresh{});
      restart_hold(now, out);
      return;
    case EventType::kSendProgress:
      if (timers_.running(Timer::kSendHold)) start_timer(Timer::kSendHold, send_hold_duration(), now, out);
      return;
    default:
      fsm_error(ev, now, out);  // 9, 12-13, 19-20, 22
      return;
  }
}

// ---- shared steps -----------------------------------------------------------

void Fsm::send_open(TimePoint now, std::vector<Action>& out) {
  out.emplace_back(SendOpen{});
  start_timer(Timer::kHold, config_.open_hold_time, now, out);
  state_ = State::kOpenSent;
}

void Fsm::accept_open(const OpenReceived& open, TimePoint now, std::vector<Action>& out) {
  peer_id_ = open.peer_id;
  hold_time_ = open.hold_time;
  keepalive_time_ = hold_time_ == 0       ? Duration::zero()
                    : open.keepalive != 0 ? Duration{seconds{open.keepalive}}
                                          : Duration{seconds{hold_time_ / 3}};
  if (hold_time_ == 0) {
    // No negotiated hold timer, yet OpenConfirm must not wait for the
    // peer's KEEPALIVE forever: the large OpenSent value guards it.
    stop_timer(Timer::kKeepalive, out);
    if (!timers_.running(Timer::kHold)) start_timer(Timer::kHold, config_.open_hold_time, now, out);
    return;
  }
  start_timer(Timer::kHold, Duration{seconds{hold_time_}}, now, out);
  start_timer(Timer::kKeepalive, jittered(keepalive_time_, random_), now, out);
}

void Fsm::enter_established(TimePoint now, std::vector<Action>& out) {
  state_ = State::kEstablished;
  established_at_ = now;
  established_since_start_ = true;
  // An authenticated transport (TCP-MD5, GTSM) shows this is the neighbor,
  // not a spoofer: earlier failures stop counting.
  if (config_.authenticated_transport) idle_hold_next_ = config_.idle_hold_time;
  if (hold_time_ == 0) {
    stop_timer(Timer::kHold, out);
  } else {
    restart_hold(now, out);
    // RFC 9687: without keepalives there is no steady output to measure.
    if (const auto d = send_hold_duration(); d > Duration::zero()) start_timer(Timer::kSendHold, d, now, out);
  }
  out.emplace_back(SessionUp{hold_time_, keepalive_time_});
}

void Fsm::send_keepalive(TimePoint now, std::vector<Action>& out) {
  out.emplace_back(SendKeepalive{});
  if (hold_time_ != 0) start_timer(Timer::kKeepalive, jittered(keepalive_time_, random_), now, out);
}

void Fsm::restart_hold(TimePoint now, std::vector<Action>& out) {
  if (hold_time_ != 0) start_timer(Timer::kHold, Duration{seconds{hold_time_}}, now, out);
}

void Fsm::fsm_error(const Event& ev, TimePoint now, std::vector<Action>& out) {
  std::uint8_t subcode = fsm_error::kUnspecified;
  if (is_message(ev.type)) {
    subcode = state_ == State::kOpenSent      ? fsm_error::kUnexpectedInOpenSent
              : state_ == State::kOpenConfirm ? fsm_error::kUnexpectedInOpenConfirm
                                              : fsm_error::kUnexpectedInEstablished;
  }
  teardown({.reason = DownReason::kFsmError, .send = Notify{wire::notify::kFsm, subcode, {}}}, ev, now, out);
}

Notify Fsm::stop_cease(const Event& ev) const {
  if (ev.notify) return *ev.notify;
  // A bare stop: manual means administrative shutdown (RFC 4486); automatic
  // has no better subcode than RFC 4271's plain Cease.
  return make_cease(ev.type == EventType::kManualStop ? cease::kAdminShutdown : cease::kUnspecific);
}

void Fsm::teardown(const Teardown& t, const Event& ev, TimePoint now, std::vector<Action>& out) {
  const bool was_established = state_ == State::kEstablished;
  if (t.send) out.emplace_back(SendNotification{*t.send});
  for (std::size_t i = 0; i < kTimerCount; ++i) stop_timer(static_cast<Timer>(i), out);
  out.emplace_back(DropTcp{});
  if (was_established) out.emplace_back(FlushRoutes{});
  out.emplace_back(ReleaseResources{});

  switch (t.counter) {
    case Counter::kKeep: break;
    case Counter::kZero: connect_retry_counter_ = 0; break;
    case Counter::kIncrement: ++connect_retry_counter_; break;
  }
  SessionDown down{t.reason, ev.type, was_established, t.send, t.received};
  last_down_ = down;
  out.emplace_back(std::move(down));
  state_ = State::kIdle;
  hold_time_ = 0;
  keepalive_time_ = Duration::zero();

  // Back-off: a session that stayed up long enough is not flapping, so the
  // wait starts over; each damped flap doubles the next wait.
  if (was_established && now - established_at_ >= config_.damp_stable_time) {
    idle_hold_next_ = config_.idle_hold_time;
  }
  Duration wait = config_.damp_peer_oscillations ? idle_hold_next_ : config_.idle_hold_time;
  if (t.damp && config_.damp_peer_oscillations) {
    idle_hold_next_ = std::min(idle_hold_next_ * 2, std::max(config_.idle_hold_max, config_.idle_hold_time));
  }
  if (t.wait) wait = *t.wait;

  if (!t.restart) {
    started_ = false;
  } else if (started_ && config_.allow_automatic_start) {
    start_timer(Timer::kIdleHold, jittered(wait, random_), now, out);
  }
}

void Fsm::start_timer(Timer t, Duration d, TimePoint now, std::vector<Action>& out) {
  timers_.start(t, now + d);
  out.emplace_back(StartTimer{t, d});
}

void Fsm::stop_timer(Timer t, std::vector<Action>& out) {
  if (timers_.stop(t)) out.emplace_back(StopTimer{t});
}

void Fsm::arm_connect_retry(TimePoint now, std::vector<Action>& out) {
  // Passive peers never initiate, so a retry timer would only wake us up.
  if (passive_) return;
  start_timer(Timer::kConnectRetry, jittered(config_.connect_retry_time, random_), now, out);
}

Duration Fsm::send_hold_duration() const {
  if (config_.send_hold_time) return *config_.send_hold_time;
  return std::max<Duration>(std::chrono::minutes{8}, Duration{seconds{2 * hold_time_}});
}

}  // namespace cats::session
