// The connection to one BMP station (RFC 7854 §3.2, active mode): connects,
// reconnects with back-off, and writes queued messages. The queue is bounded:
// a station that reads too slowly loses its connection (the messages that did
// not fit are counted) and is sent everything again when it reconnects, so the
// RIB thread never waits on it. Runs on the RIB thread's executor; every call
// returns at once.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include "bgp-ext/wire/bytes.hpp"
#include "yang/config/config.hpp"

namespace cats::telemetry {

struct StationCounters {
  std::uint64_t connects = 0;
  std::uint64_t messages = 0;  // queued for writing
  std::uint64_t dropped = 0;   // did not fit the queue (or no connection)
  std::uint64_t resyncs = 0;   // connections reset for an overflow
};

class BmpStation {
 public:
  static constexpr std::size_t kQueueLimit = 32U << 20;  // octets
  static constexpr std::size_t kLowWater = 1U << 20;

  // `connected` runs on each new connection: the caller queues Initiation,
  // Peer Ups and the table then.
  BmpStation(boost::asio::any_io_executor ex, config::BmpStation cfg, std::function<void()> connected);
  BmpStation(const BmpStation&) = delete;
  BmpStation& operator=(const BmpStation&) = delete;

  void start();
  bool up() const { return up_; }
  bool closing() const { return closing_; }
  // Queues a message; false when dropped (not connected, or the queue overflowed:
  // then the connection is reset and a new one starts from the beginning).
  bool send(wire::Bytes m);
  std::size_t queued() const { return queued_; }
  // `f` runs once the queue is below kLowWater (at once if it is).
  void when_room(std::function<void()> f);
  // Writes what is queued, then closes; `done` runs then or after `linger`.
  void close(std::chrono::milliseconds linger, std::function<void()> done);
  const config::BmpStation& config() const { return cfg_; }
  const StationCounters& counters() const { return counters_; }

 private:
  void connect();
  void back_off();  // retry after the back-off, which then doubles up to retry-interval
  void retry(std::chrono::milliseconds after);
  void reset(const char* why);
  void write_next();
  void read_next();
  void finished();

  boost::asio::any_io_executor ex_;
  config::BmpStation cfg_;
  std::function<void()> connected_;
  std::unique_ptr<boost::asio::ip::tcp::socket> sock_;
  boost::asio::steady_timer timer_;
  std::deque<wire::Bytes> queue_;
  std::size_t queued_ = 0;
  bool writing_ = false;
  std::size_t in_flight_ = 0;  // messages at the front of queue_ handed to the write in progress
  bool up_ = false;
  bool closing_ = false;
  std::uint64_t epoch_ = 0;  // connection number: handlers of an older one do nothing
  std::chrono::milliseconds backoff_{1000};
  std::function<void()> room_;
  std::function<void()> closed_;
  std::array<std::byte, 512> sink_{};  // what a station sends (nothing, by RFC 7854) is read and discarded
  StationCounters counters_;
};

}  // namespace cats::telemetry
