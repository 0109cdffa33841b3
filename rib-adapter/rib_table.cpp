#include "rib_table.hpp"

#include <absl/hash/hash.h>

#include <algorithm>

namespace cats::rib {

std::size_t RibTable::KeyHash::operator()(const PrefixKey& k) const {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  std::memcpy(&hi, k.prefix.addr.data(), 8);
  std::memcpy(&lo, k.prefix.addr.data() + 8, 8);
  const std::uint64_t tag = std::uint64_t{k.family.afi} << 16 | std::uint64_t{k.family.safi} << 8 | k.prefix.length;
  return absl::Hash<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>>{}(std::make_tuple(hi, lo, tag));
}

RibTable::RibTable() : index_(0, KeyHash{this}, KeyEq{this}) {}

RibEntry* RibTable::find(const PrefixKey& k) {
  auto it = index_.find(k);
  return it == index_.end() ? nullptr : &at(*it);
}

const RibEntry* RibTable::find(const PrefixKey& k) const {
  auto it = index_.find(k);
  return it == index_.end() ? nullptr : &at(*it);
}

RibEntry& RibTable::get(const PrefixKey& k) {
  if (auto* e = find(k)) return *e;
  std::uint32_t n = 0;
  if (!free_.empty()) {
    n = free_.back();
    free_.pop_back();
  } else {
    if (used_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<RibEntry[]>(kChunk));
    n = static_cast<std::uint32_t>(used_++);
  }
  RibEntry& e = at(n);
  e = RibEntry{};
  e.key = k;
  e.live = true;
  e.self = n;
  index_.insert(n);
  return e;
}

void RibTable::erase(RibEntry& e) {
  if (!e.live) return;
  index_.erase(e.self);
  const std::uint32_t n = e.self;
  e = RibEntry{};  // drops the attribute refs the vector may still hold
  free_.push_back(n);
}

std::vector<const RibEntry*> RibTable::sorted() const {
  std::vector<const RibEntry*> out;
  out.reserve(size());
  for_each([&](const RibEntry& e) { out.push_back(&e); });
  std::sort(out.begin(), out.end(), [](const RibEntry* a, const RibEntry* b) { return a->key < b->key; });
  return out;
}

void RibTable::set_facts(PeerId id, const PeerFacts& f) {
  if (facts_.size() <= id) facts_.resize(id + 1);
  facts_[id] = f;
}

const PeerFacts& RibTable::facts(PeerId id) const {
  static const PeerFacts kNone;
  return id < facts_.size() ? facts_[id] : kNone;
}

}  // namespace cats::rib
