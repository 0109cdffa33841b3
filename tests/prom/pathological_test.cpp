// Bodies a broken or hostile exporter could send. The parser must stay linear:
// each case here would take hours with a quadratic step (10^12 comparisons for
// the million-label line), so finishing at all is part of the assertion.
#include <gtest/gtest.h>

#include "tests/prom/test_util.hpp"

namespace cats::prom {
namespace {

using namespace test;

TEST(Pathological, MultiMegabyteBody) {
  std::string body;
  body += "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n";
  for (int i = 0; i < 60000; ++i) {
    body += "DCGM_FI_DEV_GPU_UTIL{gpu=\"" + std::to_string(i % 8) + "\",UUID=\"GPU-" + std::to_string(i) +
            "\",Hostname=\"node-" + std::to_string(i / 8) + "\"} " + std::to_string(i % 101) + "\n";
  }
  ASSERT_GT(body.size(), 4u << 20);
  const auto r = parse_exposition(body, Format::kPrometheus);
  EXPECT_TRUE(r.ok()) << errors(r);
  ASSERT_EQ(r.samples.size(), 60000u);
  EXPECT_EQ(r.families.size(), 1u);
  EXPECT_EQ(label(r.samples[59999], "UUID"), "GPU-59999");
  EXPECT_EQ(r.samples[59999].value, 59999 % 101);
}

TEST(Pathological, TenMegabyteLabelValue) {
  const std::string value(10u << 20, 'v');
  const std::string body = "a 1\nm{big=\"" + value + "\"} 2\nb 3\n";
  const auto r = parse_exposition(body);
  EXPECT_TRUE(r.ok()) << errors(r);
  ASSERT_EQ(r.samples.size(), 3u);
  EXPECT_EQ(label(r.samples[1], "big")->size(), value.size());
}

TEST(Pathological, MegabyteMetricName) {
  const std::string name(1u << 20, 'n');
  const std::string body = name + " 1\n" + name + "_x 2\n";
  const auto r = parse_exposition(body);
  EXPECT_TRUE(r.ok()) << errors(r);
  EXPECT_EQ(r.samples.size(), 2u);
  EXPECT_EQ(r.families.size(), 2u);
}

TEST(Pathological, UnterminatedTenMegabyteLine) {
  const std::string body = "a 1\nm{big=\"" + std::string(10u << 20, 'v');
  const auto r = parse_exposition(body);
  EXPECT_EQ(errors(r), "2:7 unterminated label value of big\n");
  EXPECT_EQ(r.samples.size(), 1u);
}

TEST(Pathological, DeepEscapes) {
  std::string raw;
  for (int i = 0; i < 1000000; ++i) raw += i % 3 == 0 ? "\\\\" : i % 3 == 1 ? "\\\"" : "\\n";
  const std::string body = "m{e=\"" + raw + "\"} 1\n# HELP m " + raw + "\n";
  const auto r = parse_exposition(body);
  EXPECT_TRUE(r.ok()) << errors(r);
  ASSERT_EQ(r.samples.size(), 1u);
  const auto v = *label(r.samples[0], "e");
  ASSERT_EQ(v.size(), 1000000u);
  EXPECT_EQ(v.substr(0, 3), "\\\"\n");
  EXPECT_EQ(r.families[0].help.size(), 1000000u);
}

TEST(Pathological, ManyEscapedValues) {
  std::string body;
  for (int i = 0; i < 200000; ++i) body += "m{a=\"x\\\\" + std::to_string(i) + "\"} 1\n";
  const auto r = parse_exposition(body);
  EXPECT_TRUE(r.ok()) << errors(r);
  EXPECT_EQ(r.counters.unescaped, 200000u);
  EXPECT_EQ(label(r.samples[199999], "a"), "x\\199999");
}

std::string million_labels(bool duplicate_at_end) {
  std::string body = "a 1\nm{";
  // Appends rather than "l" + std::to_string(i): g++ 12 raises a false -Wrestrict on the latter.
  for (int i = 0; i < 1000000; ++i) body.append("l").append(std::to_string(i)).append("=\"v\",");
  if (duplicate_at_end) body += "l17=\"again\"";
  return body + "} 2\nb 3\n";
}

TEST(Pathological, MillionLabels) {
  const std::string body = million_labels(false);
  const auto r = parse_exposition(body);
  EXPECT_TRUE(r.ok()) << errors(r);
  ASSERT_EQ(r.samples.size(), 3u);
  EXPECT_EQ(r.samples[1].labels.size(), 1000000u);
  EXPECT_EQ(r.samples[1].labels.back().name, "l999999");
}

TEST(Pathological, MillionLabelsWithDuplicate) {
  const std::string body = million_labels(true);
  const auto r = parse_exposition(body);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 2u);
  EXPECT_EQ(r.errors[0].reason, "duplicate label name l17");
  EXPECT_EQ(samples(r), "a 1 value/a\nb 3 value/b\n");
  EXPECT_TRUE(r.label_storage.empty());
}

TEST(Pathological, MillionFamilies) {
  std::string body;
  for (int i = 0; i < 1000000; ++i) body.append("m").append(std::to_string(i)).append(" 1\n");
  const auto r = parse_exposition(body);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.families.size(), 1000000u);
}

