#include "rib-adapter/rib/decision.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

namespace cats::rib {

std::optional<PeerAddress> PeerAddress::parse(std::string_view text) {
  const wire::Afi afi = text.find(':') != std::string_view::npos ? wire::Afi::kIpv6 : wire::Afi::kIpv4;
  const auto bytes = wire::parse_address(afi, text);
  if (!bytes) return std::nullopt;
  return PeerAddress{afi, *bytes};
}

std::string PeerAddress::to_string() const {
  const std::size_t n = afi == wire::Afi::kIpv4 ? 4 : 16;
  return wire::address_to_string(afi, std::as_bytes(std::span(addr).first(n)));
}

std::string_view step_name(Step s) {
  switch (s) {
    case Step::kUnreachable: return "unreachable";
    case Step::kStale: return "stale";
    case Step::kLocalPref: return "local-pref";
    case Step::kLocallyOriginated: return "locally-originated";
    case Step::kAigp: return "aigp";
    case Step::kAsPathLength: return "as-path-length";
    case Step::kOrigin: return "origin";
    case Step::kMed: return "med";
    case Step::kEbgpOverIbgp: return "ebgp-over-ibgp";
    case Step::kIgpCost: return "igp-cost";
    case Step::kOldestEbgp: return "oldest-ebgp";
    case Step::kRouterId: return "router-id";
    case Step::kClusterListLength: return "cluster-list-length";
    case Step::kPeerAddress: return "peer-address";
    case Step::kPathId: return "path-id";
    case Step::kOnlyPath: return "only-path";
    case Step::kEqual: return "equal";
    case Step::kCats: return "cats";
  }
  return "unknown";
}

namespace {

// Every rule answers "which of a and b does this step prefer": < 0 a, > 0 b,
// 0 neither (equal, or the step does not apply to this pair).
template <class T>
int prefer_lower(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}
template <class T>
int prefer_higher(T a, T b) {
  return prefer_lower(b, a);
}

using Cfg = DecisionConfig;

int reachable(const PathInfo& a, const PathInfo& b, const Cfg&) {
  return prefer_higher(a.next_hop_reachable, b.next_hop_reachable);
}

int fresh(const PathInfo& a, const PathInfo& b, const Cfg&) {
  return prefer_lower(a.stale, b.stale);
}

int local_pref(const PathInfo& a, const PathInfo& b, const Cfg& cfg) {
  return prefer_higher(a.local_pref.value_or(cfg.default_local_pref), b.local_pref.value_or(cfg.default_local_pref));
}

// Not in RFC 4271 (degree of preference is local policy), but usual: an edge
// that let another edge's path for the shared anycast prefix win would stop
// advertising its own site.
int locally_originated(const PathInfo& a, const PathInfo& b, const Cfg&) {
  return prefer_higher(a.peer.type == PeerType::kLocal, b.peer.type == PeerType::kLocal);
}

// RFC 7311 §4.1: a path with AIGP beats one without; between two, the lower
// AIGP plus IGP distance to the next hop (unknown distance: 0).
std::uint64_t aigp_distance(const PathInfo& p) {
  const std::uint64_t igp = p.igp_cost.value_or(0);
  const std::uint64_t aigp = *p.aigp;
  return aigp > std::numeric_limits<std::uint64_t>::max() - igp ? std::numeric_limits<std::uint64_t>::max()
                                                                : aigp + igp;
}
int aigp(const PathInfo& a, const PathInfo& b, const Cfg& cfg) {
  if (!cfg.aigp) return 0;
  if (a.aigp.has_value() != b.aigp.has_value()) return a.aigp.has_value() ? -1 : 1;
  if (!a.aigp.has_value()) return 0;
  return prefer_lower(aigp_distance(a), aigp_distance(b));
}

int as_path_length(const PathInfo& a, const PathInfo& b, const Cfg&) {
  return prefer_lower(a.as_path_length, b.as_path_length);
}

int origin(const PathInfo& a, const PathInfo& b, const Cfg&) {
  return prefer_lower(a.origin, b.origin);
}

int med(const PathInfo& a, const PathInfo& b, const Cfg& cfg) {
  if (!cfg.always_compare_med && a.neighbor_as != b.neighbor_as) return 0;
  const std::uint32_t missing = cfg.med_missing_as_worst ? std::numeric_limits<std::uint32_t>::max() : 0;
  return prefer_lower(a.med.value_or(missing), b.med.value_or(missing));
}

// Confederation eBGP counts as internal here (RFC 5065).
int external(const PathInfo& a, const PathInfo& b, const Cfg&) {
  return prefer_higher(a.peer.type == PeerType::kExternal, b.peer.type == PeerType::kExternal);
}

int igp_cost(const PathInfo& a, const PathInfo& b, const Cfg&) {
  if (!a.igp_cost || !b.igp_cost) return 0;
  return prefer_lower(*a.igp_cost, *b.igp_cost);
}

// RFC 5004 keeps the current best among eBGP paths; the oldest path is the
// stateless stand-in (the current best, unless it changed for another reason).
int oldest_external(const PathInfo& a, const PathInfo& b, const Cfg& cfg) {
  if (!cfg.prefer_oldest_ebgp || a.peer.type != PeerType::kExternal || b.peer.type != PeerType::kExternal) return 0;
  return prefer_lower(a.received_seq, b.received_seq);
}

// RFC 4456 §9: ORIGINATOR_ID stands in for the BGP Identifier.
int router_id(const PathInfo& a, const PathInfo& b, const Cfg&) {
  return prefer_lower(a.originator_id.value_or(a.peer.router_id), b.originator_id.value_or(b.peer.router_id));
}

int cluster_list_length(const PathInfo& a, const PathInfo& b, const Cfg&) {
  return prefer_lower(a.cluster_list.size(), b.cluster_list.size());
}

int peer_address(const PathInfo& a, const PathInfo& b, const Cfg&) {
  return prefer_lower(a.peer.address, b.peer.address);
}

// Two ADD-PATH paths from one peer: without this the choice between them
// would depend on the input order.
int path_id(const PathInfo& a, const PathInfo& b, const Cfg&) {
  return prefer_lower(a.path_id, b.path_id);
}

struct Rule {
  Step step;
  int (*prefer)(const PathInfo&, const PathInfo&, const Cfg&);
  // A total preorder: the best candidate beats every candidate that loses, so
  // one scan finds the losers. MED (across neighbor ASes), an unknown IGP cost
  // and the eBGP-only age step leave some pairs incomparable.
  bool total;
};

// clang-format off
constexpr std::array kRules = {
    //   step                        prefers                total
    Rule{Step::kUnreachable,         reachable,             true},
    Rule{Step::kStale,               fresh,                 true},
    Rule{Step::kLocalPref,           local_pref,            true},
    Rule{Step::kLocallyOriginated,   locally_originated,    true},
    Rule{Step::kAigp,                aigp,                  true},
    Rule{Step::kAsPathLength,        as_path_length,        true},
    Rule{Step::kOrigin,              origin,                true},
    Rule{Step::kMed,                 med,                   false},
    Rule{Step::kEbgpOverIbgp,        external,              true},
    Rule{Step::kIgpCost,             igp_cost,              false},
    Rule{Step::kOldestEbgp,          oldest_external,       false},
    Rule{Step::kRouterId,            router_id,             true},
    Rule{Step::kClusterListLength,   cluster_list_length,   true},
    Rule{Step::kPeerAddress,         peer_address,          true},
    Rule{Step::kPathId,              path_id,               true},
};
// clang-format on

static_assert(kRules.size() == static_cast<std::size_t>(Step::kPathId) + 1);

// Multipath paths are equal to the best up to and including this step.
constexpr std::size_t kMultipathRules = static_cast<std::size_t>(Step::kIgpCost) + 1;

// Indices of the paths still in the running, inline for the usual handful of
// paths so that a decision does not allocate.
class Candidates {
 public:
  explicit Candidates(std::size_t n) : size_(n) {
    if (n > inline_.size()) heap_.resize(n);
    for (std::size_t i = 0; i < n; ++i) data()[i] = i;
  }
  Candidates(const Candidates&) = delete;
  Candidates& operator=(const Candidates&) = delete;

