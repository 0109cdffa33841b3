// Lookups over a parsed exposition: linear scans, meant for the collector's
// handful of metrics per scrape, not for the hot path of the parser.
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "metric-collector/prom/exposition.hpp"

namespace cats::prom {

std::optional<std::string_view> label(const Sample& s, std::string_view name);

// As in PromQL, an absent label matches the empty value.
struct Matcher {
  enum class Op : std::uint8_t { kEqual, kNotEqual };
  std::string_view name;
  std::string_view value;
  Op op = Op::kEqual;
};
bool matches(const Sample& s, std::span<const Matcher> m);

// Samples whose metric name (suffix included) is `name`.
std::vector<const Sample*> find_samples(const ParseResult& r, std::string_view name, std::span<const Matcher> m);
std::vector<const Sample*> find_samples(const ParseResult& r, std::string_view name,
                                        std::initializer_list<Matcher> m = {});
const Sample* find_sample(const ParseResult& r, std::string_view name, std::span<const Matcher> m);
const Sample* find_sample(const ParseResult& r, std::string_view name, std::initializer_list<Matcher> m = {});

const Family* find_family(const ParseResult& r, std::string_view name);
// All samples of families[family] (buckets, sums, counts... of a histogram), body order.
std::vector<const Sample*> family_samples(const ParseResult& r, std::uint32_t family);

}  // namespace cats::prom
