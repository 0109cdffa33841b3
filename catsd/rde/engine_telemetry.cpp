// The engine's side of the telemetry tap (catsd/telemetry/rib_monitor.hpp):
// what a monitor learns of a session that comes up, the post-policy view of
// each received prefix, and Loc-RIB best-path changes.
#include <algorithm>

#include "bgp-ext/session/negotiate.hpp"
#include "bgp-ext/wire/message.hpp"
#include "catsd/rde/engine.hpp"
#include "yang/loader/session_config.hpp"

namespace cats::rde {

namespace {

wire::Bytes address_octets(const boost::asio::ip::address& a) {
  wire::Bytes out;
  if (a.is_v4()) {
    for (auto b : a.to_v4().to_bytes()) out.push_back(static_cast<std::byte>(b));
  } else if (a.to_v6().is_v4_mapped()) {
    for (auto b : boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()).to_bytes())
      out.push_back(static_cast<std::byte>(b));
  } else {
    for (auto b : a.to_v6().to_bytes()) out.push_back(static_cast<std::byte>(b));
  }
  return out;
}

// catsd keeps no received OPEN: the peer's, rebuilt from what negotiation
// kept (AS, id, hold time, families with ADD-PATH, the capabilities both
// sides use). A station reads ADD-PATH and 4-octet AS from it.
wire::Bytes peer_open(const session::Negotiated& s) {
  session::LocalConfig c;
  c.asn = s.peer_asn;
  c.router_id = s.peer_router_id;
  c.hold_time = s.hold_time;
  c.families.clear();
  for (const auto& f : s.peer_families) {
    session::FamilyConfig fc{f};
    if (const auto* st = s.family(f)) {
      const bool send = st->add_path_receive;  // the peer sends path ids
      const bool recv = st->add_path_send;
      fc.add_path = send && recv ? session::AddPathMode::kBoth
                    : send       ? session::AddPathMode::kSend
                    : recv       ? session::AddPathMode::kReceive
                                 : session::AddPathMode::kNone;
    }
    c.families.push_back(fc);
  }
  c.route_refresh = s.route_refresh;
  c.enhanced_route_refresh = s.enhanced_route_refresh;
  c.extended_message = s.extended_message;
  if (s.peer_graceful_restart) {
    c.graceful_restart.enabled = true;
    c.graceful_restart.restart_time = s.peer_graceful_restart->restart_time;
    c.graceful_restart.notification = s.peer_graceful_restart->notification;
    c.graceful_restart.restarting = s.peer_graceful_restart->restarted;
  }
  c.cats.advertise = s.cats_version != 0;
  c.cats.capability = s.cats_capability;
  if (s.peer_cats_max_version) c.cats.max_version = *s.peer_cats_max_version;
  return wire::encode_message(session::build_open(c), wire::EncodeContext{}, s.cats_capability);
}

}  // namespace

void Engine::set_monitor(telemetry::RibMonitor* m) {
  if (m == monitor_) return;
  monitor_ = m;
  if (m == nullptr) return;
  for (const auto& n : neighbors_)
    if (n != nullptr && n->established()) monitor_up(*n, n->session()->negotiated, n->session()->ends, true);
}

void Engine::monitor_up(const Neighbor& n, const session::Negotiated& s, const session::ConnectionEnds& ends,
                        bool replayed) {
  telemetry::PeerInfo p;
  p.id = n.id();
  boost::system::error_code ec;
  const auto remote = boost::asio::ip::make_address(n.address(), ec);
  if (!ec) p.address = address_octets(remote);
  if (ends.local) p.local = address_octets(*ends.local);
  p.local_port = ends.local_port;
  p.remote_port = ends.remote_port;
  p.asn = s.peer_asn;
  p.local_asn = s.local_asn;
  p.bgp_id = s.peer_router_id;
  p.local_bgp_id = cfg_.global.router_id;
  p.as4 = s.as4;
  for (const auto& f : s.families)
    if (f.add_path_receive) (f.family.afi == 1 ? p.add_path.ipv4 : p.add_path.ipv6) = true;
  // Our OPEN as the session sent it: the same configuration builds the same OPEN.
  auto pc = loader::to_peer_config(cfg_, n.config());
  if (auto* c = std::get_if<session::PeerConfig>(&pc))
    p.sent_open = wire::encode_message(session::build_open(c->local), wire::EncodeContext{}, c->local.cats.capability);
  p.received_open = peer_open(s);
  // The wall-clock time the session came up (a tap set later replays it).
  p.replayed = replayed;
  p.since = std::chrono::system_clock::now() -
            std::chrono::duration_cast<std::chrono::system_clock::duration>(SteadyClock::now() - n.session()->since);
  monitor_->peer_up(p);
}

void Engine::monitor_post_policy(const Neighbor& n, const wire::Update& u) {
  const auto& table = loc_rib_.table();
  const auto each = [&](wire::Family f, const wire::NlriView& v) {
    for (const auto& e : v) {
      const rib::PrefixKey key{f, e.prefix};
      const std::uint32_t id = e.path_id.value_or(0);
      const rib::AdjRoute* path = nullptr;
      if (const auto* entry = table.find(key)) {
        const auto paths = entry->paths();
        const auto it = std::find_if(paths.begin(), paths.end(),
                                     [&](const rib::AdjRoute& r) { return r.peer == n.id() && r.path_id == id; });
        if (it != paths.end()) path = &*it;
      }
      monitor_->adj_in_changed(n.id(), key, id, path);
    }
  };
  each(rib::kIpv4Unicast, u.withdrawn);
  each(rib::kIpv4Unicast, u.nlri);
  if (const auto* mp = u.mp_unreach(); mp != nullptr && mp->known_family())
    each(wire::Family{mp->afi, mp->safi}, mp->entries());
  if (const auto* mp = u.mp_reach(); mp != nullptr && mp->known_family())
    each(wire::Family{mp->afi, mp->safi}, mp->entries());
}

void Engine::monitor_best(const std::vector<rib::RibEvent>& events) {
  for (const auto& ev : events)
    if (ev.kind != rib::RibEvent::Kind::kPathsChanged) monitor_->best_changed(ev);
}

std::map<rib::PeerId, telemetry::PeerStats> Engine::peer_stats() const {
  std::map<rib::PeerId, telemetry::PeerStats> out;
  for (const auto& n : neighbors_) {
    if (n == nullptr) continue;
    auto& st = out[n->id()];
    st.rejected = n->counters().filtered_in;
    st.treat_as_withdraw = n->counters().rfc7606_withdraws;
    if (n->rib_in() != nullptr) st.adj_rib_in = n->rib_in()->size();
  }
  loc_rib_.for_each([&](const rib::RibEntry& e) {
    if (const auto* b = e.best_path(); b != nullptr)
      if (auto it = out.find(b->peer); it != out.end()) ++it->second.best;
  });
  return out;
}

}  // namespace cats::rde
