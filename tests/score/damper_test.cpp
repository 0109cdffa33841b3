// The damper over simulated time: noise stays quiet, steps get through within
// one min-interval, flapping is held down and released, drain / withdraw / a
// fall to 0 bypass the timer, dead endpoints drain and then withdraw the site,
// and the sequence counts advertisements exactly, across the 2^32 wrap.
#include "metric-collector/score/damper.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "metric-collector/score/aggregate.hpp"
#include "metric-collector/score/sample.hpp"
#include "metric-collector/score/sequence.hpp"

namespace cats::score {
namespace {

using namespace std::chrono_literals;
using std::chrono::duration;
using std::chrono::duration_cast;

const TimePoint kT0 = TimePoint{} + 1h;

TimePoint at(double seconds) {
  return kT0 + duration_cast<Clock::duration>(duration<double>(seconds));
}
double secs(TimePoint t) {
  return duration<double>(t - kT0).count();
}

Sample score(double l2) {
  Sample s;
  s.profile_id = 1;
  s.l2 = l2;
  return s;
}

}  // namespace

// gtest prints these on failure (found by argument-dependent lookup, so
// static rather than in the anonymous namespace).
static void PrintTo(const InstanceAdvert& a, std::ostream* os) {
  *os << a.instance << ":" << int{a.l2} << (a.drained ? " drained" : "");
}

namespace {

struct Sent {
  TimePoint when;
  Advertisement ad;
};

// A collector loop: at each tick a held-back change may fall due, then the
// new sample is fed.
struct Loop {
  Damper damper;
  std::vector<Sent> sent;

