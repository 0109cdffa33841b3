// cats-collector's command line (CLI11): what run() needs, or the exit status
// when there is nothing to run (--help, --version: 0; a usage error: 2).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <variant>

#include "common/log/log.hpp"

namespace cats::collector {

struct CommandLine {
  std::string config;
  bool once = false;
  bool json = false;
  unsigned answers = 0;             // 0: the configuration's collector/first-report-answers
  std::string profiles;             // empty: collector/engine-profiles, else the installed one
  std::optional<std::string> push;  // else collector/push/catsd-address
  std::string log_level = "info";
  log::Format log_format = log::Format::kText;
};

// The exit status of a command line that runs nothing.
struct Exit {
  int status;
};

// Parses argv; --help and --version print on `out`, usage errors on `err`.
std::variant<CommandLine, Exit> parse_command_line(int argc, const char* const* argv, std::ostream& out,
                                                   std::ostream& err);

}  // namespace cats::collector
