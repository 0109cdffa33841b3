// RIB storage: attribute interning, Adj-RIB-In after RFC 7606 handling
// (spec vectors TV1-TV4, TV8, TV9), ADD-PATH, Loc-RIB best path, graceful
// restart, max-prefix and the memory figure of a shared attribute table.
// Messages are real wire bytes: spec hex or the codec's packer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bgp-ext/wire/message.hpp"
#include "rib-adapter/rib/adj_rib_in.hpp"
#include "rib-adapter/rib/attr_store.hpp"
#include "rib-adapter/rib/loc_rib.hpp"

namespace cats::rib {
namespace {

using wire::Afi;
using wire::Bytes;

// Spec vectors (docs/spec/CATS-BGP-ENCODINGS.md (d)); iBGP, 4-octet AS.
constexpr std::string_view kTv1 =
    "ffffffffffffffffffffffffffffffff0040020000002440010100400200400304c000020140050400000064c0ff0c0100000002000501"
    "0381000820cb00710a";
constexpr std::string_view kTv2 =
    "ffffffffffffffffffffffffffffffff00a2020000008b800e2a0002011020010db800000000000000000000000200000000018020010d"
    "b8cafe000000000000000000104001010040020040050400000064c0ff4d010000000400080000002a000a000103001c020020010db800"
    "05000000000000000000010203410007030341000903001c020020010db800050000000000000000000202034100030303410009";
constexpr std::string_view kTv3 =
    "ffffffffffffffffffffffffffffffff005c020000004040010100400200400304c000020240050400000064d0ff00270100000001000501"
    "cb00710a020013010381000610062440400ccccdc8040000abcd630002dead20cb00710a";
constexpr std::string_view kTv4 =
    "ffffffffffffffffffffffffffffffff0040020000002440010100400200400304c000020140050400000064c0ff0c0100000002000901"
    "0381000820cb00710a";
constexpr std::string_view kTv8 = "ffffffffffffffffffffffffffffffff001d0200000006800f03000201";
constexpr std::string_view kTv9 =
    "ffffffffffffffffffffffffffffffff0032020000001b800f18000201000000018020010db8cafe00000000000000000010";

constexpr std::uint32_t kLocalAs = 4200000001;

Bytes hex(std::string_view h) {
  auto b = wire::from_hex(h);
  EXPECT_TRUE(b.has_value()) << h;
  return b.value_or(Bytes{});
}

std::string replace(std::string_view s, std::string_view from, std::string_view to) {
  std::string out(s);
  const auto at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) out.replace(at, from.size(), to);
  return out;
}

wire::Prefix pfx(std::string_view text) {
  auto p = wire::Prefix::parse(text);
  EXPECT_TRUE(p.has_value()) << text;
  return p.value_or(wire::Prefix{});
}

PrefixKey v4(std::string_view text) {
  return {kIpv4Unicast, pfx(text)};
}
PrefixKey v6(std::string_view text) {
  return {kIpv6Unicast, pfx(text)};
}

PeerFacts ibgp_peer(std::string_view address, RouterId id) {
  PeerFacts f;
  f.address = PeerAddress::parse(address).value_or(PeerAddress{});
  f.router_id = id;
  f.asn = kLocalAs;
  f.local_asn = kLocalAs;
  f.type = PeerType::kInternal;
  return f;
}

wire::DecodeContext ibgp_ctx(bool add_path_v4 = false, bool add_path_v6 = false) {
  wire::DecodeContext c;
  c.as4 = true;
  c.add_path.ipv4 = add_path_v4;
  c.add_path.ipv6 = add_path_v6;
  return c;
}

// Decodes one message and applies it; the message bytes die with this call,
// so anything the RIB kept must be its own copy (ASan checks that).
ApplyResult feed(AdjRibIn& rib, Bytes msg, const wire::DecodeContext& ctx, std::uint64_t seq = 1) {
  const auto d = wire::decode_message(msg, ctx);
  auto r = rib.apply(d, Arrival{seq, {}});
  std::fill(msg.begin(), msg.end(), std::byte{0xee});
  return r;
}

ApplyResult feed_hex(AdjRibIn& rib, std::string_view h, const wire::DecodeContext& ctx, std::uint64_t seq = 1) {
  return feed(rib, hex(h), ctx, seq);
}

// ORIGIN IGP, empty AS_PATH, NEXT_HOP (IPv4 only), LOCAL_PREF, MED.
wire::AttributeSet ibgp_attrs(std::uint8_t nh_last_octet, std::uint32_t local_pref, std::uint32_t med = 0,
                              bool next_hop = true) {
  wire::AttributeSet s;
  s.add(wire::built_attribute(0x40, wire::attr::kOrigin, wire::Origin{0}));
  s.add(wire::built_attribute(0x40, wire::attr::kAsPath, wire::AsPath{}));
  if (next_hop) s.add(wire::built_attribute(0x40, wire::attr::kNextHop, wire::NextHop{{192, 0, 2, nh_last_octet}}));
  s.add(wire::built_attribute(0x40, wire::attr::kLocalPref, wire::LocalPref{local_pref}));
  s.add(wire::built_attribute(0x80, wire::attr::kMed, wire::Med{med}));
  return s;
}

std::vector<wire::NlriEntry> entries(std::span<const std::string_view> texts, std::optional<std::uint32_t> id = {}) {
  std::vector<wire::NlriEntry> out;
  for (auto t : texts) out.push_back({pfx(t), id});
  return out;
}

// Announces `prefixes` with `attrs` through the codec's packer and the decoder.
ApplyResult announce(AdjRibIn& rib, const wire::AttributeSet& attrs, std::span<const wire::NlriEntry> prefixes,
                     bool add_path = false, std::uint64_t seq = 1) {
  wire::EncodeContext ectx;
  ectx.add_path.ipv4 = add_path;
  const auto packed = wire::pack_announcements(attrs, Afi::kIpv4, {}, prefixes, ectx);
  EXPECT_TRUE(packed.ok);
  ApplyResult all;
  for (const auto& m : packed.messages) {
    auto r = feed(rib, m, ibgp_ctx(add_path), seq);
    EXPECT_TRUE(r.applied);
    all.changed.insert(all.changed.end(), r.changed.begin(), r.changed.end());
    all.installed += r.installed;
    all.filtered += r.filtered;
    all.path_limited += r.path_limited;
    if (!all.first_path_limited) all.first_path_limited = r.first_path_limited;
    all.over_limit = r.over_limit;
  }
  return all;
}

ApplyResult withdraw(AdjRibIn& rib, std::span<const wire::NlriEntry> prefixes, bool add_path = false) {
  wire::EncodeContext ectx;
  ectx.add_path.ipv4 = add_path;
  const auto packed = wire::pack_withdrawals(Afi::kIpv4, prefixes, ectx);
  ApplyResult all;
  for (const auto& m : packed.messages) {
    auto r = feed(rib, m, ibgp_ctx(add_path));
    all.changed.insert(all.changed.end(), r.changed.begin(), r.changed.end());
    all.withdrawn += r.withdrawn;
    all.unknown_withdraws += r.unknown_withdraws;
  }
  return all;
}

std::string next_hop_of(const AttrsRef& a) {
  const auto nh = a->next_hop();
  return wire::address_to_string(nh.size() == 4 ? Afi::kIpv4 : Afi::kIpv6, nh.first(nh.size() == 32 ? 16 : nh.size()));
}

std::string best_next_hop(const LocRib& loc, const PrefixKey& k) {
  const auto* e = loc.find(k);
  if (e == nullptr || e->best_path() == nullptr) return "none";
  return next_hop_of(e->best_path()->attrs);
}

// Two iBGP peers (ids 1 and 2) over one Loc-RIB.
struct TwoPeers {
  AttrStore store;
  LocRib loc;
  AdjRibIn a{1, ibgp_peer("10.0.0.1", 1), store, loc};
  AdjRibIn b{2, ibgp_peer("10.0.0.2", 2), store, loc};
};

// ---------------------------------------------------------------------------
// Interning

// TV1 from two iBGP peers (ids 1 and 2), each with its own table.
struct Tv1FromTwoPeers {
  AttrStore store;
  AdjRibIn a{1, ibgp_peer("10.0.0.1", 1), store};
  AdjRibIn b{2, ibgp_peer("10.0.0.2", 2), store};
  Tv1FromTwoPeers() {
    feed_hex(a, kTv1, ibgp_ctx());
    feed_hex(b, kTv1, ibgp_ctx());
  }
};

TEST(AttrStore, SameAttributesFromTwoPeersStoredOnce) {
  Tv1FromTwoPeers peers;
  auto& [store, a, b] = peers;
  const auto* ra = a.find(v4("203.0.113.10/32"), 0);
  const auto* rb = b.find(v4("203.0.113.10/32"), 0);
  ASSERT_NE(ra, nullptr);
  ASSERT_NE(rb, nullptr);
  EXPECT_EQ(ra->attrs, rb->attrs);
  const auto st = store.stats();
  EXPECT_EQ(st.sets, 1u);
  EXPECT_EQ(st.hits, 1u);
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.bytes, ra->attrs->bytes().size());
  EXPECT_EQ(st.rejected, 0u);
}

