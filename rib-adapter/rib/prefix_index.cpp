#include "rib-adapter/rib/prefix_index.hpp"

#include <cstdlib>
#include <new>

#include "rib-adapter/rib/mapped.hpp"

namespace cats::rib {

// Slot arrays must start zeroed: small ones come from calloc, which gets them
// zeroed cheaply, large ones are mapped; Slots (a unique_ptr) hands each back
// to the one it came from (FreeSlots). calloc and free are the point here.
// NOLINTBEGIN(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory): calloc'd slots owned by Slots
PrefixIndex::Slots PrefixIndex::allocate_slots(std::size_t n) {
  const std::size_t bytes = n * sizeof(std::uint32_t);
  if (bytes < kMapAtBytes) {
    auto* p = static_cast<std::uint32_t*>(std::calloc(n, sizeof(std::uint32_t)));
    if (p == nullptr) throw std::bad_alloc();
    return Slots(p, FreeSlots{0});
  }
  return Slots(static_cast<std::uint32_t*>(map_zeroed(bytes)), FreeSlots{bytes});
}

void PrefixIndex::FreeSlots::operator()(std::uint32_t* p) const {
  if (bytes == 0) {
    std::free(p);
  } else {
    unmap(p, bytes);
  }
}
// NOLINTEND(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory)

}  // namespace cats::rib
