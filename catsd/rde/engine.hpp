// The route decision engine of catsd (OpenBGPD's rde, in process): owns the
// attribute store, every Adj-RIB-In, the Loc-RIB, every Adj-RIB-Out and the
// edge role's originated services, on its own executor (the RIB thread).
// Sessions reach it as SessionEvents, posted to that executor; it reaches
// them only through a SessionPort (session_port.hpp), so tests drive it
// without sockets. Each send carries the session generation it was computed
// for, so nothing computed for a session that has gone down reaches the next
// one. API threads post to the RIB thread too (catsd/api). Nothing here blocks.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "catsd/rde/neighbor.hpp"
#include "catsd/rde/origination.hpp"
#include "catsd/rde/reconfig_plan.hpp"
#include "catsd/rde/session_port.hpp"
#include "catsd/rde/update_group.hpp"
#include "catsd/telemetry/rib_monitor.hpp"
#include "rib-adapter/rib/loc_rib.hpp"
#include "rib-adapter/rib/nexthops.hpp"
#include "rib-adapter/steer/cats_rib.hpp"
#include "yang/config/config.hpp"

namespace cats::netlink {
class RouteMonitor;
class Fib;
}  // namespace cats::netlink

namespace cats::rde {

// A CATS selection that changed (state nullptr: the prefix has no choice to
// make any more), for watchers.
struct SelectionNote {
  rib::PrefixKey key;
  const steer::ServiceState* state = nullptr;
};

// One RIB change, for API watchers.
struct RibChangeNote {
  rib::RibEvent::Kind kind;
  rib::PrefixKey key;
  std::optional<rib::PathKey> best;
};

struct OriginatedService {
  const config::Service* svc = nullptr;
  ServiceState state;  // what is advertised
  // The last report (pushed, injected, from the collector) before a stale
  // override; the next report starts from it.
  config::Metrics reported;
  bool reported_withdrawn = false;
  std::optional<SteadyClock::time_point> pushed_at;  // last PushMetrics report
  bool stale = false;                                // pushed metrics expired: state drained or withdrawn
  std::optional<SteadyClock::time_point> waiting;    // startup-wait: nothing advertised until then
};

class Engine : public SessionEvents, public telemetry::RibSource {
 public:
  // `cfg` must be a validated configuration (loader::load_config). `ex` runs
  // the RIB; `port` reaches the sessions, which report back to this object.
  Engine(boost::asio::any_io_executor ex, config::Config cfg, SessionPort& port);
  ~Engine() override;

  // Neighbors (ids 1..n in configuration order, as the port numbers them),
  // their compiled policy, originated services. Error text when a neighbor's
  // policy does not compile.
  std::optional<std::string> start();
  // Where Metric Control sequence numbers come from (clock_sequence()); a
  // test sets a fixed clock before start() for byte-exact output.
  void set_sequence_clock(std::function<std::uint32_t()> clock) { sequence_clock_ = std::move(clock); }
  // Cease 6/2 with `text` to every session; `done` runs on the RIB thread
  // once every session is down or after `linger`.
  void shutdown(std::string_view text, std::chrono::milliseconds linger, std::function<void()> done);

  // SessionEvents (RIB thread).
  void session_up(rib::PeerId id, std::uint64_t gen, const session::Negotiated& s,
                  const session::ConnectionEnds& ends) override;
  void session_updates(rib::PeerId id, const UpdateBatch& batch) override;
  void session_down(rib::PeerId id, std::uint64_t gen, const session::SessionDown& why) override;
  void session_refresh(rib::PeerId id, std::uint64_t gen, const wire::RouteRefresh& rr) override;
  void session_writable(rib::PeerId id, std::uint64_t gen) override;

  // Live reconfiguration: `next` (validated, check_origination passed)
  // replaces the running configuration by applying only what differs
  // (reconfig_plan.hpp). With errors nothing has changed.
  struct Reconfigured {
    config::ConfigErrors errors;
    ReconfigPlan plan;
  };
  Reconfigured reconfigure(config::Config next);

