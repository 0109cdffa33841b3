// What the NETCONF server asks of the daemon, through the same calls as
// catsctl (so both say the same thing): the operational state of cats-bgp
// (its config false nodes: neighbors' sessions, originated services, the
// CATS selection) as RFC 7951 JSON for <get>, and the model's RPCs
// (clear-neighbor, inject-metrics). Called on the NETCONF server's thread;
// the calls wait for the RIB thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "catsd/api/api_backend.hpp"
#include "catsd/netconf/server.hpp"
#include "catsd/rde/engine.hpp"
#include "metric-collector/collector/pipeline.hpp"

namespace cats {

// `collector`: the in-process collector's snapshot, if one runs (nullopt otherwise).
std::string netconf_state(api::ApiBackend& backend,
                          const std::function<std::optional<collector::Snapshot>()>& collector = {});

// Where the engine's notifications go: the server, until detach() (any
// thread; before the server goes).
class NotificationSink {
 public:
  explicit NotificationSink(netconf::Server* server) : server_(server) {}
  void send(std::string json);
  void detach();

 private:
  std::mutex mu_;
  netconf::Server* server_;
};

// Session and selection changes of `engine` as notifications (registered
// here, on the RIB thread's behalf: call before it runs).
void netconf_notifications(rde::Engine& engine, const std::shared_ptr<NotificationSink>& sink);

netconf::RpcResult netconf_rpc(api::ApiBackend& backend, const std::string& op, const netconf::Leaves& input);

}  // namespace cats