TEST(AttrStore, StoredSetOwnsItsBytesAndDecodes) {
  AttrStore store;
  AdjRibIn a(1, ibgp_peer("10.0.0.1", 1), store);
  feed_hex(a, kTv1, ibgp_ctx());  // the message buffer is overwritten after apply
  const auto* r = a.find(v4("203.0.113.10/32"), 0);
  ASSERT_NE(r, nullptr);
  const auto& s = r->attrs->attrs();
  EXPECT_EQ(next_hop_of(r->attrs), "192.0.2.1");
  ASSERT_NE(s.get<wire::LocalPref>(wire::attr::kLocalPref), nullptr);
  EXPECT_EQ(s.get<wire::LocalPref>(wire::attr::kLocalPref)->value, 100u);
  const auto* cats = s.get<wire::CatsExp>(wire::kDefaultCatsType);
  ASSERT_NE(cats, nullptr);
  EXPECT_EQ(cats->site_score(), std::optional<std::uint8_t>(8));
  // Canonical = TV1's attributes (already in type order) byte for byte.
  EXPECT_EQ(wire::to_hex(r->attrs->bytes()),
            "40010100400200400304c000020140050400000064c0ff0c010000000200050103810008");
}

// Decision: order is canonicalised (sorted by type code), so the same
// attributes in another order share a set.
TEST(AttrStore, AttributeOrderDoesNotMatter) {
  AttrStore store;
  const auto sorted = ibgp_attrs(1, 100, 5);
  wire::AttributeSet reversed;
  for (auto it = sorted.list().rbegin(); it != sorted.list().rend(); ++it) reversed.add(*it);
  EXPECT_EQ(AttrStore::canonical_bytes(sorted, NextHopIn::kNextHopAttribute),
            AttrStore::canonical_bytes(reversed, NextHopIn::kNextHopAttribute));
  AdjRibIn a(1, ibgp_peer("10.0.0.1", 1), store);
  AdjRibIn b(2, ibgp_peer("10.0.0.2", 2), store);
  constexpr std::string_view p[] = {"198.51.100.0/24"};
  announce(a, sorted, entries(p));
  announce(b, reversed, entries(p));
  EXPECT_EQ(a.find(v4(p[0]), 0)->attrs, b.find(v4(p[0]), 0)->attrs);
  EXPECT_EQ(store.stats().sets, 1u);
}

TEST(AttrStore, LastReferenceRemovesTheSet) {
  Tv1FromTwoPeers peers;
  auto& [store, a, b] = peers;
  const std::string_view p[] = {"203.0.113.10/32"};
  withdraw(a, entries(p));
  EXPECT_EQ(store.stats().sets, 1u);  // b still holds it
  withdraw(b, entries(p));
  EXPECT_EQ(store.stats().sets, 0u);
  EXPECT_EQ(store.stats().bytes, 0u);
  // Interned again after it was gone: a new set.
  feed_hex(a, kTv1, ibgp_ctx());
  EXPECT_EQ(store.stats().sets, 1u);
  EXPECT_EQ(store.stats().misses, 2u);
}

TEST(AttrStore, ReferenceMayOutliveTheStore) {
  AttrsRef kept;
  {
    AttrStore store;
    kept = store.intern(ibgp_attrs(7, 100), NextHopIn::kNextHopAttribute);
    ASSERT_NE(kept, nullptr);
  }
  EXPECT_EQ(next_hop_of(kept), "192.0.2.7");
  kept.reset();  // the deleter must not touch the dead table
}

// RFC 6793: a 2-octet session's AS_PATH + AS4_PATH is stored as the merged
// 4-octet path, so it shares the set of a 4-octet session's route.
TEST(AttrStore, As4PathMergedIntoOneCanonicalSet) {
  AttrStore store;
  auto real = ibgp_attrs(1, 100);
  real.set(wire::built_attribute(0x40, wire::attr::kAsPath,
                                 wire::AsPath{{{wire::SegmentType::kSequence, {4200000002, 65001}}}}));

  auto old = real;  // as a 2-octet speaker sends it
  old.add(wire::built_attribute(0xc0, wire::attr::kAs4Path,
                                wire::AsPath{{{wire::SegmentType::kSequence, {4200000002, 65001}}}}));

  const std::string_view p[] = {"198.51.100.0/24"};
  AdjRibIn a(1, ibgp_peer("10.0.0.1", 1), store);
  AdjRibIn b(2, ibgp_peer("10.0.0.2", 2), store);
  announce(a, real, entries(p));
  {
    wire::EncodeContext two;
    two.as4 = false;
    auto packed = wire::pack_announcements(old, Afi::kIpv4, {}, entries(p), two);
    ASSERT_EQ(packed.messages.size(), 1u);
    auto ctx = ibgp_ctx();
    ctx.as4 = false;
    auto r = feed(b, packed.messages[0], ctx);
    EXPECT_TRUE(r.applied);
  }
  const auto* rb = b.find(v4(p[0]), 0);
  ASSERT_NE(rb, nullptr);
  EXPECT_EQ(rb->attrs->attrs().find(wire::attr::kAs4Path), nullptr);
  const auto* path = rb->attrs->attrs().get<wire::AsPath>(wire::attr::kAsPath);
  ASSERT_NE(path, nullptr);
  ASSERT_EQ(path->segments.size(), 1u);
  EXPECT_EQ(path->segments[0].asns, (std::vector<std::uint32_t>{4200000002, 65001}));
  EXPECT_EQ(rb->attrs, a.find(v4(p[0]), 0)->attrs);
  EXPECT_EQ(store.stats().sets, 1u);
}

// ---------------------------------------------------------------------------
// RFC 7606 effects

TEST(Rfc7606, Tv1AndTv3GiveTwoCandidatesFromTwoEgresses) {
  AttrStore store;
  LocRib loc;
  AdjRibIn e1(1, ibgp_peer("192.0.2.1", 1), store, loc);
  AdjRibIn e2(2, ibgp_peer("192.0.2.2", 2), store, loc);
  auto r1 = feed_hex(e1, kTv1, ibgp_ctx());
  auto r3 = feed_hex(e2, kTv3, ibgp_ctx());
  ASSERT_EQ(r1.changed, std::vector<PrefixKey>{v4("203.0.113.10/32")});
  ASSERT_EQ(r3.changed, std::vector<PrefixKey>{v4("203.0.113.10/32")});
  loc.update(e1, r1.changed);
  loc.update(e2, r3.changed);
  const auto* e = loc.find(v4("203.0.113.10/32"));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->paths().size(), 2u);
  // TV3's CATS-EXP keeps its unknown TLV and metric byte for byte in the store.
  const auto* r = e2.find(v4("203.0.113.10/32"), 0);
  const auto* cats = r->attrs->attrs().find(wire::kDefaultCatsType);
  ASSERT_NE(cats, nullptr);
  EXPECT_EQ(wire::to_hex(cats->raw), "0100000001000501cb00710a020013010381000610062440400ccccdc8040000abcd630002dead");
  EXPECT_EQ(cats->as<wire::CatsExp>()->site_score(), std::optional<std::uint8_t>(6));
  EXPECT_EQ(store.stats().sets, 2u);
}

