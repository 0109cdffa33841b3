// Heap allocation counter for benchmarks: linking alloc_counter.cpp replaces
// the global operator new/delete of the binary with counting versions.
#pragma once

#include <cstdint>

namespace cats::bench {

// Allocations made through operator new since the program started.
std::uint64_t allocations();

}  // namespace cats::bench
