// Anti-churn between the scores and the edge's UPDATEs, one Damper per
// service (spec B.3.5 origination rule 2): EWMA smoothing, quantisation with
// hysteresis, a significant-change threshold, a minimum interval between
// metric-only advertisements, flap damping with hold-down, and immediate
// bypass for drain on/off, withdraw/announce and an L2 score falling to 0.
// Time is an input: no clock is read and nothing sleeps.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "metric-collector/score/damper_config.hpp"
#include "metric-collector/score/inputs.hpp"
#include "metric-collector/score/sample.hpp"
#include "metric-collector/score/smoothing.hpp"

namespace cats::score {

// Why an advertisement went out (for logs and tests).
enum class Reason : std::uint8_t {
  kAnnounce,  // first announcement, or again after a withdraw
  kWithdraw,  // no healthy instance left
  kDrain,     // D flag set or cleared
  kZero,      // an L2 (site or instance) fell to 0
  kChange,    // metric-only change, rate limited
  kRelease,   // first advertisement after a hold-down ended
};
const char* reason_name(Reason r);

struct InstanceAdvert {
  std::string instance;
  std::uint8_t l2 = 0;  // 0 when drained
  bool drained = false;

  bool operator==(const InstanceAdvert&) const = default;
};

struct Advertisement {
  bool withdraw = false;  // withdraw the route; the scores below are then empty
  bool drain = false;
  std::uint8_t l2 = 0;                                           // site norm_fi
  std::array<std::optional<std::uint8_t>, kCategoryCount> l1{};  // only with DamperConfig::l1
  std::vector<InstanceAdvert> instances;                         // by instance name; only with per_instance
  std::uint32_t sequence = 0;                                    // Metric Control Sequence
  std::uint16_t profile_id = 0;                                  // Metric Control Profile ID
  std::uint16_t interval = 0;                                    // Metric Control Interval, seconds
  Reason reason = Reason::kChange;
  std::string why;  // set by the pipeline for a retreat: the instances' reasons

  // Everything but sequence and reason.
  bool same_content(const Advertisement& o) const;
};

struct DamperCounters {
  std::uint64_t samples = 0;
  std::uint64_t advertisements = 0;
  std::uint64_t bypasses = 0;  // sent without waiting for min-interval
  // Evaluations in which at least one score was held back for that reason.
  std::uint64_t suppressed_by_hysteresis = 0;
  std::uint64_t suppressed_by_threshold = 0;
  std::uint64_t suppressed_by_interval = 0;
  std::uint64_t suppressed_by_hold = 0;
  std::uint64_t held_down = 0;  // hold-down periods entered
};

struct DamperState {
  Ewma l2;
  std::array<Ewma, kCategoryCount> l1{};
  std::map<std::string, Ewma, std::less<>> instances;  // per_instance only
  std::optional<Sample> current;                       // last sample (scores raw)
  std::optional<TimePoint> last_sample;
  std::optional<Advertisement> last;  // last advertised
  std::optional<TimePoint> last_sent;
  std::deque<TimePoint> toggles;        // sent toggles within the flap window
  std::optional<TimePoint> hold_until;  // set while held down
  std::optional<TimePoint> pending;     // a held-back change may go out at this time
  DamperCounters counters;
};

// Each evaluation (a sample, or due()) builds the advertisement the current
// state calls for and compares it with the last one sent:
//  * every score is smoothed (Ewma, half-life) and rounded against its value
//    on the wire with the hysteresis band (quantise()); moves smaller than
//    threshold points are dropped. A site or instance L2 that rounds to 0
//    goes out as 0 regardless (and its average restarts from the raw value).
//  * a toggle is withdraw/announce, drain on/off, or an L2 crossing between 0
//    and non-zero. Toggles are limited to flap_limit per flap_window; the next
//    one starts a hold-down during which nothing is sent.
//  * withdraw/announce, drain on/off and a fall to 0 go out at once; any other
//    change waits until min-interval after the previous advertisement.
// Hence any window of length W holds at most ceil(W / min-interval) metric-only
// advertisements plus flap_limit toggles (W <= flap_window), plus the first
// announcement.
class Damper {
 public:
  // The config should have passed validate(); other values behave but mean
  // little (e.g. min-interval 0 disables rate limiting).
  explicit Damper(DamperConfig c = {});

  // Feed one sample; returns what to advertise now, if anything.
  std::optional<Advertisement> update(TimePoint now, const Sample& s);
  // A change held back by min-interval or hold-down, once its time has come.
  std::optional<Advertisement> due(TimePoint now);
  // When to call due() next; nullopt when nothing is held back.
  std::optional<TimePoint> next_due() const { return st_.pending; }

  const DamperState& state() const { return st_; }
  const DamperConfig& config() const { return cfg_; }

 private:
  struct Candidate;
  void smooth(std::chrono::nanoseconds dt, const Sample& s);
  Candidate candidate() const;
  std::optional<Advertisement> evaluate(TimePoint now);
  Advertisement send(TimePoint now, Advertisement a, bool toggle, bool bypass);

  DamperConfig cfg_;
  DamperState st_;
  std::uint32_t next_sequence_;
};

}  // namespace cats::score
