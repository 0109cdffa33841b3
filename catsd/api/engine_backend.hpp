// ApiBackend (catsd/api) over the rde::Engine: each call is posted to the
// engine's executor and waited for, so the RIB stays single-threaded.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

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
  void on_rib_change(const rde::RibChangeNote& note);
  void on_selection(const rde::SelectionNote& note);

  boost::asio::any_io_executor ex_;
  rde::Engine& engine_;
  // Watch streams, on the engine's thread: one engine watcher of each kind
  // while any stream is open, fanning out shared changes.
  struct RibSub {
    std::optional<wire::Prefix> prefix;
    std::string family;
    api::RibSink sink;
  };
  struct ServiceSub {
    std::optional<wire::Prefix> prefix;
    api::ServiceSink sink;
  };
  std::map<std::uint64_t, RibSub> rib_subs_;
  std::map<std::uint64_t, ServiceSub> service_subs_;
  std::uint64_t rib_watch_ = 0;
  std::uint64_t service_watch_ = 0;
  std::uint64_t next_sub_ = 1;
};

}  // namespace cats::api