  explicit Loop(DamperConfig c = {}) : damper(c) {}
  void tick(TimePoint now, const Sample& s) {
    if (auto a = damper.due(now)) sent.push_back({now, *a});
    if (auto a = damper.update(now, s)) sent.push_back({now, *a});
  }
  // Most advertisements (matching `pick`) in any window [t, t + w).
  template <class Pick>
  std::size_t max_in_window(Clock::duration w, Pick pick) const {
    std::size_t most = 0;
    for (const Sent& a : sent) {
      const auto n = std::count_if(sent.begin(), sent.end(),
                                   [&](const Sent& b) { return pick(b) && b.when >= a.when && b.when < a.when + w; });
      most = std::max(most, static_cast<std::size_t>(n));
    }
    return most;
  }
};

// Load (0..1, noise included) as an LLM engine would expose it.
L0Inputs engine(std::string name, double load, TimePoint now) {
  load = std::clamp(load, 0.0, 1.2);
  L0Inputs in;
  in.instance = std::move(name);
  in.queued = std::max(0.0, (load - 0.8) * 80);
  in.running = 64 * load;
  in.max_concurrent = 64;
  in.memory = 0.9 * load;
  in.accelerator = std::min(load, 1.0);
  in.cpu = 0.3 + 0.4 * load;
  in.latency = 0.2 + 3 * load * load;
  in.sampled = now;
  return in;
}

// Two instances at `load(t)` plus uniform noise of +-0.1 each, sampled every
// second, through normalise, aggregation and the damper.
template <class LoadAt>
Loop run_load(DamperConfig c, unsigned seed, int seconds, LoadAt load) {
  const Profile p = default_profile(1);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> noise(-0.1, 0.1);
  Loop loop(c);
  for (int t = 0; t < seconds; ++t) {
    const TimePoint now = at(t);
    const std::vector<L0Inputs> ins = {engine("a", load(t) + noise(rng), now), engine("b", load(t) + noise(rng), now)};
    loop.tick(now, to_sample(score_site(p, "llm", ins, now)));
  }
  return loop;
}

std::uint8_t steady_l2(double load) {
  const std::vector<L0Inputs> ins = {engine("a", load, kT0)};
  return score_site(default_profile(1), "llm", ins, kT0).l2.points;
}

bool metric_only(const Sent& s) {
  return s.ad.reason == Reason::kChange;
}
bool any(const Sent&) {
  return true;
}

// Metric-only advertisements are at least min-interval apart, so a window of
// length w holds at most ceil(w / min-interval) of them.
std::size_t metric_only_bound(Clock::duration w, std::chrono::milliseconds min_interval) {
  return static_cast<std::size_t>((w + min_interval - 1ns) / min_interval);
}

bool readvertised(const Sent& s) {
  return s.ad.reason != Reason::kAnnounce;
}

TEST(Damper, NoisyLoadStaysQuiet) {
  const DamperConfig c;  // defaults: site L2 only
  const std::size_t bound = metric_only_bound(60s, c.min_interval);
  ASSERT_EQ(bound, 12u);
  for (double mean = 0.30; mean <= 0.951; mean += 0.05) {
    for (unsigned seed : {1u, 2u, 3u}) {
      const Loop l = run_load(c, seed, 600, [&](int) { return mean; });
      SCOPED_TRACE(testing::Message() << "load " << mean << " seed " << seed);
      ASSERT_FALSE(l.sent.empty());
      EXPECT_EQ(l.sent.front().ad.reason, Reason::kAnnounce);
      EXPECT_LE(l.max_in_window(60s, metric_only), bound);
      // What smoothing and hysteresis buy on top of the rate limit. The
      // announcement originates the route; churn is what follows it.
      EXPECT_LE(l.max_in_window(60s, readvertised), 2u);
      EXPECT_EQ(l.damper.state().counters.advertisements, l.sent.size());
    }
  }
}

TEST(Damper, NoisyLoadWithL1sStaysWithinTheBound) {
  // Each L1 is one more score that can cross a boundary; the rate limit
  // still holds.
  DamperConfig c;
  c.l1 = true;
  for (double mean : {0.4, 0.6, 0.8}) {
    const Loop l = run_load(c, 4, 600, [&](int) { return mean; });
    SCOPED_TRACE(testing::Message() << "load " << mean);
    ASSERT_TRUE(l.sent.front().ad.l1[index(Category::kCompute)]);
    EXPECT_LE(l.max_in_window(60s, metric_only), metric_only_bound(60s, c.min_interval));
    EXPECT_LE(l.max_in_window(60s, readvertised), 4u);
  }
}

TEST(Damper, RateLimitAloneBoundsRawNoise) {
  // Without smoothing and hysteresis the noise changes the score all the
  // time; only min-interval keeps the rate down, and it does.
  for (auto mi : {5s, 20s}) {
    DamperConfig c;
    c.half_life = 0ms;
    c.band = 0;
    c.min_interval = mi;
    const Loop l = run_load(c, 7, 600, [](int) { return 0.72; });
    SCOPED_TRACE(testing::Message() << "min-interval " << mi.count() << " s");
    const std::size_t bound = metric_only_bound(60s, c.min_interval);
    EXPECT_EQ(l.max_in_window(60s, metric_only), bound);  // the noise saturates the limiter
    for (std::size_t i = 1; i < l.sent.size(); ++i) {
      if (metric_only(l.sent[i])) {
        EXPECT_GE(l.sent[i].when - l.sent[i - 1].when, c.min_interval);
      }
    }
    EXPECT_GT(l.damper.state().counters.suppressed_by_interval, 0u);
  }
}

TEST(Damper, AnySignalRespectsTheBound) {
  // Random scores, drain and withdraw every half second. Metric-only changes
  // are min-interval apart; moves back towards a site (announce, undrain,
  // rise from 0) are toggles, at most flap-limit per flap window; moves away
  // (withdraw, drain, fall to 0) are never held, but each needs a move back
  // first, except once per dimension (withdraw, drain, site L2, 2 instances).
  // So a minute holds at most ceil(60 / min-interval) + 2 * flap-limit + 5
  // advertisements (+1 for the first announcement).
  for (auto [mi, limit] : {std::pair{5s, 5u}, std::pair{1s, 2u}, std::pair{30s, 8u}}) {
    DamperConfig c;
    c.min_interval = mi;
    c.flap_limit = limit;
    c.per_instance = true;
    c.l1 = true;
    std::mt19937 rng(99);
    std::uniform_real_distribution<double> u(0, 1);
    Loop l(c);
    for (int k = 0; k < 1200; ++k) {
      Sample s = score(u(rng) * 10);
      s.withdraw = u(rng) < 0.1;
      s.drain = u(rng) < 0.2;
      s.l1[index(Category::kService)] = u(rng) * 10;
      s.instances = {{"a", u(rng) < 0.2, u(rng) * 10}, {"b", false, u(rng) * 10}};
      l.tick(at(k * 0.5), s);
    }
    SCOPED_TRACE(testing::Message() << "min-interval " << mi.count() << " s, flap limit " << limit);
    ASSERT_GT(l.sent.size(), 20u);
    const std::size_t dimensions = 5;
    EXPECT_LE(l.max_in_window(60s, any),
              metric_only_bound(60s, c.min_interval) + std::size_t{2} * c.flap_limit + dimensions + 1);
    EXPECT_LE(l.max_in_window(60s, [](const Sent& x) { return x.ad.reason != Reason::kChange; }),
              std::size_t{2} * c.flap_limit + dimensions + 1);
    for (std::size_t i = 1; i < l.sent.size(); ++i) {
      if (metric_only(l.sent[i])) {
        EXPECT_GE(l.sent[i].when - l.sent[i - 1].when, c.min_interval);
      }
    }
    EXPECT_GT(l.damper.state().counters.held_down, 0u);
  }
}

TEST(Damper, StepIsAdvertisedWithinOneMinInterval) {
  const DamperConfig c;
  const int step = 120;
  const Loop l = run_load(c, 11, 300, [&](int t) { return t < step ? 0.2 : 0.9; });
  const auto before = std::find_if(l.sent.rbegin(), l.sent.rend(), [&](const Sent& s) { return s.when < at(step); });
  ASSERT_NE(before, l.sent.rend());
  EXPECT_EQ(before->ad.l2, 10);
  const auto first = std::find_if(l.sent.begin(), l.sent.end(),
                                  [&](const Sent& s) { return s.when >= at(step) && s.ad.l2 < before->ad.l2; });
  ASSERT_NE(first, l.sent.end());
  EXPECT_LE(first->when - at(step), c.min_interval) << secs(first->when);
  // The EWMA then settles: within ~5 half-lives (+ one interval) the advertised
  // value is the steady-state score of the new load (+-1 for the noise).
  const std::uint8_t target = steady_l2(0.9);
  ASSERT_LT(target, 5);
  const auto settled = std::find_if(l.sent.begin(), l.sent.end(), [&](const Sent& s) {
    return s.when >= at(step) && std::abs(int{s.ad.l2} - int{target}) <= 1;
  });
  ASSERT_NE(settled, l.sent.end());
  EXPECT_LE(settled->when - at(step), 5 * c.half_life + c.min_interval) << secs(settled->when);
  EXPECT_LE(l.max_in_window(60s, metric_only), metric_only_bound(60s, c.min_interval));
}

TEST(Damper, HeldBackChangeFallsDueAfterMinInterval) {
  DamperConfig c;
  c.half_life = 0ms;
  Damper d(c);
  ASSERT_TRUE(d.update(at(0), score(8)));
  EXPECT_FALSE(d.update(at(1), score(3)));
  ASSERT_EQ(d.next_due(), at(5));
  EXPECT_FALSE(d.due(at(4.9)));
  const auto a = d.due(at(5));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->l2, 3);
  EXPECT_EQ(a->reason, Reason::kChange);
  EXPECT_EQ(d.state().counters.suppressed_by_interval, 1u);
  EXPECT_FALSE(d.next_due());

