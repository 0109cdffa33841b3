// Host load from procfs, for a host with no exporter. Parsers take the file
// text (tests feed fixtures); ProcfsSource reads the real files. The reads are
// of in-memory kernel files, a few microseconds each, so they are done inline.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "metric-collector/score/inputs.hpp"

namespace cats::source {

// The aggregate "cpu" line of /proc/stat, in clock ticks. Guest time is
// already inside user/nice, so it is not added again (as node_exporter).
struct CpuTimes {
  std::uint64_t busy = 0;  // user nice system irq softirq steal
  std::uint64_t idle = 0;  // idle iowait
  std::uint64_t total() const { return busy + idle; }
};
std::optional<CpuTimes> parse_proc_stat(std::string_view text);
// Busy share between two reads, 0..1; nullopt when no tick passed or the
// counters went backwards.
std::optional<double> cpu_utilisation(const CpuTimes& before, const CpuTimes& after);

struct MemInfo {
  std::uint64_t total_kb = 0;
  std::uint64_t available_kb = 0;
};
// nullopt without MemTotal or MemAvailable (kernels before 3.14).
std::optional<MemInfo> parse_meminfo(std::string_view text);
// Used share, 1 - MemAvailable / MemTotal.
std::optional<double> memory_utilisation(const MemInfo& m);

struct PressureLine {
  double avg10 = 0, avg60 = 0, avg300 = 0;  // percent
  std::uint64_t total_us = 0;
};
struct Pressure {
  std::optional<PressureLine> some;
  std::optional<PressureLine> full;  // absent for cpu on older kernels
};
// /proc/pressure/{cpu,memory,io}; nullopt when neither line parses.
std::optional<Pressure> parse_pressure(std::string_view text);

// Reads a whole file; nullopt when it does not exist or cannot be read.
using FileReader = std::function<std::optional<std::string>(const std::string& path)>;
std::optional<std::string> read_file(const std::string& path);

struct HostSample {
  score::L0Inputs l0;  // cpu (from the second sample on) and memory; instance as given
  std::optional<Pressure> cpu_pressure, memory_pressure, io_pressure;  // absent: no PSI on this kernel
  bool stat_ok = false, meminfo_ok = false;
};

class ProcfsSource {
 public:
  explicit ProcfsSource(std::string instance, std::string root = "/proc", FileReader reader = read_file);
  // CPU utilisation is over the time since the previous call.
  HostSample sample();

 private:
  std::string instance_;
  std::string root_;
  FileReader reader_;
  std::optional<CpuTimes> last_cpu_;
};

}  // namespace cats::source
