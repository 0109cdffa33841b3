// catsctl's command words, and unambiguous prefixes of them as gobgp and
// birdc accept (`catsctl sh nei` is `catsctl show neighbors`). One table
// serves the dispatch (expand()), and bash completion (complete()).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cats::catsctl {

struct CommandWords {
  std::string_view command;     // "show"
  std::string_view subcommand;  // "rib"; empty for a command without one
  // Its options for completion, space-separated; a trailing '=' marks one that takes a value.
  std::string_view flags;
  bool daemon = true;  // talks to catsd: the global options (--server, ...) apply
};

// Every command catsctl has (main.cpp and api_commands.cpp run them).
std::span<const CommandWords> command_table();

// The candidates `word` names: itself when it is one exactly, else every candidate it is a
// prefix of (none: unknown; two or more: ambiguous).
std::vector<std::string_view> match_word(std::string_view word, const std::vector<std::string_view>& candidates);

// Writes out an abbreviated command word (args[0]) and subcommand word (args[1]) in full.
// A word that names nothing is left as it is, for the command to reject; an ambiguous one
// is an error: "ambiguous command 's': show, stop".
std::optional<std::string> expand(std::vector<std::string>& args, std::span<const CommandWords> table);

// What may follow `words` (the command line after "catsctl", without the word being
// completed): commands, subcommands or options. `global_options` take a value each and may
// stand anywhere. Empty after an option that takes a value (the shell completes a file name).
std::vector<std::string> complete(const std::vector<std::string>& words, std::span<const CommandWords> table,
                                  const std::vector<std::string_view>& global_options);

}  // namespace cats::catsctl