  // Operations (the API's).
  struct InjectResult {
    std::optional<std::string> error;  // unknown service, bad score, ...
    std::uint32_t sequence = 0;
    std::uint32_t paths = 0;  // prefixes re-advertised
  };
  struct MetricsUpdate {
    std::optional<std::uint8_t> l2;
    config::L1Scores l1{};  // set entries replace
    std::optional<bool> drain;
    std::optional<std::vector<config::Instance>> instances;  // set: replaces all
    std::optional<bool> withdraw;
    bool pushed = false;  // from a remote collector (PushMetrics): subject to freshness/stale-after
    std::string why;      // the reporter's reason, for the log (withdraw, drain, no capacity)
  };
  InjectResult inject(const std::string& service, const MetricsUpdate& u);
  enum class ClearMode : std::uint8_t { kHard, kSoftIn, kSoftOut, kSoftBoth };
  // Number of neighbors cleared; error for an unknown address.
  std::variant<std::uint32_t, std::string> clear(const std::string& address, ClearMode mode, const std::string& reason);
  using Watcher = std::function<void(const RibChangeNote&)>;
  std::uint64_t watch(Watcher w);
  void unwatch(std::uint64_t id);
  // A session reached Established (`why` nullptr) or an Established one went down.
  using SessionWatcher = std::function<void(const Neighbor& n, const session::SessionDown* why)>;
  std::uint64_t watch_sessions(SessionWatcher w);
  using SelectionWatcher = std::function<void(const SelectionNote&)>;
  std::uint64_t watch_selection(SelectionWatcher w);
  void unwatch_selection(std::uint64_t id);
  // Next-hop tracking through the kernel's routes (rtnetlink), when the
  // configuration enables it. Error text when netlink is not available.
  std::optional<std::string> track_next_hops();
  // The kernel FIB (fib/scope): programs what the selection (and, with scope
  // all, the BGP best path) says, from now on. Error text when netlink is not
  // available.
  std::optional<std::string> program_fib();
  // Clean stop: catsd's routes go unless fib/retain (on the caller's thread).
  void stop_fib();
  const netlink::Fib* fib() const { return fib_.get(); }

  // State for show commands.
  const config::Config& config() const { return cfg_; }
  const std::vector<std::unique_ptr<Neighbor>>& neighbors() const { return neighbors_; }
  const Neighbor* neighbor_by_id(rib::PeerId id) const;
  const rib::LocRib& loc_rib() const override { return loc_rib_; }
  const std::vector<OriginatedService>& originated() const { return services_; }
  const rib::AttrStore& store() const { return store_; }
  const steer::CatsRib& cats_rib() const { return cats_; }
  const rib::NexthopTable& nexthops() const { return nexthops_; }
  bool steering() const { return steering_; }
  SessionPort& sessions() const { return port_; }
  const UpdateGroups& update_groups() const { return groups_; }
  std::uint8_t cats_type() const { return cfg_.global.cats.attribute_type; }

  // Telemetry (engine_telemetry.cpp): the BMP/MRT tap, nullptr for none; it
  // must outlive the engine's sessions. A new tap learns the Established
  // sessions as if they had just come up.
  void set_monitor(telemetry::RibMonitor* m);
  std::map<rib::PeerId, telemetry::PeerStats> peer_stats() const override;
  std::uint32_t local_asn() const override { return cfg_.global.as; }
  std::uint32_t local_router_id() const override { return cfg_.global.router_id; }

