// The RFC 4271 §8 FSM on a manual clock: one table row per (state, event),
// then timers, damping, collisions, passive start and the NOTIFICATIONs.
#include "bgp-ext/session/fsm.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "bgp-ext/session/fsm_collision.hpp"
#include "bgp-ext/wire/header.hpp"
#include "bgp-ext/wire/message.hpp"

namespace cats::session {

// Readable failures (found by ADL from gtest: static, since ADL does not look
// into the anonymous namespace).
static void PrintTo(const Notify& n, std::ostream* os) {
  *os << static_cast<int>(n.code) << "/" << static_cast<int>(n.subcode) << " +" << n.data.size() << " octets";
}
static void PrintTo(State s, std::ostream* os) {
  *os << state_name(s);
}

namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint{} + 1000s;
constexpr std::uint32_t kPeerId = 0x0a000002;

// Deadlines as offsets from kT0, so that failures print readably.
std::optional<Duration> since_t0(std::optional<TimePoint> t) {
  if (!t) return std::nullopt;
  return std::chrono::duration_cast<Duration>(*t - kT0);
}

FsmConfig test_config() {
  FsmConfig c;
  c.connect_retry_time = 10s;
  c.open_hold_time = 240s;
  c.delay_open_time = 2s;
  c.idle_hold_time = 1s;
  c.idle_hold_max = 8s;
  c.damp_stable_time = 60s;
  return c;
}

// The actions in order, StopTimer left out (teardowns stop every timer).
std::string summary(const std::vector<Action>& actions) {
  std::string s;
  for (const auto& a : actions) {
    if (std::holds_alternative<StopTimer>(a)) continue;
    if (!s.empty()) s += ", ";
    s += describe(a);
  }
  return s;
}

template <typename T>
std::vector<T> all_of(const std::vector<Action>& actions) {
  std::vector<T> out;
  for (const auto& a : actions) {
    if (const auto* x = std::get_if<T>(&a)) out.push_back(*x);
  }
  return out;
}

template <typename T>
std::optional<T> first_of(const std::vector<Action>& actions) {
  auto v = all_of<T>(actions);
  if (v.empty()) return std::nullopt;
  return v.front();
}

std::optional<Notify> sent_notification(const std::vector<Action>& actions) {
  auto n = first_of<SendNotification>(actions);
  if (!n) return std::nullopt;
  return n->notify;
}

wire::Bytes bytes(std::initializer_list<int> v) {
  wire::Bytes b;
  for (int x : v) b.push_back(static_cast<std::byte>(x));
  return b;
}

// A representative event of each type, with the payload it would carry.
Event event(EventType t) {
  switch (t) {
    case EventType::kBgpOpen:
    case EventType::kBgpOpenWithDelayOpenTimer: {
      auto e = Event::open_received(9, kPeerId);
      e.type = t;
      return e;
    }
    case EventType::kBgpHeaderErr: {
      Event e{t};
      e.notify = Notify{1, 2, bytes({0x00, 0x12})};
      return e;
    }
    case EventType::kBgpOpenMsgErr: {
      Event e{t};
      e.notify = Notify{2, 2, {}};
      return e;
    }
    case EventType::kNotifMsg: return Event::notification(6, 2);
    case EventType::kNotifMsgVerErr: return Event::notification(2, 1, bytes({0x00, 0x04}));
    case EventType::kUpdateMsgErr: {
      Event e{t};
      e.notify = Notify{3, 1, {}};
      e.rfc7606 = wire::Action::kSessionReset;
      return e;
    }
    case EventType::kAutomaticStop: return Event::max_prefix();
    case EventType::kManualStop: return Event::manual_stop();
    default: return Event{t};
  }
}

const EventType kAllEvents[] = {
    EventType::kManualStart,
    EventType::kManualStop,
    EventType::kAutomaticStart,
    EventType::kManualStartPassive,
    EventType::kAutomaticStartPassive,
    EventType::kAutomaticStartDamp,
    EventType::kAutomaticStartDampPassive,
    EventType::kAutomaticStop,
    EventType::kConnectRetryTimerExpires,
    EventType::kHoldTimerExpires,
    EventType::kKeepaliveTimerExpires,
    EventType::kDelayOpenTimerExpires,
    EventType::kIdleHoldTimerExpires,
    EventType::kTcpConnectionValid,
    EventType::kTcpCrInvalid,
    EventType::kTcpCrAcked,
    EventType::kTcpConnectionConfirmed,
    EventType::kTcpConnectionFails,
    EventType::kBgpOpen,
    EventType::kBgpOpenWithDelayOpenTimer,
    EventType::kBgpHeaderErr,
    EventType::kBgpOpenMsgErr,
    EventType::kOpenCollisionDump,
    EventType::kNotifMsgVerErr,
    EventType::kNotifMsg,
    EventType::kKeepAliveMsg,
    EventType::kUpdateMsg,
    EventType::kUpdateMsgErr,
    EventType::kSendHoldTimerExpires,
    EventType::kRouteRefreshMsg,
    EventType::kSendProgress,
};

// Where a table row starts. The variants are the same RFC states with an
// optional attribute in force.
enum class From {
  kIdle,         // never started
  kIdleWaiting,  // fell back once, IdleHoldTimer pending (counter 1), never Established
  kIdleAfterUp,  // was Established, IdleHoldTimer pending
  kConnect,
  kConnectDelay,  // DelayOpen: TCP up, our OPEN held back
  kActive,        // active mode, after a failed connection in OpenSent
  kPassive,       // PassiveTcpEstablishment
  kActiveDelay,   // passive, DelayOpen running
  kOpenSent,
  kOpenConfirm,
  kEstablished,
};

const char* from_name(From f) {
  switch (f) {
    case From::kIdle: return "Idle";
    case From::kIdleWaiting: return "IdleWaiting";
    case From::kIdleAfterUp: return "IdleAfterUp";
    case From::kConnect: return "Connect";
    case From::kConnectDelay: return "ConnectDelayOpen";
    case From::kActive: return "Active";
    case From::kPassive: return "ActivePassive";
    case From::kActiveDelay: return "ActiveDelayOpen";
    case From::kOpenSent: return "OpenSent";
    case From::kOpenConfirm: return "OpenConfirm";
    case From::kEstablished: return "Established";
  }
  return "?";
}

// Drives a fresh FSM into `from` at kT0.
Fsm make(From from, FsmConfig cfg = test_config()) {
  if (from == From::kConnectDelay || from == From::kActiveDelay) cfg.delay_open = true;
  Fsm f(cfg);
  auto go = [&](const Event& e) { f.handle(e, kT0); };
  switch (from) {
    case From::kIdle: break;
    case From::kIdleWaiting:
      go(Event{EventType::kManualStart});
      go(Event{EventType::kTcpCrAcked});
      go(Event{EventType::kHoldTimerExpires});
      break;
    case From::kIdleAfterUp:
      go(Event{EventType::kManualStart});
      go(Event{EventType::kTcpCrAcked});
      go(Event::open_received(9, kPeerId));
      go(Event{EventType::kKeepAliveMsg});
      go(Event{EventType::kHoldTimerExpires});
      break;
    case From::kConnect: go(Event{EventType::kManualStart}); break;
    case From::kConnectDelay:
      go(Event{EventType::kManualStart});
      go(Event{EventType::kTcpCrAcked});
      break;
    case From::kActive:
      go(Event{EventType::kManualStart});
      go(Event{EventType::kTcpCrAcked});
      go(Event{EventType::kTcpConnectionFails});
      break;
    case From::kPassive: go(Event{EventType::kManualStartPassive}); break;
    case From::kActiveDelay:
      go(Event{EventType::kManualStartPassive});
      go(Event{EventType::kTcpConnectionConfirmed});
      break;
    case From::kOpenSent:
      go(Event{EventType::kManualStart});
      go(Event{EventType::kTcpCrAcked});
      break;
    case From::kOpenConfirm:
      go(Event{EventType::kManualStart});
      go(Event{EventType::kTcpCrAcked});
      go(Event::open_received(9, kPeerId));
      break;
    case From::kEstablished:
      go(Event{EventType::kManualStart});
      go(Event{EventType::kTcpCrAcked});
      go(Event::open_received(9, kPeerId));
      go(Event{EventType::kKeepAliveMsg});
      break;
  }
  return f;
}

State state_of(From f) {
  switch (f) {
    case From::kIdle:
    case From::kIdleWaiting:
    case From::kIdleAfterUp: return State::kIdle;
    case From::kConnect:
    case From::kConnectDelay: return State::kConnect;
    case From::kActive:
    case From::kPassive:
    case From::kActiveDelay: return State::kActive;
    case From::kOpenSent: return State::kOpenSent;
    case From::kOpenConfirm: return State::kOpenConfirm;
    case From::kEstablished: return State::kEstablished;
  }
  return State::kIdle;
}

struct Row {
  From from;
  EventType type;
  State next;
  std::string actions;  // summary(): every action but StopTimer, in order
  std::uint32_t counter;
  std::string variant = {};  // a second row for the same pair
  std::optional<Event> custom = {};
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << from_name(r.from) << " + " << event_name(r.type) << r.variant;
}

using S = State;
using E = EventType;

// Expected summaries, spelled once.
const std::string kIdleHold = ", start-timer idle-hold 1s";
std::string down(const std::string& reason, bool established = false, bool restart = true) {
  return std::string("drop, ") + (established ? "flush-routes, " : "") + "release, session-down " + reason +
         (restart ? kIdleHold : "");
}
std::string notify_down(const std::string& code, const std::string& reason, bool established = false,
                        bool restart = true) {
  return "send-notification " + code + ", " + down(reason, established, restart);
}
const std::string kStartActive = "start-timer connect-retry 10s, connect";
const std::string kSendOpen = "send-open, start-timer hold 240s";
const std::string kToOpenConfirm = "send-keepalive, start-timer hold 9s, start-timer keepalive 3s";
const std::string kUnexpected = down("unexpected-event");

std::vector<Row> idle_rows() {
  std::vector<Row> rows;
  for (auto t : kAllEvents) rows.push_back({From::kIdle, t, S::kIdle, "", 0});
  auto set = [&](E t, S next, const std::string& actions) {
    for (auto& r : rows) {
      if (r.type == t) {
        r.next = next;
        r.actions = actions;
      }
    }
  };
  set(E::kManualStart, S::kConnect, kStartActive);
  set(E::kAutomaticStart, S::kConnect, kStartActive);
  set(E::kAutomaticStartDamp, S::kConnect, kStartActive);
  set(E::kManualStartPassive, S::kActive, "");
  set(E::kAutomaticStartPassive, S::kActive, "");
  set(E::kAutomaticStartDampPassive, S::kActive, "");
  for (auto t : {E::kTcpConnectionValid, E::kTcpCrInvalid, E::kTcpCrAcked, E::kTcpConnectionConfirmed}) {
    set(t, S::kIdle, "reject");
  }
  return rows;
}

std::vector<Row> connect_rows() {
  return {
      {From::kConnect, E::kManualStart, S::kConnect, "", 0},
      {From::kConnect, E::kManualStop, S::kIdle, down("manual-stop", false, false), 0},
      {From::kConnect, E::kAutomaticStart, S::kConnect, "", 0},
      {From::kConnect, E::kManualStartPassive, S::kConnect, "", 0},
      {From::kConnect, E::kAutomaticStartPassive, S::kConnect, "", 0},
      {From::kConnect, E::kAutomaticStartDamp, S::kConnect, "", 0},
      {From::kConnect, E::kAutomaticStartDampPassive, S::kConnect, "", 0},
      {From::kConnect, E::kAutomaticStop, S::kIdle, down("automatic-stop"), 1},
      {From::kConnect, E::kConnectRetryTimerExpires, S::kConnect, "drop, " + kStartActive, 0},
      {From::kConnect, E::kHoldTimerExpires, S::kIdle, kUnexpected, 1},
      {From::kConnect, E::kKeepaliveTimerExpires, S::kIdle, kUnexpected, 1},
      {From::kConnect, E::kDelayOpenTimerExpires, S::kOpenSent, kSendOpen, 0},
      {From::kConnect, E::kIdleHoldTimerExpires, S::kIdle, kUnexpected, 1},
      {From::kConnect, E::kTcpConnectionValid, S::kConnect, "", 0},
      {From::kConnect, E::kTcpCrInvalid, S::kConnect, "reject", 0},
      {From::kConnect, E::kTcpCrAcked, S::kOpenSent, kSendOpen, 0},
      {From::kConnect, E::kTcpConnectionConfirmed, S::kOpenSent, kSendOpen, 0},
      {From::kConnect, E::kTcpConnectionFails, S::kIdle, down("tcp-failed"), 0},
      {From::kConnect, E::kBgpOpen, S::kIdle, kUnexpected, 1},
      {From::kConnect, E::kBgpOpenWithDelayOpenTimer, S::kIdle, kUnexpected, 1},
      {From::kConnect, E::kBgpHeaderErr, S::kIdle, notify_down("1/2", "protocol-error"), 1},
      {From::kConnect, E::kBgpOpenMsgErr, S::kIdle, notify_down("2/2", "protocol-error"), 1},
      {From::kConnect, E::kOpenCollisionDump, S::kIdle, kUnexpected, 1},
      {From::kConnect, E::kNotifMsgVerErr, S::kIdle, down("notification-received (received 2/1)"), 1},
      {From::kConnect, E::kNotifMsg, S::kIdle, down("notification-received (received 6/2)"), 1},
      {From::kConnect, E::kKeepAliveMsg, S::kIdle, kUnexpected, 1},
      {From::kConnect, E::kUpdateMsg, S::kIdle, kUnexpected, 1},
      {From::kConnect, E::kUpdateMsgErr, S::kIdle, kUnexpected, 1},
      {From::kConnect, E::kSendHoldTimerExpires, S::kConnect, "", 0},
      {From::kConnect, E::kRouteRefreshMsg, S::kIdle, kUnexpected, 1},
      {From::kConnect, E::kSendProgress, S::kConnect, "", 0},
  };
}

std::vector<Row> active_rows() {
  return {
      {From::kActive, E::kManualStart, S::kActive, "", 0},
      {From::kActive, E::kManualStop, S::kIdle, down("manual-stop", false, false), 0},
      {From::kActive, E::kAutomaticStart, S::kActive, "", 0},
      {From::kActive, E::kManualStartPassive, S::kActive, "", 0},
      {From::kActive, E::kAutomaticStartPassive, S::kActive, "", 0},
      {From::kActive, E::kAutomaticStartDamp, S::kActive, "", 0},
      {From::kActive, E::kAutomaticStartDampPassive, S::kActive, "", 0},
      {From::kActive, E::kAutomaticStop, S::kIdle, down("automatic-stop"), 1},
      {From::kActive, E::kConnectRetryTimerExpires, S::kConnect, kStartActive, 0},
      {From::kActive, E::kHoldTimerExpires, S::kIdle, kUnexpected, 1},
      {From::kActive, E::kKeepaliveTimerExpires, S::kIdle, kUnexpected, 1},
      {From::kActive, E::kDelayOpenTimerExpires, S::kOpenSent, kSendOpen, 0},
      {From::kActive, E::kIdleHoldTimerExpires, S::kIdle, kUnexpected, 1},
      {From::kActive, E::kTcpConnectionValid, S::kActive, "", 0},
      {From::kActive, E::kTcpCrInvalid, S::kActive, "reject", 0},
      {From::kActive, E::kTcpCrAcked, S::kOpenSent, kSendOpen, 0},
      {From::kActive, E::kTcpConnectionConfirmed, S::kOpenSent, kSendOpen, 0},
      {From::kActive, E::kTcpConnectionFails, S::kIdle, down("tcp-failed"), 1},
      {From::kActive, E::kBgpOpen, S::kIdle, kUnexpected, 1},
      {From::kActive, E::kBgpOpenWithDelayOpenTimer, S::kIdle, kUnexpected, 1},
      {From::kActive, E::kBgpHeaderErr, S::kIdle, notify_down("1/2", "protocol-error"), 1},
      {From::kActive, E::kBgpOpenMsgErr, S::kIdle, notify_down("2/2", "protocol-error"), 1},
      {From::kActive, E::kOpenCollisionDump, S::kIdle, kUnexpected, 1},
      {From::kActive, E::kNotifMsgVerErr, S::kIdle, down("notification-received (received 2/1)"), 1},
      {From::kActive, E::kNotifMsg, S::kIdle, down("notification-received (received 6/2)"), 1},
      {From::kActive, E::kKeepAliveMsg, S::kIdle, kUnexpected, 1},
      {From::kActive, E::kUpdateMsg, S::kIdle, kUnexpected, 1},
      {From::kActive, E::kUpdateMsgErr, S::kIdle, kUnexpected, 1},
      {From::kActive, E::kSendHoldTimerExpires, S::kActive, "", 0},
      {From::kActive, E::kRouteRefreshMsg, S::kIdle, kUnexpected, 1},
      {From::kActive, E::kSendProgress, S::kActive, "", 0},
  };
}

std::vector<Row> open_sent_rows() {
  const auto fsm5_0 = notify_down("5/0", "fsm-error");
  const auto fsm5_1 = notify_down("5/1", "fsm-error");
  return {
      {From::kOpenSent, E::kManualStart, S::kOpenSent, "", 0},
      {From::kOpenSent, E::kManualStop, S::kIdle, notify_down("6/2", "manual-stop", false, false), 0},
      {From::kOpenSent, E::kAutomaticStart, S::kOpenSent, "", 0},
      {From::kOpenSent, E::kManualStartPassive, S::kOpenSent, "", 0},
      {From::kOpenSent, E::kAutomaticStartPassive, S::kOpenSent, "", 0},
      {From::kOpenSent, E::kAutomaticStartDamp, S::kOpenSent, "", 0},
      {From::kOpenSent, E::kAutomaticStartDampPassive, S::kOpenSent, "", 0},
      {From::kOpenSent, E::kAutomaticStop, S::kIdle, notify_down("6/1", "automatic-stop"), 1},
      {From::kOpenSent, E::kConnectRetryTimerExpires, S::kIdle, fsm5_0, 1},
      {From::kOpenSent, E::kHoldTimerExpires, S::kIdle, notify_down("4/0", "hold-timer-expired"), 1},
      {From::kOpenSent, E::kKeepaliveTimerExpires, S::kIdle, fsm5_0, 1},
      {From::kOpenSent, E::kDelayOpenTimerExpires, S::kIdle, fsm5_0, 1},
      {From::kOpenSent, E::kIdleHoldTimerExpires, S::kIdle, fsm5_0, 1},
      {From::kOpenSent, E::kTcpConnectionValid, S::kOpenSent, "", 0},
      {From::kOpenSent, E::kTcpCrInvalid, S::kOpenSent, "reject", 0},
      {From::kOpenSent, E::kTcpCrAcked, S::kOpenSent, "", 0},
      {From::kOpenSent, E::kTcpConnectionConfirmed, S::kOpenSent, "", 0},
      {From::kOpenSent, E::kTcpConnectionFails, S::kActive, "drop, start-timer connect-retry 10s", 0},
      {From::kOpenSent, E::kBgpOpen, S::kOpenConfirm, kToOpenConfirm, 0},
      {From::kOpenSent, E::kBgpOpenWithDelayOpenTimer, S::kOpenConfirm, kToOpenConfirm, 0},
      {From::kOpenSent, E::kBgpHeaderErr, S::kIdle, notify_down("1/2", "protocol-error"), 1},
      {From::kOpenSent, E::kBgpOpenMsgErr, S::kIdle, notify_down("2/2", "protocol-error"), 1},
      {From::kOpenSent, E::kOpenCollisionDump, S::kIdle, notify_down("6/7", "collision"), 1},
      {From::kOpenSent, E::kNotifMsgVerErr, S::kIdle, down("notification-received (received 2/1)"), 0},
      {From::kOpenSent, E::kNotifMsg, S::kIdle, down("notification-received (received 6/2)"), 1},
      {From::kOpenSent, E::kKeepAliveMsg, S::kIdle, fsm5_1, 1},
      {From::kOpenSent, E::kUpdateMsg, S::kIdle, fsm5_1, 1},
      {From::kOpenSent, E::kUpdateMsgErr, S::kIdle, fsm5_1, 1},
      {From::kOpenSent, E::kSendHoldTimerExpires, S::kIdle, down("send-hold-timer-expired"), 1},
      {From::kOpenSent, E::kRouteRefreshMsg, S::kIdle, fsm5_1, 1},
      {From::kOpenSent, E::kSendProgress, S::kOpenSent, "", 0},
  };
}

std::vector<Row> open_confirm_rows() {
  const auto fsm5_0 = notify_down("5/0", "fsm-error");
  const auto fsm5_2 = notify_down("5/2", "fsm-error");
  return {
      {From::kOpenConfirm, E::kManualStart, S::kOpenConfirm, "", 0},
      {From::kOpenConfirm, E::kManualStop, S::kIdle, notify_down("6/2", "manual-stop", false, false), 0},
      {From::kOpenConfirm, E::kAutomaticStart, S::kOpenConfirm, "", 0},
      {From::kOpenConfirm, E::kManualStartPassive, S::kOpenConfirm, "", 0},
      {From::kOpenConfirm, E::kAutomaticStartPassive, S::kOpenConfirm, "", 0},
      {From::kOpenConfirm, E::kAutomaticStartDamp, S::kOpenConfirm, "", 0},
      {From::kOpenConfirm, E::kAutomaticStartDampPassive, S::kOpenConfirm, "", 0},
      {From::kOpenConfirm, E::kAutomaticStop, S::kIdle, notify_down("6/1", "automatic-stop"), 1},
      {From::kOpenConfirm, E::kConnectRetryTimerExpires, S::kIdle, fsm5_0, 1},
      {From::kOpenConfirm, E::kHoldTimerExpires, S::kIdle, notify_down("4/0", "hold-timer-expired"), 1},
      {From::kOpenConfirm, E::kKeepaliveTimerExpires, S::kOpenConfirm, "send-keepalive, start-timer keepalive 3s", 0},
      {From::kOpenConfirm, E::kDelayOpenTimerExpires, S::kIdle, fsm5_0, 1},
      {From::kOpenConfirm, E::kIdleHoldTimerExpires, S::kIdle, fsm5_0, 1},
      {From::kOpenConfirm, E::kTcpConnectionValid, S::kOpenConfirm, "", 0},
      {From::kOpenConfirm, E::kTcpCrInvalid, S::kOpenConfirm, "reject", 0},
      {From::kOpenConfirm, E::kTcpCrAcked, S::kOpenConfirm, "", 0},
      {From::kOpenConfirm, E::kTcpConnectionConfirmed, S::kOpenConfirm, "", 0},
      {From::kOpenConfirm, E::kTcpConnectionFails, S::kIdle, down("tcp-failed"), 1},
      {From::kOpenConfirm, E::kBgpOpen, S::kIdle, fsm5_2, 1},
      {From::kOpenConfirm, E::kBgpOpenWithDelayOpenTimer, S::kIdle, fsm5_2, 1},
      {From::kOpenConfirm, E::kBgpHeaderErr, S::kIdle, notify_down("1/2", "protocol-error"), 1},
      {From::kOpenConfirm, E::kBgpOpenMsgErr, S::kIdle, notify_down("2/2", "protocol-error"), 1},
      {From::kOpenConfirm, E::kOpenCollisionDump, S::kIdle, notify_down("6/7", "collision"), 1},
      {From::kOpenConfirm, E::kNotifMsgVerErr, S::kIdle, down("notification-received (received 2/1)"), 0},
      {From::kOpenConfirm, E::kNotifMsg, S::kIdle, down("notification-received (received 6/2)"), 1},
      {From::kOpenConfirm, E::kKeepAliveMsg, S::kEstablished,
       "start-timer hold 9s, start-timer send-hold 480s, session-up", 0},
      {From::kOpenConfirm, E::kUpdateMsg, S::kIdle, fsm5_2, 1},
      {From::kOpenConfirm, E::kUpdateMsgErr, S::kIdle, fsm5_2, 1},
      {From::kOpenConfirm, E::kSendHoldTimerExpires, S::kIdle, down("send-hold-timer-expired"), 1},
      {From::kOpenConfirm, E::kRouteRefreshMsg, S::kIdle, fsm5_2, 1},
      {From::kOpenConfirm, E::kSendProgress, S::kOpenConfirm, "", 0},
  };
}

std::vector<Row> established_rows() {
  const auto fsm5_0 = notify_down("5/0", "fsm-error", true);
  const auto fsm5_3 = notify_down("5/3", "fsm-error", true);
  wire::DecodeError withdraw{wire::Action::kTreatAsWithdraw, 3, 9, 255, "cats-exp framing", {}};
  wire::DecodeError discard{wire::Action::kAttributeDiscard, 3, 5, 7, "aggregator length", {}};
  return {
      {From::kEstablished, E::kManualStart, S::kEstablished, "", 0},
      {From::kEstablished, E::kManualStop, S::kIdle, notify_down("6/2", "manual-stop", true, false), 0},
      {From::kEstablished, E::kAutomaticStart, S::kEstablished, "", 0},
      {From::kEstablished, E::kManualStartPassive, S::kEstablished, "", 0},
      {From::kEstablished, E::kAutomaticStartPassive, S::kEstablished, "", 0},
      {From::kEstablished, E::kAutomaticStartDamp, S::kEstablished, "", 0},
      {From::kEstablished, E::kAutomaticStartDampPassive, S::kEstablished, "", 0},
      {From::kEstablished, E::kAutomaticStop, S::kIdle, notify_down("6/1", "automatic-stop", true), 1},
      {From::kEstablished, E::kConnectRetryTimerExpires, S::kIdle, fsm5_0, 1},
      {From::kEstablished, E::kHoldTimerExpires, S::kIdle, notify_down("4/0", "hold-timer-expired", true), 1},
      {From::kEstablished, E::kKeepaliveTimerExpires, S::kEstablished, "send-keepalive, start-timer keepalive 3s", 0},
      {From::kEstablished, E::kDelayOpenTimerExpires, S::kIdle, fsm5_0, 1},
      {From::kEstablished, E::kIdleHoldTimerExpires, S::kIdle, fsm5_0, 1},
      {From::kEstablished, E::kTcpConnectionValid, S::kEstablished, "", 0},
      {From::kEstablished, E::kTcpCrInvalid, S::kEstablished, "reject", 0},
      {From::kEstablished, E::kTcpCrAcked, S::kEstablished, "", 0},
      {From::kEstablished, E::kTcpConnectionConfirmed, S::kEstablished, "", 0},
      {From::kEstablished, E::kTcpConnectionFails, S::kIdle, down("tcp-failed", true), 1},
      {From::kEstablished, E::kBgpOpen, S::kIdle, fsm5_3, 1},
      {From::kEstablished, E::kBgpOpenWithDelayOpenTimer, S::kIdle, fsm5_3, 1},
      {From::kEstablished, E::kBgpHeaderErr, S::kIdle, notify_down("1/2", "protocol-error", true), 1},
      {From::kEstablished, E::kBgpOpenMsgErr, S::kIdle, fsm5_3, 1},
      {From::kEstablished, E::kOpenCollisionDump, S::kEstablished, "", 0},
      {From::kEstablished, E::kNotifMsgVerErr, S::kIdle, down("notification-received (received 2/1)", true), 1},
      {From::kEstablished, E::kNotifMsg, S::kIdle, down("notification-received (received 6/2)", true), 1},
      {From::kEstablished, E::kKeepAliveMsg, S::kEstablished, "start-timer hold 9s", 0},
      {From::kEstablished, E::kUpdateMsg, S::kEstablished, "deliver-update, start-timer hold 9s", 0},
      {From::kEstablished, E::kUpdateMsgErr, S::kIdle, notify_down("3/1", "protocol-error", true), 1},
      {From::kEstablished, E::kUpdateMsgErr, S::kEstablished, "deliver-update treat-as-withdraw, start-timer hold 9s",
       0, "_treat_as_withdraw", Event::update_error(withdraw)},
      {From::kEstablished, E::kUpdateMsgErr, S::kEstablished, "deliver-update attribute-discard, start-timer hold 9s",
       0, "_attribute_discard", Event::update_error(discard)},
      {From::kEstablished, E::kSendHoldTimerExpires, S::kIdle, down("send-hold-timer-expired", true), 1},
      {From::kEstablished, E::kRouteRefreshMsg, S::kEstablished, "deliver-route-refresh, start-timer hold 9s", 0},
      {From::kEstablished, E::kSendProgress, S::kEstablished, "start-timer send-hold 480s", 0},
  };
}

// The same RFC states with DelayOpen or PassiveTcpEstablishment in force,
// and Idle with an automatic restart pending: only the rows that differ.
std::vector<Row> attribute_rows() {
  const auto to_confirm_delayed = "send-open, " + kToOpenConfirm;
  return {
      {From::kConnectDelay, E::kManualStop, S::kIdle, notify_down("6/2", "manual-stop", false, false), 0},
      {From::kConnectDelay, E::kAutomaticStop, S::kIdle, notify_down("6/1", "automatic-stop"), 1},
      {From::kConnectDelay, E::kConnectRetryTimerExpires, S::kConnect, "drop, " + kStartActive, 0},
      {From::kConnectDelay, E::kDelayOpenTimerExpires, S::kOpenSent, kSendOpen, 0},
      {From::kConnectDelay, E::kTcpConnectionFails, S::kActive, "drop, start-timer connect-retry 10s", 0},
      {From::kConnectDelay, E::kBgpOpen, S::kOpenConfirm, to_confirm_delayed, 0},
      {From::kConnectDelay, E::kBgpOpenWithDelayOpenTimer, S::kOpenConfirm, to_confirm_delayed, 0},
      {From::kConnectDelay, E::kBgpHeaderErr, S::kIdle, notify_down("1/2", "protocol-error"), 1},
      {From::kConnectDelay, E::kNotifMsgVerErr, S::kIdle, down("notification-received (received 2/1)"), 0},
      {From::kConnectDelay, E::kNotifMsg, S::kIdle, down("notification-received (received 6/2)"), 1},
      {From::kConnectDelay, E::kKeepAliveMsg, S::kIdle, kUnexpected, 1},
      {From::kActiveDelay, E::kManualStop, S::kIdle, notify_down("6/2", "manual-stop", false, false), 0},
      {From::kActiveDelay, E::kConnectRetryTimerExpires, S::kActive, "", 0},
      {From::kActiveDelay, E::kDelayOpenTimerExpires, S::kOpenSent, kSendOpen, 0},
      {From::kActiveDelay, E::kTcpConnectionFails, S::kIdle, down("tcp-failed"), 1},
      {From::kActiveDelay, E::kBgpOpen, S::kOpenConfirm, to_confirm_delayed, 0},
      {From::kActiveDelay, E::kNotifMsgVerErr, S::kIdle, down("notification-received (received 2/1)"), 0},
      {From::kPassive, E::kManualStart, S::kActive, "", 0},
      {From::kPassive, E::kConnectRetryTimerExpires, S::kActive, "", 0},
      {From::kPassive, E::kTcpConnectionConfirmed, S::kOpenSent, kSendOpen, 0},
      {From::kPassive, E::kTcpConnectionFails, S::kIdle, down("tcp-failed"), 1},
      {From::kPassive, E::kBgpOpen, S::kIdle, kUnexpected, 1},
      {From::kIdleWaiting, E::kManualStart, S::kConnect, kStartActive, 0},
      {From::kIdleWaiting, E::kManualStop, S::kIdle, "", 1},
      {From::kIdleWaiting, E::kAutomaticStart, S::kIdle, "", 1},
      {From::kIdleWaiting, E::kAutomaticStartPassive, S::kIdle, "", 1},
      {From::kIdleWaiting, E::kManualStartPassive, S::kActive, "", 0},
      {From::kIdleWaiting, E::kIdleHoldTimerExpires, S::kConnect, kStartActive, 0},
      // Deviation: never Established since the start, so the neighbor's
      // connection is taken during the idle hold; after a session was up it is not.
      {From::kIdleWaiting, E::kTcpCrAcked, S::kOpenSent, kSendOpen, 1},
      {From::kIdleWaiting, E::kTcpConnectionConfirmed, S::kOpenSent, kSendOpen, 1},
      {From::kIdleAfterUp, E::kTcpCrAcked, S::kIdle, "reject", 1},
      {From::kIdleAfterUp, E::kTcpConnectionConfirmed, S::kIdle, "reject", 1},
      {From::kIdleWaiting, E::kUpdateMsg, S::kIdle, "", 1},
  };
}

std::vector<Row> all_rows() {
  std::vector<Row> rows;
  for (auto part : {idle_rows(), connect_rows(), active_rows(), open_sent_rows(), open_confirm_rows(),
                    established_rows(), attribute_rows()}) {
    rows.insert(rows.end(), part.begin(), part.end());
  }
  return rows;
}

class FsmTable : public ::testing::TestWithParam<Row> {};

TEST_P(FsmTable, Transition) {
  const Row& r = GetParam();
  Fsm f = make(r.from);
  ASSERT_EQ(f.state(), state_of(r.from)) << "fixture";
  const Event ev = r.custom ? *r.custom : event(r.type);
  ASSERT_EQ(ev.type, r.type);
  const Output out = f.handle(ev, kT0 + 1s);
  EXPECT_EQ(out.from, state_of(r.from));
  EXPECT_EQ(state_name(out.state), std::string(state_name(r.next)));
  EXPECT_EQ(f.state(), out.state);
  EXPECT_EQ(summary(out.actions), r.actions);
  EXPECT_EQ(f.connect_retry_counter(), r.counter);
  // Idle keeps no timer but the IdleHoldTimer; a SessionDown always says why.
  if (out.state == State::kIdle) {
    for (auto t : {Timer::kConnectRetry, Timer::kHold, Timer::kKeepalive, Timer::kDelayOpen, Timer::kSendHold}) {
      EXPECT_FALSE(f.timer_running(t)) << timer_name(t);
    }
  }
  if (auto d = first_of<SessionDown>(out.actions)) {
    EXPECT_EQ(d->event, r.type);
    EXPECT_EQ(f.last_down(), d);
    EXPECT_EQ(d->sent, sent_notification(out.actions));
  }
}

std::string row_name(const ::testing::TestParamInfo<Row>& info) {
  std::string s = std::string(from_name(info.param.from)) + "_" + event_name(info.param.type) + info.param.variant;
  std::replace_if(
      s.begin(), s.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return s;
}

INSTANTIATE_TEST_SUITE_P(Rfc4271, FsmTable, ::testing::ValuesIn(all_rows()), row_name);

// Every main state has a row for every event.
TEST(FsmTableCoverage, EveryStateTimesEveryEvent) {
  const auto rows = all_rows();
  for (auto from :
       {From::kIdle, From::kConnect, From::kActive, From::kOpenSent, From::kOpenConfirm, From::kEstablished}) {
    for (auto t : kAllEvents) {
      const bool found =
          std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return r.from == from && r.type == t; });
      EXPECT_TRUE(found) << from_name(from) << " + " << event_name(t);
    }
  }
}

