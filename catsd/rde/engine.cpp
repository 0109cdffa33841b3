#include "catsd/rde/engine.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "bgp-ext/wire/message.hpp"
#include "catsd/rde/update_log.hpp"
#include "rib-adapter/netlink/fib.hpp"
#include "rib-adapter/netlink/route_monitor.hpp"
#include "rib-adapter/rib/reflection.hpp"

namespace cats::rde {

namespace asio = boost::asio;
using wire::Family;

namespace {

session::AfiSafi afisafi(Family f) {
  return session::AfiSafi{f.afi, f.safi};
}

rib::PeerFacts facts_for(const config::Config& cfg, const Neighbor& n, const session::Negotiated& s) {
  rib::PeerFacts f;
  f.address = rib::PeerAddress::parse(n.address()).value_or(rib::PeerAddress{});
  f.asn = n.config().remote_as;
  f.local_asn = cfg.global.as;
  f.type = n.config().ibgp ? rib::PeerType::kInternal : rib::PeerType::kExternal;
  f.router_id = s.peer_router_id;
  return f;
}

wire::Bytes max_prefix_data(Family f, std::uint32_t limit) {
  wire::Bytes b;
  wire::Writer w(b);
  w.put16(f.afi);
  w.put8(f.safi);
  w.put32(limit);
  return b;
}

std::string dotted(std::uint32_t v) {
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 0xff) + "." + std::to_string((v >> 8) & 0xff) +
         "." + std::to_string(v & 0xff);
}

// Below this many prefixes a table is compacted as it drains, not by halvings.
constexpr std::size_t kCompactFloor = 1024;

}  // namespace

Engine::Engine(asio::any_io_executor ex, config::Config cfg, SessionPort& port)
    : ex_(std::move(ex)),
      cfg_(std::move(cfg)),
      port_(port),
      nexthops_(
          {.resolve_via_default = cfg_.steering.resolve_via_default, .own_protocol = netlink::kCatsRouteProtocol}),
      store_(cfg_.global.cats.attribute_type),
      cats_(cfg_.steering),
      recheck_(ex_),
      refused_timer_(ex_),
      freshness_timer_(ex_) {
  if (cfg_.steering.next_hop_tracking) store_.set_nexthops(&nexthops_);
  steering_ = cfg_.global.has_role(config::Role::kIngress) || cfg_.global.has_role(config::Role::kController);
  // The Loc-RIB best of a class with bgp-best-follows is the selected site.
  const auto& classes = cfg_.steering.classes;
  if (steering_ && std::any_of(classes.begin(), classes.end(), [](const auto& c) { return c.bgp_best_follows; }))
    loc_rib_.set_best_override([this](const rib::RibEntry& e) { return follow_cats(e); });
  rib::PeerFacts self;
  self.router_id = cfg_.global.router_id;
  self.asn = cfg_.global.as;
  self.local_asn = cfg_.global.as;
  self.type = rib::PeerType::kLocal;
  local_ = std::make_unique<rib::AdjRibIn>(0, self, store_, loc_rib_);
  cluster_id_ = cfg_.global.cluster_id.value_or(cfg_.global.router_id);
}

Engine::~Engine() = default;  // after the route monitor (it posts nothing once destroyed)

std::optional<std::string> Engine::start() {
  if (cfg_.neighbors.size() >= rib::AdjRoute::kMaxPeer)
    return "more than " + std::to_string(rib::AdjRoute::kMaxPeer - 1) + " neighbors";
  rib::PeerId next_id = 1;
  for (const auto& nc : cfg_.neighbors) {
    auto policy = rib::NeighborPolicy::compile(nc, cfg_.prefix_lists);
    if (auto* e = std::get_if<std::string>(&policy)) return "neighbor " + nc.address + " " + *e;
    create_neighbor(next_id++, nc, std::get<rib::NeighborPolicy>(std::move(policy)));
  }
  if (cfg_.global.has_role(config::Role::kEdge)) {
    services_.reserve(cfg_.services.size());
    for (const auto& s : cfg_.services) services_.push_back(make_service(s));
    for (auto& s : services_)
      if (!s.waiting) originate(s);
    arm_freshness_timer();
  }
  return std::nullopt;
}

