#include "catsd/api/show.hpp"

#include <algorithm>

#include "bgp-ext/session/fsm.hpp"
#include "bgp-ext/wire/attributes.hpp"
#include "rib-adapter/rib/decision.hpp"

namespace cats::api {
namespace {

using namespace cats::wire;

std::uint64_t seconds_since(rde::SteadyClock::time_point t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(rde::SteadyClock::now() - t).count());
}

std::string dotted(std::uint32_t v) {
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 0xff) + "." + std::to_string((v >> 8) & 0xff) +
         "." + std::to_string(v & 0xff);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const char* category_of(std::uint8_t metric_type) {
  switch (metric_type) {
    case cats_metric::kComputeNorm: return "compute";
    case cats_metric::kCommunicationNorm: return "communication";
    case cats_metric::kServiceNorm: return "service";
    case cats_metric::kComposedNorm: return "composed";
    case cats_metric::kStorageNorm: return "storage";
    default: return nullptr;
  }
}

// L2 and L1 scores of one metric set into (l2, l1 list).
template <class L2Setter>
void fill_scores(const std::vector<CatsMetric>& metrics, L2Setter set_l2,
                 google::protobuf::RepeatedPtrField<pb::L1Score>* l1) {
  for (const auto& m : metrics) {
    if (!m.usable()) continue;
    const auto v = m.number();
    if (!v) continue;
    if (m.type == cats_metric::kNormFi) {
      set_l2(static_cast<std::uint32_t>(*v));
    } else if (const char* c = category_of(m.type)) {
      auto* s = l1->Add();
      s->set_category(c);
      s->set_score(static_cast<std::uint32_t>(*v));
    }
  }
}

void fill_cats(const CatsExp& c, ByteSpan raw, pb::CatsMetrics* out) {
  if (const auto* id = c.cs_id()) out->set_cs_id(id->id.to_string());
  if (const auto* sm = c.site_metrics())
    fill_scores(
        sm->metrics, [&](std::uint32_t v) { out->set_l2(v); }, out->mutable_l1());
  out->set_drain(c.drain());
  if (const auto* mc = c.metric_control()) {
    out->set_sequence(mc->sequence);
    out->set_profile(mc->profile);
    out->set_interval(mc->interval);
  }
  for (const auto& t : c.tlvs) {
    const auto* ci = std::get_if<CatsContactInstance>(&t.body);
    if (ci == nullptr || !t.ignored.empty()) continue;
    auto* inst = out->add_instances();
    inst->set_id(ci->id.to_string());
    fill_scores(
        ci->metrics, [&](std::uint32_t v) { inst->set_l2(v); }, inst->mutable_l1());
  }
  if (auto s = c.site_score()) out->set_site_score(*s);
  out->set_raw_hex(to_hex(raw));
}

std::string as_path_text(const AsPath& p) {
  std::string s;
  for (const auto& seg : p.segments) {
    const bool set = seg.type == SegmentType::kSet || seg.type == SegmentType::kConfedSet;
    const bool confed = seg.type == SegmentType::kConfedSequence || seg.type == SegmentType::kConfedSet;
    if (!s.empty()) s += ' ';
    if (confed) s += '(';
    if (set) s += '{';
    for (std::size_t i = 0; i < seg.asns.size(); ++i) s += (i ? " " : "") + std::to_string(seg.asns[i]);
    if (set) s += '}';
    if (confed) s += ')';
  }
  return s;
}

std::string next_hop_text(const rib::StoredAttrs& a) {
  const auto nh = a.next_hop();
  if (nh.size() == 4) return address_to_string(Afi::kIpv4, nh);
  if (nh.size() >= 16) return address_to_string(Afi::kIpv6, nh.first(16));
  return "";
}

std::string peer_text(const rde::Engine& e, rib::PeerId id) {
  if (id == 0) return "local";
  const auto* n = e.neighbor_by_id(id);
  return n == nullptr ? "?" : n->address();
}

bool matches(const rib::PrefixKey& k, const std::optional<Prefix>& prefix, const std::string& family) {
  if (prefix && k.prefix != *prefix) return false;
  return family.empty() || family == family_name(k.family);
}

}  // namespace

