#include "metric-collector/source/procfs.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace cats::source {
namespace {

std::string_view next_line(std::string_view& text) {
  const auto nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  return line;
}

std::string_view next_word(std::string_view& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) {
    s = {};
    return {};
  }
  s.remove_prefix(b);
  const auto e = s.find_first_of(" \t");
  std::string_view w = s.substr(0, e);
  s = e == std::string_view::npos ? std::string_view() : s.substr(e);
  return w;
}

template <typename T>
std::optional<T> number(std::string_view w) {
  T v{};
  const auto r = std::from_chars(w.data(), w.data() + w.size(), v);
  if (r.ec != std::errc() || r.ptr != w.data() + w.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<CpuTimes> parse_proc_stat(std::string_view text) {
  while (!text.empty()) {
    std::string_view line = next_line(text);
    if (next_word(line) != "cpu") continue;
    // user nice system idle iowait irq softirq steal [guest guest_nice]
    std::uint64_t f[8] = {};
    int n = 0;
    for (; n < 8; ++n) {
      const auto w = next_word(line);
      if (w.empty()) break;
      const auto v = number<std::uint64_t>(w);
      if (!v) return std::nullopt;
      f[n] = *v;
    }
    if (n < 4) return std::nullopt;  // idle is the fourth field
    CpuTimes t;
    t.busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
    t.idle = f[3] + f[4];
    return t;
  }
  return std::nullopt;
}

std::optional<double> cpu_utilisation(const CpuTimes& before, const CpuTimes& after) {
  if (after.busy < before.busy || after.idle < before.idle) return std::nullopt;
  const std::uint64_t total = after.total() - before.total();
  if (total == 0) return std::nullopt;
  return static_cast<double>(after.busy - before.busy) / static_cast<double>(total);
}

std::optional<MemInfo> parse_meminfo(std::string_view text) {
  std::optional<std::uint64_t> total, available;
  while (!text.empty()) {
    std::string_view line = next_line(text);
    const std::string_view key = next_word(line);
    if (key == "MemTotal:")
      total = number<std::uint64_t>(next_word(line));
    else if (key == "MemAvailable:")
      available = number<std::uint64_t>(next_word(line));
  }
  if (!total || !available || *total == 0) return std::nullopt;
  return MemInfo{*total, *available};
}

std::optional<double> memory_utilisation(const MemInfo& m) {
  if (m.total_kb == 0 || m.available_kb > m.total_kb) return std::nullopt;
  return 1.0 - static_cast<double>(m.available_kb) / static_cast<double>(m.total_kb);
}

std::optional<Pressure> parse_pressure(std::string_view text) {
  Pressure p;
  while (!text.empty()) {
    std::string_view line = next_line(text);
    const std::string_view kind = next_word(line);
    if (kind != "some" && kind != "full") continue;
    PressureLine pl;
    int seen = 0;
    for (std::string_view w = next_word(line); !w.empty(); w = next_word(line)) {
      const auto eq = w.find('=');
      if (eq == std::string_view::npos) continue;
      const auto key = w.substr(0, eq), val = w.substr(eq + 1);
      if (key == "total") {
        if (const auto v = number<std::uint64_t>(val)) pl.total_us = *v, seen |= 8;
        continue;
      }
      const auto v = number<double>(val);
      if (!v) continue;
      if (key == "avg10") pl.avg10 = *v, seen |= 1;
      if (key == "avg60") pl.avg60 = *v, seen |= 2;
      if (key == "avg300") pl.avg300 = *v, seen |= 4;
    }
    if (seen != 15) continue;  // a line missing a field is not trusted
    (kind == "some" ? p.some : p.full) = pl;
  }
  if (!p.some && !p.full) return std::nullopt;
  return p;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

ProcfsSource::ProcfsSource(std::string instance, std::string root, FileReader reader)
    : instance_(std::move(instance)), root_(std::move(root)), reader_(std::move(reader)) {}

HostSample ProcfsSource::sample() {
  HostSample s;
  s.l0.instance = instance_;
  s.l0.sampled = score::Clock::now();
  if (const auto text = reader_(root_ + "/stat")) {
    if (const auto t = parse_proc_stat(*text)) {
      s.stat_ok = true;
      if (last_cpu_) s.l0.cpu = cpu_utilisation(*last_cpu_, *t);
      last_cpu_ = t;
    }
  }
  if (const auto text = reader_(root_ + "/meminfo")) {
    if (const auto m = parse_meminfo(*text)) {
      s.meminfo_ok = true;
      s.l0.memory = memory_utilisation(*m);
    }
  }
  const auto pressure = [&](const char* what) -> std::optional<Pressure> {
    const auto text = reader_(root_ + "/pressure/" + what);
    return text ? parse_pressure(*text) : std::nullopt;
  };
  s.cpu_pressure = pressure("cpu");
  s.memory_pressure = pressure("memory");
  s.io_pressure = pressure("io");
  // Without /proc/stat and /proc/meminfo there is nothing to score.
  s.l0.healthy = s.stat_ok || s.meminfo_ok;
  return s;
}

}  // namespace cats::source
