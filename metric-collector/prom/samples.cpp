// Sample lines: name, label set, value, timestamp, exemplar.
#include <algorithm>
#include <cstring>
#include <functional>

#include "metric-collector/prom/escape.hpp"
#include "metric-collector/prom/number.hpp"
#include "metric-collector/prom/parser.hpp"
#include "metric-collector/prom/scan.hpp"

namespace cats::prom::detail {

using namespace scan;

void Parser::sample(const char* p, const char* e) {
  const char* const start = p;
  // The previous sample predicts this one's name, family and label names.
  const Sample* prev = out_.samples.empty() ? nullptr : &out_.samples.back();
  const char* q = prev ? match_guess(p, e, prev->name, kMetricChar) : nullptr;
  const bool same_name = q != nullptr;
  if (!same_name) q = scan_name(p, e, kMetricStart, kMetricChar);
  if (q == p) return fail(p, "invalid metric name " + quoted(p, skip_token(p, e)));
  const std::string_view name(p, static_cast<std::size_t>(q - p));
  p = skip_blanks(q, e);

  const std::size_t label_begin = out_.label_storage.size();
  auto drop = [&](const char* at, std::string reason) {
    out_.label_storage.resize(label_begin);
    fail(at, std::move(reason));
  };
  if (p < e && *p == '{') {
    p = labels(p + 1, e, prev);
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

  std::uint32_t f = 0;
  if (same_name && current_ == prev->family) {
    // Same name as the previous sample, no directive in between: same family
    // and role.
    f = prev->family;
    s.role = prev->role;
  } else {
    f = resolve(name, s.role);
  }
  if (s.role == SampleRole::kBucket || s.role == SampleRole::kQuantile) {
    const std::string_view key = s.role == SampleRole::kBucket ? "le" : "quantile";
    const Label* it = out_.label_storage.data() + label_begin;
    const Label* const end = out_.label_storage.data() + out_.label_storage.size();
    while (it != end && it->name != key) ++it;
    if (it == end) {
      return drop(start, std::string(type_name(out_.families[f].type)) + " sample " + std::string(name) + " without " +
                             std::string(key) + " label");
    }
    const auto bound = parse_float(it->value);
    if (!bound) return drop(it->name.data(), "invalid " + std::string(key) + " value " + quoted(it->value));
    s.bound = *bound;
  }
  s.family = f;
  if (out_.label_storage.size() > label_begin) {
    s.labels = std::span<const Label>(out_.label_storage.data() + label_begin, out_.label_storage.size() - label_begin);
  }
  ++out_.families[f].samples;
  ++out_.counters.samples;
  out_.samples.push_back(s);
}

// p is just past '{'; returns the position past '}', or nullptr after fail().
// The previous sample's label names are the guesses: a set with exactly its
// names in its order is known to have no duplicates.
const char* Parser::labels(const char* p, const char* e, const Sample* prev) {
  // Read through prev each time: push_label() may move its labels.
  auto guess = [prev]() { return prev ? prev->labels : std::span<const Label>(); };
  const std::size_t begin = out_.label_storage.size();
  bool same_names = true;
  for (;;) {
    const std::size_t i = out_.label_storage.size() - begin;  // index of the label being parsed
    p = skip_blanks(p, e);
    if (p == e) {
      fail(p, "unterminated label set");
      return nullptr;
    }
    if (*p == '}') break;
    const char* n = p;
    const char* guessed = i < guess().size() ? match_guess(p, e, guess()[i].name, kLabelChar) : nullptr;
    if (guessed) {
      p = guessed;
    } else {
      same_names = false;
      p = scan_name(p, e, kLabelStart, kLabelChar);
    }
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
    for (;;) {
      p = find_quote_or_backslash(p, e);
      if (p == e || *p == '"') break;
      escaped = true;
      if (++p == e) break;  // a backslash ending the line escapes nothing
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
        fail(v + bad,
             "invalid escape " + quoted(v + bad, v + bad + 2) + " in label value of " + std::string(label_name));
        return nullptr;
      }
      value = *u;
    }
    push_label(Label{label_name, value});
    p = skip_blanks(p, e);
    if (p < e && *p == ',') {
      ++p;
      continue;
    }
    if (p < e && *p == '}') break;
    fail(p, p == e ? "unterminated label set" : "expected ',' or '}' after label value");
    return nullptr;
  }
  same_names = same_names && out_.label_storage.size() - begin == guess().size();
  if (!same_names && !unique_label_names(begin)) return nullptr;
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
    if (it != names_.end())
      dup = std::max(it[0], it[1], [](std::string_view a, std::string_view b) {
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

// Samples hold spans into label_storage, so growing it means moving them to
// the new buffer while the old one is still alive.
void Parser::grow_labels() {
  std::vector<Label>& old = out_.label_storage;
  std::vector<Label> bigger;
  bigger.reserve(std::max<std::size_t>(256, old.capacity() * 2));
  bigger.assign(old.begin(), old.end());
  for (Sample& s : out_.samples) {
    if (!s.labels.empty())
      s.labels = std::span<const Label>(bigger.data() + (s.labels.data() - old.data()), s.labels.size());
  }
  old.swap(bigger);
}

}  // namespace cats::prom::detail
