// The engine's pure parts: what a path looks like towards each kind of
// neighbor (export_path, one row per rule) and the edge role's originated
// UPDATEs. Outgoing messages are checked by decoding them with the codec; the
// Adj-RIB-Out's packing, ADD-PATH identifiers and AS4_PATH are in
// export_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bgp-ext/wire/message.hpp"
#include "catsd/rde/export.hpp"
#include "catsd/rde/origination.hpp"
#include "catsd/rde/update_log.hpp"

// Rows name only the fields that matter to them.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cats::rde {
namespace {

using namespace cats::wire;

Prefix pfx(const char* text) {
  return Prefix::parse(text).value();
}

const std::uint8_t kCatsValue[] = {0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x05, 0x01, 0x03, 0x81, 0x00, 0x08};

struct Received {
  std::vector<std::uint32_t> as_path;
  std::optional<std::uint32_t> med;
  std::optional<std::uint32_t> local_pref = 100;
  std::vector<std::uint32_t> communities;
  bool cats = true;
  bool reflected = false;  // ORIGINATOR_ID and CLUSTER_LIST present
};

// A received IPv4 path as the store holds it: encoded, decoded, interned.
rib::AttrsRef received(rib::AttrStore& store, const Received& r) {
  AttributeSet s;
  s.add(built_attribute(attr::kTransitive, attr::kOrigin, Origin{0}));
  AsPath p;
  if (!r.as_path.empty()) p.segments.push_back({SegmentType::kSequence, r.as_path});
  s.add(built_attribute(attr::kTransitive, attr::kAsPath, p));
  s.add(built_attribute(attr::kTransitive, attr::kNextHop, NextHop{{192, 0, 2, 99}}));
  if (r.med) s.add(built_attribute(attr::kOptional, attr::kMed, Med{*r.med}));
  if (r.local_pref) s.add(built_attribute(attr::kTransitive, attr::kLocalPref, LocalPref{*r.local_pref}));
  if (!r.communities.empty())
    s.add(built_attribute(attr::kOptional | attr::kTransitive, attr::kCommunities, Communities{r.communities}));
  if (r.reflected) {
    s.add(built_attribute(attr::kOptional, attr::kOriginatorId, OriginatorId{{10, 0, 0, 7}}));
    s.add(built_attribute(attr::kOptional, attr::kClusterList, ClusterList{{0x0a00000a}}));
  }
  if (r.cats) {
    CatsExp c;
    EXPECT_EQ(CatsExp::decode(std::as_bytes(std::span(kCatsValue)), c).has_value(), false);
    s.add(built_attribute(attr::kOptional | attr::kTransitive, kDefaultCatsType, c));
  }
  Bytes field;
  Writer w(field);
  encode_path_attributes(w, s, EncodeContext{});
  AttributeSet decoded;
  std::vector<DecodeError> errors;
  DecodeContext ctx;
  ctx.as4 = true;
  decode_path_attributes(field, ctx, decoded, errors);
  EXPECT_TRUE(errors.empty());
  auto ref = store.intern(decoded, rib::NextHopIn::kNextHopAttribute);
  EXPECT_NE(ref, nullptr);
  return ref;
}

ExportTarget target(rib::Neighbor kind) {
  ExportTarget t;
  t.kind = kind;
  t.local_as = 65000;
  t.router_id = 0x0a00000b;
  t.cluster_id = 0x0a00000b;
  t.self_v4 = std::array<std::uint8_t, 4>{192, 0, 2, 1};
  t.self_v6 = std::array<std::uint8_t, 16>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return t;
}

std::string next_hop(const rib::StoredAttrs& a) {
  const auto nh = a.next_hop();
  return address_to_string(nh.size() == 4 ? Afi::kIpv4 : Afi::kIpv6, nh.first(nh.size() == 4 ? 4 : 16));
}

std::string as_path(const AttributeSet& s) {
  const auto* p = s.get<AsPath>(attr::kAsPath);
  std::string out;
  if (p == nullptr) return "none";
  for (const auto& seg : p->segments)
    for (auto a : seg.asns) out += (out.empty() ? "" : " ") + std::to_string(a);
  return out;
}

// One row per export rule.
struct ExportRow {
  const char* name;
  rib::Neighbor from;
  rib::Neighbor to;
  Received in;
  bool next_hop_self = false;
  ExportVerdict verdict = ExportVerdict::kAdvertise;
  const char* next_hop = "192.0.2.99";
  const char* as_path = "";
  std::optional<std::uint32_t> local_pref = 100;
  bool med = false;
  bool originator = false;
  std::size_t cluster_list = 0;
};

class ExportTable : public ::testing::TestWithParam<ExportRow> {};

TEST_P(ExportTable, Row) {
  const auto& row = GetParam();
  rib::AttrStore store;
  auto in = received(store, row.in);
  auto to = target(row.to);
  to.next_hop_self = row.next_hop_self;
  auto r = export_path(*in, pfx("203.0.113.0/24"), ExportSource{row.from, 0x0a000007}, to, store);
  ASSERT_EQ(r.verdict, row.verdict);
  if (row.verdict != ExportVerdict::kAdvertise) {
    EXPECT_EQ(r.attrs, nullptr);
    return;
  }
  ASSERT_NE(r.attrs, nullptr);
  const auto& a = r.attrs->attrs();
  EXPECT_EQ(next_hop(*r.attrs), row.next_hop);
  EXPECT_EQ(as_path(a), row.as_path);
  const auto* lp = a.get<LocalPref>(attr::kLocalPref);
  EXPECT_EQ(lp ? std::optional(lp->value) : std::nullopt, row.local_pref);
  EXPECT_EQ(a.find(attr::kMed) != nullptr, row.med);
  EXPECT_EQ(a.find(attr::kOriginatorId) != nullptr, row.originator);
  const auto* cl = a.get<ClusterList>(attr::kClusterList);
  EXPECT_EQ(cl ? cl->ids.size() : 0, row.cluster_list);
  if (row.cluster_list > 0) {
    EXPECT_EQ(cl->ids.front(), 0x0a00000bu);  // ours first
  }
  // The CATS attribute passes byte for byte, without the Partial bit.
  const auto* cats = a.find(kDefaultCatsType);
  ASSERT_NE(cats, nullptr);
  EXPECT_EQ(cats->flags & (attr::kOptional | attr::kTransitive | attr::kPartial), 0xc0);
  EXPECT_EQ(to_hex(cats->raw), to_hex(std::as_bytes(std::span(kCatsValue))));
}

using N = rib::Neighbor;
INSTANTIATE_TEST_SUITE_P(
    Export, ExportTable,
    ::testing::Values(ExportRow{"EbgpToIbgpKeepsNextHopAddsLocalPref", N::kExternal, N::kNonClient,
                                Received{.as_path = {65010}, .med = 5, .local_pref = std::nullopt}, false,
                                ExportVerdict::kAdvertise, "192.0.2.99", "65010", 100, true},
                      ExportRow{"EbgpToIbgpNextHopSelf", N::kExternal, N::kNonClient, Received{.as_path = {65010}},
                                true, ExportVerdict::kAdvertise, "192.0.2.1", "65010"},
                      ExportRow{"ClientToClientReflected", N::kClient, N::kClient, Received{}, false,
                                ExportVerdict::kAdvertise, "192.0.2.99", "", 100, false, true, 1},
                      ExportRow{"ReflectedKeepsNextHopDespiteSelf", N::kClient, N::kNonClient, Received{}, true,
                                ExportVerdict::kAdvertise, "192.0.2.99", "", 100, false, true, 1},
                      ExportRow{"ReflectedAgainKeepsOriginatorAddsCluster", N::kNonClient, N::kClient,
                                Received{.reflected = true}, false, ExportVerdict::kAdvertise, "192.0.2.99", "", 100,
                                false, true, 2},
                      ExportRow{"NonClientToNonClientNot", N::kNonClient, N::kNonClient, Received{}, false,
                                ExportVerdict::kNotToThisPeer},
                      ExportRow{"IbgpToEbgpPrependsStrips", N::kNonClient, N::kExternal,
                                Received{.as_path = {65010}, .med = 5, .reflected = true}, false,
                                ExportVerdict::kAdvertise, "192.0.2.1", "65000 65010", std::nullopt, false, false, 0},
                      ExportRow{"LocalToEbgpKeepsMed", N::kLocal, N::kExternal, Received{.med = 7}, false,
                                ExportVerdict::kAdvertise, "192.0.2.1", "65000", std::nullopt, true},
                      ExportRow{"LocalToIbgpNextHopSelf", N::kLocal, N::kClient, Received{}, false,
                                ExportVerdict::kAdvertise, "192.0.2.1", ""},
                      ExportRow{"NoExportNotToEbgp", N::kClient, N::kExternal, Received{.communities = {0xFFFFFF01}},
                                false, ExportVerdict::kCommunity},
                      ExportRow{"NoExportToIbgp", N::kExternal, N::kClient,
                                Received{.as_path = {65010}, .communities = {0xFFFFFF01}}, false,
                                ExportVerdict::kAdvertise, "192.0.2.99", "65010"},
                      ExportRow{"NoAdvertiseNowhere", N::kExternal, N::kClient, Received{.communities = {0xFFFFFF02}},
                                false, ExportVerdict::kCommunity},
                      ExportRow{"NoExportSubconfedNotToEbgp", N::kLocal, N::kExternal,
                                Received{.communities = {0xFFFFFF03}}, false, ExportVerdict::kCommunity}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Export, PolicyDeniesAndStripsCats) {
  rib::AttrStore store;
  auto in = received(store, Received{});
  config::PrefixList list{"only", {{10, config::Verdict::kPermit, "198.51.100.0/24", std::nullopt, 32}}};
  auto compiled = rib::Policy::compile(config::PolicyActions{.prefix_list = "only"},
                                       std::span<const config::PrefixList>(&list, 1), false);
  ASSERT_TRUE(std::holds_alternative<rib::Policy>(compiled));
  auto to = target(N::kExternal);
  to.policy = &std::get<rib::Policy>(compiled);
  EXPECT_EQ(export_path(*in, pfx("203.0.113.0/24"), {N::kLocal, 0}, to, store).verdict, ExportVerdict::kPolicy);
  auto r = export_path(*in, pfx("198.51.100.7/32"), {N::kLocal, 0}, to, store);
  ASSERT_EQ(r.verdict, ExportVerdict::kAdvertise);
  EXPECT_EQ(r.attrs->attrs().find(kDefaultCatsType), nullptr);
}

TEST(Export, Ipv6NextHopSelfAndMissingAddress) {
  rib::AttrStore store;
  auto in = received(store, Received{});
  auto to = target(N::kExternal);
  auto r = export_path(*in, pfx("2001:db8:cafe::10/128"), {N::kLocal, 0}, to, store);
  ASSERT_EQ(r.verdict, ExportVerdict::kAdvertise);
  EXPECT_EQ(next_hop(*r.attrs), "2001:db8::1");
  EXPECT_EQ(r.attrs->attrs().find(attr::kNextHop), nullptr);
  to.self_v4.reset();
  EXPECT_EQ(export_path(*in, pfx("203.0.113.0/24"), {N::kLocal, 0}, to, store).verdict, ExportVerdict::kNoNextHop);
}

TEST(Export, IdenticalResultsShareOneSet) {
  rib::AttrStore store;
  auto a = received(store, Received{});
  auto to = target(N::kClient);
  auto r1 = export_path(*a, pfx("203.0.113.0/24"), {N::kLocal, 0}, to, store);
  auto r2 = export_path(*a, pfx("203.0.113.1/32"), {N::kLocal, 0}, to, store);
  EXPECT_EQ(r1.attrs, r2.attrs);
}

// ---- Decoding what was built ------------------------------------------------

struct Sent {
  std::vector<std::string> announced;  // "prefix" or "prefix#id"
  std::vector<std::string> withdrawn;
  std::size_t messages = 0;
};

Sent decode_all(const std::vector<Bytes>& msgs, bool add_path) {
  Sent s;
  DecodeContext ctx;
  ctx.as4 = true;
  ctx.multiprotocol = true;
  ctx.add_path = {add_path, add_path};
  for (const auto& m : msgs) {
    auto d = decode_message(m, ctx);
    EXPECT_EQ(d.action(), Action::kNone) << to_hex(m);
    const auto* u = std::get_if<Update>(&d.body);
    if (u == nullptr) continue;
    ++s.messages;
    auto name = [&](const NlriEntry& e) {
      return e.prefix.to_string() + (e.path_id ? "#" + std::to_string(*e.path_id) : "");
    };
    for (const auto& e : u->nlri) s.announced.push_back(name(e));
    for (const auto& e : u->withdrawn) s.withdrawn.push_back(name(e));
    if (const auto* mp = u->mp_reach())
      for (const auto& e : mp->entries()) s.announced.push_back(name(e));
    if (const auto* mp = u->mp_unreach())
      for (const auto& e : mp->entries()) s.withdrawn.push_back(name(e));
  }
  return s;
}

// ---- Origination -------------------------------------------------------------

config::Service service() {
  config::Service s;
  s.name = "llm-chat";
  s.prefixes = {"203.0.113.10/32", "2001:db8:cafe::10/128"};
  s.cs_id = config::ServiceId{config::ServiceId::Type::kOpaque, "1001"};
  s.profile = 3;
  s.metrics.l2 = 7;
  s.metrics.l1[config::index(config::Category::kCompute)] = 6;
  s.metrics.instances.push_back({{config::ServiceId::Type::kIpv4, "10.0.0.11"}, 8, {}});
  return s;
}

TEST(Origination, AnnouncementsDecodeWithTheMetrics) {
  const auto svc = service();
  ServiceState st{svc.metrics, 42, false, 0};
  const auto msgs = build_announcements(svc, st, OriginParams{255, 0x0a000001, 5});
  ASSERT_EQ(msgs.size(), 2u);
  DecodeContext ctx;
  ctx.as4 = true;
  ctx.multiprotocol = true;
  for (const auto& m : msgs) {
    auto d = decode_message(m, ctx);
    ASSERT_EQ(d.action(), Action::kNone) << (d.error() ? d.error()->reason : "");
    const auto& u = std::get<Update>(d.body);
    const auto* c = u.attrs.get<CatsExp>(255);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->cs_id()->id.to_string(), "1001");
    EXPECT_EQ(c->site_score(), 7);
    EXPECT_EQ(c->metric_control()->sequence, 42u);
    EXPECT_EQ(c->metric_control()->profile, 3);
    EXPECT_EQ(c->metric_control()->interval, 5);
    EXPECT_FALSE(c->drain());
    std::size_t instances = 0;
    for (const auto& t : c->tlvs) instances += std::holds_alternative<CatsContactInstance>(t.body);
    EXPECT_EQ(instances, 1u);
  }
  st.metrics.drain = true;
  auto d = decode_message(build_announcements(svc, st, OriginParams{254, 1, 0})[0],
                          DecodeContext{.as4 = true, .cats_type = 254});
  EXPECT_TRUE(std::get<Update>(d.body).attrs.get<CatsExp>(254)->drain());
}

TEST(Origination, CsIdDefaultsToThePrefixAddress) {
  auto svc = service();
  svc.cs_id.reset();
  ServiceState st{svc.metrics, 1, false, 0};
  CatsExp c;
  const auto v = build_cats_exp_value(svc, st, pfx("203.0.113.10/32"), 0);
  ASSERT_FALSE(CatsExp::decode(v, c).has_value());
  EXPECT_EQ(c.cs_id()->id.to_string(), "203.0.113.10");
}

TEST(Origination, WithdrawalsAndMetricChecks) {
  const auto msgs = build_withdrawals(service());
  auto s = decode_all(msgs, false);
  EXPECT_EQ(s.withdrawn, (std::vector<std::string>{"203.0.113.10/32", "2001:db8:cafe::10/128"}));
  config::Metrics m;
  m.l2 = 11;
  EXPECT_TRUE(check_metrics(m).has_value());
  m.l2 = 10;
  EXPECT_FALSE(check_metrics(m).has_value());
  m.instances.push_back({{config::ServiceId::Type::kOpaque, "x1"}, 3, {}});
  EXPECT_TRUE(check_metrics(m).has_value());
}

TEST(Origination, SequenceFollowsTheClockAndNeverGoesBack) {
  using std::chrono::system_clock;
  const system_clock::time_point epoch{std::chrono::seconds{1577836800}};  // 2020-01-01T00:00:00Z
  EXPECT_EQ(clock_sequence(epoch), 0u);
  EXPECT_EQ(clock_sequence(epoch + std::chrono::seconds{1}), 256u);
  EXPECT_EQ(clock_sequence(epoch - std::chrono::seconds{1}), 0u);
  EXPECT_EQ(clock_sequence(epoch + std::chrono::seconds{16777216}), 0u) << "wraps at 2^32 ticks (194 days)";
  EXPECT_EQ(next_sequence(5, 3), 6u) << "ahead of the clock: + 1";
  EXPECT_EQ(next_sequence(5, 100), 100u) << "behind the clock: the clock";
  EXPECT_EQ(next_sequence(0xffffffffU, 2), 2u) << "serial comparison across the wrap";
  EXPECT_EQ(next_sequence(10, 0xfffffff0U), 11u) << "a clock far behind (serial) is not taken";
}

TEST(UpdateLog, PrefixesAndHexAreBounded) {
  config::Service svc = service();
  svc.prefixes.clear();
  for (int i = 0; i < 11; ++i) svc.prefixes.push_back("198.51.100." + std::to_string(i) + "/32");
  // One UPDATE per prefix from the origination; pack the eleven into one.
  DecodeContext ctx;
  ctx.as4 = true;
  const auto built = build_announcements(svc, ServiceState{svc.metrics, 1, false, 0}, {255, 1, 0});
  auto first = decode_message(built[0], ctx);  // its attributes borrow built[0]
  std::vector<NlriEntry> all;
  for (const auto& p : svc.prefixes) all.push_back({*Prefix::parse(p), std::nullopt});
  EncodeContext ectx;
  ectx.as4 = true;
  const auto packed = pack_announcements(std::get<Update>(first.body).attrs, Afi::kIpv4, {}, all, ectx);
  ASSERT_EQ(packed.messages.size(), 1u);
  const Bytes& m = packed.messages[0];
  const auto d = decode_message(m, ctx);
  const std::string text = describe_update(std::get<Update>(d.body), m, 8, 20);
  EXPECT_NE(text.find("prefixes 198.51.100.0/32, 198.51.100.1/32,"), std::string::npos) << text;
  EXPECT_NE(text.find("198.51.100.7/32 (+3 more)"), std::string::npos) << text;
  EXPECT_EQ(text.find("198.51.100.8/32"), std::string::npos) << text;
  EXPECT_NE(text.find("; UPDATE " + std::to_string(m.size()) + " octets: ffffffffffffffffffffffffffffffff"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.substr(text.size() - 3), "...");
  EXPECT_EQ(describe_update(std::get<Update>(d.body), m, 1, 0),
            "prefixes 198.51.100.0/32 (+10 more); UPDATE " + std::to_string(m.size()) + " octets");
}

// Every state check_fits() accepts is advertised; the rest is refused with
// the sizes stated (a 3,000-instance service once passed and was never sent).
TEST(Origination, OnlyWhatFitsInAnUpdateIsAccepted) {
  DecodeContext ctx;
  ctx.as4 = true;
  for (const std::size_t n :
       {std::size_t{1}, std::size_t{150}, std::size_t{250}, std::size_t{290}, std::size_t{3000}}) {
    auto svc = service();
    svc.metrics.instances.clear();
    for (std::size_t i = 0; i < n; ++i) {
      config::L1Scores l1;
      l1.fill(std::uint8_t{5});
      svc.metrics.instances.push_back({{config::ServiceId::Type::kIpv6, "2001:db8::" + std::to_string(i + 1)}, 3, l1});
    }
    const auto err = check_fits(svc, svc.metrics);
    const auto msgs = build_announcements(svc, ServiceState{svc.metrics, 1, false, 0}, OriginParams{255, 1, 0});
    if (err) {
      EXPECT_NE(err->find("at most 3584"), std::string::npos) << *err;
      EXPECT_GE(n, 150u);
      continue;
    }
    ASSERT_EQ(msgs.size(), svc.prefixes.size()) << n << " instances";
    for (const auto& m : msgs) {
      auto d = decode_message(m, ctx);
      ASSERT_EQ(d.action(), Action::kNone) << n;
      std::size_t instances = 0;
      for (const auto& t : std::get<Update>(d.body).attrs.get<CatsExp>(255)->tlvs)
        instances += std::holds_alternative<CatsContactInstance>(t.body);
      EXPECT_EQ(instances, n);
    }
  }
  auto svc = service();
  svc.metrics.instances.assign(3000, {{config::ServiceId::Type::kOpaque, "7"}, 1, {}});
  EXPECT_TRUE(check_fits(svc, svc.metrics).has_value());
  config::Config cfg;
  cfg.services = {svc, service()};
  const auto errors = check_origination(cfg);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/cats-bgp:bgp/services/service[name='llm-chat']/metrics");
  // 400 collector targets feeding one service cannot all be reported.
  cfg.services = {service()};
  for (int i = 0; i < 400; ++i)
    cfg.collector.targets.push_back({.name = "t" + std::to_string(i), .service = "llm-chat"});
  ASSERT_EQ(check_origination(cfg).size(), 1u);
  EXPECT_EQ(check_origination(cfg)[0].path, "/cats-bgp:bgp/collector");
  cfg.collector.targets.resize(8);
  EXPECT_TRUE(check_origination(cfg).empty());
}

}  // namespace
}  // namespace cats::rde
