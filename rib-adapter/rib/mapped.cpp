#include "rib-adapter/rib/mapped.hpp"

#include <sys/mman.h>

#include <new>

namespace cats::rib {

void* map_zeroed(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

void unmap(void* p, std::size_t bytes) {
  ::munmap(p, bytes);
}

}  // namespace cats::rib
