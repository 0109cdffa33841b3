// A failed property in a fuzz target: say which, then abort so libFuzzer
// keeps the input.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace cats::fuzz {

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "property failed: %s\n", what);
    std::abort();
  }
}

}  // namespace cats::fuzz