TEST(Pathological, MillionTypeLinesThenSamples) {
  std::string body;
  for (int i = 0; i < 300000; ++i) body.append("# TYPE h").append(std::to_string(i)).append(" histogram\n");
  for (int i = 0; i < 300000; ++i) body.append("h").append(std::to_string(i)).append("_count 1\n");
  const auto r = parse_exposition(body);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.families.size(), 300000u);
  EXPECT_EQ(r.samples.back().role, SampleRole::kCount);
}

TEST(Pathological, MillionErrorLines) {
  const std::string body = std::string(1000000, '\n') + std::string(1000000, '{');
  const auto r = parse_exposition(body);
  EXPECT_EQ(r.counters.blank_lines, 1000000u);
  EXPECT_EQ(r.counters.errors, 1u);
  std::string garbage;
  for (int i = 0; i < 1000000; ++i) garbage += "m{\n";
  const auto g = parse_exposition(garbage);
  EXPECT_EQ(g.counters.errors, 1000000u);
  EXPECT_EQ(g.errors.size(), kMaxStoredErrors);
}

// Fixtures with random damage (byte changes to the characters the grammar
// cares about, cuts, duplicated spans), in every format: no crash, and the
// result stays self-consistent. Worth most under ASan/UBSan.
TEST(Pathological, MutatedFixturesStayConsistent) {
  const char* const files[] = {"vllm.prom", "dcgm.prom", "triton.prom", "openmetrics.om", "node_exporter.prom"};
  const char kSpecial[] = "\"\\{}=,# \t\n\r_:.0eE+-";
  Xorshift next(0x9e3779b97f4a7c15ull);
  for (const char* file : files) {
    const std::string original = read_fixture(file);
    for (int round = 0; round < 300; ++round) {
      std::string body = original;
      const int edits = 1 + static_cast<int>(next() % 8);
      for (int k = 0; k < edits && !body.empty(); ++k) {
        const std::size_t at = next() % body.size();
        switch (next() % 4) {
          case 0: body[at] = kSpecial[next() % (sizeof kSpecial - 1)]; break;
          case 1: body[at] = static_cast<char>(next()); break;
          case 2: body.resize(at); break;
          default: body.insert(at, body.substr(next() % body.size(), next() % 64)); break;
        }
      }
      for (Format f : {Format::kAuto, Format::kPrometheus, Format::kOpenMetrics}) {
        const auto r = parse_exposition(body, f);
        ASSERT_EQ(r.counters.samples, r.samples.size());
        ASSERT_EQ(r.errors.size(), std::min<std::size_t>(r.counters.errors, kMaxStoredErrors));
        for (const Sample& s : r.samples) {
          ASSERT_LT(s.family, r.families.size());
          ASSERT_LE(s.line, r.counters.lines);
          for (const Label& l : s.labels) ASSERT_FALSE(l.name.empty());
        }
        for (const ParseError& e : r.errors) ASSERT_LE(e.line, r.counters.lines + 1);
      }
    }
  }
}

TEST(Pathological, LongRunOfBlanks) {
  const std::string blanks(5u << 20, ' ');
  const std::string body = "m" + blanks + "{a=\"1\"}" + blanks + "2" + blanks + "\n";
  const auto r = parse_exposition(body);
  EXPECT_TRUE(r.ok()) << errors(r);
  EXPECT_EQ(samples(r), "m{a=\"1\"} 2 value/m\n");
}

}  // namespace
}  // namespace cats::prom
