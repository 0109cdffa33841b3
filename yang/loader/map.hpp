// Validated tree -> config::Config. Private to the loader. The tree has passed
// libyang validation with defaults added, so every leaf is well-formed; what
// still cannot be read is reported, not assumed.
#pragma once

#include "yang/config/config.hpp"
#include "yang/loader/load.hpp"
#include "yang/loader/tree_view.hpp"

namespace cats::loader {

// `bgp` is the /cats-bgp:bgp container.
config::Config map_tree(const ly::View& bgp, config::ConfigErrors& errors);

}  // namespace cats::loader