TEST(Rfc7606, Tv4TreatAsWithdrawRemovesTheInstalledRoute) {
  AttrStore store;
  LocRib loc;
  AdjRibIn e1(1, ibgp_peer("192.0.2.1", 1), store, loc);
  loc.update(e1, feed_hex(e1, kTv1, ibgp_ctx()).changed);
  ASSERT_EQ(best_next_hop(loc, v4("203.0.113.10/32")), "192.0.2.1");

  auto r = feed_hex(e1, kTv4, ibgp_ctx());
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.withdrawn, 1u);
  EXPECT_EQ(r.installed, 0u);
  ASSERT_EQ(r.changed, std::vector<PrefixKey>{v4("203.0.113.10/32")});
  EXPECT_EQ(e1.find(v4("203.0.113.10/32"), 0), nullptr);
  auto ev = loc.update(e1, r.changed);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, RibEvent::Kind::kBestWithdrawn);
  EXPECT_EQ(loc.find(v4("203.0.113.10/32")), nullptr);
  // TV1's set went with its only path; TV4's attributes were never stored.
  EXPECT_EQ(store.stats().sets, 0u);
}

TEST(Rfc7606, TreatAsWithdrawRemovesEveryPrefixOfTheUpdate) {
  AttrStore store;
  AdjRibIn a(1, ibgp_peer("10.0.0.1", 1), store);
  const std::string_view ps[] = {"198.51.100.0/24", "198.51.101.0/24"};
  announce(a, ibgp_attrs(1, 100), entries(ps));
  ASSERT_EQ(a.size(), 2u);
  // An UPDATE that withdraws one prefix and announces the other with a
  // malformed ORIGIN (value 7): treat-as-withdraw removes both.
  constexpr std::string_view msg =
      "ffffffffffffffffffffffffffffffff"
      "0034"
      "02"
      "0004"
      "18c63364"  // withdrawn 198.51.100.0/24
      "0015"
      "40010107"  // ORIGIN 7: malformed, treat-as-withdraw
      "400200"
      "400304c0000201"
      "40050400000064"
      "18c63365";  // NLRI 198.51.101.0/24
  const auto bytes = hex(msg);
  ASSERT_EQ(wire::decode_message(bytes, ibgp_ctx()).action(), wire::Action::kTreatAsWithdraw);
  auto r = feed_hex(a, msg, ibgp_ctx());
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.withdrawn, 2u);
  EXPECT_EQ(a.size(), 0u);
}

TEST(Rfc7606, AttributeDiscardKeepsTheRouteWithoutTheAttribute) {
  AttrStore store;
  AdjRibIn ebgp(1, ibgp_peer("10.0.0.1", 1), store);
  auto ctx = ibgp_ctx();
  ctx.ebgp = true;  // E15: LOCAL_PREF from eBGP is discarded
  const auto bytes = hex(kTv1);
  const auto d = wire::decode_message(bytes, ctx);
  ASSERT_EQ(d.action(), wire::Action::kAttributeDiscard);
  auto r = ebgp.apply(d, Arrival{1, {}});
  EXPECT_EQ(r.installed, 1u);
  const auto* route = ebgp.find(v4("203.0.113.10/32"), 0);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->attrs->attrs().find(wire::attr::kLocalPref), nullptr);
  EXPECT_NE(route->attrs->attrs().find(wire::kDefaultCatsType), nullptr);
  EXPECT_EQ(next_hop_of(route->attrs), "192.0.2.1");
}

TEST(Rfc7606, SessionResetAppliesNothing) {
  AttrStore store;
  AdjRibIn a(1, ibgp_peer("10.0.0.1", 1), store);
  feed_hex(a, kTv1, ibgp_ctx());
  auto before = a.find(v4("203.0.113.10/32"), 0)->attrs;
  // TV3 with the CATS code sent as well-known (flags 0x50): unrecognised
  // well-known attribute, session reset (ERROR-HANDLING.md reading 1).
  const auto reset = replace(kTv3, "d0ff0027", "50ff0027");
  const auto bytes = hex(reset);
  const auto d = wire::decode_message(bytes, ibgp_ctx());
  ASSERT_EQ(d.action(), wire::Action::kSessionReset);
  auto r = a.apply(d, Arrival{2, {}});
  EXPECT_FALSE(r.applied);
  EXPECT_TRUE(r.changed.empty());
  EXPECT_EQ(a.find(v4("203.0.113.10/32"), 0)->attrs, before);  // not replaced by TV3's route
  EXPECT_EQ(store.stats().sets, 1u);
  // The session layer resets, then flushes.
  before.reset();
  EXPECT_EQ(a.clear(), std::vector<PrefixKey>{v4("203.0.113.10/32")});
  EXPECT_EQ(store.stats().sets, 0u);
}

TEST(Rfc7606, Tv9WithdrawsPathId1AndLeavesPathId2) {
  AttrStore store;
  LocRib loc;
  AdjRibIn rr(1, ibgp_peer("10.0.0.9", 9), store, loc);
  const auto ctx = ibgp_ctx(false, true);
  loc.update(rr, feed_hex(rr, kTv2, ctx).changed);
  loc.update(rr, feed_hex(rr, replace(kTv2, "000000018020010db8cafe", "000000028020010db8cafe"), ctx).changed);
  const auto key = v6("2001:db8:cafe::10/128");
  ASSERT_EQ(rr.paths(key).size(), 2u);
  EXPECT_EQ(store.stats().sets, 1u);  // both paths share TV2's attributes
  EXPECT_EQ(next_hop_of(rr.find(key, 1)->attrs), "2001:db8::2");

  auto r = feed_hex(rr, kTv9, ctx);
  EXPECT_EQ(r.withdrawn, 1u);
  EXPECT_EQ(r.changed, std::vector<PrefixKey>{key});
  EXPECT_EQ(rr.find(key, 1), nullptr);
  EXPECT_NE(rr.find(key, 2), nullptr);
  loc.update(rr, r.changed);
  ASSERT_NE(loc.find(key), nullptr);
  ASSERT_EQ(loc.find(key)->paths().size(), 1u);
  EXPECT_EQ(loc.find(key)->best_path()->path_id, 2u);

  // E30: the same withdraw again names an unknown path id: ignored.
  auto again = feed_hex(rr, kTv9, ctx);
  EXPECT_TRUE(again.applied);
  EXPECT_EQ(again.unknown_withdraws, 1u);
  EXPECT_TRUE(again.changed.empty());
  EXPECT_NE(rr.find(key, 2), nullptr);
}

TEST(Rfc7606, StoredMpRouteKeepsNextHopButNoNlri) {
  AttrStore store;
  AdjRibIn rr(1, ibgp_peer("10.0.0.9", 9), store);
  feed_hex(rr, kTv2, ibgp_ctx(false, true));
  const auto* r = rr.find(v6("2001:db8:cafe::10/128"), 1);
  ASSERT_NE(r, nullptr);
  const auto* mp = r->attrs->attrs().get<wire::MpReach>(wire::attr::kMpReach);
  ASSERT_NE(mp, nullptr);
  EXPECT_TRUE(mp->nlri.empty());
  EXPECT_EQ(r->attrs->attrs().list().front().type, wire::attr::kOrigin);  // sorted by type
}

TEST(Rfc7606, Tv8EndOfRibIsReportedAndChangesNothing) {
  AttrStore store;
  AdjRibIn a(1, ibgp_peer("10.0.0.1", 1), store);
  auto r = feed_hex(a, kTv8, ibgp_ctx());
  ASSERT_TRUE(r.end_of_rib.has_value());
  EXPECT_EQ(*r.end_of_rib, kIpv6Unicast);
  EXPECT_TRUE(r.changed.empty());
  EXPECT_EQ(r.unknown_withdraws, 0u);
}

// ---------------------------------------------------------------------------
// ADD-PATH and the decision process

