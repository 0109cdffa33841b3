// The engine's export side: Loc-RIB events go to the update groups
// (update_group.hpp), and each member's UPDATEs are produced a part at a time
// when its session has room (session_writable), members served in turn.
#include <boost/asio/post.hpp>

#include "catsd/rde/engine.hpp"

namespace cats::rde {

namespace asio = boost::asio;
using wire::Family;

namespace {

// Events in a round that make its UPDATEs go out before the handler ends.
constexpr std::size_t kEagerRound = 4096;

// IPv4-mapped IPv6 (::ffff:a.b.c.d) as the IPv6 next hop on an IPv4 session, as FRR does.
std::array<std::uint8_t, 16> mapped(const std::array<std::uint8_t, 4>& v4) {
  std::array<std::uint8_t, 16> a{};
  a[10] = a[11] = 0xff;
  std::copy(v4.begin(), v4.end(), a.begin() + 12);
  return a;
}

}  // namespace

ExportSource Engine::source_of(rib::PeerId peer) const {
  if (peer == 0) return {rib::Neighbor::kLocal, cfg_.global.router_id};
  const auto* n = neighbor_by_id(peer);
  if (n == nullptr || n->rib_in() == nullptr) return {rib::Neighbor::kExternal, 0};
  return {n->kind(), n->rib_in()->facts().router_id};
}

void Engine::set_target(Neighbor& n, const std::optional<asio::ip::address>& local) {
  // Next hop self: our end of this connection.
  ExportTarget& t = n.session()->target;
  t = ExportTarget{};
  t.kind = n.kind();
  t.local_as = cfg_.global.as;
  t.router_id = cfg_.global.router_id;
  t.cluster_id = cluster_id_;
  t.next_hop_self = n.config().next_hop_self;
  t.policy = &n.policy().export_policy;
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
}

std::vector<std::uint32_t> Engine::entry_numbers(std::span<rib::RibEntry* const> entries) {
  // Parallel to the events LocRib::update_entries returns (one per live entry).
  std::vector<std::uint32_t> out;
  out.reserve(entries.size());
  for (const rib::RibEntry* e : entries)
    if (e->live) out.push_back(e->self);
  return out;
}

ExportParams Engine::export_params(const Neighbor& n) const {
  const EstablishedSession& es = *n.session();
  ExportParams p;
  p.target = es.target;
  p.policy = n.config().export_policy;
  p.cats_send = n.config().cats.send;
  p.ectx = es.ectx;
  p.export_selection = steering_ && n.config().cats.export_selection;
  for (const auto& f : es.negotiated.families)
    if (const int i = family_index(Family{f.family.afi, f.family.safi}); i >= 0) p.families |= 1u << i;
  return p;
}

ExportEnv Engine::export_env() {
  return ExportEnv{groups_.index(), store_, [this](rib::PeerId p) { return source_of(p); }, &loc_rib_,
                   steering_ ? &cats_ : nullptr};
}

void Engine::initial_dump(Neighbor& n) {
  // The table walk ends with End-of-RIB for every family (RFC 4724 §2).
  AdjRibOut& m = n.rib_out();
  m.clear();  // nothing of an earlier session, whatever its end
  groups_.group_for(export_params(n)).join(m, n.id());
  m.eor_pending = true;
  schedule(n);
}

void Engine::dispatch(const std::vector<rib::RibEvent>& events, std::span<const std::uint32_t> numbers) {
  if (events.empty()) return;
  groups_.dispatch(events, numbers, export_env());
  for (auto& n : neighbors_)
    if (n) schedule(*n);
  // A large round goes out at once to members with room: within a large
  // batch of UPDATEs in, the first routes leave after its first decisions,
  // not after all of it. Small rounds wait for the posted run, so the changes
  // of one handler (a service's IPv4 and IPv6 UPDATEs) travel together.
  if (events.size() >= kEagerRound) run_exports();
}

void Engine::schedule(Neighbor& n) {
  AdjRibOut& m = n.rib_out();
  if (m.queued || !m.writable || m.group() == nullptr || !n.established()) return;
  if (!m.group()->has_work(m, groups_.index())) return;
  // MRAI holds changes, not a walk (the initial table, a refresh) or owed withdrawals.
  if (n.pacing().mrai_running && !m.position().walking && m.backlog.empty()) return;
  m.queued = true;
  ready_.push_back(n.id());
  if (export_posted_) return;
  export_posted_ = true;
  asio::post(ex_, [this] { run_exports(); });
}

void Engine::run_exports() {
  if (exporting_) return;
  exporting_ = true;
  export_posted_ = false;
  // One part per waiting member, in turn: fair between neighbors, and the
  // RIB thread gets back to its other work (UPDATEs in) between rounds.
  for (std::size_t turns = ready_.size(); turns > 0 && !ready_.empty(); --turns) {
    Neighbor* n = neighbor(ready_.front());
    ready_.pop_front();
    if (n == nullptr) continue;
    n->rib_out().queued = false;
    if (!n->established() || n->rib_out().group() == nullptr || !n->rib_out().writable) continue;
    export_part(*n);
    schedule(*n);  // more to do and nothing sent (a part with nothing for it): its turn comes again
  }
  exporting_ = false;
  if (ready_.empty() || export_posted_) return;
  export_posted_ = true;
  asio::post(ex_, [this] { run_exports(); });
}

void Engine::export_part(Neighbor& n) {
  AdjRibOut& m = n.rib_out();
  UpdateGroup& g = *m.group();
  const EstablishedSession& es = *n.session();
  Outgoing out;
  std::size_t updates = 0;
  bool changes = false;  // UPDATEs for changes (not a walk): they start the MRAI
  if (!m.backlog.empty()) {
    updates = g.render_backlog(m, out);
  } else if (g.has_work(m, groups_.index())) {
    const auto part = g.next(m, export_env());
    changes = !part->from.walking;
    updates = g.render(*part, m, out);
    if (part->completes_walk) {
      // RFC 4724 §2 End-of-RIB after the initial table, RFC 7313 EoRR after a refreshed one.
      for (const auto& f : es.negotiated.families) {
        const int i = family_index(Family{f.family.afi, f.family.safi});
        if (i < 0 || (part->walked >> i & 1) == 0) continue;
        if (m.eor_pending) {
          out.buffers.push_back({std::make_shared<const wire::Bytes>(
              wire::end_of_rib_message(i == 0 ? wire::Afi::kIpv4 : wire::Afi::kIpv6))});
          ++updates;
        }
        if ((m.eorr_pending >> i & 1) != 0)
          out.buffers.push_back({std::make_shared<const wire::Bytes>(
              wire::encode_message(wire::RouteRefresh{f.family.afi, 2, f.family.safi}, es.ectx))});
      }
      m.eor_pending = false;
      m.eorr_pending &= static_cast<std::uint8_t>(~part->walked);
    }
  }
  if (out.buffers.empty()) return;  // nothing of this part for it: it stays writable
  out.notify = true;
  m.writable = false;
  n.counters().updates_out += updates;
  port_.send(n.id(), es.gen, std::move(out));
  if (changes && n.config().timers.mrai > 0 && g.caught_up(m, groups_.index())) start_mrai(n);
}

void Engine::start_mrai(Neighbor& n) {
  FlushPacing& pace = n.pacing();
  if (pace.mrai_running) return;
  pace.mrai_running = true;
  pace.mrai_timer->expires_after(std::chrono::seconds{n.config().timers.mrai});
  pace.mrai_timer->async_wait([this, &n](const boost::system::error_code& ec) {
    if (ec) return;
    n.pacing().mrai_running = false;
    schedule(n);
  });
}

void Engine::session_writable(rib::PeerId id, std::uint64_t gen) {
  Neighbor* n = neighbor(id);
  if (n == nullptr || n->session() == nullptr || n->session()->gen != gen) return;
  n->rib_out().writable = true;
  schedule(*n);
}

void Engine::refresh_out(Neighbor& n, Family f, bool markers) {
  AdjRibOut& m = n.rib_out();
  const int i = family_index(f);
  if (m.group() == nullptr || i < 0 || n.session() == nullptr) return;
  if (markers) {
    // BoRR now; the table follows as the session drains, then EoRR.
    std::vector<wire::Bytes> borr;
    borr.push_back(wire::encode_message(wire::RouteRefresh{f.afi, 1, f.safi}, n.session()->ectx));
    send(n, std::move(borr));
    n.counters().updates_out -= 1;  // not an UPDATE
    m.eorr_pending |= static_cast<std::uint8_t>(1u << i);
  }
  m.group()->rewalk(m, static_cast<std::uint8_t>(1u << i));
  schedule(n);
}

void Engine::send(Neighbor& n, std::vector<wire::Bytes> messages) {
  if (messages.empty() || n.session() == nullptr) return;
  n.counters().updates_out += messages.size();
  Outgoing out;
  for (auto& m : messages) out.buffers.push_back({std::make_shared<const wire::Bytes>(std::move(m))});
  port_.send(n.id(), n.session()->gen, std::move(out));
}

}  // namespace cats::rde
