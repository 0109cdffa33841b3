// The damper's two filters on their own: EWMA over irregular sample spacing,
// and quantisation with a hysteresis band.
#include <gtest/gtest.h>

#include <random>

#include "metric-collector/score/levels.hpp"
#include "metric-collector/score/smoothing.hpp"

namespace cats::score {
namespace {

using namespace std::chrono_literals;

TEST(Ewma, WeightIsHalfAfterOneHalfLife) {
  EXPECT_DOUBLE_EQ(ewma_weight(10s, 10s), 0.5);
  EXPECT_DOUBLE_EQ(ewma_weight(20s, 10s), 0.75);
  EXPECT_DOUBLE_EQ(ewma_weight(0s, 10s), 0.0);
  EXPECT_DOUBLE_EQ(ewma_weight(-5s, 10s), 0.0);
  EXPECT_DOUBLE_EQ(ewma_weight(1ms, 0ms), 1.0);  // no smoothing
}

TEST(Ewma, IndependentOfSamplingRate) {
  // The same input signal, sampled every 100 ms or every 1 s, or at random
  // spacing, ends at the same average when it is piecewise constant between
  // the coarse samples.
  Ewma fine, coarse, jittered;
  fine.reset(2);
  coarse.reset(2);
  jittered.reset(2);
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> ms(1, 999);
  for (int sec = 1; sec <= 30; ++sec) {
    const double x = sec < 15 ? 9 : 4;
    for (int k = 0; k < 10; ++k) fine.step(100ms, x, 10s);
    coarse.step(1s, x, 10s);
    const int split = ms(rng);
    jittered.step(std::chrono::milliseconds(split), x, 10s);
    jittered.step(std::chrono::milliseconds(1000 - split), x, 10s);
  }
  EXPECT_NEAR(*fine.value(), *coarse.value(), 1e-9);
  EXPECT_NEAR(*jittered.value(), *coarse.value(), 1e-9);
}

TEST(Ewma, StartIsAnEvenMeanNotTheFirstSample) {
  // Plain EWMA seeded with the first sample would still be 8.6 after three
  // more samples of 2 one second apart; normalised it is near their mean.
  Ewma e;
  e.step(0s, 10, 10s);
  EXPECT_DOUBLE_EQ(e.weight(), 0);
  e.step(1s, 2, 10s);
  const double a = ewma_weight(1s, 10s);
  EXPECT_DOUBLE_EQ(*e.value(), ((1 - a) * 10 + 2) / (2 - a));
  e.step(1s, 2, 10s);
  e.step(1s, 2, 10s);
  EXPECT_NEAR(*e.value(), (10 + 3 * 2) / 4.0, 0.3);
  // ... and it settles into the plain EWMA.
  for (int i = 0; i < 200; ++i) e.step(1s, 5, 10s);
  EXPECT_NEAR(e.weight(), 1, 1e-5);
  const double before = *e.value();
  e.step(10s, 9, 10s);
  EXPECT_NEAR(*e.value(), before + 0.5 * (9 - before), 1e-5);
}

TEST(Ewma, StepResponseHalvesPerHalfLife) {
  Ewma e;
  e.reset(10);
  e.step(10s, 0, 10s);
  EXPECT_DOUBLE_EQ(*e.value(), 5);
  e.step(10s, 0, 10s);
  EXPECT_DOUBLE_EQ(*e.value(), 2.5);
  e.reset(7);
  EXPECT_DOUBLE_EQ(*e.value(), 7);
  e.clear();
  EXPECT_FALSE(e.value());
  EXPECT_DOUBLE_EQ(e.step(30s, 3, 10s), 3);  // first value after clear is taken as is
}

struct QRow {
  double s;
  std::uint8_t last;
  double band;
  std::uint8_t expected;
};

TEST(Quantise, Hysteresis) {
  const QRow rows[] = {
      // band 0.5: up from 6 needs 6.75, down from 6 needs below 5.25
      {6.74, 6, 0.5, 6},
      {6.75, 6, 0.5, 7},
      {5.25, 6, 0.5, 6},
      {5.24, 6, 0.5, 5},
      // a jump lands on the highest integer whose own up-boundary was passed
      {8.70, 6, 0.5, 8},
      {8.80, 6, 0.5, 9},
      {3.30, 6, 0.5, 4},
      {3.20, 6, 0.5, 3},
      // band 0 is plain rounding (halves up)
      {6.5, 6, 0, 7},
      {6.49, 6, 0, 6},
      {5.5, 6, 0, 6},
      {5.49, 6, 0, 5},
      {4.5, 6, 0, 5},
      {4.49, 6, 0, 4},
      // band 1: the target integer itself must be reached
      {6.99, 6, 1, 6},
      {7.0, 6, 1, 7},
      {5.0, 6, 1, 6},
      {4.99, 6, 1, 5},
      // clamped to the score range
      {12, 9, 0.5, 10},
      {-3, 1, 0.5, 0},
  };
  for (const QRow& r : rows) {
    EXPECT_EQ(quantise(r.s, r.last, r.band), r.expected) << r.s << " from " << int{r.last} << " band " << r.band;
  }
}

TEST(Quantise, BandHoldsNoiseAroundABoundary) {
  // A value dithering across 6.5 by less than band/2 never moves the score.
  std::uint8_t last = 6;
  int moves = 0;
  for (int i = 0; i < 1000; ++i) {
    const double s = 6.5 + ((i % 2) ? 0.24 : -0.24);
    const std::uint8_t q = quantise(s, last, 0.5);
    moves += q != last;
    last = q;
  }
  EXPECT_EQ(moves, 0);
}

TEST(Points, RoundAndClamp) {
  EXPECT_EQ(round_points(-1), 0);
  EXPECT_EQ(round_points(0.49), 0);
  EXPECT_EQ(round_points(0.5), 1);
  EXPECT_EQ(round_points(9.5), 10);
  EXPECT_EQ(round_points(42), 10);
  EXPECT_EQ(round_points(std::nan("")), 0);
  EXPECT_EQ(make_score(11).exact, 10);
  EXPECT_EQ(make_score(-1).points, 0);
}

}  // namespace
}  // namespace cats::score
