#include "yang/loader/map.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace cats::loader {

using namespace cats::config;  // the model this maps to

namespace {

using ly::View;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Collects "could not read" problems with the node's path.
class Mapper {
 public:
  explicit Mapper(ConfigErrors& errors) : errors_(errors) {}

  template <typename T>
  void get(const View& v, std::string_view leaf, T& out) {
    if (!v.child(leaf)) return;  // absent, no default: keep the struct's
    if (auto n = v.template number<T>(leaf)) {
      out = *n;
    } else {
      fail(v, leaf, "not a number in range");
    }
  }
  template <typename T>
  void get(const View& v, std::string_view leaf, std::optional<T>& out) {
    if (!v.child(leaf)) return;
    T value{};
    get(v, leaf, value);
    out = value;
  }
  void get(const View& v, std::string_view leaf, bool& out) {
    if (auto b = v.flag(leaf)) out = *b;
  }
  void get(const View& v, std::string_view leaf, std::string& out) {
    if (auto t = v.text(leaf)) out = *t;
  }
  void get_decimal(const View& v, std::string_view leaf, double& out) {
    if (!v.child(leaf)) return;
    if (auto d = v.decimal(leaf)) {
      out = *d;
    } else {
      fail(v, leaf, "not a decimal number");
    }
  }
  void fail(const View& v, std::string_view leaf, std::string reason) {
    errors_.push_back({v.path() + "/" + std::string{leaf}, std::move(reason)});
  }

 private:
  ConfigErrors& errors_;
};

std::string_view after_prefix(std::string_view identity) {
  auto colon = identity.find(':');
  return colon == std::string_view::npos ? identity : identity.substr(colon + 1);
}

std::optional<std::uint32_t> parse_dotted_quad(std::string_view s) {
  std::uint32_t out = 0;
  for (int i = 0; i < 4; ++i) {
    unsigned octet = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), octet);
    if (ec != std::errc{} || octet > 255) return std::nullopt;
    out = out << 8 | octet;
    s.remove_prefix(static_cast<std::size_t>(end - s.data()));
    if (i < 3) {
      if (s.empty() || s.front() != '.') return std::nullopt;
      s.remove_prefix(1);
    }
  }
  if (!s.empty()) return std::nullopt;
  return out;
}

std::optional<std::uint32_t> parse_community(std::string_view s) {
  if (s == "no-export") return kNoExport;
  if (s == "no-advertise") return kNoAdvertise;
  if (s == "no-export-subconfed") return kNoExportSubconfed;
  if (s == "no-peer") return kNoPeer;
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::uint16_t high = 0;
  std::uint16_t low = 0;
  auto a = std::from_chars(s.data(), s.data() + colon, high);
  auto b = std::from_chars(s.data() + colon + 1, s.data() + s.size(), low);
  if (a.ec != std::errc{} || a.ptr != s.data() + colon || b.ec != std::errc{} || b.ptr != s.data() + s.size())
    return std::nullopt;
  return std::uint32_t{high} << 16 | low;
}

ServiceId service_id(std::string text) {
  auto type = ServiceId::Type::kOpaque;
  if (text.find(':') != std::string::npos) {
    type = ServiceId::Type::kIpv6;
  } else if (text.find('.') != std::string::npos) {
    type = ServiceId::Type::kIpv4;
  }
  return {type, std::move(text)};
}

L1Scores l1_scores(Mapper& m, const View& parent) {
  L1Scores out{};
  auto l1 = parent.child("l1");
  if (!l1) return out;
  for (auto c : config::kCategories) m.get(*l1, config::category_name(c), out[config::index(c)]);
  return out;
}

