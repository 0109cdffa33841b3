#include "rib-adapter/steer/select.hpp"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cmath>
#include <cstdio>
#include <limits>

namespace cats::steer {

const char* tier_name(Tier t) {
  return t == Tier::kCloud ? "cloud" : "edge";
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kNearest: return "nearest";
    case Outcome::kLeftNearest: return "left-nearest";
    case Outcome::kAllBelow: return "all-below-threshold";
    case Outcome::kKept: return "kept";
    case Outcome::kHeldDown: return "held-down";
    case Outcome::kWeighted: return "weighted";
    case Outcome::kBgpBest: return "bgp-best";
    case Outcome::kNone: return "none";
  }
  return "none";
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kEdge: return "edge";
    case Verdict::kCloud: return "cloud";
    case Verdict::kLocal: return "local";
  }
  return "local";
}

std::optional<double> score_of(const Candidate& c, const config::ServiceClass& cls,
                               std::optional<std::uint8_t> unknown_score) {
  int s = c.site_score ? *c.site_score : -1;
  if (cls.score == config::ScoreSource::kL1) {
    s = -1;
    for (auto cat : cls.l1_categories) {
      const auto& v = c.l1[config::index(cat)];
      if (v && (s < 0 || *v < s)) s = *v;
    }
  }
  if (s < 0 && unknown_score) s = *unknown_score;
  if (s < 0) return std::nullopt;
  return static_cast<double>(s);
}

namespace {

// 3, 0.75, 7.5: at most two decimals, no trailing zeros.
std::string points(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

struct Rated {
  std::size_t index;
  double score;
  double penalty = 0;
  std::uint64_t cost;  // unknown: max
};

// Inline up to 16 sites: a selection runs per UPDATE and must not allocate.
using RatedList = boost::container::small_vector<Rated, 16>;

// The eligible candidates of one tier, rated.
RatedList rate(std::span<const Candidate> cs, Tier tier, const config::ServiceClass& cls, const Params& p) {
  RatedList out;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    const Candidate& c = cs[i];
    if (c.tier != tier || !c.reachable || c.drained) continue;
    const auto s = score_of(c, cls, p.unknown_score);
    if (!s || *s < cls.min_score) continue;
    out.push_back({i, *s, 0, c.cost.value_or(std::numeric_limits<std::uint64_t>::max())});
  }
  if (out.empty()) return out;
  // Network cost as the share of the dearest known cost above the cheapest
  // (scale-free: 10 vs 11 is a small step, 1 vs 50 a large one); an unknown
  // cost counts as the dearest.
  std::uint64_t lo = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t hi = 0;
  for (const auto& r : out) {
    if (!cs[r.index].cost) continue;
    lo = std::min(lo, r.cost);
    hi = std::max(hi, r.cost);
  }
  const bool any_known = lo <= hi;
  const double wn = cls.network_weight;
  const double wc = cls.compute_weight;
  for (auto& r : out) {
    double n = 0;
    if (!cs[r.index].cost) {
      n = any_known ? 10 : 0;
    } else if (hi > 0) {
      n = 10.0 * static_cast<double>(r.cost - lo) / static_cast<double>(hi);
    }
    r.penalty = (wn * n + wc * (10 - r.score)) / (wn + wc);
  }
  return out;
}

const Rated* find_site(const RatedList& rated, std::span<const Candidate> cs, const SiteId& site) {
  for (const auto& r : rated)
    if (cs[r.index].site == site) return &r;
  return nullptr;
}

Selection bgp_fallback(std::span<const Candidate> cs) {
  Selection sel;
  sel.outcome = Outcome::kNone;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    if (!cs[i].bgp_best) continue;
    sel.sites.push_back({i, 1, 0, 0});
    sel.tier = cs[i].tier;
    sel.outcome = Outcome::kBgpBest;
  }
  return sel;
}

Explanation::Site fact(std::span<const Candidate> cs, const Rated& r) {
  return {cs[r.index].site, r.score, r.penalty};
}

// Sites in order of preference for the best mode's "least penalty".
bool better(const Rated& a, const Rated& b, std::span<const Candidate> cs) {
  if (a.penalty != b.penalty) return a.penalty < b.penalty;
  if (a.cost != b.cost) return a.cost < b.cost;
  return cs[a.index].site < cs[b.index].site;
}

// Weighted mode: every site within the band of the best penalty, up to
// max_sites. Members stay within the band plus the margin, so a small move
// does not drop one.
void select_weighted(RatedList& rated, std::span<const Candidate> cs, const config::ServiceClass& cls,
                     const History& history, Selection& sel) {
  std::sort(rated.begin(), rated.end(), [&](const Rated& a, const Rated& b) { return better(a, b, cs); });
  auto was_member = [&](const Rated& r) {
    return std::find(history.selected.begin(), history.selected.end(), cs[r.index].site) != history.selected.end();
  };
  const double leave = cls.leave_threshold;
  const double best = rated.front().penalty;
  for (const auto& r : rated) {
    if (sel.sites.size() >= cls.max_sites) break;
    const double band = cls.weighted_band + (was_member(r) ? cls.margin : 0);
    if (r.score < leave || r.penalty > best + band) continue;
    sel.sites.push_back({r.index, static_cast<std::uint32_t>(std::max(1.0, std::round(r.score))), r.penalty, r.score});
  }
  if (sel.sites.empty()) {
    sel.sites.push_back({rated.front().index, 1, rated.front().penalty, rated.front().score});
    sel.why.none_above = true;
  }
  sel.outcome = Outcome::kWeighted;
}

