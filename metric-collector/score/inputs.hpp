// L0: what the collector measured for one contact instance at one time.
// The vocabulary a scoring profile is written in (inputs, categories) is the
// configuration model's (yang/config/scoring.hpp); score uses it by name.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "yang/config/scoring.hpp"

namespace cats::score {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

using config::Category;
using config::category_name;
using config::index;
using config::Input;
using config::input_name;
using config::is_fraction;
using config::kCategories;
using config::kCategoryCount;
using config::kInputCount;
using config::kInputs;
using config::kMetricTypeL2;
using config::metric_type;

// One contact instance at one time. Absent optionals were not exposed by the
// engine; the profile decides what is needed.
struct L0Inputs {
  std::string instance;  // contact instance (CSCI-ID) as the collector names it
  std::optional<double> queued;
  std::optional<double> running;
  std::optional<double> max_concurrent;  // capacity hint
  std::optional<double> memory;          // 0..1
  std::optional<double> accelerator;     // 0..1
  std::optional<double> cpu;             // 0..1
  std::optional<double> latency;         // seconds
  bool healthy = true;                   // endpoint answered and the engine reports capacity
  bool stale = false;                    // the source marked the values stale
  TimePoint sampled{};                   // when the values were taken
};

// The value of one input, as exposed (kConcurrency derived from running and
// max_concurrent). Not checked: see normalise().
std::optional<double> input_value(const L0Inputs& in, Input i);

}  // namespace cats::score
