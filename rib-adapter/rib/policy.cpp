#include "rib-adapter/rib/policy.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace cats::rib {

namespace {

std::string entry_error(const config::PrefixList& list, std::uint32_t seq, const std::string& reason) {
  return "prefix-list " + list.name + " seq " + std::to_string(seq) + ": " + reason;
}

// True when the first `len` bits of a and b agree.
bool same_bits(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b, std::uint8_t len) {
  const std::size_t whole = len / 8u;
  if (!std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(whole), b.begin())) return false;
  const unsigned rest = len % 8u;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xffu << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

// Replaces every attribute of a.type by `a`, at the position of the first one
// (or, when there is none, before the first attribute of a higher type), so a
// sorted list stays sorted and a discarded duplicate never encodes next to it.
void put(wire::AttributeSet& set, wire::Attribute a) {
  auto& list = set.mutable_list();
  const std::uint8_t type = a.type;
  auto first = std::ranges::find(list, type, &wire::Attribute::type);
  if (first != list.end()) {
    *first = std::move(a);
    const auto keep = std::distance(list.begin(), first);
    auto rest = std::remove_if(list.begin() + keep + 1, list.end(),
                               [type](const wire::Attribute& x) { return x.type == type; });
    list.erase(rest, list.end());
  } else {
    auto after = std::ranges::find_if(list, [type](const wire::Attribute& x) { return x.type > type; });
    list.insert(after, std::move(a));
  }
  set.reindex();
}

// RFC 1997 speakers keep communities sorted; nullopt when `add` brings nothing new.
std::optional<std::vector<std::uint32_t>> merged_communities(const wire::Communities* have,
                                                             const std::vector<std::uint32_t>& add) {
  std::vector<std::uint32_t> out = have != nullptr ? have->values : std::vector<std::uint32_t>{};
  if (have != nullptr && std::ranges::all_of(add, [&](std::uint32_t c) { return std::ranges::count(out, c) > 0; }))
    return std::nullopt;
  out.insert(out.end(), add.begin(), add.end());
  std::ranges::sort(out);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::variant<PrefixFilter, std::string> PrefixFilter::compile(const config::PrefixList& list) {
  std::vector<const config::PrefixListEntry*> order;
  order.reserve(list.entries.size());
  for (const auto& e : list.entries) order.push_back(&e);
  // The configuration keeps them sorted; values built by hand may not be.
  std::ranges::stable_sort(order, {}, &config::PrefixListEntry::seq);

  PrefixFilter f;
  f.name_ = list.name;
  f.entries_.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto& e = *order[i];
    if (i > 0 && order[i - 1]->seq == e.seq) return entry_error(list, e.seq, "seq appears twice");
    auto p = wire::Prefix::parse(e.prefix);
    if (!p) return entry_error(list, e.seq, "'" + e.prefix + "' is not an IPv4 or IPv6 prefix");
    const unsigned max = wire::max_prefix_len(p->afi);
    const char* family = p->afi == wire::Afi::kIpv4 ? "IPv4" : "IPv6";
    const unsigned len = p->length;
    const std::string beyond = " exceeds " + std::to_string(max) + " for an " + family + " prefix";
    if (e.ge && *e.ge > max) return entry_error(list, e.seq, "ge " + std::to_string(*e.ge) + beyond);
    if (e.le && *e.le > max) return entry_error(list, e.seq, "le " + std::to_string(*e.le) + beyond);
    if (e.ge && *e.ge < len)
      return entry_error(list, e.seq,
                         "ge " + std::to_string(*e.ge) + " is below the prefix length " + std::to_string(len));
    if (e.le && *e.le < len)
      return entry_error(list, e.seq,
                         "le " + std::to_string(*e.le) + " is below the prefix length " + std::to_string(len));
    if (e.ge && e.le && *e.le < *e.ge)
      return entry_error(list, e.seq, "le " + std::to_string(*e.le) + " is below ge " + std::to_string(*e.ge));

    Entry c;
    c.prefix = *p;
    c.permit = e.action == config::Verdict::kPermit;
    if (e.ge || e.le) {
      c.min_len = e.ge.value_or(p->length);
      c.max_len = e.le.value_or(static_cast<std::uint8_t>(max));
    } else {
      c.min_len = c.max_len = p->length;
    }
    f.entries_.push_back(c);
  }
  return f;
}

bool PrefixFilter::permits(const wire::Prefix& p) const {
  for (const auto& e : entries_) {
    if (e.prefix.afi != p.afi || p.length < e.min_len || p.length > e.max_len) continue;
    if (same_bits(e.prefix.addr, p.addr, e.prefix.length)) return e.permit;
  }
  return false;
}

std::variant<Policy, std::string> Policy::compile(const config::PolicyActions& actions,
                                                  std::span<const config::PrefixList> lists, bool allow_cats) {
  Policy out;
  if (actions.prefix_list) {
    auto it = std::ranges::find(lists, *actions.prefix_list, &config::PrefixList::name);
    if (it == lists.end()) return "prefix-list " + *actions.prefix_list + " is not defined";
    auto f = PrefixFilter::compile(*it);
    if (auto* err = std::get_if<std::string>(&f)) return std::move(*err);
    out.filter = std::move(std::get<PrefixFilter>(f));
  }
  out.set_local_pref = actions.set_local_pref;
  out.set_med = actions.set_med;
  out.add_communities = actions.add_communities;
  std::ranges::sort(out.add_communities);
  out.add_communities.erase(std::unique(out.add_communities.begin(), out.add_communities.end()),
                            out.add_communities.end());
  out.allow_cats = allow_cats;
  return out;
}

bool Policy::modifies() const {
  return set_local_pref || set_med || !add_communities.empty() || !allow_cats;
}

wire::AttributeSet Policy::apply(const wire::AttributeSet& in, std::uint8_t cats_type) const {
  wire::AttributeSet out = in;
  // LOCAL_PREF is well-known (RFC 4271 §5.1.5), MED optional non-transitive
  // (§5.1.4): the flags are fixed, whatever the replaced one carried.
  if (set_local_pref)
    put(out, wire::built_attribute(wire::attr::kTransitive, wire::attr::kLocalPref, wire::LocalPref{*set_local_pref}));
  if (set_med) put(out, wire::built_attribute(wire::attr::kOptional, wire::attr::kMed, wire::Med{*set_med}));
  if (!add_communities.empty()) {
    const wire::Attribute* have = out.find(wire::attr::kCommunities);
    const auto* values = have != nullptr ? have->as<wire::Communities>() : nullptr;
    if (auto merged = merged_communities(values, add_communities)) {
      // Optional transitive; a Partial bit set upstream must stay set (RFC 4271 §5).
      std::uint8_t flags = wire::attr::kOptional | wire::attr::kTransitive;
      if (values != nullptr) flags |= have->flags & wire::attr::kPartial;
      put(out, wire::built_attribute(flags, wire::attr::kCommunities, wire::Communities{std::move(*merged)}));
    }
  }
  if (!allow_cats) out.erase(cats_type);
  return out;
}

std::variant<NeighborPolicy, std::string> NeighborPolicy::compile(const config::Neighbor& neighbor,
                                                                  std::span<const config::PrefixList> lists) {
  NeighborPolicy out;
  auto in = Policy::compile(neighbor.import_policy, lists, neighbor.cats.receive);
  if (auto* err = std::get_if<std::string>(&in)) return "import-policy: " + *err;
  out.import_policy = std::move(std::get<Policy>(in));
  if (!neighbor.ibgp && neighbor.export_policy.set_local_pref)
    return std::string("export-policy: set-local-pref has no effect towards an eBGP neighbor (RFC 4271 §5.1.5)");
  auto ex = Policy::compile(neighbor.export_policy, lists, neighbor.cats.send);
  if (auto* err = std::get_if<std::string>(&ex)) return "export-policy: " + *err;
  out.export_policy = std::move(std::get<Policy>(ex));
  return out;
}

}  // namespace cats::rib
