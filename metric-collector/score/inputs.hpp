// L0: what the collector measured for one contact instance at one time, and
// the vocabulary (inputs, categories) the scoring profile is written in.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace cats::score {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// The L0 values a profile can score. Every one of them is "higher is worse".
enum class Input : std::uint8_t {
  kQueue,        // queued (waiting) requests
  kRunning,      // running requests, absolute
  kConcurrency,  // running / max concurrent: needs the capacity hint
  kMemory,       // KV-cache or memory utilisation, 0..1
  kAccelerator,  // GPU/NPU utilisation, 0..1
  kCpu,          // CPU utilisation, 0..1
  kLatency,      // request latency, seconds
};
inline constexpr std::size_t kInputCount = 7;
inline constexpr std::array<Input, kInputCount> kInputs = {Input::kQueue,  Input::kRunning,     Input::kConcurrency,
                                                           Input::kMemory, Input::kAccelerator, Input::kCpu,
                                                           Input::kLatency};

// The L1 categories of the metric-definition draft.
enum class Category : std::uint8_t {
  kCompute,
  kCommunication,
  kService,
  kComposed,
};
inline constexpr std::size_t kCategoryCount = 4;
inline constexpr std::array<Category, kCategoryCount> kCategories = {Category::kCompute, Category::kCommunication,
                                                                     Category::kService, Category::kComposed};

const char* input_name(Input i);        // "queue", "running", "concurrency", ...
const char* category_name(Category c);  // "compute", "communication", "service", "composed"
bool is_fraction(Input i);              // scored on 0..1 (utilisations, concurrency)

// CATS-EXP Metric Type codes (spec B.3.3) of the scores this stage produces.
inline constexpr std::uint8_t kMetricTypeL2 = 1;  // norm_fi
constexpr std::uint8_t metric_type(Category c) {
  return static_cast<std::uint8_t>(2 + static_cast<std::uint8_t>(c));  // 2 compute .. 5 composed
}

constexpr std::size_t index(Input i) {
  return static_cast<std::size_t>(i);
}
constexpr std::size_t index(Category c) {
  return static_cast<std::size_t>(c);
}

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
