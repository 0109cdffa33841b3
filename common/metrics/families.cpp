#include "common/metrics/families.hpp"

#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace cats::metrics {

prometheus::ClientMetric& Families::add(std::string_view name, std::string_view help, prometheus::MetricType type,
                                        const Labels& labels) {
  auto f = std::find_if(families_.begin(), families_.end(), [&](const auto& x) { return x.name == name; });
  if (f == families_.end()) {
    families_.push_back({std::string(name), std::string(help), type, {}});
    f = std::prev(families_.end());
  }
  auto& m = f->metric.emplace_back();
  m.label.reserve(labels.size());
  for (const auto& [k, v] : labels) m.label.push_back({k, v});
  std::sort(m.label.begin(), m.label.end());  // one order on the page, whatever the caller's
  return m;
}

void Families::gauge(std::string_view name, std::string_view help, double value, const Labels& labels) {
  add(name, help, prometheus::MetricType::Gauge, labels).gauge.value = value;
}

void Families::counter(std::string_view name, std::string_view help, double value, const Labels& labels) {
  add(name, help, prometheus::MetricType::Counter, labels).counter.value = value;
}

std::string render(const std::vector<prometheus::MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

namespace {

// Fields of /proc/self/stat after the command name (which may hold spaces).
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  const auto close = line.rfind(')');
  std::vector<std::string> out;
  if (close == std::string::npos) return out;
  std::istringstream rest(line.substr(close + 1));
  for (std::string f; rest >> f;) out.push_back(f);
  return out;
}

double boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double t = 0;
      in >> t;
      return t;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

}  // namespace

void add_process_metrics(Families& out) {
  // stat fields, counted from 3 (state) as in proc(5): utime 14, stime 15,
  // num_threads 20, starttime 22, vsize 23, rss 24.
  const auto f = stat_fields();
  const auto field = [&f](std::size_t n) { return n - 3 < f.size() ? std::stod(f[n - 3]) : 0.0; };
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  if (f.size() >= 22 && ticks > 0) {
    out.counter("process_cpu_seconds_total", "User and system CPU time spent in seconds.",
                (field(14) + field(15)) / ticks);
    out.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
              boot_time() + field(22) / ticks);
    out.gauge("process_threads", "Number of OS threads in the process.", field(20));
    out.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", field(23));
    out.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", field(24) * page);
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::end(it);
       it.increment(ec))
    ++fds;
  out.gauge("process_open_fds", "Number of open file descriptors.", static_cast<double>(fds));
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
    out.gauge("process_max_fds", "Maximum number of open file descriptors.", static_cast<double>(lim.rlim_cur));
}

}  // namespace cats::metrics