  std::span<std::size_t> items() { return {data(), size_}; }
  std::size_t size() const { return size_; }

  // Runs one step: removes every candidate that another candidate beats.
  void eliminate(std::span<const PathInfo> paths, const Rule& rule, const Cfg& cfg) {
    std::size_t* d = data();
    auto beats = [&](std::size_t j, std::size_t i) { return j != i && rule.prefer(paths[j], paths[i], cfg) < 0; };
    std::size_t best = d[0];
    if (rule.total)
      for (std::size_t k = 1; k < size_; ++k)
        if (beats(d[k], best)) best = d[k];
    std::size_t kept = 0;
    for (std::size_t k = 0; k < size_; ++k) {
      const std::size_t i = d[k];
      auto beats_i = [&](std::size_t j) { return beats(j, i); };
      // Removing as we go gives the same set as removing all at once: each
      // relation is transitive, so whoever beats a removed candidate and is
      // still present beats this one too.
      const bool beaten =
          rule.total ? beats(best, i) : std::any_of(d, d + kept, beats_i) || std::any_of(d + k + 1, d + size_, beats_i);
      if (!beaten) d[kept++] = i;
    }
    size_ = kept;
  }

 private:
  std::size_t* data() { return heap_.empty() ? inline_.data() : heap_.data(); }

