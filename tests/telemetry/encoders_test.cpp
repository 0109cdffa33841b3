// BMP and MRT encoders against hand-written octets (RFC 7854, RFC 9069,
// RFC 6396, RFC 8050), and the UPDATEs built from stored attributes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "catsd/telemetry/bmp_message.hpp"
#include "catsd/telemetry/mrt_message.hpp"
#include "catsd/telemetry/route_update.hpp"

namespace cats::telemetry {
namespace {

wire::Bytes hex(std::string h) {
  std::erase(h, ' ');
  wire::Bytes out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<std::byte>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

std::string to_hex(const wire::Bytes& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    s += d[static_cast<unsigned>(x) >> 4];
    s += d[static_cast<unsigned>(x) & 15];
  }
  return s;
}

const auto kT = std::chrono::system_clock::time_point{std::chrono::seconds{0x5f000000} + std::chrono::microseconds{7}};

PeerHeader peer() {
  PeerHeader h;
  h.address = bmp_address(hex("c0000201"));
  h.asn = 65001;
  h.bgp_id = 0x0a000001;
  h.time = kT;
  return h;
}

// ORIGIN IGP, AS_PATH empty, NEXT_HOP 192.0.2.1, CATS-EXP (255) with two octets.
const std::string kAttrs4 = "400101 00 400200 40030 4c0000201 c0ff02 abcd";
// ORIGIN IGP, MP_REACH_NLRI IPv6 with next hop 2001:db8::1 and no NLRI (the RIB's canonical form), CATS-EXP.
const std::string kAttrs6 = "400101 00 800e15 0002 01 10 20010db8000000000000000000000001 00 c0ff02 abcd";

struct Case {
  const char* name;
  wire::Bytes got;
  std::string want;
};

std::vector<Case> cases() {
  const auto upd4 = announcement({1, 1}, *wire::Prefix::parse("203.0.113.10/32"), std::nullopt, hex(kAttrs4));
  return {
      {"bmp initiation", bmp_initiation({{bmp::kInfoSysName, "r1"}}), "03 0000000c 04 0002 0002 7231"},
      {"bmp termination", bmp_termination("x"), "03 00000011 05 0000 0001 78 0001 0002 0000"},
      {"bmp route monitoring (per-peer header)", bmp_route_monitoring(peer(), hex("aa")),
       "03 00000031 00 00 00 0000000000000000 000000000000000000000000c0000201"
       "0000fde9 0a000001 5f000000 00000007 aa"},
      {"bmp peer down, remote NOTIFICATION", bmp_peer_down(peer(), bmp::kDownRemoteNotification, hex("bb")),
       "03 00000032 02 00 00 0000000000000000 000000000000000000000000c0000201"
       "0000fde9 0a000001 5f000000 00000007 03 bb"},
      {"bmp statistics: a counter and a gauge", bmp_statistics(peer(), {{0, 3, false}, {7, 4, true}}),
       "03 00000048 01 00 00 0000000000000000 000000000000000000000000c0000201"
       "0000fde9 0a000001 5f000000 00000007 00000002 0000 0004 00000003 0007 0008 0000000000000004"},
      {"update: IPv4 announcement keeps CATS-EXP", upd4.value(),
       "ffffffffffffffffffffffffffffffff 002f 02 0000 0013 " + kAttrs4 + " 20 cb00710a"},
      {"update: IPv6 NLRI appended to MP_REACH_NLRI, with a path id",
       announcement({2, 1}, *wire::Prefix::parse("2001:db8:cafe::/48"), 7, hex(kAttrs6)).value(),
       "ffffffffffffffffffffffffffffffff 0043 02 0000 002c 400101 00 800e20 0002 01 10 "
       "20010db8000000000000000000000001 00 00000007 30 20010db8cafe c0ff02 abcd"},
      {"update: IPv6 withdrawal", withdrawal({2, 1}, *wire::Prefix::parse("2001:db8::/32"), std::nullopt),
       "ffffffffffffffffffffffffffffffff 0022 02 0000 000b 800f08 0002 01 20 20010db8"},
      {"mrt: MP_REACH_NLRI cut to next hop (RFC 6396 4.3.4)", mrt_attributes(hex(kAttrs6)).value(),
       "400101 00 800e11 10 20010db8000000000000000000000001 c0ff02 abcd"},
      {"mrt: peer index table",
       mrt_peer_index(kT, 0x0a000001, "v", {{0x0a000002, MrtAddress::from(hex("c0000201")), 65001}}),
       "5f000000 000d 0001 00000016 0a000001 0001 76 0001 02 0a000002 c0000201 0000fde9"},
      {"mrt: RIB_IPV4_UNICAST_ADDPATH",
       [] {
         const auto a = hex("400101 00");
         const MrtRibEntry e{1, 0x5f000000, 9, a};
         return mrt_rib(kT, 3, {1, 1}, *wire::Prefix::parse("10.0.0.0/8"), true, std::span(&e, 1));
       }(),
       "5f000000 000d 0008 00000018 00000003 08 0a 0001 0001 5f000000 00000009 0004 40010100"},
      {"mrt: BGP4MP_ET STATE_CHANGE_AS4",
       mrt_state_change(kT, {65001, 65000, MrtAddress::from(hex("c0000201")), MrtAddress::from(hex("c0000202"))},
                        mrt::kOpenConfirm, mrt::kEstablished),
       "5f000000 0011 0005 0000001c 00000007 0000fde9 0000fde8 0000 0001 c0000201 c0000202 0005 0006"},
      {"mrt: BGP4MP_ET MESSAGE_AS4_ADDPATH",
       mrt_message(kT, {65001, 65000, MrtAddress::from(hex("c0000201")), MrtAddress::from(hex("c0000202"))}, true,
                   hex("cc")),
       "5f000000 0011 0009 00000019 00000007 0000fde9 0000fde8 0000 0001 c0000201 c0000202 cc"},
  };
}

TEST(TelemetryEncoders, OctetsAsWritten) {
  for (const auto& c : cases()) EXPECT_EQ(to_hex(c.got), to_hex(hex(c.want))) << c.name;
}

TEST(TelemetryEncoders, MalformedAttributesRefused) {
  EXPECT_FALSE(announcement({1, 1}, *wire::Prefix::parse("10.0.0.0/8"), std::nullopt, hex("4001")));
  EXPECT_FALSE(mrt_attributes(hex("800e02 0002")));
}

}  // namespace
}  // namespace cats::telemetry
