#include "prom/exposition.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <unordered_map>

#include "prom/escape.hpp"
#include "prom/number.hpp"

namespace cats::prom {

namespace {

// Character classes; 0.0.4 and OpenMetrics share the name syntax.
enum : std::uint8_t { kMetricStart = 1, kMetricChar = 2, kLabelStart = 4, kLabelChar = 8, kBlank = 16 };

constexpr std::array<std::uint8_t, 256> kClass = [] {
  std::array<std::uint8_t, 256> t{};
  constexpr std::uint8_t kLetter = kMetricStart | kMetricChar | kLabelStart | kLabelChar;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kLetter;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kLetter;
  for (int c = '0'; c <= '9'; ++c) t[c] = kMetricChar | kLabelChar;
  t['_'] = kLetter;
  t[':'] = kMetricStart | kMetricChar;
  t[' '] = kBlank;
  t['\t'] = kBlank;
  return t;
}();

inline bool is(char c, std::uint8_t cls) {
  return (kClass[static_cast<unsigned char>(c)] & cls) != 0;
}
inline const char* skip_blanks(const char* p, const char* e) {
  while (p < e && is(*p, kBlank)) ++p;
  return p;
}
inline const char* skip_token(const char* p, const char* e) {
  while (p < e && !is(*p, kBlank)) ++p;
  return p;
}
inline const char* scan_name(const char* p, const char* e, std::uint8_t start, std::uint8_t rest) {
  if (p == e || !is(*p, start)) return p;
  ++p;
  while (p < e && is(*p, rest)) ++p;
  return p;
}

// A token for an error message, cut short: a 10 MB line must not become a
// 10 MB reason.
std::string quoted(const char* p, const char* e) {
  constexpr std::ptrdiff_t kMax = 40;
  std::string out = "\"";
  out.append(p, static_cast<std::size_t>(std::min(e - p, kMax)));
  if (e - p > kMax) out += "...";
  out += '"';
  return out;
}
std::string quoted(std::string_view s) {
  return quoted(s.data(), s.data() + s.size());
}

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

class Parser {
 public:
  Parser(Format format, ParseResult& out) : om_(format == Format::kOpenMetrics), out_(out) {}
  void run(std::string_view body);

 private:
  void line(const char* p, const char* e);
  void directive(const char* p, const char* e);
  const char* directive_name(const char* p, const char* e, const char* what, std::string_view& name);
  void help(const char* p, const char* e);
  void type(const char* p, const char* e);
  void unit(const char* p, const char* e);
  void sample(const char* p, const char* e);
  const char* labels(const char* p, const char* e);
  bool unique_label_names(std::size_t begin);
  std::optional<std::string_view> unescaped(std::string_view raw, std::size_t& bad);
  bool belongs(const Family& f, std::string_view name, SampleRole& role) const;
  std::uint32_t resolve(std::string_view name, SampleRole& role);
  const Family* implicit_suffix_family(std::string_view name, MetricType t);
  std::uint32_t lookup(std::string_view name) const;
  std::uint32_t add_family(std::string_view name);
  void fail(const char* at, std::string reason);
  void error(std::uint32_t line, std::uint32_t column, std::string reason);

  const bool om_;
  ParseResult& out_;
  const char* line_begin_ = nullptr;
  std::uint32_t line_no_ = 0;
  std::uint32_t current_ = kNone;  // family of the previous sample or directive
  bool eof_ = false;
  std::unordered_map<std::string_view, std::uint32_t> index_;  // family name -> index
  std::vector<std::uint32_t> label_begin_;                     // per sample, into label_storage
  std::vector<std::string_view> names_;                        // scratch: duplicate check of long label sets
  std::string key_;                                            // scratch: family name + suffix
};

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