// ---- timers on a manual clock -----------------------------------------------

TEST(FsmTimers, OpenSentWaitsFourMinutesForTheOpen) {
  Fsm f = make(From::kOpenSent);
  EXPECT_EQ(since_t0(f.deadline(Timer::kHold)), 240s);
  EXPECT_EQ(since_t0(f.next_deadline()), 240s);
  EXPECT_TRUE(f.expire(kT0 + 239s).actions.empty());
  const auto out = f.expire(kT0 + 240s);
  EXPECT_EQ(out.state, State::kIdle);
  EXPECT_EQ(sent_notification(out.actions), (Notify{4, 0, {}}));
  EXPECT_EQ(f.last_down()->reason, DownReason::kHoldTimerExpired);
  EXPECT_EQ(f.last_down()->event, EventType::kHoldTimerExpires);
}

TEST(FsmTimers, KeepalivesEveryThirdOfTheHoldTime) {
  Fsm f(test_config());
  f.handle(Event{EventType::kManualStart}, kT0);
  f.handle(Event{EventType::kTcpCrAcked}, kT0);
  f.handle(Event::open_received(90, kPeerId), kT0);
  f.handle(Event{EventType::kKeepAliveMsg}, kT0);
  ASSERT_EQ(f.state(), State::kEstablished);
  EXPECT_EQ(f.keepalive_time(), 30s);

  // The peer's KEEPALIVEs arrive every 20 s; ours must go out every 30 s.
  std::vector<TimePoint> sent;
  TimePoint now = kT0;
  TimePoint next_peer = kT0 + 20s;
  while (now < kT0 + 300s) {
    const TimePoint next = std::min(*f.next_deadline(), next_peer);
    now = next;
    if (now == next_peer) {
      f.handle(Event{EventType::kKeepAliveMsg}, now);
      next_peer += 20s;
    }
    for (const auto& a : f.expire(now).actions) {
      if (std::holds_alternative<SendKeepalive>(a)) sent.push_back(now);
    }
    ASSERT_EQ(f.state(), State::kEstablished);
  }
  ASSERT_EQ(sent.size(), 10u);
  for (std::size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(sent[i] - kT0, 30s * (i + 1)) << i;
}

TEST(FsmTimers, HoldTimerExpirySends4_0AndGoesIdle) {
  Fsm f = make(From::kEstablished);
  ASSERT_EQ(since_t0(f.deadline(Timer::kHold)), 9s);
  // Keepalives at 3 s and 6 s; nothing from the peer.
  EXPECT_EQ(summary(f.expire(kT0 + 3s).actions), "send-keepalive, start-timer keepalive 3s");
  EXPECT_EQ(summary(f.expire(kT0 + 6s).actions), "send-keepalive, start-timer keepalive 3s");
  EXPECT_TRUE(f.expire(kT0 + 8999ms).actions.empty());
  // Keepalive and hold are both due at 9 s: the hold timer wins, so no
  // KEEPALIVE is queued behind the NOTIFICATION.
  const auto out = f.expire(kT0 + 9s);
  EXPECT_EQ(summary(out.actions), notify_down("4/0", "hold-timer-expired", true));
  EXPECT_EQ(out.state, State::kIdle);
  EXPECT_EQ(f.connect_retry_counter(), 1u);
}

TEST(FsmTimers, ReceivedMessagesRestartTheHoldTimer) {
  Fsm f = make(From::kEstablished);
  f.handle(Event{EventType::kUpdateMsg}, kT0 + 5s);
  EXPECT_EQ(since_t0(f.deadline(Timer::kHold)), 14s);
  f.handle(Event{EventType::kRouteRefreshMsg}, kT0 + 7s);
  EXPECT_EQ(since_t0(f.deadline(Timer::kHold)), 16s);
  f.handle(Event{EventType::kKeepAliveMsg}, kT0 + 8s);
  EXPECT_EQ(since_t0(f.deadline(Timer::kHold)), 17s);
}

TEST(FsmTimers, ZeroHoldTimeMeansNoKeepalives) {
  Fsm f = make(From::kOpenSent);
  auto out = f.handle(Event::open_received(0, kPeerId), kT0 + 1s);
  EXPECT_EQ(out.state, State::kOpenConfirm);
  EXPECT_FALSE(f.timer_running(Timer::kKeepalive));
  // Still guarded while waiting for the peer's KEEPALIVE.
  EXPECT_EQ(since_t0(f.deadline(Timer::kHold)), 240s);
  out = f.handle(Event{EventType::kKeepAliveMsg}, kT0 + 2s);
  EXPECT_EQ(out.state, State::kEstablished);
  EXPECT_EQ(f.next_deadline(), std::nullopt);
  EXPECT_EQ(first_of<SessionUp>(out.actions), (SessionUp{0, 0s}));
  EXPECT_TRUE(f.expire(kT0 + 10h).actions.empty());
  EXPECT_EQ(f.state(), State::kEstablished);
}

TEST(FsmTimers, NegotiatedKeepaliveIsUsedWhenGiven) {
  Fsm f = make(From::kOpenSent);
  f.handle(Event::open_received(90, kPeerId, 10), kT0);
  EXPECT_EQ(f.keepalive_time(), 10s);
  EXPECT_EQ(since_t0(f.deadline(Timer::kKeepalive)), 10s);
  EXPECT_EQ(since_t0(f.deadline(Timer::kHold)), 90s);
}

TEST(FsmTimers, ConnectRetryRetriesInConnect) {
  Fsm f(test_config());
  auto out = f.handle(Event{EventType::kManualStart}, kT0);
  EXPECT_EQ(since_t0(f.deadline(Timer::kConnectRetry)), 10s);
  EXPECT_TRUE(f.expire(kT0 + 9s).actions.empty());
  out = f.expire(kT0 + 10s);
  EXPECT_EQ(summary(out.actions), "drop, " + kStartActive);
  EXPECT_EQ(out.state, State::kConnect);
  EXPECT_EQ(since_t0(f.deadline(Timer::kConnectRetry)), 20s);
  // The connection comes up: the retry timer stops.
  f.handle(Event{EventType::kTcpCrAcked}, kT0 + 12s);
  EXPECT_FALSE(f.timer_running(Timer::kConnectRetry));
  // And comes back after a failure in OpenSent, from Active.
  out = f.handle(Event{EventType::kTcpConnectionFails}, kT0 + 13s);
  EXPECT_EQ(out.state, State::kActive);
  EXPECT_EQ(since_t0(f.deadline(Timer::kConnectRetry)), 23s);
  out = f.expire(kT0 + 23s);
  EXPECT_EQ(out.state, State::kConnect);
  EXPECT_EQ(summary(out.actions), kStartActive);
}

TEST(FsmTimers, DelayOpenHoldsOurOpenBack) {
  FsmConfig cfg = test_config();
  cfg.delay_open = true;
  Fsm f(cfg);
  f.handle(Event{EventType::kManualStart}, kT0);
  auto out = f.handle(Event{EventType::kTcpCrAcked}, kT0 + 1s);
  EXPECT_EQ(out.state, State::kConnect);
  EXPECT_TRUE(all_of<SendOpen>(out.actions).empty());
  EXPECT_FALSE(f.timer_running(Timer::kConnectRetry));
  EXPECT_EQ(since_t0(f.deadline(Timer::kDelayOpen)), 3s);
  EXPECT_TRUE(f.expire(kT0 + 2999ms).actions.empty());
  out = f.expire(kT0 + 3s);
  EXPECT_EQ(out.state, State::kOpenSent);
  EXPECT_EQ(summary(out.actions), kSendOpen);
  EXPECT_EQ(since_t0(f.deadline(Timer::kHold)), 243s);
}

TEST(FsmTimers, DelayOpenAnswersAnEarlyOpen) {
  FsmConfig cfg = test_config();
  cfg.delay_open = true;
  Fsm f(cfg);
  f.handle(Event{EventType::kManualStartPassive}, kT0);
  f.handle(Event{EventType::kTcpConnectionConfirmed}, kT0);
  const auto out = f.handle(Event::open_received(30, kPeerId), kT0 + 1s);
  EXPECT_EQ(out.state, State::kOpenConfirm);
  EXPECT_EQ(summary(out.actions), "send-open, send-keepalive, start-timer hold 30s, start-timer keepalive 10s");
  EXPECT_FALSE(f.timer_running(Timer::kDelayOpen));
  EXPECT_EQ(f.peer_id(), kPeerId);
}

TEST(FsmTimers, JitterComesFromTheInjectedSource) {
  // u = 1 gives the smallest factor, 0.75 (RFC 4271 §10).
  Fsm f(test_config(), [] { return 1.0; });
  f.handle(Event{EventType::kManualStart}, kT0);
  EXPECT_EQ(since_t0(f.deadline(Timer::kConnectRetry)), 7500ms);
  f.handle(Event{EventType::kTcpCrAcked}, kT0);
  EXPECT_EQ(since_t0(f.deadline(Timer::kHold)), 240s);  // hold timers are not jittered
  f.handle(Event::open_received(9, kPeerId), kT0);
  EXPECT_EQ(since_t0(f.deadline(Timer::kKeepalive)), 2250ms);
  EXPECT_EQ(since_t0(f.deadline(Timer::kHold)), 9s);

  Fsm half(test_config(), [] { return 0.5; });
  half.handle(Event{EventType::kManualStart}, kT0);
  EXPECT_EQ(since_t0(half.deadline(Timer::kConnectRetry)), 8750ms);

  Fsm wild(test_config(), [] { return 7.0; });  // clamped, never below 0.75
  wild.handle(Event{EventType::kManualStart}, kT0);
  EXPECT_EQ(since_t0(wild.deadline(Timer::kConnectRetry)), 7500ms);
}

TEST(FsmTimers, ExpireFiresDueTimersOnceAndInOrder) {
  FsmConfig cfg = test_config();
  cfg.connect_retry_time = 0s;
  Fsm f(cfg);
  f.handle(Event{EventType::kManualStart}, kT0);
  // A zero retry time re-arms at `now`; one expire() pass still terminates.
  const auto out = f.expire(kT0);
  EXPECT_EQ(all_of<ConnectTcp>(out.actions).size(), 1u);
  EXPECT_EQ(since_t0(f.next_deadline()), 0s);
}

TEST(FsmTimers, StartAndStopTimerActionsMirrorTheDeadlines) {
  Fsm f = make(From::kOpenConfirm);
  const auto out = f.handle(Event::manual_stop(), kT0 + 1s);
  const auto stopped = all_of<StopTimer>(out.actions);
  ASSERT_EQ(stopped.size(), 2u);
  EXPECT_EQ(stopped[0].timer, Timer::kHold);
  EXPECT_EQ(stopped[1].timer, Timer::kKeepalive);
  EXPECT_EQ(f.next_deadline(), std::nullopt);
}

// ---- RFC 9687 send hold timer -----------------------------------------------

TEST(FsmSendHold, ExpiryDropsWithoutQueueingANotification) {
  FsmConfig cfg = test_config();
  cfg.send_hold_time = 20s;
  Fsm f = make(From::kEstablished, cfg);
  EXPECT_EQ(since_t0(f.deadline(Timer::kSendHold)), 20s);
  // The peer keeps us alive with a KEEPALIVE at every tick but reads nothing
  // after our write at 15 s.
  TimePoint now = kT0;
  auto tick = [&] {
    now = *f.next_deadline();
    auto out = f.expire(now);
    f.handle(Event{EventType::kKeepAliveMsg}, now);
    return out;
  };
  for (int i = 0; i < 5; ++i) tick();
  ASSERT_EQ(now - kT0, 15s);
  f.handle(Event{EventType::kSendProgress}, now);
  EXPECT_EQ(since_t0(f.deadline(Timer::kSendHold)), 35s);
  Output out;
  while (f.state() == State::kEstablished) out = tick();
  EXPECT_EQ(now - kT0, 35s);
  EXPECT_EQ(sent_notification(out.actions), std::nullopt);
  EXPECT_EQ(f.last_down()->reason, DownReason::kSendHoldTimerExpired);
  EXPECT_FALSE(all_of<FlushRoutes>(out.actions).empty());
}

TEST(FsmSendHold, DefaultIsEightMinutesOrTwiceTheHoldTime) {
  Fsm f(test_config());
  f.handle(Event{EventType::kManualStart}, kT0);
  f.handle(Event{EventType::kTcpCrAcked}, kT0);
  f.handle(Event::open_received(300, kPeerId), kT0);
  f.handle(Event{EventType::kKeepAliveMsg}, kT0);
  EXPECT_EQ(since_t0(f.deadline(Timer::kSendHold)), 600s);
  EXPECT_EQ(since_t0(make(From::kEstablished).deadline(Timer::kSendHold)), 480s);
}

TEST(FsmSendHold, ZeroTurnsItOff) {
  FsmConfig cfg = test_config();
  cfg.send_hold_time = 0s;
  Fsm f = make(From::kEstablished, cfg);
  EXPECT_FALSE(f.timer_running(Timer::kSendHold));
  EXPECT_TRUE(f.handle(Event{EventType::kSendProgress}, kT0 + 1s).actions.empty());
}

// ---- IdleHold back-off (DampPeerOscillations) --------------------------------

// One automatic cycle: connect, OPEN out, no answer until the hold timer
// fires; returns the idle hold wait that follows and moves past it.
Duration flap_once(Fsm& f, TimePoint& now) {
  f.handle(Event{EventType::kTcpCrAcked}, now);
  EXPECT_EQ(f.state(), State::kOpenSent);
  now += 1s;
  f.handle(Event{EventType::kHoldTimerExpires}, now);
  EXPECT_EQ(f.state(), State::kIdle);
  const auto wait = *f.deadline(Timer::kIdleHold) - now;
  // Not a moment early.
  EXPECT_TRUE(f.expire(now + wait - 1ms).actions.empty());
  now += wait;
  const auto out = f.expire(now);
  EXPECT_EQ(out.state, State::kConnect);
  return std::chrono::duration_cast<Duration>(wait);
}

TEST(FsmDamping, EachFlapDoublesTheIdleHoldUpToTheMaximum) {
  Fsm f(test_config());
  TimePoint now = kT0;
  f.handle(Event{EventType::kManualStart}, now);
  std::vector<Duration> waits;
  waits.reserve(6);
  for (int i = 0; i < 6; ++i) waits.push_back(flap_once(f, now));
  EXPECT_EQ(waits, (std::vector<Duration>{1s, 2s, 4s, 8s, 8s, 8s}));
  EXPECT_EQ(f.idle_hold_time(), 8s);
}

TEST(FsmDamping, AStableSessionStartsTheBackOffOver) {
  Fsm f(test_config());
  TimePoint now = kT0;
  f.handle(Event{EventType::kManualStart}, now);
  for (int i = 0; i < 3; ++i) flap_once(f, now);  // next wait: 8 s
  EXPECT_EQ(f.idle_hold_time(), 8s);

  // Up for 10 s only: still flapping, the wait keeps growing.
  f.handle(Event{EventType::kTcpCrAcked}, now);
  f.handle(Event::open_received(0, kPeerId), now);
  f.handle(Event{EventType::kKeepAliveMsg}, now);
  ASSERT_EQ(f.state(), State::kEstablished);
  now += 10s;
  f.handle(Event{EventType::kTcpConnectionFails}, now);
  EXPECT_EQ(*f.deadline(Timer::kIdleHold) - now, 8s);
  now += 8s;
  f.expire(now);

  // Up for the stable period: the next wait is the initial one again.
  f.handle(Event{EventType::kTcpCrAcked}, now);
  f.handle(Event::open_received(0, kPeerId), now);
  f.handle(Event{EventType::kKeepAliveMsg}, now);
  now += 60s;
  const auto out = f.handle(Event::notification(6, 4), now);
  EXPECT_EQ(*f.deadline(Timer::kIdleHold) - now, 1s);
  EXPECT_EQ(f.idle_hold_time(), 2s);
  EXPECT_EQ(f.last_down()->received, (Notify{6, 4, {}}));
  EXPECT_FALSE(all_of<FlushRoutes>(out.actions).empty());
}

TEST(FsmDamping, AnAuthenticatedSessionEndsTheBackOffWhenUp) {
  for (const bool authenticated : {false, true}) {
    FsmConfig cfg = test_config();
    cfg.authenticated_transport = authenticated;
    Fsm f(cfg);
    TimePoint now = kT0;
    f.handle(Event{EventType::kManualStart}, now);
    for (int i = 0; i < 3; ++i) flap_once(f, now);  // bad OPENs, say: next wait 8 s
    f.handle(Event{EventType::kTcpCrAcked}, now);
    f.handle(Event::open_received(0, kPeerId), now);
    f.handle(Event{EventType::kKeepAliveMsg}, now);
    ASSERT_EQ(f.state(), State::kEstablished);
    EXPECT_EQ(f.idle_hold_time(), authenticated ? 1s : 8s) << "TCP-MD5/GTSM: " << authenticated;
  }
}

TEST(FsmDamping, ManualStartEndsTheBackOff) {
  Fsm f(test_config());
  TimePoint now = kT0;
  f.handle(Event{EventType::kManualStart}, now);
  for (int i = 0; i < 3; ++i) flap_once(f, now);
  f.handle(Event::manual_stop(), now);
  EXPECT_EQ(f.next_deadline(), std::nullopt);
  f.handle(Event{EventType::kManualStart}, now);
  EXPECT_EQ(f.idle_hold_time(), 1s);
  EXPECT_EQ(flap_once(f, now), 1s);
}

TEST(FsmDamping, WithoutDampingTheWaitIsConstant) {
  FsmConfig cfg = test_config();
  cfg.damp_peer_oscillations = false;
  Fsm f(cfg);
  TimePoint now = kT0;
  f.handle(Event{EventType::kManualStart}, now);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(flap_once(f, now), 1s);
}

TEST(FsmDamping, FailedConnectsAreRetriedWithoutGrowingTheWait) {
  // RFC 4271 neither counts nor damps a failed connect from Connect: a peer
  // that is simply down is polled every IdleHoldTime.
  Fsm f(test_config());
  TimePoint now = kT0;
  f.handle(Event{EventType::kManualStart}, now);
  for (int i = 0; i < 4; ++i) {
    f.handle(Event{EventType::kTcpConnectionFails}, now);
    EXPECT_EQ(*f.deadline(Timer::kIdleHold) - now, 1s) << i;
    now += 1s;
    EXPECT_EQ(f.expire(now).state, State::kConnect);
  }
  EXPECT_EQ(f.idle_hold_time(), 1s);
  EXPECT_EQ(f.connect_retry_counter(), 0u);
}

TEST(FsmDamping, AutomaticStartWaitsForTheIdleHoldTimer) {
  Fsm f = make(From::kIdleWaiting);
  EXPECT_EQ(f.handle(Event{EventType::kAutomaticStart}, kT0).state, State::kIdle);
  EXPECT_EQ(f.expire(kT0 + 1s).state, State::kConnect);
}

TEST(FsmDamping, ManualStopInIdleCancelsTheRestart) {
  Fsm f = make(From::kIdleWaiting);
  ASSERT_TRUE(f.timer_running(Timer::kIdleHold));
  const auto out = f.handle(Event::manual_stop(), kT0);
  EXPECT_EQ(out.actions, (std::vector<Action>{StopTimer{Timer::kIdleHold}}));
  EXPECT_EQ(f.next_deadline(), std::nullopt);
  EXPECT_EQ(f.handle(Event{EventType::kIdleHoldTimerExpires}, kT0 + 1s).state, State::kIdle);
}

TEST(FsmDamping, ManualStopDoesNotRestart) {
  Fsm f = make(From::kEstablished);
  f.handle(Event::manual_stop(), kT0 + 1s);
  EXPECT_EQ(f.next_deadline(), std::nullopt);
  EXPECT_EQ(f.connect_retry_counter(), 0u);
}

TEST(FsmDamping, NoAutomaticStartMeansStayIdle) {
  FsmConfig cfg = test_config();
  cfg.allow_automatic_start = false;
  Fsm f = make(From::kEstablished, cfg);
  f.handle(Event{EventType::kHoldTimerExpires}, kT0 + 9s);
  EXPECT_EQ(f.state(), State::kIdle);
  EXPECT_EQ(f.next_deadline(), std::nullopt);
}

TEST(FsmDamping, MaxPrefixRestartTimerOverridesTheWait) {
  Fsm f = make(From::kEstablished);
  const auto out = f.handle(Event::max_prefix(bytes({0, 1, 1, 0, 0, 0, 100}), 30s), kT0 + 1s);
  EXPECT_EQ(sent_notification(out.actions), (Notify{6, 1, bytes({0, 1, 1, 0, 0, 0, 100})}));
  EXPECT_EQ(since_t0(f.deadline(Timer::kIdleHold)), 31s);
  EXPECT_EQ(f.last_down()->reason, DownReason::kAutomaticStop);
}

TEST(FsmDamping, RestartKeepsThePassiveMode) {
  Fsm f(test_config());
  f.handle(Event{EventType::kManualStartPassive}, kT0);
  f.handle(Event{EventType::kTcpConnectionConfirmed}, kT0);
  f.handle(Event{EventType::kHoldTimerExpires}, kT0 + 1s);
  const auto out = f.expire(kT0 + 2s);
  EXPECT_EQ(out.state, State::kActive);
  EXPECT_TRUE(all_of<ConnectTcp>(out.actions).empty());
}

// ---- active and passive start ------------------------------------------------

TEST(FsmStart, ActiveStartConnectsAndListens) {
  Fsm f(test_config());
  const auto out = f.handle(Event{EventType::kManualStart}, kT0);
  EXPECT_EQ(out.state, State::kConnect);
  EXPECT_EQ(out.actions, (std::vector<Action>{StartTimer{Timer::kConnectRetry, 10s}, ConnectTcp{}}));
  EXPECT_FALSE(f.passive());
  // The peer's connection may win the race: it is taken as ours.
  EXPECT_EQ(f.handle(Event{EventType::kTcpConnectionConfirmed}, kT0 + 1s).state, State::kOpenSent);
}

TEST(FsmStart, PassiveStartOnlyListens) {
  Fsm f(test_config());
  auto out = f.handle(Event{EventType::kManualStartPassive}, kT0);
  EXPECT_EQ(out.state, State::kActive);
  EXPECT_TRUE(out.actions.empty());
  EXPECT_TRUE(f.passive());
  EXPECT_EQ(f.next_deadline(), std::nullopt);
  out = f.handle(Event{EventType::kTcpConnectionConfirmed}, kT0 + 5s);
  EXPECT_EQ(out.state, State::kOpenSent);
  EXPECT_EQ(summary(out.actions), kSendOpen);
  // A failure in OpenSent goes back to listening, not to connecting.
  out = f.handle(Event{EventType::kTcpConnectionFails}, kT0 + 6s);
  EXPECT_EQ(out.state, State::kActive);
  EXPECT_EQ(summary(out.actions), "drop");
  EXPECT_EQ(f.next_deadline(), std::nullopt);
}

TEST(FsmStart, FullHandshakeToEstablished) {
  Fsm f(test_config());
  std::vector<std::string> trace;
  auto run = [&](const Event& e, TimePoint t) {
    const auto out = f.handle(e, t);
    trace.push_back(std::string(state_name(out.state)) + ": " + summary(out.actions));
  };
  run(Event{EventType::kManualStart}, kT0);
  run(Event{EventType::kTcpCrAcked}, kT0 + 1s);
  run(Event::open_received(9, kPeerId), kT0 + 2s);
  run(Event{EventType::kKeepAliveMsg}, kT0 + 3s);
  run(Event{EventType::kUpdateMsg}, kT0 + 4s);
  EXPECT_EQ(trace, (std::vector<std::string>{
                       "Connect: " + kStartActive,
                       "OpenSent: " + kSendOpen,
                       "OpenConfirm: " + kToOpenConfirm,
                       "Established: start-timer hold 9s, start-timer send-hold 480s, session-up",
                       "Established: deliver-update, start-timer hold 9s",
                   }));
  EXPECT_EQ(f.hold_time(), 9);
  EXPECT_EQ(f.peer_id(), kPeerId);
}

// ---- collisions (§6.8) -----------------------------------------------------------

const Speaker kLow{0x0a000001, 65001};
const Speaker kHigh{0x0a000002, 65002};

TEST(FsmCollision, HigherIdentifierKeepsTheConnectionItInitiated) {
  const Connection ours{State::kOpenConfirm, true};
  const Connection theirs{State::kOpenSent, false};
  // We are higher: our outgoing connection survives.
  EXPECT_EQ(resolve_collision(kHigh, kLow, ours, theirs), Collision::kCloseArriving);
  EXPECT_EQ(resolve_collision(kHigh, kLow, theirs, ours), Collision::kCloseExisting);
  // We are lower: the peer's connection survives.
  EXPECT_EQ(resolve_collision(kLow, kHigh, ours, theirs), Collision::kCloseExisting);
  EXPECT_EQ(resolve_collision(kLow, kHigh, theirs, ours), Collision::kCloseArriving);
}

TEST(FsmCollision, OpenSentCountsOpenConfirmToo) {
  EXPECT_EQ(resolve_collision(kLow, kHigh, {State::kOpenSent, true}, {State::kOpenSent, false}),
            Collision::kCloseExisting);
}

TEST(FsmCollision, UndetectableBeforeOpenSent) {
  for (auto s : {State::kIdle, State::kConnect, State::kActive}) {
    EXPECT_EQ(resolve_collision(kLow, kHigh, {s, true}, {State::kOpenSent, false}), Collision::kNone) << state_name(s);
  }
}

TEST(FsmCollision, EstablishedWinsUnlessConfigured) {
  const Connection est{State::kEstablished, true};
  const Connection arriving{State::kOpenSent, false};
  EXPECT_EQ(resolve_collision(kLow, kHigh, est, arriving), Collision::kCloseArriving);
  EXPECT_EQ(resolve_collision(kLow, kHigh, est, arriving, true), Collision::kCloseExisting);
  EXPECT_EQ(resolve_collision(kHigh, kLow, est, arriving, true), Collision::kCloseArriving);
}

TEST(FsmCollision, EqualIdentifiersFallToTheAsNumber) {
  const Speaker a{0x0a000001, 65001};
  const Speaker b{0x0a000001, 65002};
  const Connection ours{State::kOpenConfirm, true};
  const Connection theirs{State::kOpenSent, false};
  EXPECT_EQ(resolve_collision(b, a, ours, theirs), Collision::kCloseArriving);
  EXPECT_EQ(resolve_collision(a, b, ours, theirs), Collision::kCloseExisting);
}

TEST(FsmCollision, TheLoserSendsCeaseSevenAndTheWinnerCarriesOn) {
  // Ours went out first and is in OpenConfirm; the peer's arrives and
  // carries an OPEN. The peer has the higher identifier, so ours is dumped.
  Fsm existing = make(From::kOpenConfirm);
  Fsm arriving(test_config());
  arriving.handle(Event{EventType::kManualStartPassive}, kT0);
  arriving.handle(Event{EventType::kTcpConnectionConfirmed}, kT0);
  ASSERT_EQ(arriving.state(), State::kOpenSent);

  const auto verdict = resolve_collision(kLow, kHigh, {existing.state(), true}, {arriving.state(), false});
  ASSERT_EQ(verdict, Collision::kCloseExisting);
  auto out = existing.handle(Event{EventType::kOpenCollisionDump}, kT0 + 1s);
  EXPECT_EQ(out.state, State::kIdle);
  EXPECT_EQ(sent_notification(out.actions), (Notify{6, 7, {}}));
  EXPECT_EQ(existing.last_down()->reason, DownReason::kCollision);

  out = arriving.handle(Event::open_received(9, kHigh.router_id), kT0 + 1s);
  EXPECT_EQ(out.state, State::kOpenConfirm);
  EXPECT_EQ(arriving.handle(Event{EventType::kKeepAliveMsg}, kT0 + 2s).state, State::kEstablished);
}

TEST(FsmCollision, EstablishedDumpsOnlyWhenConfigured) {
  FsmConfig cfg = test_config();
  cfg.collision_detect_established = true;
  Fsm f = make(From::kEstablished, cfg);
  const auto out = f.handle(Event{EventType::kOpenCollisionDump}, kT0 + 1s);
  EXPECT_EQ(summary(out.actions), notify_down("6/7", "collision", true));
}

// ---- NOTIFICATIONs on error paths -------------------------------------------------

TEST(FsmNotify, ShutdownCommunicationRidesInTheCease) {
  const std::string text = "maintenance: back at 14:00 UTC, ticket #4711";
  Fsm f = make(From::kEstablished);
  const auto out = f.handle(Event::manual_stop(text), kT0 + 1s);
  const auto n = sent_notification(out.actions);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, 6);
  EXPECT_EQ(n->subcode, 2);
  ASSERT_EQ(n->data.size(), text.size() + 1);
  EXPECT_EQ(static_cast<std::size_t>(n->data[0]), text.size());
  // The same octets as the codec's own encoder, and they decode back.
  const wire::Bytes msg = wire::make_notification(n->code, n->subcode, n->data);
  EXPECT_EQ(msg, wire::make_shutdown_notification(2, text));
  const auto decoded = wire::decode_message(msg, {});
  ASSERT_EQ(decoded.action(), wire::Action::kNone);
  const auto& notification = std::get<wire::Notification>(decoded.body);
  EXPECT_EQ(notification.shutdown_communication(), text);
  EXPECT_EQ(f.last_down()->sent, n);
}

