// The route decision engine of catsd (OpenBGPD's rde, in process): owns the
// attribute store, every Adj-RIB-In, the Loc-RIB, every Adj-RIB-Out and the
// edge role's originated services, on its own executor (the RIB thread).
// Sessions live on another executor (the session thread): a SessionBridge per
// neighbor posts their events here (an UPDATE as a copy of its octets), and
// the engine posts what it sends back. Each posted send carries the session
// generation it was computed for, so nothing computed for a session that has
// gone down reaches the next one. API threads post to the RIB thread too
// (api_service.cpp). Nothing here blocks.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bgp-ext/session/listener.hpp"
#include "bgp-ext/session/peer.hpp"
#include "catsd/rde/adj_rib_out.hpp"
#include "catsd/rde/export.hpp"
#include "catsd/rde/origination.hpp"
#include "rib-adapter/rib/loc_rib.hpp"
#include "rib-adapter/rib/policy.hpp"
#include "yang/config/config.hpp"

namespace cats::rde {

using SteadyClock = std::chrono::steady_clock;

struct NeighborCounters {
  std::uint64_t updates_in = 0;
  std::uint64_t updates_out = 0;  // UPDATE messages sent
  std::uint64_t withdraws_in = 0;
  std::uint64_t filtered_in = 0;        // refused by import policy or loop checks
  std::uint64_t rfc7606_withdraws = 0;  // UPDATEs handled as treat-as-withdraw
  std::uint64_t rfc7606_discards = 0;   // UPDATEs with attributes discarded
  std::uint64_t unknown_withdraws = 0;  // E30
  std::uint64_t flaps = 0;              // Established sessions that went down
  std::uint64_t route_refresh_in = 0;
};

class SessionBridge;

// UPDATEs of one session, in arrival order, handed from the session thread to
// the RIB thread together: the RIB decides each prefix they touch once.
struct UpdateBatch {
  struct Message {
    std::size_t end;  // offset past the message in `bytes`
    wire::DecodeContext ctx;
  };
  std::uint64_t gen = 0;
  wire::Bytes bytes;
  std::vector<Message> messages;
};

struct Neighbor {
  Neighbor();
  ~Neighbor();
  rib::PeerId id = 0;
  config::Neighbor cfg;
  // Session thread only (config() aside, which never changes after start()).
  std::unique_ptr<session::Peer> peer;
  std::unique_ptr<SessionBridge> bridge;
  std::uint64_t gen = 0;  // the Established session's generation (RIB thread's view)
  rib::Policy import_policy;
  rib::Policy export_policy;
  std::unique_ptr<rib::AdjRibIn> rib_in;  // kept across a graceful restart
  AdjRibOut rib_out;
  std::optional<session::Negotiated> session;  // set while Established
  wire::EncodeContext ectx;
  SteadyClock::time_point established_at{};
  std::optional<session::SessionDown> last_down;
  SteadyClock::time_point last_down_at{};
  NeighborCounters counters;
  bool max_prefix_exceeded = false;
  bool max_prefix_warned = false;
  std::unique_ptr<boost::asio::steady_timer> gr_timer;    // restart / stale-path timer
  std::unique_ptr<boost::asio::steady_timer> mrai_timer;  // per-peer MRAI
  bool mrai_running = false;
  bool flush_posted = false;
  std::vector<wire::Family> stale_families;  // graceful restart: waiting for End-of-RIB
  ExportTarget target;                       // set when Established

  bool established() const { return session.has_value(); }
  rib::Neighbor kind() const;  // external, client or non-client
};

// What the session thread knows of a neighbor, for show neighbors.
struct PeerRuntime {
  session::State state = session::State::kIdle;
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::optional<session::SessionDown> last_down;  // any fall to Idle, before Established too
  SteadyClock::time_point last_down_at{};
};

// One RIB change, for API watchers.
struct RibChangeNote {
  rib::RibEvent::Kind kind;
  rib::PrefixKey key;
  std::optional<rib::PathKey> best;
};

struct OriginatedService {
  const config::Service* svc = nullptr;
  ServiceState state;
};

class Engine {
 public:
  // `cfg` must be a validated configuration (loader::load_config). `ex` runs
  // the RIB, `session_ex` the sessions; they may be the same executor.
  Engine(boost::asio::any_io_executor ex, boost::asio::any_io_executor session_ex, config::Config cfg);
  ~Engine();  // after the session executor has stopped

