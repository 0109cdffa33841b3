#include "metric-collector/prom/types.hpp"

#include <cctype>

namespace cats::prom {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace

const char* format_name(Format f) {
  switch (f) {
    case Format::kAuto: return "auto";
    case Format::kPrometheus: return "prometheus-0.0.4";
    case Format::kOpenMetrics: return "openmetrics-1.0";
  }
  return "?";
}

const char* type_name(MetricType t) {
  switch (t) {
    case MetricType::kUntyped: return "untyped";
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kInfo: return "info";
    case MetricType::kStateSet: return "stateset";
    case MetricType::kGaugeHistogram: return "gaugehistogram";
  }
  return "?";
}

const char* role_name(SampleRole r) {
  switch (r) {
    case SampleRole::kValue: return "value";
    case SampleRole::kTotal: return "total";
    case SampleRole::kCreated: return "created";
    case SampleRole::kBucket: return "bucket";
    case SampleRole::kQuantile: return "quantile";
    case SampleRole::kSum: return "sum";
    case SampleRole::kCount: return "count";
    case SampleRole::kGSum: return "gsum";
    case SampleRole::kGCount: return "gcount";
    case SampleRole::kInfo: return "info";
  }
  return "?";
}

std::optional<MetricType> parse_type(std::string_view w) {
  static constexpr struct {
    std::string_view word;
    MetricType type;
  } kTypes[] = {
      {"counter", MetricType::kCounter},
      {"gauge", MetricType::kGauge},
      {"histogram", MetricType::kHistogram},
      {"summary", MetricType::kSummary},
      {"untyped", MetricType::kUntyped},
      {"unknown", MetricType::kUntyped},
      {"info", MetricType::kInfo},
      {"stateset", MetricType::kStateSet},
      {"gaugehistogram", MetricType::kGaugeHistogram},
  };
  for (const auto& t : kTypes) {
    if (iequals(w, t.word)) return t.type;
  }
  return std::nullopt;
}

SampleRole base_role(MetricType t) {
  return t == MetricType::kSummary ? SampleRole::kQuantile : SampleRole::kValue;
}

std::optional<SampleRole> suffix_role(MetricType t, std::string_view s) {
  switch (t) {
    case MetricType::kCounter:
      if (s == "_total") return SampleRole::kTotal;
      if (s == "_created") return SampleRole::kCreated;
      break;
    case MetricType::kHistogram:
      if (s == "_bucket") return SampleRole::kBucket;
      if (s == "_sum") return SampleRole::kSum;
      if (s == "_count") return SampleRole::kCount;
      if (s == "_created") return SampleRole::kCreated;
      break;
    case MetricType::kGaugeHistogram:
      if (s == "_bucket") return SampleRole::kBucket;
      if (s == "_gsum") return SampleRole::kGSum;
      if (s == "_gcount") return SampleRole::kGCount;
      break;
    case MetricType::kSummary:
      if (s == "_sum") return SampleRole::kSum;
      if (s == "_count") return SampleRole::kCount;
      if (s == "_created") return SampleRole::kCreated;
      break;
    case MetricType::kInfo:
      if (s == "_info") return SampleRole::kInfo;
      break;
    case MetricType::kUntyped:
    case MetricType::kGauge:
    case MetricType::kStateSet: break;
  }
  return std::nullopt;
}

Format format_from_content_type(std::string_view ct) {
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  if (istarts_with(ct, "application/openmetrics-text")) return Format::kOpenMetrics;
  if (istarts_with(ct, "text/plain")) return Format::kPrometheus;
  return Format::kAuto;
}

}  // namespace cats::prom