Global map_global(Mapper& m, const View& g) {
  Global out;
  m.get(g, "as", out.as);
  if (auto rid = g.text("router-id")) {
    if (auto v = parse_dotted_quad(*rid)) {
      out.router_id = *v;
    } else {
      m.fail(g, "router-id", "not a dotted quad: " + *rid);
    }
  }
  if (auto cid = g.text("cluster-id")) {
    out.cluster_id = parse_dotted_quad(*cid);
    if (!out.cluster_id) m.fail(g, "cluster-id", "not a dotted quad: " + *cid);
  }
  for (const auto& r : g.texts("role")) {
    auto name = after_prefix(r);
    if (name == "edge")
      out.roles.push_back(Role::kEdge);
    else if (name == "ingress")
      out.roles.push_back(Role::kIngress);
    else if (name == "reflector")
      out.roles.push_back(Role::kReflector);
    else if (name == "controller")
      out.roles.push_back(Role::kController);
    else
      m.fail(g, "role", "unknown role " + r);
  }
  if (auto l = g.child("listen")) {
    out.listen_addresses = l->texts("address");
    m.get(*l, "port", out.listen_port);
  }
  if (auto c = g.child("cats")) {
    m.get(*c, "attribute-type-code", out.cats.attribute_type);
    m.get(*c, "capability-code", out.cats.capability);
  }
  return out;
}

PolicyActions map_policy(Mapper& m, const std::optional<View>& p) {
  PolicyActions out;
  if (!p) return out;
  if (auto pl = p->text("prefix-list")) out.prefix_list = *pl;
  m.get(*p, "set-local-pref", out.set_local_pref);
  m.get(*p, "set-med", out.set_med);
  for (const auto& c : p->texts("add-community")) {
    if (auto v = parse_community(c)) {
      out.add_communities.push_back(*v);
    } else {
      m.fail(*p, "add-community", "not a community: " + c);
    }
  }
  return out;
}

Neighbor map_neighbor(Mapper& m, const View& n, std::uint32_t local_as) {
  Neighbor out;
  m.get(n, "address", out.address);
  m.get(n, "remote-as", out.remote_as);
  out.ibgp = out.remote_as == local_as;
  m.get(n, "description", out.description);
  if (auto la = n.text("local-address")) out.local_address = *la;
  m.get(n, "port", out.port);
  m.get(n, "passive", out.passive);
  if (auto t = n.child("timers")) {
    m.get(*t, "hold-time", out.timers.hold_time);
    m.get(*t, "keepalive", out.timers.keepalive);
    m.get(*t, "min-hold-time", out.timers.min_hold_time);
    m.get(*t, "connect-retry", out.timers.connect_retry);
    m.get(*t, "delay-open", out.timers.delay_open);
    m.get(*t, "idle-hold", out.timers.idle_hold);
    m.get(*t, "idle-hold-max", out.timers.idle_hold_max);
    m.get(*t, "min-route-advertisement-interval", out.timers.mrai);
    m.get(*t, "send-hold-time", out.timers.send_hold_time);
  }
  if (auto afs = n.child("afi-safis")) {
    auto entries = afs->children("afi-safi");
    if (!entries.empty()) out.families.clear();
    for (const auto& e : entries) {
      FamilySettings f;
      f.family = e.text("name") == "ipv6-unicast" ? Family::kIpv6Unicast : Family::kIpv4Unicast;
      auto ap = e.text("add-path").value_or("none");
      f.add_path = ap == "receive" ? AddPath::kReceive
                   : ap == "send"  ? AddPath::kSend
                   : ap == "both"  ? AddPath::kBoth
                                   : AddPath::kNone;
      m.get(e, "graceful-restart-forwarding", f.gr_forwarding);
      out.families.push_back(f);
    }
  }
  if (auto c = n.child("capabilities")) {
    m.get(*c, "route-refresh", out.route_refresh);
    m.get(*c, "enhanced-route-refresh", out.enhanced_route_refresh);
    m.get(*c, "extended-message", out.extended_message);
  }
  if (auto gr = n.child("graceful-restart")) {
    m.get(*gr, "enabled", out.graceful_restart.enabled);
    m.get(*gr, "restart-time", out.graceful_restart.restart_time);
    m.get(*gr, "notification", out.graceful_restart.notification);
  }
  m.get(n, "md5-password", out.md5_password);
  if (auto t = n.child("ttl-security")) {
    m.get(*t, "enabled", out.ttl_security.enabled);
    m.get(*t, "hops", out.ttl_security.hops);
  }
  m.get(n, "max-paths-per-prefix", out.max_paths_per_prefix);
  if (auto mp = n.child("max-prefix")) {
    MaxPrefix p;
    m.get(*mp, "limit", p.limit);
    m.get(*mp, "warning-only", p.warning_only);
    m.get(*mp, "restart-after", p.restart_after);
    out.max_prefix = p;
  }
  m.get(n, "route-reflector-client", out.route_reflector_client);
  m.get(n, "next-hop-self", out.next_hop_self);
  // The CATS attribute stays inside the AS unless enabled.
  out.cats.send = out.ibgp;
  out.cats.receive = out.ibgp;
  if (auto c = n.child("cats")) {
    m.get(*c, "send", out.cats.send);
    m.get(*c, "receive", out.cats.receive);
    m.get(*c, "require-capability", out.cats.require_capability);
    m.get(*c, "network-cost", out.cats.network_cost);
    m.get(*c, "latency", out.cats.latency_ms);
    m.get(*c, "export-selection", out.cats.export_selection);
  }
  if (auto p = n.child("policy")) {
    out.import_policy = map_policy(m, p->child("import"));
    out.export_policy = map_policy(m, p->child("export"));
  }
  return out;
}

