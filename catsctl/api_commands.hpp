// `catsctl show|inject|clear|watch`: the gRPC client of catsd (proto/catsd.proto).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cats::catsctl {

struct ApiClientOptions {
  std::string server;                       // "127.0.0.1:50051", "[::1]:50051", "unix:/run/catsd.sock"
  std::chrono::milliseconds timeout{5000};  // RPC deadline
  bool timeout_given = false;               // watch runs without deadline unless --timeout was given
};

// Server address: --server, else $CATSD_API, else 127.0.0.1:50051.
ApiClientOptions default_client_options();

// Takes the global options (--server ADDR, --timeout SECONDS) off the front of args.
// Throws std::invalid_argument on a bad value.
void take_global_options(std::vector<std::string>& args, ApiClientOptions& options);

bool is_api_command(const std::string& command);

// command: show, inject, clear, watch. Exit codes: 0 ok, 2 usage, 3 catsd unreachable or
// deadline exceeded, 4 catsd refused the request (its status message is printed).
int run_api_command(const std::string& command, std::vector<std::string> args, ApiClientOptions options);

}  // namespace cats::catsctl