  // A change that reverts before it falls due is never sent.
  EXPECT_FALSE(d.update(at(6), score(7)));
  EXPECT_TRUE(d.next_due());
  EXPECT_FALSE(d.update(at(7), score(3)));
  EXPECT_FALSE(d.next_due());
  EXPECT_FALSE(d.due(at(20)));
}

// One instance whose endpoint answers for 2 s, then not for 2 s, ...
template <class Healthy>
Loop run_flap(DamperConfig c, int seconds, Healthy healthy) {
  const Profile p = default_profile(1);
  Loop loop(c);
  for (int t = 0; t <= seconds; ++t) {
    const TimePoint now = at(t);
    L0Inputs in = engine("a", 0.5, now);
    in.healthy = healthy(t);
    const std::vector<L0Inputs> ins = {in};
    loop.tick(now, to_sample(score_site(p, "llm", ins, now)));
  }
  return loop;
}

std::vector<std::pair<int, bool>> times_and_withdraw(const Loop& l) {
  std::vector<std::pair<int, bool>> out;
  for (const Sent& s : l.sent) out.emplace_back(static_cast<int>(std::lround(secs(s.when))), s.ad.withdraw);
  return out;
}

TEST(Damper, FlappingIsHeldDownAndReleased) {
  const DamperConfig c;  // 5 toggles per 60 s, hold 60 s
  const Loop l = run_flap(c, 150, [](int t) { return (t / 2) % 2 == 0; });
  // Toggles at 2..10 go out; the announce at t=12 (5 toggles in the window)
  // starts a hold to t=72, during which the site stays withdrawn. Released at
  // 72 with the current state; the flapping goes on: withdraws always go out
  // at once (82), the announce at 84 starts the next hold, released at 144.
  const std::vector<std::pair<int, bool>> expected = {
      {0, false},  {2, true},  {4, false},  {6, true},  {8, false},   {10, true},  {72, false},  {74, true},
      {76, false}, {78, true}, {80, false}, {82, true}, {144, false}, {146, true}, {148, false}, {150, true}};
  EXPECT_EQ(times_and_withdraw(l), expected);
  EXPECT_EQ(l.sent[6].ad.reason, Reason::kRelease);
  EXPECT_EQ(l.sent[12].ad.reason, Reason::kRelease);
  const DamperCounters& n = l.damper.state().counters;
  EXPECT_EQ(n.held_down, 2u);
  EXPECT_GT(n.suppressed_by_hold, 0u);
  EXPECT_LE(l.max_in_window(60s, any), c.flap_limit + 1);  // N toggles, plus the release
}

// A withdraw or drain during a hold-down goes out at once: a site that died
// while held must not keep attracting new flows for the rest of the hold.
TEST(Damper, RetreatsAreNeverHeld) {
  DamperConfig c;
  c.flap_limit = 2;
  c.hold = 60s;
  Damper d(c);
  ASSERT_TRUE(d.update(at(0), score(7)));
  Sample drained = score(7);
  drained.drain = true;
  ASSERT_TRUE(d.update(at(1), drained));    // toggle 1 (retreat)
  ASSERT_TRUE(d.update(at(2), score(7)));   // toggle 2
  ASSERT_TRUE(d.update(at(3), drained));    // toggle 3 (retreat: never held)
  EXPECT_FALSE(d.update(at(4), score(7)));  // undrain: held down
  ASSERT_TRUE(d.state().hold_until);
  Sample dead = score(7);
  dead.withdraw = true;
  const auto w = d.update(at(5), dead);
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->withdraw);
  EXPECT_EQ(w->reason, Reason::kWithdraw);
  const auto z = d.update(at(6), drained);  // back, but still held: nothing
  EXPECT_FALSE(z);
  const auto released = d.due(*d.state().hold_until);
  ASSERT_TRUE(released);
  EXPECT_FALSE(released->withdraw);
  EXPECT_EQ(released->reason, Reason::kRelease);
}

