#include "rib-adapter/rib/adj_rib_in.hpp"

#include <algorithm>

#include "rib-adapter/rib/loc_rib.hpp"

namespace cats::rib {

namespace {

// An NLRI entry's key in family f.
auto key_in(wire::Family f) {
  return [f](const wire::NlriEntry& e) { return PrefixKey{f, e.prefix}; };
}

// Sorted and unique. NLRI usually arrive in order, so the sort is mostly a check.
void finish(std::vector<PrefixKey>& keys) {
  if (!std::is_sorted(keys.begin(), keys.end())) std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

// IPv4/IPv6 unicast are the families whose NLRI the codec decodes.
template <class Mp>
std::optional<wire::Family> family_of(const Mp* mp) {
  if (mp == nullptr || !mp->known_family()) return std::nullopt;
  return wire::Family{mp->afi, mp->safi};
}

}  // namespace

AdjRibIn::AdjRibIn(PeerId id, PeerFacts facts, AttrStore& store, LocRib& loc)
    : id_(id), facts_(facts), store_(&store), table_(&loc.table()) {
  table_->set_facts(id_, facts_);
}

AdjRibIn::AdjRibIn(PeerId id, PeerFacts facts, AttrStore& store)
    : id_(id), facts_(facts), store_(&store), own_(std::make_unique<RibTable>()), table_(own_.get()) {
  table_->set_facts(id_, facts_);
}

// Paths still in a shared table stay there: the owner clears a peer through
// clear() and LocRib::update (which also decides), never by destroying it.
AdjRibIn::~AdjRibIn() = default;

void AdjRibIn::set_facts(const PeerFacts& f) {
  facts_ = f;
  table_->set_facts(id_, f);
}

void AdjRibIn::touched(RibEntry& e, ApplyResult& r) {
  if (e.queued) return;
  e.queued = true;
  r.entries.push_back(&e);
}

AdjRibIn::FamilyCount& AdjRibIn::counter(wire::Family f) {
  for (auto& t : families_)
    if (t.family == f) return t;
  families_.push_back({f, 0, std::nullopt});
  return families_.back();
}

const AdjRibIn::FamilyCount* AdjRibIn::find_counter(wire::Family f) const {
  for (const auto& t : families_)
    if (t.family == f) return &t;
  return nullptr;
}

bool AdjRibIn::remove(RibEntry& e, std::uint32_t path_id) {
  for (std::size_t i = 0; i < e.paths().size(); ++i) {
    if (e.paths()[i].peer != id_ || e.paths()[i].path_id != path_id) continue;
    e.erase_path(i, table_->arrays());
    if (e.refused) {
      e.refused = 0;
      table_->note_freed();
    }
    if (const BestIndex b = e.best()) {
      if (*b == i) {
        e.clear_best();
        e.best_touched = true;
      } else if (*b > i) {
        e.set_best(*b - 1);
      }
    }
    --counter(e.key.family).paths;
    return true;
  }
  return false;
}

void AdjRibIn::install(wire::Family f, const wire::NlriView& v, const AttrsRef& attrs, Arrival at, ApplyResult& r) {
  FamilyCount& count = counter(f);
  table_->for_each_prefetched(v, key_in(f), [&](const wire::NlriEntry& e, const PrefixKey& key, std::uint64_t h) {
    const std::uint32_t pid = e.path_id.value_or(0);
    if (hooks_.accept && !hooks_.accept(e.prefix)) {
      ++r.filtered;
      if (auto* entry = table_->find(key, h); entry != nullptr && remove(*entry, pid)) {
        ++r.withdrawn;
        touched(*entry, r);
      }
      return;
    }
    // Past the table's limits a new path is refused (counted as filtered):
    // entry numbers have 26 bits.
    if (table_->full() && table_->find(key, h) == nullptr) {
      ++r.filtered;
      return;
    }
    RibEntry& entry = table_->get(key, h);
    AdjRoute* route = nullptr;
    std::size_t i = 0;
    std::size_t mine = 0;
    for (; i < entry.paths().size(); ++i) {
      if (entry.paths()[i].peer != id_) continue;
      if (entry.paths()[i].path_id == pid) {
        route = &entry.paths()[i];
        break;
      }
      ++mine;
    }
    if (route == nullptr) {
      if (mine >= paths_per_prefix_ || entry.paths().size() >= table_->path_limit()) {
        if (r.path_limited++ == 0) r.first_path_limited = key;
        ++refused_;
        refused_freed_ = table_->freed();
        entry.refused = 1;
        return;
      }
      entry.add_path(AdjRoute(id_, pid, attrs, at), table_->arrays());
      ++count.paths;
    } else {
      // The same attributes again change nothing (and keep the arrival, which
      // RFC 5004 compares); a stale path becoming fresh does change.
      if (route->attrs == attrs && !route->stale) return;
      *route = AdjRoute(id_, pid, attrs, at);
      if (entry.best() && *entry.best() == i) entry.best_touched = true;
    }
    ++r.installed;
    touched(entry, r);
  });
}

void AdjRibIn::withdraw(wire::Family f, const wire::NlriView& v, ApplyResult& r) {
  table_->for_each_prefetched(v, key_in(f), [&](const wire::NlriEntry& e, const PrefixKey& key, std::uint64_t h) {
    auto* entry = table_->find(key, h);
    if (entry == nullptr || !remove(*entry, e.path_id.value_or(0))) {
      ++r.unknown_withdraws;  // E30
      return;
    }
    ++r.withdrawn;
    touched(*entry, r);
  });
}

ApplyResult AdjRibIn::apply(const wire::Decoded& d, Arrival at) {
  if (const auto* u = std::get_if<wire::Update>(&d.body)) return apply(*u, d.action(), at);
  ApplyResult r;
  r.applied = d.action() != wire::Action::kSessionReset;
  return r;
}

ApplyResult AdjRibIn::apply(const wire::Update& u, wire::Action action, Arrival at) {
  ApplyResult r;
  apply_to(u, action, at, r);
  r.changed.reserve(r.entries.size());
  for (auto* e : r.entries) {
    e->queued = false;
    r.changed.push_back(e->key);
  }
  finish(r.changed);
  return r;
}

void AdjRibIn::apply_to(const wire::Update& u, wire::Action action, Arrival at, ApplyResult& r) {
  r.end_of_rib.reset();
  r.over_limit.clear();
  if (action == wire::Action::kSessionReset) {
    r.applied = false;
    return;
  }
  r.applied = true;
  const auto reach = family_of(u.mp_reach());
  const auto unreach = family_of(u.mp_unreach());

  if (action == wire::Action::kTreatAsWithdraw) {
    withdraw(kIpv4Unicast, u.withdrawn, r);
    withdraw(kIpv4Unicast, u.nlri, r);
    if (unreach) withdraw(*unreach, u.mp_unreach()->entries(), r);
    if (reach) withdraw(*reach, u.mp_reach()->entries(), r);
  } else {
    r.end_of_rib = u.end_of_rib();
    withdraw(kIpv4Unicast, u.withdrawn, r);
    if (unreach) withdraw(*unreach, u.mp_unreach()->entries(), r);
    // One interned set per next-hop carrier and UPDATE, not per prefix.
    std::optional<wire::AttributeSet> rewritten;
    auto announce = [&](wire::Family f, const wire::NlriView& v, NextHopIn nh) {
      if (v.empty()) return;
      if (hooks_.transform && !rewritten) rewritten = hooks_.transform(u.attrs);
      if (auto attrs = store_->intern(rewritten ? *rewritten : u.attrs, nh, facts_.type != PeerType::kLocal)) {
        install(f, v, attrs, at, r);
      } else {
        withdraw(f, v, r);  // cannot store the attributes: safest is treat-as-withdraw
      }
    };
    announce(kIpv4Unicast, u.nlri, NextHopIn::kNextHopAttribute);
    if (reach) announce(*reach, u.mp_reach()->entries(), NextHopIn::kMpReach);
  }
  for (const auto& t : families_)
    if (t.max && t.paths > *t.max) r.over_limit.push_back(t.family);
}

template <class Fn>
std::vector<PrefixKey> AdjRibIn::walk(std::optional<wire::Family> f, Fn&& fn) {
  std::vector<PrefixKey> changed;
  if (size() == 0) return changed;
  table_->for_each([&](RibEntry& e) {
    if (f && e.key.family != *f) return;
    bool touched = false;
    // Backwards: fn may erase the path at i.
    for (std::size_t i = e.paths().size(); i-- > 0;)
      if (e.paths()[i].peer == id_ && fn(e, i)) touched = true;
    if (touched) changed.push_back(e.key);
  });
  finish(changed);
  return changed;
}

std::vector<PrefixKey> AdjRibIn::mark_stale(wire::Family f) {
  return walk(f, [](RibEntry& e, std::size_t i) {
    if (e.paths()[i].stale) return false;
    e.paths()[i].stale = true;
    if (e.best() && *e.best() == i) e.best_touched = true;
    return true;
  });
}

std::vector<PrefixKey> AdjRibIn::sweep_stale(wire::Family f) {
  return walk(f, [this](RibEntry& e, std::size_t i) { return e.paths()[i].stale && remove(e, e.paths()[i].path_id); });
}

std::vector<PrefixKey> AdjRibIn::clear() {
  return walk(std::nullopt, [this](RibEntry& e, std::size_t i) { return remove(e, e.paths()[i].path_id); });
}

void AdjRibIn::set_max_prefix(wire::Family f, std::optional<std::size_t> limit) {
  counter(f).max = limit;
}

bool AdjRibIn::over_limit(wire::Family f) const {
  const auto* t = find_counter(f);
  return t != nullptr && t->max && t->paths > *t->max;
}

std::vector<AdjRibIn::PathEntry> AdjRibIn::paths(const PrefixKey& k) const {
  std::vector<PathEntry> out;
  const auto* e = table_->find(k);
  if (e == nullptr) return out;
  for (const auto& p : e->paths())
    if (p.peer == id_) out.push_back({p.path_id, &p});
  std::sort(out.begin(), out.end(), [](const PathEntry& a, const PathEntry& b) { return a.path_id < b.path_id; });
  return out;
}

const AdjRoute* AdjRibIn::find(const PrefixKey& k, std::uint32_t path_id) const {
  const auto* e = table_->find(k);
  if (e == nullptr) return nullptr;
  for (const auto& p : e->paths())
    if (p.peer == id_ && p.path_id == path_id) return &p;
  return nullptr;
}

std::size_t AdjRibIn::count(wire::Family f) const {
  const auto* t = find_counter(f);
  return t == nullptr ? 0 : t->paths;
}

std::size_t AdjRibIn::size() const {
  std::size_t n = 0;
  for (const auto& t : families_) n += t.paths;
  return n;
}

}  // namespace cats::rib
