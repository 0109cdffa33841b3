#include "yang/config/validate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cats::config {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string secs(std::chrono::milliseconds d) {
  return num(static_cast<double>(d.count()) / 1000.0) + " s";
}

struct Checker {
  std::string where;
  std::vector<FieldError>& out;

  void fail(std::string field, std::string reason) { out.push_back({where, std::move(field), std::move(reason)}); }
};

void check_input(Checker& c, Input i, const InputRule& r) {
  const std::string name = input_name(i);
  if (index(r.category) >= kCategoryCount) c.fail("category of " + name, "is not a known category");
  if (r.curve != Curve::kLinear && r.curve != Curve::kLogistic) c.fail("curve of " + name, "is not a known curve");
  if (!std::isfinite(r.weight) || !(r.weight > 0))
    c.fail("weight of " + name, "must be positive (got " + num(r.weight) + ")");
  const bool full_ok = std::isfinite(r.full);
  const bool zero_ok = std::isfinite(r.zero);
  if (!full_ok) c.fail("full-point of " + name, "must be a finite number");
  if (!zero_ok) c.fail("zero-point of " + name, "must be a finite number");
  if (!full_ok || !zero_ok) return;
  if (r.full < 0) c.fail("full-point of " + name, "must not be negative (got " + num(r.full) + ")");
  if (!(r.zero > r.full)) {
    c.fail("zero-point of " + name, "must exceed full-point (full " + num(r.full) + ", zero " + num(r.zero) + ")");
  }
  if (is_fraction(i) && r.zero > 1) {
    c.fail("zero-point of " + name, "must not exceed 1, it is a utilisation (got " + num(r.zero) + ")");
  }
}

void check_rules(Checker& c, const Rules& r) {
  std::array<bool, kCategoryCount> fed{};
  bool any = false;
  for (Input i : kInputs) {
    const InputRule& rule = r.rule(i);
    if (!rule.enabled) continue;
    any = true;
    check_input(c, i, rule);
    if (index(rule.category) < kCategoryCount) fed[index(rule.category)] = true;
  }
  if (!any) c.fail("inputs", "none enabled: nothing to score");
  const auto combine_ok = [](Combine x) { return x == Combine::kMin || x == Combine::kWeightedMean; };
  if (!combine_ok(r.l1_combine)) c.fail("category combination", "is not min or weighted-mean");
  if (!combine_ok(r.l2_combine)) c.fail("L2 combination", "is not min or weighted-mean");
  bool weighted = false;
  for (Category k : kCategories) {
    const double w = r.l2_weights[index(k)];
    if (!std::isfinite(w) || w < 0) {
      c.fail(std::string("L2 weight of ") + category_name(k), "must be a finite number >= 0 (got " + num(w) + ")");
    } else if (w > 0 && fed[index(k)]) {
      weighted = true;
    }
  }
  if (any && !weighted) c.fail("L2 weights", "give no weight to any category with an enabled input");
  if (r.site != SiteAggregation::kMax && r.site != SiteAggregation::kMean &&
      r.site != SiteAggregation::kCapacityWeightedMean) {
    c.fail("site aggregation", "is not max, mean or capacity-weighted-mean");
  }
  if (r.stale_after.count() <= 0 || r.stale_after > std::chrono::hours(1)) {
    c.fail("stale-after", "must be more than 0 and at most 3600 s (got " + secs(r.stale_after) + ")");
  }
}

}  // namespace

std::string FieldError::message() const {
  return where + ": " + field + " " + reason;
}

std::vector<FieldError> validate(const Profile& p) {
  std::vector<FieldError> out;
  Checker base{"profile " + std::to_string(p.id), out};
  if (p.id == 0) base.fail("id", "must not be 0 (0 means unspecified on the wire)");
  check_rules(base, p.rules);
  const std::vector<FieldError> inherited = out;

  for (std::size_t n = 0; n < p.overrides.size(); ++n) {
    const std::string& s = p.overrides[n].service;
    if (s.empty()) {
      base.fail("service of override " + std::to_string(n + 1), "must not be empty");
      continue;
    }
    const auto first =
        std::find_if(p.overrides.begin(), p.overrides.end(), [&](const ServiceOverride& o) { return o.service == s; });
    if (first != p.overrides.begin() + static_cast<std::ptrdiff_t>(n)) {
      base.fail("override for service \"" + s + "\"", "appears more than once");
      continue;
    }
    // Report what the override breaks, not again what it inherits broken.
    std::vector<FieldError> mine;
    Checker c{"profile " + std::to_string(p.id) + ", service \"" + s + "\"", mine};
    check_rules(c, rules_for(p, s));
    for (FieldError& e : mine) {
      const bool seen = std::any_of(inherited.begin(), inherited.end(),
                                    [&](const FieldError& b) { return b.field == e.field && b.reason == e.reason; });
      if (!seen) out.push_back(std::move(e));
    }
  }
  return out;
}

std::vector<FieldError> validate(std::span<const Profile> profiles) {
  std::vector<FieldError> out;
  for (std::size_t n = 0; n < profiles.size(); ++n) {
    std::vector<FieldError> one = validate(profiles[n]);
    out.insert(out.end(), one.begin(), one.end());
    for (std::size_t m = 0; m < n; ++m) {
      if (profiles[m].id == profiles[n].id && profiles[n].id != 0) {
        out.push_back({"profile " + std::to_string(profiles[n].id), "id",
                       "is used by \"" + profiles[m].name + "\" and \"" + profiles[n].name + "\""});
        break;
      }
    }
  }
  return out;
}

std::vector<FieldError> validate(const DamperConfig& d) {
  std::vector<FieldError> out;
  Checker c{"damper", out};
  using std::chrono::seconds;
  if (d.half_life.count() < 0 || d.half_life > seconds(600)) {
    c.fail("half-life", "must be 0..600 s (got " + secs(d.half_life) + ")");
  }
  if (!std::isfinite(d.threshold) || d.threshold < 0 || d.threshold > 10) {
    c.fail("threshold", "must be 0..10 score points (got " + num(d.threshold) + ")");
  }
  if (!std::isfinite(d.band) || d.band < 0 || d.band > 1) {
    c.fail("hysteresis band", "must be 0..1 score points (got " + num(d.band) + ")");
  }
  if (d.min_interval < seconds(1) || d.min_interval > seconds(600)) {
    c.fail("min-interval", "must be 1..600 s (got " + secs(d.min_interval) + ")");
  }
  if (d.flap_damping) {
    if (d.flap_limit == 0) c.fail("flap limit", "must be at least 1 toggle");
    if (d.flap_window <= seconds(0) || d.flap_window > seconds(3600)) {
      c.fail("flap window", "must be more than 0 and at most 3600 s (got " + secs(d.flap_window) + ")");
    }
    if (d.hold <= seconds(0) || d.hold > seconds(3600)) {
      c.fail("hold time", "must be more than 0 and at most 3600 s (got " + secs(d.hold) + ")");
    }
  }
  return out;
}

}  // namespace cats::config
