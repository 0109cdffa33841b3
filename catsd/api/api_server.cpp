#include "catsd/api/api_server.hpp"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "proto/catsd.grpc.pb.h"

namespace cats::api {
namespace {

grpc::Status to_status(const ApiResult& result) {
  if (!result) return grpc::Status::OK;
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (result->code) {
    case ApiError::Code::not_found: code = grpc::StatusCode::NOT_FOUND; break;
    case ApiError::Code::invalid_argument: code = grpc::StatusCode::INVALID_ARGUMENT; break;
    case ApiError::Code::failed_precondition: code = grpc::StatusCode::FAILED_PRECONDITION; break;
    case ApiError::Code::unavailable: code = grpc::StatusCode::UNAVAILABLE; break;
    case ApiError::Code::internal: code = grpc::StatusCode::INTERNAL; break;
  }
  return grpc::Status(code, result->message);
}

// A throwing backend must not take the gRPC thread (and the daemon) down.
template <typename F>
ApiResult guarded(F&& call) {
  try {
    return call();
  } catch (const std::exception& e) {
    return ApiError{ApiError::Code::internal, e.what()};
  } catch (...) {
    return ApiError{ApiError::Code::internal, "unknown error"};
  }
}

pb::InjectMetricsRequest to_inject(const pb::MetricReport& report) {
  pb::InjectMetricsRequest request;
  request.set_service(report.service());
  if (report.has_l2()) request.set_l2(report.l2());
  *request.mutable_l1() = report.l1();
  if (report.has_drain()) request.set_drain(report.drain());
  *request.mutable_instances() = report.instances();
  request.set_replace_instances(report.replace_instances());
  if (report.has_withdraw()) request.set_withdraw(report.withdraw());
  request.set_pushed(true);
  request.set_reason(report.reason());
  return request;
}

// Changes for one watch stream: the backend's sink pushes on the daemon's
// thread, the stream's handler pops on its gRPC thread.
class QueueBase {
 public:
  virtual ~QueueBase() = default;
  virtual void close() = 0;
};

template <class Change>
class ChangeQueue : public QueueBase {
 public:
  explicit ChangeQueue(std::size_t limit) : limit_(limit) {}

  enum class Pop { change, timeout, overflow, closed };

  void push(std::shared_ptr<const Change> change) {
    {
      std::lock_guard lock(mu_);
      if (closed_ || overflow_) return;
      if (items_.size() >= limit_) {
        overflow_ = true;
        items_.clear();  // the client lost changes anyway: free the memory now
      } else {
        items_.push_back(std::move(change));
      }
    }
    cv_.notify_one();
  }

  Pop pop(std::shared_ptr<const Change>* out, std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [this] { return closed_ || overflow_ || !items_.empty(); });
    if (closed_) return Pop::closed;
    if (overflow_) return Pop::overflow;
    if (items_.empty()) return Pop::timeout;
    *out = std::move(items_.front());
    items_.pop_front();
    return Pop::change;
  }

