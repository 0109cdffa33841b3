// `catsctl decode` and `catsctl encode`: the codec from the command line.
#pragma once

#include <string>
#include <vector>

namespace cats::catsctl {

// Exit codes: 0 ok (or non-reset action), 1 session reset, 2 usage/input error.
int run_decode(const std::vector<std::string>& args);
int run_encode(const std::vector<std::string>& args);

}  // namespace cats::catsctl