  std::array<std::size_t, 16> inline_{};
  std::vector<std::size_t> heap_;
  std::size_t size_;
};

// Runs rules [0, end) over the candidates; returns the step that left a single
// one, if one did.
std::optional<Step> run_rules(std::span<const PathInfo> paths, Candidates& c, const Cfg& cfg, std::size_t end) {
  for (std::size_t r = 0; r < end && c.size() > 1; ++r) {
    c.eliminate(paths, kRules[r], cfg);
    if (c.size() == 1) return kRules[r].step;
  }
  return std::nullopt;
}

// The rules unrolled with direct calls (the table's function pointers are
// constants here): the pairwise comparison is the decision's inner loop.
template <std::size_t I>
bool decide_at(const PathInfo& a, const PathInfo& b, const Cfg& cfg, Comparison& c) {
  constexpr Rule kRule = kRules[I];
  const int p = kRule.prefer(a, b, cfg);
  if (p == 0) return false;
  c = {p < 0 ? Better::kFirst : Better::kSecond, kRule.step};
  return true;
}
template <std::size_t... I>
Comparison compare_rules(const PathInfo& a, const PathInfo& b, const Cfg& cfg, std::index_sequence<I...>) {
  Comparison c;
  (void)(decide_at<I>(a, b, cfg, c) || ...);
  return c;
}
Comparison compare_all(const PathInfo& a, const PathInfo& b, const Cfg& cfg) {
  return compare_rules(a, b, cfg, std::make_index_sequence<kRules.size()>{});
}

// Every step orders these paths totally when their MEDs are all comparable
// and their IGP costs all known or all unknown (the eBGP-only age step only
// meets pairs of one kind: the step before it separates eBGP from the rest).
// Then the steps as eliminations keep exactly the lexicographic maxima, and a
// single pass with compare() finds the same path.
bool totally_ordered(std::span<const PathInfo> paths, const Cfg& cfg) {
  const PathInfo& first = paths.front();
  for (const PathInfo& p : paths) {
    if (p.igp_cost.has_value() != first.igp_cost.has_value()) return false;
    if (!cfg.always_compare_med && p.neighbor_as != first.neighbor_as) return false;
  }
  return true;
}

// The same answer as the eliminations for a totally ordered set: the first of
// the maxima, and as the reason the last step at which a rival falls (each
// rival falls at the first step where it differs from the best). Two paths or
// more.
Selection select_by_comparison(std::span<const PathInfo> paths, const Cfg& cfg) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < paths.size(); ++i)
    if (compare_all(paths[i], paths[best], cfg).better == Better::kFirst) best = i;
  Step reason = Step::kUnreachable;  // the first step: any rival's is at least this
  for (std::size_t i = 0; i < paths.size(); ++i)
    if (i != best) reason = std::max(reason, compare_all(paths[best], paths[i], cfg).step);
  return {best, reason};
}

}  // namespace

Comparison compare(const PathInfo& a, const PathInfo& b, const DecisionConfig& cfg) {
  return compare_all(a, b, cfg);
}

