// The vocabulary of the exposition formats: formats, metric types, and which
// sample names belong to a family of each type.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cats::prom {

enum class Format : std::uint8_t {
  kAuto,         // OpenMetrics when the body has a "# EOF" line, else 0.0.4
  kPrometheus,   // text/plain; version=0.0.4
  kOpenMetrics,  // application/openmetrics-text; version=1.0.0
};

enum class MetricType : std::uint8_t {
  kUntyped,  // "untyped" (0.0.4), "unknown" (OpenMetrics), or no TYPE line
  kCounter,
  kGauge,
  kHistogram,
  kSummary,
  kInfo,
  kStateSet,
  kGaugeHistogram,
};

// What a sample is within its family.
enum class SampleRole : std::uint8_t {
  kValue,     // the family's own name: gauge, untyped, stateset, 0.0.4 counter
  kTotal,     // <counter>_total (OpenMetrics counter)
  kCreated,   // <counter|histogram|summary>_created
  kBucket,    // <histogram|gaugehistogram>_bucket; Sample::bound is le
  kQuantile,  // <summary>{quantile=...}; Sample::bound is the quantile
  kSum,       // <histogram|summary>_sum
  kCount,     // <histogram|summary>_count
  kGSum,      // <gaugehistogram>_gsum
  kGCount,    // <gaugehistogram>_gcount
  kInfo,      // <info>_info
};

const char* format_name(Format f);    // "auto", "prometheus-0.0.4", "openmetrics-1.0"
const char* type_name(MetricType t);  // as written in # TYPE ("untyped" for kUntyped)
const char* role_name(SampleRole r);  // "value", "bucket", ...

// Case-insensitive, as the Prometheus text parser; "unknown" maps to kUntyped.
std::optional<MetricType> parse_type(std::string_view word);

// The role of the sample named exactly as the family.
SampleRole base_role(MetricType t);
// The role of <family><suffix> (suffix starts with '_'), or nullopt when a
// family of this type has no such sample.
std::optional<SampleRole> suffix_role(MetricType t, std::string_view suffix);
// Suffixes any type may carry, longest first (for resolving a sample name to
// a family declared earlier).
inline constexpr std::string_view kSuffixes[] = {"_created", "_bucket", "_gcount", "_count",
                                                 "_total",   "_gsum",   "_info",   "_sum"};

// From an HTTP Content-Type: openmetrics-text -> kOpenMetrics, text/plain ->
// kPrometheus, anything else kAuto.
Format format_from_content_type(std::string_view content_type);

}  // namespace cats::prom
