// Metric Control Sequence: 32-bit serial numbers (RFC 1982), so a receiver
// can tell the newer of two advertisements across the wrap at 2^32.
#pragma once

#include <cstdint>

namespace cats::score {

// a is newer than b. Undefined by RFC 1982 when they are exactly 2^31 apart;
// false here.
constexpr bool serial_after(std::uint32_t a, std::uint32_t b) {
  const std::uint32_t d = a - b;
  return d != 0 && d < 0x8000'0000u;
}

}  // namespace cats::score
