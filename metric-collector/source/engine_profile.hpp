// Engine profiles: which metrics of an engine's /metrics page feed which L0
// input, as data. The default profiles ship in profiles/engines.json; an
// operator adds an engine by adding an entry, not by writing code.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cats::source {

// The L0Inputs field a rule fills; kExtra values are reported beside the L0
// inputs (e.g. PSI pressure) until the scoring vocabulary has a place for them.
enum class Field : std::uint8_t { kQueued, kRunning, kMaxConcurrent, kMemory, kAccelerator, kCpu, kLatency, kExtra };
enum class Aggregation : std::uint8_t { kSum, kMax, kMin, kAvg, kCount };
enum class Transform : std::uint8_t {
  kValue,          // the gauge as exposed
  kRate,           // per-second increase between two scrapes, counter-reset safe
  kRatio,          // numerator / denominator (of rates when `rate`)
  kHistogramMean,  // rate(<metric>_sum) / rate(<metric>_count)
};

struct LabelMatch {
  std::string label;
  std::string value;
  bool negate = false;  // "!=": as in PromQL, an absent label matches ""
};

struct Selector {
  std::string metric;  // sample name, suffix included (histogram_mean: the family name)
  std::vector<LabelMatch> match;
  Aggregation aggregate = Aggregation::kSum;
};

struct Rule {
  Field field = Field::kQueued;
  std::string extra_name;  // kExtra only
  Selector numerator;
  Transform transform = Transform::kValue;
  std::optional<Selector> denominator;      // kRatio only
  bool denominator_adds_numerator = false;  // a / (a + b), e.g. FB_USED / (FB_USED + FB_FREE)
  bool rate = false;                        // kRatio of per-second rates (CPU seconds)
  double scale = 1;                         // applied to the transformed value (percent -> 0..1: 0.01)
  bool complement = false;                  // 1 - x after scaling (MemAvailable / MemTotal -> used)
  std::optional<double> min, max;           // clamp after all the above
  // Label naming the contact instance for this rule; nullopt: the engine's.
  // "" aggregates the whole page and gives the value to every instance
  // (a host's GPU utilisation shared by the models it serves).
  std::optional<std::string> group_by;
};

struct EngineProfile {
  std::string name;
  std::string instance_label;  // "" : the whole target is one instance
  std::vector<Rule> rules;     // for one field, the first rule with a value wins
};

struct ProfileSet {
  std::vector<EngineProfile> engines;
  const EngineProfile* find(std::string_view name) const;
};

struct ProfileError {
  std::string path;  // JSON pointer (RFC 6901) of the offending value
  std::string reason;
};

struct ProfileLoad {
  ProfileSet profiles;  // empty when errors is not
  std::vector<ProfileError> errors;
  bool ok() const { return errors.empty(); }
};

// Never throws; every problem found is reported, not only the first.
ProfileLoad load_profiles(std::string_view json_text);
ProfileLoad load_profiles_file(const std::string& path);

}  // namespace cats::source
