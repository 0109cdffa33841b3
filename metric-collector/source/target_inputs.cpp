#include "metric-collector/source/target_inputs.hpp"

#include <chrono>

namespace cats::source {

std::vector<InstanceValues> target_inputs(const EngineProfile& profile, const ScrapeTarget& target,
                                          const TargetStatus& status, score::TimePoint now) {
  if (!status.last_good) return {};
  const Scrape& cur = *status.last_good;
  const Scrape* prev = status.previous_good.get();
  const double dt = prev ? std::chrono::duration<double>(cur.at - prev->at).count() : 0;
  const bool stale = now - cur.at > target.staleness;
  auto out = extract(profile, cur.parsed, prev ? &prev->parsed : nullptr, dt);
  for (auto& iv : out) {
    iv.l0.instance = iv.l0.instance.empty() ? target.name : target.name + "/" + iv.l0.instance;
    iv.l0.sampled = cur.at;
    iv.l0.stale = stale;
    iv.l0.healthy = !stale;
  }
  return out;
}

}  // namespace cats::source
