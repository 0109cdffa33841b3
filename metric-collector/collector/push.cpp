#include "metric-collector/collector/push.hpp"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "proto/catsd.grpc.pb.h"

namespace cats::collector {

namespace api = cats::api::v1;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kLiveness{250};

api::MetricReport to_report(const std::string& service, const score::Advertisement& ad) {
  api::MetricReport r;
  r.set_service(service);
  r.set_reason(ad.why);
  if (ad.withdraw) {
    r.set_withdraw(true);
    return r;
  }
  r.set_withdraw(false);
  r.set_l2(ad.l2);
  r.set_drain(ad.drain);
  for (auto c : score::kCategories) {
    if (const auto& v = ad.l1[score::index(c)]) {
      auto* l1 = r.add_l1();
      l1->set_category(score::category_name(c));
      l1->set_score(*v);
    }
  }
  // Only a per-instance advertisement is a complete list; otherwise leave the remote's alone.
  r.set_replace_instances(!ad.instances.empty());
  for (const auto& i : ad.instances) {
    auto* inst = r.add_instances();
    inst->set_id(i.instance);
    inst->set_l2(i.drained ? 0 : i.l2);
  }
  return r;
}

}  // namespace

struct Pusher::State {
  std::string address;
  milliseconds max_backoff;
  PushSecurity security;
  // Reports are repeated this often while nothing changes, so that the edge
  // can tell a quiet collector from a dead one (freshness/stale-after).
  milliseconds refresh{10'000};
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<api::MetricReport> queue;
  std::map<std::string, api::MetricReport> latest;  // re-sent after a reconnect
  bool stopping = false;
  bool writing = false;
  bool done = false;          // run() returned
  bool reconnecting = false;  // a stream broke: the next write logs that reports flow again
  std::chrono::steady_clock::time_point last_write{};
  grpc::ClientContext* ctx = nullptr;  // of the open stream, for cancel on stop
  PushCounters counters;
  std::thread thread;

  void run();
  bool wait_for_reports(milliseconds& backoff, bool first);
  void stream(api::Catsd::Stub& stub, grpc::Channel& channel, milliseconds& backoff);
  bool write_queue(grpc::ClientWriter<api::MetricReport>& writer, grpc::Channel& channel, milliseconds& backoff);
  void finished(const grpc::Status& status, const api::PushMetricsReply& reply);
  void fail(const std::string& what);
};

void Pusher::State::fail(const std::string& what) {
  std::lock_guard lock{mu};
  ++counters.failures;
  counters.last_error = what;
  reconnecting = true;
}

void Pusher::State::run() {
  // The channel's own reconnect back-off (1 s growing to 120 s by default)
  // would keep failing fast long after catsd is back: cap it at ours.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(max_backoff.count()));
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (!security.ca_pem.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = security.ca_pem;
    ssl.pem_cert_chain = security.cert_pem;
    ssl.pem_private_key = security.key_pem;
    creds = grpc::SslCredentials(ssl);
  }
  auto channel = grpc::CreateCustomChannel(address, creds, args);
  auto stub = api::Catsd::NewStub(channel);
  milliseconds backoff{250};
  for (bool first = true; wait_for_reports(backoff, first); first = false) {
    stream(*stub, *channel, backoff);
    std::lock_guard lock{mu};
    if (stopping) return;
  }
}

// Until there is something to send; false when stopping. After a broken
// stream (not `first`): wait, then start over from the latest state of
// every service.
bool Pusher::State::wait_for_reports(milliseconds& backoff, bool first) {
  std::unique_lock lock{mu};
  if (stopping) return false;
  if (!first) {
    cv.wait_for(lock, backoff, [&] { return stopping; });
    if (stopping) return false;
    backoff = std::min(backoff * 2, max_backoff);
    queue.clear();
    for (const auto& [name, r] : latest) queue.push_back(r);
  }
  // Open a stream only when there is something to say.
  cv.wait(lock, [&] { return stopping || !queue.empty(); });
  return !stopping;
}

// One client stream: the queue written until it breaks or we stop.
void Pusher::State::stream(api::Catsd::Stub& stub, grpc::Channel& channel, milliseconds& backoff) {
  grpc::ClientContext ctx;
  ctx.set_wait_for_ready(false);
  if (!security.token.empty()) ctx.AddMetadata("authorization", "Bearer " + security.token);
  api::PushMetricsReply reply;
  auto writer = stub.PushMetrics(&ctx, &reply);
  {
    std::lock_guard lock{mu};
    ++counters.streams;
    this->ctx = &ctx;
  }
  if (write_queue(*writer, channel, backoff)) {
    ctx.TryCancel();  // Finish must not wait on a stream we gave up
  } else {
    writer->WritesDone();
  }
  const grpc::Status status = writer->Finish();
  finished(status, reply);
}

// Writes reports as they are queued; true when the stream broke, false
// when stopping with nothing left.
bool Pusher::State::write_queue(grpc::ClientWriter<api::MetricReport>& writer, grpc::Channel& channel,
                                milliseconds& backoff) {
  while (true) {
    api::MetricReport r;
    {
      std::unique_lock lock{mu};
      writing = false;
      cv.notify_all();
      // A client stream hears nothing from catsd until it ends, and writes
      // into a dead connection may still succeed: watch the channel while
      // idle, so a restarted catsd gets our state without waiting for a change.
      while (!cv.wait_for(lock, kLiveness, [&] { return stopping || !queue.empty(); })) {
        if (channel.GetState(false) != GRPC_CHANNEL_READY) break;
        if (std::chrono::steady_clock::now() - last_write >= refresh) {
          for (const auto& [name, latest_report] : latest) queue.push_back(latest_report);
          break;
        }
      }
      if (!stopping && queue.empty()) {
        ++counters.failures;
        counters.last_error = "connection lost";
        if (!std::exchange(reconnecting, true)) spdlog::warn("push to {}: connection lost, reconnecting", address);
        return true;
      }
      if (queue.empty()) return false;  // stopping with nothing left
      r = std::move(queue.front());
      queue.pop_front();
      writing = true;
    }
    if (!writer.Write(r)) {
      std::lock_guard lock{mu};
      writing = false;
      cv.notify_all();
      return true;
    }
    std::lock_guard lock{mu};
    ++counters.written;
    last_write = std::chrono::steady_clock::now();
    if (std::exchange(reconnecting, false)) spdlog::info("push to {}: connected, reports flowing", address);
    backoff = milliseconds{250};
  }
}

void Pusher::State::finished(const grpc::Status& status, const api::PushMetricsReply& reply) {
  {
    std::lock_guard lock{mu};
    this->ctx = nullptr;
    counters.accepted += reply.accepted();
    counters.rejected += reply.rejected();
    if (!reply.last_error().empty()) counters.last_error = reply.last_error();
  }
  if (!status.ok()) {
    spdlog::warn("push to {}: {} ({})", address, status.error_message(), static_cast<int>(status.error_code()));
    fail(status.error_message());
  } else if (reply.rejected() > 0) {
    spdlog::warn("push to {}: {} report(s) rejected: {}", address, reply.rejected(), reply.last_error());
  }
}

Pusher::Pusher(std::string address, milliseconds max_backoff, milliseconds refresh, PushSecurity security)
    : st_(std::make_unique<State>()) {
  st_->address = std::move(address);
  st_->security = std::move(security);
  st_->max_backoff = max_backoff;
  st_->refresh = refresh;
  st_->thread = std::thread([s = st_.get()] {
    s->run();
    std::lock_guard lock{s->mu};
    s->done = true;
    s->cv.notify_all();
  });
}

Pusher::~Pusher() {
  {
    std::unique_lock lock{st_->mu};
    st_->stopping = true;
    st_->cv.notify_all();
    // A stream blocked in Write or waiting for the reply: a second, then cancel.
    if (!st_->cv.wait_for(lock, std::chrono::seconds{1}, [&] { return st_->done; }) && st_->ctx) st_->ctx->TryCancel();
  }
  st_->thread.join();
}

void Pusher::push(const std::string& service, const score::Advertisement& ad) {
  {
    std::lock_guard lock{st_->mu};
    api::MetricReport r = to_report(service, ad);
    st_->latest[service] = r;
    st_->queue.push_back(std::move(r));
    ++st_->counters.queued;
  }
  st_->cv.notify_all();
}

bool Pusher::flush(milliseconds timeout) {
  std::unique_lock lock{st_->mu};
  return st_->cv.wait_for(lock, timeout, [&] { return st_->queue.empty() && !st_->writing; });
}

PushCounters Pusher::counters() const {
  std::lock_guard lock{st_->mu};
  return st_->counters;
}

}  // namespace cats::collector
