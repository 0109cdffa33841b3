// Zeroed memory straight from the kernel, for the RIB's large blocks (entry
// chunks, path-array slabs, big index arrays): given back at once when
// unmapped, whatever the heap around it holds, and populated in one call
// because it is written right away (a fault per 4 KB page otherwise).
#pragma once

#include <cstddef>

namespace cats::rib {

// Throws std::bad_alloc when the kernel refuses.
void* map_zeroed(std::size_t bytes);
void unmap(void* p, std::size_t bytes);

}  // namespace cats::rib