TEST(AddPath, ThreeSitesOfOneAnycastPrefixAreAllKept) {
  AttrStore store;
  LocRib loc;
  AdjRibIn rr(1, ibgp_peer("10.0.0.9", 9), store, loc);
  const std::string_view p[] = {"203.0.113.10/32"};
  for (std::uint32_t site = 1; site <= 3; ++site)
    loc.update(rr, announce(rr, ibgp_attrs(static_cast<std::uint8_t>(site), 100), entries(p, site), true).changed);
  const auto key = v4(p[0]);
  EXPECT_EQ(rr.paths(key).size(), 3u);
  EXPECT_EQ(store.stats().sets, 3u);
  const auto* e = loc.find(key);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->paths().size(), 3u);
  // Equal on every other step: the lowest path id wins.
  EXPECT_EQ(e->best_path()->path_id, 1u);
  EXPECT_EQ(e->reason(), Step::kPathId);
  EXPECT_EQ(next_hop_of(e->best_path()->attrs), "192.0.2.1");
}

TEST(LocRib, LocalPrefDecidesAndBestChangesWhenItsPeerGoesDown) {
  TwoPeers peers;
  auto& [store, loc, a, b] = peers;
  const std::string_view p[] = {"198.51.100.0/24"};
  const auto key = v4(p[0]);
  auto ev = loc.update(a, announce(a, ibgp_attrs(1, 100), entries(p)).changed);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, RibEvent::Kind::kBestChanged);  // first best
  EXPECT_EQ(ev[0].new_best->peer, 1u);

  ev = loc.update(b, announce(b, ibgp_attrs(2, 200), entries(p)).changed);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, RibEvent::Kind::kBestChanged);
  EXPECT_EQ(ev[0].new_best->peer, 2u);
  EXPECT_EQ(loc.find(key)->reason(), Step::kLocalPref);
  EXPECT_EQ(best_next_hop(loc, key), "192.0.2.2");

  // A lower-preference change at the loser: same best, candidates changed.
  ev = loc.update(a, announce(a, ibgp_attrs(1, 50), entries(p)).changed);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, RibEvent::Kind::kPathsChanged);

  // b goes down (no graceful restart).
  ev = loc.update(b, b.clear());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, RibEvent::Kind::kBestChanged);  // the best (b's) is gone
  EXPECT_EQ(ev[0].new_best->peer, 1u);
  EXPECT_EQ(best_next_hop(loc, key), "192.0.2.1");

  ev = loc.update(a, a.clear());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, RibEvent::Kind::kBestWithdrawn);
  EXPECT_EQ(loc.find(key), nullptr);
  EXPECT_EQ(loc.stats().paths, 0u);
  ev.clear();  // events hold the sets of the paths they name
  EXPECT_EQ(store.stats().sets, 0u);
}

TEST(LocRib, RecomputesOnlyTheChangedPrefixes) {
  AttrStore store;
  LocRib loc;
  AdjRibIn a(1, ibgp_peer("10.0.0.1", 1), store, loc);
  const std::string_view ten[] = {"10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16", "10.5.0.0/16",
                                  "10.6.0.0/16", "10.7.0.0/16", "10.8.0.0/16", "10.9.0.0/16", "10.10.0.0/16"};
  loc.update(a, announce(a, ibgp_attrs(1, 100), entries(ten)).changed);
  EXPECT_EQ(loc.stats().recomputed, 10u);
  const std::string_view one[] = {"10.3.0.0/16"};
  auto r = announce(a, ibgp_attrs(1, 120), entries(one));
  EXPECT_EQ(r.changed.size(), 1u);
  loc.update(a, r.changed);
  EXPECT_EQ(loc.stats().recomputed, 11u);
  // The same attributes again: nothing changed, nothing recomputed.
  r = announce(a, ibgp_attrs(1, 120), entries(one));
  EXPECT_TRUE(r.changed.empty());
  loc.update(a, r.changed);
  EXPECT_EQ(loc.stats().recomputed, 11u);
}

// The engine's batch: several UPDATEs applied with apply_to, then decided
// once. Three sites of one prefix plus a withdrawal of another, in four
// UPDATEs: two entries queued (once each), two decisions, and the result is
// what deciding after every UPDATE gives.
TEST(LocRib, ABatchOfUpdatesDecidesEachPrefixOnce) {
  AttrStore store;
  LocRib loc;
  AdjRibIn rr(1, ibgp_peer("10.0.0.9", 9), store, loc);
  const std::string_view other[] = {"198.51.100.0/24"};
  loc.update(rr, announce(rr, ibgp_attrs(1, 100), entries(other)).changed);
  ASSERT_EQ(loc.stats().recomputed, 1u);

  const std::string_view p[] = {"203.0.113.10/32"};
  wire::EncodeContext ectx;
  ectx.add_path.ipv4 = true;
  std::vector<wire::Bytes> msgs;
  for (std::uint32_t site = 1; site <= 3; ++site) {
    // Site 2 has the highest LOCAL_PREF.
    auto packed = wire::pack_announcements(ibgp_attrs(static_cast<std::uint8_t>(site), site == 2 ? 300 : 100),
                                           Afi::kIpv4, {}, entries(p, site), ectx);
    ASSERT_TRUE(packed.ok);
    msgs.insert(msgs.end(), packed.messages.begin(), packed.messages.end());
  }
  wire::EncodeContext plain;
  auto withdrawn = wire::pack_withdrawals(Afi::kIpv4, entries(other), plain);
  ASSERT_TRUE(withdrawn.ok);
  msgs.insert(msgs.begin() + 1, withdrawn.messages.at(0));  // between the sites
  ApplyResult batch;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    const auto d = wire::decode_message(msgs[i], i == 1 ? ibgp_ctx() : ibgp_ctx(true));
    rr.apply_to(std::get<wire::Update>(d.body), d.action(), Arrival{}, batch);
  }
  EXPECT_EQ(batch.entries.size(), 2u);  // the anycast prefix is queued once for three UPDATEs
  EXPECT_EQ(batch.installed, 3u);
  EXPECT_EQ(batch.withdrawn, 1u);
  EXPECT_TRUE(batch.changed.empty());  // apply_to leaves `changed` alone
  const auto events = loc.update_entries(batch.entries);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, RibEvent::Kind::kBestChanged);
  EXPECT_EQ(events[1].kind, RibEvent::Kind::kBestWithdrawn);
  EXPECT_EQ(loc.find(v4(other[0])), nullptr);
  EXPECT_EQ(loc.stats().recomputed, 3u);
  const auto* e = loc.find(v4(p[0]));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->paths().size(), 3u);
  EXPECT_EQ(e->best_path()->path_id, 2u);
  EXPECT_EQ(e->reason(), Step::kLocalPref);
  // Decided, the entries are off the queue: the next batch queues them again.
  ApplyResult next;
  auto again = wire::pack_announcements(ibgp_attrs(1, 400), Afi::kIpv4, {}, entries(p, 1), ectx);
  const auto d = wire::decode_message(again.messages.at(0), ibgp_ctx(true));
  rr.apply_to(std::get<wire::Update>(d.body), d.action(), Arrival{}, next);
  EXPECT_EQ(next.entries.size(), 1u);
  loc.update_entries(next.entries);
  EXPECT_EQ(loc.find(v4(p[0]))->best_path()->path_id, 1u);
}

// ---------------------------------------------------------------------------
// Graceful restart and enhanced route refresh

TEST(GracefulRestart, StaleKeptRefreshedBecomeFreshSweepRemovesTheRest) {
  TwoPeers peers;
  auto& [store, loc, a, b] = peers;
  const std::string_view ps[] = {"198.51.100.0/24", "198.51.101.0/24", "198.51.102.0/24"};
  const std::string_view first[] = {"198.51.100.0/24"};
  loc.update(a, announce(a, ibgp_attrs(1, 200), entries(ps)).changed);
  loc.update(b, announce(b, ibgp_attrs(2, 100), entries(first)).changed);
  ASSERT_EQ(best_next_hop(loc, v4(first[0])), "192.0.2.1");

  // a restarts: its paths stay, stale; a fresh path beats a stale one.
  EXPECT_EQ(loc.update(a, a.mark_stale(kIpv4Unicast)).size(), 3u);
  EXPECT_TRUE(a.find(v4(ps[1]), 0)->stale);
  EXPECT_EQ(best_next_hop(loc, v4(first[0])), "192.0.2.2");
  EXPECT_EQ(loc.find(v4(first[0]))->reason(), Step::kStale);
  EXPECT_EQ(best_next_hop(loc, v4(ps[1])), "192.0.2.1");  // stale is still used when alone

  // a comes back and re-advertises one prefix with the same attributes.
  auto r = announce(a, ibgp_attrs(1, 200), entries(first));
  EXPECT_EQ(r.changed, std::vector<PrefixKey>{v4(first[0])});
  loc.update(a, r.changed);
  EXPECT_FALSE(a.find(v4(first[0]), 0)->stale);
  EXPECT_EQ(best_next_hop(loc, v4(first[0])), "192.0.2.1");

  // End-of-RIB: the rest is swept.
  auto swept = a.sweep_stale(kIpv4Unicast);
  EXPECT_EQ(swept, (std::vector<PrefixKey>{v4(ps[1]), v4(ps[2])}));
  loc.update(a, swept);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(loc.find(v4(ps[1])), nullptr);
  EXPECT_EQ(loc.find(v4(ps[2])), nullptr);
  EXPECT_EQ(best_next_hop(loc, v4(first[0])), "192.0.2.1");
}