TEST(Damper, FlappingThatStopsIsReleasedOnceAfterHold) {
  const DamperConfig c;
  const Loop l = run_flap(c, 200, [](int t) { return t >= 20 || (t / 2) % 2 == 0; });
  const std::vector<std::pair<int, bool>> expected = {{0, false}, {2, true},  {4, false}, {6, true},
                                                      {8, false}, {10, true}, {72, false}};
  EXPECT_EQ(times_and_withdraw(l), expected);
  EXPECT_EQ(l.damper.state().counters.held_down, 1u);
  EXPECT_FALSE(l.damper.next_due());
}

TEST(Damper, PersistentFlappingStaysHeldWhenWindowOutlastsHold) {
  // Toggles are counted over the window, which here is longer than the hold:
  // flapping that goes on after a hold starts the next hold at once.
  DamperConfig c;
  c.flap_limit = 3;
  c.hold = 30s;
  Damper d(c);
  std::vector<int> when;
  for (int t = 0; t <= 80; ++t) {
    Sample s = score(7);
    s.drain = (t / 2) % 2 == 1;
    if (d.due(at(t))) when.push_back(t);
    if (d.update(at(t), s)) when.push_back(t);
  }
  // Sent 0..6; hold 8..38. At 38 the timer fires before that second's
  // sample, with "off" (t=37) pending and the toggles of 2..6 still in the
  // window: hold 38..68. At 68 the window is clear: released; drain on (70)
  // and off (72); drain on again at 74 goes out (never held); off at 76 holds.
  EXPECT_EQ(when, (std::vector<int>{0, 2, 4, 6, 68, 70, 72, 74}));
  EXPECT_EQ(d.state().counters.held_down, 3u);
}

