#include "catsd/rde/engine.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <memory>
#include <mutex>

#include "bgp-ext/wire/message.hpp"
#include "yang/loader/session_config.hpp"

namespace cats::rde {

namespace asio = boost::asio;
using session::Peer;
using wire::Family;

namespace {

Family family_of(session::AfiSafi f) {
  return Family{f.afi, f.safi};
}
session::AfiSafi afisafi(Family f) {
  return session::AfiSafi{f.afi, f.safi};
}

rib::PeerFacts facts_for(const config::Config& cfg, const Neighbor& n, const session::Negotiated* s) {
  rib::PeerFacts f;
  f.address = rib::PeerAddress::parse(n.cfg.address).value_or(rib::PeerAddress{});
  f.asn = n.cfg.remote_as;
  f.local_asn = cfg.global.as;
  f.type = n.cfg.ibgp ? rib::PeerType::kInternal : rib::PeerType::kExternal;
  if (s != nullptr) f.router_id = s->peer_router_id;
  return f;
}

bool as_path_has(const wire::AsPath& p, std::uint32_t asn) {
  for (const auto& seg : p.segments)
    if (std::find(seg.asns.begin(), seg.asns.end(), asn) != seg.asns.end()) return true;
  return false;
}

// IPv4-mapped IPv6 (::ffff:a.b.c.d) as the IPv6 next hop on an IPv4 session, as FRR does.
std::array<std::uint8_t, 16> mapped(const std::array<std::uint8_t, 4>& v4) {
  std::array<std::uint8_t, 16> a{};
  a[10] = a[11] = 0xff;
  std::copy(v4.begin(), v4.end(), a.begin() + 12);
  return a;
}

wire::Bytes max_prefix_data(Family f, std::uint32_t limit) {
  wire::Bytes b;
  wire::Writer w(b);
  w.put16(f.afi);
  w.put8(f.safi);
  w.put32(limit);
  return b;
}

}  // namespace

// The session thread's side of one neighbor: PeerHandler calls become posts
// to the RIB thread. `gen` counts Established sessions (session thread only).
//
// UPDATEs are batched: the UPDATEs of one read from the connection go into
// one batch, posted when the read is done (posting at the first one would
// wake the RIB thread, which on a shared core preempts the reader and takes a
// batch of one). While the RIB thread has not taken a posted batch, later
// reads join it. The RIB decides each prefix once per batch. Any other event
// posts and closes the batch first, so order is kept.
//
// Flow control: UPDATE octets posted to the RIB thread and not yet processed
// are counted; above kPauseAt the peer's connection is not read any more (TCP
// pushes back on the sender) until the RIB thread is down to kResumeAt. A
// peer faster than the RIB costs at most that much memory, not its table.
class SessionBridge : public session::PeerHandler {
 public:
  static constexpr std::size_t kPauseAt = 1u << 20;
  static constexpr std::size_t kResumeAt = 256u << 10;

  SessionBridge(Engine& e, Neighbor& n, asio::any_io_executor rib, asio::any_io_executor sessions)
      : engine_(e), n_(n), rib_(std::move(rib)), sessions_(std::move(sessions)) {}

  void on_established(Peer& peer, const session::Negotiated& s) override {
    post_batch(peer);
    close_batch();
    const auto g = ++gen;
    in_flight_ = 0;
    paused_ = false;
    asio::post(rib_, [this, g, s, la = peer.local_address()] { engine_.session_up(n_, g, s, la); });
  }
  void on_update(Peer&, const wire::Decoded&) override {}  // on_update_message is the one called
  void on_update_message(Peer& peer, wire::ByteSpan raw, const wire::DecodeContext& ctx,
                         const wire::Decoded&) override {
    in_flight_ += raw.size();
    if (!paused_ && in_flight_ >= kPauseAt) {
      paused_ = true;
      ++pauses;
      peer.pause_input();
    }
    std::lock_guard lock(mutex_);
    if (!open_) {
      open_ = std::make_shared<UpdateBatch>();
      open_->gen = gen;
      posted_ = false;
    }
    open_->bytes.insert(open_->bytes.end(), raw.begin(), raw.end());
    open_->messages.push_back({open_->bytes.size(), ctx});
  }
  void on_input_done(Peer& peer) override { post_batch(peer); }
  void on_down(Peer& peer, const session::SessionDown& why) override {
    post_batch(peer);
    close_batch();
    asio::post(rib_, [this, g = gen, why] { engine_.session_down(n_, g, why); });
  }
  void on_route_refresh(Peer& peer, const wire::RouteRefresh& rr) override {
    post_batch(peer);
    close_batch();
    asio::post(rib_, [this, g = gen, rr] { engine_.session_refresh(n_, g, rr); });
  }

  std::uint64_t gen = 0;
  std::uint64_t pauses = 0;  // times the input was paused (session thread)

