#include "catsd/rde/adj_rib_out.hpp"

#include "catsd/rde/update_group.hpp"

namespace cats::rde {

AdjRibOut::~AdjRibOut() {
  clear();
}

void AdjRibOut::clear() {
  if (group_ != nullptr) group_->leave(*this);
  group_ = nullptr;
  peer_ = 0;
  bits_.clear();
  bits_.shrink_to_fit();
  count_ = {};
  position_ = {};
  writable = true;
  queued = false;
  eor_pending = false;
  eorr_pending = 0;
  backlog.clear();
  backlog.shrink_to_fit();
}

std::size_t AdjRibOut::count(wire::Family f) const {
  const int i = family_index(f);
  return i < 0 ? 0 : count_[static_cast<std::size_t>(i)];
}

void AdjRibOut::set(std::uint32_t n, int family) {
  if (n / 64 >= bits_.size()) bits_.resize(grown(bits_.size(), n / 64), 0);
  auto& w = bits_[n / 64];
  const std::uint64_t bit = std::uint64_t{1} << (n % 64);
  if ((w & bit) != 0) return;
  w |= bit;
  ++count_[static_cast<std::size_t>(family)];
}

void AdjRibOut::unset(std::uint32_t n, int family) {
  if (n / 64 >= bits_.size()) return;
  auto& w = bits_[n / 64];
  const std::uint64_t bit = std::uint64_t{1} << (n % 64);
  if ((w & bit) == 0) return;
  w &= ~bit;
  --count_[static_cast<std::size_t>(family)];
}

}  // namespace cats::rde