TEST(Damper, FallToZeroBypassesTimerAndSmoothing) {
  Damper d;  // half-life 10 s
  ASSERT_TRUE(d.update(at(0), score(8)));
  const auto a = d.update(at(1), score(0.3));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->l2, 0);
  EXPECT_EQ(a->reason, Reason::kZero);
  EXPECT_EQ(d.state().counters.bypasses, 1u);
  EXPECT_DOUBLE_EQ(*d.state().l2.value(), 0.3);
  // Coming back up is an ordinary, smoothed and rate-limited change.
  EXPECT_FALSE(d.update(at(2), score(8)));
  EXPECT_GT(d.state().counters.suppressed_by_interval + d.state().counters.suppressed_by_hysteresis, 0u);
}

TEST(Damper, ContrastMetricChangeWaits) {
  DamperConfig c;
  c.half_life = 0ms;
  Damper d(c);
  ASSERT_TRUE(d.update(at(0), score(8)));
  EXPECT_FALSE(d.update(at(1), score(1)));  // a big drop, but not to 0
  EXPECT_EQ(d.state().counters.suppressed_by_interval, 1u);
}

TEST(Damper, DrainOnAndOffBypassTimer) {
  Damper d;
  ASSERT_TRUE(d.update(at(0), score(8)));
  Sample s = score(8);
  s.drain = true;
  const auto on = d.update(at(0.5), s);
  ASSERT_TRUE(on);
  EXPECT_TRUE(on->drain);
  EXPECT_EQ(on->reason, Reason::kDrain);
  s.drain = false;
  const auto off = d.update(at(1), s);
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->drain);
  EXPECT_EQ(d.state().counters.bypasses, 2u);
}

TEST(Damper, WithdrawAndReturnBypassTimer) {
  Damper d;
  EXPECT_FALSE(d.update(at(0), [] {
    Sample s;
    s.withdraw = true;
    return s;
  }()));  // never announced: nothing to withdraw
  ASSERT_TRUE(d.update(at(1), score(8)));
  Sample w;
  w.withdraw = true;
  const auto gone = d.update(at(2), w);
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->withdraw);
  EXPECT_EQ(gone->reason, Reason::kWithdraw);
  EXPECT_FALSE(d.update(at(3), w));
  const auto back = d.update(at(3.5), score(6));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->reason, Reason::kAnnounce);
  EXPECT_EQ(back->l2, 6);  // smoothing restarts from the raw value
}

