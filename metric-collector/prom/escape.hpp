// Backslash escapes of label values (\\, \", \n) and HELP texts (\\, \n; we
// also take \" there, as OpenMetrics does). Anything else is malformed.
#pragma once

#include <cstddef>
#include <string_view>

namespace cats::prom {

// Writes the unescaped form of `in` to `out` (room for in.size() bytes) and
// returns its length, or returns the offset of the bad backslash in `in` via
// `bad` and npos.
std::size_t unescape(std::string_view in, char* out, std::size_t& bad);

}  // namespace cats::prom