OriginatedService Engine::make_service(const config::Service& s) const {
  OriginatedService o;
  o.svc = &s;
  o.state = ServiceState{s.metrics, next_sequence(0, sequence_clock_()), false, 0};
  o.reported = s.metrics;
  // A service fed by the in-process collector waits for its first report.
  const bool fed = std::any_of(cfg_.collector.targets.begin(), cfg_.collector.targets.end(),
                               [&](const config::CollectorTarget& t) { return t.service == s.name; });
  const auto wait = s.freshness.startup_wait.value_or(fed ? std::chrono::seconds{10} : std::chrono::seconds{0});
  if (wait.count() > 0) {
    o.waiting = SteadyClock::now() + wait;
    spdlog::info("service {}: waiting up to {} s for a first report before advertising", s.name, wait.count());
  }
  return o;
}

void Engine::shutdown(std::string_view text, std::chrono::milliseconds linger, std::function<void()> done) {
  stopping_ = true;
  port_.shutdown(std::string(text), linger, [ex = ex_, done = std::move(done)] { asio::post(ex, done); });
}

Neighbor* Engine::neighbor(rib::PeerId id) {
  if (id == 0 || id > neighbors_.size()) return nullptr;
  return neighbors_[id - 1].get();
}

const Neighbor* Engine::neighbor_by_id(rib::PeerId id) const {
  if (id == 0 || id > neighbors_.size()) return nullptr;
  return neighbors_[id - 1].get();
}

Neighbor* Engine::find_address(const std::string& address) {
  boost::system::error_code ec;
  const auto a = asio::ip::make_address(address, ec);
  if (ec) return nullptr;
  for (auto& n : neighbors_) {
    if (!n) continue;
    const auto b = asio::ip::make_address(n->address(), ec);
    if (!ec && a == b) return n.get();
  }
  return nullptr;
}

rib::Arrival Engine::next_arrival() {
  return {++seq_, SteadyClock::now()};
}

// ---- Sessions ---------------------------------------------------------------

void Engine::install_imports(Neighbor& n) {
  const rib::Policy& in = n.policy().import_policy;
  rib::ImportHooks h;
  if (in.filter) h.accept = [&in](const wire::Prefix& p) { return in.permits(p); };
  if (in.modifies()) {
    const std::uint8_t cats = cats_type();
    h.transform = [&in, cats](const wire::AttributeSet& a) { return in.apply(a, cats); };
  }
  n.rib_in()->set_import(std::move(h));
}

void Engine::session_up(rib::PeerId id, std::uint64_t gen, const session::Negotiated& s,
                        const session::ConnectionEnds& ends) {
  Neighbor* n = neighbor(id);
  if (n == nullptr) return;
  EstablishedSession es;
  es.gen = gen;
  es.negotiated = s;
  es.ectx = session::encode_context(s);
  es.since = SteadyClock::now();
  es.ends = ends;
  n->establish(std::move(es));
  const auto facts = facts_for(cfg_, *n, s);
  if (n->rib_in() == nullptr) {
    n->set_rib_in(std::make_unique<rib::AdjRibIn>(n->id(), facts, store_, loc_rib_));
  } else {
    n->rib_in()->set_facts(facts);
  }
  install_imports(*n);
  for (const auto& f : s.families) {
    std::optional<std::size_t> limit;
    if (n->config().max_prefix) limit = n->config().max_prefix->limit;
    n->rib_in()->set_max_prefix(Family{f.family.afi, f.family.safi}, limit);
  }
  n->rib_in()->set_paths_per_prefix(n->config().max_paths_per_prefix);
  process(*n->rib_in(), n->graceful_restart().session_up(*n->rib_in(), s));
  set_target(*n, ends.local);
  if (monitor_ != nullptr) monitor_up(*n, s, ends);
  spdlog::info("[{}] established: AS{} router-id {}, {} families{}", n->address(), s.peer_asn, dotted(s.peer_router_id),
               s.families.size(), s.cats_version != 0 ? ", CATS" : "");
  for (auto& [wid, w] : session_watchers_) w(*n, nullptr);
  // The initial table after this event completes (the FSM is Established now).
  asio::post(ex_, [this, id, gen] {
    Neighbor* n = neighbor(id);  // removed meanwhile by a reconfiguration: nullptr
    if (n != nullptr && n->established() && n->session()->gen == gen) initial_dump(*n);
  });
}

