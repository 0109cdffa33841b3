// The RFC 4271 §8 finite state machine of one BGP connection: pure, no I/O,
// no clock of its own. The session wrapper feeds it events (administrative,
// TCP, decoded messages, timer expiries) with the current time and performs
// the actions it returns. Timers are deadlines the wrapper reads through
// next_deadline() and turns into events with expire().
//
// Collisions (§6.8) involve two connections, hence two Fsm objects: the
// wrapper asks resolve_collision() (fsm_collision.hpp) which one loses and
// sends that one OpenCollisionDump.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bgp-ext/session/fsm_notify.hpp"
#include "bgp-ext/session/fsm_timers.hpp"
#include "bgp-ext/wire/bytes.hpp"
#include "bgp-ext/wire/error.hpp"

namespace cats::session {

enum class State : std::uint8_t { kIdle, kConnect, kActive, kOpenSent, kOpenConfirm, kEstablished };
const char* state_name(State s);  // "Idle", "OpenSent", ...

// Numbered as RFC 4271 §8.1 (29 from RFC 9687) so that management can report
// them. The last two are ours.
enum class EventType : std::uint8_t {
  kManualStart = 1,
  kManualStop = 2,
  kAutomaticStart = 3,
  kManualStartPassive = 4,     // ManualStart_with_PassiveTcpEstablishment
  kAutomaticStartPassive = 5,  // AutomaticStart_with_PassiveTcpEstablishment
  kAutomaticStartDamp = 6,     // AutomaticStart_with_DampPeerOscillations
  kAutomaticStartDampPassive = 7,
  kAutomaticStop = 8,
  kConnectRetryTimerExpires = 9,
  kHoldTimerExpires = 10,
  kKeepaliveTimerExpires = 11,
  kDelayOpenTimerExpires = 12,
  kIdleHoldTimerExpires = 13,
  kTcpConnectionValid = 14,
  kTcpCrInvalid = 15,
  kTcpCrAcked = 16,
  kTcpConnectionConfirmed = 17,
  kTcpConnectionFails = 18,
  kBgpOpen = 19,
  kBgpOpenWithDelayOpenTimer = 20,  // accepted, handled as 19: the FSM knows whether the timer runs
  kBgpHeaderErr = 21,
  kBgpOpenMsgErr = 22,
  kOpenCollisionDump = 23,
  kNotifMsgVerErr = 24,
  kNotifMsg = 25,
  kKeepAliveMsg = 26,
  kUpdateMsg = 27,
  kUpdateMsgErr = 28,
  kSendHoldTimerExpires = 29,  // RFC 9687
  kRouteRefreshMsg = 64,       // ours: a ROUTE-REFRESH arrived (RFC 2918 adds a message, not an event)
  kSendProgress = 65,          // ours: the transport wrote to the peer (restarts the send hold timer)
};
const char* event_name(EventType e);  // "ManualStart", ...

// What the FSM needs from a received OPEN once negotiation has looked at it.
struct OpenReceived {
  std::uint16_t hold_time = 90;    // negotiated, seconds; 0 = no hold timer, no keepalives
  std::uint16_t keepalive = 0;     // negotiated, seconds; 0 = hold_time / 3
  std::uint32_t peer_id = 0;       // BGP Identifier, host order
  std::optional<Notify> reject{};  // negotiation refused the OPEN: the NOTIFICATION to send
};

struct Event {
  EventType type = EventType::kManualStart;
  OpenReceived open{};                         // kBgpOpen
  std::optional<Notify> notify{};              // errors: what to send; NotifMsg*: what came; stops: the Cease
  wire::Action rfc7606 = wire::Action::kNone;  // kUpdateMsgErr: the codec's verdict
  std::optional<Duration> restart_after{};     // kAutomaticStop: wait this long instead of the back-off

