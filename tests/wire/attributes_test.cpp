// One row per attribute: raw bytes <-> decoded value (<-> JSON), both directions
// (decode checks the fields, encode must give back the same octets).
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "bgp-ext/wire/attribute_json.hpp"
#include "bgp-ext/wire/json.hpp"
#include "tests/wire/test_util.hpp"

namespace cats::wire {
namespace {

using namespace test;

struct AttrRow {
  const char* name;
  std::string attr;  // whole attribute, hex
  bool as4 = true;
  AddPath add_path{};
  std::function<void(const Attribute&)> check;
};

std::ostream& operator<<(std::ostream& os, const AttrRow& r) {
  return os << r.name;
}

const std::vector<AttrRow>& rows() {
  static const std::vector<AttrRow> kRows = {
      {"origin_incomplete",
       A(0x40, 1, "02"),
       true,
       {},
       [](const Attribute& a) { EXPECT_EQ(a.as<Origin>()->value, 2); }},
      {"as_path_4octet",
       A(0x40, 2,
         "0203fa56ea01000000640000fde8"
         "01020000000100000002"),
       true,
       {},
       [](const Attribute& a) {
         const auto* p = a.as<AsPath>();
         ASSERT_EQ(p->segments.size(), 2u);
         EXPECT_EQ(p->segments[0].asns, (std::vector<std::uint32_t>{4200000001u, 100, 65000}));
         EXPECT_EQ(p->segments[1].type, SegmentType::kSet);
         EXPECT_EQ(p->path_length(), 4u);
       }},
      {"as_path_2octet_confed",
       A(0x40, 2,
         "0301fde9"
         "0202fde8ffff"),
       false,
       {},
       [](const Attribute& a) {
         const auto* p = a.as<AsPath>();
         EXPECT_FALSE(p->four_octet);
         EXPECT_EQ(p->segments[0].type, SegmentType::kConfedSequence);
         EXPECT_EQ(p->path_length(), 2u);  // confed segments do not count
         EXPECT_EQ(p->segments[1].asns[1], 65535u);
       }},
      {"next_hop",
       A(0x40, 3, "c6336401"),
       true,
       {},
       [](const Attribute& a) {
         EXPECT_EQ(address_to_string(Afi::kIpv4, std::as_bytes(std::span(a.as<NextHop>()->addr))), "198.51.100.1");
       }},
      {"med", A(0x80, 4, "00000032"), true, {}, [](const Attribute& a) { EXPECT_EQ(a.as<Med>()->value, 50u); }},
      {"local_pref",
       A(0x40, 5, "000000c8"),
       true,
       {},
       [](const Attribute& a) { EXPECT_EQ(a.as<LocalPref>()->value, 200u); }},
      {"atomic_aggregate",
       A(0x40, 6, ""),
       true,
       {},
       [](const Attribute& a) { EXPECT_NE(a.as<AtomicAggregate>(), nullptr); }},
      {"aggregator_4octet",
       A(0xc0, 7, "fa56ea01c0000201"),
       true,
       {},
       [](const Attribute& a) { EXPECT_EQ(a.as<Aggregator>()->asn, 4200000001u); }},
      {"aggregator_2octet",
       A(0xc0, 7, "fde8c0000201"),
       false,
       {},
       [](const Attribute& a) { EXPECT_EQ(a.as<Aggregator>()->asn, 65000u); }},
      {"communities",
       A(0xc0, 8, "fde80064ffffff01"),
       true,
       {},
       [](const Attribute& a) {
         EXPECT_EQ(a.as<Communities>()->values, (std::vector<std::uint32_t>{0xfde80064, 0xffffff01}));
       }},
      {"originator_id",
       A(0x80, 9, "0a000001"),
       true,
       {},
       [](const Attribute& a) { EXPECT_EQ(a.as<OriginatorId>()->id[0], 10); }},
      {"cluster_list",
       A(0x80, 10, "0a0000010a000002"),
       true,
       {},
       [](const Attribute& a) { EXPECT_EQ(a.as<ClusterList>()->ids.size(), 2u); }},
      {"mp_reach_ipv6_link_local",
       A(0x80, 14,
         "00020120"
         "20010db8000000000000000000000001"
         "fe800000000000000000000000000001"
         "00"
         "4020010db800010000"
         "00"),
       true,
       {},
       [](const Attribute& a) {
         const auto* m = a.as<MpReach>();
         EXPECT_EQ(m->next_hop.size(), 32u);
         EXPECT_EQ(address_to_string(Afi::kIpv6, m->next_hop.subspan(16)), "fe80::1");
         ASSERT_EQ(m->entries().count(), 2u);
         EXPECT_EQ(m->entries().begin()->prefix.to_string(), "2001:db8:1::/64");
         EXPECT_EQ(std::next(m->entries().begin())->prefix.to_string(), "::/0");
       }},
      {"mp_reach_ipv4",
       A(0x80, 14,
         "00010104c000020100"
         "18c63364"),
       true,
       {},
       [](const Attribute& a) {
         EXPECT_EQ(a.as<MpReach>()->entries().begin()->prefix.to_string(), "198.51.100.0/24");
       }},
      {"mp_reach_vpn_kept_opaque",
       A(0x80, 14,
         "0001800c"
         "000000000000000000000000"
         "00"
         "7000"),
       true,
       {},
       [](const Attribute& a) {
         EXPECT_FALSE(a.as<MpReach>()->known_family());
         EXPECT_EQ(a.as<MpReach>()->safi, 128);
       }},
      {"mp_unreach_addpath",
       A(0x80, 15,
         "000201"
         "0000000740"
         "20010db800010000"),
       true,
       {false, true},
       [](const Attribute& a) {
         auto e = *a.as<MpUnreach>()->entries().begin();
         EXPECT_EQ(e.path_id, 7u);
         EXPECT_EQ(e.prefix.to_string(), "2001:db8:1::/64");
       }},
      {"ext_communities_link_bandwidth_nontransitive",
       A(0xc0, 16,
         "4004fde84e6e6b28"
         "0002fde800000064"),
       true,
       {},
       [](const Attribute& a) {
         auto lb = a.as<ExtCommunities>()->lowest_link_bandwidth();
         ASSERT_TRUE(lb);
         EXPECT_FALSE(lb->transitive);
         EXPECT_FLOAT_EQ(lb->bytes_per_second, 1e9f);
       }},
      {"ext_communities_lowest_bandwidth_wins",
       A(0xc0, 16,
         "0004fde84e6e6b28"
         "0004fde84cee6b28"),
       true,
       {},
       [](const Attribute& a) {
         EXPECT_FLOAT_EQ(a.as<ExtCommunities>()->lowest_link_bandwidth()->bytes_per_second, 125e6f);
       }},
      {"as4_path",
       A(0xc0, 17, "0201fa56ea01"),
       false,
       {},
       [](const Attribute& a) { EXPECT_EQ(a.as<AsPath>()->segments[0].asns[0], 4200000001u); }},
      {"as4_aggregator",
       A(0xc0, 18, "fa56ea01c0000201"),
       false,
       {},
       [](const Attribute& a) { EXPECT_EQ(a.as<Aggregator>()->asn, 4200000001u); }},
      {"aigp_with_unknown_tlv",
       A(0x80, 26,
         "01000b0000000000000014"
         "050005abcd"),
       true,
       {},
       [](const Attribute& a) {
         EXPECT_EQ(a.as<Aigp>()->metric(), 20u);
         EXPECT_EQ(a.as<Aigp>()->tlvs.size(), 2u);
       }},
      {"large_community",
       A(0xc0, 32,
         "fa56ea01"
         "00000001"
         "00000002"),
       true,
       {},
       [](const Attribute& a) {
         EXPECT_EQ(a.as<LargeCommunities>()->values[0], (std::array<std::uint32_t, 3>{4200000001u, 1, 2}));
       }},
      {"extended_length_kept", A(0xd0, 8, "fde80064"), true, {}, [](const Attribute& a) { EXPECT_EQ(a.flags, 0xd0); }},
      {"unknown_transitive_partial_kept",
       A(0xe0, 250, "010203"),
       true,
       {},
       [](const Attribute& a) {
         EXPECT_FALSE(a.recognised);
         EXPECT_EQ(to_hex(a.as<Opaque>()->value), "010203");
       }},
      {"cats_eight_instances",
       cats([] {
         std::string t = T(4, "00000007000a0002") + T(2, kL2Eight);
         for (int i = 0; i < 8; ++i)
           t += T(3,
                  "0200"
                  "20010db80005"
                  "0000000000000000"
                  "000" +
                      std::to_string(i) + M(2, "4100", "0" + std::to_string(i)));
         return t;
       }()),
       true,
       {},
       [](const Attribute& a) {
         const auto* c = a.as<CatsExp>();
         ASSERT_NE(c, nullptr);
         EXPECT_EQ(c->tlvs.size(), 10u);
         EXPECT_EQ(c->site_score(), 8);
         EXPECT_EQ(c->metric_control()->sequence, 7u);
       }},
  };
  return kRows;
}

DecodeContext decode_ctx(bool as4, const AddPath& add_path, std::uint8_t cats_type = kDefaultCatsType) {
  DecodeContext c;
  c.as4 = as4;
  c.add_path = add_path;
  c.cats_type = cats_type;
  return c;
}

EncodeContext encode_ctx(bool as4, const AddPath& add_path) {
  EncodeContext c;
  c.as4 = as4;
  c.add_path = add_path;
  return c;
}

// `bytes` hold one attribute, decoded without error.
void decode_one(const Bytes& bytes, const DecodeContext& ctx, AttributeSet& set) {
  std::vector<DecodeError> errors;
  decode_path_attributes(bytes, ctx, set, errors);
  ASSERT_TRUE(errors.empty()) << errors.front().reason;
  ASSERT_EQ(set.list().size(), 1u);
}

std::string encoded(const Attribute& a, const EncodeContext& ctx) {
  Bytes out;
  Writer w(out);
  encode_attribute(w, a, ctx);
  return to_hex(out);
}

class AttributeRows : public ::testing::TestWithParam<AttrRow> {};

TEST_P(AttributeRows, DecodeThenEncode) {
  const AttrRow& r = GetParam();
  const Bytes bytes = hex(r.attr);
  AttributeSet set;
  ASSERT_NO_FATAL_FAILURE(decode_one(bytes, decode_ctx(r.as4, r.add_path), set));
  r.check(set.list()[0]);
  EXPECT_EQ(encoded(set.list()[0], encode_ctx(r.as4, r.add_path)), to_hex(bytes));
}

INSTANTIATE_TEST_SUITE_P(Table, AttributeRows, ::testing::ValuesIn(rows()),
                         [](const auto& info) { return info.param.name; });

TEST(AsPath, TwoOctetEncodingUsesAsTrans) {
  AsPath p;
  p.segments.push_back({SegmentType::kSequence, {4200000001u, 65000}});
  Bytes out;
  Writer w(out);
  p.encode(w, false);
  EXPECT_EQ(to_hex(out), "02025ba0fde8");
}

TEST(AsPath, LongSegmentsAreSplitAt255) {
  AsPath p;
  p.segments.push_back({SegmentType::kSequence, std::vector<std::uint32_t>(300, 65001)});
  Bytes out;
  Writer w(out);
  p.encode(w, true);
  AsPath back;
  ASSERT_FALSE(AsPath::decode(out, true, back));
  ASSERT_EQ(back.segments.size(), 2u);
  EXPECT_EQ(back.segments[0].asns.size(), 255u);
  EXPECT_EQ(back.path_length(), 300u);
}

TEST(AsPath, Rfc6793Merge) {
  // AS_PATH: 65001 AS_TRANS AS_TRANS, AS4_PATH: 4200000001 4200000002.
  AsPath two, four;
  ASSERT_FALSE(AsPath::decode(hex("0203fde95ba05ba0"), false, two));
  ASSERT_FALSE(AsPath::decode(hex("0202fa56ea01fa56ea02"), true, four));
  const AsPath m = merge_as4_path(two, four);
  std::vector<std::uint32_t> flat;
  for (const auto& s : m.segments) flat.insert(flat.end(), s.asns.begin(), s.asns.end());
  EXPECT_EQ(flat, (std::vector<std::uint32_t>{65001, 4200000001u, 4200000002u}));
  // AS4_PATH longer than AS_PATH: ignored.
  AsPath longer;
  ASSERT_FALSE(AsPath::decode(hex("0204fa56ea01fa56ea02fa56ea03fa56ea04"), true, longer));
  EXPECT_EQ(merge_as4_path(two, longer), two);
}

TEST(AsPath, EffectivePathInUpdateOnTwoOctetSession) {
  const Bytes wire =
      update_msg(A(0x40, 1, "00") + A(0x40, 2, "0202fde95ba0") + A(0x40, 3, "c0000201") + A(0xc0, 17, "0201fa56ea01"),
                 std::string(kNlri));
  DecodeContext ctx;  // 2-octet
  const Decoded d = decode_message(wire, ctx);
  ASSERT_EQ(d.error(), nullptr);
  auto p = std::get<Update>(d.body).effective_as_path();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->segments.back().asns.back(), 4200000001u);
  EXPECT_EQ(p->path_length(), 2u);
}

TEST(Prefix, ParseAndPrintCanonical) {
  auto p = Prefix::parse("10.1.2.3/8");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->to_string(), "10.0.0.0/8");
  EXPECT_FALSE(Prefix::parse("10.0.0.0/33"));
  EXPECT_FALSE(Prefix::parse("10.0.0/8"));
  EXPECT_FALSE(Prefix::parse("2001:db8::/129"));
  EXPECT_EQ(Prefix::parse("2001:db8::1/32")->to_string(), "2001:db8::/32");
}

