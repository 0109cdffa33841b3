// What YANG cannot say about a configuration, checked on the mapped values.
// Each error carries the data path of the offending node.
#pragma once

#include "config/config.hpp"
#include "config/load.hpp"

namespace cats::config {

ConfigErrors check_semantics(const Config& cfg);

}  // namespace cats::config
