// The engine's export side: from Loc-RIB events to each neighbor's
// Adj-RIB-Out, and from there to UPDATEs on the session (flushed once per
// round of events, at most once per MRAI).
#include <boost/asio/post.hpp>

#include "catsd/rde/engine.hpp"

namespace cats::rde {

namespace asio = boost::asio;
using wire::Family;

namespace {

session::AfiSafi afisafi(Family f) {
  return session::AfiSafi{f.afi, f.safi};
}

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

void Engine::set_target(Neighbor& n, std::optional<asio::ip::address> local) {
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

void Engine::initial_dump(Neighbor& n) {
  loc_rib_.for_each([&](const rib::RibEntry& e) { export_prefix(n, e.key, &e); });
  // RFC 4724 §2: End-of-RIB after the initial table, for every family.
  std::vector<wire::Bytes> eor;
  for (const auto& f : n.session()->negotiated.families) {
    if (f.family.safi != 1 || (f.family.afi != 1 && f.family.afi != 2)) continue;
    eor.push_back(wire::end_of_rib_message(f.family.afi == 1 ? wire::Afi::kIpv4 : wire::Afi::kIpv6));
  }
  flush(n, {}, std::move(eor));
}

void Engine::dispatch(const std::vector<rib::RibEvent>& events) {
  if (events.empty()) return;
  for (auto& np : neighbors_) {
    Neighbor& n = *np;
    const EstablishedSession* es = n.session();
    if (es == nullptr) continue;
    bool touched = false;
    std::optional<Family> family;  // the last event's, and whether the session has it
    bool negotiated = false;
    for (const auto& ev : events) {
      const bool add_path = es->ectx.add_path.for_afi(ev.key.prefix.afi);
      if (ev.kind == rib::RibEvent::Kind::kPathsChanged && !add_path) continue;
      if (family != ev.key.family) {
        family = ev.key.family;
        negotiated = es->negotiated.family(afisafi(ev.key.family)) != nullptr;
      }
      if (!negotiated) continue;
      export_prefix(n, ev.key, ev.entry, add_path);
      touched = true;
    }
    if (touched) schedule_flush(n);
  }
}

void Engine::export_prefix(Neighbor& n, const rib::PrefixKey& k, const rib::RibEntry* e) {
  const EstablishedSession& es = *n.session();
  if (es.negotiated.family(afisafi(k.family)) == nullptr) return;
  export_prefix(n, k, e, es.ectx.add_path.for_afi(k.prefix.afi));
}

void Engine::export_prefix(Neighbor& n, const rib::PrefixKey& k, const rib::RibEntry* e, bool add_path) {
  std::vector<DesiredPath> desired;
  const ExportTarget& target = n.session()->target;
  auto consider = [&](std::size_t i) {
    const auto& p = e->paths()[i];
    if (p.peer == n.id()) return;  // never back to the peer it came from
    auto r = export_path(*p.attrs, k.prefix, source_of(p.peer), target, store_);
    if (r.attrs) desired.push_back({{p.peer, p.path_id}, std::move(r.attrs)});
  };
  if (e != nullptr && e->best()) {
    consider(*e->best());
    if (add_path)
      for (std::size_t i = 0; i < e->paths().size(); ++i)
        if (i != *e->best()) consider(i);
  }
  n.rib_out().set(k, std::move(desired), add_path);
}

void Engine::schedule_flush(Neighbor& n) {
  FlushPacing& pace = n.pacing();
  if (pace.posted || pace.mrai_running) return;
  pace.posted = true;
  // Posted: every event of this round (one UPDATE, one peer down) is packed together.
  asio::post(ex_, [this, &n] {
    FlushPacing& pace = n.pacing();
    pace.posted = false;
    if (!n.established()) return;
    flush(n);
    if (n.config().timers.mrai == 0) return;
    pace.mrai_running = true;
    pace.mrai_timer->expires_after(std::chrono::seconds{n.config().timers.mrai});
    pace.mrai_timer->async_wait([this, &n](const boost::system::error_code& ec) {
      if (ec) return;
      n.pacing().mrai_running = false;
      if (n.rib_out().has_pending()) schedule_flush(n);
    });
  });
}

void Engine::flush(Neighbor& n, std::vector<wire::Bytes> before, std::vector<wire::Bytes> after) {
  const EstablishedSession* es = n.session();
  if (es == nullptr) return;
  auto msgs = std::move(before);
  if (n.rib_out().has_pending())
    for (auto& m : n.rib_out().flush(es->ectx)) msgs.push_back(std::move(m));
  for (auto& m : after) msgs.push_back(std::move(m));
  send(n, std::move(msgs));
}

void Engine::send(Neighbor& n, std::vector<wire::Bytes> messages) {
  if (messages.empty() || n.session() == nullptr) return;
  n.counters().updates_out += messages.size();
  port_.send(n.id(), n.session()->gen, std::move(messages));
}

}  // namespace cats::rde