  // Listeners, sessions, originated services. Error text when a listener cannot bind.
  std::optional<std::string> start();
  // Cease 6/2 with `text` to every session; `done` runs once every session is
  // down or after `linger`.
  void shutdown(std::string_view text, std::chrono::milliseconds linger, std::function<void()> done);

  // Session events, on the RIB thread (posted by the SessionBridge).
  void session_up(Neighbor& n, std::uint64_t gen, const session::Negotiated& s,
                  std::optional<boost::asio::ip::address> local);
  void session_updates(Neighbor& n, const UpdateBatch& batch);
  void session_down(Neighbor& n, std::uint64_t gen, const session::SessionDown& why);
  void session_refresh(Neighbor& n, std::uint64_t gen, const wire::RouteRefresh& rr);

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
  };
  InjectResult inject(const std::string& service, const MetricsUpdate& u);
  enum class ClearMode : std::uint8_t { kHard, kSoftIn, kSoftOut, kSoftBoth };
  // Number of neighbors cleared; error for an unknown address.
  std::variant<std::uint32_t, std::string> clear(const std::string& address, ClearMode mode, const std::string& reason);
  using Watcher = std::function<void(const RibChangeNote&)>;
  std::uint64_t watch(Watcher w);
  void unwatch(std::uint64_t id);

  // State for show commands.
  const config::Config& config() const { return cfg_; }
  const std::vector<std::unique_ptr<Neighbor>>& neighbors() const { return neighbors_; }
  const Neighbor* neighbor_by_id(rib::PeerId id) const;
  const rib::LocRib& loc_rib() const { return loc_rib_; }
  const rib::AdjRibIn& local_rib() const { return *local_; }
  const std::vector<OriginatedService>& originated() const { return services_; }
  const rib::AttrStore& store() const { return store_; }
  // On the session thread: state and counters of every neighbor, in neighbors() order.
  std::vector<PeerRuntime> peer_runtime() const;
  const boost::asio::any_io_executor& session_executor() const { return session_ex_; }
  std::uint8_t cats_type() const { return cfg_.global.cats.attribute_type; }

 private:
  Neighbor* find_address(const boost::asio::ip::address& a);
  // One UPDATE of a batch into `pending` (entries decided by decide_pending).
  void on_update(Neighbor& n, const wire::Decoded& d, rib::ApplyResult& pending);
  void decide_pending(rib::ApplyResult& pending);
  // To the session thread: the messages go out on session `n.gen` only.
  void send(Neighbor& n, std::vector<wire::Bytes> messages);
  template <class F>
  void to_peer(Neighbor& n, F f);
  rib::Arrival next_arrival();
  void process(rib::AdjRibIn& from, const std::vector<rib::PrefixKey>& changed);
  void after_update(const std::vector<rib::RibEvent>& events);
  void dispatch(const std::vector<rib::RibEvent>& events);
  void export_prefix(Neighbor& n, const rib::PrefixKey& k, const rib::RibEntry* e);
  // The same once the session is known to have k's family.
  void export_prefix(Neighbor& n, const rib::PrefixKey& k, const rib::RibEntry* e, bool add_path);
  void schedule_flush(Neighbor& n);
  void flush(Neighbor& n, std::vector<wire::Bytes> before = {}, std::vector<wire::Bytes> after = {});
  void initial_dump(Neighbor& n);
  void install_imports(Neighbor& n);
  void originate(OriginatedService& s);
  void gr_expired(Neighbor& n);
  void max_prefix(Neighbor& n, const std::vector<wire::Family>& over);
  ExportSource source_of(rib::PeerId peer) const;

  boost::asio::any_io_executor ex_;
  boost::asio::any_io_executor session_ex_;
  config::Config cfg_;
  rib::AttrStore store_;
  rib::LocRib loc_rib_;
  std::size_t rib_peak_ = 0;              // prefixes, since the last compaction
  std::unique_ptr<rib::AdjRibIn> local_;  // originated services, PeerId 0
  std::vector<std::unique_ptr<Neighbor>> neighbors_;
  std::vector<std::unique_ptr<session::Listener>> listeners_;
  std::vector<OriginatedService> services_;
  std::uint64_t seq_ = 0;
  std::map<std::uint64_t, Watcher> watchers_;
  std::uint64_t next_watch_ = 1;
  SteadyClock::time_point epoch_ = SteadyClock::now();
  rib::ClusterId cluster_id_ = 0;
  bool reflector_ = false;
  bool stopping_ = false;
};

}  // namespace cats::rde
