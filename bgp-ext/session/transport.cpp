#include "bgp-ext/session/transport.hpp"

#include <algorithm>
#include <boost/asio/write.hpp>

#include "bgp-ext/wire/header.hpp"

namespace cats::session {

namespace {

// One gather write carries up to this much after its first buffer: large
// enough that a table dump takes few system calls, small enough to bound the
// iovec list.
constexpr std::size_t kGatherOctets = std::size_t{256} * 1024;
constexpr std::size_t kGatherBuffers = 64;

}  // namespace

bool OutQueue::push(SharedBytes buf) {
  if (bytes_ + buf->size() > limit_) return false;
  force_push(std::move(buf));
  return true;
}

void OutQueue::force_push(SharedBytes buf) {
  bytes_ += buf->size();
  q_.push_back(std::move(buf));
}

void OutQueue::take(std::vector<asio::const_buffer>& out, std::size_t max_octets) {
  out.clear();
  std::size_t octets = 0;
  while (in_flight_ < q_.size() && out.size() < kGatherBuffers) {
    const auto& b = *q_[in_flight_];
    if (!out.empty() && octets + b.size() > max_octets) break;
    out.emplace_back(b.data(), b.size());
    octets += b.size();
    ++in_flight_;
  }
}

void OutQueue::pop_written() {
  for (; in_flight_ > 0; --in_flight_) {
    bytes_ -= q_.front()->size();
    q_.pop_front();
  }
}

void OutQueue::drop_pending() {
  while (q_.size() > in_flight_) {
    bytes_ -= q_.back()->size();
    q_.pop_back();
  }
}

Link::Link(tcp::socket socket, std::size_t queue_limit, bool outgoing)
    : socket_(std::move(socket)), linger_(socket_.get_executor()), outgoing_(outgoing), out_(queue_limit) {}

Link::~Link() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void Link::start_reading() {
  if (reading_) return;
  reading_ = true;
  rbuf_.resize(wire::kMaxExtendedMessage);
  read_some();
}

void Link::read_some() {
  auto self = shared_from_this();
  read_pending_ = true;
  socket_.async_read_some(asio::buffer(rbuf_.data() + rlen_, rbuf_.size() - rlen_),
                          [self](const boost::system::error_code& ec, std::size_t n) { self->on_read(ec, n); });
}

void Link::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (draining_) {  // closing: discard until the peer closes too
    read_pending_ = false;
    if (ec) return close_now();
    rlen_ = 0;
    return read_some();
  }
  if (stopped_ || ec) {
    read_pending_ = false;
    if (!stopped_) fail(ec);
    return;
  }
  rlen_ += n;
  deliver_and_read_on();
}

// read_pending_ stays set while messages are delivered: a close from inside a
// callback (finish_close) leaves the next read to us, not to a second one.
void Link::deliver_and_read_on() {
  read_pending_ = true;
  frame();
  if (cb_.on_read_done) cb_.on_read_done();
  read_pending_ = false;
  if (draining_) {
    rlen_ = 0;
    return read_some();
  }
  if (!stopped_ && !paused_) read_some();
}

void Link::resume_reading() {
  if (!paused_) return;
  paused_ = false;
  if (!reading_ || read_pending_ || stopped_ || draining_) return;
  deliver_and_read_on();  // what was buffered while paused first
}

void Link::frame() {
  std::size_t pos = 0;
  while (!stopped_ && !paused_ && rlen_ - pos >= wire::kHeaderSize) {
    const wire::ByteSpan head(rbuf_.data() + pos, wire::kHeaderSize);
    const bool marker_ok =
        std::all_of(head.begin(), head.begin() + 16, [](std::byte b) { return b == std::byte{0xff}; });
    const std::size_t len = *wire::peek_length(head);
    if (!marker_ok || len < wire::kHeaderSize || len > max_message_) {
      // Cannot find the next message: hand over the header for its error, stop.
      stopped_ = true;
      if (cb_.on_message) cb_.on_message(head);
      return;
    }
    if (rlen_ - pos < len) break;
    // The callback may close or detach us; the buffer stays valid meanwhile.
    if (cb_.on_message) cb_.on_message(wire::ByteSpan(rbuf_.data() + pos, len));
    pos += len;
  }
  if (pos > 0) {
    std::copy(rbuf_.begin() + static_cast<std::ptrdiff_t>(pos), rbuf_.begin() + static_cast<std::ptrdiff_t>(rlen_),
              rbuf_.begin());
    rlen_ -= pos;
  }
}

bool Link::send(SharedBytes msg) {
  if (closing_ || !out_.push(std::move(msg))) return false;
  write_next();
  return true;
}

void Link::send_last(SharedBytes msg) {
  // The NOTIFICATION ends the session: queued UPDATEs would only delay it.
  out_.drop_pending();
  out_.force_push(std::move(msg));
  write_next();
}

void Link::write_next() {
  if (writing_ || out_.empty() || !socket_.is_open()) return;
  writing_ = true;
  out_.take(wbufs_, kGatherOctets);
  auto self = shared_from_this();
  asio::async_write(socket_, wbufs_, [self](const boost::system::error_code& ec, std::size_t) {
    self->writing_ = false;
    if (ec) {
      if (self->closing_) return self->close_now();
      return self->fail(ec);
    }
    self->out_.pop_written();
    if (!self->closing_ && self->cb_.on_progress) self->cb_.on_progress();
    if (self->closing_ && self->out_.empty()) return self->finish_close();
    self->write_next();
  });
}

void Link::fail(const boost::system::error_code& ec) {
  if (closing_ || failed_) return;
  failed_ = true;
  stopped_ = true;
  if (cb_.on_error) cb_.on_error(ec);
}

// The callbacks are never cleared here: we may be running inside one. The
// flags silence them and they go with the Link.
void Link::close_after_flush(std::chrono::milliseconds linger) {
  stopped_ = true;
  closing_ = true;
  // The queue drains through write_next(), which then half-closes; a peer
  // that does not read, or does not close its side, gets `linger`, not forever.
  auto self = shared_from_this();
  linger_.expires_after(linger);
  linger_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec) self->close_now();
  });
  if (out_.empty() && !writing_) finish_close();
}

void Link::finish_close() {
  // Closing with unread input sends an RST, and an RST can make the peer's
  // stack drop our NOTIFICATION before its application reads it. So: FIN
  // after the last message, then read and discard until the peer closes
  // (or the linger timer closes for us).
  if (!socket_.is_open()) return;
  draining_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  if (read_pending_) return;  // its completion continues the drain
  if (rbuf_.empty()) rbuf_.resize(4096);
  rlen_ = 0;
  read_some();
}

void Link::close_now() {
  stopped_ = true;
  closing_ = true;
  linger_.cancel();
  boost::system::error_code ignored;
  if (socket_.is_open()) {
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
}

}  // namespace cats::session
