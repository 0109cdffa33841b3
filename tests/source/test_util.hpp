// Helpers shared by the source tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace cats::source::test {

// The whole file; empty when it cannot be read.
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace cats::source::test