TEST(FsmNotify, AdminResetAndDeconfiguredUseTheirSubcodes) {
  Fsm a = make(From::kOpenConfirm);
  auto n = sent_notification(a.handle(Event::admin_reset("clear bgp 192.0.2.2"), kT0).actions);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->subcode, cease::kAdminReset);
  EXPECT_EQ(n->data, shutdown_communication("clear bgp 192.0.2.2"));

  Fsm d = make(From::kEstablished);
  n = sent_notification(d.handle(Event::peer_deconfigured(), kT0).actions);
  EXPECT_EQ(n, (Notify{6, 3, {}}));
  EXPECT_EQ(d.next_deadline(), std::nullopt);

  Fsm e = make(From::kEstablished);
  n = sent_notification(e.handle(Event::manual_stop(), kT0).actions);
  EXPECT_EQ(n, (Notify{6, 2, {}}));  // no text, no length octet
  Fsm bare = make(From::kEstablished);
  n = sent_notification(bare.handle(Event{EventType::kManualStop}, kT0).actions);
  EXPECT_EQ(n, (Notify{6, 2, {}}));
  Fsm automatic = make(From::kEstablished);
  n = sent_notification(automatic.handle(Event{EventType::kAutomaticStop}, kT0).actions);
  EXPECT_EQ(n, (Notify{6, 0, {}}));
}

