// gRPC server for the catsd API (proto/catsd.proto) over an ApiBackend.
//
// Sync gRPC API on gRPC's own threads; each call is forwarded to the backend.
// WatchRib streams hold one thread each and a bounded queue: a client that
// does not keep up is cut off with RESOURCE_EXHAUSTED rather than growing
// the daemon's memory.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "catsd/api/api_backend.hpp"

namespace grpc {
class Server;
}

namespace cats::api {

// Who may call. A unix socket is guarded by its file mode (and its
// directory's); TCP by TLS (mutual with client_ca) and/or a bearer token.
struct ApiSecurity {
  std::string tls_cert_pem;  // with tls_key_pem: TLS on a TCP address
  std::string tls_key_pem;
  std::string client_ca_pem;  // clients must present a certificate it signed
  std::string token;          // every call carries "authorization: Bearer <token>"
  // A TCP address other than loopback without TLS is refused unless set.
  bool allow_insecure_remote = false;
  unsigned socket_mode = 0660;  // of a unix socket; its directory is created 0750 when missing
};

struct ApiServerOptions {
  std::size_t watch_queue_limit = 10'000;      // changes buffered per WatchRib stream
  std::chrono::milliseconds stop_grace{1000};  // stop(): in-flight calls get this long, then are cancelled
  std::chrono::milliseconds watch_poll{100};   // how often a watch stream checks for client cancellation
  int max_threads = 64;                        // bounds concurrent calls (a stream holds one)
  // Watch streams (of both kinds) open at once, in all and per client
  // address: streams hold a thread each, so they can never take the threads
  // unary calls need. Beyond them a stream ends with RESOURCE_EXHAUSTED.
  std::size_t max_watches = 32;
  std::size_t max_watches_per_client = 8;
  // Largest request message; gRPC refuses a bigger one before reading it.
  int max_request_octets = 256 * 1024;
  ApiSecurity security;
};

// Why `listen` with `security` must not be served (a TCP address beyond
// loopback without TLS, TLS half configured); nullopt when it may.
std::optional<std::string> check_exposure(const std::string& listen, const ApiSecurity& security);

// Longest name (service, neighbor address, prefix, instance id) a request may carry.
inline constexpr std::size_t kMaxNameOctets = 255;

class ApiServer {
 public:
  // listen: "127.0.0.1:50051", "[::1]:50051", "0.0.0.0:0" (ephemeral) or "unix:/run/catsd.sock".
  // The backend must outlive the server (the destructor stops it).
  ApiServer(ApiBackend& backend, std::string listen, ApiServerOptions options = {});
  ~ApiServer();  // stops
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds and starts serving. Returns the error text when the address cannot be bound.
  std::optional<std::string> start();
  // Graceful: new calls are refused, open WatchRib streams end with UNAVAILABLE,
  // other calls get options.stop_grace and are then cancelled. Idempotent.
  // Blocks until every handler has returned, and a WatchRib handler destroys its
  // Subscription on the way out: call it while the backend can still answer, and
  // not from a thread the backend waits on (e.g. the daemon's io_context thread).
  void stop();
  // The TCP port actually bound (useful with port 0); 0 for unix sockets or before start().
  int bound_port() const { return bound_port_; }

  class Service;  // the generated Catsd::Service implementation (api_server.cpp)

 private:
  ApiBackend& backend_;
  std::string listen_;
  ApiServerOptions options_;
  std::mutex mu_;  // start/stop
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int bound_port_ = 0;
};

}  // namespace cats::api