TEST(Nlri, TrailingBitsAreMasked) {
  // /20 with the host bits of the third octet set: 10.1.15.0 -> 10.1.0.0/20.
  const Bytes f = hex("140a010f");
  NlriView v(f, Afi::kIpv4, false);
  EXPECT_EQ(v.begin()->prefix.to_string(), "10.1.0.0/20");
}

TEST(Hex, RejectsGarbage) {
  EXPECT_FALSE(from_hex("0g"));
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_EQ(to_hex(*from_hex("0x DE:ad")), "dead");
}

}  // namespace
}  // namespace cats::wire

namespace cats::wire {
namespace {

// Extended Length only when needed: a built attribute of 400 octets gets it,
// one of 4 octets does not.
TEST(EncodeAttribute, ExtendedLengthOnlyWhenNeeded) {
  Communities many;
  many.values.assign(100, 0xfde80001u);
  Attribute big{attr::kOptional | attr::kTransitive, attr::kCommunities, {}, false, false, true, many};
  Bytes out;
  Writer w(out);
  encode_attribute(w, big, {});
  EXPECT_EQ(to_hex(ByteSpan(out).first(4)), "d0080190");
  EXPECT_EQ(out.size(), 4u + 400u);
  Communities one;
  one.values = {1};
  Attribute small{attr::kOptional | attr::kTransitive, attr::kCommunities, {}, false, false, true, one};
  Bytes out2;
  Writer w2(out2);
  encode_attribute(w2, small, {});
  EXPECT_EQ(to_hex(out2), "c0080400000001");
}

}  // namespace
}  // namespace cats::wire