TEST(FsmNotify, LongShutdownTextIsCutAtACharacterBoundary) {
  // 127 two-octet characters (254 octets) then one more: 256 octets.
  std::string text;
  for (int i = 0; i < 128; ++i) text += "\xc3\xa9";  // é
  const auto data = shutdown_communication(text);
  EXPECT_EQ(static_cast<std::size_t>(data[0]), 254u);
  EXPECT_EQ(data.size(), 255u);
  EXPECT_EQ(static_cast<unsigned char>(data.back()), 0xa9);
  // Plain ASCII is cut at exactly 255.
  EXPECT_EQ(shutdown_communication(std::string(300, 'x')).size(), 256u);
  EXPECT_EQ(shutdown_communication("").size(), 1u);
}

TEST(FsmNotify, HeaderErrorFromTheCodecIsSentAsIs) {
  // A KEEPALIVE with a broken length, through the codec.
  wire::Bytes msg(19, std::byte{0xff});
  msg[16] = std::byte{0x00};
  msg[17] = std::byte{0x12};
  msg[18] = std::byte{0x04};
  wire::Header h;
  const auto err = wire::check_header(msg, wire::kMaxMessage, h);
  ASSERT_TRUE(err);
  for (auto from : {From::kOpenSent, From::kOpenConfirm, From::kEstablished}) {
    Fsm f = make(from);
    const auto out = f.handle(Event::header_error(*err), kT0 + 1s);
    EXPECT_EQ(sent_notification(out.actions), (Notify{1, 2, err->data})) << from_name(from);
    EXPECT_EQ(out.state, State::kIdle);
  }
}

