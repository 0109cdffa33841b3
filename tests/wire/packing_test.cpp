// UPDATE packing: many prefixes sharing one attribute set, split at the
// negotiated maximum size, with and without ADD-PATH, and every packed message
// decodes back to exactly the prefixes put in.
#include <gtest/gtest.h>

#include "bench/wire_fixtures.hpp"
#include "tests/wire/test_util.hpp"

namespace cats::wire {
namespace {

using namespace test;

std::optional<std::uint32_t> index_path_id(std::size_t i) {
  return static_cast<std::uint32_t>(i);
}

std::vector<NlriEntry> v4_prefixes(std::size_t n, bool path_ids) {
  return bench::v4(n, path_ids ? bench::cycled_path_id : bench::no_path_id);
}

std::vector<NlriEntry> v6_prefixes(std::size_t n, bool path_ids) {
  return bench::v6(n, path_ids ? index_path_id : bench::no_path_id);
}

AttributeSet decoded_attrs(const Bytes& keep, const DecodeContext& ctx) {
  AttributeSet set;
  std::vector<DecodeError> errors;
  decode_path_attributes(keep, ctx, set, errors);
  EXPECT_TRUE(errors.empty());
  return set;
}

struct PackCase {
  const char* name;
  Afi afi;
  std::size_t count;
  bool add_path;
  bool extended;
};
std::ostream& operator<<(std::ostream& os, const PackCase& c) {
  return os << c.name;
}

class Packing : public ::testing::TestWithParam<PackCase> {};

TEST_P(Packing, SplitsAndDecodesBack) {
  const PackCase& c = GetParam();
  DecodeContext dctx = as4_ctx();
  dctx.extended_message = c.extended;
  dctx.add_path.ipv4 = dctx.add_path.ipv6 = c.add_path;
  EncodeContext ectx;
  ectx.extended_message = c.extended;
  ectx.add_path = dctx.add_path;
  const Bytes attr_bytes = hex(kOrigin + kAsPath + (c.afi == Afi::kIpv4 ? kNextHopAttr : "") +
                               cats(T(4, "00000001000a0001") + T(2, kL2Eight)));
  const AttributeSet attrs = decoded_attrs(attr_bytes, dctx);
  const auto in = c.afi == Afi::kIpv4 ? v4_prefixes(c.count, c.add_path) : v6_prefixes(c.count, c.add_path);
  const Bytes nh = hex("20010db8000000000000000000000002");
  const auto packed = pack_announcements(attrs, c.afi, nh, in, ectx);
  ASSERT_TRUE(packed.ok);
  std::vector<NlriEntry> out;
  for (const auto& m : packed.messages) {
    EXPECT_LE(m.size(), ectx.max_message());
    const Decoded d = decode_message(m, dctx);
    ASSERT_EQ(d.error(), nullptr) << d.error()->reason;
    const auto& u = std::get<Update>(d.body);
    EXPECT_EQ(u.attrs.get<CatsExp>(255)->site_score(), 8);
    if (const auto* r = u.mp_reach()) {
      EXPECT_EQ(u.attrs.list().front().type, attr::kMpReach);  // MP_REACH first
      // Extended Length only when the value needs it.
      EXPECT_EQ((u.attrs.list().front().flags & attr::kExtendedLength) != 0, r->nlri.size() + 21 > 255);
      for (const auto& e : r->entries()) out.push_back(e);
    }
    for (const auto& e : u.nlri) out.push_back(e);
  }
  EXPECT_EQ(out, in);
  // Messages are full: all but the last could not take another prefix.
  if (packed.messages.size() > 1) {
    EXPECT_GT(packed.messages.front().size() + encoded_nlri_size(in.front(), c.add_path), ectx.max_message());
  }
}

const PackCase kCases[] = {
    {"ipv4_500", Afi::kIpv4, 500, false, false},     {"ipv4_5000_split", Afi::kIpv4, 5000, false, false},
    {"ipv4_addpath", Afi::kIpv4, 3000, true, false}, {"ipv4_extended", Afi::kIpv4, 20000, false, true},
    {"ipv6_one", Afi::kIpv6, 1, false, false},       {"ipv6_2000_addpath", Afi::kIpv6, 2000, true, false},
    {"ipv6_extended", Afi::kIpv6, 9000, true, true},
};

INSTANTIATE_TEST_SUITE_P(Table, Packing, ::testing::ValuesIn(kCases), [](const auto& i) { return i.param.name; });

TEST(Packing, WithdrawalsBothFamilies) {
  for (Afi afi : {Afi::kIpv4, Afi::kIpv6}) {
    for (bool ap : {false, true}) {
      EncodeContext ectx;
      ectx.add_path.ipv4 = ectx.add_path.ipv6 = ap;
      DecodeContext dctx;
      dctx.add_path = ectx.add_path;
      const auto in = afi == Afi::kIpv4 ? v4_prefixes(2000, ap) : v6_prefixes(2000, ap);
      const auto packed = pack_withdrawals(afi, in, ectx);
      std::vector<NlriEntry> out;
      for (const auto& m : packed.messages) {
        EXPECT_LE(m.size(), 4096u);
        const Decoded d = decode_message(m, dctx);
        ASSERT_EQ(d.error(), nullptr) << d.error()->reason;
        const auto& u = std::get<Update>(d.body);
        for (const auto& e : u.withdrawn) out.push_back(e);
        if (const auto* w = u.mp_unreach())
          for (const auto& e : w->entries()) out.push_back(e);
      }
      EXPECT_EQ(out, in);
    }
  }
}

TEST(Packing, AttributesTooLargeIsReported) {
  const Bytes big = hex(kMandatory + A(0xd0, 200, std::string(std::size_t{2} * 4100, 'b')));
  const AttributeSet attrs = decoded_attrs(big, as4_ctx());
  const auto packed = pack_announcements(attrs, Afi::kIpv4, {}, v4_prefixes(1, false), {});
  EXPECT_FALSE(packed.ok);
  EXPECT_TRUE(packed.messages.empty());
}

TEST(Packing, EndOfRib) {
  EXPECT_EQ(to_hex(end_of_rib_message(Afi::kIpv4)), "ffffffffffffffffffffffffffffffff00170200000000");
  EXPECT_EQ(to_hex(end_of_rib_message(Afi::kIpv6)), "ffffffffffffffffffffffffffffffff001d0200000006800f03000201");
  for (Afi afi : {Afi::kIpv4, Afi::kIpv6}) {
    const Bytes m = end_of_rib_message(afi);
    const Decoded d = decode_message(m, {});
    ASSERT_EQ(d.error(), nullptr);
    EXPECT_EQ(std::get<Update>(d.body).end_of_rib()->afi, static_cast<std::uint16_t>(afi));
  }
}

}  // namespace
}  // namespace cats::wire
