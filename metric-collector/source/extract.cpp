#include "metric-collector/source/extract.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>

#include "metric-collector/prom/query.hpp"

namespace cats::source {
namespace {

using prom::Sample;

bool selected(const Sample& s, const std::vector<LabelMatch>& match) {
  for (const auto& m : match) {
    const std::string_view v = prom::label(s, m.label).value_or("");
    if ((v == m.value) == m.negate) return false;
  }
  return true;
}

// A series' identity across scrapes: name and sorted labels.
std::string series_key(const Sample& s) {
  std::vector<std::pair<std::string_view, std::string_view>> l;
  for (const auto& lab : s.labels) l.emplace_back(lab.name, lab.value);
  std::sort(l.begin(), l.end());
  std::string k(s.name);
  for (const auto& [n, v] : l) {
    k += '\0';
    k += n;
    k += '=';
    k += v;
  }
  return k;
}

struct Acc {
  double sum = 0, max = -INFINITY, min = INFINITY;
  std::size_t n = 0;
  void add(double v) {
    sum += v;
    max = std::max(max, v);
    min = std::min(min, v);
    ++n;
  }
  std::optional<double> result(Aggregation a) const {
    if (a == Aggregation::kCount) return static_cast<double>(n);
    if (n == 0) return std::nullopt;
    switch (a) {
      case Aggregation::kSum: return sum;
      case Aggregation::kMax: return max;
      case Aggregation::kMin: return min;
      case Aggregation::kAvg: return sum / static_cast<double>(n);
      case Aggregation::kCount: break;
    }
    return std::nullopt;
  }
};

using Groups = std::map<std::string, std::optional<double>, std::less<>>;

std::string group_of(const Sample& s, const std::string& label) {
  return label.empty() ? std::string() : std::string(prom::label(s, label).value_or(""));
}

// Per group: the aggregate of the selected series, as values or as
// per-second rates against `previous` (a counter that went down was reset:
// its increase is its current value, as Prometheus' rate() assumes).
Groups collect(const Selector& sel, std::string_view metric, const std::string& group_label,
               const prom::ParseResult& now, const prom::ParseResult* previous, double dt, bool as_rate) {
  std::map<std::string, Acc, std::less<>> acc;
  std::unordered_map<std::string, double> before;
  if (as_rate) {
    if (previous == nullptr || !(dt > 0)) return {};
    for (const Sample& s : previous->samples)
      if (s.name == metric && selected(s, sel.match)) before.emplace(series_key(s), s.value);
  }
  for (const Sample& s : now.samples) {
    if (s.name != metric || !selected(s, sel.match)) continue;
    auto& a = acc[group_of(s, group_label)];
    if (!std::isfinite(s.value)) continue;  // NaN/Inf: the series says nothing
    if (!as_rate) {
      a.add(s.value);
      continue;
    }
    const auto it = before.find(series_key(s));
    if (it == before.end() || !std::isfinite(it->second)) continue;  // new series: no rate yet
    const double inc = s.value >= it->second ? s.value - it->second : s.value;
    a.add(inc / dt);
  }
  Groups out;
  for (const auto& [g, a] : acc) out[g] = a.result(sel.aggregate);
  return out;
}

Groups apply(const Rule& r, const std::string& group_label, const prom::ParseResult& now,
             const prom::ParseResult* previous, double dt) {
  const Selector& num = r.numerator;
  switch (r.transform) {
    case Transform::kValue: return collect(num, num.metric, group_label, now, previous, dt, false);
    case Transform::kRate: return collect(num, num.metric, group_label, now, previous, dt, true);
    case Transform::kRatio: {
      Groups a = collect(num, num.metric, group_label, now, previous, dt, r.rate);
      const Groups b = collect(*r.denominator, r.denominator->metric, group_label, now, previous, dt, r.rate);
      for (auto& [g, v] : a) {
        const auto it = b.find(g);
        if (!v || it == b.end() || !it->second) {
          v.reset();
          continue;
        }
        const double d = r.denominator_adds_numerator ? *v + *it->second : *it->second;
        v = d != 0 ? std::optional(*v / d) : std::nullopt;
      }
      return a;
    }
    case Transform::kHistogramMean: {
      Selector s = num;
      s.aggregate = Aggregation::kSum;
      Groups sum = collect(s, num.metric + "_sum", group_label, now, previous, dt, true);
      const Groups count = collect(s, num.metric + "_count", group_label, now, previous, dt, true);
      for (auto& [g, v] : sum) {
        const auto it = count.find(g);
        // No request finished in the interval: no mean latency, not zero.
        v = (v && it != count.end() && it->second && *it->second > 0) ? std::optional(*v / *it->second) : std::nullopt;
      }
      return sum;
    }
  }
  return {};
}

std::optional<double> finish(const Rule& r, std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return std::nullopt;
  double x = *v * r.scale;
  if (r.complement) x = 1 - x;
  if (r.min) x = std::max(x, *r.min);
  if (r.max) x = std::min(x, *r.max);
  return x;
}

std::optional<double>* slot(score::L0Inputs& l0, Field f) {
  switch (f) {
    case Field::kQueued: return &l0.queued;
    case Field::kRunning: return &l0.running;
    case Field::kMaxConcurrent: return &l0.max_concurrent;
    case Field::kMemory: return &l0.memory;
    case Field::kAccelerator: return &l0.accelerator;
    case Field::kCpu: return &l0.cpu;
    case Field::kLatency: return &l0.latency;
    case Field::kExtra: break;
  }
  return nullptr;
}

void put(InstanceValues& iv, const Rule& r, double v) {
  if (r.field == Field::kExtra) {
    for (const auto& e : iv.extra)
      if (e.first == r.extra_name) return;  // an earlier rule won
    iv.extra.emplace_back(r.extra_name, v);
    return;
  }
  auto* s = slot(iv.l0, r.field);
  if (!s->has_value()) *s = v;
}

}  // namespace

std::vector<InstanceValues> extract(const EngineProfile& profile, const prom::ParseResult& now,
                                    const prom::ParseResult* previous, double dt_seconds) {
  std::vector<Groups> per_rule;
  std::map<std::string, InstanceValues, std::less<>> instances;
  per_rule.reserve(profile.rules.size());
  for (const Rule& r : profile.rules) {
    const std::string& label = r.group_by ? *r.group_by : profile.instance_label;
    per_rule.push_back(apply(r, label, now, previous, dt_seconds));
    if (!label.empty()) {
      for (const auto& [g, v] : per_rule.back()) instances[g].l0.instance = g;
    }
  }
  // A page with only whole-target rules (TGI, node_exporter) is one instance;
  // so is a page whose grouped metrics are all absent but has shared ones.
  if (instances.empty()) {
    bool any = false;
    for (const auto& g : per_rule) any = any || !g.empty();
    if (!any) return {};
    instances[""];
  }
  for (std::size_t i = 0; i < profile.rules.size(); ++i) {
    const Rule& r = profile.rules[i];
    const std::string& label = r.group_by ? *r.group_by : profile.instance_label;
    for (auto& [name, iv] : instances) {
      // Whole-target values go to every instance.
      const auto it = per_rule[i].find(label.empty() ? std::string_view() : std::string_view(name));
      if (it == per_rule[i].end()) continue;
      if (const auto v = finish(r, it->second)) put(iv, r, *v);
    }
  }
  std::vector<InstanceValues> out;
  out.reserve(instances.size());
  for (auto& [name, iv] : instances) out.push_back(std::move(iv));
  return out;
}

}  // namespace cats::source