namespace cats::wire {
namespace {

// RFC 4271 §5 when a route is passed on: Partial on unknown transitive
// attributes, unknown non-transitive and discarded ones gone, CATS-EXP as is.
TEST(Propagation, PartialBitAndDrops) {
  using namespace test;
  const std::string cats_attr = cats(T(2, kL2Eight) + T(99, "dead"));
  const Bytes wire = update_msg(kMandatory + A(0xc0, 200, "0102") + A(0x80, 201, "0304") + A(0x80, 42, "0506") +
                                    A(0x40, 6, "00") + A(0x80, 255, "0000") + cats_attr,
                                std::string(kNlri));
  DecodeContext ctx = as4_ctx();
  ctx.cats_type = 255;
  const Decoded d = decode_message(wire, ctx);
  // The CATS code with flags 0x80 is someone else's (E20) and a duplicate of
  // type 255 follows; the first one is the foreign one, so ours is the duplicate.
  const AttributeSet out = prepare_for_propagation(std::get<Update>(d.body).attrs);
  std::vector<std::pair<int, int>> got;
  for (const auto& a : out.list()) got.emplace_back(a.type, a.flags);
  EXPECT_EQ(got, (std::vector<std::pair<int, int>>{{1, 0x40}, {2, 0x40}, {3, 0x40}, {200, 0xe0}}));
}

TEST(Propagation, CatsExpPassesUnchanged) {
  using namespace test;
  const std::string cats_attr = cats(T(2, kL2Eight) + T(99, "dead"));
  const Bytes wire = update_msg(kMandatory + cats_attr, std::string(kNlri));
  const Decoded d = decode_message(wire, as4_ctx());
  const AttributeSet out = prepare_for_propagation(std::get<Update>(d.body).attrs);
  Bytes enc;
  Writer w(enc);
  encode_path_attributes(w, out, {});
  EXPECT_EQ(to_hex(enc), to_hex(hex(kMandatory + cats_attr)));
}

}  // namespace
}  // namespace cats::wire

