#include "rib-adapter/rib/path_arrays.hpp"

#include <algorithm>
#include <bit>
#include <memory>
#include <new>

#include "rib-adapter/rib/mapped.hpp"

namespace cats::rib {

namespace {
std::byte* map_slab() {
  return static_cast<std::byte*>(map_zeroed(PathArrays::kSlabBytes));
}
void unmap_slab(std::byte* s) {
  unmap(s, PathArrays::kSlabBytes);
}
}  // namespace

PathArrays::PathArrays(std::size_t bytes_each) : bytes_each_(bytes_each) {
  for (std::size_t c = 0; c < classes_.size(); ++c)
    classes_[c].block = std::max(sizeof(FreeBlock), (2u << c) * bytes_each);
}

PathArrays::~PathArrays() {
  for (auto& c : classes_)
    for (auto* s : c.slabs) unmap_slab(s);
}

std::size_t PathArrays::class_of(std::size_t n) {
  return static_cast<std::size_t>(std::countr_zero(n)) - 1;
}

void* PathArrays::allocate(std::size_t n) {
  if (n > kMaxPooled) return ::operator new(n* bytes_each_);
  SizeClass& c = classes_[class_of(n)];
  if (c.free != nullptr) {
    FreeBlock* b = c.free;
    c.free = b->next;
    return b;
  }
  if (c.bump == c.bump_end) {
    std::byte* s = map_slab();
    c.slabs.push_back(s);
    c.bump = s;
    c.bump_end = s + kSlabBytes / c.block * c.block;
  }
  void* p = c.bump;
  c.bump += c.block;
  return p;
}

void PathArrays::deallocate(void* p, std::size_t n) {
  if (n > kMaxPooled) return ::operator delete(p);
  SizeClass& c = classes_[class_of(n)];
  c.free = std::construct_at(static_cast<FreeBlock*>(p), FreeBlock{c.free});
}

std::size_t PathArrays::release() {
  std::size_t released = 0;
  for (auto& c : classes_) {
    if (c.slabs.empty()) continue;
    std::sort(c.slabs.begin(), c.slabs.end());
    auto slab_of = [&](const void* p) {
      auto it = std::upper_bound(c.slabs.begin(), c.slabs.end(), static_cast<const std::byte*>(p));
      return static_cast<std::size_t>(it - c.slabs.begin()) - 1;
    };
    // Arrays not in use per slab: on the free list, or never handed out.
    std::vector<std::size_t> unused(c.slabs.size(), 0);
    for (FreeBlock* b = c.free; b != nullptr; b = b->next) ++unused[slab_of(b)];
    if (c.bump != c.bump_end) unused[slab_of(c.bump)] += static_cast<std::size_t>(c.bump_end - c.bump) / c.block;
    const std::size_t per_slab = kSlabBytes / c.block;
    std::vector<bool> gone(c.slabs.size(), false);
    for (std::size_t i = 0; i < c.slabs.size(); ++i) gone[i] = unused[i] == per_slab;
    if (std::find(gone.begin(), gone.end(), true) == gone.end()) continue;
    // The free list keeps only arrays of slabs that stay.
    FreeBlock* kept = nullptr;
    for (FreeBlock* b = c.free; b != nullptr;) {
      FreeBlock* next = b->next;
      if (!gone[slab_of(b)]) {
        b->next = kept;
        kept = b;
      }
      b = next;
    }
    c.free = kept;
    if (c.bump != c.bump_end && gone[slab_of(c.bump)]) c.bump = c.bump_end = nullptr;
    std::vector<std::byte*> stay;
    for (std::size_t i = 0; i < c.slabs.size(); ++i) {
      if (gone[i]) {
        unmap_slab(c.slabs[i]);
        released += kSlabBytes;
      } else {
        stay.push_back(c.slabs[i]);
      }
    }
    c.slabs = std::move(stay);
  }
  return released;
}

std::size_t PathArrays::slab_bytes() const {
  std::size_t n = 0;
  for (const auto& c : classes_) n += c.slabs.size() * kSlabBytes;
  return n;
}

}  // namespace cats::rib