TEST(GracefulRestart, EnhancedRouteRefreshIsPerFamily) {
  AttrStore store;
  AdjRibIn rr(1, ibgp_peer("10.0.0.9", 9), store);
  const std::string_view p[] = {"198.51.100.0/24"};
  announce(rr, ibgp_attrs(1, 100), entries(p));
  feed_hex(rr, kTv2, ibgp_ctx(false, true));
  EXPECT_EQ(rr.begin_refresh(kIpv4Unicast).size(), 1u);  // BoRR for IPv4 only
  EXPECT_FALSE(rr.find(v6("2001:db8:cafe::10/128"), 1)->stale);
  EXPECT_EQ(rr.end_refresh(kIpv4Unicast), std::vector<PrefixKey>{v4(p[0])});  // EoRR, nothing re-sent
  EXPECT_EQ(rr.count(kIpv4Unicast), 0u);
  EXPECT_EQ(rr.count(kIpv6Unicast), 1u);
}

// ---------------------------------------------------------------------------
// Max-prefix and memory

TEST(MaxPrefix, ExceededIsReportedPerFamily) {
  AttrStore store;
  AdjRibIn a(1, ibgp_peer("10.0.0.1", 1), store);
  a.set_max_prefix(kIpv4Unicast, 2);
  a.set_max_prefix(kIpv6Unicast, 1);
  const std::string_view two[] = {"10.1.0.0/16", "10.2.0.0/16"};
  const std::string_view third[] = {"10.3.0.0/16"};
  EXPECT_TRUE(announce(a, ibgp_attrs(1, 100), entries(two)).over_limit.empty());
  EXPECT_FALSE(a.over_limit(kIpv4Unicast));
  auto r = announce(a, ibgp_attrs(1, 100), entries(third));
  EXPECT_EQ(r.over_limit, std::vector<wire::Family>{kIpv4Unicast});
  EXPECT_TRUE(a.over_limit(kIpv4Unicast));
  EXPECT_FALSE(a.over_limit(kIpv6Unicast));
  EXPECT_EQ(a.count(kIpv4Unicast), 3u);  // counted, not refused: the session layer acts
}

TEST(Memory, HundredThousandPrefixesShareElevenSets) {
  TwoPeers peers;
  auto& [store, loc, a, b] = peers;
  constexpr std::size_t kPrefixes = 100000;
  constexpr std::size_t kSets = 11;
  std::vector<std::vector<wire::NlriEntry>> groups(kSets);
  for (std::size_t i = 0; i < kPrefixes; ++i) {
    wire::Prefix p;
    p.length = 24;
    p.addr[0] = static_cast<std::uint8_t>(10 + i / 65536);
    p.addr[1] = static_cast<std::uint8_t>(i / 256);
    p.addr[2] = static_cast<std::uint8_t>(i);
    groups[i % kSets].push_back({p, std::nullopt});
  }
  for (auto* peer : {&a, &b})
    for (std::size_t g = 0; g < kSets; ++g)
      loc.update(*peer, announce(*peer, ibgp_attrs(1, 100 + static_cast<std::uint32_t>(g)), groups[g]).changed);
  EXPECT_EQ(a.size(), kPrefixes);
  EXPECT_EQ(b.size(), kPrefixes);
  EXPECT_EQ(loc.stats().prefixes, kPrefixes);
  EXPECT_EQ(loc.stats().paths, 2 * kPrefixes);
  const auto st = store.stats();
  EXPECT_EQ(st.sets, kSets);
  EXPECT_LT(st.bytes, kSets * 64);
  RecordProperty("attr_sets", static_cast<int>(st.sets));
  RecordProperty("attr_bytes", static_cast<int>(st.bytes));

  loc.update(a, a.clear());
  EXPECT_EQ(store.stats().sets, kSets);  // b and the Loc-RIB still use them
  loc.update(b, b.clear());
  EXPECT_EQ(loc.stats().prefixes, 0u);
  EXPECT_EQ(store.stats().sets, 0u);
  EXPECT_EQ(store.stats().bytes, 0u);
}

// 10.x.y.z/32 for i = x.y.z, as a table key.
PrefixKey host_key(std::uint32_t i) {
  wire::Prefix p;
  p.length = 32;
  p.addr[0] = 10;
  p.addr[1] = static_cast<std::uint8_t>(i >> 16);
  p.addr[2] = static_cast<std::uint8_t>(i >> 8);
  p.addr[3] = static_cast<std::uint8_t>(i);
  return PrefixKey{kIpv4Unicast, p};
}

// The shared table: entries never move (events and exports keep pointers to
// them while the index grows), erased slots are reused, sorted() orders by key.
TEST(RibTable, EntriesStayPutWhileTheIndexGrowsAndSlotsAreReused) {
  RibTable t;
  const auto key = host_key;
  RibEntry* first = &t.get(key(0));
  for (std::uint32_t i = 1; i < 50000; ++i) t.get(key(i));
  EXPECT_EQ(t.size(), 50000u);
  EXPECT_EQ(&t.get(key(0)), first);  // same entry, same address after many rehashes
  EXPECT_EQ(t.find(key(0))->key, key(0));
  EXPECT_EQ(t.find(key(49999))->key, key(49999));
  EXPECT_EQ(t.find(key(50000)), nullptr);

  RibEntry* gone = t.find(key(123));
  t.erase(*gone);
  EXPECT_EQ(t.find(key(123)), nullptr);
  EXPECT_EQ(t.size(), 49999u);
  EXPECT_EQ(&t.get(key(777777)), gone);  // the freed slot serves the next new prefix
  EXPECT_EQ(t.find(key(777777)), gone);

  const auto sorted = t.sorted();
  ASSERT_EQ(sorted.size(), t.size());
  EXPECT_TRUE(std::is_sorted(sorted.begin(), sorted.end(),
                             [](const RibEntry* a, const RibEntry* b) { return a->key < b->key; }));
}

// Many keys on one hash: every probe compares through the entries; erased
// slots are reused before the index grows, and a rebuild keeps the rest.
TEST(PrefixIndex, CollidingHashesTombstonesAndRebuild) {
  PrefixIndex idx;
  std::vector<std::uint64_t> keys;  // entry number -> key
  auto eq = [&](std::uint64_t k) { return [&keys, k](std::uint32_t n) { return keys[n] == k; }; };
  auto rebuild = [&] {
    idx.rebuild(idx.size(), [&](auto add) {
      for (std::uint32_t n = 0; n < keys.size(); ++n)
        if (keys[n] != 0) add(42, n);
    });
  };
  auto insert = [&](std::uint64_t k) {
    if (!idx.has_room()) rebuild();
    return idx.find_or_insert(42, eq(k), [&] {
      keys.push_back(k);
      return static_cast<std::uint32_t>(keys.size() - 1);
    });
  };
  for (std::uint64_t k = 1; k <= 20; ++k) EXPECT_TRUE(insert(k).second);
  EXPECT_FALSE(insert(7).second);
  EXPECT_EQ(insert(7).first, 6u);
  const std::size_t cap = idx.capacity();
  for (std::uint32_t n = 0; n < 20; n += 2) {
    EXPECT_TRUE(idx.erase(42, n));
    keys[n] = 0;
  }
  EXPECT_FALSE(idx.erase(42, 0));
  EXPECT_EQ(idx.size(), 10u);
  for (std::uint64_t k = 1; k <= 20; ++k) EXPECT_EQ(idx.find(42, eq(k)), k % 2 == 0 ? k - 1 : PrefixIndex::kNone) << k;
  for (std::uint64_t k = 101; k <= 110; ++k) EXPECT_TRUE(insert(k).second);
  EXPECT_EQ(idx.capacity(), cap);  // the tombstones took them
  rebuild();
  EXPECT_EQ(idx.size(), 20u);
  EXPECT_EQ(idx.find(42, eq(105)), 24u);
  EXPECT_EQ(idx.find(42, eq(4)), 3u);
  EXPECT_EQ(idx.find(42, eq(3)), PrefixIndex::kNone);
}

