#include "common/paths/paths.hpp"

#include <cstdlib>
#include <system_error>

// Set by CMake from GNUInstallDirs: the data directory relative to the
// directory of the binaries (e.g. "../share/catsd"), and the absolute one at
// install time, only for when /proc is not there to name the executable.
#ifndef CATS_DATADIR_FROM_BINDIR
#define CATS_DATADIR_FROM_BINDIR "../share/catsd"
#endif
#ifndef CATS_INSTALL_DATADIR
#define CATS_INSTALL_DATADIR "/usr/local/share/catsd"
#endif

namespace cats::paths {

std::filesystem::path data_dir_for(const std::optional<std::filesystem::path>& exe, const char* env) {
  if (env != nullptr && *env != '\0') return env;
  if (!exe) return CATS_INSTALL_DATADIR;
  return (exe->parent_path() / CATS_DATADIR_FROM_BINDIR).lexically_normal();
}

std::filesystem::path data_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return data_dir_for(ec ? std::nullopt : std::optional{std::move(exe)}, std::getenv(kDataDirEnv));
}

std::filesystem::path yang_dir() {
  return data_dir() / "yang";
}

std::filesystem::path engine_profiles() {
  return data_dir() / "engines.json";
}

}  // namespace cats::paths
