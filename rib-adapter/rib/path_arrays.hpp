// Storage for the path arrays of prefixes with more than one path (RibEntry
// keeps one path inline). Arrays hold a power of two of paths; those of up to
// kMaxPooled paths come from slabs, one free list per size, as BIRD's slab
// allocator does: no malloc header (a 4-path array is 96 octets, not 112),
// and taking or giving back an array is a pointer swap, where glibc's malloc
// was a tenth of the time of an ADD-PATH ingest. Larger arrays use the heap.
//
// Freed arrays go to their free list; release() (after a large withdrawal)
// returns the slabs in which nothing is allocated to the kernel.
// Single-threaded, like the table that owns it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cats::rib {

class PathArrays {
 public:
  static constexpr std::size_t kMaxPooled = 32;  // paths; arrays of 2, 4, 8, 16, 32
  static constexpr std::size_t kSlabBytes = std::size_t{64} * 1024;

  // `bytes_each` is sizeof(AdjRoute): the classes are 2, 4, ... of them.
  explicit PathArrays(std::size_t bytes_each);
  ~PathArrays();
  PathArrays(const PathArrays&) = delete;
  PathArrays& operator=(const PathArrays&) = delete;

  // Raw storage for n paths (a power of two, at least 2). Throws std::bad_alloc.
  void* allocate(std::size_t n);
  void deallocate(void* p, std::size_t n);

  // Slabs with no array in use go back to the kernel. Returns the octets released.
  std::size_t release();
  std::size_t slab_bytes() const;  // slabs held (in use or free)

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  struct SizeClass {
    std::size_t block = 0;          // octets per array
    FreeBlock* free = nullptr;      // given back, reused first
    std::byte* bump = nullptr;      // the newest slab's part never handed out
    std::byte* bump_end = nullptr;  //
    std::vector<std::byte*> slabs;
  };
  static std::size_t class_of(std::size_t n);  // n = 2 << class
  std::size_t bytes_each_;
  std::array<SizeClass, 5> classes_;
};

}  // namespace cats::rib