 private:
  // Session thread: the open batch goes to the RIB thread (once).
  void post_batch(Peer& peer) {
    std::lock_guard lock(mutex_);
    if (!open_ || posted_) return;
    posted_ = true;
    asio::post(rib_, [this, &peer, b = open_] { run_batch(peer, b); });
  }
  // Session thread: what comes next goes into a new batch, posted after this event.
  void close_batch() {
    std::lock_guard lock(mutex_);
    open_.reset();
  }
  // RIB thread: the batch is taken (closed), then processed.
  void run_batch(Peer& peer, const std::shared_ptr<UpdateBatch>& b) {
    {
      std::lock_guard lock(mutex_);
      if (open_ == b) open_.reset();
    }
    engine_.session_updates(n_, *b);
    asio::post(sessions_, [this, &peer, g = b->gen, size = b->bytes.size()] { processed(peer, g, size); });
  }
  void processed(Peer& peer, std::uint64_t g, std::size_t size) {
    if (g != gen) return;  // a session that is gone: its counts went with it
    in_flight_ -= std::min(size, in_flight_);
    if (paused_ && in_flight_ <= kResumeAt) {
      paused_ = false;
      peer.resume_input();
    }
  }

  Engine& engine_;
  Neighbor& n_;
  asio::any_io_executor rib_;
  asio::any_io_executor sessions_;
  std::size_t in_flight_ = 0;  // session thread
  bool paused_ = false;
  std::mutex mutex_;  // guards open_ and posted_: appended by the session thread, taken by the RIB thread
  std::shared_ptr<UpdateBatch> open_;
  bool posted_ = false;
};

Neighbor::Neighbor() = default;
Neighbor::~Neighbor() = default;

rib::Neighbor Neighbor::kind() const {
  if (!cfg.ibgp) return rib::Neighbor::kExternal;
  return cfg.route_reflector_client ? rib::Neighbor::kClient : rib::Neighbor::kNonClient;
}

Engine::Engine(asio::any_io_executor ex, asio::any_io_executor session_ex, config::Config cfg)
    : ex_(std::move(ex)),
      session_ex_(std::move(session_ex)),
      cfg_(std::move(cfg)),
      store_(cfg_.global.cats.attribute_type) {
  rib::PeerFacts self;
  self.router_id = cfg_.global.router_id;
  self.asn = cfg_.global.as;
  self.local_asn = cfg_.global.as;
  self.type = rib::PeerType::kLocal;
  local_ = std::make_unique<rib::AdjRibIn>(0, self, store_, loc_rib_);
  cluster_id_ = cfg_.global.cluster_id.value_or(cfg_.global.router_id);
  reflector_ = cfg_.global.has_role(config::Role::kReflector) ||
               std::any_of(cfg_.neighbors.begin(), cfg_.neighbors.end(),
                           [](const config::Neighbor& n) { return n.route_reflector_client; });
}

Engine::~Engine() {
  // Peers call back into their bridges; they go first.
  for (auto& n : neighbors_) n->peer.reset();
}

template <class F>
void Engine::to_peer(Neighbor& n, F f) {
  asio::post(session_ex_, [p = n.peer.get(), f = std::move(f)]() mutable { f(*p); });
}

void Engine::send(Neighbor& n, std::vector<wire::Bytes> messages) {
  if (messages.empty()) return;
  n.counters.updates_out += messages.size();
  asio::post(session_ex_, [b = n.bridge.get(), p = n.peer.get(), g = n.gen, m = std::move(messages)]() mutable {
    if (b->gen != g) return;  // computed for a session that is gone
    for (auto& msg : m)
      if (!p->send(std::move(msg))) return;  // not Established any more, or dropped with Cease 6/8
  });
}

std::vector<PeerRuntime> Engine::peer_runtime() const {
  std::vector<PeerRuntime> out;
  out.reserve(neighbors_.size());
  for (const auto& n : neighbors_) {
    const auto& p = *n->peer;
    out.push_back(
        {p.state(), p.messages_in(), p.messages_out(), p.last_down(), p.last_down_at()});  // both steady_clock
  }
  return out;
}

std::optional<std::string> Engine::start() {
  rib::PeerId next_id = 1;
  if (cfg_.neighbors.size() >= rib::AdjRoute::kMaxPeer)
    return "more than " + std::to_string(rib::AdjRoute::kMaxPeer - 1) + " neighbors";
  for (const auto& nc : cfg_.neighbors) {
    auto n = std::make_unique<Neighbor>();
    n->id = next_id++;
    n->cfg = nc;
    auto imp = rib::Policy::compile(nc.import_policy, cfg_.prefix_lists, nc.cats.receive);
    if (auto* e = std::get_if<std::string>(&imp)) return "neighbor " + nc.address + " import policy: " + *e;
    n->import_policy = std::get<rib::Policy>(std::move(imp));
    auto exp = rib::Policy::compile(nc.export_policy, cfg_.prefix_lists, nc.cats.send);
    if (auto* e = std::get_if<std::string>(&exp)) return "neighbor " + nc.address + " export policy: " + *e;
    n->export_policy = std::get<rib::Policy>(std::move(exp));

    session::PeerConfig pc;
    pc.name = nc.address;
    boost::system::error_code ec;
    pc.remote_address = asio::ip::make_address(nc.address, ec);
    if (ec) return "neighbor " + nc.address + ": not an address";
    pc.remote_port = nc.port;
    if (nc.local_address) {
      pc.local_address = asio::ip::make_address(*nc.local_address, ec);
      if (ec) return "neighbor " + nc.address + ": bad local-address";
    }
    pc.passive = nc.passive;
    pc.local = loader::to_local_config(cfg_, nc);
    pc.fsm = loader::to_fsm_config(nc);
    pc.cats_type = cfg_.global.cats.attribute_type;
    pc.md5_key = nc.md5_password;
    pc.gtsm = nc.ttl_security.enabled;
    pc.gtsm_hops = nc.ttl_security.hops;
    n->bridge = std::make_unique<SessionBridge>(*this, *n, ex_, session_ex_);
    n->peer = std::make_unique<Peer>(session_ex_, std::move(pc), *n->bridge);
    n->gr_timer = std::make_unique<asio::steady_timer>(ex_);
    n->mrai_timer = std::make_unique<asio::steady_timer>(ex_);
    neighbors_.push_back(std::move(n));
  }

  std::vector<std::string> addrs = cfg_.global.listen_addresses;
  if (addrs.empty()) addrs = {"0.0.0.0", "::"};
  for (const auto& a : addrs) {
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(a, ec);
    if (ec) return "listen address " + a + ": not an address";
    // On the session thread, like the peers: an accepted connection's I/O must
    // complete where its Peer runs (on ex_ it raced with the session thread).
    auto l = std::make_unique<session::Listener>(session_ex_, [this](const asio::ip::address& from) -> Peer* {
      auto* n = find_address(from);
      return n == nullptr ? nullptr : n->peer.get();
    });
    if (auto err = l->listen({ip, cfg_.global.listen_port}))
      return "cannot listen on [" + a + "]:" + std::to_string(cfg_.global.listen_port) + ": " + err.message();
    std::uint8_t gtsm_hops = 0;
    for (const auto& n : neighbors_) {
      if (!n->cfg.md5_password.empty()) {
        const auto& ra = n->peer->config().remote_address;
        if (ra.is_v4() == ip.is_v4()) {
          if (auto err = l->set_md5_key(ra, n->cfg.md5_password))
            spdlog::warn("[{}] TCP-MD5 key on listener {}: {}", n->cfg.address, a, err.message());
        }
      }
      if (n->cfg.ttl_security.enabled) gtsm_hops = std::max(gtsm_hops, n->cfg.ttl_security.hops);
    }
    if (gtsm_hops > 0) l->set_gtsm(gtsm_hops);
    listeners_.push_back(std::move(l));
  }

  if (cfg_.global.has_role(config::Role::kEdge)) {
    services_.reserve(cfg_.services.size());
    for (const auto& s : cfg_.services) services_.push_back({&s, ServiceState{s.metrics, 1, false, 0}});
    for (auto& s : services_) originate(s);
  }
  // The session thread is not running yet: starting here is starting there.
  for (auto& n : neighbors_) n->peer->start();
  return std::nullopt;
}

namespace {

// Waits (on the session thread) until every NOTIFICATION is written out or
// the linger ends. The pending timer handler owns it: no cycle, so nothing
// leaks when the io_context stops first.
struct ShutdownDrain : std::enable_shared_from_this<ShutdownDrain> {
  ShutdownDrain(asio::any_io_executor ex, std::function<bool()> busy, SteadyClock::time_point deadline,
                std::function<void()> done)
      : timer(std::move(ex)), busy(std::move(busy)), deadline(deadline), done(std::move(done)) {}
  void wait(std::chrono::milliseconds d) {
    timer.expires_after(d);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->step();
    });
  }
  void step() {
    if (!busy() || SteadyClock::now() >= deadline) return done();
    wait(std::chrono::milliseconds{20});
  }
  asio::steady_timer timer;
  std::function<bool()> busy;
  SteadyClock::time_point deadline;
  std::function<void()> done;
};

}  // namespace

