// Prefixes written with host bits set (203.0.113.10/24). libyang stores
// inet:ip-prefix values canonically, with the host bits cleared, so the
// mistake is only visible in the text: this reads the JSON itself.
#pragma once

#include <string>

#include "yang/config/config.hpp"

namespace cats::loader {

// An error for every "prefix" value (leaf or leaf-list, anywhere) with host
// bits set, with its data path. `json` must already be valid JSON.
config::ConfigErrors check_prefix_host_bits(const std::string& json);

}  // namespace cats::loader
