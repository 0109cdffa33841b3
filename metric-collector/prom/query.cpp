#include "metric-collector/prom/query.hpp"

namespace cats::prom {

std::optional<std::string_view> label(const Sample& s, std::string_view name) {
  for (const Label& l : s.labels) {
    if (l.name == name) return l.value;
  }
  return std::nullopt;
}

bool matches(const Sample& s, std::span<const Matcher> m) {
  for (const Matcher& x : m) {
    const bool equal = label(s, x.name).value_or(std::string_view{}) == x.value;
    if (equal != (x.op == Matcher::Op::kEqual)) return false;
  }
  return true;
}

std::vector<const Sample*> find_samples(const ParseResult& r, std::string_view name, std::span<const Matcher> m) {
  std::vector<const Sample*> out;
  for (const Sample& s : r.samples) {
    if (s.name == name && matches(s, m)) out.push_back(&s);
  }
  return out;
}

std::vector<const Sample*> find_samples(const ParseResult& r, std::string_view name, std::initializer_list<Matcher> m) {
  return find_samples(r, name, std::span<const Matcher>(m.begin(), m.size()));
}

const Sample* find_sample(const ParseResult& r, std::string_view name, std::span<const Matcher> m) {
  for (const Sample& s : r.samples) {
    if (s.name == name && matches(s, m)) return &s;
  }
  return nullptr;
}

const Sample* find_sample(const ParseResult& r, std::string_view name, std::initializer_list<Matcher> m) {
  return find_sample(r, name, std::span<const Matcher>(m.begin(), m.size()));
}

const Family* find_family(const ParseResult& r, std::string_view name) {
  for (const Family& f : r.families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<const Sample*> family_samples(const ParseResult& r, std::uint32_t family) {
  std::vector<const Sample*> out;
  if (family >= r.families.size()) return out;
  out.reserve(r.families[family].samples);
  for (const Sample& s : r.samples) {
    if (s.family == family) out.push_back(&s);
  }
  return out;
}

}  // namespace cats::prom
