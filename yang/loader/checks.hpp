// What YANG cannot say about a configuration, checked on the mapped values.
// Each error carries the data path of the offending node.
#pragma once

#include "yang/config/config.hpp"
#include "yang/loader/load.hpp"

namespace cats::loader {

config::ConfigErrors check_semantics(const config::Config& cfg);

}  // namespace cats::loader
