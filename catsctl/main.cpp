// catsctl: the offline codec (decode, encode) and the client of catsd's gRPC API.
// The global options are CLI11's; everything from the command word on is the
// command's, after expand() wrote out abbreviated command words.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "catsctl/api_commands.hpp"
#include "catsctl/codec_commands.hpp"
#include "catsctl/command_words.hpp"
#include "common/version/version.hpp"

namespace {

constexpr int kUsage = 2;

constexpr const char* kCommands =
    "codec commands (offline):\n"
    "  decode --hex HEX | --file FILE [--json] [--as4] [--add-path ipv4,ipv6]\n"
    "         [--extended-message] [--enhanced-route-refresh] [--multiprotocol] [--ebgp] [--no-aigp]\n"
    "         [--cats-type N] [--cats-capability N]\n"
    "      decode BGP messages (19-octet header included); --file takes hex lines or raw bytes\n"
    "  encode --json FILE|- [--as4] [--add-path ipv4,ipv6] [--extended-message] [--cats-type N]\n"
    "      encode messages given in the decode JSON form; prints one hex line per message\n"
    "  exit status: 0 ok, 1 a message calls for a session reset, 2 usage or input error\n"
    "daemon commands: catsctl [--server ADDR] [--timeout SECONDS] [TLS and token options] <command>\n"
    "  show neighbors [ADDR] [--json]\n"
    "  show rib [PREFIX] [--family F] [--best] [--json]\n"
    "  show services [NAME] [--json]\n"
    "  show fib [PREFIX] [--json]\n"
    "  inject SERVICE [--l2 N] [--l1 compute=N,communication=N,service=N] [--drain|--no-drain]\n"
    "         [--withdraw|--restore] [--instance ID=L2 ...] [--replace-instances] [--json]\n"
    "  clear neighbor ADDR|all [--soft|--soft-in|--soft-out] [--reason TEXT] [--json]\n"
    "  watch rib [--family F] [--prefix P] [--json] [--count N]\n"
    "  watch services [--prefix P] [--json] [--count N]\n"
    "  resolve SERVICE|PREFIX|CS-ID [--class C] [--latency-budget MS] [--json]\n"
    "  the global options may also follow the command; command words may be abbreviated\n"
    "  while unambiguous (catsctl sh nei)\n"
    "  exit status: 0 ok, 2 usage, 3 catsd unreachable or deadline exceeded, 4 catsd refused the request\n"
    "see catsctl(1)";

// `catsctl __complete WORD...`: what may follow WORD... (catsctl/completion/catsctl.bash).
int complete(const std::vector<std::string>& words) {
  std::vector<std::string_view> globals;
  for (const auto& g : cats::catsctl::global_options()) globals.push_back(g.name);
  for (const auto& w : cats::catsctl::complete(words, cats::catsctl::command_table(), globals)) std::cout << w << "\n";
  return 0;
}

int run_command(std::vector<std::string> args, const cats::catsctl::ApiClientOptions& client, const std::string& help) {
  if (!args.empty() && args[0] == "__complete") return complete({args.begin() + 1, args.end()});
  if (auto err = cats::catsctl::expand(args, cats::catsctl::command_table())) {
    std::cerr << "catsctl: " << *err << "\n";
    return kUsage;
  }
  if (args.empty() || args[0] == "help") {
    (args.empty() ? std::cerr : std::cout) << help;
    return args.empty() ? kUsage : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cats::catsctl::is_api_command(cmd)) return cats::catsctl::run_api_command(cmd, std::move(args), client);
  try {
    if (cmd == "decode") return cats::catsctl::run_decode(args);
    if (cmd == "encode") return cats::catsctl::run_encode(args);
  } catch (const std::exception& e) {
    std::cerr << "catsctl " << cmd << ": " << e.what() << "\n";
    return kUsage;
  }
  std::cerr << "catsctl: unknown command '" << cmd << "'\n" << help;
  return kUsage;
}

int run(int argc, char** argv) {
  cats::catsctl::ApiClientOptions client = cats::catsctl::default_client_options();
  CLI::App app{"catsctl: decode and encode BGP messages; show, change and watch a running catsd", "catsctl"};
  app.prefix_command();  // the command word and all after it are the command's
  app.footer(kCommands);
  app.set_version_flag("--version", cats::version::line("catsctl"), "print the version and exit");
  for (const auto& g : cats::catsctl::global_options()) {
    app.add_option_function<std::string>(
           std::string(g.name), [&client, set = g.set](const std::string& v) { set(client, v); }, std::string(g.help))
        ->type_name(std::string(g.value_name));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help() << "\n";  // CLI11 ends the footer without one
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::cout << cats::version::line("catsctl") << "\n";
    return 0;
  } catch (const std::exception& e) {  // CLI::ParseError, or a bad value (--timeout 0)
    std::cerr << "catsctl: " << e.what() << "\nusage: catsctl [OPTIONS] COMMAND ... (catsctl --help lists them)\n";
    return kUsage;
  }
  return run_command(app.remaining(), client, app.help() + "\n");
}

}  // namespace

// An exception that reaches here is a bug (the commands report their errors with an exit
// status): it is printed, not left to std::terminate.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "catsctl: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "catsctl: internal error\n");
  }
  return 1;
}
