// One TCP connection to a neighbor: BGP message framing on the read side and
// a bounded output queue on the write side. Knows nothing of the FSM; the
// Peer reads messages and write progress through callbacks.
//
// Output is a queue of shared, immutable buffers, each holding whole
// messages: the same encoded UPDATEs go to every neighbor of an update group
// without a copy per neighbor. Several queued buffers go out in one gather
// write.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "bgp-ext/wire/bytes.hpp"

namespace cats::session {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Whole messages, immutable once built, shared by every queue that sends them.
using SharedBytes = std::shared_ptr<const wire::Bytes>;

// Buffers waiting for the socket, counted in octets (the ones being written
// included, until they are).
class OutQueue {
 public:
  explicit OutQueue(std::size_t limit) : limit_(limit) {}
  // False, and nothing queued, when the buffer would pass the bound.
  bool push(SharedBytes buf);
  void force_push(SharedBytes buf);                       // a NOTIFICATION before closing
  bool empty() const { return q_.size() == in_flight_; }  // nothing waiting to be written
  // Marks buffers from the front as being written, at least one and no more
  // than `max_octets` in total after the first, and lists them in `out`.
  void take(std::vector<asio::const_buffer>& out, std::size_t max_octets);
  // The buffers being written are written.
  void pop_written();
  // Drops every buffer not being written (a write may be half done).
  void drop_pending();
  std::size_t bytes() const { return bytes_; }
  std::size_t limit() const { return limit_; }

 private:
  std::deque<SharedBytes> q_;
  std::size_t in_flight_ = 0;  // buffers at the front handed to the socket
  std::size_t bytes_ = 0;
  std::size_t limit_;
};

class Link : public std::enable_shared_from_this<Link> {
 public:
  struct Callbacks {
    // One complete message, or the 19-octet header of one that cannot be framed
    // (bad marker or length): decode_message() reports the header error.
    std::function<void(wire::ByteSpan)> on_message;
    // The messages of one read were delivered (a handler batching them hands
    // the batch on here).
    std::function<void()> on_read_done;
    std::function<void()> on_progress;                               // a write completed
    std::function<void(const boost::system::error_code&)> on_error;  // EOF, reset, ...
  };

  Link(tcp::socket socket, std::size_t queue_limit, bool outgoing);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  tcp::socket& socket() { return socket_; }
  bool outgoing() const { return outgoing_; }
  void set_callbacks(Callbacks cb) { cb_ = std::move(cb); }
  void set_max_message(std::size_t n) { max_message_ = n; }

  void start_reading();
  // Flow control: while paused no message is delivered and the socket is not
  // read, so TCP's window pushes back on the peer; resuming delivers what is
  // already buffered first.
  void pause_reading() { paused_ = true; }
  void resume_reading();
  bool paused() const { return paused_; }
  bool send(SharedBytes msg);  // false: the queue is full, nothing queued
  void send_last(SharedBytes msg);
  void drop_pending() { out_.drop_pending(); }
  std::size_t queued_bytes() const { return out_.bytes(); }

  // Stops delivering, writes what is queued, sends FIN and reads (discarding)
  // until the peer closes, all within `linger`; then closes. The Link keeps
  // itself alive until then.
  void close_after_flush(std::chrono::milliseconds linger);
  void close_now();
  bool open() const { return socket_.is_open(); }

 private:
  void read_some();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void frame();
  void deliver_and_read_on();  // frame() the buffer, then read again unless stopped, paused or draining
  void finish_close();
  void write_next();
  void fail(const boost::system::error_code& ec);

  tcp::socket socket_;
  asio::steady_timer linger_;
  bool outgoing_;
  Callbacks cb_;
  wire::Bytes rbuf_;
  std::size_t rlen_ = 0;
  std::size_t max_message_ = 4096;
  bool reading_ = false;
  bool read_pending_ = false;
  bool paused_ = false;
  bool draining_ = false;  // half-closed after the last message; reading to EOF
  bool stopped_ = false;   // a framing error or close: nothing more is delivered
  OutQueue out_;
  std::vector<asio::const_buffer> wbufs_;  // the gather write in progress
  bool writing_ = false;
  bool closing_ = false;
  bool failed_ = false;
};

}  // namespace cats::session
