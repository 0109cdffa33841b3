#include "catsd/rde/graceful_restart.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cats::rde {

namespace {

wire::Family family_of(session::AfiSafi f) {
  return wire::Family{f.afi, f.safi};
}

void append(std::vector<rib::PrefixKey>& to, std::vector<rib::PrefixKey> from) {
  to.insert(to.end(), from.begin(), from.end());
}

std::vector<rib::PrefixKey> sorted_unique(std::vector<rib::PrefixKey> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace

GracefulRestart::GracefulRestart(const boost::asio::any_io_executor& ex, std::function<void()> expired)
    : timer_(ex), expired_(std::move(expired)) {}

bool GracefulRestart::keeps_paths(const session::Negotiated& s, const session::SessionDown& why, bool stopping) {
  bool graceful = s.graceful_restart && !stopping && !why.sent;
  if (why.received) {
    graceful = graceful && s.gr_notification &&
               !(why.received->code == wire::notify::kCease && why.received->subcode == session::cease::kHardReset);
  }
  return graceful;
}

void GracefulRestart::arm(std::chrono::seconds after) {
  timer_.cancel();
  timer_.expires_after(after);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stale_.empty()) expired_();
  });
}

std::vector<rib::PrefixKey> GracefulRestart::session_down(rib::AdjRibIn& in, const session::Negotiated& s,
                                                          bool graceful) {
  stale_.clear();
  if (!graceful) {
    timer_.cancel();
    return in.clear();
  }
  std::vector<rib::PrefixKey> changed;
  for (const auto& f : s.families) {
    const wire::Family fam = family_of(f.family);
    append(changed, in.mark_stale(fam));
    if (s.gr_family(f.family)) {
      stale_.push_back(fam);
    } else {
      append(changed, in.sweep_stale(fam));
    }
  }
  const std::uint16_t restart = s.peer_graceful_restart ? s.peer_graceful_restart->restart_time : 0;
  spdlog::info("[{}] graceful restart: {} families kept stale for {}s", in.facts().address.to_string(), stale_.size(),
               restart);
  arm(std::chrono::seconds{restart});
  return sorted_unique(std::move(changed));
}

std::vector<rib::PrefixKey> GracefulRestart::session_up(rib::AdjRibIn& in, const session::Negotiated& s) {
  if (stale_.empty()) return {};
  std::vector<rib::PrefixKey> swept;
  std::erase_if(stale_, [&](wire::Family f) {
    const auto* g = s.peer_graceful_restart ? s.peer_graceful_restart->find({f.afi, f.safi}) : nullptr;
    if (s.graceful_restart && g != nullptr && g->forwarding) return false;
    append(swept, in.sweep_stale(f));
    return true;
  });
  timer_.cancel();
  if (!stale_.empty()) arm(kStalePathTime);
  return sorted_unique(std::move(swept));
}

bool GracefulRestart::waiting_for(wire::Family f) const {
  return std::find(stale_.begin(), stale_.end(), f) != stale_.end();
}

std::vector<rib::PrefixKey> GracefulRestart::end_of_rib(rib::AdjRibIn& in, wire::Family f) {
  auto it = std::find(stale_.begin(), stale_.end(), f);
  if (it == stale_.end()) return {};
  stale_.erase(it);
  if (stale_.empty()) timer_.cancel();
  return in.sweep_stale(f);
}

std::vector<rib::PrefixKey> GracefulRestart::expire(rib::AdjRibIn& in) {
  std::vector<rib::PrefixKey> changed;
  for (auto f : stale_) append(changed, in.sweep_stale(f));
  stale_.clear();
  return sorted_unique(std::move(changed));
}

}  // namespace cats::rde
