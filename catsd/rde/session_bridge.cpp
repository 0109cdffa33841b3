#include "catsd/rde/session_bridge.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

namespace cats::rde {

namespace asio = boost::asio;

void SessionBridge::on_established(session::Peer& peer, const session::Negotiated& s) {
  post_batch(peer);
  close_batch();
  const auto g = ++gen_;
  in_flight_ = 0;
  paused_ = false;
  asio::post(rib_, [this, g, s, ends = peer.ends()] { events_.session_up(id_, g, s, ends); });
}

void SessionBridge::on_update_message(session::Peer& peer, wire::ByteSpan raw, const wire::DecodeContext& ctx,
                                      const wire::Decoded&) {
  in_flight_ += raw.size();
  if (!paused_ && in_flight_ >= kPauseAt) {
    paused_ = true;
    peer.pause_input();
  }
  std::lock_guard lock(mutex_);
  if (!open_) {
    open_ = std::make_shared<UpdateBatch>();
    open_->gen = gen_;
    posted_ = false;
  }
  open_->bytes.insert(open_->bytes.end(), raw.begin(), raw.end());
  open_->messages.push_back({open_->bytes.size(), ctx});
}

void SessionBridge::on_down(session::Peer& peer, const session::SessionDown& why) {
  post_batch(peer);
  close_batch();
  asio::post(rib_, [this, g = gen_, why] { events_.session_down(id_, g, why); });
}

void SessionBridge::on_route_refresh(session::Peer& peer, const wire::RouteRefresh& rr) {
  post_batch(peer);
  close_batch();
  asio::post(rib_, [this, g = gen_, rr] { events_.session_refresh(id_, g, rr); });
}

void SessionBridge::on_writable(session::Peer&) {
  // Not a batch boundary: UPDATEs read so far keep going with their read.
  asio::post(rib_, [this, g = gen_] { events_.session_writable(id_, g); });
}

void SessionBridge::post_batch(session::Peer& peer) {
  std::lock_guard lock(mutex_);
  if (!open_ || posted_) return;
  posted_ = true;
  asio::post(rib_, [this, &peer, b = open_] { run_batch(peer, b); });
}

void SessionBridge::close_batch() {
  std::lock_guard lock(mutex_);
  open_.reset();
}

void SessionBridge::run_batch(session::Peer& peer, const std::shared_ptr<UpdateBatch>& b) {
  {
    std::lock_guard lock(mutex_);
    if (open_ == b) open_.reset();
  }
  events_.session_updates(id_, *b);
  asio::post(sessions_, [this, &peer, g = b->gen, size = b->bytes.size()] { processed(peer, g, size); });
}

void SessionBridge::processed(session::Peer& peer, std::uint64_t g, std::size_t size) {
  if (g != gen_) return;  // a session that is gone: its counts went with it
  in_flight_ -= std::min(size, in_flight_);
  if (paused_ && in_flight_ <= kResumeAt) {
    paused_ = false;
    peer.resume_input();
  }
}

}  // namespace cats::rde
