// Prints encoder output, one message as hex per line, for the independent
// decoders (tshark, scapy): every message type, packed UPDATEs for both
// families with a CATS-EXP attribute, withdrawals and End-of-RIB.
// `wire_samples --add-path` emits the ADD-PATH variants instead.
#include <iostream>
#include <string>

#include "bgp-ext/wire/message.hpp"

using namespace cats::wire;

namespace {

std::vector<NlriEntry> prefixes(Afi afi, std::size_t n, bool add_path) {
  std::vector<NlriEntry> out;
  for (std::size_t i = 0; i < n; ++i) {
    Prefix p;
    p.afi = afi;
    if (afi == Afi::kIpv4) {
      p.length = static_cast<std::uint8_t>(i % 3 == 0 ? 32 : 24);
      p.addr = {198, 18, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(p.length == 32 ? i : 0)};
      p.addr[2] = static_cast<std::uint8_t>(i);
      if (p.length == 32) p.addr[3] = static_cast<std::uint8_t>(1 + i % 250);
    } else {
      p.length = static_cast<std::uint8_t>(i % 2 == 0 ? 128 : 64);
      p.addr = {0x20, 0x01, 0x0d, 0xb8, 0xca, 0xfe, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
      if (p.length == 128) p.addr[15] = 0x10;
    }
    out.push_back({p, add_path ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(i % 4 + 1)) : std::nullopt});
  }
  return out;
}

const std::uint8_t kL2[] = {8};
const std::uint8_t kL1[] = {6};
const std::uint8_t kCsci[] = {0x20, 0x01, 0x0d, 0xb8, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

CatsExp cats_attr() {
  CatsExp c;
  CatsTlv control{cats_tlv::kMetricControl, {}, {}, CatsMetricControl{42, 10, 1}};
  CatsTlv site{cats_tlv::kSiteMetrics,
               {},
               {},
               CatsSiteMetrics{
                   {CatsMetric{cats_metric::kNormFi, cats_metric::kL2Descriptor, std::as_bytes(std::span(kL2)), {}}}}};
  CatsContactInstance ci;
  ci.id = {2, std::as_bytes(std::span(kCsci))};
  ci.metrics.push_back({cats_metric::kComputeNorm, cats_metric::kL1Descriptor, std::as_bytes(std::span(kL1)), {}});
  CatsTlv inst{cats_tlv::kContactInstance, {}, {}, ci};
  c.tlvs = {control, site, inst};
  return c;
}

AttributeSet route_attrs(bool with_next_hop) {
  AttributeSet s;
  s.add({attr::kTransitive, attr::kOrigin, {}, false, false, true, Origin{0}});
  AsPath p;
  p.segments.push_back({SegmentType::kSequence, {4200000001u, 65000}});
  s.add({attr::kTransitive, attr::kAsPath, {}, false, false, true, p});
  if (with_next_hop) s.add({attr::kTransitive, attr::kNextHop, {}, false, false, true, NextHop{{192, 0, 2, 1}}});
  s.add({attr::kOptional, attr::kMed, {}, false, false, true, Med{10}});
  s.add({attr::kTransitive, attr::kLocalPref, {}, false, false, true, LocalPref{100}});
  ExtCommunities ec;
  ec.values.push_back(LinkBandwidth{true, 65000, 1e9f}.to_community());
  s.add({attr::kOptional | attr::kTransitive, attr::kExtCommunities, {}, false, false, true, ec});
  s.add({attr::kOptional | attr::kTransitive, kDefaultCatsType, {}, false, false, true, cats_attr()});
  return s;
}

void print(const Bytes& b) {
  std::cout << to_hex(b) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  const bool ap = argc > 1 && std::string(argv[1]) == "--add-path";
  EncodeContext ctx;
  ctx.as4 = true;
  ctx.add_path.ipv4 = ctx.add_path.ipv6 = ap;

  Open o;
  o.my_as = kAsTrans;
  o.hold_time = 90;
  o.bgp_id = {192, 0, 2, 1};
  OptionalParameter p;
  p.capabilities.push_back({cap::kMultiprotocol, {}, MultiprotocolCap{1, 0, 1}, false});
  p.capabilities.push_back({cap::kMultiprotocol, {}, MultiprotocolCap{2, 0, 1}, false});
  p.capabilities.push_back({cap::kRouteRefresh, {}, {}, false});
  p.capabilities.push_back({cap::kEnhancedRouteRefresh, {}, {}, false});
  p.capabilities.push_back({cap::kAs4, {}, As4Cap{4200000001u}, false});
  p.capabilities.push_back({cap::kAddPath, {}, AddPathCap{{{1, 1, 3}, {2, 1, 3}}}, false});
  p.capabilities.push_back(
      {cap::kGracefulRestart, {}, GracefulRestartCap{0, 120, {{1, 1, 0x80}, {2, 1, 0x80}}}, false});
  p.capabilities.push_back({cap::kFqdn, {}, FqdnCap{"edge1", "example.net"}, false});
  p.capabilities.push_back({kDefaultCatsCapability, {}, CatsCap{1}, false});
  o.parameters.push_back(p);
  print(encode_message(o, ctx));
  print(make_keepalive());
  print(encode_message(RouteRefresh{1, 1, 1}, ctx));
  print(encode_message(RouteRefresh{1, 2, 1}, ctx));
  print(make_shutdown_notification(2, "maintenance"));

  const Bytes nh6 = *from_hex("20010db8000000000000000000000002fe800000000000000000000000000002");
  for (const auto& m :
       pack_announcements(route_attrs(true), Afi::kIpv4, {}, prefixes(Afi::kIpv4, 1200, ap), ctx).messages)
    print(m);
  for (const auto& m :
       pack_announcements(route_attrs(false), Afi::kIpv6, nh6, prefixes(Afi::kIpv6, 700, ap), ctx).messages)
    print(m);
  for (const auto& m :
       pack_announcements(route_attrs(false), Afi::kIpv6, std::span(nh6).first(16), prefixes(Afi::kIpv6, 3, ap), ctx)
           .messages)
    print(m);
  for (Afi afi : {Afi::kIpv4, Afi::kIpv6}) {
    for (const auto& m : pack_withdrawals(afi, prefixes(afi, 900, ap), ctx).messages) print(m);
    print(end_of_rib_message(afi));
  }
  return 0;
}
