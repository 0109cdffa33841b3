// Header, OPEN, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH: raw bytes paired
// with the decoded message, both directions.
#include <gtest/gtest.h>

#include "tests/wire/test_util.hpp"

namespace cats::wire {
namespace {

using namespace test;

const std::string kMarker = "ffffffffffffffffffffffffffffffff";

Decoded decode_hex(const std::string& h, DecodeContext ctx = {}) {
  static Bytes keep;  // decoded views borrow from it
  keep = hex(h);
  return decode_message(keep, ctx);
}

struct HeaderRow {
  const char* name;
  std::string wire;
  int subcode;
  bool extended = false;
};
std::ostream& operator<<(std::ostream& os, const HeaderRow& r) {
  return os << r.name;
}

const HeaderRow kHeaderRows[] = {
    {"bad_marker",
     "ffffffffffffffffffffffffffffff00"
     "001304",
     1},
    {"length_below_19", kMarker + "001204", 2},
    {"keepalive_length_20", kMarker + "00140400", 2},
    {"open_too_short",
     kMarker + "001c01"
               "045ba0005ac0000201",
     2},
    {"update_too_short",
     kMarker + "001602"
               "000000",
     2},
    {"notification_too_short",
     kMarker + "001403"
               "06",
     2},
    {"unknown_type_6", kMarker + "001306", 3},
    {"unknown_type_0", kMarker + "001300", 3},
    {"short_buffer", "ffffffff", 2},
};

class HeaderErrors : public ::testing::TestWithParam<HeaderRow> {};

TEST_P(HeaderErrors, SessionReset) {
  const auto& r = GetParam();
  const Decoded d = decode_hex(r.wire);
  ASSERT_NE(d.error(), nullptr);
  EXPECT_EQ(d.error()->action, Action::kSessionReset);
  EXPECT_EQ(d.error()->code, 1);
  EXPECT_EQ(d.error()->subcode, r.subcode) << d.error()->reason;
}

INSTANTIATE_TEST_SUITE_P(Table, HeaderErrors, ::testing::ValuesIn(kHeaderRows),
                         [](const auto& i) { return i.param.name; });

TEST(Header, BadLengthCarriesTheLengthField) {
  const Decoded d = decode_hex(kMarker + "001204");
  EXPECT_EQ(to_hex(d.error()->data), "0012");
  const Decoded t = decode_hex(kMarker + "001307");
  EXPECT_EQ(to_hex(t.error()->data), "07");
}

// E32: an UPDATE over 4096 octets needs Extended Message.
TEST(Header, ExtendedMessage) {
  const std::string attrs = kMandatory + A(0xd0, 200, std::string(std::size_t{2} * 5000, 'a'));
  const Bytes big = update_msg(attrs, std::string(kNlri));
  ASSERT_GT(big.size(), 4096u);
  DecodeContext ctx = as4_ctx();
  Decoded d = decode_message(big, ctx);
  ASSERT_NE(d.error(), nullptr);
  EXPECT_EQ(d.error()->subcode, notify::kBadLength);
  ctx.extended_message = true;
  d = decode_message(big, ctx);
  EXPECT_EQ(d.error(), nullptr);
  // OPEN stays at 4096 even then.
  const Bytes open = hex(kMarker +
                         "1001"
                         "01" +
                         std::string(std::size_t{2} * (4097 - 19), '0'));
  EXPECT_EQ(decode_message(open, ctx).error()->subcode, notify::kBadLength);
}

TEST(Header, PeekLengthForFraming) {
  EXPECT_FALSE(peek_length(hex(kMarker)));
  EXPECT_EQ(peek_length(hex(kMarker + "001304")), 19u);
}

TEST(Keepalive, RoundTrip) {
  const Bytes k = make_keepalive();
  EXPECT_EQ(to_hex(k), kMarker + "001304");
  const Decoded d = decode_message(k, {});
  EXPECT_EQ(d.error(), nullptr);
  EXPECT_TRUE(std::holds_alternative<Keepalive>(d.body));
}

TEST(Notification, CeaseWithShutdownCommunication) {
  const Bytes n = make_shutdown_notification(2, "maintenance window");
  const Decoded d = decode_message(n, {});
  ASSERT_EQ(d.error(), nullptr);
  const auto& m = std::get<Notification>(d.body);
  EXPECT_EQ(m.code, 6);
  EXPECT_EQ(m.subcode, 2);
  EXPECT_EQ(m.shutdown_communication(), "maintenance window");
  EXPECT_EQ(to_hex(encode_message(m, {})), to_hex(n));
}

TEST(Notification, NamesForEveryCode) {
  EXPECT_STREQ(notify::code_name(3), "UPDATE Message Error");
  EXPECT_STREQ(notify::subcode_name(3, 11), "Malformed AS_PATH");
  EXPECT_STREQ(notify::subcode_name(2, 7), "Unsupported Capability");
  EXPECT_STREQ(notify::subcode_name(6, 9), "Hard Reset");
  EXPECT_STREQ(notify::subcode_name(6, 8), "Out of Resources");
  EXPECT_STREQ(notify::subcode_name(5, 3), "Receive Unexpected Message in Established State");
  EXPECT_STREQ(notify::subcode_name(7, 1), "Invalid Message Length");
  EXPECT_STREQ(notify::subcode_name(9, 1), "Unknown");
}

TEST(RouteRefresh, SubtypesAndRoundTrip) {
  for (int st : {0, 1, 2}) {
    const Bytes b = encode_message(RouteRefresh{2, static_cast<std::uint8_t>(st), 1}, {});
    const Decoded d = decode_message(b, {});
    ASSERT_EQ(d.error(), nullptr);
    EXPECT_EQ(std::get<RouteRefresh>(d.body).subtype, st);
    EXPECT_EQ(std::get<RouteRefresh>(d.body).afi, 2);
  }
  EXPECT_STREQ(route_refresh_subtype_name(1), "BoRR");
  EXPECT_STREQ(route_refresh_subtype_name(2), "EoRR");
}

// E33: a ROUTE-REFRESH of the wrong size.
TEST(RouteRefresh, WrongLength) {
  const std::string rr = kMarker +
                         "001805"
                         "0001000100";
  DecodeContext ctx;
  EXPECT_EQ(decode_hex(rr, ctx).error()->code, notify::kHeader);
  ctx.enhanced_route_refresh = true;
  const Decoded d = decode_hex(rr, ctx);
  EXPECT_EQ(d.error()->code, notify::kRouteRefresh);
  EXPECT_EQ(d.error()->subcode, 1);
}

std::string open_msg(const std::string& body) {
  const std::size_t len = 19 + body.size() / 2;
  return kMarker + hex_byte(static_cast<unsigned>(len >> 8)) + hex_byte(static_cast<unsigned>(len & 0xff)) + "01" +
         body;
}

TEST(Open, ErrorsByField) {
  struct Case {
    std::string body;
    int subcode;
  };
  const Case cases[] = {
      {"03"
       "fde8"
       "005a"
       "c0000201"
       "00",
       notify::kUnsupportedVersion},
      {"04"
       "fde8"
       "0002"
       "c0000201"
       "00",
       notify::kUnacceptableHold},
      {"04"
       "fde8"
       "005a"
       "00000000"
       "00",
       notify::kBadBgpId},
      {"04"
       "fde8"
       "005a"
       "c0000201"
       "04"
       "01020304",
       notify::kUnsupportedOptParam},
      {"04"
       "fde8"
       "005a"
       "c0000201"
       "05"
       "0203010400",
       notify::kOpenUnspecific},  // capability overrun
      {"04"
       "fde8"
       "005a"
       "c0000201"
       "06"
       "020441020001",
       notify::kOpenUnspecific},  // 4-octet AS len 2
      {"04"
       "fde8"
       "005a"
       "c0000201"
       "09"
       "0201020304050607",
       notify::kOpenUnspecific},  // length mismatch
  };
  for (const auto& c : cases) {
    const Decoded d = decode_hex(open_msg(c.body));
    ASSERT_NE(d.error(), nullptr) << c.body;
    EXPECT_EQ(d.error()->code, notify::kOpen) << c.body;
    EXPECT_EQ(d.error()->subcode, c.subcode) << c.body << ": " << d.error()->reason;
  }
  // Version error carries the version we support.
  EXPECT_EQ(to_hex(decode_hex(open_msg("03fde8005ac000020100")).error()->data), "0004");
}

TEST(Open, CapabilitiesRoundTrip) {
  // MP v4, FQDN, GR with R and N set, unknown capability 200, ADD-PATH with an invalid tuple (E31).
  const std::string caps =
      "010400010001"
      "4909"
      "0472747231"
      "03636f6d"
      "4006c07800010180"
      "c80201ff"
      "4508"
      "00010103"
      "00020107";
  const std::string params = "02" + hex_byte(static_cast<unsigned>(caps.size() / 2)) + caps;
  const std::string body = "04fde8005ac0000201" + hex_byte(static_cast<unsigned>(params.size() / 2)) + params;
  const Bytes wire = hex(open_msg(body));
  const Decoded d = decode_message(wire, {});
  ASSERT_EQ(d.error(), nullptr) << d.error()->reason;
  const auto& o = std::get<Open>(d.body);
  const auto& f = std::get<FqdnCap>(o.find(cap::kFqdn)->value);
  EXPECT_EQ(f.hostname, "rtr1");
  EXPECT_EQ(f.domain, "com");
  const auto& gr = std::get<GracefulRestartCap>(o.find(cap::kGracefulRestart)->value);
  EXPECT_TRUE(gr.restarted());
  EXPECT_TRUE(gr.notification());
  EXPECT_EQ(gr.restart_time, 120);
  EXPECT_EQ(o.find(200)->raw.size(), 2u);
  EXPECT_EQ(std::get<AddPathCap>(o.find(cap::kAddPath)->value).families[1].send_receive, 7);
  EXPECT_EQ(o.asn(), 65000u);
  EXPECT_EQ(to_hex(encode_message(o, {})), to_hex(wire));
}

TEST(Open, Rfc9072ExtendedParameters) {
  // Non-Ext OP Len 255, Non-Ext OP Type 255, 2-octet length, parameters with 2-octet lengths.
  const std::string caps = "0104000100010200";
  const std::string param =
      "02"
      "0008" +
      caps;
  const std::string body =
      "04fde8005ac0000201"
      "ff"
      "ff"
      "000b" +
      param;
  const Bytes wire = hex(open_msg(body));
  const Decoded d = decode_message(wire, {});
  ASSERT_EQ(d.error(), nullptr) << d.error()->reason;
  const auto& o = std::get<Open>(d.body);
  EXPECT_TRUE(o.extended_parameters);
  EXPECT_EQ(o.capabilities().size(), 2u);
  EXPECT_EQ(to_hex(encode_message(o, {})), to_hex(wire));
}

}  // namespace
}  // namespace cats::wire