std::string down_reason(const session::SessionDown& d) {
  std::string reason = session::down_reason_name(d.reason);
  if (const auto* notify = d.sent ? &*d.sent : d.received ? &*d.received : nullptr)
    reason += std::string(" (") + (d.sent ? "sent " : "received ") + notify::code_name(notify->code) + "/" +
              notify::subcode_name(notify->code, notify->subcode) + ")";
  return reason;
}

const char* family_name(Family f) {
  if (f.safi == 1 && f.afi == 1) return "ipv4-unicast";
  if (f.safi == 1 && f.afi == 2) return "ipv6-unicast";
  return "other";
}

void show_neighbors(const rde::Engine& e, const std::vector<rde::PeerRuntime>& rt, const pb::ShowNeighborsRequest& req,
                    pb::ShowNeighborsReply* out) {
  for (std::size_t i = 0; i < e.neighbors().size(); ++i) {
    if (!e.neighbors()[i]) continue;  // removed by a reconfiguration
    const rde::Neighbor& n = *e.neighbors()[i];
    const rde::PeerRuntime r = i < rt.size() ? rt[i] : rde::PeerRuntime{};
    if (!req.address().empty() && req.address() != n.config().address) continue;
    auto* o = out->add_neighbors();
    o->set_address(n.config().address);
    o->set_remote_as(n.config().remote_as);
    o->set_local_as(e.config().global.as);
    o->set_description(n.config().description);
    o->set_state(lower(session::state_name(r.state)));
    o->set_ibgp(n.config().ibgp);
    o->set_route_reflector_client(n.config().route_reflector_client);
    o->set_messages_in(r.messages_in);
    o->set_messages_out(r.messages_out);
    o->set_updates_in(n.counters().updates_in);
    o->set_updates_out(n.counters().updates_out);
    o->set_flaps(static_cast<std::uint32_t>(n.counters().flaps));
    o->set_max_prefix_exceeded(n.max_prefix_exceeded());
    o->set_paths_refused(n.counters().paths_refused);
    if (const auto* es = n.session()) {
      const auto& s = es->negotiated;
      o->set_established_for_s(seconds_since(es->since));
      o->set_peer_router_id(dotted(s.peer_router_id));
      o->set_hold_time(s.hold_time);
      o->set_keepalive(s.keepalive);
      o->set_cats_version(s.cats_version);
      o->set_graceful_restart(s.graceful_restart);
      o->set_route_refresh(s.route_refresh);
      o->set_enhanced_route_refresh(s.enhanced_route_refresh);
      o->set_extended_message(s.extended_message);
      for (const auto& f : s.families) {
        const Family fam{f.family.afi, f.family.safi};
        auto* fs = o->add_families();
        fs->set_name(family_name(fam));
        fs->set_add_path_send(f.add_path_send);
        fs->set_add_path_receive(f.add_path_receive);
        if (n.rib_in() != nullptr) {
          fs->set_prefixes_received(n.rib_in()->count(fam));
          fs->set_prefixes_accepted(n.rib_in()->count(fam));
        }
        fs->set_prefixes_advertised(n.rib_out().count(fam));
      }
    } else if (n.rib_in() != nullptr) {
      for (Family fam : {Family{1, 1}, Family{2, 1}}) {
        if (n.rib_in()->count(fam) == 0) continue;  // stale paths kept by graceful restart
        auto* fs = o->add_families();
        fs->set_name(family_name(fam));
        fs->set_prefixes_received(n.rib_in()->count(fam));
        fs->set_prefixes_accepted(n.rib_in()->count(fam));
      }
    }
    // The session thread's record covers falls before Established (an OPEN refused).
    const auto& last = r.last_down ? r.last_down : n.last_down();
    const auto last_at = r.last_down ? r.last_down_at : n.last_down_at();
    if (last) {
      const auto& d = *last;
      auto* le = o->mutable_last_error();
      if (const auto* notify = d.sent ? &*d.sent : d.received ? &*d.received : nullptr) {
        le->set_code(notify->code);
        le->set_subcode(notify->subcode);
      }
      le->set_reason(down_reason(d));
      le->set_at_s_ago(seconds_since(last_at));
    }
  }
}

