// The metric-collector in process: the edge role runs
// the same Pipeline as cats-collector, on catsd's event loop, and every
// advertisement its damper lets through becomes an inject into the engine,
// which re-advertises only that service's paths.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "catsd/rde/engine.hpp"
#include "metric-collector/score/damper.hpp"

namespace boost::asio {
class io_context;
}
namespace cats::collector {
class Pipeline;
}

namespace cats::rde {

// A damper advertisement as an engine update. Instances whose name is not a
// CSCI-ID (an IPv4/IPv6 address or a number) are left out of the attribute.
Engine::MetricsUpdate to_update(const score::Advertisement& ad);

// Starts the pipeline when the configuration has collector targets; nullptr
// and no error when it has none. Errors name configuration paths.
struct CollectorFeed {
  std::unique_ptr<collector::Pipeline> pipeline;
  std::optional<std::string> error;
};
CollectorFeed start_collector(boost::asio::io_context& io, Engine& engine);
// The same for `cfg` (a configuration about to replace the engine's), not
// started: a reload builds it before it changes anything.
CollectorFeed make_collector(boost::asio::io_context& io, Engine& engine, const config::Config& cfg);
void start_feed(CollectorFeed& feed, std::size_t targets);

}  // namespace cats::rde