void Engine::session_down(rib::PeerId id, std::uint64_t gen, const session::SessionDown& why) {
  Neighbor* n = neighbor(id);
  if (n == nullptr) return;
  const auto s = n->drop_session(gen, why);
  if (s)
    for (auto& [wid, w] : session_watchers_) w(*n, &why);
  if (s && monitor_ != nullptr) monitor_->peer_down(id, why);
  if (!s || n->rib_in() == nullptr) return;
  const bool graceful = GracefulRestart::keeps_paths(s->negotiated, why, stopping_);
  process(*n->rib_in(), n->graceful_restart().session_down(*n->rib_in(), s->negotiated, graceful));
}

void Engine::gr_expired(Neighbor& n) {
  if (n.rib_in() == nullptr || n.graceful_restart().stale_families().empty()) return;
  spdlog::info("[{}] graceful restart timer expired: stale paths removed", n.address());
  process(*n.rib_in(), n.graceful_restart().expire(*n.rib_in()));
}

void Engine::session_refresh(rib::PeerId id, std::uint64_t gen, const wire::RouteRefresh& rr) {
  Neighbor* n = neighbor(id);
  if (n == nullptr || n->session() == nullptr || n->session()->gen != gen) return;
  ++n->counters().route_refresh_in;
  const Family f{rr.afi, rr.safi};
  if (rr.subtype == 1 || rr.subtype == 2) {
    // The peer re-sends its table (RFC 7313): stale from BoRR until EoRR.
    auto changed = rr.subtype == 1 ? n->rib_in()->begin_refresh(f) : n->rib_in()->end_refresh(f);
    process(*n->rib_in(), changed);
    return;
  }
  if (rr.subtype != 0) return;
  const EstablishedSession& es = *n->session();
  if (es.negotiated.family(afisafi(f)) == nullptr) return;
  // RFC 7313: the table again, between BoRR and EoRR.
  const bool enhanced = es.negotiated.enhanced_route_refresh;
  refresh_out(*n, f, enhanced);
}

// ---- Import -----------------------------------------------------------------

bool Engine::looped(const Neighbor& n, const wire::Update& u) const {
  if (!n.config().ibgp) return rib::as_path_loop(u.attrs, cfg_.global.as);
  return rib::reflection_loop(u.attrs, cfg_.global.router_id, cluster_id_) != rib::ReflectionLoop::kNone;
}

void Engine::session_updates(rib::PeerId id, const UpdateBatch& batch) {
  Neighbor* n = neighbor(id);
  if (n == nullptr || n->session() == nullptr || batch.gen != n->session()->gen) return;  // a session already gone
  rib::ApplyResult pending;
  std::size_t start = 0;
  for (const auto& m : batch.messages) {
    const auto message = wire::ByteSpan(batch.bytes).subspan(start, m.end - start);
    if (monitor_ != nullptr) monitor_->received(id, message);
    on_update(*n, wire::decode_message(message, m.ctx), message, pending);
    start = m.end;
    // Bounded: the decision's events for a batch are held at once.
    if (pending.entries.size() >= rib::LocRib::kBatchEntries) decide_pending(pending);
  }
  decide_pending(pending);
}

void Engine::decide_pending(rib::ApplyResult& pending) {
  if (pending.entries.empty()) return;
  const auto numbers = entry_numbers(pending.entries);
  after_update(loc_rib_.update_entries(pending.entries), numbers);
  pending.entries.clear();
}

