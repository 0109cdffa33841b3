// The service manager's readiness protocol (sd_notify, libsystemd): a unit of
// Type=notify is "started" when READY=1 arrives, "reloading" between
// RELOADING=1 and the next READY=1, "stopping" after STOPPING=1. Every call
// is a no-op when NOTIFY_SOCKET is not set (run by hand, in a test).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <string_view>

namespace cats::service {

// Listening and serving; also the end of a reload. `status` is shown by
// `systemctl status`.
void notify_ready(std::string_view status = {});
// A reload (SIGHUP) begins; notify_ready() ends it, whether applied or refused.
void notify_reloading();
// Shutting down: the manager waits for the exit instead of restarting.
void notify_stopping();

// WATCHDOG=1 at half the interval the unit asks for (WatchdogSec=), from the
// executor's thread, so a stuck event loop is restarted; nothing when the
// unit asks for no watchdog. Stops with the object.
class Watchdog {
 public:
  explicit Watchdog(const boost::asio::any_io_executor& ex);
  // The timer's destructor aborts the wait; the handler then leaves `this` alone.
  ~Watchdog() = default;
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void arm();

  boost::asio::steady_timer timer_;
  std::chrono::microseconds period_{0};
};

}  // namespace cats::service
