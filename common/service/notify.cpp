#include "common/service/notify.hpp"

#include <systemd/sd-daemon.h>

#include <ctime>
#include <string>

namespace cats::service {

namespace {

void send(const std::string& state) {
  // 0: keep NOTIFY_SOCKET, a reload and the stop still need it. Failures are
  // the manager's concern; a daemon run by hand gets 0 (no socket).
  sd_notify(0, state.c_str());
}

// CLOCK_MONOTONIC in microseconds, as systemd wants beside RELOADING=1.
long long monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1'000;
}

}  // namespace

void notify_ready(std::string_view status) {
  std::string state = "READY=1";
  if (!status.empty()) state.append("\nSTATUS=").append(status);
  send(state);
}

void notify_reloading() {
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
}

void notify_stopping() {
  send("STOPPING=1");
}

Watchdog::Watchdog(const boost::asio::any_io_executor& ex) : timer_(ex) {
  uint64_t usec = 0;
  // 0: keep WATCHDOG_USEC for anything the daemon may start later.
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  period_ = std::chrono::microseconds{usec / 2};
  send("WATCHDOG=1");
  arm();
}

void Watchdog::arm() {
  timer_.expires_after(period_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    send("WATCHDOG=1");
    arm();
  });
}

}  // namespace cats::service