void Engine::shutdown(std::string_view text, std::chrono::milliseconds linger, std::function<void()> done) {
  stopping_ = true;
  asio::post(session_ex_, [this, text = std::string(text), linger, done = std::move(done)] {
    for (auto& l : listeners_) l->close();
    std::vector<Peer*> peers;
    for (auto& n : neighbors_) peers.push_back(n->peer.get());
    session::shutdown_all(peers, text);
    auto drain = std::make_shared<ShutdownDrain>(
        session_ex_,
        [this] {
          return std::any_of(neighbors_.begin(), neighbors_.end(),
                             [](const auto& n) { return n->peer->queued_bytes() > 0; });
        },
        SteadyClock::now() + linger, [this, done] { asio::post(ex_, done); });
    drain->wait(std::chrono::milliseconds{50});
  });
}

Neighbor* Engine::find_address(const asio::ip::address& a) {
  for (auto& n : neighbors_)
    if (n->peer->config().remote_address == a) return n.get();
  return nullptr;
}

const Neighbor* Engine::neighbor_by_id(rib::PeerId id) const {
  if (id == 0 || id > neighbors_.size()) return nullptr;
  return neighbors_[id - 1].get();
}

rib::Arrival Engine::next_arrival() {
  return {++seq_, SteadyClock::now()};
}