std::optional<Selection> select_best_by_elimination(std::span<const PathInfo> paths, const DecisionConfig& cfg) {
  if (paths.empty()) return std::nullopt;
  Candidates c(paths.size());
  const std::optional<Step> decided = run_rules(paths, c, cfg, kRules.size());
  // Left with several only when they are identical on every step (the same
  // path twice); the first stands.
  const std::size_t best = c.items().front();
  if (!paths[best].next_hop_reachable) return std::nullopt;  // RFC 4271 §9.1.2.1
  if (paths.size() == 1) return Selection{best, Step::kOnlyPath};
  return Selection{best, decided.value_or(Step::kEqual)};
}

std::optional<Selection> select_best(std::span<const PathInfo> paths, const DecisionConfig& cfg) {
  if (paths.size() < 2 || !totally_ordered(paths, cfg)) return select_best_by_elimination(paths, cfg);
  const Selection sel = select_by_comparison(paths, cfg);
  if (!paths[sel.index].next_hop_reachable) return std::nullopt;
  return sel;
}

std::vector<std::size_t> select_multipath(std::span<const PathInfo> paths, const DecisionConfig& cfg) {
  const auto best = select_best(paths, cfg);
  if (!best) return {};
  const PathInfo& b = paths[best->index];
  std::size_t limit = 1;  // a locally originated best has no equals
  if (b.peer.type == PeerType::kExternal) limit = cfg.multipath.ebgp_max;
  if (b.peer.type == PeerType::kInternal || b.peer.type == PeerType::kConfedExternal) limit = cfg.multipath.ibgp_max;

  Candidates c(paths.size());
  run_rules(paths, c, cfg, kMultipathRules);
  std::vector<std::size_t> set;
  for (std::size_t i : c.items()) {
    if (i == best->index) continue;
    if (!cfg.multipath.as_path_relax && !std::ranges::equal(paths[i].as_path, b.as_path)) continue;
    set.push_back(i);
  }
  // The later steps order the survivors. They are all eBGP or all not, so
  // those steps form a total order here.
  std::ranges::stable_sort(
      set, [&](std::size_t x, std::size_t y) { return compare(paths[x], paths[y], cfg).better == Better::kFirst; });
  set.insert(set.begin(), best->index);
  set.resize(std::min(set.size(), std::max<std::size_t>(limit, 1)));
  return set;
}

std::uint32_t neighbor_as(std::span<const wire::AsSegment> path, PeerType type, std::uint32_t peer_asn,
                          std::uint32_t local_asn) {
  for (const auto& seg : path) {
    if (seg.type == wire::SegmentType::kConfedSequence || seg.type == wire::SegmentType::kConfedSet) continue;
    if (seg.type == wire::SegmentType::kSequence && !seg.asns.empty()) return seg.asns.front();
    break;  // an AS_SET first: an aggregate
  }
  return type == PeerType::kExternal ? peer_asn : local_asn;
}

PathInfo make_path_info(const wire::AttributeSet& attrs, const PeerFacts& peer) {
  PathInfo p;
  p.peer = peer;
  if (const auto* lp = attrs.get<wire::LocalPref>(wire::attr::kLocalPref)) p.local_pref = lp->value;
  if (const auto* path = attrs.get<wire::AsPath>(wire::attr::kAsPath)) {
    p.as_path = path->segments;
    p.as_path_length = static_cast<std::uint32_t>(path->path_length());
    p.neighbor_as = neighbor_as(*path, peer.type, peer.asn, peer.local_asn);
  } else {
    p.neighbor_as = neighbor_as(wire::AsPath{}, peer.type, peer.asn, peer.local_asn);
  }
  const auto* o = attrs.get<wire::Origin>(wire::attr::kOrigin);
  p.origin = o != nullptr ? o->value : 2;
  if (const auto* m = attrs.get<wire::Med>(wire::attr::kMed)) p.med = m->value;
  if (const auto* a = attrs.get<wire::Aigp>(wire::attr::kAigp)) p.aigp = a->metric();
  if (const auto* id = attrs.get<wire::OriginatorId>(wire::attr::kOriginatorId))
    p.originator_id = wire::be32(std::as_bytes(std::span(id->id)), 0);
  if (const auto* cl = attrs.get<wire::ClusterList>(wire::attr::kClusterList)) p.cluster_list = cl->ids;
  return p;
}

}  // namespace cats::rib