// Rule 3: the nearest, unless it is below the threshold. Ties: the better
// score, then the current site (no move among equals), then the lower address.
const Rated* nearest_above(const RatedList& rated, std::span<const Candidate> cs, const config::ServiceClass& cls,
                           const Rated* current, Selection& sel) {
  auto nearer = [&](const Rated& a, const Rated& b) {
    if (a.cost != b.cost) return a.cost < b.cost;
    if (a.score != b.score) return a.score > b.score;
    const bool a_current = current != nullptr && a.index == current->index;
    const bool b_current = current != nullptr && b.index == current->index;
    if (a_current != b_current) return a_current;
    return cs[a.index].site < cs[b.index].site;
  };
  const Rated* nearest = &*std::min_element(rated.begin(), rated.end(), nearer);
  sel.outcome = Outcome::kNearest;
  sel.why.nearest = fact(cs, *nearest);
  if (nearest->score >= cls.leave_threshold) return nearest;
  const Rated* best_above = nullptr;
  const Rated* best_any = nullptr;
  for (const auto& r : rated) {
    if (best_any == nullptr || better(r, *best_any, cs)) best_any = &r;
    if (r.score >= cls.leave_threshold && (best_above == nullptr || better(r, *best_above, cs))) best_above = &r;
  }
  sel.outcome = best_above != nullptr ? Outcome::kLeftNearest : Outcome::kAllBelow;
  sel.why.none_above = best_above == nullptr;
  return best_above != nullptr ? best_above : best_any;
}

// Rule 4: hysteresis, only while the current site stays good. The site to
// keep instead of `pick`, or `pick`.
const Rated* hysteresis(const Rated* pick, const Rated* current, std::span<const Candidate> cs,
                        const config::ServiceClass& cls, const History& history, Clock::time_point now,
                        Selection& sel) {
  if (current == nullptr || pick->index == current->index || current->score < cls.leave_threshold) return pick;
  const auto& seen = history.seen;
  const bool arrived = std::find(seen.begin(), seen.end(), cs[pick->index].site) == seen.end();
  if (!arrived && current->penalty - pick->penalty < cls.margin) {
    sel.outcome = Outcome::kKept;
    sel.why.challenger = fact(cs, *pick);
    return current;
  }
  for (const auto& l : history.left) {
    if (l.site != cs[pick->index].site || now - l.at >= cls.hold_down) continue;
    sel.outcome = Outcome::kHeldDown;
    sel.why.challenger = fact(cs, *pick);
    sel.why.left_ago = std::chrono::duration_cast<std::chrono::seconds>(now - l.at);
    sel.recheck = l.at + cls.hold_down;
    return current;
  }
  return pick;
}

}  // namespace

Selection select(std::span<const Candidate> cs, const config::ServiceClass& cls, const Params& params,
                 const History& history, Clock::time_point now) {
  Tier tier = Tier::kEdge;
  auto rated = rate(cs, Tier::kEdge, cls, params);
  if (rated.empty()) {
    tier = Tier::kCloud;
    rated = rate(cs, Tier::kCloud, cls, params);
  }
  if (rated.empty()) return bgp_fallback(cs);

  Selection sel;
  sel.tier = tier;
  sel.why.leave_threshold = cls.leave_threshold;
  sel.why.margin = cls.margin;
  sel.why.hold_down = cls.hold_down;
  sel.why.band = cls.weighted_band;
  if (cls.mode == config::SelectionMode::kWeighted) {
    select_weighted(rated, cs, cls, history, sel);
    return sel;
  }
  const Rated* current = history.selected.empty() ? nullptr : find_site(rated, cs, history.selected.front());
  const Rated* pick = nearest_above(rated, cs, cls, current, sel);
  pick = hysteresis(pick, current, cs, cls, history, now, sel);
  sel.sites.push_back({pick->index, 1, pick->penalty, pick->score});
  return sel;
}

