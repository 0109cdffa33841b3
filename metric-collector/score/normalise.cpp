#include "metric-collector/score/normalise.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cats::score {
namespace {

// Steepness of the logistic curve: it passes 5% and 95% of its range at the
// zero and full points before being rescaled to reach them exactly.
constexpr double kLogisticEdge = 19.0;  // 0.95 / 0.05

double logistic(const InputRule& r, double x) {
  const double mid = (r.full + r.zero) / 2;
  const double k = 2 * std::log(kLogisticEdge) / (r.zero - r.full);
  const auto sigma = [&](double v) { return 1 / (1 + std::exp(k * (v - mid))); };
  return 10 * (sigma(x) - sigma(r.zero)) / (sigma(r.full) - sigma(r.zero));
}

// Min or weighted mean of (value, weight) pairs; nullopt for none.
struct Part {
  double value;
  double weight;
};

std::optional<double> combine(Combine how, const std::vector<Part>& parts) {
  if (parts.empty()) return std::nullopt;
  if (how == Combine::kMin) {
    double m = std::numeric_limits<double>::infinity();
    for (const Part& p : parts) m = std::min(m, p.value);
    return m;
  }
  double sum = 0;
  double weights = 0;
  for (const Part& p : parts) {
    sum += p.value * p.weight;
    weights += p.weight;
  }
  if (!(weights > 0)) return std::nullopt;
  return sum / weights;
}

}  // namespace

const char* health_name(Health h) {
  switch (h) {
    case Health::kHealthy: return "healthy";
    case Health::kDown: return "down";
    case Health::kStale: return "stale";
    case Health::kNoData: return "no-data";
    case Health::kDrained: return "drained";
  }
  return "?";
}

double input_score(const InputRule& r, double x) {
  if (std::isnan(x) || !(r.zero > r.full)) return 0;
  if (x <= r.full) return 10;
  if (x >= r.zero) return 0;
  const double s = r.curve == Curve::kLogistic ? logistic(r, x) : 10 * (r.zero - x) / (r.zero - r.full);
  return std::clamp(s, 0.0, 10.0);
}

InstanceScore normalise(const Rules& r, const L0Inputs& in) {
  InstanceScore out;
  out.instance = in.instance;
  out.sampled = in.sampled;
  if (in.max_concurrent && std::isfinite(*in.max_concurrent) && *in.max_concurrent > 0) {
    out.capacity = in.max_concurrent;
  }

  std::array<std::vector<Part>, kCategoryCount> by_category;
  for (Input i : kInputs) {
    const InputRule& rule = r.rule(i);
    if (!rule.enabled || index(rule.category) >= kCategoryCount) continue;
    const std::optional<double> v = input_value(in, i);
    if (!v) continue;
    if (!std::isfinite(*v) || *v < 0) {
      out.invalid.push_back(i);
      continue;
    }
    by_category[index(rule.category)].push_back({input_score(rule, *v), rule.weight});
  }

  std::vector<Part> l2_parts;
  for (Category c : kCategories) {
    const std::optional<double> l1 = combine(r.l1_combine, by_category[index(c)]);
    if (!l1) continue;
    out.l1[index(c)] = make_score(*l1);
    const double w = r.l2_weights[index(c)];
    if (w > 0) l2_parts.push_back({*l1, w});
  }
  if (const std::optional<double> l2 = combine(r.l2_combine, l2_parts)) out.l2 = make_score(*l2);

  if (!in.healthy) {
    out.health = Health::kDown;
  } else if (in.stale) {
    out.health = Health::kStale;
  } else if (!out.l2) {
    out.health = Health::kNoData;
  } else if (r.drain_at_zero && !(out.l2->exact > 0)) {
    out.health = Health::kDrained;
  } else {
    out.health = Health::kHealthy;
  }
  return out;
}

InstanceScore normalise(const Profile& p, std::string_view service, const L0Inputs& in) {
  return normalise(rules_for(p, service), in);
}

}  // namespace cats::score
