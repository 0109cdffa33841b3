// catsd's command line (CLI11): what main() needs to start, or the exit
// status when there is nothing to run (--help, --version: 0; a usage error: 2).
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <variant>

#include "common/log/log.hpp"

namespace cats::daemon {

// The gRPC API's address when --api is not given.
// A unix socket: only its owner and group may connect (mode 0660, directory
// 0750); a TCP API is opt-in, and needs TLS beyond loopback.
inline constexpr std::string_view kDefaultApi = "unix:/run/catsd/api.sock";
// The configuration file when --config is not given; empty: --config is required.
// The package's conffile (docs/INSTALL.md).
inline constexpr std::string_view kDefaultConfig = "/etc/catsd/catsd.json";

struct Options {
  std::string config_file{kDefaultConfig};
  std::string api{kDefaultApi};  // "none" disables it; "unix:/path" for a unix socket
  std::string yang_dir;          // empty: cats::loader::default_yang_dir()
  std::string log_level = "info";
  log::Format log_format = log::Format::kText;
  bool check = false;  // validate the configuration and exit

  // Privilege drop after binding: the user and group to run as (empty: stay).
  std::string user;
  std::string group;

  // The API's transport security: a server certificate and key (TLS), the CA
  // that client certificates must chain to (mutual TLS), a file holding the
  // bearer token clients must present, and whether a TCP API on a
  // non-loopback address may run without TLS.
  std::string api_tls_cert;
  std::string api_tls_key;
  std::string api_client_ca;
  std::string api_token_file;
  bool api_insecure = false;
};

// The exit status of a command line that runs nothing.
struct Exit {
  int status;
};

// Parses argv; --help and --version print on `out`, usage errors on `err`.
std::variant<Options, Exit> parse_options(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace cats::daemon