// 64 keys that share their first slot but differ in the six hash bits a slot
// keeps: a lookup compares keys (reads an entry) only for its own tag, once.
// The largest entry number fits beside the tag.
TEST(PrefixIndex, SixTagBitsSpareTheEntryReads) {
  PrefixIndex idx;
  idx.rebuild(0, [](auto) {});
  std::vector<std::uint64_t> hashes;
  std::size_t compares = 0;
  auto eq = [&](std::uint64_t h) {
    return [&, h](std::uint32_t n) {
      ++compares;
      return (n == PrefixIndex::kEntryLimit - 1 ? hashes.back() : hashes[n]) == h;
    };
  };
  for (std::uint64_t t = 0; t < 64; ++t) {
    const std::uint64_t h = t << 58;  // the same low bits: one probe sequence
    if (!idx.has_room()) {
      idx.rebuild(idx.size(), [&](auto add) {
        for (std::uint32_t n = 0; n < hashes.size(); ++n) add(hashes[n], n);  // entries 0..62 here
      });
    }
    hashes.push_back(h);
    const auto n = static_cast<std::uint32_t>(t == 63 ? PrefixIndex::kEntryLimit - 1 : t);
    EXPECT_TRUE(idx.find_or_insert(h, eq(h), [&] { return n; }).second);
  }
  for (std::uint64_t t = 0; t < 64; ++t) {
    compares = 0;
    const auto want = static_cast<std::uint32_t>(t == 63 ? PrefixIndex::kEntryLimit - 1 : t);
    EXPECT_EQ(idx.find(t << 58, eq(t << 58)), want) << t;
    EXPECT_EQ(compares, 1u) << t;
  }
}

// A prefix's paths: one inline, then an array of bit_ceil(count) that grows
// and shrinks with them (ASan checks the moves; every array goes back to the
// pool); arrival order is kept through erasures. Up to 40 paths, so arrays
// past the pooled sizes (from the heap) are exercised too.
TEST(RibEntry, PathsGrowAndShrinkKeepingOrder) {
  static_assert(sizeof(RibEntry) == 56);
  PathArrays arrays(sizeof(AdjRoute));
  RibEntry e;
  std::vector<std::uint32_t> want;
  auto ids = [&] {
    std::vector<std::uint32_t> got;
    for (const auto& p : e.paths()) got.push_back(p.path_id);
    return got;
  };
  for (std::uint32_t id = 1; id <= 40; ++id) {
    e.add_path(AdjRoute(1, id, {}, Arrival{id, {}}), arrays);
    want.push_back(id);
    ASSERT_EQ(ids(), want);
  }
  std::mt19937 rng(7);
  while (!want.empty()) {
    const std::size_t at = rng() % want.size();
    e.erase_path(at, arrays);
    want.erase(want.begin() + static_cast<std::ptrdiff_t>(at));
    ASSERT_EQ(ids(), want);
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(e.paths()[i].seq, want[i]);
  }
  EXPECT_TRUE(e.paths().empty());
  // Nothing is held: every pooled array came back.
  EXPECT_GT(arrays.slab_bytes(), 0u);
  EXPECT_EQ(arrays.release(), 5 * PathArrays::kSlabBytes);  // arrays of 2, 4, 8, 16 and 32 were used
  EXPECT_EQ(arrays.slab_bytes(), 0u);
  e.add_path(AdjRoute(2, 7, {}, Arrival{7, {}}), arrays);
  e.add_path(AdjRoute(2, 8, {}, Arrival{8, {}}), arrays);
  e.set_best(1);
  EXPECT_EQ(e.best_path()->path_id, 8u);
  e.clear_paths(arrays);
  EXPECT_FALSE(e.best());
  EXPECT_EQ(e.best_path(), nullptr);
}

// The pool reuses what was given back, and release() returns exactly the
// slabs in which nothing is in use: an array still held keeps its slab, and
// the arrays on the free list of a released slab are never handed out again.
TEST(PathArrays, ReusesFreedArraysAndReleasesOnlyEmptySlabs) {
  PathArrays arrays(sizeof(AdjRoute));
  const std::size_t per_slab = PathArrays::kSlabBytes / (4 * sizeof(AdjRoute));
  std::vector<void*> held;
  for (std::size_t i = 0; i < 3 * per_slab; ++i) held.push_back(arrays.allocate(4));  // three full slabs
  EXPECT_EQ(arrays.slab_bytes(), 3 * PathArrays::kSlabBytes);
  void* last = held.back();
  arrays.deallocate(last, 4);
  EXPECT_EQ(arrays.allocate(4), last);  // the freed array first
  // Free everything but one array of the second slab.
  std::sort(held.begin(), held.end());
  void* keep = held[per_slab + 1];
  for (void* p : held)
    if (p != keep) arrays.deallocate(p, 4);
  EXPECT_EQ(arrays.release(), 2 * PathArrays::kSlabBytes);
  EXPECT_EQ(arrays.slab_bytes(), PathArrays::kSlabBytes);
  // What is handed out now lies in the remaining slab (ASan: never in an unmapped one).
  std::vector<void*> again;
  for (std::size_t i = 0; i + 1 < per_slab; ++i) {
    void* p = arrays.allocate(4);
    EXPECT_NE(p, keep);
    std::memset(p, 0xab, 4 * sizeof(AdjRoute));
    again.push_back(p);
  }
  EXPECT_EQ(arrays.slab_bytes(), PathArrays::kSlabBytes);  // no new slab: the free list was enough
  for (void* p : again) arrays.deallocate(p, 4);
  arrays.deallocate(keep, 4);
  EXPECT_EQ(arrays.release(), PathArrays::kSlabBytes);
  // Past the pooled sizes: the heap, nothing in the slabs.
  void* big = arrays.allocate(64);
  std::memset(big, 0, 64 * sizeof(AdjRoute));
  EXPECT_EQ(arrays.slab_bytes(), 0u);
  arrays.deallocate(big, 64);
}

// A path in 24 octets: the peer id and arrival sequence share a word.
TEST(AdjRoute, FieldsKeepTheirValuesInTheirBits) {
  const AdjRoute r(AdjRoute::kMaxPeer, 0xffffffff, {}, Arrival{AdjRoute::kSeqMask, {}});
  EXPECT_EQ(r.peer, AdjRoute::kMaxPeer);
  EXPECT_EQ(r.path_id, 0xffffffffu);
  EXPECT_EQ(r.seq, AdjRoute::kSeqMask);
  EXPECT_FALSE(r.stale);
  AdjRoute s(7, 1, {}, Arrival{12345, {}});
  s.stale = true;
  EXPECT_EQ(s.peer, 7u);
  EXPECT_EQ(s.seq, 12345u);
  EXPECT_TRUE(s.stale);
}

