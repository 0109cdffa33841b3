// Reading catsd's configuration: an RFC 7951 JSON or an XML instance of cats-bgp.yang,
// validated by libyang, then checked for what YANG cannot say, then mapped to the
// model (yang/config). Errors are data: each names a data path and the
// reason, ready for the operator. No libyang type appears here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "yang/config/config.hpp"

namespace cats::loader {

using LoadResult = std::variant<config::Config, config::ConfigErrors>;

// The directory holding cats-bgp.yang: share/catsd/yang of the running
// binary's prefix, or $CATSD_DATA_DIR/yang (common/paths).
std::filesystem::path default_yang_dir();

// A configuration file larger than this is refused before it is read.
inline constexpr std::uintmax_t kMaxConfigOctets = std::uintmax_t{16} << 20;

// Refuses what is not a regular file (/dev/zero, a FIFO, a directory) and
// files over kMaxConfigOctets, with the file as the error's path.
LoadResult load_config(const std::filesystem::path& file, const std::filesystem::path& yang_dir = default_yang_dir());
// The same for a text already in memory (JSON, or XML when it starts with
// '<'); `origin` names it in errors.
LoadResult load_config_text(const std::string& text, const std::filesystem::path& yang_dir = default_yang_dir(),
                            const std::string& origin = "<config>");

}  // namespace cats::loader