namespace cats::wire {
namespace {

TEST(AttributeSet, SetReplacesOrAppendsAndEraseRemoves) {
  using namespace test;
  const Bytes bytes = hex(kMandatory + A(0x40, 5, "00000064"));
  AttributeSet set;
  std::vector<DecodeError> errors;
  decode_path_attributes(bytes, as4_ctx(), set, errors);
  set.set({attr::kTransitive, attr::kLocalPref, {}, false, false, true, LocalPref{200}});
  set.set({attr::kOptional, attr::kMed, {}, false, false, true, Med{7}});
  EXPECT_EQ(set.get<LocalPref>(attr::kLocalPref)->value, 200u);
  EXPECT_EQ(set.get<Med>(attr::kMed)->value, 7u);
  EXPECT_EQ(set.list().size(), 5u);
  set.erase(attr::kLocalPref);
  EXPECT_EQ(set.find(attr::kLocalPref), nullptr);
  EXPECT_EQ(set.get<Med>(attr::kMed)->value, 7u);  // index rebuilt
  EXPECT_EQ(set.list().size(), 4u);
}

}  // namespace
}  // namespace cats::wire

namespace cats::wire {
namespace {

// Found in review: a score metric built from configuration with an empty
// value must not be read past its end.
TEST(CatsScore, BuiltMetricWithoutValueIsIgnored) {
  const std::uint8_t eight[] = {8};
  std::vector<CatsMetric> ms = {
      {cats_metric::kNormFi, cats_metric::kL2Descriptor, {}, {}},
      {cats_metric::kComputeNorm, cats_metric::kL1Descriptor, std::as_bytes(std::span(eight)), {}}};
  EXPECT_EQ(metric_set_score(ms), 8);
}

}  // namespace
}  // namespace cats::wire

