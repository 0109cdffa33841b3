#include "catsctl/command_words.hpp"

#include <algorithm>
#include <array>

namespace cats::catsctl {
namespace {

constexpr std::array kTable = {
    CommandWords{"show", "neighbors", "--json"},
    CommandWords{"show", "rib", "--family= --best --json"},
    CommandWords{"show", "services", "--json"},
    CommandWords{"show", "fib", "--json"},
    CommandWords{"inject", "",
                 "--l2= --l1= --drain --no-drain --withdraw --restore --instance= --replace-instances --json"},
    CommandWords{"clear", "neighbor", "--soft --soft-in --soft-out --reason= --json"},
    CommandWords{"watch", "rib", "--family= --prefix= --json --count="},
    CommandWords{"watch", "services", "--prefix= --json --count="},
    CommandWords{"resolve", "", "--class= --latency-budget= --json"},
    CommandWords{"decode", "",
                 "--hex= --file= --json --as4 --add-path= --extended-message --enhanced-route-refresh "
                 "--multiprotocol --ebgp --no-aigp --cats-type= --cats-capability=",
                 false},
    CommandWords{"encode", "", "--json= --as4 --add-path= --extended-message --cats-type=", false},
    CommandWords{"help", "", "", false},
};

// The distinct command words, or the subcommand words of `command`, in table order.
std::vector<std::string_view> words_of(std::span<const CommandWords> table, std::optional<std::string_view> command) {
  std::vector<std::string_view> out;
  for (const auto& c : table) {
    const std::string_view w = command ? c.subcommand : c.command;
    if (command && c.command != *command) continue;
    if (!w.empty() && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (const auto w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

// One word in place: false with `error` set when it is ambiguous.
bool expand_word(std::string& word, const std::vector<std::string_view>& candidates, std::string_view what,
                 std::string& error) {
  const auto found = match_word(word, candidates);
  if (found.size() == 1) word = found.front();
  if (found.size() < 2) return true;
  error = "ambiguous " + std::string(what) + " '" + word + "': " + join(found);
  return false;
}

std::vector<std::string_view> split(std::string_view flags) {
  std::vector<std::string_view> out;
  while (!flags.empty()) {
    const auto end = flags.find(' ');
    if (end != 0) out.push_back(flags.substr(0, end));
    if (end == std::string_view::npos) break;
    flags.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace

std::span<const CommandWords> command_table() {
  return kTable;
}

std::vector<std::string_view> match_word(std::string_view word, const std::vector<std::string_view>& candidates) {
  if (std::find(candidates.begin(), candidates.end(), word) != candidates.end()) return {word};
  std::vector<std::string_view> out;
  if (word.empty()) return out;
  for (const auto c : candidates)
    if (c.starts_with(word)) out.push_back(c);
  return out;
}

std::optional<std::string> expand(std::vector<std::string>& args, std::span<const CommandWords> table) {
  std::string error;
  if (args.empty() || args[0].starts_with('-')) return std::nullopt;
  if (!expand_word(args[0], words_of(table, std::nullopt), "command", error)) return error;
  const auto subcommands = words_of(table, args[0]);
  if (args.size() < 2 || subcommands.empty() || args[1].starts_with('-')) return std::nullopt;
  if (!expand_word(args[1], subcommands, args[0] + " subcommand", error)) return error;
  return std::nullopt;
}

std::vector<std::string> complete(const std::vector<std::string>& words, std::span<const CommandWords> table,
                                  const std::vector<std::string_view>& global_options) {
  std::optional<std::string> command;
  std::optional<std::string> subcommand;
  std::vector<std::string_view> flags;  // of the command (and subcommand) once known
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    const auto takes_value = [&](std::string_view name) {
      return std::find(global_options.begin(), global_options.end(), name) != global_options.end() ||
             std::find(flags.begin(), flags.end(), std::string(name) + "=") != flags.end();
    };
    if (w.starts_with('-')) {
      if (takes_value(w) && ++i == words.size()) return {};  // the value is being completed
      continue;
    }
    const auto resolve = [&](const std::vector<std::string_view>& candidates) -> std::optional<std::string> {
      const auto found = match_word(w, candidates);
      if (found.size() != 1) return std::nullopt;
      return std::string(found.front());
    };
    if (!command) {
      command = resolve(words_of(table, std::nullopt));
      if (!command) return {};
    } else if (!subcommand && !words_of(table, *command).empty()) {
      subcommand = resolve(words_of(table, *command));
      if (!subcommand) return {};
    } else {
      continue;  // a positional: an address, a prefix, a service name
    }
    for (const auto& c : table)
      if (c.command == *command && c.subcommand == subcommand.value_or("")) flags = split(c.flags);
  }
  std::vector<std::string> out;
  if (!command) {
    for (const auto w : words_of(table, std::nullopt)) out.emplace_back(w);
    for (const auto g : global_options) out.emplace_back(g);
    out.emplace_back("--help");
    out.emplace_back("--version");
    return out;
  }
  if (!subcommand && !words_of(table, *command).empty()) {
    for (const auto w : words_of(table, *command)) out.emplace_back(w);
    return out;
  }
  bool daemon = false;
  for (const auto& c : table) daemon = daemon || (c.command == *command && c.daemon);
  for (const auto f : flags) out.emplace_back(f.ends_with('=') ? f.substr(0, f.size() - 1) : f);
  if (daemon)
    for (const auto g : global_options) out.emplace_back(g);
  return out;
}

}  // namespace cats::catsctl
