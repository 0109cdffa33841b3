// Owns the bytes of unescaped label values and HELP texts. Chunks never move,
// so views into them stay valid for the arena's lifetime (moves included).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace cats::prom {

class Arena {
 public:
  // n writable bytes; the caller may use fewer.
  char* allocate(std::size_t n);
  void clear();
  std::size_t bytes() const { return bytes_; }

 private:
  static constexpr std::size_t kChunk = 4096;
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* cur_ = nullptr;
  std::size_t left_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace cats::prom
