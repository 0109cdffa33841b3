// `catsctl show|inject|clear|watch`: the gRPC client of catsd (proto/catsd.proto).
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cats::catsctl {

struct ApiClientOptions {
  std::string server;                       // "127.0.0.1:50051", "[::1]:50051", "unix:/run/catsd.sock"
  std::chrono::milliseconds timeout{5000};  // RPC deadline
  bool timeout_given = false;               // watch runs without deadline unless --timeout was given
  // TLS: the CA that catsd's certificate must chain to, and this client's certificate and
  // key (mutual TLS); PEM files, empty when not given.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string token_file;  // the bearer token to present: --token-file, else $CATSD_API_TOKEN_FILE
};

// Server address: --server, else $CATSD_API, else unix:/run/catsd/api.sock; token file from
// $CATSD_API_TOKEN_FILE.
ApiClientOptions default_client_options();

// The global options of the daemon commands, each with a value: before the command (main.cpp
// gives them to CLI11) or anywhere after it (`catsctl show rib --server ADDR`).
struct GlobalOption {
  std::string_view name;  // "--server"
  std::string_view value_name;
  std::string_view help;
  void (*set)(ApiClientOptions& options, const std::string& value);  // throws std::invalid_argument
};
std::span<const GlobalOption> global_options();

bool is_api_command(const std::string& command);

// command: show, inject, clear, watch. Exit codes: 0 ok, 2 usage, 3 catsd unreachable or
// deadline exceeded, 4 catsd refused the request (its status message is printed).
int run_api_command(const std::string& command, std::vector<std::string> args, ApiClientOptions options);

}  // namespace cats::catsctl
