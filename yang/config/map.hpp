// Validated tree -> Config. Private to cats_config. The tree has passed
// libyang validation with defaults added, so every leaf is well-formed; what
// still cannot be read is reported, not assumed.
#pragma once

#include "config/config.hpp"
#include "config/load.hpp"
#include "config/tree_view.hpp"

namespace cats::config {

// `bgp` is the /cats-bgp:bgp container.
Config map_tree(const ly::View& bgp, ConfigErrors& errors);

}  // namespace cats::config
