// What `--version` prints: the project version and, when built from a git
// tree, `git describe --always --dirty` as it was at build time (stamp.cmake
// writes it; a source tarball has none).
#pragma once

#include <string>
#include <string_view>

namespace cats::version {

// The project's VERSION from CMakeLists.txt, e.g. "0.1.0".
std::string_view project();

// `git describe --always --dirty` at build time, e.g. "28951b0-dirty"; empty
// outside a git tree.
std::string_view git_describe();

// "catsd 0.1.0 (git 28951b0)", or "catsd 0.1.0" without git.
std::string line(std::string_view program);

}  // namespace cats::version
