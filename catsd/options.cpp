#include "catsd/options.hpp"

#include <CLI/CLI.hpp>

#include "common/cli/daemon_cli.hpp"
#include "common/version/version.hpp"

namespace cats::daemon {

std::variant<Options, Exit> parse_options(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Options o;
  CLI::App app{"catsd: the CATS BGP speaker (BGP sessions, a metric-aware RIB, the gRPC API)", "catsd"};
  app.footer("exit status: 0 ok, 1 configuration or start-up error, 2 usage\nsee catsd(8)");
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // the last one given counts
  app.set_version_flag("--version", version::line("catsd"), "print the version and exit");

  auto* config = app.add_option("--config", o.config_file,
                                "instance of yang/cats-bgp.yang, RFC 7951 JSON or XML; SIGHUP reads it again");
  config->type_name("FILE");
  if (kDefaultConfig.empty()) config->required();
  app.add_option("--api", o.api, "gRPC API address: HOST:PORT, [V6]:PORT, unix:/path, or none")
      ->type_name("ADDR")
      ->capture_default_str();
  app.add_option("--yang-dir", o.yang_dir, "where cats-bgp.yang is (default: <prefix>/share/catsd/yang)")
      ->type_name("DIR");
  std::string format = "text";
  cli::add_log_options(app, o.log_level, format);
  app.add_flag("--check", o.check, "validate the configuration and exit");

  auto* privileges = "Privileges";
  app.add_option("--user", o.user, "after binding, run as this user")->type_name("NAME")->group(privileges);
  app.add_option("--group", o.group, "after binding, run as this group (default: the user's)")
      ->type_name("NAME")
      ->group(privileges);

  auto* security = "API security";
  auto* cert = app.add_option("--api-tls-cert", o.api_tls_cert, "the API's TLS certificate (PEM)")
                   ->type_name("FILE")
                   ->group(security);
  auto* key =
      app.add_option("--api-tls-key", o.api_tls_key, "its private key (PEM)")->type_name("FILE")->group(security);
  cert->needs(key);
  key->needs(cert);
  app.add_option("--api-client-ca", o.api_client_ca, "clients must present a certificate from this CA (mutual TLS)")
      ->type_name("FILE")
      ->needs(cert)
      ->group(security);
  app.add_option("--api-token-file", o.api_token_file, "clients must present the bearer token this file holds")
      ->type_name("FILE")
      ->group(security);
  app.add_flag("--api-insecure", o.api_insecure, "allow a TCP API on a non-loopback address without TLS")
      ->group(security);

  if (auto code = cli::parse(app, argc, argv, "catsd", "catsd --config FILE [OPTIONS]", out, err)) return Exit{*code};
  o.log_format = *log::parse_format(format);
  return o;
}

}  // namespace cats::daemon