namespace cats::wire {
namespace {

// The attribute table as docs/ERROR-HANDLING.md states it: name, expected O/T
// flags and the RFC 7606 action of every recognised code.
struct DescriptorRow {
  std::uint8_t type;
  const char* name;
  std::uint8_t flags;
  Action on_malformed;
};
constexpr Action kWithdraw = Action::kTreatAsWithdraw;
constexpr Action kDiscard = Action::kAttributeDiscard;
constexpr DescriptorRow kDescriptors[] = {
    {1, "ORIGIN", 0x40, kWithdraw},
    {2, "AS_PATH", 0x40, kWithdraw},
    {3, "NEXT_HOP", 0x40, kWithdraw},
    {4, "MULTI_EXIT_DISC", 0x80, kWithdraw},
    {5, "LOCAL_PREF", 0x40, kWithdraw},
    {6, "ATOMIC_AGGREGATE", 0x40, kDiscard},
    {7, "AGGREGATOR", 0xc0, kDiscard},
    {8, "COMMUNITIES", 0xc0, kWithdraw},
    {9, "ORIGINATOR_ID", 0x80, kWithdraw},
    {10, "CLUSTER_LIST", 0x80, kWithdraw},
    {14, "MP_REACH_NLRI", 0x80, Action::kSessionReset},
    {15, "MP_UNREACH_NLRI", 0x80, Action::kSessionReset},
    {16, "EXTENDED_COMMUNITIES", 0xc0, kWithdraw},
    {17, "AS4_PATH", 0xc0, kDiscard},
    {18, "AS4_AGGREGATOR", 0xc0, kDiscard},
    {26, "AIGP", 0x80, kDiscard},
    {32, "LARGE_COMMUNITY", 0xc0, kWithdraw},
};
constexpr DescriptorRow kCatsRow = {0, "CATS-EXP", 0xc0, kWithdraw};

const DescriptorRow* documented(unsigned type, unsigned cats_type) {
  if (type == cats_type) return &kCatsRow;
  for (const auto& r : kDescriptors)
    if (r.type == type) return &r;
  return nullptr;
}

// 255 is CATS-EXP only while it is the session's code; 8 shows the code wins
// over a standard attribute's row.
constexpr unsigned kCatsCodes[] = {255, 254, 42, 8};

TEST(AttributeTable, EveryCodeAsDocumented) {
  for (unsigned c : kCatsCodes) {
    for (unsigned t = 0; t < 256; ++t) {
      SCOPED_TRACE("type " + std::to_string(t) + ", CATS code " + std::to_string(c));
      const auto type = static_cast<std::uint8_t>(t);
      const auto* d = attribute_descriptor(type, static_cast<std::uint8_t>(c));
      const DescriptorRow* want = documented(t, c);
      if (want == nullptr) {
        EXPECT_EQ(d, nullptr);
        EXPECT_STREQ(attribute_name(type, static_cast<std::uint8_t>(c)), t == 42 ? "EDGE_METADATA" : "UNKNOWN");
        continue;
      }
      ASSERT_NE(d, nullptr);
      EXPECT_STREQ(d->name, want->name);
      EXPECT_STREQ(attribute_name(type, static_cast<std::uint8_t>(c)), want->name);
      EXPECT_EQ(d->flags, want->flags);
      EXPECT_EQ(d->on_malformed, want->on_malformed);
      EXPECT_NE(d->decode, nullptr);
      EXPECT_NE(d->encode, nullptr);
    }
  }
}

// The JSON table lives in cats_wire_json; it must describe the same codes.
TEST(AttributeTable, JsonTableHasTheSameRows) {
  for (unsigned c : kCatsCodes) {
    for (unsigned t = 0; t < 256; ++t) {
      SCOPED_TRACE("type " + std::to_string(t) + ", CATS code " + std::to_string(c));
      const auto* d = attribute_descriptor(static_cast<std::uint8_t>(t), static_cast<std::uint8_t>(c));
      const auto* j = attribute_json(static_cast<std::uint8_t>(t), static_cast<std::uint8_t>(c));
      ASSERT_EQ(d == nullptr, j == nullptr);
      if (j != nullptr) {
        EXPECT_NE(j->to_json, nullptr);
        EXPECT_NE(j->from_json, nullptr);
      }
    }
  }
}

// With another CATS code, a CATS-EXP-looking attribute at 255 is unknown:
// kept as bytes and passed on, no error.
TEST(AttributeTable, CatsDescriptorFollowsTheSessionsCode) {
  using namespace test;
  const std::string value = "01000000" + T(2, kL2Eight);
  DecodeContext ctx = as4_ctx();
  ctx.cats_type = 254;
  AttributeSet set;
  std::vector<DecodeError> errors;
  const Bytes bytes = hex(A(0xc0, 255, value) + A(0xc0, 254, value));
  decode_path_attributes(bytes, ctx, set, errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(set.list().size(), 2u);
  EXPECT_FALSE(set.list()[0].recognised);
  EXPECT_NE(set.list()[0].as<Opaque>(), nullptr);
  EXPECT_EQ(set.get<CatsExp>(254)->site_score(), 8);
  EXPECT_EQ(attribute_to_json(set.list()[0], ctx)["name"], "UNKNOWN");
  EXPECT_EQ(attribute_to_json(set.list()[1], ctx)["name"], "CATS-EXP");
}

// One row per attribute: bytes -> value -> JSON, and JSON -> value -> the
// same bytes.
struct JsonRow {
  const char* name;
  std::string attr;    // whole attribute, hex
  std::string fields;  // what the attribute's JSON object holds besides the common fields
  bool as4 = true;
  AddPath add_path{};
  std::uint8_t cats_type = kDefaultCatsType;
};

std::ostream& operator<<(std::ostream& os, const JsonRow& r) {
  return os << r.name;
}

const std::vector<JsonRow>& json_rows() {
  static const std::vector<JsonRow> kRows = {
      {"origin", A(0x40, 1, "01"), R"({"value":"EGP"})"},
      {"as_path", A(0x40, 2, "0202fa56ea0100000064"),
       R"({"segments":[{"type":"AS_SEQUENCE","asns":[4200000001,100]}],"as4":true})"},
      {"as_path_2octet", A(0x40, 2, "0201fde8"), R"({"segments":[{"type":"AS_SEQUENCE","asns":[65000]}],"as4":false})",
       false},
      {"next_hop", A(0x40, 3, "c0000201"), R"({"next_hop":"192.0.2.1"})"},
      {"med", A(0x80, 4, "00000032"), R"({"value":50})"},
      {"local_pref", A(0x40, 5, "00000064"), R"({"value":100})"},
      {"atomic_aggregate", A(0x40, 6, ""), R"({})"},
      {"aggregator", A(0xc0, 7, "fa56ea01c0000201"), R"({"asn":4200000001,"address":"192.0.2.1"})"},
      {"communities", A(0xc0, 8, "fde80064ffffff01"),
       R"({"communities":["65000:100","65535:65281"],"names":["NO_EXPORT"]})"},
      {"originator_id", A(0x80, 9, "0a000001"), R"({"originator_id":"10.0.0.1"})"},
      {"cluster_list", A(0x80, 10, "0a0000010a000002"), R"({"cluster_list":["10.0.0.1","10.0.0.2"]})"},
      {"mp_reach_ipv6",
       A(0x80, 14,
         "00020120"
         "20010db8000000000000000000000001"
         "fe800000000000000000000000000001"
         "00"
         "4020010db800010000"),
       R"({"afi":2,"safi":1,"next_hop":["2001:db8::1","fe80::1"],"nlri":[{"prefix":"2001:db8:1::/64","afi":2,"safi":1}]})"},
      {"mp_reach_other_family", A(0x80, 14, "0001800c00000000000000000000000000"),
       R"({"afi":1,"safi":128,"next_hop_hex":"000000000000000000000000","nlri_hex":""})"},
      {"mp_unreach_addpath",
       A(0x80, 15,
         "00010100000007"
         "18c63364"),
       R"({"afi":1,"safi":1,"withdrawn":[{"prefix":"198.51.100.0/24","afi":1,"safi":1,"path_id":7}]})",
       true,
       {true, false}},
      {"ext_communities",
       A(0xc0, 16,
         "4004fde84e6e6b28"
         "0002fde800000064"),
       R"({"communities":[{"type":64,"subtype":4,"transitive":false,"raw":"4004fde84e6e6b28","link_bandwidth":{"asn":65000,"bytes_per_second":1000000000.0}},{"type":0,"subtype":2,"transitive":true,"raw":"0002fde800000064"}]})"},
      {"as4_path", A(0xc0, 17, "0201fa56ea01"),
       R"({"segments":[{"type":"AS_SEQUENCE","asns":[4200000001]}],"as4":true})", false},
      {"as4_aggregator", A(0xc0, 18, "fa56ea01c0000201"), R"({"asn":4200000001,"address":"192.0.2.1"})", false},
      {"aigp",
       A(0x80, 26,
         "01000b0000000000000014"
         "050005abcd"),
       R"({"tlvs":[{"type":1,"metric":20},{"type":5,"value":"abcd"}]})"},
      {"large_community", A(0xc0, 32, "fa56ea010000000100000002"), R"({"communities":["4200000001:1:2"]})"},
      {"cats_exp", cats(T(1, "01cb00710a") + T(4, "0000002a000a0001") + T(2, kL2Eight) + T(99, "dead")),
       R"({"version":1,"drain":false,"value_flags":0,"tlvs":[{"type":1,"name":"cs-id","id_type":1,"id":"203.0.113.10"},{"type":4,"name":"metric-control","sequence":42,"interval":10,"profile":1},{"type":2,"name":"site-metrics","metrics":[{"metric_type":1,"name":"norm_fi","descriptor":33024,"level":2,"format":"uint","unit":"none","source":"normalisation","statistics":"current","value":8,"value_hex":"08"}],"score":8},{"type":99,"name":"unknown","value":"dead"}],"site_score":8,"warnings":["unknown TLV type 99 kept"]})"},
      {"cats_exp_at_254",
       A(0xc0, 254, "01000000" + T(2, kL2Eight)),
       R"({"version":1,"drain":false,"value_flags":0,"tlvs":[{"type":2,"name":"site-metrics","metrics":[{"metric_type":1,"name":"norm_fi","descriptor":33024,"level":2,"format":"uint","unit":"none","source":"normalisation","statistics":"current","value":8,"value_hex":"08"}],"score":8}],"site_score":8,"warnings":[]})",
       true,
       {},
       254},
      {"cats_exp_other_version", cats("abcd", "02000000"),
       R"({"version":2,"drain":false,"value_flags":0,"opaque":true,"opaque_value":"abcd"})"},
  };
  return kRows;
}

class AttributeJsonRows : public ::testing::TestWithParam<JsonRow> {};

TEST_P(AttributeJsonRows, BytesValueJsonBothWays) {
  const JsonRow& r = GetParam();
  const DecodeContext ctx = decode_ctx(r.as4, r.add_path, r.cats_type);
  const Bytes bytes = hex(r.attr);
  AttributeSet set;
  ASSERT_NO_FATAL_FAILURE(decode_one(bytes, ctx, set));
  const Attribute& a = set.list()[0];
  ASSERT_EQ(a.as<Opaque>(), nullptr);
  const Json fields = Json::parse(r.fields);
  Json want = {{"type_code", a.type},
               {"flags", a.flags},
               {"name", attribute_name(a.type, r.cats_type)},
               {"length", a.raw.size()},
               {"raw", to_hex(a.raw)}};
  want.update(fields);
  EXPECT_EQ(attribute_to_json(a, ctx).dump(), want.dump());

  Arena arena;
  const JsonReader reader(arena);
  const EncodeContext ectx = encode_ctx(r.as4, r.add_path);
  // The fields alone give the value back ("raw" is for what is not decoded).
  Json in = fields;
  in["type_code"] = a.type;
  in["flags"] = a.flags;
  const Attribute back = attribute_from_json(reader, in, "$", ectx, r.cats_type);
  EXPECT_EQ(back.value.index(), a.value.index());
  EXPECT_EQ(encoded(back, ectx), to_hex(bytes));
}

INSTANTIATE_TEST_SUITE_P(Table, AttributeJsonRows, ::testing::ValuesIn(json_rows()),
                         [](const auto& info) { return info.param.name; });

// A row for every descriptor, so a new attribute comes with its JSON form.
TEST(AttributeJsonRows, EveryDescriptorHasARow) {
  std::set<unsigned> covered;
  for (const auto& r : json_rows())
    if (r.cats_type == kDefaultCatsType) covered.insert(std::to_integer<unsigned>(hex(r.attr)[1]));
  for (unsigned t = 0; t < 256; ++t) {
    if (attribute_descriptor(static_cast<std::uint8_t>(t), kDefaultCatsType) != nullptr) {
      EXPECT_EQ(covered.count(t), 1u) << "no JSON row for type " << t;
    }
  }
}

}  // namespace
}  // namespace cats::wire
