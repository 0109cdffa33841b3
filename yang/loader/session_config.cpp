#include "yang/loader/session_config.hpp"

#include <chrono>

namespace cats::loader {

using namespace cats::config;  // the model this maps to

namespace {

session::AddPathMode add_path_mode(AddPath a) {
  switch (a) {
    case AddPath::kNone: return session::AddPathMode::kNone;
    case AddPath::kReceive: return session::AddPathMode::kReceive;
    case AddPath::kSend: return session::AddPathMode::kSend;
    case AddPath::kBoth: return session::AddPathMode::kBoth;
  }
  return session::AddPathMode::kNone;
}

}  // namespace

session::LocalConfig to_local_config(const Config& cfg, const Neighbor& n) {
  session::LocalConfig lc;
  lc.asn = cfg.global.as;
  lc.router_id = cfg.global.router_id;
  lc.hold_time = n.timers.hold_time;
  lc.min_hold_time = n.timers.min_hold_time;
  lc.families.clear();
  for (const auto& f : n.families) {
    session::FamilyConfig fc;
    fc.family = f.family == Family::kIpv6Unicast ? session::kIpv6Unicast : session::kIpv4Unicast;
    fc.add_path = add_path_mode(f.add_path);
    fc.gr_forwarding = f.gr_forwarding;
    lc.families.push_back(fc);
  }
  lc.route_refresh = n.route_refresh;
  lc.enhanced_route_refresh = n.enhanced_route_refresh;
  lc.extended_message = n.extended_message;
  lc.graceful_restart.enabled = n.graceful_restart.enabled;
  lc.graceful_restart.restart_time = n.graceful_restart.restart_time;
  lc.graceful_restart.notification = n.graceful_restart.notification;
  lc.cats.advertise = n.cats.send || n.cats.receive || n.cats.require_capability;
  lc.cats.capability = cfg.global.cats.capability;
  lc.require_cats = n.cats.require_capability;
  lc.peer_as = n.remote_as;
  return lc;
}

session::FsmConfig to_fsm_config(const Neighbor& n) {
  using std::chrono::seconds;
  session::FsmConfig fc;
  fc.connect_retry_time = seconds{n.timers.connect_retry};
  fc.delay_open = n.timers.delay_open > 0;
  if (fc.delay_open) fc.delay_open_time = seconds{n.timers.delay_open};
  fc.idle_hold_time = seconds{n.timers.idle_hold};
  fc.idle_hold_max = seconds{n.timers.idle_hold_max};
  if (n.timers.send_hold_time) fc.send_hold_time = seconds{*n.timers.send_hold_time};
  return fc;
}

std::variant<session::PeerConfig, std::string> to_peer_config(const Config& cfg, const Neighbor& n) {
  session::PeerConfig pc;
  pc.name = n.address;
  boost::system::error_code ec;
  pc.remote_address = boost::asio::ip::make_address(n.address, ec);
  if (ec) return "neighbor " + n.address + ": not an address";
  pc.remote_port = n.port;
  if (n.local_address) {
    pc.local_address = boost::asio::ip::make_address(*n.local_address, ec);
    if (ec) return "neighbor " + n.address + ": bad local-address";
  }
  pc.passive = n.passive;
  pc.local = to_local_config(cfg, n);
  pc.fsm = to_fsm_config(n);
  pc.cats_type = cfg.global.cats.attribute_type;
  pc.md5_key = n.md5_password;
  pc.gtsm = n.ttl_security.enabled;
  pc.gtsm_hops = n.ttl_security.hops;
  pc.fsm.authenticated_transport = !pc.md5_key.empty() || pc.gtsm;
  return pc;
}

}  // namespace cats::loader
