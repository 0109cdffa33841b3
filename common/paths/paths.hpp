// Where catsd's data files are at run time: nothing of the build tree is
// compiled in. An installed binary finds them beside its prefix
// (<prefix>/sbin/catsd -> <prefix>/share/catsd), so a tree copied to another
// prefix still works; a build tree has the same layout (build/share/catsd
// links into the source tree), so the rule is one.
#pragma once

#include <filesystem>
#include <optional>

namespace cats::paths {

// The environment variable that overrides the data directory.
inline constexpr const char* kDataDirEnv = "CATSD_DATA_DIR";

// $CATSD_DATA_DIR when set and not empty; else share/catsd beside the
// running executable's prefix (from /proc/self/exe); else, when the
// executable cannot be named, the install-time directory.
std::filesystem::path data_dir();

// The YANG modules (cats-bgp.yang): data_dir()/yang.
std::filesystem::path yang_dir();

// The collector's engine profiles: data_dir()/engines.json.
std::filesystem::path engine_profiles();

// The rule alone: the data directory of an executable at `exe` (absolute),
// or of an unknown one (nullopt), with `env` the override's value or null.
std::filesystem::path data_dir_for(const std::optional<std::filesystem::path>& exe, const char* env);

}  // namespace cats::paths