  void close() override {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      items_.clear();
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<const Change>> items_;
  std::size_t limit_;
  bool closed_ = false;
  bool overflow_ = false;
};

bool is_unix(const std::string& listen) {
  return listen.rfind("unix:", 0) == 0;
}

// Compares in time independent of where they differ: a token must not leak
// through how fast a wrong one is refused.
bool same_secret(std::string_view given, std::string_view want) {
  unsigned char diff = given.size() == want.size() ? 0 : 1;
  for (std::size_t i = 0; i < want.size(); ++i)
    diff |= static_cast<unsigned char>(want[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

// "127.0.0.1:50051" -> "127.0.0.1"; "[::1]:50051" -> "::1".
std::string host_of(const std::string& listen) {
  const auto colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// The unix socket's directory, created 0750 when it does not exist.
std::optional<std::string> prepare_socket_dir(const std::string& path) {
  const auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) return std::nullopt;
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return std::nullopt;
  if (mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST)
    return "cannot create " + dir.string() + ": " + std::strerror(errno);
  return std::nullopt;
}

std::shared_ptr<grpc::ServerCredentials> credentials(const ApiSecurity& s) {
  if (s.tls_cert_pem.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions o(s.client_ca_pem.empty()
                                          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  o.pem_root_certs = s.client_ca_pem;
  o.pem_key_cert_pairs.push_back({s.tls_key_pem, s.tls_cert_pem});
  return grpc::SslServerCredentials(o);
}

// The client's address without its port ("ipv4:127.0.0.1:40000" ->
// "ipv4:127.0.0.1"); every unix-socket client is one client.
std::string client_of(const grpc::ServerContext& context) {
  const std::string peer = context.peer();
  if (peer.rfind("unix:", 0) == 0) return "unix";
  const auto colon = peer.rfind(':');
  return colon == std::string::npos || colon < 5 ? peer : peer.substr(0, colon);
}

// INVALID_ARGUMENT when a name in the request is longer than kMaxNameOctets.
std::optional<grpc::Status> too_long(std::initializer_list<std::pair<const char*, const std::string*>> names) {
  for (const auto& [what, value] : names)
    if (value->size() > kMaxNameOctets)
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          std::string(what) + " longer than " + std::to_string(kMaxNameOctets) + " octets");
  return std::nullopt;
}

// gRPC only says that binding failed; bind the address ourselves to name the reason.
std::string bind_error(const std::string& listen) {
  if (is_unix(listen)) return "cannot listen on " + listen;
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return "cannot listen on " + listen + ": expected HOST:PORT or unix:PATH";
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return "cannot listen on " + listen + ": " + gai_strerror(rc);
  }
  std::string reason = "address not usable";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
      reason = std::strerror(errno);
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const bool bound = bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    if (!bound) reason = std::strerror(errno);
    close(fd);
    if (!bound) break;
  }
  freeaddrinfo(found);
  return "cannot listen on " + listen + ": " + reason;
}

}  // namespace

class ApiServer::Service final : public pb::Catsd::Service {
 public:
  Service(ApiBackend& backend, const ApiServerOptions& options) : backend_(backend), options_(options) {}

  // UNAUTHENTICATED unless the call carries the configured bearer token.
  std::optional<grpc::Status> deny(const grpc::ServerContext& context) const {
    const std::string& token = options_.security.token;
    if (token.empty()) return std::nullopt;
    const auto& md = context.client_metadata();
    const auto it = md.find("authorization");
    if (it != md.end() && same_secret(std::string_view(it->second.data(), it->second.size()), "Bearer " + token))
      return std::nullopt;
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "a valid API token is required (catsctl --token-file)");
  }

  // Ends every open WatchRib stream now and refuses new ones.
  void begin_stop() {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (const auto& queue : watches_) queue->close();
  }

  grpc::Status ShowNeighbors(grpc::ServerContext* context, const pb::ShowNeighborsRequest* request,
                             pb::ShowNeighborsReply* reply) override {
    if (auto denied = deny(*context)) return *denied;
    if (auto bad = too_long({{"address", &request->address()}})) return *bad;
    return to_status(guarded([&] { return backend_.show_neighbors(*request, reply); }));
  }

  grpc::Status ShowRib(grpc::ServerContext* context, const pb::ShowRibRequest* request,
                       pb::ShowRibReply* reply) override {
    if (auto denied = deny(*context)) return *denied;
    if (auto bad = too_long({{"prefix", &request->prefix()}, {"family", &request->family()}})) return *bad;
    return to_status(guarded([&] { return backend_.show_rib(*request, reply); }));
  }

  grpc::Status ShowServices(grpc::ServerContext* context, const pb::ShowServicesRequest* request,
                            pb::ShowServicesReply* reply) override {
    if (auto denied = deny(*context)) return *denied;
    return to_status(guarded([&] { return backend_.show_services(*request, reply); }));
  }

  grpc::Status InjectMetrics(grpc::ServerContext* context, const pb::InjectMetricsRequest* request,
                             pb::InjectMetricsReply* reply) override {
    if (auto denied = deny(*context)) return *denied;
    if (auto bad = names_of(*request)) return *bad;
    return to_status(guarded([&] { return backend_.inject_metrics(*request, reply); }));
  }

  grpc::Status ClearNeighbor(grpc::ServerContext* context, const pb::ClearNeighborRequest* request,
                             pb::ClearNeighborReply* reply) override {
    if (auto denied = deny(*context)) return *denied;
    if (auto bad = too_long({{"address", &request->address()}})) return *bad;
    return to_status(guarded([&] { return backend_.clear_neighbor(*request, reply); }));
  }

  grpc::Status WatchRib(grpc::ServerContext* context, const pb::WatchRibRequest* request,
                        grpc::ServerWriter<pb::RibChange>* writer) override {
    if (auto denied = deny(*context)) return *denied;
    if (auto bad = too_long({{"prefix", &request->prefix()}, {"family", &request->family()}})) return *bad;
    return stream<pb::RibChange>(context, writer, [&](RibSink sink, std::unique_ptr<Subscription>* sub) {
      return backend_.watch_rib(*request, std::move(sink), sub);
    });
  }

  grpc::Status WatchServices(grpc::ServerContext* context, const pb::WatchServicesRequest* request,
                             grpc::ServerWriter<pb::ServiceChange>* writer) override {
    if (auto denied = deny(*context)) return *denied;
    if (auto bad = too_long({{"prefix", &request->prefix()}})) return *bad;
    return stream<pb::ServiceChange>(context, writer, [&](ServiceSink sink, std::unique_ptr<Subscription>* sub) {
      return backend_.watch_services(*request, std::move(sink), sub);
    });
  }

  grpc::Status Resolve(grpc::ServerContext* context, const pb::ResolveRequest* request,
                       pb::ResolveReply* reply) override {
    if (auto denied = deny(*context)) return *denied;
    return to_status(guarded([&] { return backend_.resolve(*request, reply); }));
  }

  grpc::Status ShowFib(grpc::ServerContext* context, const pb::ShowFibRequest* request,
                       pb::ShowFibReply* reply) override {
    if (auto denied = deny(*context)) return *denied;
    return to_status(guarded([&] { return backend_.show_fib(*request, reply); }));
  }

  grpc::Status PushMetrics(grpc::ServerContext* context, grpc::ServerReader<pb::MetricReport>* reader,
                           pb::PushMetricsReply* reply) override {
    if (auto denied = deny(*context)) return *denied;
    pb::MetricReport report;
    std::uint32_t accepted = 0;
    std::uint32_t rejected = 0;
    while (reader->Read(&report)) {
      const pb::InjectMetricsRequest request = to_inject(report);
      pb::InjectMetricsReply ignored;
      if (auto bad = names_of(request)) {
        ++rejected;
        reply->set_last_error(bad->error_message());
        continue;
      }
      if (auto error = guarded([&] { return backend_.inject_metrics(request, &ignored); })) {
        ++rejected;
        reply->set_last_error(report.service() + ": " + error->message);
      } else {
        ++accepted;
      }
    }
    reply->set_accepted(accepted);
    reply->set_rejected(rejected);
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    return grpc::Status::OK;
  }

 private:
  static std::optional<grpc::Status> names_of(const pb::InjectMetricsRequest& request) {
    if (auto bad = too_long({{"service", &request.service()}})) return bad;
    for (const auto& i : request.instances())
      if (auto bad = too_long({{"instance id", &i.id()}})) return bad;
    return std::nullopt;
  }

  // One watch stream: a bounded queue filled by the backend's sink, drained
  // to the client on this gRPC thread until it goes, overflows or the server stops.
  template <class Change, class Subscribe>
  grpc::Status stream(grpc::ServerContext* context, grpc::ServerWriter<Change>* writer, Subscribe subscribe) {
    // Shared with the sink: the backend may still call it after this stream ended.
    auto queue = std::make_shared<ChangeQueue<Change>>(options_.watch_queue_limit);
    const std::string client = client_of(*context);
    {
      std::lock_guard lock(mu_);
      if (stopping_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "catsd API is stopping");
      if (watches_.size() >= options_.max_watches)
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            "too many watch streams (" + std::to_string(options_.max_watches) + " open)");
      if (per_client_[client] >= options_.max_watches_per_client)
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too many watch streams from " + client + " (" +
                                                                      std::to_string(options_.max_watches_per_client) +
                                                                      " open)");
      watches_.insert(queue);
      ++per_client_[client];
    }
    struct Unregister {
      Service* self;
      std::shared_ptr<ChangeQueue<Change>> queue;
      std::string client;
      ~Unregister() {
        queue->close();  // a sink the backend still holds now drops changes instead of queueing them
        std::lock_guard lock(self->mu_);
        self->watches_.erase(queue);
        if (--self->per_client_[client] == 0) self->per_client_.erase(client);
      }
    } unregister{this, queue, client};

    std::unique_ptr<Subscription> subscription;
    auto sink = [queue](std::shared_ptr<const Change> change) { queue->push(std::move(change)); };
    if (auto error = guarded([&] { return subscribe(std::move(sink), &subscription); })) return to_status(error);
    if (!subscription) return grpc::Status(grpc::StatusCode::INTERNAL, "backend returned no subscription");

    // Headers now, marked, so a client knows the watch is registered before the first change.
    context->AddInitialMetadata("catsd-watch", "subscribed");
    writer->SendInitialMetadata();
    grpc::Status status;
    for (;;) {
      if (context->IsCancelled()) {
        status = grpc::Status::CANCELLED;
        break;
      }
      std::shared_ptr<const Change> change;
      const auto popped = queue->pop(&change, options_.watch_poll);
      if (popped == ChangeQueue<Change>::Pop::timeout) continue;
      if (popped == ChangeQueue<Change>::Pop::closed) {
        status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "catsd API is stopping");
        break;
      }
      if (popped == ChangeQueue<Change>::Pop::overflow) {
        status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "client too slow: watch queue overflowed");
        break;
      }
      if (!writer->Write(*change)) {  // client went away
        status = grpc::Status::CANCELLED;
        break;
      }
    }
    subscription.reset();  // unsubscribe before the status goes out
    return status;
  }

  ApiBackend& backend_;
  const ApiServerOptions options_;
  std::mutex mu_;
  bool stopping_ = false;
  std::set<std::shared_ptr<QueueBase>> watches_;   // open watch streams, of either kind
  std::map<std::string, std::size_t> per_client_;  // open watch streams by client_of()
};