PrefixList map_prefix_list(Mapper& m, const View& v) {
  PrefixList out;
  m.get(v, "name", out.name);
  for (const auto& e : v.children("entry")) {
    PrefixListEntry entry;
    m.get(e, "seq", entry.seq);
    entry.action = e.text("action") == "permit" ? Verdict::kPermit : Verdict::kDeny;
    m.get(e, "prefix", entry.prefix);
    m.get(e, "ge", entry.ge);
    m.get(e, "le", entry.le);
    out.entries.push_back(std::move(entry));
  }
  std::sort(out.entries.begin(), out.entries.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return out;
}

Service map_service(Mapper& m, const View& v) {
  Service out;
  m.get(v, "name", out.name);
  out.prefixes = v.texts("prefix");
  if (auto id = v.text("cs-id")) out.cs_id = service_id(*id);
  m.get(v, "profile", out.profile);
  if (auto f = v.child("freshness")) {
    std::uint16_t secs = 30;
    m.get(*f, "stale-after", secs);
    out.freshness.stale_after = std::chrono::seconds{secs};
    if (f->text("on-stale") == "withdraw") out.freshness.on_stale = config::OnStale::kWithdraw;
    if (f->text("startup-wait")) {
      std::uint16_t wait = 0;
      m.get(*f, "startup-wait", wait);
      out.freshness.startup_wait = std::chrono::seconds{wait};
    }
  }
  if (auto mt = v.child("metrics")) {
    m.get(*mt, "l2-score", out.metrics.l2);
    out.metrics.l1 = l1_scores(m, *mt);
    m.get(*mt, "drain", out.metrics.drain);
    for (const auto& i : mt->children("instance")) {
      Instance inst;
      inst.id = service_id(i.text("id").value_or(""));
      m.get(i, "l2-score", inst.l2);
      inst.l1 = l1_scores(m, i);
      out.metrics.instances.push_back(std::move(inst));
    }
  }
  return out;
}

config::Combine combine(const std::optional<std::string>& s, config::Combine fallback) {
  if (s == "min") return config::Combine::kMin;
  if (s == "weighted-mean") return config::Combine::kWeightedMean;
  return fallback;
}

config::Profile map_profile(Mapper& m, const View& v) {
  config::Profile out;
  m.get(v, "id", out.id);
  m.get(v, "name", out.name);
  for (const auto& i : v.children("input")) {
    auto name = i.text("name").value_or("");
    auto input = std::find_if(config::kInputs.begin(), config::kInputs.end(),
                              [&](config::Input in) { return name == config::input_name(in); });
    if (input == config::kInputs.end()) {
      m.fail(i, "name", "unknown input " + name);
      continue;
    }
    auto& rule = out.rules.rule(*input);
    rule.enabled = true;
    rule.category = *input == config::Input::kLatency ? config::Category::kService : config::Category::kCompute;
    if (auto c = i.text("category")) {
      for (auto cat : config::kCategories) {
        if (*c == config::category_name(cat)) rule.category = cat;
      }
    }
    m.get_decimal(i, "full", rule.full);
    m.get_decimal(i, "zero", rule.zero);
    rule.curve = i.text("curve") == "logistic" ? config::Curve::kLogistic : config::Curve::kLinear;
    m.get_decimal(i, "weight", rule.weight);
  }
  out.rules.l1_combine = combine(v.text("l1-combine"), out.rules.l1_combine);
  out.rules.l2_combine = combine(v.text("l2-combine"), out.rules.l2_combine);
  if (auto w = v.child("weights")) {
    for (auto c : config::kCategories)
      m.get_decimal(*w, config::category_name(c), out.rules.l2_weights[config::index(c)]);
  }
  auto site = v.text("site-aggregation");
  if (site == "max") out.rules.site = config::SiteAggregation::kMax;
  if (site == "mean") out.rules.site = config::SiteAggregation::kMean;
  if (site == "capacity-weighted-mean") out.rules.site = config::SiteAggregation::kCapacityWeightedMean;
  if (auto ms = v.number<std::uint32_t>("stale-after")) out.rules.stale_after = milliseconds{*ms};
  m.get(v, "drain-at-zero", out.rules.drain_at_zero);
  return out;
}

config::DamperConfig map_damper(Mapper& m, const View& v) {
  config::DamperConfig out;
  if (auto ms = v.number<std::uint32_t>("half-life")) out.half_life = milliseconds{*ms};
  m.get_decimal(v, "threshold", out.threshold);
  m.get_decimal(v, "band", out.band);
  if (auto s = v.number<std::uint16_t>("min-interval")) out.min_interval = seconds{*s};
  m.get(v, "interval", out.interval);
  if (auto f = v.child("flap")) {
    m.get(*f, "enabled", out.flap_damping);
    m.get(*f, "limit", out.flap_limit);
    if (auto s = f->number<std::uint32_t>("window")) out.flap_window = seconds{*s};
    if (auto s = f->number<std::uint32_t>("hold")) out.hold = seconds{*s};
  }
  m.get(v, "l1", out.l1);
  m.get(v, "per-instance", out.per_instance);
  return out;
}

// A configured class changes the leafs it sets of the built-in class of its
// name, or of the generic defaults.
void map_class(Mapper& m, const View& v, Steering& out) {
  ServiceClass c;
  m.get(v, "name", c.name);
  auto base =
      std::find_if(out.classes.begin(), out.classes.end(), [&](const ServiceClass& b) { return b.name == c.name; });
  if (base != out.classes.end()) c = *base;
  m.get_decimal(v, "network-weight", c.network_weight);
  m.get_decimal(v, "compute-weight", c.compute_weight);
  if (auto sc = v.text("score")) c.score = *sc == "l1" ? ScoreSource::kL1 : ScoreSource::kL2;
  const auto cats = v.texts("l1-category");
  if (!cats.empty()) c.l1_categories.clear();
  for (const auto& name : cats)
    for (auto cat : kCategories)
      if (name == category_name(cat)) c.l1_categories.push_back(cat);
  m.get(v, "min-score", c.min_score);
  m.get(v, "leave-threshold", c.leave_threshold);
  m.get_decimal(v, "margin", c.margin);
  if (auto s = v.number<std::uint16_t>("hold-down")) c.hold_down = seconds{*s};
  if (auto mode = v.text("mode")) c.mode = *mode == "weighted" ? SelectionMode::kWeighted : SelectionMode::kBest;
  m.get(v, "max-sites", c.max_sites);
  m.get_decimal(v, "weighted-band", c.weighted_band);
  m.get(v, "bgp-best-follows", c.bgp_best_follows);
  if (base != out.classes.end()) {
    *base = std::move(c);
  } else {
    out.classes.push_back(std::move(c));
  }
}

Steering map_steering(Mapper& m, const View& v) {
  Steering out;
  m.get(v, "default-class", out.default_class);
  for (const auto& c : v.children("service-class")) map_class(m, c, out);
  for (const auto& sv : v.children("service")) {
    SteeringService s;
    m.get(sv, "name", s.name);
    s.prefixes = sv.texts("prefix");
    if (auto id = sv.text("cs-id")) s.cs_id = service_id(*id);
    m.get(sv, "class", s.service_class);
    out.services.push_back(std::move(s));
  }
  if (auto cl = v.child("cloud")) {
    for (const auto& c : cl->texts("community")) {
      if (auto val = parse_community(c)) {
        out.cloud_communities.push_back(*val);
      } else {
        m.fail(*cl, "community", "not a community: " + c);
      }
    }
    out.cloud_next_hops = cl->texts("next-hop");
  }
  m.get(v, "unknown-score", out.unknown_score);
  if (auto nc = v.child("network-cost")) {
    m.get(*nc, "igp", out.network_cost.igp);
    m.get(*nc, "aigp", out.network_cost.aigp);
    for (const auto& h : nc->children("next-hop")) {
      NextHopCost c;
      m.get(h, "address", c.address);
      m.get(h, "cost", c.cost);
      m.get(h, "latency", c.latency_ms);
      out.network_cost.next_hops.push_back(std::move(c));
    }
  }
  if (auto t = v.child("next-hop-tracking")) {
    m.get(*t, "enabled", out.next_hop_tracking);
    m.get(*t, "resolve-via-default", out.resolve_via_default);
  }
  return out;
}

Collector map_collector(Mapper& m, const View& v) {
  Collector out;
  m.get(v, "engine-profiles", out.engine_profiles);
  m.get(v, "first-report-answers", out.first_report_answers);
  for (const auto& t : v.children("target")) {
    CollectorTarget target;
    m.get(t, "name", target.name);
    m.get(t, "url", target.url);
    m.get(t, "engine", target.engine);
    if (auto ms = t.number<std::uint32_t>("interval")) target.interval = milliseconds{*ms};
    target.timeout = std::min(target.timeout, target.interval);
    if (auto ms = t.number<std::uint32_t>("timeout")) target.timeout = milliseconds{*ms};
    if (auto ms = t.number<std::uint32_t>("stale-after")) target.stale_after = milliseconds{*ms};
    m.get(t, "service", target.service);
    if (auto id = t.text("instance-id")) target.instance_id = service_id(*id);
    if (t.child("capacity")) {
      double c = 0;
      m.get_decimal(t, "capacity", c);
      target.capacity = c;
    }
    out.targets.push_back(std::move(target));
  }
  if (auto p = v.child("push")) {
    out.push_address = p->text("catsd-address");
    std::uint16_t refresh = 10;
    m.get(*p, "refresh", refresh);
    out.push_refresh = std::chrono::seconds{refresh};
    m.get(*p, "tls-ca", out.push_tls_ca);
    m.get(*p, "tls-certificate", out.push_tls_certificate);
    m.get(*p, "tls-key", out.push_tls_key);
    m.get(*p, "token-file", out.push_token_file);
  }
  return out;
}

}  // namespace