void fill_path(const rde::Engine& e, const rib::RibEntry& entry, std::size_t i, pb::RibPath* o) {
  const auto& p = entry.paths()[i];
  const auto info = e.loc_rib().path_info(entry, i);
  const auto& a = p.attrs->attrs();
  o->set_peer(peer_text(e, p.peer));
  o->set_path_id(p.path_id);
  o->set_best(entry.best() && *entry.best() == i);
  o->set_next_hop(next_hop_text(*p.attrs));
  if (const auto* ap = a.get<AsPath>(attr::kAsPath)) o->set_as_path(as_path_text(*ap));
  static constexpr const char* kOrigin[] = {"igp", "egp", "incomplete"};
  o->set_origin(info.origin < 3 ? kOrigin[info.origin] : "incomplete");
  if (info.med) o->set_med(*info.med);
  if (info.local_pref) o->set_local_pref(*info.local_pref);
  if (const auto* c = a.get<Communities>(attr::kCommunities))
    for (auto v : c->values) o->add_communities(std::to_string(v >> 16) + ":" + std::to_string(v & 0xffff));
  if (info.aigp) o->set_aigp(*info.aigp);
  if (info.originator_id) o->set_originator_id(dotted(*info.originator_id));
  for (auto c : info.cluster_list) o->add_cluster_list(dotted(c));
  o->set_stale(info.stale);
  o->set_age_s(seconds_since(p.arrived()));
  if (const auto* ca = a.find(e.cats_type())) {
    if (const auto* c = ca->as<CatsExp>()) fill_cats(*c, ca->raw, o->mutable_cats());
    o->set_partial_cats((ca->flags & attr::kPartial) != 0);
  }
  o->set_attributes_hex(to_hex(p.attrs->bytes()));
}

bool show_rib(const rde::Engine& e, const pb::ShowRibRequest& req, pb::ShowRibReply* out) {
  std::optional<Prefix> prefix;
  if (!req.prefix().empty()) {
    prefix = Prefix::parse(req.prefix());
    if (!prefix) return false;
  }
  if (!req.family().empty() && req.family() != "ipv4-unicast" && req.family() != "ipv6-unicast") return false;
  auto add = [&](const rib::PrefixKey& k, const rib::RibEntry& entry) {
    auto* o = out->add_entries();
    o->set_prefix(k.prefix.to_string());
    o->set_family(family_name(k.family));
    const SelectionView sel = selection_of(e, entry);
    std::string reason(rib::step_name(entry.reason()));
    if (entry.reason() == rib::Step::kCats) reason += ": " + sel.reason;
    o->set_reason(reason);
    for (std::size_t i = 0; i < entry.paths().size(); ++i) {
      if (req.best_only() && !(entry.best() && *entry.best() == i)) continue;
      auto* path = o->add_paths();
      fill_path(e, entry, i, path);
      if (!sel.steering) continue;
      const auto& p = entry.paths()[i];
      const auto* s = sel.selected_path(p.peer, p.path_id);
      path->set_selected(s != nullptr);
      path->set_weight(s != nullptr ? s->weight : 0);
    }
  };
  if (prefix) {
    for (Family f : {Family{1, 1}, Family{2, 1}}) {
      const rib::PrefixKey k{f, *prefix};
      if (!matches(k, prefix, req.family())) continue;
      if (const auto* entry = e.loc_rib().find(k)) add(k, *entry);
    }
    return true;
  }
  for (const auto* entry : e.loc_rib().sorted())
    if (matches(entry->key, prefix, req.family())) add(entry->key, *entry);
  return true;
}

