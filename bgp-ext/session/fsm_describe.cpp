// Names for logs and test failures.
#include <string>
#include <type_traits>

#include "bgp-ext/session/fsm.hpp"

namespace cats::session {

const char* state_name(State s) {
  switch (s) {
    case State::kIdle: return "Idle";
    case State::kConnect: return "Connect";
    case State::kActive: return "Active";
    case State::kOpenSent: return "OpenSent";
    case State::kOpenConfirm: return "OpenConfirm";
    case State::kEstablished: return "Established";
  }
  return "?";
}

const char* event_name(EventType e) {
  switch (e) {
    case EventType::kManualStart: return "ManualStart";
    case EventType::kManualStop: return "ManualStop";
    case EventType::kAutomaticStart: return "AutomaticStart";
    case EventType::kManualStartPassive: return "ManualStart_with_PassiveTcpEstablishment";
    case EventType::kAutomaticStartPassive: return "AutomaticStart_with_PassiveTcpEstablishment";
    case EventType::kAutomaticStartDamp: return "AutomaticStart_with_DampPeerOscillations";
    case EventType::kAutomaticStartDampPassive:
      return "AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment";
    case EventType::kAutomaticStop: return "AutomaticStop";
    case EventType::kConnectRetryTimerExpires: return "ConnectRetryTimer_Expires";
    case EventType::kHoldTimerExpires: return "HoldTimer_Expires";
    case EventType::kKeepaliveTimerExpires: return "KeepaliveTimer_Expires";
    case EventType::kDelayOpenTimerExpires: return "DelayOpenTimer_Expires";
    case EventType::kIdleHoldTimerExpires: return "IdleHoldTimer_Expires";
    case EventType::kTcpConnectionValid: return "TcpConnection_Valid";
    case EventType::kTcpCrInvalid: return "Tcp_CR_Invalid";
    case EventType::kTcpCrAcked: return "Tcp_CR_Acked";
    case EventType::kTcpConnectionConfirmed: return "TcpConnectionConfirmed";
    case EventType::kTcpConnectionFails: return "TcpConnectionFails";
    case EventType::kBgpOpen: return "BGPOpen";
    case EventType::kBgpOpenWithDelayOpenTimer: return "BGPOpen_with_DelayOpenTimer_running";
    case EventType::kBgpHeaderErr: return "BGPHeaderErr";
    case EventType::kBgpOpenMsgErr: return "BGPOpenMsgErr";
    case EventType::kOpenCollisionDump: return "OpenCollisionDump";
    case EventType::kNotifMsgVerErr: return "NotifMsgVerErr";
    case EventType::kNotifMsg: return "NotifMsg";
    case EventType::kKeepAliveMsg: return "KeepAliveMsg";
    case EventType::kUpdateMsg: return "UpdateMsg";
    case EventType::kUpdateMsgErr: return "UpdateMsgErr";
    case EventType::kSendHoldTimerExpires: return "SendHoldTimer_Expires";
    case EventType::kRouteRefreshMsg: return "RouteRefreshMsg";
    case EventType::kSendProgress: return "SendProgress";
  }
  return "?";
}

const char* down_reason_name(DownReason r) {
  switch (r) {
    case DownReason::kManualStop: return "manual-stop";
    case DownReason::kAutomaticStop: return "automatic-stop";
    case DownReason::kTcpFailed: return "tcp-failed";
    case DownReason::kHoldTimerExpired: return "hold-timer-expired";
    case DownReason::kSendHoldTimerExpired: return "send-hold-timer-expired";
    case DownReason::kNotificationReceived: return "notification-received";
    case DownReason::kProtocolError: return "protocol-error";
    case DownReason::kFsmError: return "fsm-error";
    case DownReason::kCollision: return "collision";
    case DownReason::kUnexpectedEvent: return "unexpected-event";
  }
  return "?";
}

namespace {

std::string code_pair(const Notify& n) {
  return std::to_string(n.code) + "/" + std::to_string(n.subcode);
}

}  // namespace

std::string describe(const Action& a) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ConnectTcp>) return "connect";
        if constexpr (std::is_same_v<T, DropTcp>) return "drop";
        if constexpr (std::is_same_v<T, RejectTcp>) return "reject";
        if constexpr (std::is_same_v<T, SendOpen>) return "send-open";
        if constexpr (std::is_same_v<T, SendKeepalive>) return "send-keepalive";
        if constexpr (std::is_same_v<T, SendNotification>) return "send-notification " + code_pair(x.notify);
        if constexpr (std::is_same_v<T, StartTimer>) {
          const auto ms = x.duration.count();
          const std::string d = ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
          return std::string("start-timer ") + timer_name(x.timer) + " " + d;
        }
        if constexpr (std::is_same_v<T, StopTimer>) return std::string("stop-timer ") + timer_name(x.timer);
        if constexpr (std::is_same_v<T, DeliverUpdate>) {
          return x.rfc7606 == wire::Action::kNone ? std::string("deliver-update")
                                                  : std::string("deliver-update ") + wire::action_name(x.rfc7606);
        }
        if constexpr (std::is_same_v<T, DeliverRouteRefresh>) return "deliver-route-refresh";
        if constexpr (std::is_same_v<T, FlushRoutes>) return "flush-routes";
        if constexpr (std::is_same_v<T, ReleaseResources>) return "release";
        if constexpr (std::is_same_v<T, SessionUp>) return "session-up";
        if constexpr (std::is_same_v<T, SessionDown>) {
          std::string s = std::string("session-down ") + down_reason_name(x.reason);
          if (x.received) s += " (received " + code_pair(*x.received) + ")";
          return s;
        }
      },
      a);
}

}  // namespace cats::session