TEST(FsmNotify, UpdateErrorOnlyResetsOnSessionReset) {
  wire::DecodeError reset{wire::Action::kSessionReset, 3, 11, 2, "as_path", bytes({0x40, 0x02, 0x01, 0x07})};
  Fsm f = make(From::kEstablished);
  auto out = f.handle(Event::update_error(reset), kT0 + 1s);
  EXPECT_EQ(sent_notification(out.actions), (Notify{3, 11, bytes({0x40, 0x02, 0x01, 0x07})}));
  EXPECT_FALSE(all_of<FlushRoutes>(out.actions).empty());

  wire::DecodeError none{};
  Fsm g = make(From::kEstablished);
  out = g.handle(Event::update_error(none), kT0 + 1s);
  EXPECT_EQ(out.actions.front(), Action{DeliverUpdate{}});
}

TEST(FsmNotify, RefusedOpenSendsTheNegotiationsNotification) {
  Fsm f = make(From::kOpenSent);
  const Notify bad_as{2, 2, bytes({0xfd, 0xe9})};
  const auto out = f.handle(Event::open_rejected(bad_as), kT0 + 1s);
  EXPECT_EQ(summary(out.actions), notify_down("2/2", "protocol-error"));
  EXPECT_EQ(sent_notification(out.actions), bad_as);
}