TEST(Damper, HysteresisAndThreshold) {
  DamperConfig c;
  c.half_life = 0ms;
  Damper d(c);
  ASSERT_EQ(d.update(at(0), score(6))->l2, 6);
  EXPECT_FALSE(d.update(at(10), score(6.6)));  // rounds to 7, inside the band
  EXPECT_EQ(d.state().counters.suppressed_by_hysteresis, 1u);
  EXPECT_EQ(d.update(at(20), score(6.8))->l2, 7);
  EXPECT_FALSE(d.update(at(30), score(6.3)));
  EXPECT_EQ(d.update(at(40), score(6.2))->l2, 6);

  c.threshold = 2;
  Damper t(c);
  ASSERT_TRUE(t.update(at(0), score(6)));
  EXPECT_FALSE(t.update(at(10), score(7)));
  EXPECT_EQ(t.state().counters.suppressed_by_threshold, 1u);
  EXPECT_EQ(t.update(at(20), score(8))->l2, 8);
  EXPECT_EQ(t.update(at(30), score(0.2))->l2, 0);  // the zero rule beats the threshold
}

TEST(Damper, L1AndProfileChanges) {
  DamperConfig c;
  c.half_life = 0ms;
  c.l1 = true;
  Damper d(c);
  Sample s = score(6);
  s.l1[index(Category::kCompute)] = 6;
  const auto first = d.update(at(0), s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->l1[index(Category::kCompute)], 6);
  EXPECT_FALSE(first->l1[index(Category::kService)]);
  EXPECT_EQ(first->profile_id, 1);
  EXPECT_EQ(first->interval, 10);
  s.l1[index(Category::kService)] = 9;
  const auto more = d.update(at(10), s);
  ASSERT_TRUE(more);
  EXPECT_EQ(more->l1[index(Category::kService)], 9);
  s.profile_id = 2;
  const auto other = d.update(at(20), s);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->profile_id, 2);
}

TEST(Damper, PerInstanceScoresSortedAndSmoothed) {
  DamperConfig c;
  c.per_instance = true;
  Damper d(c);
  Sample s = score(6);
  s.instances = {{"b", false, 4}, {"a", false, 8}};
  const auto first = d.update(at(0), s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->instances, (std::vector<InstanceAdvert>{{"a", 8, false}, {"b", 4, false}}));
  for (int t = 1; t <= 20; ++t) EXPECT_FALSE(d.update(at(t), s));
  s.instances[1].l2 = 2;  // a: 8 -> 2, which smoothing turns into well under a point a second
  EXPECT_FALSE(d.update(at(21), s));
  s.instances[0].drained = true;  // b drained: its score falls to 0 at once
  const auto drained = d.update(at(21.5), s);
  ASSERT_TRUE(drained);
  EXPECT_EQ(drained->reason, Reason::kZero);
  EXPECT_EQ(drained->instances[1], (InstanceAdvert{"b", 0, true}));
  EXPECT_EQ(drained->instances[0].instance, "a");
  EXPECT_GE(drained->instances[0].l2, 7);  // goes along with its current (smoothed) score
}

TEST(Damper, DeadEndpointDrainsThenWithdraws) {
  DamperConfig c;
  c.per_instance = true;
  const Profile p = default_profile(1);  // stale after 30 s
  Loop loop(c);
  L0Inputs a = engine("a", 0.5, at(0));
  L0Inputs b = engine("b", 0.5, at(0));
  for (int t = 0; t <= 260; ++t) {
    const TimePoint now = at(t);
    if (t < 100) a.sampled = now;  // a's endpoint stops answering at 100 s: its last values linger
    if (t < 200) b.sampled = now;
    const std::vector<L0Inputs> ins = {a, b};
    loop.tick(now, to_sample(score_site(p, "llm", ins, now)));
  }
  ASSERT_EQ(loop.sent.size(), 3u);
  EXPECT_EQ(loop.sent[0].when, at(0));
  // a last sampled at 99: stale once more than 30 s old.
  EXPECT_EQ(loop.sent[1].when, at(130));
  EXPECT_EQ(loop.sent[1].ad.reason, Reason::kZero);
  EXPECT_EQ(loop.sent[1].ad.instances[0], (InstanceAdvert{"a", 0, true}));
  EXPECT_FALSE(loop.sent[1].ad.instances[1].drained);
  EXPECT_EQ(loop.sent[2].when, at(230));
  EXPECT_TRUE(loop.sent[2].ad.withdraw);
  EXPECT_EQ(loop.sent[2].ad.reason, Reason::kWithdraw);
}

