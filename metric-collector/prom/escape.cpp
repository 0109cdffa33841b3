#include "metric-collector/prom/escape.hpp"

#include <cstring>
#include <string>

namespace cats::prom {

std::size_t unescape(std::string_view in, char* out, std::size_t& bad) {
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < in.size()) {
    // Copy the run up to the next backslash in one go: a value made of
    // escapes and one made of long plain runs both stay linear.
    const void* hit = std::memchr(in.data() + i, '\\', in.size() - i);
    const std::size_t run_end = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - in.data()) : in.size();
    std::memcpy(out + n, in.data() + i, run_end - i);
    n += run_end - i;
    i = run_end;
    if (i == in.size()) break;
    if (i + 1 == in.size()) {
      bad = i;
      return std::string_view::npos;
    }
    switch (in[i + 1]) {
      case '\\': out[n++] = '\\'; break;
      case '"': out[n++] = '"'; break;
      case 'n': out[n++] = '\n'; break;
      default: bad = i; return std::string_view::npos;
    }
    i += 2;
  }
  return n;
}

}  // namespace cats::prom
