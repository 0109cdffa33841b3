#include <iostream>
#include <string>
#include <vector>

#include "codec_commands.hpp"

namespace {
void usage(std::ostream& os) {
  os << "usage: catsctl <command> [options]\n"
        "commands:\n"
        "  decode --hex HEX | --file FILE [--json] [--as4] [--add-path ipv4,ipv6]\n"
        "         [--extended-message] [--enhanced-route-refresh] [--multiprotocol] [--ebgp] [--no-aigp]\n"
        "         [--cats-type N] [--cats-capability N]\n"
        "      decode BGP messages (19-octet header included); --file takes hex lines or raw bytes\n"
        "  encode --json FILE|- [--as4] [--add-path ipv4,ipv6] [--extended-message] [--cats-type N]\n"
        "      encode messages given in the decode JSON form; prints one hex line per message\n"
        "exit status: 0 ok, 1 a message calls for a session reset, 2 usage or input error\n";
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  try {
    if (cmd == "decode") return cats::cli::run_decode(args);
    if (cmd == "encode") return cats::cli::run_encode(args);
  } catch (const std::exception& e) {
    std::cerr << "catsctl " << cmd << ": " << e.what() << "\n";
    return 2;
  }
  std::cerr << "catsctl: unknown command '" << cmd << "'\n";
  usage(std::cerr);
  return 2;
}
