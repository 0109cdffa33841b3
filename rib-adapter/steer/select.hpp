// CATS selection for one service prefix: which site (or sites, with
// weights) gets new traffic. Pure: candidates, the service class and what
// was chosen before go in; the choice and its reason come out. No clock of
// its own, no I/O.
//
// The rules, in order (docs/STEERING.md has the reasoning):
//  1. Eligible: next hop reachable, not drained (D flag), a known score at
//     or above the class's min-score. Edge sites first; the cloud tier only
//     when no edge site is eligible; with nothing eligible, the plain BGP
//     best path (never a blackhole).
//  2. Penalty of a site, 0..10 points: the network cost above the cheapest
//     eligible site of the tier, as a share of the dearest one's (0..10),
//     and the compute penalty 10 - score, weighted by the class.
//  3. The nearest site (least network cost; ties by score) keeps the traffic
//     while its score is at or above leave-threshold. Below it, the site of
//     least penalty among those at or above the threshold takes over (among
//     all eligible when none is).
//  4. Hysteresis: the current site, still eligible and at or above the
//     threshold, is kept unless the new one is better by at least `margin`
//     points (a site that was not there at the last run need not be: the
//     margin damps noise, not arrivals); a site left within `hold-down` is
//     not chosen again while the current one stays at or above the threshold.
//  5. Weighted mode: up to max-sites sites at or above the threshold within
//     weighted-band points of the best, each weighted by its score.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rib-adapter/rib/path.hpp"
#include "yang/config/config.hpp"

namespace cats::steer {

using Clock = std::chrono::steady_clock;

// A site is its egress: the next hop of its path.
using SiteId = rib::PeerAddress;

enum class Tier : std::uint8_t { kEdge, kCloud };
const char* tier_name(Tier t);  // "edge", "cloud"

// One path of a service prefix as the selection sees it.
struct Candidate {
  SiteId site;
  Tier tier = Tier::kEdge;
  bool reachable = true;  // next hop resolved (next-hop tracking)
  bool drained = false;   // CATS-EXP D flag
  bool bgp_best = false;  // the Loc-RIB best path
  // From the CATS attribute: the effective site score (L2, else the L1
  // minimum, else the best contact instance) and the site's L1 scores.
  std::optional<std::uint8_t> site_score;
  std::array<std::optional<std::uint8_t>, config::kCategoryCount> l1{};
  std::optional<std::uint64_t> cost;        // network cost; nullopt: unknown
  std::optional<std::uint32_t> latency_ms;  // expected RTT, for Resolve
};

// The score a class uses, or the configured score of unknown ones.
std::optional<double> score_of(const Candidate& c, const config::ServiceClass& cls,
                               std::optional<std::uint8_t> unknown_score);

// What came before, kept per service prefix by the caller (CatsRib).
struct History {
  std::vector<SiteId> selected;  // the current choice, first = preferred
  std::vector<SiteId> seen;      // every site of the last run: a site new since then is not held to the margin
  struct Left {
    SiteId site;
    Clock::time_point at;
  };
  std::vector<Left> left;  // sites left recently, for hold-down
};

enum class Outcome : std::uint8_t {
  kNearest,      // the nearest site, at or above leave-threshold
  kLeftNearest,  // the nearest below leave-threshold: the best other site
  kAllBelow,     // every eligible site below leave-threshold: least penalty
  kKept,         // a better site, but not by the margin
  kHeldDown,     // a better site, left too recently
  kWeighted,     // weighted mode
  kBgpBest,      // nothing eligible: the plain BGP best path
  kNone,         // no usable path at all
};
const char* outcome_name(Outcome o);  // "nearest", "left-nearest", ...

struct Choice {
  std::size_t index = 0;     // into the candidates
  std::uint32_t weight = 1;  // relative; 1 in best mode
  double penalty = 0;        // 0..10 points
  double score = 0;          // the class's score of the site
};

// Why: the facts the reason text is made of, kept as values (a selection
// runs per UPDATE; the text only when someone looks).
struct Explanation {
  struct Site {
    SiteId site;
    double score = 0;
    double penalty = 0;
  };
  std::optional<Site> nearest;       // rule 3's nearest site
  std::optional<Site> challenger;    // the better site not taken (kKept, kHeldDown)
  std::chrono::seconds left_ago{0};  // kHeldDown: when the challenger was left
  double leave_threshold = 0;
  double margin = 0;
  std::chrono::seconds hold_down{0};
  double band = 0;
  bool none_above = false;  // kAllBelow, or weighted with every site below
};

struct Selection {
  std::vector<Choice> sites;  // empty: nothing to forward to
  Tier tier = Tier::kEdge;
  Outcome outcome = Outcome::kNone;
  Explanation why;
  // A hold-down ends then: the choice may change without any new input.
  std::optional<Clock::time_point> recheck;
};

// The reason as text: "nearest 10.0.0.1 score 2 below leave-threshold 6:
// 10.0.0.2 (score 9, penalty 3.2)". `chosen` is the first selected site.
std::string reason(const Selection& sel, const std::optional<Explanation::Site>& chosen);
std::string reason(const Selection& sel, std::span<const Candidate> candidates);

struct Params {
  std::optional<std::uint8_t> unknown_score;  // score of paths without one; nullopt: not eligible
};

Selection select(std::span<const Candidate> candidates, const config::ServiceClass& cls, const Params& params,
                 const History& history, Clock::time_point now);

// Per candidate: its penalty when it is eligible (in its tier), else nullopt.
std::vector<std::optional<double>> penalties(std::span<const Candidate> candidates, const config::ServiceClass& cls,
                                             const Params& params);

// The history after `sel` was applied at `now` (sites left are remembered
// for hold-down; entries older than `keep` are dropped).
History next_history(const History& before, std::span<const Candidate> candidates, const Selection& sel,
                     Clock::time_point now, std::chrono::seconds keep);

// Resolve (a device's question): where would a task of this class run.
enum class Verdict : std::uint8_t { kEdge, kCloud, kLocal };
const char* verdict_name(Verdict v);  // "edge", "cloud", "local"

struct Resolution {
  Verdict verdict = Verdict::kLocal;
  std::optional<std::size_t> site;        // into the candidates
  std::vector<std::size_t> alternatives;  // eligible others, best first
  std::string reason;
};

// `current`: the selection in force for the prefix (or one made for the
// class asked). A site meets the budget when its latency is unknown or at
// most the budget.
Resolution resolve(std::span<const Candidate> candidates, const config::ServiceClass& cls, const Params& params,
                   const Selection& current, std::optional<std::uint32_t> latency_budget_ms);

}  // namespace cats::steer
