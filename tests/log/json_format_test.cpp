// --log-format json: every line one JSON object with time, level, logger and
// msg, whatever bytes the message holds.
#include "common/log/json_format.hpp"

#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "common/log/log.hpp"

namespace cats::log {
namespace {

std::string format(std::string_view payload, spdlog::level::level_enum level = spdlog::level::info) {
  spdlog::details::log_msg msg(spdlog::source_loc{}, "catsd", level, payload);
  // 2025-01-31T12:00:00.123Z
  msg.time =
      std::chrono::system_clock::time_point{} + std::chrono::seconds{1738324800} + std::chrono::milliseconds{123};
  spdlog::memory_buf_t out;
  JsonFormatter().format(msg, out);
  return {out.data(), out.size()};
}

TEST(JsonFormat, OneObjectALine) {
  const std::string line = format("neighbor 192.0.2.1 up", spdlog::level::warn);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2025-01-31T12:00:00.123Z");
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["logger"], "catsd");
  EXPECT_EQ(j["msg"], "neighbor 192.0.2.1 up");
  EXPECT_EQ(j.size(), 4u);
}

TEST(JsonFormat, EscapesQuotesAndControlCharacters) {
  const std::string text = "say \"hi\"\\ then\nnew line\ttab \x01 \x7f";
  const std::string line = format(text);
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "an embedded newline must not split the line";
  EXPECT_EQ(nlohmann::json::parse(line)["msg"], text);
}

TEST(JsonFormat, KeepsUtf8AndReplacesBrokenBytes) {
  EXPECT_EQ(nlohmann::json::parse(format("caf\xc3\xa9 \xe2\x82\xac"))["msg"], "caf\xc3\xa9 \xe2\x82\xac");
  // A lone continuation byte, a truncated sequence, an overlong form, a surrogate.
  const std::string line = format("a\x80 b\xe2\x82 c\xc0\xaf d\xed\xa0\x80");
  const auto msg = nlohmann::json::parse(line)["msg"].get<std::string>();  // throws on invalid UTF-8
  const std::string r = "\xef\xbf\xbd";  // U+FFFD, once a byte that starts no well-formed sequence
  EXPECT_EQ(msg, "a" + r + " b" + r + r + " c" + r + r + " d" + r + r + r);
}

TEST(JsonFormat, FormatNames) {
  EXPECT_EQ(parse_format("json"), Format::kJson);
  EXPECT_EQ(parse_format("text"), Format::kText);
  EXPECT_FALSE(parse_format("xml").has_value());
}

}  // namespace
}  // namespace cats::log