ExportSource Engine::source_of(rib::PeerId peer) const {
  if (peer == 0) return {rib::Neighbor::kLocal, cfg_.global.router_id};
  const auto* n = neighbor_by_id(peer);
  if (n == nullptr || !n->rib_in) return {rib::Neighbor::kExternal, 0};
  return {n->kind(), n->rib_in->facts().router_id};
}

// ---- Import -----------------------------------------------------------------

void Engine::install_imports(Neighbor& n) {
  rib::ImportHooks h;
  if (n.import_policy.filter) h.accept = [&n](const wire::Prefix& p) { return n.import_policy.permits(p); };
  if (n.import_policy.modifies()) {
    const std::uint8_t cats = cats_type();
    h.transform = [&n, cats](const wire::AttributeSet& a) { return n.import_policy.apply(a, cats); };
  }
  n.rib_in->set_import(std::move(h));
}

void Engine::session_up(Neighbor& nb, std::uint64_t gen, const session::Negotiated& s,
                        std::optional<asio::ip::address> local) {
  Neighbor* n = &nb;
  n->gen = gen;
  n->session = s;
  n->ectx = session::encode_context(s);
  n->established_at = SteadyClock::now();
  n->max_prefix_exceeded = false;
  n->max_prefix_warned = false;
  const auto facts = facts_for(cfg_, *n, &s);
  if (!n->rib_in) {
    n->rib_in = std::make_unique<rib::AdjRibIn>(n->id, facts, store_, loc_rib_);
  } else {
    n->rib_in->set_facts(facts);
  }
  install_imports(*n);
  for (const auto& f : s.families) {
    std::optional<std::size_t> limit;
    if (n->cfg.max_prefix) limit = n->cfg.max_prefix->limit;
    n->rib_in->set_max_prefix(family_of(f.family), limit);
  }

  // Graceful restart (RFC 4724 §4.2): paths kept from the previous session
  // stay stale until End-of-RIB; gone at once if the peer no longer does GR
  // for the family or did not keep its forwarding state.
  if (!n->stale_families.empty()) {
    std::vector<rib::PrefixKey> swept;
    std::erase_if(n->stale_families, [&](Family f) {
      const auto* g = s.peer_graceful_restart ? s.peer_graceful_restart->find(afisafi(f)) : nullptr;
      if (s.graceful_restart && g != nullptr && g->forwarding) return false;
      auto c = n->rib_in->sweep_stale(f);
      swept.insert(swept.end(), c.begin(), c.end());
      return true;
    });
    n->gr_timer->cancel();
    if (!n->stale_families.empty()) {
      n->gr_timer->expires_after(std::chrono::seconds{360});  // stale-path time, as FRR's default
      n->gr_timer->async_wait([this, n](const boost::system::error_code& ec) {
        if (!ec) gr_expired(*n);
      });
    }
    std::sort(swept.begin(), swept.end());
    swept.erase(std::unique(swept.begin(), swept.end()), swept.end());
    process(*n->rib_in, swept);
  }

  // Next hop self: our end of this connection.
  ExportTarget& t = n->target;
  t = ExportTarget{};
  t.kind = n->kind();
  t.local_as = cfg_.global.as;
  t.router_id = cfg_.global.router_id;
  t.cluster_id = cluster_id_;
  t.next_hop_self = n->cfg.next_hop_self;
  t.policy = &n->export_policy;
  t.cats_type = cats_type();
  if (auto la = local) {
    auto a = *la;
    if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    if (a.is_v4()) {
      t.self_v4 = a.to_v4().to_bytes();
      t.self_v6 = mapped(*t.self_v4);
    } else {
      t.self_v6 = a.to_v6().to_bytes();
    }
  }
  // A configured listen address of the other family serves as its next hop.
  for (const auto& text : cfg_.global.listen_addresses) {
    boost::system::error_code ec;
    const auto a = asio::ip::make_address(text, ec);
    if (ec || a.is_unspecified()) continue;
    if (a.is_v4() && !t.self_v4) t.self_v4 = a.to_v4().to_bytes();
    if (a.is_v6() && (!t.self_v6 || (t.self_v6->at(10) == 0xff && t.self_v6->at(11) == 0xff)))
      t.self_v6 = a.to_v6().to_bytes();
  }
  spdlog::info(
      "[{}] established: AS{} router-id {}, {} families{}", n->cfg.address, s.peer_asn,
      rib::PeerAddress{
          wire::Afi::kIpv4,
          {static_cast<std::uint8_t>(s.peer_router_id >> 24), static_cast<std::uint8_t>(s.peer_router_id >> 16),
           static_cast<std::uint8_t>(s.peer_router_id >> 8), static_cast<std::uint8_t>(s.peer_router_id)}}
          .to_string(),
      s.families.size(), s.cats_version != 0 ? ", CATS" : "");
  // The initial table after this event completes (the FSM is Established now).
  asio::post(ex_, [this, n, gen] {
    if (n->established() && n->gen == gen) initial_dump(*n);
  });
}