  // Views into label_storage only now that it has stopped growing.
  const Label* base = out_.label_storage.data();
  const std::size_t n = out_.samples.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t b = label_begin_[i];
    const std::size_t e = i + 1 < n ? label_begin_[i + 1] : out_.label_storage.size();
    out_.samples[i].labels = std::span<const Label>(base + b, e - b);
  }
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

void Parser::directive(const char* p, const char* e) {
  if (p == e || !is(*p, kBlank)) {
    ++out_.counters.comments;
    return;
  }
  p = skip_blanks(p, e);
  const char* w = p;
  p = skip_token(p, e);
  const std::string_view word(w, static_cast<std::size_t>(p - w));
  if (word == "HELP") return help(p, e);
  if (word == "TYPE") return type(p, e);
  if (om_ && word == "UNIT") return unit(p, e);
  if (om_ && word == "EOF") {
    if (skip_blanks(p, e) != e) return fail(p, "text after # EOF on its line");
    eof_ = out_.eof = true;
    return;
  }
  ++out_.counters.comments;
}

// The metric name after a HELP/TYPE/UNIT keyword; p is just past the keyword.
const char* Parser::directive_name(const char* p, const char* e, const char* what, std::string_view& name) {
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

void Parser::help(const char* p, const char* e) {
  std::string_view name;
  p = directive_name(p, e, "HELP", name);
  if (!p) return;
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
  if (f == kNone) f = add_family(name);
  out_.families[f].help = text;
  out_.families[f].help_line = line_no_;
  current_ = f;
}

void Parser::type(const char* p, const char* e) {
  std::string_view name;
  p = directive_name(p, e, "TYPE", name);
  if (!p) return;
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
  if (f == kNone) f = add_family(name);
  out_.families[f].type = *t;
  out_.families[f].type_line = line_no_;
  current_ = f;
}

// Samples such as x_bucket seen before "# TYPE x histogram" made an untyped
// family of their own; the TYPE then comes after samples of its family.
const Family* Parser::implicit_suffix_family(std::string_view name, MetricType t) {
  for (std::string_view suffix : kSuffixes) {
    if (!suffix_role(t, suffix)) continue;
    key_.assign(name);
    key_.append(suffix);
    const std::uint32_t f = lookup(key_);
    if (f != kNone && out_.families[f].samples && !out_.families[f].type_line) return &out_.families[f];
  }
  return nullptr;
}

void Parser::unit(const char* p, const char* e) {
  std::string_view name;
  p = directive_name(p, e, "UNIT", name);
  if (!p) return;
  std::uint32_t f = lookup(name);
  if (f != kNone && !out_.families[f].unit.empty()) return fail(name.data(), "UNIT repeated for " + std::string(name));
  p = skip_blanks(p, e);
  if (f == kNone) f = add_family(name);
  out_.families[f].unit = std::string_view(p, static_cast<std::size_t>(e - p));
  current_ = f;
}

void Parser::sample(const char* p, const char* e) {
  const char* const start = p;
  const char* q = scan_name(p, e, kMetricStart, kMetricChar);
  if (q == p) return fail(p, "invalid metric name " + quoted(p, skip_token(p, e)));
  const std::string_view name(p, static_cast<std::size_t>(q - p));
  p = skip_blanks(q, e);

  const std::size_t label_begin = out_.label_storage.size();
  auto drop = [&](const char* at, std::string reason) {
    out_.label_storage.resize(label_begin);
    fail(at, std::move(reason));
  };
  if (p < e && *p == '{') {
    p = labels(p + 1, e);
    if (!p) {
      out_.label_storage.resize(label_begin);
      return;
    }
    p = skip_blanks(p, e);
  } else if (p == q && p < e) {
    return fail(p, "invalid character in metric name " + quoted(start, skip_token(start, e)));
  }

  if (p == e) return drop(p, "missing value");
  const char* v = p;
  p = skip_token(p, e);
  const auto value = parse_float(std::string_view(v, static_cast<std::size_t>(p - v)));
  if (!value) return drop(v, "invalid value " + quoted(v, p));

  Sample s;
  s.name = name;
  s.value = *value;
  s.line = line_no_;
  p = skip_blanks(p, e);
  if (p < e && *p != '#') {
    const char* t = p;
    p = skip_token(p, e);
    const std::string_view ts(t, static_cast<std::size_t>(p - t));
    s.timestamp_ms = om_ ? parse_timestamp_seconds(ts) : parse_timestamp_ms(ts);
    if (!s.timestamp_ms) return drop(t, "invalid timestamp " + quoted(ts));
    p = skip_blanks(p, e);
  }
  if (p < e) {
    if (!om_ || *p != '#') return drop(p, "unexpected text after sample: " + quoted(p, e));
    // An OpenMetrics exemplar (# {labels} value [timestamp]): not ours to keep.
    ++out_.counters.exemplars;
  }

  const std::uint32_t f = resolve(name, s.role);
  if (s.role == SampleRole::kBucket || s.role == SampleRole::kQuantile) {
    const std::string_view key = s.role == SampleRole::kBucket ? "le" : "quantile";
    const auto first = out_.label_storage.begin() + static_cast<std::ptrdiff_t>(label_begin);
    const auto it = std::find_if(first, out_.label_storage.end(), [&](const Label& l) { return l.name == key; });
    if (it == out_.label_storage.end()) {
      return drop(start, std::string(type_name(out_.families[f].type)) + " sample " + std::string(name) +
                             " without " + std::string(key) + " label");
    }
    const auto bound = parse_float(it->value);
    if (!bound) return drop(it->name.data(), "invalid " + std::string(key) + " value " + quoted(it->value));
    s.bound = *bound;
  }
  s.family = f;
  ++out_.families[f].samples;
  ++out_.counters.samples;
  label_begin_.push_back(static_cast<std::uint32_t>(label_begin));
  out_.samples.push_back(s);
}

// p is just past '{'; returns the position past '}', or nullptr after fail().
const char* Parser::labels(const char* p, const char* e) {
  const std::size_t begin = out_.label_storage.size();
  for (;;) {
    p = skip_blanks(p, e);
    if (p == e) {
      fail(p, "unterminated label set");
      return nullptr;
    }
    if (*p == '}') break;
    const char* n = p;
    p = scan_name(p, e, kLabelStart, kLabelChar);
    if (p == n) {
      fail(n, "invalid label name " + quoted(n, std::min(n + 1, e)));
      return nullptr;
    }
    const std::string_view label_name(n, static_cast<std::size_t>(p - n));
    p = skip_blanks(p, e);
    if (p == e || *p != '=') {
      fail(p, "expected '=' after label name " + std::string(label_name));
      return nullptr;
    }
    p = skip_blanks(p + 1, e);
    if (p == e || *p != '"') {
      fail(p, "label value of " + std::string(label_name) + " not quoted");
      return nullptr;
    }
    const char* v = ++p;
    bool escaped = false;
    while (p < e && *p != '"') {
      if (*p == '\\') {
        escaped = true;
        if (++p == e) break;
      }
      ++p;
    }
    if (p == e) {
      fail(v - 1, "unterminated label value of " + std::string(label_name));
      return nullptr;
    }
    std::string_view value(v, static_cast<std::size_t>(p - v));
    ++p;
    if (escaped) {
      std::size_t bad = 0;
      const auto u = unescaped(value, bad);
      if (!u) {
        fail(v + bad, "invalid escape " + quoted(v + bad, v + bad + 2) + " in label value of " +
                          std::string(label_name));
        return nullptr;
      }
      value = *u;
    }
    out_.label_storage.push_back(Label{label_name, value});
    p = skip_blanks(p, e);
    if (p < e && *p == ',') {
      ++p;
      continue;
    }
    if (p < e && *p == '}') break;
    fail(p, p == e ? "unterminated label set" : "expected ',' or '}' after label value");
    return nullptr;
  }
  if (!unique_label_names(begin)) return nullptr;
  return p + 1;
}

bool Parser::unique_label_names(std::size_t begin) {
  const Label* l = out_.label_storage.data() + begin;
  const std::size_t n = out_.label_storage.size() - begin;
  std::string_view dup;
  if (n <= 16) {
    for (std::size_t i = 1; i < n && dup.empty(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (l[i].name == l[j].name) {
          dup = l[i].name;
          break;
        }
      }
    }
  } else {
    // A pathological label set must not cost n^2 comparisons.
    names_.clear();
    for (std::size_t i = 0; i < n; ++i) names_.push_back(l[i].name);
    std::sort(names_.begin(), names_.end());
    const auto it = std::adjacent_find(names_.begin(), names_.end());
    if (it != names_.end()) dup = std::max(it[0], it[1], [](std::string_view a, std::string_view b) {
                              return std::less<const char*>()(a.data(), b.data());
                            });
  }
  if (dup.empty()) return true;
  fail(dup.data(), "duplicate label name " + std::string(dup.substr(0, 40)));
  return false;
}

std::optional<std::string_view> Parser::unescaped(std::string_view raw, std::size_t& bad) {
  char* buf = out_.arena.allocate(raw.size());
  const std::size_t n = unescape(raw, buf, bad);
  if (n == std::string_view::npos) return std::nullopt;
  ++out_.counters.unescaped;
  return std::string_view(buf, n);
}

bool Parser::belongs(const Family& f, std::string_view name, SampleRole& role) const {
  const std::size_t k = f.name.size();
  if (name.size() == k) {
    if (name != f.name) return false;
    role = base_role(f.type);
    return true;
  }
  if (name.size() < k + 2 || name[k] != '_' || name.compare(0, k, f.name) != 0) return false;
  const auto r = suffix_role(f.type, name.substr(k));
  if (!r) return false;
  role = *r;
  return true;
}

// Family of a sample: the previous sample's (almost always), else one named
// exactly so, else one it is a suffix of, else a new untyped family.
std::uint32_t Parser::resolve(std::string_view name, SampleRole& role) {
  if (current_ != kNone && belongs(out_.families[current_], name, role)) return current_;
  std::uint32_t f = lookup(name);
  if (f == kNone) {
    for (std::string_view suffix : kSuffixes) {
      if (name.size() <= suffix.size() || !name.ends_with(suffix)) continue;
      const std::uint32_t b = lookup(name.substr(0, name.size() - suffix.size()));
      if (b != kNone && belongs(out_.families[b], name, role)) return current_ = b;
    }
    f = add_family(name);
  }
  role = base_role(out_.families[f].type);
  return current_ = f;
}

std::uint32_t Parser::lookup(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? kNone : it->second;
}

std::uint32_t Parser::add_family(std::string_view name) {
  const auto f = static_cast<std::uint32_t>(out_.families.size());
  out_.families.push_back(Family{.name = name});
  index_.emplace(name, f);
  return f;
}

void Parser::fail(const char* at, std::string reason) {
  error(line_no_, static_cast<std::uint32_t>(at - line_begin_) + 1, std::move(reason));
}

void Parser::error(std::uint32_t line, std::uint32_t column, std::string reason) {
  ++out_.counters.errors;
  if (out_.errors.size() < kMaxStoredErrors) out_.errors.push_back(ParseError{line, column, std::move(reason)});
}

}  // namespace

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
  out.format = hint == Format::kAuto ? detect_format(body) : hint;
  if (body.size() > std::numeric_limits<std::uint32_t>::max()) {
    // Line and column numbers are 32-bit; the scraper caps bodies far lower.
    out.counters.errors = 1;
    out.errors.push_back(ParseError{0, 0, "body larger than 4 GiB"});
    return;
  }
  Parser(out.format, out).run(body);
}

ParseResult parse_exposition(std::string_view body, Format hint) {
  ParseResult r;
  parse_exposition(body, hint, r);
  return r;
}

}  // namespace cats::prom
