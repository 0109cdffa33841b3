// The daemon side of the gRPC API: what ApiServer calls for each RPC.
//
// Calls arrive on gRPC threads, possibly several at once; an implementation
// hands them to the daemon's threads (post and wait) and fills the reply.
// No gRPC type appears here: errors are ApiError values that the server maps
// to status codes, so the daemon does not depend on grpc++.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "proto/catsd.pb.h"

namespace cats::api {

namespace pb = ::cats::api::v1;

struct ApiError {
  enum class Code {
    not_found,            // no such neighbor, prefix or service
    invalid_argument,     // malformed address, prefix, family, score out of range
    failed_precondition,  // valid but not now: e.g. inject on a daemon that originates nothing
    unavailable,          // daemon starting or stopping
    internal,
  };
  Code code;
  std::string message;
};

// Empty: success, the reply was filled.
using ApiResult = std::optional<ApiError>;

// A live WatchRib registration; destroying it unsubscribes. After the
// destructor returns the backend must not call the sink any more (the sink
// itself stays safe to call, so a change already in flight does no harm).
class Subscription {
 public:
  virtual ~Subscription() = default;
};

// Called on the daemon's thread with each change that matches the request.
// It only enqueues, never blocks; it may be called after the stream ended.
// A change is built once and shared by every stream it matches: many
// watchers cost the daemon's thread a pointer each, not a message each.
using RibSink = std::function<void(std::shared_ptr<const pb::RibChange>)>;
using ServiceSink = std::function<void(std::shared_ptr<const pb::ServiceChange>)>;

class ApiBackend {
 public:
  virtual ~ApiBackend() = default;

  virtual ApiResult show_neighbors(const pb::ShowNeighborsRequest& request, pb::ShowNeighborsReply* reply) = 0;
  virtual ApiResult show_rib(const pb::ShowRibRequest& request, pb::ShowRibReply* reply) = 0;
  virtual ApiResult show_services(const pb::ShowServicesRequest& request, pb::ShowServicesReply* reply) = 0;
  // Also called once per PushMetrics report (MetricReport is converted to this request).
  virtual ApiResult inject_metrics(const pb::InjectMetricsRequest& request, pb::InjectMetricsReply* reply) = 0;
  virtual ApiResult clear_neighbor(const pb::ClearNeighborRequest& request, pb::ClearNeighborReply* reply) = 0;
  // On success sets *subscription (non-null); the stream lives as long as it.
  virtual ApiResult watch_rib(const pb::WatchRibRequest& request, RibSink sink,
                              std::unique_ptr<Subscription>* subscription) = 0;
  // Steering (ingress). A backend without steering refuses them.
  // The sink is taken by value, as in watch_rib: an implementation keeps it
  // for the stream's life. This refusing default has no use for it.
  // NOLINTNEXTLINE(performance-unnecessary-value-param): a sink parameter of the interface, taken by value
  virtual ApiResult watch_services(const pb::WatchServicesRequest& /*request*/, ServiceSink /*sink*/,
                                   std::unique_ptr<Subscription>* /*subscription*/) {
    return ApiError{ApiError::Code::failed_precondition, "no steering here"};
  }
  virtual ApiResult resolve(const pb::ResolveRequest& /*request*/, pb::ResolveReply* /*reply*/) {
    return ApiError{ApiError::Code::failed_precondition, "no steering here"};
  }
  virtual ApiResult show_fib(const pb::ShowFibRequest& /*request*/, pb::ShowFibReply* /*reply*/) {
    return ApiError{ApiError::Code::failed_precondition, "no FIB here"};
  }
};

}  // namespace cats::api
