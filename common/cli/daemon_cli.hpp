// The command-line habits catsd and cats-collector share (CLI11): the log
// options and what --help, --version and a usage error print and exit with.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace cats::cli {

inline constexpr int kUsage = 2;  // exit status of a usage error

// --log-level (checked against log::kLevelNames) and --log-format (text, json).
void add_log_options(CLI::App& app, std::string& level, std::string& format);

// Parses argv. nullopt: go on. Otherwise the exit status: 0 after --help or
// --version (printed to `out`), kUsage after an error (the error and `usage`
// to `err`, prefixed by the program's name).
std::optional<int> parse(CLI::App& app, int argc, const char* const* argv, std::string_view program,
                         std::string_view usage, std::ostream& out, std::ostream& err);

}  // namespace cats::cli
