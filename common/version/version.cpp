#include "common/version/version.hpp"

namespace cats::version {

std::string line(std::string_view program) {
  std::string out = std::string(program) + " " + std::string(project());
  if (!git_describe().empty()) out += " (git " + std::string(git_describe()) + ")";
  return out;
}

}  // namespace cats::version