void Engine::initial_dump(Neighbor& n) {
  loc_rib_.for_each([&](const rib::RibEntry& e) { export_prefix(n, e.key, &e); });
  // RFC 4724 §2: End-of-RIB after the initial table, for every family.
  std::vector<wire::Bytes> eor;
  for (const auto& f : n.session->families) {
    if (f.family.safi != 1 || (f.family.afi != 1 && f.family.afi != 2)) continue;
    eor.push_back(wire::end_of_rib_message(f.family.afi == 1 ? wire::Afi::kIpv4 : wire::Afi::kIpv6));
  }
  flush(n, {}, std::move(eor));
}

bool looped(const Engine& e, const Neighbor& n, const wire::Update& u) {
  const auto& g = e.config().global;
  if (!n.cfg.ibgp) {
    auto path = u.effective_as_path();
    return path && as_path_has(*path, g.as);
  }
  if (const auto* o = u.attrs.get<wire::OriginatorId>(wire::attr::kOriginatorId)) {
    const std::uint32_t id =
        std::uint32_t{o->id[0]} << 24 | std::uint32_t{o->id[1]} << 16 | std::uint32_t{o->id[2]} << 8 | o->id[3];
    if (id == g.router_id) return true;
  }
  if (const auto* c = u.attrs.get<wire::ClusterList>(wire::attr::kClusterList)) {
    const auto cid = g.cluster_id.value_or(g.router_id);
    if (std::find(c->ids.begin(), c->ids.end(), cid) != c->ids.end()) return true;
  }
  return false;
}

void Engine::session_updates(Neighbor& n, const UpdateBatch& batch) {
  if (batch.gen != n.gen || !n.established()) return;  // from a session already gone
  rib::ApplyResult pending;
  std::size_t start = 0;
  for (const auto& m : batch.messages) {
    on_update(n, wire::decode_message(wire::ByteSpan(batch.bytes).subspan(start, m.end - start), m.ctx), pending);
    start = m.end;
    // Bounded: the decision's events for a batch are held at once.
    if (pending.entries.size() >= rib::LocRib::kBatchEntries) decide_pending(pending);
  }
  decide_pending(pending);
}

void Engine::decide_pending(rib::ApplyResult& pending) {
  if (pending.entries.empty()) return;
  after_update(loc_rib_.update_entries(pending.entries));
  pending.entries.clear();
}

void Engine::on_update(Neighbor& nb, const wire::Decoded& d, rib::ApplyResult& r) {
  Neighbor* n = &nb;
  if (!n->rib_in) return;
  const auto* u = std::get_if<wire::Update>(&d.body);
  if (u == nullptr) return;
  ++n->counters.updates_in;
  auto action = d.action();
  if (action == wire::Action::kSessionReset) return;  // the session layer resets; on_down clears
  if (const auto* err = d.error()) {
    if (action == wire::Action::kTreatAsWithdraw) ++n->counters.rfc7606_withdraws;
    if (action == wire::Action::kAttributeDiscard) ++n->counters.rfc7606_discards;
    spdlog::warn("[{}] UPDATE error, {}: {}", n->cfg.address, wire::action_name(action), err->reason);
  }
  if (action != wire::Action::kTreatAsWithdraw && u->has_reachable() && looped(*this, *n, *u)) {
    action = wire::Action::kTreatAsWithdraw;
    ++n->counters.filtered_in;
    spdlog::debug("[{}] UPDATE ignored: routing loop (AS_PATH, ORIGINATOR_ID or CLUSTER_LIST)", n->cfg.address);
  }
  r.withdrawn = r.filtered = r.unknown_withdraws = 0;
  n->rib_in->apply_to(*u, action, next_arrival(), r);
  n->counters.withdraws_in += r.withdrawn;
  n->counters.filtered_in += r.filtered;
  n->counters.unknown_withdraws += r.unknown_withdraws;
  if (r.end_of_rib) {
    spdlog::info("[{}] End-of-RIB {}", n->cfg.address, session::to_string(afisafi(*r.end_of_rib)));
    auto it = std::find(n->stale_families.begin(), n->stale_families.end(), *r.end_of_rib);
    if (it != n->stale_families.end()) {
      n->stale_families.erase(it);
      decide_pending(r);  // what came before the marker, then the sweep
      process(*n->rib_in, n->rib_in->sweep_stale(*r.end_of_rib));
      if (n->stale_families.empty()) n->gr_timer->cancel();
    }
  }
  if (!r.over_limit.empty()) max_prefix(*n, r.over_limit);
}