  static Event open_received(std::uint16_t hold_time, std::uint32_t peer_id, std::uint16_t keepalive = 0);
  static Event open_rejected(Notify n, std::uint32_t peer_id = 0);
  static Event header_error(const wire::DecodeError& e);
  static Event open_error(const wire::DecodeError& e);
  static Event update_error(const wire::DecodeError& e);  // carries e.action (RFC 7606)
  static Event notification(std::uint8_t code, std::uint8_t subcode, wire::ByteSpan data = {});  // 24 or 25
  static Event manual_stop(std::string_view shutdown_text = {});  // Cease 6/2 (RFC 9003 text)
  static Event admin_reset(std::string_view text = {});           // ManualStop with Cease 6/4; then ManualStart
  static Event peer_deconfigured();                               // ManualStop with Cease 6/3
  static Event config_changed();                                  // ManualStop with Cease 6/6; then ManualStart
  static Event max_prefix(wire::Bytes data = {}, std::optional<Duration> restart_after = {});  // AutomaticStop 6/1
};

enum class DownReason : std::uint8_t {
  kManualStop,
  kAutomaticStop,
  kTcpFailed,
  kHoldTimerExpired,
  kSendHoldTimerExpired,
  kNotificationReceived,
  kProtocolError,    // we sent a header, OPEN or UPDATE error
  kFsmError,         // we sent a Finite State Machine Error
  kCollision,        // we lost a collision and sent Cease 6/7
  kUnexpectedEvent,  // Connect/Active: RFC 4271 drops without a NOTIFICATION
};
const char* down_reason_name(DownReason r);

// Actions, in the order the wrapper performs them.
struct ConnectTcp {  // initiate the outgoing connection; keep listening
  bool operator==(const ConnectTcp&) const = default;
};
struct DropTcp {  // close this FSM's connection, abort a connect in progress
  bool operator==(const DropTcp&) const = default;
};
struct RejectTcp {  // refuse the connection that raised this TCP event; ours is untouched
  bool operator==(const RejectTcp&) const = default;
};
struct SendOpen {
  bool operator==(const SendOpen&) const = default;
};
struct SendKeepalive {
  bool operator==(const SendKeepalive&) const = default;
};
struct SendNotification {  // then DropTcp follows: flush it before closing
  Notify notify{};
  bool operator==(const SendNotification&) const = default;
};
struct StartTimer {  // informational: next_deadline() already reflects it
  Timer timer = Timer::kHold;
  Duration duration{};
  bool operator==(const StartTimer&) const = default;
};
struct StopTimer {
  Timer timer = Timer::kHold;
  bool operator==(const StopTimer&) const = default;
};
struct DeliverUpdate {  // hand the UPDATE to the RIB, which applies the RFC 7606 action
  wire::Action rfc7606 = wire::Action::kNone;
  bool operator==(const DeliverUpdate&) const = default;
};
struct DeliverRouteRefresh {
  bool operator==(const DeliverRouteRefresh&) const = default;
};
struct FlushRoutes {  // delete every route learned on this connection
  bool operator==(const FlushRoutes&) const = default;
};
struct ReleaseResources {
  bool operator==(const ReleaseResources&) const = default;
};
struct SessionUp {
  std::uint16_t hold_time = 0;
  Duration keepalive{};
  bool operator==(const SessionUp&) const = default;
};
struct SessionDown {  // every fall back to Idle, not only from Established
  DownReason reason = DownReason::kManualStop;
  EventType event = EventType::kManualStop;
  bool was_established = false;
  std::optional<Notify> sent{};
  std::optional<Notify> received{};
  bool operator==(const SessionDown&) const = default;
};

using Action =
    std::variant<ConnectTcp, DropTcp, RejectTcp, SendOpen, SendKeepalive, SendNotification, StartTimer, StopTimer,
                 DeliverUpdate, DeliverRouteRefresh, FlushRoutes, ReleaseResources, SessionUp, SessionDown>;
std::string describe(const Action& a);  // "send-notification 6/2", "start-timer hold 90s", ...

struct Output {
  State from = State::kIdle;
  State state = State::kIdle;
  std::vector<Action> actions{};
};

// Session attributes (RFC 4271 §8). Hold time and keepalive are negotiated
// elsewhere and arrive with the OPEN.
struct FsmConfig {
  Duration connect_retry_time = std::chrono::seconds{120};
  Duration open_hold_time = std::chrono::seconds{240};  // the "large value" of OpenSent
  bool delay_open = false;
  Duration delay_open_time = std::chrono::seconds{5};
  bool allow_automatic_start = true;  // restart from Idle after IdleHoldTime unless stopped manually
  bool damp_peer_oscillations = true;
  Duration idle_hold_time = std::chrono::seconds{30};  // first wait; doubled per flap when damping
  Duration idle_hold_max = std::chrono::seconds{600};
  Duration damp_stable_time = std::chrono::seconds{300};  // Established this long: back-off starts over
  // TCP-MD5 or GTSM protects the session: reaching Established ends the back-off.
  bool authenticated_transport = false;
  bool collision_detect_established = false;
  bool send_notification_without_open = true;
  // RFC 9687. nullopt: max(8 min, 2 x negotiated hold time); zero: off.
  std::optional<Duration> send_hold_time;
};

class Fsm {
 public:
  explicit Fsm(FsmConfig config = {}, RandomSource random = {});

