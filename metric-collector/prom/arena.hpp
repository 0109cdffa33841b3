// Owns the bytes of unescaped label values and HELP texts. Chunks never move,
// so views into them stay valid for the arena's lifetime (moves included).
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace cats::prom {

class Arena {
 public:
  Arena() = default;
  // The moved-from arena must not keep writing into chunks it gave away.
  Arena(Arena&& o) noexcept
      : chunks_(std::move(o.chunks_)),
        cur_(std::exchange(o.cur_, nullptr)),
        left_(std::exchange(o.left_, 0)),
        bytes_(std::exchange(o.bytes_, 0)) {}
  Arena& operator=(Arena&& o) noexcept {
    chunks_ = std::move(o.chunks_);
    o.chunks_.clear();
    cur_ = std::exchange(o.cur_, nullptr);
    left_ = std::exchange(o.left_, 0);
    bytes_ = std::exchange(o.bytes_, 0);
    return *this;
  }

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
