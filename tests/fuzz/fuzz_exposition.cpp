// Fuzzes the Prometheus / OpenMetrics text parser (it reads scraped bodies
// from the network). The first octet picks the format. Properties: never
// crashes, every view is readable (ASan checks each byte we touch), counters
// agree with the stored lists, and a reused result parses the same as a
// fresh one.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "metric-collector/prom/exposition.hpp"
#include "tests/fuzz/check.hpp"

using namespace cats::prom;

namespace {

volatile unsigned g_sink;

// Reads every byte: a view into freed or foreign memory trips ASan here.
bool readable(std::string_view v) {
  unsigned sum = 0;
  for (char c : v) sum += static_cast<unsigned char>(c);
  g_sink = sum;
  return true;
}

}  // namespace

using cats::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const Format f = data[0] % 3 == 0 ? Format::kAuto : data[0] % 3 == 1 ? Format::kPrometheus : Format::kOpenMetrics;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const ParseResult r = parse_exposition(body, f);
  check(r.samples.size() == r.counters.samples, "sample count");
  check(r.errors.size() == std::min<std::size_t>(r.counters.errors, kMaxStoredErrors), "error count");
  for (const auto& s : r.samples) {
    check(s.family < r.families.size(), "family index");
    check(readable(s.name), "sample name view");
    for (const auto& l : s.labels) check(readable(l.name) && readable(l.value), "label view");
  }
  ParseResult again;
  parse_exposition(body, f, again);
  parse_exposition(body, f, again);  // reuse
  check(again.samples.size() == r.samples.size() && again.errors.size() == r.errors.size(), "reuse differs");
  return 0;
}