void Engine::on_update(Neighbor& n, const wire::Decoded& d, wire::ByteSpan message, rib::ApplyResult& r) {
  if (n.rib_in() == nullptr) return;
  const auto* u = std::get_if<wire::Update>(&d.body);
  if (u == nullptr) return;
  auto& counters = n.counters();
  ++counters.updates_in;
  auto action = d.action();
  if (action == wire::Action::kSessionReset) return;  // the session layer resets; on_down clears
  if (const auto* err = d.error()) {
    if (action == wire::Action::kTreatAsWithdraw) ++counters.rfc7606_withdraws;
    if (action == wire::Action::kAttributeDiscard) ++counters.rfc7606_discards;
    if (auto suppressed = n.log_limit().allow("update-error"))
      spdlog::warn("[{}] UPDATE error, {}: {}; {}{}", n.address(), wire::action_name(action), err->reason,
                   describe_update(*u, message), log::RateLimit::suffix(*suppressed));
  }
  // Spec E20: our code point with other O/T bits is someone else's attribute.
  if (const auto* a = u->attrs.find(cfg_.global.cats.attribute_type); a != nullptr && !a->recognised)
    if (auto suppressed = n.log_limit().allow("e20"))
      spdlog::warn(
          "[{}] attribute {} with flags 0x{:02x} is not CATS-EXP (that is optional transitive): kept as "
          "an unrecognised attribute, no CATS metrics for {}{}",
          n.address(), a->type, a->flags, describe_update(*u, message, 8, 0), log::RateLimit::suffix(*suppressed));
  if (action != wire::Action::kTreatAsWithdraw && u->has_reachable() && looped(n, *u)) {
    action = wire::Action::kTreatAsWithdraw;
    ++counters.filtered_in;
    spdlog::debug("[{}] UPDATE ignored: routing loop (AS_PATH, ORIGINATOR_ID or CLUSTER_LIST)", n.address());
  }
  r.withdrawn = r.filtered = r.unknown_withdraws = r.path_limited = 0;
  n.rib_in()->apply_to(*u, action, next_arrival(), r);
  if (monitor_ != nullptr && monitor_->wants_post_policy()) monitor_post_policy(n, *u);
  if (r.path_limited > 0) paths_refused(n, r);
  counters.withdraws_in += r.withdrawn;
  counters.filtered_in += r.filtered;
  counters.unknown_withdraws += r.unknown_withdraws;
  if (r.end_of_rib) {
    const Family f = *r.end_of_rib;
    spdlog::info("[{}] End-of-RIB {}", n.address(), session::to_string(afisafi(f)));
    if (n.graceful_restart().waiting_for(f)) {
      decide_pending(r);  // what came before the marker, then the sweep
      process(*n.rib_in(), n.graceful_restart().end_of_rib(*n.rib_in(), f));
    }
  }
  if (!r.over_limit.empty()) max_prefix(n, r.over_limit);
}

void Engine::paths_refused(Neighbor& n, const rib::ApplyResult& r) {
  n.counters().paths_refused += r.path_limited;
  if (auto suppressed = n.log_limit().allow("paths"))
    spdlog::warn(
        "[{}] {} path(s) refused, first for {}: this neighbor may hold {} paths per prefix, all neighbors {}; "
        "asked for again when room frees up{}",
        n.address(), r.path_limited, r.first_path_limited ? r.first_path_limited->prefix.to_string() : "?",
        n.config().max_paths_per_prefix, loc_rib_.table().path_limit(), log::RateLimit::suffix(*suppressed));
  if (std::find(refused_.begin(), refused_.end(), n.id()) == refused_.end()) refused_.push_back(n.id());
  arm_refused_timer();
}

void Engine::arm_refused_timer() {
  if (refused_.empty() || refused_timer_.expiry() > SteadyClock::now()) return;
  refused_timer_.expires_after(std::chrono::seconds{5});
  refused_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) refresh_refused();
  });
}

void Engine::refresh_refused() {
  const auto now = SteadyClock::now();
  std::erase_if(refused_, [&](rib::PeerId id) {
    Neighbor* n = neighbor(id);
    if (n == nullptr || n->rib_in() == nullptr || n->rib_in()->refused() == 0 || !n->established()) return true;
    if (!n->rib_in()->room_for_refused() || now - n->refused_refresh_at() < Neighbor::kRefusedRefreshInterval)
      return false;
    const std::size_t refused = n->rib_in()->take_refused();
    n->set_refused_refresh_at(now);
    spdlog::info("[{}] room for paths refused earlier ({}): asking for a route refresh", n->address(), refused);
    request_refresh(*n);
    return true;
  });
  arm_refused_timer();
}

void Engine::request_refresh(Neighbor& n) {
  const EstablishedSession* es = n.session();
  if (es == nullptr || !es->negotiated.route_refresh) return;
  std::vector<wire::Bytes> rr;
  for (const auto& f : es->negotiated.families)
    rr.push_back(wire::encode_message(wire::RouteRefresh{f.family.afi, 0, f.family.safi}, es->ectx));
  n.counters().updates_out -= rr.size();  // ROUTE-REFRESH is not an UPDATE
  send(n, std::move(rr));
}

