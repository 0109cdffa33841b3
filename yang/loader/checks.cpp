#include "yang/loader/checks.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <map>
#include <optional>
#include <string>

#include "yang/config/validate.hpp"
#include "yang/loader/session_config.hpp"

namespace cats::loader {

using namespace cats::config;  // the model this maps to

namespace {

const std::string kRoot = "/cats-bgp:bgp";

std::string neighbor_path(const Neighbor& n) {
  return kRoot + "/neighbors/neighbor[address='" + n.address + "']";
}

bool is_ipv6(const std::string& address) {
  return address.find(':') != std::string::npos;
}

// An address as the sessions see it: IPv4-mapped IPv6 is the IPv4 address.
std::optional<boost::asio::ip::address> address_of(const std::string& text) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(text, ec);
  if (ec) return std::nullopt;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  return a;
}

// Why `a` cannot be a neighbor's address, if it cannot.
std::optional<std::string> not_a_peer(const boost::asio::ip::address& a) {
  if (a.is_unspecified()) return "is the unspecified address";
  if (a.is_multicast()) return "is a multicast address";
  if (a.is_v4() && a.to_v4() == boost::asio::ip::address_v4::broadcast()) return "is the broadcast address";
  return std::nullopt;
}

void check_neighbor_addresses(const Config& cfg, ConfigErrors& out) {
  std::map<boost::asio::ip::address, std::string> seen;  // as the sessions see it -> as configured
  for (const auto& n : cfg.neighbors) {
    const auto a = address_of(n.address);
    if (!a) continue;  // the YANG type already refused it
    if (auto why = not_a_peer(*a)) {
      out.push_back({neighbor_path(n), "neighbor address " + n.address + " " + *why});
      continue;
    }
    auto own = cfg.global.listen_addresses;
    if (n.local_address) own.push_back(*n.local_address);
    if (std::any_of(own.begin(), own.end(), [&](const std::string& o) { return address_of(o) == a; }))
      out.push_back({neighbor_path(n), "neighbor address " + n.address + " is our own"});
    auto [it, fresh] = seen.emplace(*a, n.address);
    if (!fresh)
      out.push_back({neighbor_path(n), "neighbor " + n.address + " is the same address as neighbor " + it->second});
  }
  if (cfg.global.listen_port == 0) out.push_back({kRoot + "/global/listen/port", "port 0 is not a port to listen on"});
  if (cfg.global.cluster_id && *cfg.global.cluster_id == 0)
    out.push_back({kRoot + "/global/cluster-id", "cluster-id 0.0.0.0 is not a cluster identifier"});
}

void check_neighbors(const Config& cfg, ConfigErrors& out) {
  check_neighbor_addresses(cfg, out);
  for (const auto& n : cfg.neighbors) {
    if (n.local_address && is_ipv6(*n.local_address) != is_ipv6(n.address)) {
      out.push_back({neighbor_path(n) + "/local-address",
                     "local-address " + *n.local_address + " is not of the same family as the neighbor address"});
    }
    // The kernel's limit (TCP_MD5SIG_MAXKEYLEN) is in octets; YANG counts characters.
    if (n.md5_password.size() > 80) {
      out.push_back({neighbor_path(n) + "/md5-password", "md5-password is " + std::to_string(n.md5_password.size()) +
                                                             " octets in UTF-8; TCP-MD5 keys are at most 80"});
    }
    // The session engine's own rules for the OPEN we would send.
    if (auto why = session::check_config(to_local_config(cfg, n))) out.push_back({neighbor_path(n), *why});
  }
}

void check_services(const Config& cfg, ConfigErrors& out) {
  // One prefix names one service; originating it twice would make two CS-IDs race.
  std::map<std::string, std::string> owner;
  for (const auto& s : cfg.services) {
    for (const auto& p : s.prefixes) {
      auto [it, fresh] = owner.emplace(p, s.name);
      if (!fresh) {
        out.push_back({kRoot + "/services/service[name='" + s.name + "']/prefix",
                       "prefix " + p + " is already originated by service " + it->second});
      }
    }
  }
}

void check_scoring(const Config& cfg, ConfigErrors& out) {
  for (const auto& p : cfg.profiles) {
    for (const auto& e : config::validate(p)) {
      out.push_back({kRoot + "/scoring/profile[id='" + std::to_string(p.id) + "']", e.field + " " + e.reason});
    }
  }
  for (const auto& e : config::validate(cfg.damper)) out.push_back({kRoot + "/damper", e.field + " " + e.reason});
}

void check_collector(const Config& cfg, ConfigErrors& out) {
  // Two targets on one URL would count the same instances twice in the site score.
  std::map<std::string, std::string> owner;
  for (const auto& t : cfg.collector.targets) {
    const std::string path = kRoot + "/collector/target[name='" + t.name + "']";
    if (!t.url.empty()) {
      if (!parse_http_url(t.url)) {
        out.push_back({path + "/url", "not an http://host[:port][/path] URL: " + t.url});
      } else if (auto [it, fresh] = owner.emplace(t.url, t.name); !fresh) {
        out.push_back({path + "/url", "url " + t.url + " is already scraped by target " + it->second});
      }
    }
    // A target stale between two scrapes would drain on every interval.
    if (t.stale_after < t.interval) {
      out.push_back({path + "/stale-after", "stale-after (" + std::to_string(t.stale_after.count()) +
                                                " ms) must not be below interval (" +
                                                std::to_string(t.interval.count()) + " ms)"});
    }
    // One attempt at a time: a longer timeout would silently stretch the interval.
    if (t.timeout > t.interval && !t.url.empty()) {
      out.push_back({path + "/timeout", "timeout (" + std::to_string(t.timeout.count()) +
                                            " ms) must not exceed interval (" + std::to_string(t.interval.count()) +
                                            " ms)"});
    }
  }
}

void check_steering(const Config& cfg, ConfigErrors& out) {
  const std::string root = kRoot + "/steering";
  const auto& st = cfg.steering;
  if (st.find_class(st.default_class) == nullptr)
    out.push_back({root + "/default-class", "no service class \"" + st.default_class + "\""});
  for (const auto& c : st.classes) {
    const std::string path = root + "/service-class[name='" + c.name + "']";
    if (c.network_weight + c.compute_weight <= 0)
      out.push_back({path, "network-weight and compute-weight cannot both be 0"});
    if (c.score == ScoreSource::kL1 && c.l1_categories.empty())
      out.push_back({path + "/l1-category", "score l1 needs at least one l1-category"});
    if (c.leave_threshold < c.min_score)
      out.push_back({path + "/leave-threshold", "leave-threshold (" + std::to_string(c.leave_threshold) +
                                                    ") must not be below min-score (" + std::to_string(c.min_score) +
                                                    ")"});
  }
  if (cfg.fib_scope() != FibScope::kNone && !st.next_hop_tracking)
    out.push_back({kRoot + "/fib/scope", "the FIB needs steering/next-hop-tracking (a route's gateway and interface)"});
  // Without a selection there is nothing to send in its place.
  const bool selects = cfg.global.has_role(Role::kIngress) || cfg.global.has_role(Role::kController);
  for (const auto& n : cfg.neighbors)
    if (n.cats.export_selection && !selects)
      out.push_back({neighbor_path(n) + "/cats/export-selection",
                     "export-selection needs the ingress or controller role (the CATS selection)"});
  // One prefix, one class: two would give one forwarding entry two selections.
  std::map<std::string, std::string> owner;
  for (const auto& s : st.services) {
    const std::string path = root + "/service[name='" + s.name + "']";
    if (st.find_class(s.service_class) == nullptr)
      out.push_back({path + "/class", "no service class \"" + s.service_class + "\""});
    if (s.prefixes.empty() && !s.cs_id) out.push_back({path, "a service needs a prefix or a cs-id"});
    for (const auto& p : s.prefixes) {
      auto [it, fresh] = owner.emplace(p, s.name);
      if (!fresh) out.push_back({path + "/prefix", "prefix " + p + " is already bound to service " + it->second});
    }
  }
}

void check_bmp(const Config& cfg, ConfigErrors& out) {
  for (const auto& s : cfg.bmp.stations) {
    if (!s.source_address.empty() && is_ipv6(s.source_address) != is_ipv6(s.address))
      out.push_back({kRoot + "/bmp/station[name='" + s.name + "']/source-address",
                     "source-address " + s.source_address + " is not of the same family as the station address"});
  }
}

void check_netconf(const Config& cfg, ConfigErrors& out) {
  const std::string root = "/cats-bgp:bgp/netconf";
  if (!cfg.netconf.enabled) return;
  if (cfg.netconf.host_key.empty()) out.push_back({root + "/host-key", "an enabled NETCONF server needs a host key"});
  if (cfg.netconf.users.empty()) out.push_back({root + "/user", "an enabled NETCONF server needs a user"});
  for (const auto& u : cfg.netconf.users)
    if (!u.password && !u.authorized_key)
      out.push_back({root + "/user[name='" + u.name + "']", "a user needs a password or an authorized key"});
}

}  // namespace

ConfigErrors check_semantics(const Config& cfg) {
  ConfigErrors out;
  check_netconf(cfg, out);
  check_neighbors(cfg, out);
  check_services(cfg, out);
  check_scoring(cfg, out);
  check_collector(cfg, out);
  check_steering(cfg, out);
  check_bmp(cfg, out);
  return out;
}

}  // namespace cats::loader
