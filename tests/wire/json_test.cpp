// JSON contract (docs/DECODE-JSON.md): field names and types stay stable, and
// decode -> JSON -> encode gives back the same octets.
#include "bgp-ext/wire/json.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/wire/test_util.hpp"

namespace cats::wire {
namespace {

using namespace test;

TEST(Json, UpdateContract) {
  const Bytes wire = hex(
      "ffffffffffffffffffffffffffffffff0040020000002440010100400200400304c000020140050400000064c0ff0c0100000002000501"
      "0381000820cb00710a");
  const Decoded d = decode_message(wire, as4_ctx());
  const Json j = to_json(d, as4_ctx());
  EXPECT_EQ(j["type"], "UPDATE");
  EXPECT_EQ(j["length"], 64);
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_TRUE(j["withdrawn"].is_array());
  EXPECT_EQ(j["nlri"][0]["prefix"], "203.0.113.10/32");
  EXPECT_FALSE(j["nlri"][0].contains("path_id"));
  const auto& c = j["attributes"][4];
  EXPECT_EQ(c["type_code"], 255);
  EXPECT_EQ(c["flags"], 192);
  EXPECT_EQ(c["name"], "CATS-EXP");
  EXPECT_EQ(c["raw"], "010000000200050103810008");
  EXPECT_EQ(c["site_score"], 8);
  EXPECT_EQ(c["tlvs"][0]["name"], "site-metrics");
  EXPECT_EQ(c["tlvs"][0]["metrics"][0]["name"], "norm_fi");
  EXPECT_EQ(c["tlvs"][0]["metrics"][0]["level"], 2);
  EXPECT_EQ(c["tlvs"][0]["metrics"][0]["value"], 8);
}

TEST(Json, ErrorObject) {
  const Bytes wire = hex(
      "ffffffffffffffffffffffffffffffff003b020000002440010100400200400304c000020140050400000064c0ff0c010000000200090103"
      "810008");
  const Json j = to_json(decode_message(wire, as4_ctx()), as4_ctx());
  EXPECT_EQ(j["error"]["action"], "session-reset");
  EXPECT_EQ(j["error"]["code"], 3);
  EXPECT_EQ(j["error"]["subcode"], 9);
  EXPECT_EQ(j["error"]["attribute"], 255);
  EXPECT_EQ(j["error"]["data"], "c0ff0c010000000200090103810008");
  EXPECT_EQ(j["errors"].size(), 1u);
}

// Decode -> JSON -> encode over a set of messages covering every attribute.
TEST(Json, RoundTripThroughJson) {
  const std::vector<std::string> messages = {
      std::string(
          "ffffffffffffffffffffffffffffffff005001045ba0005ac00002013302310104000100010104000200010200460006004104fa"
          "56ea0145080001010300020103400a005a0001018000020180ef0101"),
      std::string("ffffffffffffffffffffffffffffffff0016030602"
                  "00"),
      std::string("ffffffffffffffffffffffffffffffff0017050002010"
                  "1"),
  };
  std::vector<Bytes> all;
  all.reserve(messages.size() + 2);  // and the two UPDATEs below
  for (const auto& m : messages) all.push_back(hex(m));
  // An UPDATE with every attribute type we decode.
  all.push_back(update_msg(kOrigin + A(0x40, 2, "0202fa56ea0100000064") + kNextHopAttr + A(0x80, 4, "00000001") +
                               A(0x40, 5, "00000064") + A(0x40, 6, "") + A(0xc0, 7, "fa56ea01c0000201") +
                               A(0xc0, 8, "fde80064") + A(0x80, 9, "0a000001") + A(0x80, 10, "0a000001") +
                               A(0xc0, 16, "0004fde84e6e6b28") + A(0x80, 26, "01000b0000000000000014") +
                               A(0xc0, 32, "000000010000000200000003") + A(0xe0, 201, "abcd") + A(0x80, 42, "0001") +
                               cats(T(1, "01cb00710a") + T(4, "0000002a000a0001") +
                                    T(2, kL2Eight + M(16, "2440", "400ccccd") + M(200, "0000", "abcd")) +
                                    T(3,
                                      "0200"
                                      "20010db8000500000000000000000001" +
                                          M(2, "4100", "07")) +
                                    T(99, "dead")),
                           std::string(kNlri), "18c63364"));
  all.push_back(update_msg(kOrigin + kAsPath +
                           A(0x80, 14,
                             "00020120"
                             "20010db8000000000000000000000001"
                             "fe800000000000000000000000000001"
                             "00"
                             "4020010db800010000") +
                           A(0x80, 15,
                             "000201"
                             "4020010db800020000") +
                           cats("00", "02000000")));
  for (const auto& wire : all) {
    const Decoded d = decode_message(wire, as4_ctx());
    ASSERT_EQ(d.error(), nullptr) << d.error()->reason << " in " << to_hex(wire);
    const Json j = to_json(d, as4_ctx());
    const Bytes again = encode_json_message(Json::parse(j.dump()), EncodeContext{}, 255, 239);
    EXPECT_EQ(to_hex(again), to_hex(wire)) << j.dump();
  }
}

TEST(Json, EncodeErrorsNameThePath) {
  auto fails_with = [](const std::string& text, const std::string& needle) {
    try {
      encode_json_message(Json::parse(text), {}, 255, 239);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const JsonError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  fails_with(R"({"type":"UPDATE","nlri":[{"prefix":"10.0.0.0/33"}]})", "$.nlri[0].prefix");
  fails_with(R"({"type":"UPDATE","attributes":[{"type_code":1,"flags":64,"value":"BOGUS"}]})", "$.attributes[0].value");
  fails_with(R"({"type":"UPDATE","attributes":[{"type_code":5,"flags":64}]})", "missing field \"value\"");
  fails_with(R"({"type":"UPDATE","attributes":[{"type_code":200,"flags":192,"raw":"xyz"}]})", "invalid hex");
  fails_with(R"({"type":"HELLO"})", "unknown message type");
  fails_with(R"([1])", "expected an object");
}

// Hand-written JSON (no raw, no lengths) is how authors build test messages.
TEST(Json, HandWrittenUpdate) {
  const Json j = Json::parse(R"({
    "type": "UPDATE",
    "nlri": [{"prefix": "203.0.113.10/32"}],
    "attributes": [
      {"type_code": 1, "flags": 64, "value": "IGP"},
      {"type_code": 2, "flags": 64, "segments": []},
      {"type_code": 3, "flags": 64, "next_hop": "192.0.2.1"},
      {"type_code": 5, "flags": 64, "value": 100},
      {"type_code": 255, "flags": 192, "version": 1, "drain": false,
       "tlvs": [{"type": 2, "metrics": [{"metric_type": 1, "descriptor": 33024, "value": 8}]}]}
    ]})");
  EncodeContext ectx;
  EXPECT_EQ(
      to_hex(encode_json_message(j, ectx, 255, 239)),
      "ffffffffffffffffffffffffffffffff0040020000002440010100400200400304c000020140050400000064c0ff0c0100000002000501"
      "0381000820cb00710a");  // TV1
}

}  // namespace
}  // namespace cats::wire

namespace cats::wire {
namespace {

// Found by fuzz_message: a shutdown communication that is not UTF-8 made the
// JSON serializer throw. Wire text is now made valid (U+FFFD) before it goes
// into JSON; the same for FQDN host and domain names.
TEST(Json, InvalidUtf8FromTheWire) {
  const Bytes notif = test::hex(
      "ffffffffffffffffffffffffffffffff004a0306040718006100009fedb50db800050000000000000000000000000000000001290341ffff"
      "0303"
      "41000903001c020020001420cb00710a");
  const Decoded d = decode_message(notif, {});
  const Json j = to_json(d, {});
  std::string text;
  ASSERT_NO_THROW(text = j.dump());
  EXPECT_NE(j["shutdown_communication"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos);

  const std::string fqdn =
      "4907"
      "03"
      "61ff62"
      "02"
      "c3a9";  // host "a\xffb", domain "é"
  const std::string params =
      "02"
      "09" +
      fqdn;
  const Bytes open = test::hex(
      "ffffffffffffffffffffffffffffffff"
      "0028"
      "01"
      "04fde8005ac0000201"
      "0b" +
      params);
  const Decoded o = decode_message(open, {});
  ASSERT_EQ(o.error(), nullptr) << o.error()->reason;
  const Json oj = to_json(o, {});
  ASSERT_NO_THROW(text = oj.dump());
  EXPECT_EQ(oj["capabilities"][0]["hostname"],
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(oj["capabilities"][0]["domain"], "\xC3\xA9");
}

}  // namespace
}  // namespace cats::wire