void Engine::max_prefix(Neighbor& n, const std::vector<Family>& over) {
  if (!n.config().max_prefix || n.max_prefix_exceeded()) return;
  const auto& mp = *n.config().max_prefix;
  if (mp.warning_only) {
    if (n.warn_max_prefix_once())
      spdlog::warn("[{}] max-prefix {} exceeded ({}): warning only", n.address(), mp.limit,
                   session::to_string(afisafi(over.front())));
    return;
  }
  n.set_max_prefix_exceeded(true);
  // 0: down until cleared (catsctl clear neighbor).
  const auto restart = mp.restart_after > 0
                           ? std::chrono::duration_cast<session::Duration>(std::chrono::seconds{mp.restart_after})
                           : std::chrono::duration_cast<session::Duration>(std::chrono::hours{24 * 365});
  spdlog::warn("[{}] max-prefix {} exceeded ({}): Cease 6/1, restart {}", n.address(), mp.limit,
               session::to_string(afisafi(over.front())),
               mp.restart_after > 0 ? "after " + std::to_string(mp.restart_after) + "s" : "when cleared");
  port_.control(n.id(), session::Event::max_prefix(max_prefix_data(over.front(), mp.limit), restart), false);
}

// ---- Loc-RIB ------------------------------------------------------------------

void Engine::process(rib::AdjRibIn& /*from*/, const std::vector<rib::PrefixKey>& changed) {
  if (changed.empty()) return;
  // By entry (one lookup each, as LocRib::update), so that the export learns
  // the numbers of the entries the decision frees.
  auto& table = loc_rib_.table();
  std::vector<rib::RibEntry*> entries;
  entries.reserve(changed.size());
  table.for_each_prefetched(
      changed, [](const rib::PrefixKey& k) -> const rib::PrefixKey& { return k; },
      [&](const rib::PrefixKey&, const rib::PrefixKey& key, std::uint64_t h) {
        if (rib::RibEntry* e = table.find(key, h)) entries.push_back(e);
      });
  const auto numbers = entry_numbers(entries);
  after_update(loc_rib_.update_entries(entries), numbers);
}

void Engine::after_update(const std::vector<rib::RibEvent>& events, std::span<const std::uint32_t> numbers) {
  if (!events.empty() && !watchers_.empty()) {
    for (const auto& ev : events) {
      const RibChangeNote note{ev.kind, ev.key, ev.new_best};
      for (auto& [id, w] : watchers_) w(note);
    }
  }
  if (monitor_ != nullptr) monitor_best(events);
  steer(events);
  fib_update(events);
  dispatch(events, numbers);
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

// ---- The edge role ------------------------------------------------------------

void Engine::originate(OriginatedService& s) {
  const OriginParams p{cats_type(), cfg_.global.router_id, static_cast<std::uint16_t>(cfg_.damper.interval)};
  apply_local(s.state.withdrawn ? build_withdrawals(*s.svc) : build_announcements(*s.svc, s.state, p), s.svc->name);
  ++s.state.updates;
}

void Engine::apply_local(const std::vector<wire::Bytes>& messages, const std::string& service) {
  wire::DecodeContext ctx;
  ctx.as4 = true;
  ctx.multiprotocol = true;
  ctx.cats_type = cats_type();
  for (const auto& m : messages) {
    const auto d = wire::decode_message(m, ctx);
    if (d.action() != wire::Action::kNone) {
      spdlog::error("service {}: built UPDATE does not decode: {}", service, d.error()->reason);
      continue;
    }
    auto r = local_->apply(d, next_arrival());
    process(*local_, r.changed);
  }
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
  // A report starts from the last report, not from a stale override.
  ServiceState next = it->state;
  next.metrics = it->reported;
  next.withdrawn = it->reported_withdrawn;
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
  if (auto err = check_fits(*it->svc, next.metrics)) {
    res.error = *err;
    spdlog::warn("service {}: metrics refused: {}", service, *err);
    return res;
  }
  OriginatedService& s = *it;
  if (u.pushed) s.pushed_at = SteadyClock::now();
  const bool was_stale = std::exchange(s.stale, false);
  const bool was_waiting = s.waiting.has_value();
  s.waiting.reset();
  s.reported = next.metrics;
  s.reported_withdrawn = next.withdrawn;
  // A report that changes nothing (a collector repeats its reports) only
  // refreshes: no new sequence, no UPDATE.
  if (!was_stale && !was_waiting && next.metrics == s.state.metrics && next.withdrawn == s.state.withdrawn) {
    res.sequence = s.state.sequence;
    arm_freshness_timer();
    return res;
  }
  next.sequence = next_sequence(s.state.sequence, sequence_clock_());
  s.state = std::move(next);
  originate(s);
  res.sequence = s.state.sequence;
  res.paths = static_cast<std::uint32_t>(s.svc->prefixes.size());
  spdlog::info("service {}: L2 {}{}{} seq {}{}{}{}", service, s.state.metrics.l2, s.state.metrics.drain ? " drain" : "",
               s.state.withdrawn ? " withdrawn" : "", s.state.sequence, u.why.empty() ? "" : ": ", u.why,
               was_stale ? " (reports again after going stale)" : "", was_waiting ? " (first report)" : "");
  arm_freshness_timer();
  return res;
}

void Engine::arm_freshness_timer() {
  const bool work = std::any_of(services_.begin(), services_.end(), [](const OriginatedService& s) {
    return s.waiting || (s.pushed_at && !s.stale && s.svc->freshness.stale_after.count() > 0);
  });
  if (!work || freshness_timer_.expiry() > SteadyClock::now()) return;
  freshness_timer_.expires_after(std::chrono::seconds{1});
  freshness_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check_freshness();
  });
}

