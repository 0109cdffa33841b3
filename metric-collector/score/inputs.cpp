#include "score/inputs.hpp"

namespace cats::score {

const char* input_name(Input i) {
  switch (i) {
    case Input::kQueue: return "queue";
    case Input::kRunning: return "running";
    case Input::kConcurrency: return "concurrency";
    case Input::kMemory: return "memory";
    case Input::kAccelerator: return "accelerator";
    case Input::kCpu: return "cpu";
    case Input::kLatency: return "latency";
  }
  return "?";
}

const char* category_name(Category c) {
  switch (c) {
    case Category::kCompute: return "compute";
    case Category::kCommunication: return "communication";
    case Category::kService: return "service";
    case Category::kComposed: return "composed";
  }
  return "?";
}

bool is_fraction(Input i) {
  return i == Input::kConcurrency || i == Input::kMemory || i == Input::kAccelerator || i == Input::kCpu;
}

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