void Engine::max_prefix(Neighbor& n, const std::vector<Family>& over) {
  if (!n.cfg.max_prefix || n.max_prefix_exceeded) return;
  const auto& mp = *n.cfg.max_prefix;
  if (mp.warning_only) {
    if (!n.max_prefix_warned)
      spdlog::warn("[{}] max-prefix {} exceeded ({}): warning only", n.cfg.address, mp.limit,
                   session::to_string(afisafi(over.front())));
    n.max_prefix_warned = true;
    return;
  }
  n.max_prefix_exceeded = true;
  // 0: down until cleared (catsctl clear neighbor).
  const auto restart = mp.restart_after > 0
                           ? std::chrono::duration_cast<session::Duration>(std::chrono::seconds{mp.restart_after})
                           : std::chrono::duration_cast<session::Duration>(std::chrono::hours{24 * 365});
  spdlog::warn("[{}] max-prefix {} exceeded ({}): Cease 6/1, restart {}", n.cfg.address, mp.limit,
               session::to_string(afisafi(over.front())),
               mp.restart_after > 0 ? "after " + std::to_string(mp.restart_after) + "s" : "when cleared");
  to_peer(n, [data = max_prefix_data(over.front(), mp.limit), restart](Peer& p) {
    p.control(session::Event::max_prefix(data, restart));
  });
}

void Engine::session_down(Neighbor& nb, std::uint64_t gen, const session::SessionDown& why) {
  Neighbor* n = &nb;
  n->last_down = why;
  n->last_down_at = SteadyClock::now();
  if (!n->session || gen != n->gen) return;
  const session::Negotiated s = *n->session;
  n->session.reset();
  ++n->counters.flaps;
  n->rib_out.clear();
  n->mrai_timer->cancel();
  n->mrai_running = false;
  if (!n->rib_in) return;

  // RFC 4724: an unexpected end of the session keeps the peer's paths (stale)
  // for the families it preserves; RFC 8538: a NOTIFICATION does too when
  // both sides set N, except Hard Reset. A reset we decided on never does.
  bool graceful = s.graceful_restart && !stopping_ && !why.sent;
  if (why.received) {
    graceful = graceful && s.gr_notification &&
               !(why.received->code == wire::notify::kCease && why.received->subcode == session::cease::kHardReset);
  }
  std::vector<rib::PrefixKey> changed;
  n->stale_families.clear();
  if (graceful) {
    for (const auto& f : s.families) {
      const Family fam = family_of(f.family);
      auto c = n->rib_in->mark_stale(fam);
      if (s.gr_family(f.family)) {
        n->stale_families.push_back(fam);
      } else {
        c = n->rib_in->sweep_stale(fam);
      }
      changed.insert(changed.end(), c.begin(), c.end());
    }
    const std::uint16_t restart = s.peer_graceful_restart ? s.peer_graceful_restart->restart_time : 0;
    spdlog::info("[{}] graceful restart: {} families kept stale for {}s", n->cfg.address, n->stale_families.size(),
                 restart);
    n->gr_timer->cancel();
    n->gr_timer->expires_after(std::chrono::seconds{restart});
    n->gr_timer->async_wait([this, n](const boost::system::error_code& ec) {
      if (!ec) gr_expired(*n);
    });
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  } else {
    n->gr_timer->cancel();
    changed = n->rib_in->clear();
  }
  process(*n->rib_in, changed);
}

void Engine::gr_expired(Neighbor& n) {
  if (!n.rib_in || n.stale_families.empty()) return;
  spdlog::info("[{}] graceful restart timer expired: stale paths removed", n.cfg.address);
  std::vector<rib::PrefixKey> changed;
  for (auto f : n.stale_families) {
    auto c = n.rib_in->sweep_stale(f);
    changed.insert(changed.end(), c.begin(), c.end());
  }
  n.stale_families.clear();
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  process(*n.rib_in, changed);
}

void Engine::session_refresh(Neighbor& nb, std::uint64_t gen, const wire::RouteRefresh& rr) {
  Neighbor* n = &nb;
  if (!n->session || gen != n->gen) return;
  ++n->counters.route_refresh_in;
  if (rr.subtype == 1 || rr.subtype == 2) {
    // The peer re-sends its table (RFC 7313): stale from BoRR until EoRR.
    const Family f{rr.afi, rr.safi};
    auto changed = rr.subtype == 1 ? n->rib_in->begin_refresh(f) : n->rib_in->end_refresh(f);
    process(*n->rib_in, changed);
    return;
  }
  if (rr.subtype != 0) return;
  const Family f{rr.afi, rr.safi};
  if (n->session->family(afisafi(f)) == nullptr) return;
  // RFC 7313: the table between BoRR and EoRR, in one batch.
  const bool enhanced = n->session->enhanced_route_refresh;
  auto marker = [&](std::uint8_t subtype) {
    std::vector<wire::Bytes> m;
    if (enhanced) m.push_back(wire::encode_message(wire::RouteRefresh{rr.afi, subtype, rr.safi}, n->ectx));
    return m;
  };
  n->rib_out.resend(f);
  flush(*n, marker(1), marker(2));
  if (enhanced) n->counters.updates_out -= 2;  // BoRR and EoRR are not UPDATEs
}

