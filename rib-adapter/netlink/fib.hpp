// The kernel FIB as catsd programs it (rtnetlink, libmnl): one route per
// prefix with protocol 201, pointing at a resilient next-hop group, so that a
// change of weights moves as few flows as the kernel can (buckets move only
// when their flows have been idle for the idle timer, and only as many as the
// new weights need). Each hop is a next-hop object (gateway, interface)
// shared by the groups that use it.
//
// The engine (RIB thread) sets the desired route per prefix; a worker thread
// of its own programs the kernel, in batches, and never blocks the RIB.
// Errors (EPERM, ENOBUFS, a gateway that vanished) are kept per route,
// logged, and retried with back-off; what was programmed and every error can
// be read back (show fib). At start, routes and next hops left by an earlier
// run are removed (or, with retain, swept after `stale_after` unless set
// again); at a clean stop catsd's routes are removed unless retained.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bgp-ext/wire/nlri.hpp"
#include "rib-adapter/rib/path.hpp"

namespace cats::netlink {

struct FibHop {
  rib::PeerAddress gateway;
  std::uint32_t oif = 0;
  std::uint32_t weight = 1;  // 1..256
  auto operator<=>(const FibHop&) const = default;
};

// What a prefix should forward by; no hops: no route.
struct FibRoute {
  wire::Prefix prefix;
  std::vector<FibHop> hops;
  bool operator==(const FibRoute&) const = default;
};

enum class FibState : std::uint8_t { kPending, kInstalled, kError };
const char* fib_state_name(FibState s);  // "pending", "installed", "error"

struct FibEntry {
  FibRoute route;
  FibState state = FibState::kPending;
  std::string error;        // the kernel's answer to the last attempt, when it failed
  std::uint32_t group = 0;  // next-hop group id
  std::uint32_t attempts = 0;
  std::chrono::system_clock::time_point at{};  // last change of state
};

struct FibOptions {
  std::uint16_t buckets = 128;           // of each resilient group
  std::chrono::seconds idle_timer{120};  // a bucket moves only after its flows were idle this long
  bool retain = false;                   // keep routes at stop; sweep stale ones at start after stale_after
  std::chrono::seconds stale_after{120};
  int receive_buffer = 4 << 20;  // octets, for the kernel's answers (room for a batch that fails whole)
};

struct FibStats {
  std::uint64_t installed = 0;  // successful route installs and replacements
  std::uint64_t removed = 0;
  std::uint64_t errors = 0;
  std::uint64_t batches = 0;
};

class Fib {
 public:
  explicit Fib(FibOptions o);
  ~Fib();  // stop(false)
  Fib(const Fib&) = delete;
  Fib& operator=(const Fib&) = delete;

  // Opens the netlink socket and starts the worker (which first clears or
  // adopts what an earlier run left). Error text when netlink cannot be opened.
  std::optional<std::string> start();
  // The desired route for r.prefix (no hops: none). Any thread; returns at
  // once; changes to one prefix are coalesced.
  void set(FibRoute r);
  // Ends the worker; removes catsd's routes first unless `retain`.
  void stop(bool retain);

  std::vector<FibEntry> entries() const;  // sorted by prefix
  FibStats stats() const;
  // Blocks until every change set so far has been tried (tests, benchmarks).
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  struct Hop {
    std::uint32_t id = 0;
    std::uint32_t refs = 0;
    bool created = false;  // sent, and not refused (a refused or unanswered one is sent again)
  };
  struct Programmed {
    FibRoute route;
    std::uint32_t group = 0;
  };
  void run();
  void clear_stale();
  void sweep_adopted();
  class Transaction;  // the messages of one program() call and the kernel's answers
  // One batch: the messages for these routes, sent together, their answers read.
  void program(std::vector<FibRoute> batch);
  // The outcome of a batch into entries_ (state, error, retry time) and the stats.
  void record(const std::vector<wire::Prefix>& done, const std::map<wire::Prefix, std::string>& failed,
              std::uint64_t batches);

  FibOptions opt_;
  void* nl_ = nullptr;  // mnl_socket (the worker's)
  std::uint32_t portid_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  bool stopping_ = false;
  bool retain_at_stop_ = false;
  bool busy_ = false;
  std::map<wire::Prefix, FibRoute> pending_;
  std::map<wire::Prefix, FibEntry> entries_;
  std::multimap<std::chrono::steady_clock::time_point, wire::Prefix> retries_;
  FibStats stats_;

  // The worker's own.
  std::map<wire::Prefix, Programmed> programmed_;
  std::map<std::pair<rib::PeerAddress, std::uint32_t>, Hop> hops_;
  std::uint32_t next_id_;
  std::vector<std::pair<std::uint32_t, wire::Prefix>> adopted_;  // retained routes of an earlier run
  std::chrono::steady_clock::time_point sweep_at_{};
};

}  // namespace cats::netlink