ApiServer::ApiServer(ApiBackend& backend, std::string listen, ApiServerOptions options)
    : backend_(backend), listen_(std::move(listen)), options_(std::move(options)) {}

ApiServer::~ApiServer() {
  stop();
}

std::optional<std::string> check_exposure(const std::string& listen, const ApiSecurity& security) {
  if (security.tls_cert_pem.empty() != security.tls_key_pem.empty())
    return "TLS needs both a certificate and its key (--api-tls-cert, --api-tls-key)";
  if (!security.client_ca_pem.empty() && security.tls_cert_pem.empty())
    return "client certificates (--api-client-ca) need TLS (--api-tls-cert, --api-tls-key)";
  if (is_unix(listen)) {
    if (!security.tls_cert_pem.empty()) return "TLS is for a TCP API, not " + listen;
    return std::nullopt;
  }
  if (security.tls_cert_pem.empty() && !security.allow_insecure_remote && !is_loopback(host_of(listen)))
    return "refusing the API on " + listen +
           " without TLS: anyone who reaches it could change routing (give --api-tls-cert and --api-tls-key, "
           "or --api-insecure to accept the risk)";
  return std::nullopt;
}

std::optional<std::string> ApiServer::start() {
  std::lock_guard lock(mu_);
  if (server_) return "already started";
  if (auto refused = check_exposure(listen_, options_.security)) return refused;
  const std::string socket_path = is_unix(listen_) ? listen_.substr(5) : std::string();
  if (!socket_path.empty())
    if (auto err = prepare_socket_dir(socket_path)) return "cannot listen on " + listen_ + ": " + *err;
  auto service = std::make_unique<Service>(backend_, options_);
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second daemon would silently share the port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  grpc::ResourceQuota quota("catsd-api");
  quota.SetMaxThreads(options_.max_threads);
  builder.SetResourceQuota(quota);
  builder.SetMaxReceiveMessageSize(options_.max_request_octets);
  int port = 0;
  builder.AddListeningPort(listen_, credentials(options_.security), &port);
  builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || (!is_unix(listen_) && port == 0)) {
    if (server) server->Shutdown();
    return bind_error(listen_);
  }
  // gRPC creates the socket with the process's umask; narrow it to the owner
  // and group before anyone can rely on it (its directory is 0750 already).
  if (!socket_path.empty() && chmod(socket_path.c_str(), options_.security.socket_mode) != 0) {
    const std::string reason = std::strerror(errno);
    server->Shutdown();
    return "cannot set the mode of " + socket_path + ": " + reason;
  }
  service_ = std::move(service);
  server_ = std::move(server);
  bound_port_ = is_unix(listen_) ? 0 : port;
  return std::nullopt;
}

void ApiServer::stop() {
  std::lock_guard lock(mu_);
  if (!server_) return;
  service_->begin_stop();
  server_->Shutdown(std::chrono::system_clock::now() + options_.stop_grace);
  server_->Wait();
  server_.reset();
  service_.reset();
  bound_port_ = 0;
}

}  // namespace cats::api
