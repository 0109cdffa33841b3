// ApiServer over a fake backend, called through a real gRPC channel on loopback.
#include "catsd/api/api_server.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "proto/catsd.grpc.pb.h"
#include "tests/api/fake_backend.hpp"

namespace cats::api {
namespace {

using namespace std::chrono_literals;

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 2s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

pb::RibChange change(int i) {
  pb::RibChange c;
  c.set_kind("best-changed");
  c.set_prefix("203.0.113." + std::to_string(i % 256) + "/32");
  c.set_family("ipv4-unicast");
  c.set_timestamp_ms(static_cast<std::uint64_t>(i));
  return c;
}

class ApiServerTest : public ::testing::Test {
 protected:
  void start(const ApiServerOptions& options = {}) {
    server_ = std::make_unique<ApiServer>(backend_, "127.0.0.1:0", options);
    ASSERT_EQ(server_->start(), std::nullopt);
    ASSERT_GT(server_->bound_port(), 0);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->bound_port()), grpc::InsecureChannelCredentials());
    stub_ = pb::Catsd::NewStub(channel_);
  }

  static void deadline(grpc::ClientContext& ctx, std::chrono::seconds s = 5s) {
    ctx.set_deadline(std::chrono::system_clock::now() + s);
  }

  // A WatchRib stream, returned once the server has subscribed it (it sends
  // the initial metadata then).
  std::unique_ptr<grpc::ClientReader<pb::RibChange>> subscribed_watch(grpc::ClientContext& ctx,
                                                                      std::chrono::seconds s) {
    deadline(ctx, s);
    auto reader = stub_->WatchRib(&ctx, {});
    reader->WaitForInitialMetadata();
    return reader;
  }

  FakeBackend backend_;
  std::unique_ptr<ApiServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::Catsd::Stub> stub_;
};

TEST_F(ApiServerTest, UnaryCallsReachTheBackend) {
  start();
  {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::ShowNeighborsReply reply;
    ASSERT_TRUE(stub_->ShowNeighbors(&ctx, {}, &reply).ok());
    ASSERT_EQ(reply.neighbors_size(), 2);
    EXPECT_EQ(reply.neighbors(0).address(), "192.0.2.1");
    EXPECT_FALSE(reply.neighbors(1).has_last_error());
    EXPECT_EQ(reply.neighbors(0).families(0).prefixes_received(), 3u);
    EXPECT_TRUE(reply.neighbors(0).has_last_error());
  }
  {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::ShowRibReply reply;
    ASSERT_TRUE(stub_->ShowRib(&ctx, {}, &reply).ok());
    ASSERT_EQ(reply.entries_size(), 1);
    ASSERT_EQ(reply.entries(0).paths_size(), 2);
    const pb::RibPath& path = reply.entries(0).paths(0);
    EXPECT_TRUE(path.has_med());  // proto3 optional keeps presence across the wire
    EXPECT_FALSE(path.has_local_pref());
    EXPECT_TRUE(path.has_cats());
    EXPECT_EQ(path.cats().l2(), 7u);
  }
  {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::ShowServicesReply reply;
    ASSERT_TRUE(stub_->ShowServices(&ctx, {}, &reply).ok());
    EXPECT_EQ(reply.originated(0).name(), "llm");
  }
  {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::InjectMetricsRequest request;
    request.set_service("llm");
    request.set_l2(42);
    pb::InjectMetricsReply reply;
    ASSERT_TRUE(stub_->InjectMetrics(&ctx, request, &reply).ok());
    EXPECT_EQ(reply.sequence(), 1u);
  }
  {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::ClearNeighborRequest request;
    request.set_address("all");
    request.set_mode(pb::ClearNeighborRequest::SOFT_IN);
    pb::ClearNeighborReply reply;
    ASSERT_TRUE(stub_->ClearNeighbor(&ctx, request, &reply).ok());
    EXPECT_EQ(reply.cleared(), 3u);
  }
}