namespace {

// The edge's view: a service it originates and what it advertises.
void add_originated(const rde::Engine& e, const rde::OriginatedService& s, pb::ShowServicesReply* out) {
  auto* o = out->add_originated();
  o->set_name(s.svc->name);
  for (const auto& p : s.svc->prefixes) o->add_prefixes(p);
  auto* m = o->mutable_metrics();
  if (s.svc->cs_id) m->set_cs_id(s.svc->cs_id->value);
  m->set_l2(s.state.metrics.l2);
  for (auto c : config::kCategories) {
    const auto& v = s.state.metrics.l1[config::index(c)];
    if (!v) continue;
    auto* l1 = m->add_l1();
    l1->set_category(config::category_name(c));
    l1->set_score(*v);
  }
  m->set_drain(s.state.metrics.drain);
  m->set_sequence(s.state.sequence);
  m->set_profile(s.svc->profile);
  m->set_interval(static_cast<std::uint32_t>(e.config().damper.interval));
  for (const auto& inst : s.state.metrics.instances) {
    auto* i = m->add_instances();
    i->set_id(inst.id.value);
    i->set_l2(inst.l2);
  }
  o->set_advertised(!s.state.withdrawn);
  o->set_withdrawn(s.state.withdrawn);
  o->set_updates_sent(s.state.updates);
}

// One site's path of a service prefix: its metrics, and with steering how the selection rates it.
void add_candidate(const rde::Engine& e, const rib::RibEntry& entry, std::size_t i, const SelectionView& sel,
                   pb::ServiceView* v) {
  const auto& p = entry.paths()[i];
  const auto info = e.loc_rib().path_info(entry, i);
  auto* c = v->add_candidates();
  c->set_peer(peer_text(e, p.peer));
  c->set_next_hop(next_hop_text(*p.attrs));
  c->set_path_id(p.path_id);
  if (info.igp_cost) c->set_igp_cost(*info.igp_cost);
  if (info.aigp) c->set_aigp(*info.aigp);
  if (info.med) c->set_med(*info.med);
  if (const auto* ca = p.attrs->attrs().find(e.cats_type())) {
    if (const auto* cats = ca->as<CatsExp>()) {
      pb::CatsMetrics m;
      fill_cats(*cats, ca->raw, &m);
      if (m.has_l2()) c->set_l2(m.l2());
      *c->mutable_l1() = m.l1();
      c->set_drain(m.drain());
      c->set_sequence(m.sequence());
    }
  }
  c->set_age_s(seconds_since(p.arrived()));
  c->set_best(entry.best() && *entry.best() == i);
  c->set_stale(info.stale);
  c->set_reachable(info.next_hop_reachable);
  if (!sel.steering) {
    c->set_selected(c->best());
    return;
  }
  const auto& cand = sel.candidates[i];
  c->set_tier(steer::tier_name(cand.tier));
  if (cand.cost) c->set_network_cost(*cand.cost);
  if (cand.latency_ms) c->set_latency_ms(*cand.latency_ms);
  if (sel.penalties[i]) c->set_penalty(*sel.penalties[i]);
  c->set_eligible(sel.penalties[i].has_value());
  if (auto sc = steer::score_of(cand, sel.klass(), e.cats_rib().params().unknown_score))
    c->set_score(static_cast<std::uint32_t>(*sc));
  if (const auto* s = sel.selected_path(p.peer, p.path_id)) {
    c->set_selected(true);
    c->set_weight(s->weight);
  }
}

// The ingress's view of one service prefix: the selection and every candidate.
void add_service(const rde::Engine& e, const rib::RibEntry& entry, const SelectionView& sel, pb::ServiceView* v) {
  v->set_prefix(entry.key.prefix.to_string());
  v->set_family(family_name(entry.key.family));
  if (sel.steering) {
    v->set_service_class(sel.service_class);
    v->set_service(sel.service);
    for (const auto& s : sel.selected) {
      auto* site = v->add_selected();
      site->set_next_hop(s.site.to_string());
      site->set_weight(s.weight);
      site->set_peer(peer_text(e, s.path.peer));
      site->set_path_id(s.path.path_id);
    }
    v->set_reason(sel.reason);
    v->set_outcome(sel.outcome);
    v->set_tier(sel.tier);
    v->set_changes(sel.changes);
    if (sel.changed_at) v->set_changed_s_ago(seconds_since(*sel.changed_at));
  }
  for (std::size_t i = 0; i < entry.paths().size(); ++i) add_candidate(e, entry, i, sel, v);
}

}  // namespace