// Churn at any size, also just under a rebuild's threshold: withdraw one,
// announce another, forever. Each rebuild costs the whole table, so they must
// stay rare (at least a fifth of the slots are taken between two).
TEST(PrefixIndex, ChurnNearTheThresholdRebuildsRarely) {
  auto mix = [](std::uint64_t x) {  // splitmix64
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  for (std::size_t size : {1023u, 1024u, 1433u, 1434u, 2047u, 4000u}) {
    PrefixIndex idx;
    std::vector<std::uint64_t> keys;   // entry number -> key (0: erased)
    std::vector<std::uint32_t> order;  // live entry numbers, oldest first
    auto rebuild = [&] {
      idx.rebuild(idx.size(), [&](auto add) {
        for (std::uint32_t n = 0; n < keys.size(); ++n)
          if (keys[n] != 0) add(mix(keys[n]), n);
      });
    };
    std::uint64_t next = 1;
    auto insert = [&] {
      if (!idx.has_room()) rebuild();
      const std::uint64_t k = next++;
      const auto r = idx.find_or_insert(
          mix(k), [&](std::uint32_t n) { return keys[n] == k; },
          [&] {
            keys.push_back(k);
            return static_cast<std::uint32_t>(keys.size() - 1);
          });
      ASSERT_TRUE(r.second);
      order.push_back(r.first);
    };
    for (std::size_t i = 0; i < size; ++i) insert();
    const std::size_t before = idx.rebuilds();
    constexpr std::size_t kCycles = 20000;
    for (std::size_t c = 0; c < kCycles; ++c) {
      const std::uint32_t gone = order[c];
      ASSERT_TRUE(idx.erase(mix(keys[gone]), gone));
      keys[gone] = 0;
      insert();
    }
    EXPECT_EQ(idx.size(), size);
    EXPECT_LE(idx.rebuilds() - before, kCycles * 5 / idx.capacity() + 2) << size;
    for (std::size_t i = kCycles; i < order.size(); ++i) {
      const std::uint64_t k = keys[order[i]];
      EXPECT_EQ(idx.find(mix(k), [&](std::uint32_t n) { return keys[n] == k; }), order[i]);
    }
  }
}

// Withdraw-and-announce churn at a steady size: the index does not grow.
TEST(RibTable, ChurnAtSteadySizeKeepsTheIndexSize) {
  RibTable t;
  const auto key = host_key;
  for (std::uint32_t i = 0; i < 1000; ++i) t.get(key(i));
  const std::size_t bytes = t.index_bytes();
  EXPECT_LE(bytes, 4096u * 4);
  std::uint32_t next = 1000;
  for (int round = 0; round < 200; ++round) {
    for (std::uint32_t i = next - 1000; i < next - 500; ++i) t.erase(*t.find(key(i)));
    for (std::uint32_t i = 0; i < 500; ++i) t.get(key(next + i));
    next += 500;
  }
  EXPECT_EQ(t.size(), 1000u);
  EXPECT_LE(t.index_bytes(), bytes * 2);
  for (std::uint32_t i = next - 1000; i < next; ++i) ASSERT_NE(t.find(key(i)), nullptr) << i;
  EXPECT_EQ(t.find(key(next - 1001)), nullptr);
  EXPECT_EQ(t.find(key(0)), nullptr);
}

// A path is stored once: the Adj-RIB-In's view and the Loc-RIB's entry are the same object.
TEST(RibTable, AdjRibInAndLocRibShareThePath) {
  TwoPeers peers;
  auto& [store, loc, a, b] = peers;
  const std::string_view p[] = {"198.51.100.0/24"};
  const auto key = v4(p[0]);
  loc.update(a, announce(a, ibgp_attrs(1, 100), entries(p)).changed);
  loc.update(b, announce(b, ibgp_attrs(2, 200), entries(p)).changed);
  const RibEntry* e = loc.find(key);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->paths().size(), 2u);
  EXPECT_EQ(a.find(key, 0), &e->paths()[0]);
  EXPECT_EQ(b.find(key, 0), &e->paths()[1]);
  EXPECT_EQ(a.count(kIpv4Unicast), 1u);
  EXPECT_EQ(loc.stats().paths, 2u);
  // The decision's view carries the sending peer's facts.
  EXPECT_EQ(loc.path_info(*e, 1).peer.router_id, 2u);
  EXPECT_EQ(loc.path_info(*e, 1).local_pref, 200u);
}

// After a large withdrawal the emptied chunks go back; survivors stay put and
// the table keeps working (released chunks are reused first).
TEST(RibTable, CompactReleasesEmptiedChunksAndKeepsSurvivors) {
  RibTable t;
  const auto key = host_key;
  for (std::uint32_t i = 0; i < 20000; ++i) t.get(key(i));
  const std::size_t full = t.chunks();
  const RibEntry* survivor = t.find(key(5));
  for (std::uint32_t i = 0; i < 20000; ++i)
    if (i != 5) t.erase(*t.find(key(i)));
  EXPECT_GT(t.emptied(), 15u);  // chunks left with no entry: compact() has work
  EXPECT_GT(t.compact(), 0u);
  EXPECT_EQ(t.emptied(), 0u);
  EXPECT_EQ(t.chunks(), 2u);  // the survivor's chunk and the last, partly handed-out one
  EXPECT_GT(full, 15u);
  EXPECT_EQ(t.find(key(5)), survivor);
  EXPECT_EQ(t.size(), 1u);
  for (std::uint32_t i = 100000; i < 110000; ++i) t.get(key(i));
  EXPECT_EQ(t.size(), 10001u);
  EXPECT_EQ(t.find(key(109999))->key, key(109999));
  EXPECT_EQ(t.find(key(5)), survivor);
  std::size_t seen = 0;
  t.for_each([&](const RibEntry&) { ++seen; });
  EXPECT_EQ(seen, 10001u);
}

// A prefix holds at most 0xfffe paths (its best index is two octets): one
// more is refused and counted, the others stay.
TEST(AdjRibIn, PathsPerPrefixAreCapped) {
  // The limit counts every peer's paths; replacing a held path is always
  // allowed, and a withdrawal makes room. (The real limit, 0xfffe, is checked
  // against BestIndex at compile time; filling it takes seconds per prefix.)
  AttrStore store;
  LocRib loc;
  EXPECT_EQ(loc.table().path_limit(), RibTable::kMaxPathsPerPrefix);
  loc.table().set_path_limit(3);
  AdjRibIn a(1, ibgp_peer("10.0.0.1", 1), store, loc);
  AdjRibIn b(2, ibgp_peer("10.0.0.2", 2), store, loc);
  const wire::NlriEntry a12[] = {{pfx("203.0.113.10/32"), 1}, {pfx("203.0.113.10/32"), 2}};
  const wire::NlriEntry b12[] = {{pfx("203.0.113.10/32"), 1}, {pfx("203.0.113.10/32"), 2}};
  auto r = announce(a, ibgp_attrs(1, 100), a12, true);
  EXPECT_EQ(r.installed, 2u);
  r = announce(b, ibgp_attrs(2, 100), b12, true);
  EXPECT_EQ(r.installed, 1u);
  EXPECT_EQ(r.path_limited, 1u);
  EXPECT_EQ(r.first_path_limited, v4("203.0.113.10/32"));
  EXPECT_EQ(b.refused(), 1u);
  EXPECT_FALSE(b.room_for_refused());
  EXPECT_NE(b.find(v4("203.0.113.10/32"), 1), nullptr);
  EXPECT_EQ(b.find(v4("203.0.113.10/32"), 2), nullptr);
  EXPECT_EQ(loc.find(v4("203.0.113.10/32"))->paths().size(), 3u);

  // At the limit, a held path takes new attributes.
  r = announce(a, ibgp_attrs(1, 200), std::span(a12).first(1), true);
  EXPECT_EQ(r.installed, 1u);
  EXPECT_EQ(r.path_limited, 0u);
  // Room after a withdrawal: the peer that lost out learns of it.
  EXPECT_EQ(withdraw(a, std::span(a12).last(1), true).withdrawn, 1u);
  EXPECT_TRUE(b.room_for_refused());
  EXPECT_EQ(b.take_refused(), 1u);
  EXPECT_FALSE(b.room_for_refused());
  r = announce(b, ibgp_attrs(2, 100), std::span(b12).last(1), true);
  EXPECT_EQ(r.installed, 1u);
  EXPECT_NE(b.find(v4("203.0.113.10/32"), 2), nullptr);
  // Other prefixes have their own room.
  const wire::NlriEntry other[] = {{pfx("203.0.113.11/32"), 7}};
  EXPECT_EQ(announce(a, ibgp_attrs(1, 100), other, true).installed, 1u);
  // The limit cannot be raised past what a BestIndex holds.
  loc.table().set_path_limit(1u << 20);
  EXPECT_EQ(loc.table().path_limit(), RibTable::kMaxPathsPerPrefix);
}