// ---- Loc-RIB to Adj-RIB-Out ------------------------------------------------

// Below this many prefixes a table is compacted as it drains, not by halvings.
constexpr std::size_t kCompactFloor = 1024;

void Engine::process(rib::AdjRibIn& from, const std::vector<rib::PrefixKey>& changed) {
  if (changed.empty()) return;
  after_update(loc_rib_.update(from, changed));
}

void Engine::after_update(const std::vector<rib::RibEvent>& events) {
  dispatch(events);
  // After a large withdrawal (a full table gone, a peer down), give the
  // memory back: emptied chunks, the index, then glibc's free pages. Once per
  // halving since the last compaction, and while a table withdrawn in random
  // order drains its last chunks (they empty only at the very end).
  auto& table = loc_rib_.table();
  rib_peak_ = std::max(rib_peak_, table.size());
  const bool halved = rib_peak_ >= kCompactFloor && table.size() <= rib_peak_ / 2;
  const bool draining =
      table.size() < kCompactFloor && table.size() < rib_peak_ && table.chunks() > 2 && table.emptied() > 0;
  if (halved || draining) {
    const auto released = table.compact();
    ::malloc_trim(0);
    spdlog::debug("RIB shrank from {} to {} prefixes: {} octets of tables released", rib_peak_, table.size(), released);
    rib_peak_ = table.size();
  }
}

void Engine::dispatch(const std::vector<rib::RibEvent>& events) {
  if (events.empty()) return;
  if (!watchers_.empty()) {
    for (const auto& ev : events) {
      const RibChangeNote note{ev.kind, ev.key, ev.new_best};
      for (auto& [id, w] : watchers_) w(note);
    }
  }
  for (auto& np : neighbors_) {
    Neighbor& n = *np;
    if (!n.established()) continue;
    bool touched = false;
    std::optional<Family> family;  // the last event's, and whether the session has it
    bool negotiated = false;
    for (const auto& ev : events) {
      const bool add_path = n.ectx.add_path.for_afi(ev.key.prefix.afi);
      if (ev.kind == rib::RibEvent::Kind::kPathsChanged && !add_path) continue;
      if (family != ev.key.family) {
        family = ev.key.family;
        negotiated = n.session->family(afisafi(ev.key.family)) != nullptr;
      }
      if (!negotiated) continue;
      export_prefix(n, ev.key, ev.entry, add_path);
      touched = true;
    }
    if (touched) schedule_flush(n);
  }
}

void Engine::export_prefix(Neighbor& n, const rib::PrefixKey& k, const rib::RibEntry* e) {
  if (n.session->family(afisafi(k.family)) == nullptr) return;
  export_prefix(n, k, e, n.ectx.add_path.for_afi(k.prefix.afi));
}

void Engine::export_prefix(Neighbor& n, const rib::PrefixKey& k, const rib::RibEntry* e, bool add_path) {
  std::vector<DesiredPath> desired;
  auto consider = [&](std::size_t i) {
    const auto& p = e->paths()[i];
    if (p.peer == n.id) return;  // never back to the peer it came from
    auto r = export_path(*p.attrs, k.prefix, source_of(p.peer), n.target, store_);
    if (r.attrs) desired.push_back({{p.peer, p.path_id}, std::move(r.attrs)});
  };
  if (e != nullptr && e->best()) {
    consider(*e->best());
    if (add_path)
      for (std::size_t i = 0; i < e->paths().size(); ++i)
        if (i != *e->best()) consider(i);
  }
  n.rib_out.set(k, std::move(desired), add_path);
}

void Engine::schedule_flush(Neighbor& n) {
  if (n.flush_posted || n.mrai_running) return;
  n.flush_posted = true;
  // Posted: every event of this round (one UPDATE, one peer down) is packed together.
  asio::post(ex_, [this, &n] {
    n.flush_posted = false;
    if (!n.established()) return;
    flush(n);
    if (n.cfg.timers.mrai == 0) return;
    n.mrai_running = true;
    n.mrai_timer->expires_after(std::chrono::seconds{n.cfg.timers.mrai});
    n.mrai_timer->async_wait([this, &n](const boost::system::error_code& ec) {
      if (ec) return;
      n.mrai_running = false;
      if (n.rib_out.has_pending()) schedule_flush(n);
    });
  });
}