TEST_F(ApiServerTest, BackendErrorsMapToStatusCodes) {
  start();
  auto neighbors = [&](const std::string& address) {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::ShowNeighborsRequest request;
    request.set_address(address);
    pb::ShowNeighborsReply reply;
    return stub_->ShowNeighbors(&ctx, request, &reply);
  };
  auto services = [&](const std::string& name) {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::ShowServicesRequest request;
    request.set_service(name);
    pb::ShowServicesReply reply;
    return stub_->ShowServices(&ctx, request, &reply);
  };
  grpc::Status s = neighbors("192.0.2.99");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "no neighbor 192.0.2.99");
  EXPECT_EQ(neighbors("bad").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(neighbors("busy").error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(services("edge-only").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  s = services("throw");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(s.error_message(), "backend blew up");

  grpc::ClientContext ctx;
  deadline(ctx);
  pb::ClearNeighborRequest request;
  request.set_address("198.51.100.1");
  pb::ClearNeighborReply reply;
  EXPECT_EQ(stub_->ClearNeighbor(&ctx, request, &reply).error_code(), grpc::StatusCode::NOT_FOUND);

  grpc::ClientContext ctx2;
  deadline(ctx2);
  pb::ShowRibRequest rib;
  rib.set_family("bogus");
  pb::ShowRibReply rib_reply;
  EXPECT_EQ(stub_->ShowRib(&ctx2, rib, &rib_reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ApiServerTest, WatchDeliversInOrderAndCancelUnsubscribes) {
  start();
  grpc::ClientContext ctx;
  auto reader = subscribed_watch(ctx, 10s);
  ASSERT_EQ(backend_.subscriptions(), 1u);

  constexpr int kChanges = 500;
  std::thread daemon([&] {
    for (int i = 0; i < kChanges; ++i) backend_.emit(change(i));
  });
  pb::RibChange got;
  for (int i = 0; i < kChanges; ++i) {
    ASSERT_TRUE(reader->Read(&got)) << i;
    EXPECT_EQ(got.timestamp_ms(), static_cast<std::uint64_t>(i));
  }
  daemon.join();

  ctx.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(eventually([&] { return backend_.subscriptions() == 0; }));
  EXPECT_EQ(backend_.unsubscribed(), 1);
  backend_.emit(change(0));  // nobody listens: harmless
}

TEST_F(ApiServerTest, WatchRejectedByBackend) {
  start();
  grpc::ClientContext ctx;
  deadline(ctx);
  pb::WatchRibRequest request;
  request.set_family("bogus");
  auto reader = stub_->WatchRib(&ctx, request);
  pb::RibChange got;
  EXPECT_FALSE(reader->Read(&got));
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "unknown family 'bogus'");
  EXPECT_EQ(backend_.subscriptions(), 0u);
}

TEST_F(ApiServerTest, WatchOverflowEndsWithResourceExhausted) {
  ApiServerOptions options;
  options.watch_queue_limit = 8;
  start(options);
  grpc::ClientContext ctx;
  auto reader = subscribed_watch(ctx, 10s);
  ASSERT_EQ(backend_.subscriptions(), 1u);

  // A burst far faster than one stream drains, with the client not reading.
  for (int i = 0; i < 50'000; ++i) backend_.emit(change(i));

  pb::RibChange got;
  int read = 0;
  std::uint64_t last = 0;
  while (reader->Read(&got)) {
    if (read > 0) {
      EXPECT_GT(got.timestamp_ms(), last);  // what arrives is in order, with a gap at the end
    }
    last = got.timestamp_ms();
    ++read;
  }
  const grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("client too slow"), std::string::npos);
  EXPECT_LT(read, 50'000);
  EXPECT_TRUE(eventually([&] { return backend_.subscriptions() == 0; }));
}

// 63 idle watch streams used to take every thread of the pool, and every
// other call failed. Streams are limited per client and in all; unary calls
// still answer with the streams open.
TEST_F(ApiServerTest, WatchStreamsAreLimitedAndCallsStillAnswer) {
  for (const bool per_client : {true, false}) {
    ApiServerOptions options;
    options.max_watches = per_client ? 32 : 5;
    options.max_watches_per_client = per_client ? 8 : 100;
    start(options);
    const std::size_t allowed = per_client ? 8 : 5;
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<std::unique_ptr<grpc::ClientReader<pb::RibChange>>> readers;
    for (std::size_t i = 0; i < allowed; ++i) {
      contexts.push_back(std::make_unique<grpc::ClientContext>());
      readers.push_back(subscribed_watch(*contexts.back(), 20s));
    }
    ASSERT_TRUE(eventually([&] { return backend_.subscriptions() == allowed; }));
    for (int extra = 0; extra < 60; ++extra) {
      grpc::ClientContext ctx;
      deadline(ctx);
      auto reader = stub_->WatchRib(&ctx, {});
      pb::RibChange got;
      EXPECT_FALSE(reader->Read(&got));
      const grpc::Status s = reader->Finish();
      ASSERT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << extra;
      EXPECT_NE(s.error_message().find(per_client ? "from ipv4:127.0.0.1" : "too many watch streams"),
                std::string::npos)
          << s.error_message();
    }
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::ShowNeighborsReply reply;
    EXPECT_TRUE(stub_->ShowNeighbors(&ctx, {}, &reply).ok()) << "a unary call answers with the streams open";
    for (auto& c : contexts) c->TryCancel();
    for (auto& r : readers) r->Finish();
    EXPECT_TRUE(eventually([&] { return backend_.subscriptions() == 0; }));
    server_->stop();
  }
}

// A name read in full once cost megabytes: names are bounded, and so is the
// request, which gRPC refuses before reading it.
TEST_F(ApiServerTest, LongNamesAndLargeRequestsAreRefused) {
  start();
  for (const std::size_t n : {std::size_t{256}, std::size_t{4} << 20}) {
    grpc::ClientContext ctx;
    deadline(ctx);
    pb::InjectMetricsRequest request;
    request.set_service(std::string(n, 's'));
    pb::InjectMetricsReply reply;
    const grpc::Status s = stub_->InjectMetrics(&ctx, request, &reply);
    EXPECT_EQ(s.error_code(), n == 256 ? grpc::StatusCode::INVALID_ARGUMENT : grpc::StatusCode::RESOURCE_EXHAUSTED)
        << s.error_message();
  }
  grpc::ClientContext ctx;
  deadline(ctx);
  pb::InjectMetricsRequest request;
  request.set_service("llm");
  request.add_instances()->set_id(std::string(300, '1'));
  pb::InjectMetricsReply reply;
  const grpc::Status s = stub_->InjectMetrics(&ctx, request, &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "instance id longer than 255 octets");
  EXPECT_TRUE(backend_.injected().empty());
}

TEST_F(ApiServerTest, PushMetricsCountsAcceptedAndRejected) {
  start();
  grpc::ClientContext ctx;
  deadline(ctx);
  pb::PushMetricsReply reply;
  auto writer = stub_->PushMetrics(&ctx, &reply);
  auto report = [](const std::string& service, std::optional<std::uint32_t> l2) {
    pb::MetricReport r;
    r.set_service(service);
    if (l2) r.set_l2(*l2);
    return r;
  };
  pb::MetricReport full = report("llm", 10);
  full.set_drain(false);
  pb::L1Score* l1 = full.add_l1();
  l1->set_category("compute");
  l1->set_score(12);
  pb::CatsInstance* inst = full.add_instances();
  inst->set_id("gpu0");
  inst->set_l2(5);
  full.set_replace_instances(true);
  ASSERT_TRUE(writer->Write(full));
  ASSERT_TRUE(writer->Write(report("llm", 200)));           // rejected: out of range
  ASSERT_TRUE(writer->Write(report("llm", std::nullopt)));  // absent l2 stays absent
  ASSERT_TRUE(writer->Write(report("", 1)));                // rejected: no service
  ASSERT_TRUE(writer->Write(report("vision", 0)));
  ASSERT_TRUE(writer->WritesDone());
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(reply.accepted(), 3u);
  EXPECT_EQ(reply.rejected(), 2u);
  EXPECT_EQ(reply.last_error(), ": service name missing");  // the rejected report had no service name

  const auto injected = backend_.injected();
  ASSERT_EQ(injected.size(), 3u);
  EXPECT_EQ(injected[0].service(), "llm");
  EXPECT_EQ(injected[0].l2(), 10u);
  ASSERT_TRUE(injected[0].has_drain());
  EXPECT_FALSE(injected[0].drain());
  EXPECT_FALSE(injected[0].has_withdraw());
  EXPECT_EQ(injected[0].l1(0).category(), "compute");
  EXPECT_EQ(injected[0].instances(0).id(), "gpu0");
  EXPECT_TRUE(injected[0].instances(0).has_l2());
  EXPECT_TRUE(injected[0].replace_instances());
  EXPECT_FALSE(injected[1].has_l2());
  EXPECT_TRUE(injected[2].has_l2());
  EXPECT_EQ(injected[2].l2(), 0u);
}

TEST_F(ApiServerTest, StopWithOpenStreamsIsBounded) {
  ApiServerOptions options;
  options.stop_grace = 500ms;
  start(options);
  grpc::ClientContext watch_ctx;
  auto watch = subscribed_watch(watch_ctx, 30s);
  ASSERT_EQ(backend_.subscriptions(), 1u);

  grpc::ClientContext push_ctx;  // a collector that keeps its stream open
  deadline(push_ctx, 30s);
  pb::PushMetricsReply push_reply;
  auto push = stub_->PushMetrics(&push_ctx, &push_reply);
  pb::MetricReport r;
  r.set_service("llm");
  ASSERT_TRUE(push->Write(r));
  ASSERT_TRUE(eventually([&] { return backend_.injected().size() == 1; }));

  const auto begin = std::chrono::steady_clock::now();
  server_->stop();
  const auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_LT(took, 2s);

  pb::RibChange got;
  int read = 0;
  while (watch->Read(&got)) ++read;  // the pushed report's change, if written before stop
  EXPECT_LE(read, 1);
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(backend_.subscriptions(), 0u);
  EXPECT_FALSE(push->Finish().ok());
  server_->stop();  // idempotent
}

TEST_F(ApiServerTest, PortInUseIsReported) {
  start();
  ApiServer second(backend_, "127.0.0.1:" + std::to_string(server_->bound_port()));
  const auto error = second.start();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("Address already in use"), std::string::npos) << *error;
  EXPECT_EQ(second.bound_port(), 0);

  ApiServer nonsense(backend_, "no-port-here");
  EXPECT_TRUE(nonsense.start().has_value());
}

TEST(ApiServerUnix, ServesOnUnixSocket) {
  FakeBackend backend;
  const std::string path = "/tmp/catsd-api-test-" + std::to_string(getpid()) + ".sock";
  ApiServer server(backend, "unix:" + path);
  ASSERT_EQ(server.start(), std::nullopt);
  EXPECT_EQ(server.bound_port(), 0);
  auto stub = pb::Catsd::NewStub(grpc::CreateChannel("unix:" + path, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 5s);
  pb::ShowNeighborsReply reply;
  EXPECT_TRUE(stub->ShowNeighbors(&ctx, {}, &reply).ok());
  EXPECT_EQ(reply.neighbors_size(), 2);
  server.stop();
  unlink(path.c_str());
}

TEST(ApiServerUnix, SocketModeAndDirectory) {
  FakeBackend backend;
  const std::string dir = "/tmp/catsd-api-dir-" + std::to_string(getpid());
  const std::string path = dir + "/api.sock";
  ApiServer server(backend, "unix:" + path);
  ASSERT_EQ(server.start(), std::nullopt);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  server.stop();
  unlink(path.c_str());
  rmdir(dir.c_str());
}

// Where an API may listen, and with what: one row per case.
TEST(ApiExposure, OnlyLoopbackOrUnixWithoutTls) {
  ApiSecurity none;
  ApiSecurity tls;
  tls.tls_cert_pem = "cert";
  tls.tls_key_pem = "key";
  ApiSecurity insecure;
  insecure.allow_insecure_remote = true;
  ApiSecurity half;
  half.tls_cert_pem = "cert";
  ApiSecurity ca_only;
  ca_only.client_ca_pem = "ca";
  const struct {
    const char* listen;
    const ApiSecurity& security;
    const char* refused;  // a part of the reason; nullptr: allowed
  } rows[] = {
      {"unix:/run/catsd/api.sock", none, nullptr},  {"127.0.0.1:50051", none, nullptr},
      {"127.1.2.3:50051", none, nullptr},           {"[::1]:50051", none, nullptr},
      {"localhost:50051", none, nullptr},           {"0.0.0.0:50051", none, "without TLS"},
      {"192.0.2.1:50051", none, "without TLS"},     {"[::]:50051", none, "without TLS"},
      {"[2001:db8::1]:50051", none, "without TLS"}, {"192.0.2.1:50051", tls, nullptr},
      {"0.0.0.0:50051", insecure, nullptr},         {"127.0.0.1:50051", half, "both a certificate and its key"},
      {"127.0.0.1:50051", ca_only, "need TLS"},     {"unix:/run/catsd/api.sock", tls, "not unix:"},
  };
  for (const auto& r : rows) {
    const auto got = check_exposure(r.listen, r.security);
    if (r.refused == nullptr) {
      EXPECT_EQ(got, std::nullopt) << r.listen << ": " << got.value_or("");
    } else {
      ASSERT_TRUE(got.has_value()) << r.listen;
      EXPECT_NE(got->find(r.refused), std::string::npos) << r.listen << ": " << *got;
    }
  }
}

TEST_F(ApiServerTest, TokenRequiredOnEveryKindOfCall) {
  ApiServerOptions options;
  options.security.token = "t0ken";
  start(options);
  const auto call = [this](const char* header) {
    grpc::ClientContext ctx;
    deadline(ctx);
    if (header != nullptr) ctx.AddMetadata("authorization", header);
    pb::ShowNeighborsReply reply;
    return stub_->ShowNeighbors(&ctx, {}, &reply).error_code();
  };
  EXPECT_EQ(call(nullptr), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call("Bearer t0keN"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call("Bearer t0ke"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call("Bearer t0ken2"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call("t0ken"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call("Bearer t0ken"), grpc::StatusCode::OK);
  // Streams too: a watch and a push end at once, and nothing reaches the backend.
  grpc::ClientContext wctx;
  deadline(wctx);
  auto reader = stub_->WatchRib(&wctx, {});
  pb::RibChange c;
  EXPECT_FALSE(reader->Read(&c));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext pctx;
  deadline(pctx);
  pb::PushMetricsReply preply;
  auto writer = stub_->PushMetrics(&pctx, &preply);
  pb::MetricReport report;
  report.set_service("s");
  writer->Write(report);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(preply.accepted(), 0u);
}

}  // namespace
}  // namespace cats::api
