// The exposition parser's state and steps, shared by the files that
// implement them: exposition.cpp (line loop, errors), directives.cpp (HELP,
// TYPE, UNIT, EOF), samples.cpp (sample lines, label sets), families.cpp
// (which family a sample belongs to). Internal to prom/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metric-collector/prom/exposition.hpp"

namespace cats::prom::detail {

// A token for an error message, cut short: a 10 MB line must not become a
// 10 MB reason.
inline std::string quoted(const char* p, const char* e) {
  constexpr std::ptrdiff_t kMax = 40;
  std::string out = "\"";
  out.append(p, static_cast<std::size_t>(std::min(e - p, kMax)));
  if (e - p > kMax) out += "...";
  out += '"';
  return out;
}
inline std::string quoted(std::string_view s) {
  return quoted(s.data(), s.data() + s.size());
}

inline constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// One parse of one body into `out`, line by line. Family and label storage
// live in `out` so that a reused result allocates nothing.
class Parser {
 public:
  Parser(Format format, ParseResult& out) : om_(format == Format::kOpenMetrics), out_(out) {}
  void run(std::string_view body);

 private:
  void line(const char* p, const char* e);
  void directive(const char* p, const char* e);
  const char* directive_name(const char* p, const char* e, std::string_view what, std::string_view& name);
  void help(std::string_view name, const char* p, const char* e);
  void type(std::string_view name, const char* p, const char* e);
  void unit(std::string_view name, const char* p, const char* e);
  Family& declare(std::uint32_t f, std::string_view name);
  void sample(const char* p, const char* e);
  const char* labels(const char* p, const char* e, const Sample* prev);
  bool unique_label_names(std::size_t begin);
  std::optional<std::string_view> unescaped(std::string_view raw, std::size_t& bad);
  bool belongs(const Family& f, std::string_view name, SampleRole& role) const;
  std::uint32_t resolve(std::string_view name, SampleRole& role);
  const Family* implicit_suffix_family(std::string_view name, MetricType t);
  std::uint32_t lookup(std::string_view name, std::string_view suffix = {}) const;
  std::uint32_t add_family(std::string_view name);
  void index_family(std::uint32_t f);
  void push_label(const Label& l) {
    if (out_.label_storage.size() == out_.label_storage.capacity()) [[unlikely]] {
      grow_labels();
    }
    out_.label_storage.push_back(l);
  }
  void grow_labels();
  void fail(const char* at, std::string reason);
  void error(std::uint32_t line, std::uint32_t column, std::string reason);

  const bool om_;
  ParseResult& out_;
  const char* line_begin_ = nullptr;
  std::uint32_t line_no_ = 0;
  std::uint32_t current_ = kNone;  // family of the previous sample or directive
  bool eof_ = false;
  std::vector<std::string_view> names_;  // scratch: duplicate check of long label sets
};

}  // namespace cats::prom::detail
