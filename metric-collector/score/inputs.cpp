#include "metric-collector/score/inputs.hpp"

namespace cats::score {

std::optional<double> input_value(const L0Inputs& in, Input i) {
  switch (i) {
    case Input::kQueue: return in.queued;
    case Input::kRunning: return in.running;
    case Input::kConcurrency:
      // Without a positive capacity the ratio means nothing.
      if (!in.running || !in.max_concurrent || !(*in.max_concurrent > 0)) return std::nullopt;
      return *in.running / *in.max_concurrent;
    case Input::kMemory: return in.memory;
    case Input::kAccelerator: return in.accelerator;
    case Input::kCpu: return in.cpu;
    case Input::kLatency: return in.latency;
  }
  return std::nullopt;
}

}  // namespace cats::score
