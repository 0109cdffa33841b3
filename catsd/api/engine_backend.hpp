// ApiBackend (catsd/api) over the rde::Engine: each call is posted to the
// engine's executor and waited for, so the RIB stays single-threaded.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include "catsd/api/api_backend.hpp"
#include "catsd/rde/engine.hpp"

namespace cats::api {

namespace pb = ::cats::api::v1;

class EngineBackend : public api::ApiBackend {
 public:
  EngineBackend(boost::asio::any_io_executor ex, rde::Engine& engine) : ex_(std::move(ex)), engine_(engine) {}

  api::ApiResult show_neighbors(const pb::ShowNeighborsRequest& request, pb::ShowNeighborsReply* reply) override;
  api::ApiResult show_rib(const pb::ShowRibRequest& request, pb::ShowRibReply* reply) override;
  api::ApiResult show_services(const pb::ShowServicesRequest& request, pb::ShowServicesReply* reply) override;
  api::ApiResult inject_metrics(const pb::InjectMetricsRequest& request, pb::InjectMetricsReply* reply) override;
  api::ApiResult clear_neighbor(const pb::ClearNeighborRequest& request, pb::ClearNeighborReply* reply) override;
  api::ApiResult watch_rib(const pb::WatchRibRequest& request, api::RibSink sink,
                           std::unique_ptr<api::Subscription>* subscription) override;
  api::ApiResult watch_services(const pb::WatchServicesRequest& request, api::ServiceSink sink,
                                std::unique_ptr<api::Subscription>* subscription) override;
  api::ApiResult resolve(const pb::ResolveRequest& request, pb::ResolveReply* reply) override;
  api::ApiResult show_fib(const pb::ShowFibRequest& request, pb::ShowFibReply* reply) override;

 private:
  template <class Reply, class F>
  api::ApiResult run(Reply* reply, F work);

  boost::asio::any_io_executor ex_;
  rde::Engine& engine_;
};

}  // namespace cats::api
