// Which family a sample belongs to, and the index of families by name.
#include <algorithm>
#include <bit>
#include <cstdint>

#include "metric-collector/prom/parser.hpp"

namespace cats::prom::detail {

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

namespace {

// Family index: open addressing over ParseResult::family_slots (family index
// + 1, 0 empty), FNV-1a over name and suffix so that "x" + "_bucket" needs no
// concatenated key. The slot comes from the top bits, which every input byte
// reaches, and the basis from an ASLR address: names cannot be tuned offline
// to pile up in one probe run.
std::size_t slot_of(std::string_view a, std::string_view b, std::size_t slots) {
  std::uint64_t h = 14695981039346656037ull ^ reinterpret_cast<std::uintptr_t>(&kSuffixes);
  for (char c : a) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  for (char c : b) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return static_cast<std::size_t>(h >> (64 - std::countr_zero(slots)));
}

}  // namespace

std::uint32_t Parser::lookup(std::string_view name, std::string_view suffix) const {
  const std::vector<std::uint32_t>& slots = out_.family_slots;
  if (slots.empty()) return kNone;
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = slot_of(name, suffix, slots.size());; i = (i + 1) & mask) {
    if (slots[i] == 0) return kNone;
    const std::string_view n = out_.families[slots[i] - 1].name;
    if (n.size() == name.size() + suffix.size() && n.starts_with(name) && n.ends_with(suffix)) return slots[i] - 1;
  }
}

void Parser::index_family(std::uint32_t f) {
  std::vector<std::uint32_t>& slots = out_.family_slots;
  auto insert = [&](std::uint32_t g) {
    const std::size_t mask = slots.size() - 1;
    std::size_t i = slot_of(out_.families[g].name, {}, slots.size());
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = g + 1;
  };
  if (out_.families.size() * 2 <= slots.size()) return insert(f);
  // Keep the load factor at most 1/2: rebuild from all families (f included).
  slots.assign(std::max<std::size_t>(64, slots.size() * 2), 0);
  for (std::uint32_t g = 0; g < out_.families.size(); ++g) insert(g);
}

std::uint32_t Parser::add_family(std::string_view name) {
  const auto f = static_cast<std::uint32_t>(out_.families.size());
  Family fam;
  fam.name = name;
  out_.families.push_back(fam);
  index_family(f);
  return f;
}

}  // namespace cats::prom::detail
