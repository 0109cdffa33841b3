// --log-format json: one JSON object a line, for a log shipper that parses
// rather than splits on spaces:
//   {"time":"2025-01-31T12:00:00.123Z","level":"info","logger":"catsd","msg":"..."}
// The message is escaped as RFC 8259 asks; bytes that are not UTF-8 (a peer's
// shutdown communication may hold anything) become U+FFFD, so that every line
// stays valid JSON.
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <string_view>

namespace cats::log {

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// `text` as the inside of a JSON string (no quotes) appended to `out`.
void append_json_string(std::string_view text, std::string& out);

}  // namespace cats::log
