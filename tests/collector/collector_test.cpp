// The collector library as catsd's edge role would embed it: the pipeline's
// on_advertise hook on a caller's io_context, and the gRPC push client against
// an in-process Catsd server on loopback.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "metric-collector/collector/json.hpp"
#include "metric-collector/collector/pipeline.hpp"
#include "metric-collector/collector/push.hpp"
#include "proto/catsd.grpc.pb.h"
#include "yang/loader/load.hpp"

namespace cats::collector {
namespace {

using namespace std::chrono_literals;
namespace api = cats::api::v1;

config::Config load(const std::string& collector_json) {
  auto r = loader::load_config_text(R"({"cats-bgp:bgp": {"global": {"as": 65001, "router-id": "192.0.2.1",
      "role": ["edge"]}, "services": {"service": [{"name": "host", "prefix": ["203.0.113.10/32"], "profile": 1,
      "metrics": {"l2-score": 5}}]}, "damper": {"l1": true},
      "scoring": {"profile": [{"id": 1, "name": "host", "drain-at-zero": false,
        "input": [{"name": "cpu", "full": "0", "zero": "1"}]}]}, "collector": )" +
                                        collector_json + "}}",
                                    CATS_YANG_SOURCE);
  if (auto* e = std::get_if<config::ConfigErrors>(&r)) {
    ADD_FAILURE() << e->front().message();
    return {};
  }
  return std::get<config::Config>(r);
}

// The hook the edge role uses: one announcement once the procfs target has a CPU rate. drain-at-zero is
// off: on a machine busy with the rest of the tests the host's CPU is at 100%, its L2 0, and it would drain.
TEST(Pipeline, ProcfsTargetAnnouncesThroughTheHook) {
  boost::asio::io_context io;
  auto cfg = load(R"({"target": [{"name": "local", "engine": "procfs", "interval": 100, "service": "host",
                     "instance-id": "10.0.0.1"}]})");
  std::vector<std::pair<std::string, Advertisement>> seen;
  Pipeline::Options opts;
  opts.on_advertise = [&](const std::string& s, const Advertisement& ad) {
    seen.emplace_back(s, ad);
    io.stop();
  };
  auto created = Pipeline::create(io, cfg, std::move(opts));
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Pipeline>>(created));
  auto& p = *std::get<std::unique_ptr<Pipeline>>(created);
  boost::asio::steady_timer guard{io, 5s};
  guard.async_wait([&](auto) { io.stop(); });
  p.start();
  io.run();
  p.stop();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, "host");
  EXPECT_FALSE(seen[0].second.withdraw);
  EXPECT_EQ(seen[0].second.reason, score::Reason::kAnnounce);
  EXPECT_EQ(seen[0].second.sequence, 1u);
  EXPECT_TRUE(seen[0].second.l1[score::index(score::Category::kCompute)].has_value());

  const Snapshot snap = p.snapshot();
  ASSERT_EQ(snap.services.size(), 1u);
  ASSERT_EQ(snap.services[0].instances.size(), 1u);
  const auto& inst = snap.services[0].instances[0];
  EXPECT_EQ(inst.l0.instance, "10.0.0.1");
  ASSERT_TRUE(inst.l0.cpu.has_value());
  ASSERT_TRUE(inst.l0.memory.has_value());
  EXPECT_GE(*inst.l0.cpu, 0.0);
  EXPECT_LE(*inst.l0.memory, 1.0);
  const auto j = snapshot_json(snap);
  EXPECT_EQ(j["services"][0]["advertise"]["sequence"], 1);
  EXPECT_EQ(j["services"][0]["instances"][0]["l0"]["memory"]["unit"], "ratio");
}

TEST(Pipeline, UnknownEngineNamesThePath) {
  boost::asio::io_context io;
  auto cfg = load(R"({"target": [{"name": "a", "url": "http://127.0.0.1:9/metrics", "engine": "vlm",
                     "service": "host"}]})");
  auto created = Pipeline::create(io, cfg, {});
  ASSERT_TRUE(std::holds_alternative<config::ConfigErrors>(created));
  const auto& errors = std::get<config::ConfigErrors>(created);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/cats-bgp:bgp/collector/target[name='a']/engine");
  EXPECT_NE(errors[0].reason.find("unknown engine \"vlm\""), std::string::npos) << errors[0].reason;
  EXPECT_NE(errors[0].reason.find("vllm"), std::string::npos) << errors[0].reason;
}

