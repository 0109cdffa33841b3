#include "yang/config/scoring.hpp"

#include <algorithm>

namespace cats::config {

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

const char* curve_name(Curve c) {
  switch (c) {
    case Curve::kLinear: return "linear";
    case Curve::kLogistic: return "logistic";
  }
  return "?";
}

const char* combine_name(Combine c) {
  switch (c) {
    case Combine::kMin: return "min";
    case Combine::kWeightedMean: return "weighted-mean";
  }
  return "?";
}

const char* site_aggregation_name(SiteAggregation a) {
  switch (a) {
    case SiteAggregation::kMax: return "max";
    case SiteAggregation::kMean: return "mean";
    case SiteAggregation::kCapacityWeightedMean: return "capacity-weighted-mean";
  }
  return "?";
}

Rules rules_for(const Profile& p, std::string_view service) {
  Rules r = p.rules;
  const auto o = std::find_if(p.overrides.begin(), p.overrides.end(),
                              [&](const ServiceOverride& x) { return x.service == service; });
  if (o == p.overrides.end()) return r;
  for (Input i : kInputs) {
    if (o->inputs[index(i)]) r.rule(i) = *o->inputs[index(i)];
  }
  if (o->l1_combine) r.l1_combine = *o->l1_combine;
  if (o->l2_combine) r.l2_combine = *o->l2_combine;
  if (o->l2_weights) r.l2_weights = *o->l2_weights;
  if (o->site) r.site = *o->site;
  if (o->stale_after) r.stale_after = *o->stale_after;
  return r;
}

Profile default_profile(std::uint16_t id) {
  Profile p;
  p.id = id;
  p.name = "default";
  Rules& r = p.rules;
  r.rule(Input::kQueue) = {true, Category::kCompute, 0, 16, Curve::kLinear, 1};
  r.rule(Input::kConcurrency) = {true, Category::kCompute, 0.5, 1.0, Curve::kLinear, 1};
  r.rule(Input::kMemory) = {true, Category::kCompute, 0.5, 0.95, Curve::kLinear, 1};
  r.rule(Input::kAccelerator) = {true, Category::kCompute, 0.3, 1.0, Curve::kLinear, 1};
  r.rule(Input::kCpu) = {true, Category::kCompute, 0.5, 1.0, Curve::kLinear, 1};
  r.rule(Input::kLatency) = {true, Category::kService, 0.5, 10, Curve::kLogistic, 1};
  r.l1_combine = Combine::kMin;
  r.l2_combine = Combine::kWeightedMean;
  r.l2_weights = {3, 1, 1, 1};
  r.site = SiteAggregation::kMean;
  return p;
}

}  // namespace cats::config
