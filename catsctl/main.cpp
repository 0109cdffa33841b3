#include <iostream>
#include <string>
#include <vector>

#include "catsctl/api_commands.hpp"
#include "catsctl/codec_commands.hpp"

namespace {
void usage(std::ostream& os) {
  os << "usage: catsctl <command> [options]\n"
        "codec commands (offline):\n"
        "  decode --hex HEX | --file FILE [--json] [--as4] [--add-path ipv4,ipv6]\n"
        "         [--extended-message] [--enhanced-route-refresh] [--multiprotocol] [--ebgp] [--no-aigp]\n"
        "         [--cats-type N] [--cats-capability N]\n"
        "      decode BGP messages (19-octet header included); --file takes hex lines or raw bytes\n"
        "  encode --json FILE|- [--as4] [--add-path ipv4,ipv6] [--extended-message] [--cats-type N]\n"
        "      encode messages given in the decode JSON form; prints one hex line per message\n"
        "  exit status: 0 ok, 1 a message calls for a session reset, 2 usage or input error\n"
        "daemon commands: catsctl [--server ADDR] [--timeout SECONDS] <command>\n"
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
        "  server: --server, else $CATSD_API, else 127.0.0.1:50051 (unix:PATH for a unix socket);\n"
        "  --timeout: RPC deadline, default 5 s (watch: none unless given)\n"
        "  exit status: 0 ok, 2 usage, 3 catsd unreachable or deadline exceeded, 4 catsd refused the request\n";
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  cats::catsctl::ApiClientOptions client = cats::catsctl::default_client_options();
  try {
    cats::catsctl::take_global_options(args, client);
  } catch (const std::exception& e) {
    std::cerr << "catsctl: " << e.what() << "\n";
    return 2;
  }
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cats::catsctl::is_api_command(cmd)) return cats::catsctl::run_api_command(cmd, std::move(args), client);
  try {
    if (cmd == "decode") return cats::catsctl::run_decode(args);
    if (cmd == "encode") return cats::catsctl::run_encode(args);
  } catch (const std::exception& e) {
    std::cerr << "catsctl " << cmd << ": " << e.what() << "\n";
    return 2;
  }
  std::cerr << "catsctl: unknown command '" << cmd << "'\n";
  usage(std::cerr);
  return 2;
}
