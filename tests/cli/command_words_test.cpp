// catsctl's abbreviations (gobgp/birdc habits) and what bash completion offers.
#include "catsctl/command_words.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace cats::cli {
namespace {

using namespace cats::catsctl;

using Args = std::vector<std::string>;

Args expanded(Args args) {
  const auto err = expand(args, command_table());
  EXPECT_FALSE(err.has_value()) << *err;
  return args;
}

TEST(MatchWord, ExactBeatsPrefixAndPrefixMustBeUnique) {
  const std::vector<std::string_view> words = {"rib", "ribs", "route", "show"};
  EXPECT_EQ(match_word("rib", words), std::vector<std::string_view>{"rib"}) << "exact, though a prefix of ribs";
  EXPECT_EQ(match_word("sh", words), std::vector<std::string_view>{"show"});
  EXPECT_EQ(match_word("r", words), (std::vector<std::string_view>{"rib", "ribs", "route"}));
  EXPECT_TRUE(match_word("x", words).empty());
  EXPECT_TRUE(match_word("", words).empty());
  EXPECT_TRUE(match_word("shows", words).empty()) << "longer than the word is no prefix";
}

TEST(Expand, CommandAndSubcommandWords) {
  EXPECT_EQ(expanded({"sh", "nei"}), (Args{"show", "neighbors"}));
  EXPECT_EQ(expanded({"s", "r", "10.0.0.0/8", "--best"}), (Args{"show", "rib", "10.0.0.0/8", "--best"}));
  EXPECT_EQ(expanded({"w", "s", "--json"}), (Args{"watch", "services", "--json"}));
  EXPECT_EQ(expanded({"cl", "n", "all"}), (Args{"clear", "neighbor", "all"}));
  EXPECT_EQ(expanded({"dec", "--hex", "ff"}), (Args{"decode", "--hex", "ff"}));
}

TEST(Expand, PositionalsAndOptionsStayAsTheyAre) {
  // inject has no subcommand: its SERVICE is a name, never expanded.
  EXPECT_EQ(expanded({"inj", "s"}), (Args{"inject", "s"}));
  EXPECT_EQ(expanded({"show", "--json"}), (Args{"show", "--json"}));
  EXPECT_EQ(expanded({"show", "n", "r"}), (Args{"show", "neighbors", "r"}));
  // Unknown words are the command's to reject ("unknown command", "usage: show ...").
  EXPECT_EQ(expanded({"frobnicate"}), (Args{"frobnicate"}));
  EXPECT_EQ(expanded({"show", "bogus"}), (Args{"show", "bogus"}));
  EXPECT_EQ(expanded({}), Args{});
}

// The real table has no ambiguous one-letter prefix today; a table that has them.
constexpr std::array kTable = {
    CommandWords{"show", "rib", ""},
    CommandWords{"show", "route", ""},
    CommandWords{"start", "", "", false},
};

TEST(Expand, AmbiguousWordsListTheCandidates) {
  Args args{"s", "rib"};
  EXPECT_EQ(expand(args, kTable), "ambiguous command 's': show, start");
  args = {"sh", "r"};
  EXPECT_EQ(expand(args, kTable), "ambiguous show subcommand 'r': rib, route");
  args = {"sh", "ro"};
  EXPECT_FALSE(expand(args, kTable).has_value());
  EXPECT_EQ(args, (Args{"show", "route"}));
}

TEST(Complete, WordsSubcommandsAndOptions) {
  const std::vector<std::string_view> globals = {"--server", "--timeout"};
  const auto has = [](const std::vector<std::string>& v, const std::string& w) {
    return std::find(v.begin(), v.end(), w) != v.end();
  };
  const auto top = complete({}, command_table(), globals);
  EXPECT_TRUE(has(top, "show") && has(top, "decode") && has(top, "--server") && has(top, "--version"));
  EXPECT_EQ(complete({"sh"}, command_table(), globals),
            (std::vector<std::string>{"neighbors", "rib", "services", "fib"}));
  EXPECT_EQ(complete({"--server", "unix:/run/catsd.sock", "show"}, command_table(), globals).size(), 4u);
  EXPECT_EQ(complete({"show", "rib"}, command_table(), globals),
            (std::vector<std::string>{"--family", "--best", "--json", "--server", "--timeout"}));
  EXPECT_TRUE(complete({"show", "rib", "--family"}, command_table(), globals).empty()) << "a value comes next";
  EXPECT_TRUE(complete({"--server"}, command_table(), globals).empty());
  const auto decode = complete({"decode", "--hex", "ff"}, command_table(), globals);
  EXPECT_TRUE(has(decode, "--as4") && !has(decode, "--server")) << "the codec does not talk to catsd";
  EXPECT_TRUE(complete({"bogus"}, command_table(), globals).empty());
  EXPECT_TRUE(complete({"s"}, kTable, globals).empty()) << "nothing follows an ambiguous word";
}

}  // namespace
}  // namespace cats::cli
