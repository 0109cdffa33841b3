#include "catsd/telemetry/bmp_station.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <vector>

namespace cats::telemetry {

namespace asio = boost::asio;

BmpStation::BmpStation(asio::any_io_executor ex, config::BmpStation cfg, std::function<void()> connected)
    : ex_(std::move(ex)), cfg_(std::move(cfg)), connected_(std::move(connected)), timer_(ex_) {}

void BmpStation::start() {
  connect();
}

void BmpStation::connect() {
  if (closing_) return;
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(cfg_.address, ec);
  if (ec) {
    spdlog::error("BMP station {}: bad address {}", cfg_.name, cfg_.address);
    return;
  }
  sock_ = std::make_unique<asio::ip::tcp::socket>(ex_);
  if (!cfg_.source_address.empty()) {
    const auto from = asio::ip::make_address(cfg_.source_address, ec);
    if (!ec) sock_->open(addr.is_v6() ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), ec);
    if (!ec) sock_->bind({from, 0}, ec);
    if (ec) {
      // An address not (yet) on this host: try again later, as for a refused connect.
      spdlog::warn("BMP station {}: source address {}: {}", cfg_.name, cfg_.source_address, ec.message());
      sock_.reset();
      back_off();
      return;
    }
  }
  const auto epoch = ++epoch_;
  sock_->async_connect({addr, cfg_.port}, [this, epoch](const boost::system::error_code& e) {
    if (epoch != epoch_ || closing_) return;
    if (e) {
      spdlog::debug("BMP station {}: connect to {}:{}: {}", cfg_.name, cfg_.address, cfg_.port, e.message());
      back_off();
      return;
    }
    boost::system::error_code opt;
    sock_->set_option(asio::ip::tcp::no_delay(true), opt);
    up_ = true;
    backoff_ = std::chrono::milliseconds{1000};
    ++counters_.connects;
    spdlog::info("BMP station {}: connected to {}:{}", cfg_.name, cfg_.address, cfg_.port);
    read_next();
    connected_();
  });
}

void BmpStation::back_off() {
  retry(backoff_);
  backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, cfg_.retry_interval);
}

void BmpStation::retry(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([this](const boost::system::error_code& e) {
    if (!e) connect();
  });
}

void BmpStation::reset(const char* why) {
  if (!up_) return;
  spdlog::warn("BMP station {}: {}: connection closed{}", cfg_.name, why, closing_ ? "" : ", reconnecting");
  up_ = false;
  ++epoch_;
  boost::system::error_code ec;
  sock_->close(ec);
  queue_.clear();
  queued_ = 0;
  in_flight_ = 0;
  writing_ = false;
  room_ = nullptr;
  if (closing_) {
    finished();
    return;
  }
  retry(backoff_);
}

bool BmpStation::send(wire::Bytes m) {
  if (!up_ || closing_) {
    ++counters_.dropped;
    return false;
  }
  if (queued_ + m.size() > kQueueLimit) {
    // The station fell behind: what it missed cannot be told by parts, so it
    // gets everything again on a new connection.
    ++counters_.dropped;
    ++counters_.resyncs;
    backoff_ = std::chrono::milliseconds{1000};
    reset("queue overflow");
    return false;
  }
  ++counters_.messages;
  queued_ += m.size();
  queue_.push_back(std::move(m));
  write_next();
  return true;
}

void BmpStation::when_room(std::function<void()> f) {
  if (queued_ < kLowWater) {
    asio::post(ex_, std::move(f));
    return;
  }
  room_ = std::move(f);
}

void BmpStation::write_next() {
  if (writing_ || queue_.empty()) return;
  writing_ = true;
  const auto epoch = epoch_;
  // One gathered write for many messages: a table dump is a message per
  // prefix, and a system call each would cost the RIB thread more than the
  // encoding does.
  constexpr std::size_t kGather = 64;
  std::vector<asio::const_buffer> buffers;
  for (const auto& m : queue_) {
    if (buffers.size() == kGather) break;
    buffers.emplace_back(asio::buffer(m));
  }
  in_flight_ = buffers.size();
  asio::async_write(*sock_, buffers, [this, epoch](const boost::system::error_code& e, std::size_t) {
    if (epoch != epoch_) return;
    writing_ = false;
    if (e) {
      reset(e.message().c_str());
      return;
    }
    for (; in_flight_ > 0; --in_flight_) {
      queued_ -= queue_.front().size();
      queue_.pop_front();
    }
    if (room_ && queued_ < kLowWater) asio::post(ex_, std::exchange(room_, nullptr));
    if (queue_.empty() && closing_) {
      finished();
      return;
    }
    write_next();
  });
}

void BmpStation::read_next() {
  const auto epoch = epoch_;
  sock_->async_read_some(asio::buffer(sink_), [this, epoch](const boost::system::error_code& e, std::size_t) {
    if (epoch != epoch_) return;
    if (e) {
      reset(e == asio::error::eof ? "closed by the station" : e.message().c_str());
      return;
    }
    read_next();
  });
}

void BmpStation::close(std::chrono::milliseconds linger, std::function<void()> done) {
  closing_ = true;
  closed_ = std::move(done);
  timer_.cancel();
  if (!up_ || queue_.empty()) {
    finished();
    return;
  }
  timer_.expires_after(linger);
  timer_.async_wait([this](const boost::system::error_code& e) {
    if (!e) finished();
  });
}

void BmpStation::finished() {
  ++epoch_;
  up_ = false;
  timer_.cancel();
  if (sock_) {
    boost::system::error_code ec;
    sock_->shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    sock_->close(ec);
  }
  // Closed for good (the write in flight is cancelled with the socket): what
  // was queued and a dump's continuation go now; a retired station is kept
  // until exit.
  queue_.clear();
  queued_ = 0;
  in_flight_ = 0;
  writing_ = false;
  room_ = nullptr;
  if (closed_) asio::post(ex_, std::exchange(closed_, nullptr));
}

}  // namespace cats::telemetry
