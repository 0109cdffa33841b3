// MRT files (RFC 6396): periodic TABLE_DUMP_V2 dumps of every path the RIB
// holds, and BGP4MP_ET logs of received messages and session changes rotated
// by interval. Records are encoded on the RIB thread; files are written on a
// thread of this writer's own (a dump to a temporary name, then renamed), so
// a slow disk never holds up routing: past a bounded backlog, log records are
// dropped and counted.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "catsd/telemetry/mrt_message.hpp"
#include "catsd/telemetry/rib_monitor.hpp"
#include "common/log/rate_limit.hpp"
#include "yang/config/config.hpp"

namespace cats::telemetry {

// strftime(3) of `pattern` at `t`, UTC.
std::string mrt_file_name(const std::string& pattern, std::chrono::system_clock::time_point t);

// A whole TABLE_DUMP_V2 dump of `rib`: PEER_INDEX_TABLE (index 0: this
// speaker, for its own routes), then one RIB record per prefix with every
// path of a known peer; the _ADDPATH subtype when a path has a path id.
wire::Bytes mrt_table_dump(const RibSource& src, const std::map<rib::PeerId, PeerInfo>& peers, MrtTime now);

class MrtWriter {
 public:
  static constexpr std::size_t kBacklogLimit = 64U << 20;  // octets waiting for the disk

  MrtWriter(boost::asio::any_io_executor ex, config::Mrt cfg, const RibSource& src,
            const std::map<rib::PeerId, PeerInfo>& peers);
  ~MrtWriter();
  MrtWriter(const MrtWriter&) = delete;
  MrtWriter& operator=(const MrtWriter&) = delete;

  void start();
  void peer_up(const PeerInfo& p);
  void peer_down(const PeerInfo& p);
  void received(const PeerInfo& p, wire::ByteSpan message);
  // A dump now (as the timer does).
  void dump();
  // Writes what is queued and stops the thread.
  void stop();
  std::uint64_t dropped() const { return dropped_; }
  // Log records the disk refused (full, unwritable), each one dropped whole:
  // a record cut short is truncated away, so the file stays readable.
  std::uint64_t write_failures() const { return write_failures_.load(); }

 private:
  void arm_dump();
  void log(wire::Bytes record);
  void post(std::size_t bytes, std::function<void()> job);
  void run();

  boost::asio::any_io_executor ex_;
  config::Mrt cfg_;
  const RibSource& src_;
  const std::map<rib::PeerId, PeerInfo>& peers_;
  boost::asio::steady_timer dump_timer_;
  bool stopped_ = false;  // the executor's thread
  std::uint64_t dropped_ = 0;
  // The writer thread's.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::size_t, std::function<void()>>> jobs_;
  std::size_t backlog_ = 0;
  bool stopping_ = false;
  std::string log_name_;  // the update log open now
  std::ofstream log_;
  cats::log::RateLimit errors_;  // one error line per kind and 10 s, however many records fail
  std::atomic<std::uint64_t> write_failures_{0};
  std::thread thread_;
};

}  // namespace cats::telemetry