TEST(FsmNotify, HoldTimeOfOneOrTwoSecondsIsRefused) {
  for (std::uint16_t hold : {1, 2}) {
    Fsm f = make(From::kOpenSent);
    const auto out = f.handle(Event::open_received(hold, kPeerId), kT0 + 1s);
    EXPECT_EQ(sent_notification(out.actions), (Notify{2, 6, {}})) << hold;
  }
}

TEST(FsmNotify, WithoutSendNotificationWithoutOpenNothingPrecedesOurOpen) {
  FsmConfig cfg = test_config();
  cfg.send_notification_without_open = false;
  Fsm f = make(From::kConnect, cfg);
  const auto out = f.handle(event(EventType::kBgpOpenMsgErr), kT0 + 1s);
  EXPECT_EQ(sent_notification(out.actions), std::nullopt);
  EXPECT_EQ(out.state, State::kIdle);
}

TEST(FsmNotify, ReceivedNotificationIsKept) {
  Fsm f = make(From::kEstablished);
  const std::string text = "upgrade";
  wire::Bytes data = shutdown_communication(text);
  f.handle(Event::notification(6, 2, data), kT0 + 1s);
  ASSERT_TRUE(f.last_down());
  EXPECT_EQ(f.last_down()->reason, DownReason::kNotificationReceived);
  EXPECT_EQ(f.last_down()->received, (Notify{6, 2, data}));
  EXPECT_TRUE(f.last_down()->was_established);
  EXPECT_EQ(Event::notification(2, 1).type, EventType::kNotifMsgVerErr);
  EXPECT_EQ(Event::notification(2, 2).type, EventType::kNotifMsg);
}

// ---- names --------------------------------------------------------------------

TEST(FsmNames, EveryEventStateAndTimerHasOne) {
  for (auto t : kAllEvents) EXPECT_STRNE(event_name(t), "?");
  for (int s = 0; s <= static_cast<int>(State::kEstablished); ++s) {
    EXPECT_STRNE(state_name(static_cast<State>(s)), "?");
  }
  for (std::size_t t = 0; t < kTimerCount; ++t) EXPECT_STRNE(timer_name(static_cast<Timer>(t)), "?");
  EXPECT_EQ(describe(SendNotification{Notify{6, 7, {}}}), "send-notification 6/7");
  EXPECT_EQ(describe(StartTimer{Timer::kKeepalive, 2250ms}), "start-timer keepalive 2250ms");
  EXPECT_STREQ(collision_name(Collision::kCloseArriving), "close-arriving");
}

}  // namespace
}  // namespace cats::session
