// Prefixes written with host bits set (203.0.113.10/24). libyang stores
// inet:ip-prefix values canonically, with the host bits cleared, so the
// mistake is only visible in the text: this reads the JSON itself.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "yang/config/config.hpp"

namespace cats::loader {

// An error for every "prefix" value (leaf or leaf-list, anywhere) with host
// bits set, with its data path. `json` must already be valid JSON.
config::ConfigErrors check_prefix_host_bits(const std::string& json);

// The same for an XML instance (already parsed by libyang): every <prefix>
// element's text with host bits set, as {value as written, value masked}.
// The caller finds the node (libyang holds the masked value) for its path.
std::vector<std::pair<std::string, std::string>> xml_prefixes_with_host_bits(const std::string& xml);

}  // namespace cats::loader