// One ADD-PATH peer cannot take a prefix's path slots from the others: it
// holds at most its share; another peer's path still gets in.
TEST(AdjRibIn, EachPeerHoldsAtMostItsShareOfAPrefix) {
  AttrStore store;
  LocRib loc;
  loc.table().set_path_limit(6);
  AdjRibIn attacker(1, ibgp_peer("10.0.0.1", 1), store, loc);
  AdjRibIn edge(2, ibgp_peer("10.0.0.2", 2), store, loc);
  attacker.set_paths_per_prefix(4);
  std::vector<wire::NlriEntry> many;
  for (std::uint32_t id = 1; id <= 10; ++id) many.push_back({pfx("203.0.113.10/32"), id});
  auto r = announce(attacker, ibgp_attrs(1, 100), many, true);
  EXPECT_EQ(r.installed, 4u);
  EXPECT_EQ(r.path_limited, 6u);
  EXPECT_EQ(attacker.refused(), 6u);
  const wire::NlriEntry mine[] = {{pfx("203.0.113.10/32"), 1}};
  EXPECT_EQ(announce(edge, ibgp_attrs(2, 100), mine, true).installed, 1u);
  EXPECT_EQ(loc.find(v4("203.0.113.10/32"))->paths().size(), 5u);
  // The attacker's own withdrawal makes room for its refused paths.
  EXPECT_FALSE(attacker.room_for_refused());
  EXPECT_EQ(withdraw(attacker, std::span(many).first(1), true).withdrawn, 1u);
  EXPECT_TRUE(attacker.room_for_refused());
}

}  // namespace
}  // namespace cats::rib

namespace cats::rib {
namespace {

// ---------------------------------------------------------------------------
// Next-hop tracking

KernelRoute kroute(std::string_view prefix, std::uint32_t metric = 0, std::uint32_t table = 254, bool usable = true,
                   std::uint8_t protocol = 2) {
  const auto p = pfx(prefix);
  KernelRoute r;
  r.prefix.afi = p.afi;
  std::copy(p.addr.begin(), p.addr.end(), r.prefix.addr.begin());
  r.length = p.length;
  r.metric = metric;
  r.table = table;
  r.usable = usable;
  r.protocol = protocol;
  return r;
}

std::string state(const NexthopState& s) {
  if (!s.reachable) return "unreachable";
  return s.metric ? "metric " + std::to_string(*s.metric) : "reachable";
}

TEST(Nexthops, ResolvedThroughTheKernelRoutes) {
  NexthopTable t({.resolve_via_default = false, .own_protocol = 250});
  const auto a = PeerAddress::parse("192.0.2.1").value();
  EXPECT_EQ(state(t.resolve(a)), "reachable");  // no dump yet: as without tracking
  struct Row {
    const char* what;
    std::vector<KernelRoute> routes;
    const char* address;
    const char* expect;
  };
  const std::vector<Row> rows = {
      {"connected", {kroute("192.0.2.0/24", 0)}, "192.0.2.1", "metric 0"},
      {"longest prefix", {kroute("192.0.2.0/24", 0), kroute("192.0.2.0/28", 20)}, "192.0.2.1", "metric 20"},
      {"outside", {kroute("192.0.2.0/24", 0)}, "198.51.100.1", "unreachable"},
      {"default not used", {kroute("0.0.0.0/0", 5)}, "198.51.100.1", "unreachable"},
      {"blackhole", {kroute("192.0.2.0/24", 0, 254, false)}, "192.0.2.1", "unreachable"},
      {"own protocol ignored",
       {kroute("192.0.2.0/24", 0), kroute("192.0.2.1/32", 0, 254, true, 250)},
       "192.0.2.1",
       "metric 0"},
      {"other table ignored", {kroute("192.0.2.0/24", 0, 100)}, "192.0.2.1", "unreachable"},
      {"local table", {kroute("127.0.0.0/8", 0, 255)}, "127.0.99.1", "metric 0"},
      {"lower metric of equals", {kroute("192.0.2.0/24", 30), kroute("192.0.2.0/24", 10)}, "192.0.2.1", "metric 10"},
      {"IPv6", {kroute("2001:db8::/64", 256)}, "2001:db8::1", "metric 256"},
  };
  for (const auto& row : rows) {
    NexthopTable n({.resolve_via_default = false, .own_protocol = 250});
    n.replace_all(row.routes);
    EXPECT_EQ(state(n.resolve(PeerAddress::parse(row.address).value())), row.expect) << row.what;
  }
  NexthopTable d({.resolve_via_default = true, .own_protocol = 250});
  d.replace_all({kroute("0.0.0.0/0", 5)});
  EXPECT_EQ(state(d.resolve(PeerAddress::parse("198.51.100.1").value())), "metric 5") << "default allowed";
}

TEST(Nexthops, RouteEventsReportTheEntriesThatChanged) {
  NexthopTable t;
  auto* a = t.acquire(PeerAddress::parse("192.0.2.1").value());
  auto* b = t.acquire(PeerAddress::parse("198.51.100.1").value());
  EXPECT_EQ(t.replace_all({kroute("198.51.100.0/24", 10)}).size(), 2u);  // a unreachable, b with a metric
  EXPECT_FALSE(a->state.reachable);
  EXPECT_EQ(state(b->state), "metric 10");
  auto changed = t.add(kroute("192.0.2.0/24", 5));
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0], a);
  EXPECT_TRUE(t.add(kroute("203.0.113.0/24", 5)).empty());  // covers neither
  changed = t.remove(kroute("198.51.100.0/24", 10));
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0], b);
  EXPECT_FALSE(b->state.reachable);
  // Counted: the entry goes with its last user.
  auto* a2 = t.acquire(PeerAddress::parse("192.0.2.1").value());
  EXPECT_EQ(a2, a);
  t.release(a);
  EXPECT_EQ(t.size(), 2u);
  t.release(a2);
  t.release(b);
  EXPECT_EQ(t.size(), 0u);
}

TEST(Nexthops, DecisionUsesReachabilityAndIgpCost) {
  NexthopTable nh;
  AttrStore store;
  store.set_nexthops(&nh);
  {
    LocRib loc;
    AdjRibIn a(1, ibgp_peer("10.0.0.1", 1), store, loc);
    AdjRibIn b(2, ibgp_peer("10.0.0.2", 2), store, loc);
    const std::string_view p[] = {"203.0.113.0/24"};
    const std::string_view q[] = {"203.0.113.128/25"};
    loc.update(a, announce(a, ibgp_attrs(1, 100), entries(p)).changed);  // next hop 192.0.2.1
    loc.update(b, announce(b, ibgp_attrs(2, 100), entries(p)).changed);  // next hop 192.0.2.2
    loc.update(b, announce(b, ibgp_attrs(2, 100), entries(q)).changed);
    EXPECT_EQ(best_next_hop(loc, v4(p[0])), "192.0.2.1");  // router id
    // 192.0.2.1 through a dearer route than 192.0.2.2.
    auto changed = nh.replace_all({kroute("192.0.2.0/24", 0), kroute("192.0.2.0/31", 50), kroute("192.0.2.2/32", 5)});
    auto ev = loc.nexthops_changed(changed);
    EXPECT_EQ(ev.size(), 2u);  // both prefixes have a path through a changed next hop
    EXPECT_EQ(best_next_hop(loc, v4(p[0])), "192.0.2.2");
    EXPECT_EQ(loc.find(v4(p[0]))->reason(), Step::kIgpCost);
    // 192.0.2.2 unreachable: the other path; the single-path prefix has no best.
    ev = loc.nexthops_changed(nh.remove(kroute("192.0.2.2/32", 5)));
    ev = loc.nexthops_changed(nh.remove(kroute("192.0.2.0/24", 0)));
    EXPECT_EQ(best_next_hop(loc, v4(p[0])), "192.0.2.1");
    EXPECT_EQ(best_next_hop(loc, v4(q[0])), "none");
    ASSERT_NE(loc.find(v4(q[0])), nullptr);  // kept, not usable
    ev = loc.nexthops_changed(nh.add(kroute("192.0.2.0/24", 0)));
    EXPECT_EQ(best_next_hop(loc, v4(q[0])), "192.0.2.2");
  }
  EXPECT_EQ(nh.size(), 0u);  // every set released its next hop
}

}  // namespace
}  // namespace cats::rib