namespace cats::wire {
namespace {

// RFC 9072: an OPEN whose parameters do not fit 255 octets switches to the
// extended encoding by itself, and decodes back (found in review: lengths
// used to be truncated to one octet).
TEST(Open, LargeParametersUseRfc9072) {
  Open o;
  o.my_as = 65000;
  o.hold_time = 90;
  o.bgp_id = {192, 0, 2, 1};
  OptionalParameter p;
  for (std::uint16_t afi = 1; afi <= 50; ++afi)
    p.capabilities.push_back({cap::kMultiprotocol, {}, MultiprotocolCap{afi, 0, 1}, false});
  o.parameters.push_back(p);
  const Bytes wire = encode_message(o, {});
  EXPECT_EQ(wire.size(), 19u + 10u + 3u + 50u * 6u + 3u);
  const Decoded d = decode_message(wire, {});
  ASSERT_EQ(d.error(), nullptr) << d.error()->reason;
  const auto& back = std::get<Open>(d.body);
  EXPECT_TRUE(back.extended_parameters);
  EXPECT_EQ(back.capabilities().size(), 50u);
  // A small OPEN keeps the classic encoding.
  o.parameters[0].capabilities.resize(2);
  const Decoded small = decode_message(encode_message(o, {}), {});
  ASSERT_EQ(small.error(), nullptr);
  EXPECT_FALSE(std::get<Open>(small.body).extended_parameters);
}

}  // namespace
}  // namespace cats::wire

namespace cats::wire {
namespace {

// Found in review: NOTIFICATION data quoting a large message is cut so the
// NOTIFICATION itself is a valid message of at most 4096 octets.
TEST(Notification, LargeDataIsCut) {
  const Bytes big(70000, std::byte{0xab});
  const Bytes n = make_notification(notify::kRouteRefresh, 1, big);
  EXPECT_EQ(n.size(), 4096u);
  const Decoded d = decode_message(n, {});
  ASSERT_EQ(d.error(), nullptr);
  EXPECT_EQ(std::get<Notification>(d.body).data.size(), 4096u - 21u);
}

}  // namespace
}  // namespace cats::wire
