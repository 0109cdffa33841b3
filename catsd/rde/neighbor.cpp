#include "catsd/rde/neighbor.hpp"

namespace cats::rde {

Neighbor::Neighbor(rib::PeerId id, config::Neighbor cfg, rib::NeighborPolicy policy,
                   const boost::asio::any_io_executor& ex, std::function<void()> gr_expired)
    : id_(id), cfg_(std::move(cfg)), policy_(std::move(policy)), gr_(ex, std::move(gr_expired)) {
  pacing_.mrai_timer = std::make_unique<boost::asio::steady_timer>(ex);
}

rib::Neighbor Neighbor::kind() const {
  if (!cfg_.ibgp) return rib::Neighbor::kExternal;
  return cfg_.route_reflector_client ? rib::Neighbor::kClient : rib::Neighbor::kNonClient;
}

EstablishedSession& Neighbor::establish(EstablishedSession s) {
  session_ = std::move(s);
  max_prefix_exceeded_ = false;
  max_prefix_warned_ = false;
  return *session_;
}

std::optional<EstablishedSession> Neighbor::drop_session(std::uint64_t gen, const session::SessionDown& why) {
  last_down_ = why;
  last_down_at_ = SteadyClock::now();
  if (!session_ || session_->gen != gen) return std::nullopt;
  auto s = std::move(session_);
  session_.reset();
  ++counters_.flaps;
  rib_out_.clear();
  pacing_.mrai_timer->cancel();
  pacing_.mrai_running = false;
  return s;
}

bool Neighbor::warn_max_prefix_once() {
  const bool first = !max_prefix_warned_;
  max_prefix_warned_ = true;
  return first;
}

}  // namespace cats::rde