  Output handle(const Event& event, TimePoint now);
  // New timers: each applies from the next time it is started.
  void set_config(const FsmConfig& config) { config_ = config; }
  // Fires every timer due at `now`, in deadline order.
  Output expire(TimePoint now);
  std::optional<TimePoint> next_deadline() const { return timers_.next(); }

  State state() const { return state_; }
  bool passive() const { return passive_; }
  // Idle, started, and never Established since the start: a connection from
  // the neighbor is taken instead of refused (see in_idle).
  bool accepts_in_idle() const {
    return state_ == State::kIdle && started_ && config_.allow_automatic_start && !established_since_start_;
  }
  std::uint32_t connect_retry_counter() const { return connect_retry_counter_; }
  Duration idle_hold_time() const { return idle_hold_next_; }  // the wait after the next flap
  std::uint16_t hold_time() const { return hold_time_; }       // negotiated
  Duration keepalive_time() const { return keepalive_time_; }
  std::uint32_t peer_id() const { return peer_id_; }
  bool timer_running(Timer t) const { return timers_.running(t); }
  std::optional<TimePoint> deadline(Timer t) const { return timers_.deadline(t); }
  const std::optional<SessionDown>& last_down() const { return last_down_; }
  const FsmConfig& config() const { return config_; }

 private:
  enum class Counter : std::uint8_t { kKeep, kZero, kIncrement };
  // One fall back to Idle. The defaults are RFC 4271's usual list: count,
  // damp, and restart automatically after the IdleHoldTimer.
  struct Teardown {
    DownReason reason = DownReason::kUnexpectedEvent;
    std::optional<Notify> send{};
    std::optional<Notify> received{};
    Counter counter = Counter::kIncrement;
    bool damp = true;     // "performs peer oscillation damping"
    bool restart = true;  // false after a manual stop
    std::optional<Duration> wait{};
  };

  void step(const Event& ev, TimePoint now, std::vector<Action>& out);
  void in_idle(const Event& ev, TimePoint now, std::vector<Action>& out);
  void in_connect_or_active(const Event& ev, TimePoint now, std::vector<Action>& out);
  void retry_connect(bool connect, bool delaying, TimePoint now, std::vector<Action>& out);
  void tcp_connected(TimePoint now, std::vector<Action>& out);
  void tcp_failed_before_open(const Event& ev, bool connect, bool delaying, TimePoint now, std::vector<Action>& out);
  void open_while_delaying(const Event& ev, TimePoint now, std::vector<Action>& out);
  void unexpected_before_open(const Event& ev, bool delaying, TimePoint now, std::vector<Action>& out);
  std::optional<Notify> before_open(Notify n, bool connected) const;
  bool in_opening(const Event& ev, TimePoint now, std::vector<Action>& out);
  void in_open_sent(const Event& ev, TimePoint now, std::vector<Action>& out);
  void in_open_confirm(const Event& ev, TimePoint now, std::vector<Action>& out);
  void in_established(const Event& ev, TimePoint now, std::vector<Action>& out);
  bool in_connected(const Event& ev, TimePoint now, std::vector<Action>& out);

  void start(bool passive, bool manual, TimePoint now, std::vector<Action>& out);
  void send_open(TimePoint now, std::vector<Action>& out);
  void accept_open(const OpenReceived& open, TimePoint now, std::vector<Action>& out);
  void enter_established(TimePoint now, std::vector<Action>& out);
  void send_keepalive(TimePoint now, std::vector<Action>& out);
  void restart_hold(TimePoint now, std::vector<Action>& out);
  void teardown(const Teardown& t, const Event& ev, TimePoint now, std::vector<Action>& out);
  void fsm_error(const Event& ev, TimePoint now, std::vector<Action>& out);
  Notify stop_cease(const Event& ev) const;

  void start_timer(Timer t, Duration d, TimePoint now, std::vector<Action>& out);
  void stop_timer(Timer t, std::vector<Action>& out);
  void arm_connect_retry(TimePoint now, std::vector<Action>& out);
  Duration send_hold_duration() const;

  FsmConfig config_;
  RandomSource random_;
  Timers timers_;
  State state_ = State::kIdle;
  bool passive_ = false;
  bool started_ = false;  // a start event is in force (cleared by ManualStop)
  std::uint32_t connect_retry_counter_ = 0;
  Duration idle_hold_next_;
  std::uint16_t hold_time_ = 0;
  Duration keepalive_time_{};
  std::uint32_t peer_id_ = 0;
  TimePoint established_at_{};
  bool established_since_start_ = false;  // reset by a manual start
  std::optional<SessionDown> last_down_;
};

}  // namespace cats::session
