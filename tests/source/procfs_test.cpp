// procfs parsing from fixture text, the source over a fake /proc, and one
// sample of the real /proc.
#include "metric-collector/source/procfs.hpp"

#include <gtest/gtest.h>

#include <map>
#include <thread>

namespace cats::source {
namespace {

constexpr const char* kStat =
    "cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0\n"
    "cpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0\n"
    "intr 1462898 0 0\n"
    "ctxt 2339845\n";

constexpr const char* kMeminfo =
    "MemTotal:       16303428 kB\n"
    "MemFree:         4116304 kB\n"
    "MemAvailable:   12215200 kB\n"
    "Buffers:          380112 kB\n";

TEST(SourceProcfs, ProcStatAggregateLine) {
  const auto t = parse_proc_stat(kStat);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->busy, 10132153u + 290696 + 3084719 + 0 + 25195 + 0);  // guest is inside user
  EXPECT_EQ(t->idle, 46828483u + 16683);
}

TEST(SourceProcfs, ProcStatOldKernelsAndGarbage) {
  const auto four = parse_proc_stat("cpu  1 2 3 4\n");  // pre-2.6 shape
  ASSERT_TRUE(four);
  EXPECT_EQ(four->busy, 6u);
  EXPECT_EQ(four->idle, 4u);
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("cpu0 1 2 3 4\n"));  // no aggregate line
  EXPECT_FALSE(parse_proc_stat("cpu 1 2\n"));
  EXPECT_FALSE(parse_proc_stat("cpu 1 2 x 4\n"));
  EXPECT_FALSE(parse_proc_stat("cpu 1 2 -3 4\n"));
}

TEST(SourceProcfs, CpuUtilisationBetweenReads) {
  const CpuTimes a{100, 300}, b{130, 370};
  EXPECT_DOUBLE_EQ(cpu_utilisation(a, b).value(), 0.3);
  EXPECT_FALSE(cpu_utilisation(a, a));  // no tick passed
  EXPECT_FALSE(cpu_utilisation(b, a));  // went backwards
}

TEST(SourceProcfs, Meminfo) {
  const auto m = parse_meminfo(kMeminfo);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->total_kb, 16303428u);
  EXPECT_EQ(m->available_kb, 12215200u);
  EXPECT_NEAR(memory_utilisation(*m).value(), 1 - 12215200.0 / 16303428, 1e-12);
  EXPECT_FALSE(parse_meminfo("MemTotal: 100 kB\nMemFree: 50 kB\n"));  // before Linux 3.14
  EXPECT_FALSE(parse_meminfo("MemTotal: 0 kB\nMemAvailable: 0 kB\n"));
  EXPECT_FALSE(memory_utilisation({100, 200}));
}

TEST(SourceProcfs, Pressure) {
  const auto p = parse_pressure(
      "some avg10=1.53 avg60=0.87 avg300=0.25 total=12345678\n"
      "full avg10=0.00 avg60=0.10 avg300=0.02 total=42\n");
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->some);
  EXPECT_DOUBLE_EQ(p->some->avg10, 1.53);
  EXPECT_DOUBLE_EQ(p->some->avg300, 0.25);
  EXPECT_EQ(p->some->total_us, 12345678u);
  ASSERT_TRUE(p->full);
  EXPECT_EQ(p->full->total_us, 42u);
  const auto cpu_only_some = parse_pressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  ASSERT_TRUE(cpu_only_some);
  EXPECT_FALSE(cpu_only_some->full);
  EXPECT_FALSE(parse_pressure(""));
  EXPECT_FALSE(parse_pressure("some avg10=x avg60=0 avg300=0 total=0\n"));
}

// A fake /proc: the reader is the only way in.
struct FakeProc {
  std::map<std::string, std::string> files;
  FileReader reader() {
    return [this](const std::string& path) -> std::optional<std::string> {
      const auto it = files.find(path);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
  }
};

TEST(SourceProcfs, SourceOverFakeProcWithoutPsi) {
  FakeProc fake;
  fake.files["/p/stat"] = "cpu 100 0 0 300 0 0 0 0\n";
  fake.files["/p/meminfo"] = "MemTotal: 1000 kB\nMemAvailable: 250 kB\n";
  ProcfsSource src("host-a", "/p", fake.reader());
  auto s = src.sample();
  EXPECT_EQ(s.l0.instance, "host-a");
  EXPECT_TRUE(s.l0.healthy);
  EXPECT_FALSE(s.l0.cpu);  // first read: no interval yet
  EXPECT_DOUBLE_EQ(s.l0.memory.value(), 0.75);
  EXPECT_FALSE(s.cpu_pressure);  // no /proc/pressure: missing, not an error
  fake.files["/p/stat"] = "cpu 150 0 0 350 0 0 0 0\n";
  fake.files["/p/pressure/io"] = "some avg10=2.00 avg60=1.00 avg300=0.50 total=7\n";
  s = src.sample();
  EXPECT_DOUBLE_EQ(s.l0.cpu.value(), 0.5);
  ASSERT_TRUE(s.io_pressure);
  EXPECT_DOUBLE_EQ(s.io_pressure->some->avg10, 2.0);
  ProcfsSource none("h", "/nowhere", fake.reader());
  EXPECT_FALSE(none.sample().l0.healthy);
}

TEST(SourceProcfs, RealProcValuesInRange) {
  ProcfsSource src("local");
  const auto first = src.sample();
  ASSERT_TRUE(first.stat_ok);
  ASSERT_TRUE(first.meminfo_ok);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto s = src.sample();
  ASSERT_TRUE(s.l0.cpu);
  EXPECT_GE(*s.l0.cpu, 0.0);
  EXPECT_LE(*s.l0.cpu, 1.0);
  ASSERT_TRUE(s.l0.memory);
  EXPECT_GT(*s.l0.memory, 0.0);
  EXPECT_LT(*s.l0.memory, 1.0);
  if (s.cpu_pressure && s.cpu_pressure->some) {
    EXPECT_GE(s.cpu_pressure->some->avg10, 0.0);
    EXPECT_LE(s.cpu_pressure->some->avg10, 100.0);
  }
}

}  // namespace
}  // namespace cats::source
