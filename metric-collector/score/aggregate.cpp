#include "metric-collector/score/aggregate.hpp"

#include <algorithm>

namespace cats::score {
namespace {

struct Value {
  double score;
  std::optional<double> capacity;
};

double aggregate(SiteAggregation how, const std::vector<Value>& v) {
  if (how == SiteAggregation::kMax) {
    double m = 0;
    for (const Value& x : v) m = std::max(m, x.score);
    return m;
  }
  // Capacity weighting needs every capacity; a partial set would let the
  // instances without one count for nothing or for too much.
  const bool weighted = how == SiteAggregation::kCapacityWeightedMean &&
                        std::all_of(v.begin(), v.end(), [](const Value& x) { return x.capacity.has_value(); });
  double sum = 0;
  double weights = 0;
  for (const Value& x : v) {
    const double w = weighted ? *x.capacity : 1.0;
    sum += x.score * w;
    weights += w;
  }
  return weights > 0 ? sum / weights : 0;
}

}  // namespace

const char* verdict_name(Verdict v) {
  return v == Verdict::kAdvertise ? "advertise" : "withdraw";
}

SiteScore aggregate_site(const Rules& r, std::uint16_t profile_id, std::vector<InstanceScore> instances,
                         TimePoint now) {
  SiteScore site;
  site.profile_id = profile_id;
  std::vector<Value> l2;
  std::array<std::vector<Value>, kCategoryCount> l1;
  for (InstanceScore& i : instances) {
    // Old values say nothing about capacity either: stale wins over drained.
    const bool scored = i.health == Health::kHealthy || i.health == Health::kDrained;
    if (scored && now - i.sampled > r.stale_after) i.health = Health::kStale;
    if (i.drained() || !i.l2) continue;
    ++site.healthy;
    l2.push_back({i.l2->exact, i.capacity});
    for (Category c : kCategories) {
      if (i.l1[index(c)]) l1[index(c)].push_back({i.l1[index(c)]->exact, i.capacity});
    }
  }
  site.instances = std::move(instances);
  if (site.healthy == 0) {
    // Every instance answering but full: the site is busy, not gone. It is
    // advertised with L2 0 (no capacity), which the damper sends at once and
    // the ingress ranks last, instead of a withdraw that a short burst would
    // turn into withdraw-and-return churn. Withdraw: nothing answers.
    const bool busy = std::any_of(site.instances.begin(), site.instances.end(),
                                  [](const InstanceScore& i) { return i.health == Health::kDrained; });
    if (!busy) return site;  // kWithdraw
    site.verdict = Verdict::kAdvertise;
    site.l2 = make_score(0);
    return site;
  }
  site.verdict = Verdict::kAdvertise;
  site.l2 = make_score(aggregate(r.site, l2));
  for (Category c : kCategories) {
    if (!l1[index(c)].empty()) site.l1[index(c)] = make_score(aggregate(r.site, l1[index(c)]));
  }
  return site;
}

SiteScore aggregate_site(const Profile& p, std::string_view service, std::vector<InstanceScore> instances,
                         TimePoint now) {
  return aggregate_site(rules_for(p, service), p.id, std::move(instances), now);
}

SiteScore score_site(const Profile& p, std::string_view service, std::span<const L0Inputs> inputs, TimePoint now) {
  const Rules r = rules_for(p, service);
  std::vector<InstanceScore> instances;
  instances.reserve(inputs.size());
  for (const L0Inputs& in : inputs) instances.push_back(normalise(r, in));
  return aggregate_site(r, p.id, std::move(instances), now);
}

}  // namespace cats::score