void show_services(const rde::Engine& e, const pb::ShowServicesRequest& req, pb::ShowServicesReply* out) {
  const std::string& want = req.service();
  for (const auto& s : e.originated()) {
    if (want.empty() || want == s.svc->name ||
        std::find(s.svc->prefixes.begin(), s.svc->prefixes.end(), want) != s.svc->prefixes.end())
      add_originated(e, s, out);
  }
  // Ingress view: every prefix with a CATS attribute on some path.
  const auto want_prefix = want.empty() ? std::nullopt : Prefix::parse(want);
  std::vector<const rib::RibEntry*> entries;
  if (want_prefix) {
    for (Family f : {Family{1, 1}, Family{2, 1}})
      if (const auto* entry = e.loc_rib().find({f, *want_prefix})) entries.push_back(entry);
  } else {
    entries = e.loc_rib().sorted();
  }
  for (const auto* entry : entries) {
    const bool any = std::any_of(entry->paths().begin(), entry->paths().end(), [&](const rib::AdjRoute& p) {
      return p.attrs->attrs().find(e.cats_type()) != nullptr;
    });
    if (!any) continue;
    const SelectionView sel = selection_of(e, *entry);
    // A service name (steering/service) selects its prefixes.
    if (!want.empty() && !want_prefix && sel.service != want) continue;
    add_service(e, *entry, sel, out->add_services());
  }
}

SelectionView selection_of(const rde::Engine& e, const rib::RibEntry& entry) {
  SelectionView v;
  const auto& cats = e.cats_rib();
  if (!e.steering() || !cats.is_service(entry)) return v;
  v.steering = true;
  v.cls = &cats.class_for(entry, &v.service);
  v.service_class = v.cls->name;
  v.candidates = cats.candidates(e.loc_rib(), entry);
  const auto span = steer::span_of(v.candidates);
  v.penalties = steer::penalties(span, *v.cls, cats.params());
  steer::Selection sel;
  if (const auto* st = cats.find(entry.key)) {
    v.cls = st->service_class;
    v.service_class = v.cls->name;
    sel = st->last;
    v.selected = st->selected;
    v.changes = st->changes;
    v.changed_at = st->changed_at;
    std::optional<steer::Explanation::Site> chosen;
    if (!v.selected.empty())
      chosen = steer::Explanation::Site{v.selected[0].site, v.selected[0].score, v.selected[0].penalty};
    v.reason = steer::reason(sel, chosen);
  } else {
    // No choice to make (one path): the selection is made here, without history.
    sel = steer::select(span, *v.cls, cats.params(), {}, steer::Clock::now());
    for (const auto& c : sel.sites) {
      const auto& p = entry.paths()[c.index];
      v.selected.push_back({v.candidates[c.index].site, {p.peer, p.path_id}, c.weight, c.score, c.penalty});
    }
    v.reason = steer::reason(sel, span);
  }
  v.outcome = steer::outcome_name(sel.outcome);
  v.tier = steer::tier_name(sel.tier);
  return v;
}

const steer::Selected* SelectionView::selected_path(rib::PeerId peer, std::uint32_t path_id) const {
  for (const auto& s : selected)
    if (s.path.peer == peer && s.path.path_id == path_id) return &s;
  return nullptr;
}

}  // namespace cats::api
