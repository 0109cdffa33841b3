#include "catsd/metrics/daemon_metrics.hpp"

#include <array>
#include <string>
#include <string_view>

namespace cats::metrics {

namespace pb = ::cats::api::v1;

int session_state_number(const std::string& state) {
  static constexpr std::array<std::string_view, 6> kStates = {"idle",     "connect",     "active",
                                                              "opensent", "openconfirm", "established"};
  for (std::size_t i = 0; i < kStates.size(); ++i)
    if (kStates[i] == state) return static_cast<int>(i) + 1;
  return 0;
}

namespace {

void add_neighbor(Families& out, const pb::Neighbor& n) {
  const Labels who{{"neighbor", n.address()}};
  out.gauge("catsd_bgp_session_state",
            "BGP session state by RFC 4271: 1 idle, 2 connect, 3 active, 4 opensent, 5 openconfirm, 6 established.",
            session_state_number(n.state()), {{"neighbor", n.address()}, {"remote_as", std::to_string(n.remote_as())}});
  out.gauge("catsd_bgp_session_established", "1 while the session is Established.", n.state() == "established" ? 1 : 0,
            who);
  out.gauge("catsd_bgp_session_uptime_seconds", "Time since the session became Established, 0 when it is not.",
            static_cast<double>(n.established_for_s()), who);
  out.counter("catsd_bgp_session_flaps_total", "Established sessions that went down.", n.flaps(), who);
  out.counter("catsd_bgp_messages_received_total", "BGP messages received.", static_cast<double>(n.messages_in()), who);
  out.counter("catsd_bgp_messages_sent_total", "BGP messages sent.", static_cast<double>(n.messages_out()), who);
  out.counter("catsd_bgp_updates_received_total", "BGP UPDATE messages received.", static_cast<double>(n.updates_in()),
              who);
  out.counter("catsd_bgp_updates_sent_total", "BGP UPDATE messages sent.", static_cast<double>(n.updates_out()), who);
  out.counter("catsd_bgp_paths_refused_total", "Paths refused over max-paths-per-prefix or a prefix's path limit.",
              static_cast<double>(n.paths_refused()), who);
  out.gauge("catsd_bgp_max_prefix_exceeded", "1 while the neighbor is held down for exceeding its prefix limit.",
            n.max_prefix_exceeded() ? 1 : 0, who);
  for (const auto& f : n.families()) {
    const Labels fam{{"neighbor", n.address()}, {"afi_safi", f.name()}};
    out.gauge("catsd_bgp_prefixes_received", "Prefixes received from the neighbor (Adj-RIB-In, before import policy).",
              static_cast<double>(f.prefixes_received()), fam);
    out.gauge("catsd_bgp_prefixes_accepted", "Prefixes accepted by import policy.",
              static_cast<double>(f.prefixes_accepted()), fam);
    out.gauge("catsd_bgp_prefixes_advertised", "Prefixes advertised to the neighbor.",
              static_cast<double>(f.prefixes_advertised()), fam);
  }
}

void add_candidate(Families& out, const pb::ServiceView& v, const pb::Candidate& c) {
  const Labels site{{"prefix", v.prefix()}, {"service", v.service()}, {"class", v.service_class()},
                    {"site", c.next_hop()}, {"peer", c.peer()},       {"tier", c.tier()}};
  // Five families: a series costs Prometheus memory per prefix and site,
  // so what the others would say (the class's score, eligibility, age) is
  // left to catsctl show services.
  if (c.has_l2()) out.gauge("catsd_cats_site_l2_score", "The site's advertised CATS L2 score (0..10).", c.l2(), site);
  out.gauge("catsd_cats_site_drained", "1 when the site advertises drain (the D flag).", c.drain() ? 1 : 0, site);
  out.gauge("catsd_cats_site_selected", "1 when the CATS selection forwards the prefix to the site.",
            c.selected() ? 1 : 0, site);
  out.gauge("catsd_cats_site_weight", "The selected site's relative share (weighted multipath), 0 when not selected.",
            c.selected() ? c.weight() : 0, site);
  if (c.has_network_cost())
    out.gauge("catsd_cats_site_network_cost", "The site's network cost: the sum of the enabled cost sources.",
              static_cast<double>(c.network_cost()), site);
}

void add_services(Families& out, const pb::ShowServicesReply& s, std::size_t limit) {
  std::size_t candidates = 0;
  for (const auto& v : s.services()) candidates += static_cast<std::size_t>(v.candidates_size());
  const bool per_site = limit == 0 || candidates <= limit;
  out.gauge("catsd_metrics_site_series_omitted",
            "Candidate sites whose catsd_cats_site_* series were left out (metrics/site-series-limit).",
            per_site ? 0 : static_cast<double>(candidates));
  for (const auto& v : s.services()) {
    const Labels svc{{"prefix", v.prefix()}, {"service", v.service()}, {"class", v.service_class()}};
    out.gauge("catsd_cats_candidate_sites", "Sites advertising the service prefix.", v.candidates_size(), svc);
    out.gauge("catsd_cats_selected_sites", "Sites the prefix is forwarded to (0: nowhere).", v.selected_size(), svc);
    out.counter("catsd_cats_selection_changes_total", "Times the selection of the prefix's sites changed.",
                static_cast<double>(v.changes()), svc);
    if (per_site)
      for (const auto& c : v.candidates()) add_candidate(out, v, c);
  }
  for (const auto& o : s.originated()) {
    const Labels svc{{"service", o.name()}};
    const auto& m = o.metrics();
    if (m.has_l2())
      out.gauge("catsd_cats_originated_l2_score", "The L2 score this site advertises for the service.", m.l2(), svc);
    out.gauge("catsd_cats_originated_drain", "1 when this site advertises the service drained.", m.drain() ? 1 : 0,
              svc);
    out.gauge("catsd_cats_originated_advertised", "1 while the service's prefixes are advertised.",
              o.advertised() && !o.withdrawn() ? 1 : 0, svc);
    out.gauge("catsd_cats_originated_sequence", "The Metric Control Sequence advertised last.", m.sequence(), svc);
    out.counter("catsd_cats_originated_updates_total", "UPDATEs sent for the service's metrics.",
                static_cast<double>(o.updates_sent()), svc);
  }
}

}  // namespace

void add_daemon_metrics(Families& out, const DaemonState& s) {
  const auto ok = [&out](const char* part, bool answered) {
    out.gauge("catsd_metrics_read_success", "1 when the part of catsd's state answered this scrape in time.",
              answered ? 1 : 0, {{"part", part}});
  };
  ok("neighbors", s.neighbors.has_value());
  ok("services", s.services.has_value());
  ok("rib", s.rib.has_value());
  if (s.neighbors) {
    out.gauge("catsd_bgp_neighbors", "Configured BGP neighbors.", s.neighbors->neighbors_size());
    for (const auto& n : s.neighbors->neighbors()) add_neighbor(out, n);
  }
  if (s.rib) {
    out.gauge("catsd_rib_prefixes", "Prefixes in the Loc-RIB.", static_cast<double>(s.rib->prefixes));
    out.gauge("catsd_rib_paths", "Paths in the Loc-RIB (every neighbor's, all candidates).",
              static_cast<double>(s.rib->paths));
    out.gauge("catsd_rib_attribute_sets", "Distinct path attribute sets held.",
              static_cast<double>(s.rib->attribute_sets));
    out.gauge("catsd_rib_attribute_bytes", "Bytes of the distinct attribute sets held.",
              static_cast<double>(s.rib->attribute_bytes));
    out.counter("catsd_rib_decisions_total", "Prefixes run through the decision process.",
                static_cast<double>(s.rib->decisions));
  }
  if (s.services) add_services(out, *s.services, s.site_series_limit);
}

}  // namespace cats::metrics
