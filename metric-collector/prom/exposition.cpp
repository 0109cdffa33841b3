#include "metric-collector/prom/exposition.hpp"

#include <algorithm>
#include <cstring>

#include "metric-collector/prom/parser.hpp"
#include "metric-collector/prom/scan.hpp"

namespace cats::prom {

namespace detail {

using namespace scan;

void Parser::run(std::string_view body) {
  out_.counters.bytes = body.size();
  const char* p = body.data();
  const char* const end = p + body.size();
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* e = nl ? nl : end;
    if (e > p && e[-1] == '\r') --e;
    ++line_no_;
    line_begin_ = p;
    if (!eof_) {
      line(p, e);
    } else if (skip_blanks(p, e) != e) {
      // OpenMetrics ends at # EOF; whatever follows is not part of the scrape.
      fail(p, "content after # EOF");
      break;
    }
    p = nl ? nl + 1 : end;
  }
  out_.counters.lines = line_no_;
  if (om_ && !eof_) error(line_no_ + 1, 1, "missing # EOF: body truncated?");
}

void Parser::line(const char* p, const char* e) {
  p = skip_blanks(p, e);
  if (p == e) {
    ++out_.counters.blank_lines;
  } else if (*p == '#') {
    directive(p + 1, e);
  } else {
    sample(p, e);
  }
}

void Parser::fail(const char* at, std::string reason) {
  error(line_no_, static_cast<std::uint32_t>(at - line_begin_) + 1, std::move(reason));
}

void Parser::error(std::uint32_t line, std::uint32_t column, std::string reason) {
  ++out_.counters.errors;
  if (out_.errors.size() < kMaxStoredErrors) out_.errors.push_back(ParseError{line, column, std::move(reason)});
}

}  // namespace detail

Format detect_format(std::string_view body) {
  static constexpr std::string_view kEof = "# EOF";
  std::size_t pos = 0;
  while ((pos = body.find(kEof, pos)) != std::string_view::npos) {
    std::size_t end = pos + kEof.size();
    if (end < body.size() && body[end] == '\r') ++end;
    if ((pos == 0 || body[pos - 1] == '\n') && (end == body.size() || body[end] == '\n')) return Format::kOpenMetrics;
    pos += kEof.size();
  }
  return Format::kPrometheus;
}

void parse_exposition(std::string_view body, Format hint, ParseResult& out) {
  out.families.clear();
  out.samples.clear();
  out.errors.clear();
  out.counters = ParseCounters{};
  out.eof = false;
  out.label_storage.clear();
  out.arena.clear();
  out.family_slots.clear();
  out.format = hint == Format::kAuto ? detect_format(body) : hint;
  if (body.size() > std::numeric_limits<std::uint32_t>::max()) {
    // Line and column numbers are 32-bit; the scraper caps bodies far lower.
    out.counters.errors = 1;
    out.errors.push_back(ParseError{0, 0, "body larger than 4 GiB"});
    return;
  }
  // Exporters write a line per 60-150 bytes. Reserving for one per 64 bytes
  // spares a fresh result the regrowth of its two big buffers (copies and
  // page faults); untouched capacity costs only address space.
  const std::size_t lines = std::min<std::size_t>(body.size() / 64 + 16, std::size_t{1} << 18);
  if (out.samples.capacity() < lines) out.samples.reserve(lines);
  if (out.label_storage.capacity() < 4 * lines) out.label_storage.reserve(4 * lines);
  detail::Parser(out.format, out).run(body);
}

ParseResult parse_exposition(std::string_view body, Format hint) {
  ParseResult r;
  parse_exposition(body, hint, r);
  return r;
}

}  // namespace cats::prom
