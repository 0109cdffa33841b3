// The 12 vectors of docs/spec/CATS-BGP-ENCODINGS.md (machine-readable in
// tests/data/vectors.json): expected action, prefixes, and for every
// well-formed one a byte-identical decode -> encode round trip.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "bgp-ext/wire/json.hpp"
#include "tests/wire/test_util.hpp"

namespace cats::wire {
namespace {

struct Vector {
  std::string name;
  Bytes wire;
  DecodeContext ctx;
  std::optional<std::string> action;
  std::vector<std::string> nlri;
};

std::vector<Vector> load_vectors() {
  std::ifstream f(CATS_VECTORS);
  EXPECT_TRUE(f.good()) << "cannot open " << CATS_VECTORS;
  auto j = nlohmann::json::parse(f);
  std::vector<Vector> out;
  for (const auto& v : j) {
    Vector x;
    x.name = v["name"];
    x.wire = test::hex(v["hex"].get<std::string>());
    x.ctx.as4 = v["context"].value("as4", false);
    const std::string ap = v["context"].value("add_path", "");
    x.ctx.add_path.ipv4 = ap.find("ipv4") != std::string::npos;
    x.ctx.add_path.ipv6 = ap.find("ipv6") != std::string::npos;
    if (!v["expect"]["action"].is_null()) x.action = v["expect"]["action"];
    if (v["expect"].contains("nlri"))
      for (const auto& p : v["expect"]["nlri"]) x.nlri.push_back(p);
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<std::string> reachable(const Update& u) {
  std::vector<std::string> out;
  if (const auto* r = u.mp_reach())
    for (const auto& e : r->entries()) out.push_back(e.prefix.to_string());
  for (const auto& e : u.nlri) out.push_back(e.prefix.to_string());
  return out;
}

class VectorTest : public ::testing::TestWithParam<Vector> {};

TEST_P(VectorTest, ActionPrefixesAndRoundTrip) {
  const Vector& v = GetParam();
  const Decoded d = decode_message(v.wire, v.ctx);
  const DecodeError* e = d.error();
  if (v.action) {
    ASSERT_NE(e, nullptr) << v.name;
    EXPECT_EQ(action_name(e->action), *v.action) << e->reason;
    return;
  }
  EXPECT_EQ(e, nullptr) << v.name << ": " << (e ? e->reason : "");
  if (const auto* u = std::get_if<Update>(&d.body)) {
    EXPECT_EQ(reachable(*u), v.nlri);
  }
  EncodeContext ectx;
  ectx.as4 = v.ctx.as4;
  ectx.add_path = v.ctx.add_path;
  EXPECT_EQ(to_hex(encode_message(d.body, ectx)), to_hex(v.wire)) << v.name << " does not round-trip";
}

INSTANTIATE_TEST_SUITE_P(Digest, VectorTest, ::testing::ValuesIn(load_vectors()),
                         [](const auto& info) { return info.param.name; });

// Field-level expectations per vector (spec section (d)).
class VectorFields : public ::testing::Test {
 protected:
  Decoded decode(const std::string& name) {
    for (auto& v : all_)
      if (v.name == name) {
        wire_ = v.wire;
        return decode_message(wire_, v.ctx);
      }
    ADD_FAILURE() << "no vector " << name;
    return {};
  }
  static const CatsExp* cats(const Decoded& d) { return std::get<Update>(d.body).attrs.get<CatsExp>(kDefaultCatsType); }
  std::vector<Vector> all_ = load_vectors();
  Bytes wire_;
};

TEST_F(VectorFields, TV1SiteScore) {
  auto d = decode("TV1");
  const auto* c = cats(d);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->site_score(), 8);
  EXPECT_FALSE(c->drain());
  const auto& u = std::get<Update>(d.body);
  EXPECT_EQ(u.attrs.get<LocalPref>(attr::kLocalPref)->value, 100u);
  EXPECT_EQ(u.attrs.find(kDefaultCatsType)->flags, 0xc0);
}

TEST_F(VectorFields, TV2ContactInstancesAndAddPath) {
  auto d = decode("TV2");
  const auto* c = cats(d);
  ASSERT_NE(c, nullptr);
  ASSERT_NE(c->metric_control(), nullptr);
  EXPECT_EQ(c->metric_control()->sequence, 42u);
  EXPECT_EQ(c->metric_control()->interval, 10);
  EXPECT_EQ(c->metric_control()->profile, 1);
  std::vector<std::string> ids;
  std::vector<std::optional<std::uint8_t>> scores;
  for (const auto& t : c->tlvs)
    if (const auto* ci = std::get_if<CatsContactInstance>(&t.body)) {
      ids.push_back(ci->id.to_string());
      scores.push_back(metric_set_score(ci->metrics));
    }
  EXPECT_EQ(ids, (std::vector<std::string>{"2001:db8:5::1", "2001:db8:5::2"}));
  EXPECT_EQ(scores, (std::vector<std::optional<std::uint8_t>>{7, 3}));
  EXPECT_EQ(c->site_score(), 7);  // no Site Metrics: max over instances
  const auto* r = std::get<Update>(d.body).mp_reach();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(address_to_string(Afi::kIpv6, r->next_hop), "2001:db8::2");
  EXPECT_EQ(r->entries().begin()->path_id, 1u);
}

TEST_F(VectorFields, TV3ExtendedLengthUnknownItemsKept) {
  auto d = decode("TV3");
  const auto& u = std::get<Update>(d.body);
  EXPECT_EQ(u.attrs.find(kDefaultCatsType)->flags, 0xd0);
  const auto* c = cats(d);
  ASSERT_NE(c->cs_id(), nullptr);
  EXPECT_EQ(c->cs_id()->id.to_string(), "203.0.113.10");
  EXPECT_EQ(c->site_score(), 6);
  const auto& metrics = c->site_metrics()->metrics;
  ASSERT_EQ(metrics.size(), 3u);
  EXPECT_FLOAT_EQ(static_cast<float>(*metrics[1].number()), 2.2f);
  EXPECT_EQ(metrics[1].unit(), 2);  // GHz
  EXPECT_EQ(metrics[2].type, 200);
  EXPECT_FALSE(metrics[2].known_type());
  EXPECT_EQ(c->tlvs.back().type, 99);
  EXPECT_EQ(to_hex(c->tlvs.back().value), "dead");
}

TEST_F(VectorFields, TV5ForeignFlagsNotCats) {
  auto d = decode("TV5");
  const auto* a = std::get<Update>(d.body).attrs.find(kDefaultCatsType);
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(a->recognised);
  EXPECT_EQ(a->as<CatsExp>(), nullptr);
}

TEST_F(VectorFields, TV6ScoreElevenIgnored) {
  auto d = decode("TV6");
  const auto* c = cats(d);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->site_score(), std::nullopt);
  EXPECT_FALSE(c->site_metrics()->metrics[0].ignored.empty());
  EXPECT_FALSE(c->warnings.empty());
}

TEST_F(VectorFields, TV7LinkBandwidthAndAigp) {
  auto d = decode("TV7");
  const auto& u = std::get<Update>(d.body);
  auto lb = u.attrs.get<ExtCommunities>(attr::kExtCommunities)->lowest_link_bandwidth();
  ASSERT_TRUE(lb);
  EXPECT_EQ(lb->asn, 65000);
  EXPECT_FLOAT_EQ(lb->bytes_per_second, 1.0e9f);
  EXPECT_EQ(u.attrs.get<Aigp>(attr::kAigp)->metric(), 20u);
}

TEST_F(VectorFields, TV8EndOfRibIpv6) {
  auto d = decode("TV8");
  auto f = std::get<Update>(d.body).end_of_rib();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->afi, 2);
  EXPECT_EQ(f->safi, 1);
}

TEST_F(VectorFields, TV9AddPathWithdraw) {
  auto d = decode("TV9");
  const auto* u = std::get<Update>(d.body).mp_unreach();
  ASSERT_NE(u, nullptr);
  auto e = *u->entries().begin();
  EXPECT_EQ(e.prefix.to_string(), "2001:db8:cafe::10/128");
  EXPECT_EQ(e.path_id, 1u);
  EXPECT_FALSE(std::get<Update>(d.body).end_of_rib());
}

TEST_F(VectorFields, TV10OpenCapabilities) {
  auto d = decode("TV10");
  const auto& o = std::get<Open>(d.body);
  EXPECT_EQ(o.my_as, kAsTrans);
  EXPECT_EQ(o.asn(), 4200000001u);
  EXPECT_EQ(o.hold_time, 90);
  std::vector<int> codes;
  for (const auto* c : o.capabilities()) codes.push_back(c->code);
  EXPECT_EQ(codes, (std::vector<int>{1, 1, 2, 70, 6, 65, 69, 64, 239}));
  const auto& ap = std::get<AddPathCap>(o.find(cap::kAddPath)->value);
  ASSERT_EQ(ap.families.size(), 2u);
  EXPECT_EQ(ap.families[1].afi, 2);
  EXPECT_EQ(ap.families[1].send_receive, 3);
  const auto& gr = std::get<GracefulRestartCap>(o.find(cap::kGracefulRestart)->value);
  EXPECT_EQ(gr.restart_time, 90);
  EXPECT_FALSE(gr.restarted());
  EXPECT_EQ(gr.families.size(), 2u);
  EXPECT_EQ(gr.families[0].flags, 0x80);
  EXPECT_EQ(std::get<CatsCap>(o.find(239)->value).max_version, 1);
}

TEST_F(VectorFields, TV11Drain) {
  auto d = decode("TV11");
  EXPECT_TRUE(cats(d)->drain());
  EXPECT_EQ(cats(d)->site_score(), 8);
}

TEST_F(VectorFields, TV12SessionResetNotification) {
  auto d = decode("TV12");
  const auto* e = d.error();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->action, Action::kSessionReset);
  EXPECT_EQ(e->code, 3);
  EXPECT_EQ(e->subcode, 9);
  EXPECT_EQ(e->attribute, 255);
  EXPECT_EQ(to_hex(e->data), "c0ff0c010000000200090103810008");
}

TEST_F(VectorFields, TV4TreatAsWithdrawKeepsNlri) {
  auto d = decode("TV4");
  ASSERT_NE(d.error(), nullptr);
  EXPECT_EQ(d.error()->action, Action::kTreatAsWithdraw);
  EXPECT_EQ(d.error()->attribute, 255);
  EXPECT_EQ(reachable(std::get<Update>(d.body)), (std::vector<std::string>{"203.0.113.10/32"}));
}

}  // namespace
}  // namespace cats::wire
