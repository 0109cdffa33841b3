#include "metric-collector/prom/arena.hpp"

namespace cats::prom {

char* Arena::allocate(std::size_t n) {
  bytes_ += n;
  if (n > kChunk / 4) {
    // Large values get their own block so a huge one does not waste a chunk.
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(n));
    return chunks_.back().get();
  }
  if (n > left_) {
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(kChunk));
    cur_ = chunks_.back().get();
    left_ = kChunk;
  }
  char* p = cur_;
  cur_ += n;
  left_ -= n;
  return p;
}

void Arena::clear() {
  chunks_.clear();
  cur_ = nullptr;
  left_ = 0;
  bytes_ = 0;
}

}  // namespace cats::prom