void Engine::flush(Neighbor& n, std::vector<wire::Bytes> before, std::vector<wire::Bytes> after) {
  if (!n.established()) return;
  auto msgs = std::move(before);
  if (n.rib_out.has_pending())
    for (auto& m : n.rib_out.flush(n.ectx)) msgs.push_back(std::move(m));
  for (auto& m : after) msgs.push_back(std::move(m));
  send(n, std::move(msgs));
}

// ---- The edge role ----------------------------------------------------------

void Engine::originate(OriginatedService& s) {
  const OriginParams p{cats_type(), cfg_.global.router_id, static_cast<std::uint16_t>(cfg_.damper.interval)};
  const auto messages = s.state.withdrawn ? build_withdrawals(*s.svc) : build_announcements(*s.svc, s.state, p);
  wire::DecodeContext ctx;
  ctx.as4 = true;
  ctx.multiprotocol = true;
  ctx.cats_type = cats_type();
  for (const auto& m : messages) {
    const auto d = wire::decode_message(m, ctx);
    if (d.action() != wire::Action::kNone) {
      spdlog::error("service {}: built UPDATE does not decode: {}", s.svc->name, d.error()->reason);
      continue;
    }
    auto r = local_->apply(d, next_arrival());
    process(*local_, r.changed);
  }
  ++s.state.updates;
}

Engine::InjectResult Engine::inject(const std::string& service, const MetricsUpdate& u) {
  InjectResult res;
  auto it = std::find_if(services_.begin(), services_.end(),
                         [&](const OriginatedService& s) { return s.svc->name == service; });
  if (it == services_.end()) {
    res.error = cfg_.global.has_role(config::Role::kEdge) ? "no service \"" + service + "\""
                                                          : std::string("not an edge: no services originated");
    return res;
  }
  ServiceState next = it->state;
  if (u.l2) next.metrics.l2 = *u.l2;
  for (std::size_t i = 0; i < u.l1.size(); ++i)
    if (u.l1[i]) next.metrics.l1[i] = u.l1[i];
  if (u.drain) next.metrics.drain = *u.drain;
  if (u.instances) next.metrics.instances = *u.instances;
  if (u.withdraw) next.withdrawn = *u.withdraw;
  if (auto err = check_metrics(next.metrics)) {
    res.error = *err;
    return res;
  }
  next.sequence = it->state.sequence + 1;  // serial arithmetic wraps (RFC 1982)
  it->state = std::move(next);
  originate(*it);
  res.sequence = it->state.sequence;
  res.paths = static_cast<std::uint32_t>(it->svc->prefixes.size());
  spdlog::info("service {}: L2 {}{}{} seq {}", service, it->state.metrics.l2, it->state.metrics.drain ? " drain" : "",
               it->state.withdrawn ? " withdrawn" : "", it->state.sequence);
  return res;
}

// ---- Operations -------------------------------------------------------------

std::variant<std::uint32_t, std::string> Engine::clear(const std::string& address, ClearMode mode,
                                                       const std::string& reason) {
  std::vector<Neighbor*> targets;
  for (auto& n : neighbors_)
    if (address == "all" || n->cfg.address == address) targets.push_back(n.get());
  if (targets.empty()) {
    boost::system::error_code ec;
    const auto a = asio::ip::make_address(address, ec);
    if (!ec)
      if (auto* n = find_address(a)) targets.push_back(n);
  }
  if (targets.empty()) return "no neighbor " + address;
  for (Neighbor* n : targets) {
    switch (mode) {
      case ClearMode::kHard:
        n->max_prefix_exceeded = false;
        // Cease 6/4 to an open session, then a manual start (also ends a max-prefix hold).
        to_peer(*n, [reason](Peer& p) {
          p.control(session::Event::admin_reset(reason));
          p.start();
        });
        break;
      case ClearMode::kSoftIn:
      case ClearMode::kSoftOut:
      case ClearMode::kSoftBoth:
        if (!n->session) break;
        if (mode != ClearMode::kSoftOut && n->session->route_refresh) {
          std::vector<wire::Bytes> rr;
          for (const auto& f : n->session->families)
            rr.push_back(wire::encode_message(wire::RouteRefresh{f.family.afi, 0, f.family.safi}, n->ectx));
          n->counters.updates_out -= rr.size();  // ROUTE-REFRESH is not an UPDATE
          send(*n, std::move(rr));
        }
        if (mode != ClearMode::kSoftIn) {
          for (const auto& f : n->session->families) n->rib_out.resend(family_of(f.family));
          flush(*n);
        }
        break;
    }
  }
  return static_cast<std::uint32_t>(targets.size());
}

std::uint64_t Engine::watch(Watcher w) {
  const auto id = next_watch_++;
  watchers_.emplace(id, std::move(w));
  return id;
}

void Engine::unwatch(std::uint64_t id) {
  watchers_.erase(id);
}

}  // namespace cats::rde