std::string reason(const Selection& sel, const std::optional<Explanation::Site>& chosen) {
  const Explanation& w = sel.why;
  auto site = [](const Explanation::Site& s) {
    return s.site.to_string() + " (score " + points(s.score) + ", penalty " + points(s.penalty) + ")";
  };
  const std::string chosen_text = chosen ? site(*chosen) : "";
  const std::string tier = sel.tier == Tier::kCloud ? "no eligible edge site: cloud " : "";
  const std::string threshold = "leave-threshold " + points(w.leave_threshold);
  switch (sel.outcome) {
    case Outcome::kNone: return "no usable path";
    case Outcome::kBgpBest: return "no eligible site: BGP best " + (chosen ? chosen->site.to_string() : "");
    case Outcome::kWeighted:
      return tier + "weighted: sites within " + points(w.band) + " points of the best, at or above " + threshold +
             (w.none_above ? " (none is: the best alone)" : "");
    case Outcome::kNearest: return tier + "nearest " + chosen_text + " at or above " + threshold;
    case Outcome::kLeftNearest:
    case Outcome::kAllBelow: {
      std::string s = tier + "nearest ";
      if (w.nearest) s += w.nearest->site.to_string() + " score " + points(w.nearest->score);
      s += " below " + threshold + ": " + chosen_text;
      if (w.none_above) s += ", every site below the threshold";
      return s;
    }
    case Outcome::kKept: {
      std::string s = tier + "kept " + chosen_text + ": ";
      if (w.challenger && chosen)
        s += w.challenger->site.to_string() + " better by " + points(chosen->penalty - w.challenger->penalty);
      return s + " < margin " + points(w.margin);
    }
    case Outcome::kHeldDown: {
      std::string s = tier + "kept " + chosen_text + ": ";
      if (w.challenger) s += w.challenger->site.to_string();
      return s + " left " + std::to_string(w.left_ago.count()) + " s ago (hold-down " +
             std::to_string(w.hold_down.count()) + " s)";
    }
  }
  return "";
}

std::string reason(const Selection& sel, std::span<const Candidate> cs) {
  std::optional<Explanation::Site> chosen;
  if (!sel.sites.empty()) {
    const auto& c = sel.sites.front();
    chosen = Explanation::Site{cs[c.index].site, c.score, c.penalty};
  }
  return reason(sel, chosen);
}

std::vector<std::optional<double>> penalties(std::span<const Candidate> cs, const config::ServiceClass& cls,
                                             const Params& params) {
  std::vector<std::optional<double>> out(cs.size());
  for (Tier t : {Tier::kEdge, Tier::kCloud})
    for (const auto& r : rate(cs, t, cls, params)) out[r.index] = r.penalty;
  return out;
}

History next_history(const History& before, std::span<const Candidate> cs, const Selection& sel, Clock::time_point now,
                     std::chrono::seconds keep) {
  History h;
  for (const auto& c : sel.sites) h.selected.push_back(cs[c.index].site);
  for (const auto& c : cs) h.seen.push_back(c.site);
  for (const auto& l : before.left)
    if (now - l.at < keep && std::find(h.selected.begin(), h.selected.end(), l.site) == h.selected.end())
      h.left.push_back(l);
  for (const auto& s : before.selected)
    if (std::find(h.selected.begin(), h.selected.end(), s) == h.selected.end()) {
      std::erase_if(h.left, [&](const History::Left& l) { return l.site == s; });
      h.left.push_back({s, now});
    }
  return h;
}

Resolution resolve(std::span<const Candidate> cs, const config::ServiceClass& cls, const Params& params,
                   const Selection& current, std::optional<std::uint32_t> budget) {
  Resolution r;
  auto meets = [&](std::size_t i) { return !budget || !cs[i].latency_ms || *cs[i].latency_ms <= *budget; };
  auto latency = [&](std::size_t i) {
    return cs[i].latency_ms ? std::to_string(*cs[i].latency_ms) + " ms" : std::string("unknown latency");
  };
  // Every eligible site, edges first, by penalty.
  boost::container::small_vector<std::pair<Tier, Rated>, 16> eligible;
  for (Tier t : {Tier::kEdge, Tier::kCloud}) {
    auto rated = rate(cs, t, cls, params);
    std::sort(rated.begin(), rated.end(), [&](const Rated& a, const Rated& b) { return better(a, b, cs); });
    for (const auto& x : rated) eligible.push_back({t, x});
  }
  const bool selected = current.outcome != Outcome::kNone && current.outcome != Outcome::kBgpBest;
  std::optional<std::size_t> choice;
  if (selected && !current.sites.empty() && meets(current.sites.front().index)) {
    choice = current.sites.front().index;
    r.reason = "selected site " + cs[*choice].site.to_string() + " (" + latency(*choice) + "): " + reason(current, cs);
  } else {
    for (const auto& [t, x] : eligible) {
      if (!meets(x.index)) continue;
      choice = x.index;
      r.reason = std::string(selected ? "the selected site misses the budget; " : "") + tier_name(t) + " site " +
                 cs[x.index].site.to_string() + " meets it (" + latency(x.index) + ")";
      break;
    }
  }
  for (const auto& [t, x] : eligible)
    if (!choice || x.index != *choice) r.alternatives.push_back(x.index);
  if (!choice) {
    r.verdict = Verdict::kLocal;
    r.reason = eligible.empty()
                   ? "no eligible edge or cloud site: run locally"
                   : "no eligible site meets the latency budget of " + std::to_string(*budget) + " ms: run locally";
    return r;
  }
  r.site = choice;
  r.verdict = cs[*choice].tier == Tier::kCloud ? Verdict::kCloud : Verdict::kEdge;
  return r;
}

}  // namespace cats::steer
