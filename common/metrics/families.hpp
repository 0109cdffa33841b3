// Metric families built per scrape: each binary reads its state once and
// turns it into prometheus-cpp MetricFamily values (names and labels by the
// Prometheus conventions: units in names, _total counters). Nothing is kept
// between scrapes, so a family never shows a series whose object is gone.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cats::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Families {
 public:
  // One sample of the family `name`; the family is created with `help` the
  // first time, and keeps the order families were first used in.
  void gauge(std::string_view name, std::string_view help, double value, const Labels& labels = {});
  void counter(std::string_view name, std::string_view help, double value, const Labels& labels = {});

  std::vector<prometheus::MetricFamily> take() { return std::move(families_); }

 private:
  prometheus::ClientMetric& add(std::string_view name, std::string_view help, prometheus::MetricType type,
                                const Labels& labels);
  std::vector<prometheus::MetricFamily> families_;
};

// The text exposition format (version 0.0.4) of `families`, as served.
std::string render(const std::vector<prometheus::MetricFamily>& families);

// The standard process_* metrics of this process (Prometheus client
// conventions): CPU seconds, resident and virtual memory, open and maximum
// file descriptors, start time, threads. From /proc/self.
void add_process_metrics(Families& out);

}  // namespace cats::metrics