TEST(Damper, MarkedStaleDrainsAtOnce) {
  DamperConfig c;
  c.per_instance = true;
  const Profile p = default_profile(1);
  Damper d(c);
  std::vector<L0Inputs> ins = {engine("a", 0.5, at(0)), engine("b", 0.5, at(0))};
  ASSERT_TRUE(d.update(at(0), to_sample(score_site(p, "llm", ins, at(0)))));
  ins[0].stale = true;
  ins[0].sampled = ins[1].sampled = at(1);
  const auto a = d.update(at(1), to_sample(score_site(p, "llm", ins, at(1))));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->instances[0].drained);
  ins[1].healthy = false;
  const auto w = d.update(at(1.5), to_sample(score_site(p, "llm", ins, at(1.5))));
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->withdraw);
}

TEST(Damper, SequenceCountsAdvertisementsExactly) {
  // Noise, a step, and a flapping drain: every advertisement, and only an
  // advertisement, moves the sequence by one.
  DamperConfig c;
  c.first_sequence = 1000;
  Loop l = run_load(c, 5, 400, [](int t) { return t < 200 ? 0.4 : 0.85; });
  for (int t = 400; t < 480; ++t) {
    Sample s = score(5);
    s.drain = t % 6 < 3;
    l.tick(at(t), s);
  }
  ASSERT_GT(l.sent.size(), 10u);
  EXPECT_EQ(l.sent.front().ad.sequence, 1000u);
  for (std::size_t i = 1; i < l.sent.size(); ++i) {
    EXPECT_EQ(l.sent[i].ad.sequence, l.sent[i - 1].ad.sequence + 1) << i;
  }
  EXPECT_EQ(l.damper.state().counters.advertisements, l.sent.size());
  EXPECT_EQ(l.damper.state().last->sequence, l.sent.back().ad.sequence);
}

TEST(Damper, SequenceWrapsAt2To32) {
  DamperConfig c;
  c.first_sequence = 0xFFFF'FFFEu;
  Damper d(c);
  std::vector<std::uint32_t> seq;
  for (int t = 0; t < 4; ++t) {
    Sample s = score(5);
    s.drain = t % 2 == 1;
    const auto a = d.update(at(t), s);
    ASSERT_TRUE(a);
    seq.push_back(a->sequence);
  }
  EXPECT_EQ(seq, (std::vector<std::uint32_t>{0xFFFF'FFFEu, 0xFFFF'FFFFu, 0u, 1u}));
  EXPECT_TRUE(serial_after(0, 0xFFFF'FFFFu));
  EXPECT_TRUE(serial_after(1, 0xFFFF'FFFEu));
  EXPECT_FALSE(serial_after(0xFFFF'FFFFu, 0));
  EXPECT_FALSE(serial_after(5, 5));
}

TEST(Damper, ClockGoingBackAddsNoTime) {
  Damper d;
  ASSERT_TRUE(d.update(at(10), score(8)));
  EXPECT_FALSE(d.update(at(5), score(2)));
  EXPECT_DOUBLE_EQ(*d.state().l2.value(), 8);  // no time passed, no movement
  EXPECT_EQ(d.state().last_sample, at(10));
}

}  // namespace
}  // namespace cats::score