 private:
  Neighbor* neighbor(rib::PeerId id);
  Neighbor* find_address(const std::string& address);
  // Import (engine.cpp).
  void install_imports(Neighbor& n);
  // One UPDATE of a batch into `pending` (entries decided by decide_pending).
  void on_update(Neighbor& n, const wire::Decoded& d, wire::ByteSpan message, rib::ApplyResult& pending);
  bool looped(const Neighbor& n, const wire::Update& u) const;
  void decide_pending(rib::ApplyResult& pending);
  void max_prefix(Neighbor& n, const std::vector<wire::Family>& over);
  // Paths refused for the path limits: counted, logged, and asked for again
  // (ROUTE-REFRESH) once room frees up.
  void paths_refused(Neighbor& n, const rib::ApplyResult& r);
  void arm_refused_timer();
  // Services: startup-wait deadlines and pushed metrics going stale.
  void arm_freshness_timer();
  void check_freshness();
  void refresh_refused();
  // ROUTE-REFRESH for each negotiated family (when the peer supports it).
  void request_refresh(Neighbor& n);
  void gr_expired(Neighbor& n);
  rib::Arrival next_arrival();
  void process(rib::AdjRibIn& from, const std::vector<rib::PrefixKey>& changed);
  void after_update(const std::vector<rib::RibEvent>& events, std::span<const std::uint32_t> numbers = {});
  // Steering (engine_steering.cpp).
  void steer(const std::vector<rib::RibEvent>& events);
  void reselect(const std::vector<rib::PrefixKey>& keys);
  void selection_changed(const rib::PrefixKey& key);
  void export_selection_change(const rib::PrefixKey& key);
  void arm_recheck();
  void nexthops_changed(const std::vector<const rib::NexthopTable::Entry*>& changed);
  std::optional<std::size_t> follow_cats(const rib::RibEntry& e);
  // The FIB (engine_fib.cpp).
  void fib_update(const rib::PrefixKey& key, const rib::RibEntry* e);
  void fib_update(const std::vector<rib::RibEvent>& events);
  void originate(OriginatedService& s);
  // Built UPDATEs of originated routes into the local Adj-RIB-In.
  void apply_local(const std::vector<wire::Bytes>& messages, const std::string& service);
  OriginatedService make_service(const config::Service& s) const;
  // Reconfiguration (engine_reconfig.cpp).
  Neighbor& create_neighbor(rib::PeerId id, const config::Neighbor& nc, rib::NeighborPolicy policy);
  void remove_neighbor(Neighbor& n);
  void add_neighbor(const config::Neighbor& nc, rib::NeighborPolicy policy);
  void change_neighbor(Neighbor& n, const NeighborChange& c, const config::Neighbor& nc, rib::NeighborPolicy policy);
  void withdraw_service_prefixes(const config::Service& svc, const std::vector<std::string>& keep);
  void reconfigure_services(const ReconfigPlan& plan, const std::vector<config::Service>& before);
  void reconfigure_steering();
  // Export (engine_export.cpp): update groups, UPDATEs produced as sessions drain.
  void set_target(Neighbor& n, const std::optional<boost::asio::ip::address>& local);
  // `numbers`: the entry number of each event's entry before the decision
  // (entry_numbers()); may be empty when no entry can have been freed.
  void dispatch(const std::vector<rib::RibEvent>& events, std::span<const std::uint32_t> numbers);
  static std::vector<std::uint32_t> entry_numbers(std::span<rib::RibEntry* const> entries);
  void initial_dump(Neighbor& n);
  ExportParams export_params(const Neighbor& n) const;
  ExportEnv export_env();
  void schedule(Neighbor& n);
  void run_exports();
  void export_part(Neighbor& n);
  void refresh_out(Neighbor& n, wire::Family f, bool markers);
  void start_mrai(Neighbor& n);
  void send(Neighbor& n, std::vector<wire::Bytes> messages);
  ExportSource source_of(rib::PeerId peer) const;

  boost::asio::any_io_executor ex_;
  config::Config cfg_;
  SessionPort& port_;
  rib::NexthopTable nexthops_;  // outlives the store's sets
  rib::AttrStore store_;
  rib::LocRib loc_rib_;
  steer::CatsRib cats_;
  bool steering_ = false;  // ingress or controller role: the CATS RIB is kept
  std::unique_ptr<netlink::RouteMonitor> routes_;
  boost::asio::steady_timer recheck_;
  boost::asio::steady_timer refused_timer_;    // runs while a neighbor has refused paths
  boost::asio::steady_timer freshness_timer_;  // runs while a service waits or has pushed metrics
  std::function<std::uint32_t()> sequence_clock_ = [] { return clock_sequence(); };
  std::vector<rib::PeerId> refused_;  // neighbors with refused paths, for refused_timer_
  std::optional<steer::Clock::time_point> recheck_at_;
  std::map<std::uint64_t, SelectionWatcher> selection_watchers_;
  std::map<std::uint64_t, SessionWatcher> session_watchers_;
  std::vector<rib::PrefixKey> selection_exports_;  // selection changes not yet given to the update groups
  std::unique_ptr<netlink::Fib> fib_;
  config::FibScope fib_scope_ = config::FibScope::kNone;
  std::map<rib::PrefixKey, std::vector<std::tuple<rib::PeerAddress, std::uint32_t, std::uint32_t>>> fib_sent_;
  std::size_t rib_peak_ = 0;              // prefixes, since the last compaction
  std::unique_ptr<rib::AdjRibIn> local_;  // originated services, PeerId 0
  UpdateGroups groups_;                   // before the neighbors, whose Adj-RIB-Outs leave their groups
  std::deque<rib::PeerId> ready_;         // members with a part to produce and room to send it, in turn
  bool export_posted_ = false;
  bool exporting_ = false;  // in run_exports()
  std::vector<std::unique_ptr<Neighbor>> neighbors_;
  std::vector<OriginatedService> services_;
  std::uint64_t seq_ = 0;
  std::map<std::uint64_t, Watcher> watchers_;
  std::uint64_t next_watch_ = 1;
  rib::ClusterId cluster_id_ = 0;
  bool stopping_ = false;
  telemetry::RibMonitor* monitor_ = nullptr;
  // Telemetry (engine_telemetry.cpp).
  void monitor_up(const Neighbor& n, const session::Negotiated& s, const session::ConnectionEnds& ends,
                  bool replayed = false);
  void monitor_post_policy(const Neighbor& n, const wire::Update& u);
  void monitor_best(const std::vector<rib::RibEvent>& events);
};

}  // namespace cats::rde