Config map_tree(const View& bgp, ConfigErrors& errors) {
  Mapper m{errors};
  Config cfg;
  if (auto g = bgp.child("global")) cfg.global = map_global(m, *g);
  if (auto ns = bgp.child("neighbors")) {
    for (const auto& n : ns->children("neighbor")) cfg.neighbors.push_back(map_neighbor(m, n, cfg.global.as));
  }
  if (auto pls = bgp.child("prefix-lists")) {
    for (const auto& pl : pls->children("prefix-list")) cfg.prefix_lists.push_back(map_prefix_list(m, pl));
  }
  if (auto ss = bgp.child("services")) {
    for (const auto& s : ss->children("service")) cfg.services.push_back(map_service(m, s));
  }
  if (auto sc = bgp.child("scoring")) {
    for (const auto& p : sc->children("profile")) cfg.profiles.push_back(map_profile(m, p));
  }
  if (auto d = bgp.child("damper")) cfg.damper = map_damper(m, *d);
  if (auto c = bgp.child("collector")) cfg.collector = map_collector(m, *c);
  if (auto st = bgp.child("steering")) cfg.steering = map_steering(m, *st);
  if (auto f = bgp.child("fib")) {
    if (auto s = f->text("scope"))
      cfg.fib.scope = *s == "all" ? FibScope::kAll : *s == "none" ? FibScope::kNone : FibScope::kServices;
    m.get(*f, "buckets", cfg.fib.buckets);
    if (auto t = f->number<std::uint32_t>("idle-timer")) cfg.fib.idle_timer = seconds{*t};
    m.get(*f, "retain", cfg.fib.retain);
    if (auto t = f->number<std::uint16_t>("stale-time")) cfg.fib.stale_time = seconds{*t};
  }
  if (auto mx = bgp.child("metrics")) {
    cfg.metrics.enabled = true;
    m.get(*mx, "address", cfg.metrics.address);
    m.get(*mx, "port", cfg.metrics.port);
    if (auto t = mx->number<std::uint16_t>("cache-time")) cfg.metrics.cache_time = seconds{*t};
    m.get(*mx, "site-series-limit", cfg.metrics.site_series_limit);
  }
  if (auto b = bgp.child("bmp")) {
    for (const auto& st : b->children("station")) {
      BmpStation s;
      m.get(st, "name", s.name);
      m.get(st, "address", s.address);
      m.get(st, "port", s.port);
      m.get(st, "source-address", s.source_address);
      for (const auto& v : st.texts("monitoring"))
        s.monitoring.push_back(v == "post-policy" ? BmpMonitoring::kPostPolicy
                               : v == "loc-rib"   ? BmpMonitoring::kLocRib
                                                  : BmpMonitoring::kPrePolicy);
      if (auto t = st.number<std::uint32_t>("statistics-interval")) s.statistics_interval = seconds{*t};
      if (auto t = st.number<std::uint16_t>("retry-interval")) s.retry_interval = seconds{*t};
      cfg.bmp.stations.push_back(std::move(s));
    }
  }
  if (auto mrt = bgp.child("mrt")) {
    if (auto td = mrt->child("table-dump")) {
      m.get(*td, "file", cfg.mrt.table_dump.file);
      if (auto t = td->number<std::uint32_t>("interval")) cfg.mrt.table_dump.interval = seconds{*t};
    }
    if (auto up = mrt->child("updates")) {
      m.get(*up, "file", cfg.mrt.updates.file);
      if (auto t = up->number<std::uint32_t>("rotation-interval")) cfg.mrt.updates.interval = seconds{*t};
    }
  }
  if (auto nc = bgp.child("netconf")) {
    m.get(*nc, "enabled", cfg.netconf.enabled);
    m.get(*nc, "address", cfg.netconf.address);
    m.get(*nc, "port", cfg.netconf.port);
    m.get(*nc, "host-key", cfg.netconf.host_key);
    for (const auto& u : nc->children("user")) {
      NetconfUser user;
      m.get(u, "name", user.name);
      m.get(u, "password", user.password);
      m.get(u, "authorized-key", user.authorized_key);
      cfg.netconf.users.push_back(std::move(user));
    }
  }
  return cfg;
}

}  // namespace cats::loader
