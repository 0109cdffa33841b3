#include "metric-collector/score/damper.hpp"

#include <algorithm>
#include <cstdlib>

#include "metric-collector/score/levels.hpp"

namespace cats::score {
namespace {

// Rounds one smoothed score against what is on the wire, noting what held it.
struct Quantiser {
  double band;
  double threshold;
  bool hysteresis = false;
  bool threshold_hit = false;

  // zero_rule: a value that rounds to 0 goes out as 0 whatever the band and
  // threshold say (spec B.3.5: a score dropping to 0 is not held back).
  std::uint8_t operator()(double s, std::optional<std::uint8_t> last, bool zero_rule) {
    const std::uint8_t r = round_points(s);
    if (zero_rule && r == 0) return 0;
    if (!last) return r;
    const std::uint8_t q = quantise(s, *last, band);
    if (q == *last) {
      if (r != *last) hysteresis = true;
      return q;
    }
    if (std::abs(int{q} - int{*last}) < threshold) {
      threshold_hit = true;
      return *last;
    }
    return q;
  }
};

const InstanceAdvert* find_instance(const std::vector<InstanceAdvert>& v, const std::string& name) {
  const auto it = std::lower_bound(v.begin(), v.end(), name,
                                   [](const InstanceAdvert& a, const std::string& n) { return a.instance < n; });
  return it != v.end() && it->instance == name ? &*it : nullptr;
}

}  // namespace

const char* reason_name(Reason r) {
  switch (r) {
    case Reason::kAnnounce: return "announce";
    case Reason::kWithdraw: return "withdraw";
    case Reason::kDrain: return "drain";
    case Reason::kZero: return "zero";
    case Reason::kChange: return "change";
    case Reason::kRelease: return "release";
  }
  return "?";
}

bool Advertisement::same_content(const Advertisement& o) const {
  return withdraw == o.withdraw && drain == o.drain && l2 == o.l2 && l1 == o.l1 && instances == o.instances &&
         profile_id == o.profile_id && interval == o.interval;
}

struct Damper::Candidate {
  Advertisement ad;
  bool hysteresis = false;
  bool threshold = false;
};

Damper::Damper(DamperConfig c) : cfg_(c), next_sequence_(c.first_sequence) {}

void Damper::smooth(std::chrono::nanoseconds dt, const Sample& s) {
  if (s.withdraw) {
    st_.l2.clear();
    for (Ewma& e : st_.l1) e.clear();
    st_.instances.clear();
    return;
  }
  // Coming back, or scores made by another profile: start from the raw values.
  const bool fresh = !st_.current || st_.current->withdraw || st_.current->profile_id != s.profile_id;
  if (fresh) {
    st_.l2.clear();
    for (Ewma& e : st_.l1) e.clear();
    st_.instances.clear();
  }
  const auto step = [&](Ewma& e, double x, bool zero_rule) {
    // A collapse to 0 must not wait for the average to catch up.
    if (zero_rule && round_points(x) == 0) {
      e.reset(x);
    } else {
      e.step(dt, x, cfg_.half_life);
    }
  };
  step(st_.l2, s.l2, true);
  for (Category c : kCategories) {
    if (s.l1[index(c)]) {
      step(st_.l1[index(c)], *s.l1[index(c)], false);
    } else {
      st_.l1[index(c)].clear();
    }
  }
  if (!cfg_.per_instance) return;
  std::map<std::string, Ewma, std::less<>> next;
  for (const InstanceSample& i : s.instances) {
    if (i.drained || next.contains(i.instance)) continue;
    Ewma e;
    if (const auto old = st_.instances.find(i.instance); old != st_.instances.end()) e = old->second;
    step(e, i.l2, true);
    next.emplace(i.instance, e);
  }
  st_.instances = std::move(next);
}

Damper::Candidate Damper::candidate() const {
  const Sample& s = *st_.current;
  Candidate c;
  Advertisement& a = c.ad;
  a.profile_id = s.profile_id;
  a.interval = cfg_.interval;
  if (s.withdraw) {
    a.withdraw = true;
    return c;
  }
  a.drain = s.drain;
  // Hysteresis and threshold are relative to scores on the wire made the same way.
  const Advertisement* base =
      st_.last && !st_.last->withdraw && st_.last->profile_id == s.profile_id ? &*st_.last : nullptr;
  Quantiser q{cfg_.band, cfg_.threshold};
  a.l2 = q(st_.l2.value().value_or(s.l2), base ? std::optional<std::uint8_t>(base->l2) : std::nullopt, true);
  if (cfg_.l1) {
    for (Category k : kCategories) {
      if (const std::optional<double>& v = st_.l1[index(k)].value()) {
        a.l1[index(k)] = q(*v, base ? base->l1[index(k)] : std::nullopt, false);
      }
    }
  }
  if (cfg_.per_instance) {
    for (const InstanceSample& i : s.instances) {
      if (find_instance(a.instances, i.instance)) continue;  // first of duplicates wins
      InstanceAdvert ia{i.instance, 0, i.drained};
      if (!i.drained) {
        const InstanceAdvert* was = base ? find_instance(base->instances, i.instance) : nullptr;
        const auto e = st_.instances.find(i.instance);
        const double v = e != st_.instances.end() && e->second.value() ? *e->second.value() : i.l2;
        ia.l2 = q(v, was && !was->drained ? std::optional<std::uint8_t>(was->l2) : std::nullopt, true);
      }
      const auto pos = std::upper_bound(a.instances.begin(), a.instances.end(), ia.instance,
                                        [](const std::string& n, const InstanceAdvert& x) { return n < x.instance; });
      a.instances.insert(pos, std::move(ia));
    }
  }
  c.hysteresis = q.hysteresis;
  c.threshold = q.threshold_hit;
  return c;
}

std::optional<Advertisement> Damper::update(TimePoint now, const Sample& s) {
  ++st_.counters.samples;
  std::chrono::nanoseconds dt{0};
  if (st_.last_sample && now > *st_.last_sample) dt = now - *st_.last_sample;
  // A clock that goes back adds no time (and does not move last_sample back).
  if (!st_.last_sample || now > *st_.last_sample) st_.last_sample = now;
  smooth(dt, s);
  st_.current = s;
  return evaluate(now);
}

std::optional<Advertisement> Damper::due(TimePoint now) {
  if (!st_.pending || now < *st_.pending) return std::nullopt;
  return evaluate(now);
}

std::optional<Advertisement> Damper::evaluate(TimePoint now) {
  if (!st_.current) return std::nullopt;
  Candidate c = candidate();
  DamperCounters& n = st_.counters;
  if (c.hysteresis) ++n.suppressed_by_hysteresis;
  if (c.threshold) ++n.suppressed_by_threshold;
  Advertisement& a = c.ad;

  if (!st_.last) {
    st_.pending.reset();
    if (a.withdraw) return std::nullopt;  // never announced: nothing to withdraw
    a.reason = Reason::kAnnounce;
    return send(now, std::move(a), false, false);
  }
  bool released = false;
  if (st_.hold_until && now >= *st_.hold_until) {
    st_.hold_until.reset();
    released = true;
  }
  const Advertisement& last = *st_.last;
  if (a.same_content(last)) {
    st_.pending.reset();
    return std::nullopt;
  }
  const bool up = !a.withdraw && !last.withdraw;
  const bool withdraw_change = a.withdraw != last.withdraw;
  const bool drain_change = up && a.drain != last.drain;
  bool fall = up && a.l2 == 0 && last.l2 != 0;
  bool rise = up && a.l2 != 0 && last.l2 == 0;
  if (up) {
    for (const InstanceAdvert& i : a.instances) {
      const InstanceAdvert* was = find_instance(last.instances, i.instance);
      if (!was) continue;
      fall = fall || (i.l2 == 0 && was->l2 != 0);
      rise = rise || (i.l2 != 0 && was->l2 == 0);
    }
  }
  const bool toggle = withdraw_change || drain_change || fall || rise;
  const bool bypass = withdraw_change || drain_change || fall;
  // Moves away from a site (withdraw, drain, score 0) are never held back:
  // a dead or draining site must stop attracting new flows at once. Damping
  // holds back the way back in (announce, undrain, rise) and plain changes.
  const bool retreat = (withdraw_change && a.withdraw) || (drain_change && a.drain) || fall;

  if (st_.hold_until && !retreat) {
    ++n.suppressed_by_hold;
    st_.pending = st_.hold_until;
    return std::nullopt;
  }
  if (toggle && !retreat && cfg_.flap_damping) {
    while (!st_.toggles.empty() && now - st_.toggles.front() >= cfg_.flap_window) st_.toggles.pop_front();
    if (st_.toggles.size() >= cfg_.flap_limit) {
      st_.hold_until = now + cfg_.hold;
      st_.pending = st_.hold_until;
      ++n.held_down;
      ++n.suppressed_by_hold;
      return std::nullopt;
    }
  }
  if (!bypass && st_.last_sent && now - *st_.last_sent < cfg_.min_interval) {
    ++n.suppressed_by_interval;
    st_.pending = *st_.last_sent + cfg_.min_interval;
    return std::nullopt;
  }

  if (released) {
    a.reason = Reason::kRelease;
  } else if (withdraw_change) {
    a.reason = a.withdraw ? Reason::kWithdraw : Reason::kAnnounce;
  } else if (drain_change) {
    a.reason = Reason::kDrain;
  } else if (fall) {
    a.reason = Reason::kZero;
  } else {
    a.reason = Reason::kChange;
  }
  return send(now, std::move(a), toggle, bypass);
}

Advertisement Damper::send(TimePoint now, Advertisement a, bool toggle, bool bypass) {
  DamperCounters& n = st_.counters;
  if (bypass) ++n.bypasses;
  if (toggle && cfg_.flap_damping) {
    while (!st_.toggles.empty() && now - st_.toggles.front() >= cfg_.flap_window) st_.toggles.pop_front();
    st_.toggles.push_back(now);
  }
  a.sequence = next_sequence_++;  // unsigned: wraps at 2^32 as serial numbers do
  st_.last = a;
  st_.last_sent = now;
  st_.pending.reset();
  ++n.advertisements;
  return a;
}

}  // namespace cats::score