TEST(Pipeline, BadProfilesFileIsAConfigError) {
  boost::asio::io_context io;
  auto cfg = load(R"({"engine-profiles": "/nonexistent/engines.json", "target": [{"name": "a",
                     "url": "http://127.0.0.1:9/metrics", "engine": "vllm", "service": "host"}]})");
  auto created = Pipeline::create(io, cfg, {});
  ASSERT_TRUE(std::holds_alternative<config::ConfigErrors>(created));
  EXPECT_EQ(std::get<config::ConfigErrors>(created).front().path, "/cats-bgp:bgp/collector/engine-profiles");
}

// Records every report of every stream.
class FakeCatsd final : public api::Catsd::Service {
 public:
  grpc::Status PushMetrics(grpc::ServerContext*, grpc::ServerReader<api::MetricReport>* reader,
                           api::PushMetricsReply* reply) override {
    api::MetricReport r;
    while (reader->Read(&r)) {
      std::lock_guard lock{mu_};
      reports_.push_back(r);
      reply->set_accepted(reply->accepted() + 1);
      cv_.notify_all();
    }
    return grpc::Status::OK;
  }
  std::vector<api::MetricReport> wait_for(std::size_t n) {
    std::unique_lock lock{mu_};
    cv_.wait_for(lock, 5s, [&] { return reports_.size() >= n; });
    return reports_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<api::MetricReport> reports_;
};

std::unique_ptr<grpc::Server> serve(FakeCatsd& svc, int& port) {
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(), &port);
  b.RegisterService(&svc);
  return b.BuildAndStart();
}

Advertisement ad(std::uint8_t l2, std::uint32_t seq) {
  Advertisement a;
  a.l2 = l2;
  a.sequence = seq;
  a.l1[score::index(score::Category::kCompute)] = 4;
  a.instances = {{"10.0.0.1", 6, false}, {"10.0.0.2", 0, true}};
  return a;
}

TEST(Push, StreamsEveryAdvertisement) {
  FakeCatsd svc;
  int port = 0;
  auto server = serve(svc, port);
  ASSERT_GT(port, 0);
  {
    Pusher pusher{"127.0.0.1:" + std::to_string(port)};
    pusher.push("chat", ad(7, 1));
    Advertisement w;
    w.withdraw = true;
    pusher.push("gone", w);
    EXPECT_TRUE(pusher.flush(5s));
    EXPECT_EQ(pusher.counters().written, 2u);
  }
  const auto reports = svc.wait_for(2);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].service(), "chat");
  EXPECT_EQ(reports[0].l2(), 7u);
  EXPECT_FALSE(reports[0].withdraw());
  ASSERT_EQ(reports[0].l1_size(), 1);
  EXPECT_EQ(reports[0].l1(0).category(), "compute");
  EXPECT_EQ(reports[0].l1(0).score(), 4u);
  ASSERT_EQ(reports[0].instances_size(), 2);
  EXPECT_TRUE(reports[0].replace_instances());
  EXPECT_EQ(reports[0].instances(1).id(), "10.0.0.2");
  EXPECT_EQ(reports[0].instances(1).l2(), 0u);  // drained
  EXPECT_EQ(reports[1].service(), "gone");
  EXPECT_TRUE(reports[1].withdraw());
  EXPECT_FALSE(reports[1].has_l2());
  server->Shutdown();
}

// catsd restarts: the collector reconnects and re-sends the latest state per service.
TEST(Push, ReconnectsAndResendsLatest) {
  int port = 0;
  auto first = std::make_unique<FakeCatsd>();
  auto server = serve(*first, port);
  Pusher pusher{"127.0.0.1:" + std::to_string(port), 200ms};
  pusher.push("chat", ad(7, 1));
  ASSERT_EQ(first->wait_for(1).size(), 1u);
  server->Shutdown(std::chrono::system_clock::now() + 100ms);
  server->Wait();
  pusher.push("chat", ad(5, 2));  // fails: nobody listens
  pusher.push("chat", ad(4, 3));
  std::this_thread::sleep_for(300ms);
  FakeCatsd second;
  int same = port;
  auto again = serve(second, same);
  ASSERT_EQ(same, port);
  const auto reports = second.wait_for(1);
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().l2(), 4u);  // the latest, not a replay of history
  EXPECT_GE(pusher.counters().failures, 1u);
  EXPECT_GE(pusher.counters().streams, 2u);
  again->Shutdown(std::chrono::system_clock::now() + 100ms);
}

}  // namespace
}  // namespace cats::collector
