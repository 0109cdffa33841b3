// Comment lines: # HELP, # TYPE, # UNIT and # EOF, and plain comments.
#include <cstring>

#include "metric-collector/prom/parser.hpp"
#include "metric-collector/prom/scan.hpp"

namespace cats::prom::detail {

using namespace scan;

void Parser::directive(const char* p, const char* e) {
  if (p == e || !is(*p, kBlank)) {
    ++out_.counters.comments;
    return;
  }
  p = skip_blanks(p, e);
  const char* w = p;
  p = skip_token(p, e);
  const std::string_view word(w, static_cast<std::size_t>(p - w));
  if (word == "HELP" || word == "TYPE" || (om_ && word == "UNIT")) {
    std::string_view name;
    p = directive_name(p, e, word, name);
    if (!p) return;
    if (word == "HELP") return help(name, p, e);
    if (word == "TYPE") return type(name, p, e);
    return unit(name, p, e);
  }
  if (om_ && word == "EOF") {
    if (skip_blanks(p, e) != e) return fail(p, "text after # EOF on its line");
    eof_ = out_.eof = true;
    return;
  }
  ++out_.counters.comments;
}

// The metric name after a HELP/TYPE/UNIT keyword; p is just past the keyword.
const char* Parser::directive_name(const char* p, const char* e, std::string_view what, std::string_view& name) {
  p = skip_blanks(p, e);
  if (p == e) {
    fail(p, std::string(what) + " without metric name");
    return nullptr;
  }
  const char* n = scan_name(p, e, kMetricStart, kMetricChar);
  if (n == p || (n < e && !is(*n, kBlank))) {
    fail(p, "invalid metric name in " + std::string(what) + ": " + quoted(p, skip_token(p, e)));
    return nullptr;
  }
  name = std::string_view(p, static_cast<std::size_t>(n - p));
  return n;
}

void Parser::help(std::string_view name, const char* p, const char* e) {
  std::uint32_t f = lookup(name);
  if (f != kNone && out_.families[f].help_line) {
    return fail(name.data(), "HELP repeated for " + std::string(name) + " (first at line " +
                                 std::to_string(out_.families[f].help_line) + ")");
  }
  p = skip_blanks(p, e);
  std::string_view text(p, static_cast<std::size_t>(e - p));
  if (std::memchr(text.data(), '\\', text.size())) {
    std::size_t bad = 0;
    const auto u = unescaped(text, bad);
    if (!u) return fail(p + bad, "invalid escape in HELP: " + quoted(p + bad, std::min(p + bad + 2, e)));
    text = *u;
  }
  Family& family = declare(f, name);
  family.help = text;
  family.help_line = line_no_;
}

void Parser::type(std::string_view name, const char* p, const char* e) {
  const char* w = skip_blanks(p, e);
  const char* we = skip_token(w, e);
  if (w == we) return fail(w, "TYPE without a type for " + std::string(name));
  const auto t = parse_type(std::string_view(w, static_cast<std::size_t>(we - w)));
  if (!t) return fail(w, "unknown metric type " + quoted(w, we));
  if (skip_blanks(we, e) != e) return fail(skip_blanks(we, e), "unexpected text after TYPE");

  std::uint32_t f = lookup(name);
  if (f != kNone && out_.families[f].type_line) {
    return fail(name.data(), "TYPE repeated for " + std::string(name) + " (first at line " +
                                 std::to_string(out_.families[f].type_line) + ")");
  }
  if (f != kNone && out_.families[f].samples) {
    return fail(name.data(), "TYPE after samples of " + std::string(name));
  }
  if (const Family* s = implicit_suffix_family(name, *t)) {
    return fail(name.data(), "TYPE after samples of " + std::string(s->name));
  }
  Family& family = declare(f, name);
  family.type = *t;
  family.type_line = line_no_;
}

// Samples such as x_bucket seen before "# TYPE x histogram" made an untyped
// family of their own; the TYPE then comes after samples of its family.
const Family* Parser::implicit_suffix_family(std::string_view name, MetricType t) {
  for (std::string_view suffix : kSuffixes) {
    if (!suffix_role(t, suffix)) continue;
    const std::uint32_t f = lookup(name, suffix);
    if (f != kNone && out_.families[f].samples && !out_.families[f].type_line) return &out_.families[f];
  }
  return nullptr;
}

void Parser::unit(std::string_view name, const char* p, const char* e) {
  std::uint32_t f = lookup(name);
  if (f != kNone && !out_.families[f].unit.empty()) return fail(name.data(), "UNIT repeated for " + std::string(name));
  p = skip_blanks(p, e);
  declare(f, name).unit = std::string_view(p, static_cast<std::size_t>(e - p));
}

// The family a directive names (`f`, or a new one); later samples go to it.
Family& Parser::declare(std::uint32_t f, std::string_view name) {
  if (f == kNone) f = add_family(name);
  current_ = f;
  return out_.families[f];
}

}  // namespace cats::prom::detail