void Engine::check_freshness() {
  const auto now = SteadyClock::now();
  for (auto& s : services_) {
    const config::Freshness& f = s.svc->freshness;
    if (s.waiting && now >= *s.waiting) {
      s.waiting.reset();
      spdlog::warn("service {}: no report within the startup wait: advertising the configured metrics", s.svc->name);
      s.state.sequence = next_sequence(s.state.sequence, sequence_clock_());
      originate(s);
    }
    if (!s.pushed_at || s.stale || f.stale_after.count() == 0 || now - *s.pushed_at < f.stale_after) continue;
    s.stale = true;
    const bool withdraw = f.on_stale == config::OnStale::kWithdraw;
    spdlog::warn("service {}: pushed metrics stale (no report for {} s, stale-after {} s): {}", s.svc->name,
                 std::chrono::duration_cast<std::chrono::seconds>(now - *s.pushed_at).count(), f.stale_after.count(),
                 withdraw ? "withdrawn" : "drained");
    if (withdraw) {
      s.state.withdrawn = true;
    } else {
      s.state.metrics.drain = true;
    }
    s.state.sequence = next_sequence(s.state.sequence, sequence_clock_());
    originate(s);
  }
  arm_freshness_timer();
}

// ---- Operations ---------------------------------------------------------------

std::variant<std::uint32_t, std::string> Engine::clear(const std::string& address, ClearMode mode,
                                                       const std::string& reason) {
  std::vector<Neighbor*> targets;
  for (auto& n : neighbors_)
    if (n && (address == "all" || n->address() == address)) targets.push_back(n.get());
  if (targets.empty())
    if (auto* n = find_address(address)) targets.push_back(n);
  if (targets.empty()) return "no neighbor " + address;
  for (Neighbor* n : targets) {
    if (mode == ClearMode::kHard) {
      n->set_max_prefix_exceeded(false);
      // Cease 6/4 to an open session, then a manual start (also ends a max-prefix hold).
      port_.control(n->id(), session::Event::admin_reset(reason), true);
      continue;
    }
    const EstablishedSession* es = n->session();
    if (es == nullptr) continue;
    if (mode != ClearMode::kSoftOut) request_refresh(*n);
    if (mode != ClearMode::kSoftIn)
      for (const auto& f : es->negotiated.families) refresh_out(*n, Family{f.family.afi, f.family.safi}, false);
  }
  return static_cast<std::uint32_t>(targets.size());
}

std::uint64_t Engine::watch_sessions(SessionWatcher w) {
  const auto id = next_watch_++;
  session_watchers_.emplace(id, std::move(w));
  return id;
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
