// Capability negotiation, table-driven: one row per rule. Peer OPENs are
// written as wire bytes and decoded with the codec, so every row also checks
// that the bytes mean what the row says.
#include "bgp-ext/session/negotiate.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "bgp-ext/wire/message.hpp"

namespace cats::session {
namespace {

using wire::Bytes;

// ---- hex helpers ----------------------------------------------------------

Bytes hex(std::string_view s) {
  auto b = wire::from_hex(s);
  EXPECT_TRUE(b.has_value()) << "bad hex in test: " << s;
  return b.value_or(Bytes{});
}
std::string h8(std::size_t v) {
  static constexpr char d[] = "0123456789abcdef";
  return {d[(v >> 4) & 0xf], d[v & 0xf]};
}
std::string h16(std::size_t v) {
  return h8(v >> 8) + h8(v);
}
std::string h32(std::size_t v) {
  return h16(v >> 16) + h16(v);
}
// One capability TLV: code, computed length, value.
std::string C(unsigned code, std::string_view value) {
  return h8(code) + h8(value.size() / 2) + std::string(value);
}

const std::string kMp4 = C(1, "00010001");
const std::string kMp6 = C(1, "00020001");
const std::string kMp4Multicast = C(1, "00010002");
const std::string kRr = C(2, "");
const std::string kRrOld = C(128, "");
const std::string kErr = C(70, "");
const std::string kExt = C(6, "");
std::string As4(std::uint32_t asn) {
  return C(65, h32(asn));
}
std::string Cats(unsigned version, unsigned code = 239) {
  return C(code, h8(version));
}

// ---- peer OPENs -------------------------------------------------------------

struct PeerOpen {
  std::uint8_t version = 4;
  std::uint16_t my_as = 65002;
  std::uint16_t hold = 90;
  std::uint32_t id = 0x0a000002;  // 10.0.0.2
  std::string caps = kMp4 + kMp6 + As4(65002);
};

// The whole OPEN message, all capabilities in one Capabilities parameter.
Bytes open_wire(const PeerOpen& p) {
  const std::string params = p.caps.empty() ? "" : "02" + h8(p.caps.size() / 2) + p.caps;
  const std::string body = h8(p.version) + h16(p.my_as) + h16(p.hold) + h32(p.id) + h8(params.size() / 2) + params;
  return hex(std::string(32, 'f') + h16(19 + body.size() / 2) + "01" + body);
}

// A peer OPEN decoded by the codec; owns the bytes the Open borrows.
class Received {
 public:
  explicit Received(const PeerOpen& p, std::uint8_t cats_code = 239) : Received(open_wire(p), cats_code) {}
  Received(Bytes wire, std::uint8_t cats_code) : wire_(std::move(wire)) {
    wire::DecodeContext ctx;
    ctx.cats_capability = cats_code;
    decoded_ = wire::decode_message(wire_, ctx);
  }
  Received(const Received&) = delete;
  Received& operator=(const Received&) = delete;

  const wire::Open& open() const { return std::get<wire::Open>(decoded_.body); }
  const wire::Decoded& decoded() const { return decoded_; }

 private:
  Bytes wire_;
  wire::Decoded decoded_;
};

// Our side in most rows: AS65001, 10.0.0.1, IPv4 and IPv6, no ADD-PATH.
LocalConfig base() {
  LocalConfig c;
  c.asn = 65001;
  c.router_id = 0x0a000001;
  c.hold_time = 90;
  return c;
}

using Mutate = std::function<void(LocalConfig&)>;
LocalConfig config(const Mutate& m) {
  LocalConfig c = base();
  if (m) m(c);
  return c;
}

const Negotiated* ok(const NegotiationResult& r) {
  const auto* n = std::get_if<Negotiated>(&r);
  if (n == nullptr) ADD_FAILURE() << "negotiation failed: " << std::get<NegotiationError>(r).reason;
  return n;
}
const NegotiationError* failed(const NegotiationResult& r) {
  const auto* e = std::get_if<NegotiationError>(&r);
  if (e == nullptr) ADD_FAILURE() << "negotiation succeeded where an error was expected";
  return e;
}
// An OPEN Message Error (2) with this subcode.
const NegotiationError* refused(const NegotiationResult& r, std::uint8_t subcode) {
  const NegotiationError* e = failed(r);
  if (e != nullptr) {
    EXPECT_EQ(e->code, 2);
    EXPECT_EQ(e->subcode, subcode);
  }
  return e;
}

// Comparable text form of an OPEN: header fields, then every capability as code:value.
std::string describe(const wire::Open& o) {
  std::string s = "v" + std::to_string(o.version) + " as" + std::to_string(o.my_as) + " hold" +
                  std::to_string(o.hold_time) + " id" + wire::to_hex(std::as_bytes(std::span(o.bgp_id)));
  for (const auto& p : o.parameters) {
    s += " | param " + std::to_string(p.type) + ":";
    for (const auto& c : p.capabilities) {
      Bytes b;
      wire::Writer w(b);
      wire::encode_capability(w, c);
      s += " " + std::to_string(c.code) + "=" + wire::to_hex(b);
    }
  }
  return s;
}

std::string tv10_hex() {
  std::ifstream f(CATS_VECTORS);
  EXPECT_TRUE(f.good()) << "cannot open " << CATS_VECTORS;
  for (const auto& v : nlohmann::json::parse(f))
    if (v["name"] == "TV10") return v["hex"].get<std::string>();
  ADD_FAILURE() << "TV10 missing from " << CATS_VECTORS;
  return {};
}

// The local configuration whose OPEN is TV10 byte for byte.
LocalConfig tv10_config() {
  LocalConfig c;
  c.asn = 4200000001;
  c.router_id = 0xc0000201;
  c.hold_time = 90;
  c.families = {{kIpv4Unicast, AddPathMode::kBoth, true}, {kIpv6Unicast, AddPathMode::kBoth, true}};
  c.graceful_restart = {.enabled = true, .restart_time = 90, .notification = false, .restarting = false};
  return c;
}

const std::string kMarker(32, 'f');

// ---- build_open -------------------------------------------------------------

TEST(BuildOpen, BytesBothDirections) {
  auto minimal = [](LocalConfig& c) {
    c.families = {{kIpv4Unicast}};
    c.route_refresh = c.enhanced_route_refresh = c.extended_message = false;
    c.cats.advertise = false;
  };
  struct Row {
    std::string name;
    LocalConfig cfg;
    std::string hex;
  };
  const std::vector<Row> rows = {
      {"TV10, a CATS speaker with a 4-octet AS", tv10_config(),
       "ffffffffffffffffffffffffffffffff005001045ba0005ac000020133023101040001000101040002000102004600060041"
       "04fa56ea0145080001010300020103400a005a0001018000020180ef0101"},
      {"2-octet AS, IPv4 only, nothing optional", config([&](LocalConfig& c) {
         minimal(c);
         c.hold_time = 180;
       }),
       kMarker + "002b01" + "04fde900b40a000001" + "0e020c" + "010400010001" + "41040000fde9"},
      {"AS 65535 still fits My AS", config([&](LocalConfig& c) {
         minimal(c);
         c.asn = 65535;
       }),
       kMarker + "002b01" + "04ffff005a0a000001" + "0e020c" + "010400010001" + "41040000ffff"},
      {"AS 65536 sends AS_TRANS", config([&](LocalConfig& c) {
         minimal(c);
         c.asn = 65536;
       }),
       kMarker + "002b01" + "045ba0005a0a000001" + "0e020c" + "010400010001" + "410400010000"},
      {"one ADD-PATH instance listing both families", config([&](LocalConfig& c) {
         minimal(c);
         c.families = {{kIpv4Unicast, AddPathMode::kSend}, {kIpv6Unicast, AddPathMode::kBoth}};
       }),
       kMarker + "003b01" + "04fde9005a0a000001" + "1e021c" + "010400010001" + "010400020001" + "41040000fde9" +
           "45080001010200020103"},
      {"Enhanced Route Refresh brings Route Refresh; ADD-PATH receive on IPv6 only; CATS code 240",
       config([&](LocalConfig& c) {
         minimal(c);
         c.families = {{kIpv4Unicast}, {kIpv6Unicast, AddPathMode::kReceive}};
         c.enhanced_route_refresh = true;
         c.cats = {.advertise = true, .capability = 240, .max_version = 1};
       }),
       kMarker + "003e01" + "04fde9005a0a000001" + "21021f" + "010400010001" + "010400020001" + "0200" + "4600" +
           "41040000fde9" + "450400020101" + "f00101"},
      {"GR restarting with N, F on IPv4 only", config([&](LocalConfig& c) {
         minimal(c);
         c.families = {{kIpv4Unicast, AddPathMode::kNone, true}, {kIpv6Unicast}};
         c.route_refresh = true;
         c.graceful_restart = {.enabled = true, .restart_time = 120, .notification = true, .restarting = true};
       }),
       kMarker + "003f01" + "04fde9005a0a000001" + "220220" + "010400010001" + "010400020001" + "0200" +
           "41040000fde9" + "400ac0780001018000020100"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(check_config(row.cfg), std::nullopt);
    const wire::Open built = build_open(row.cfg);
    // struct -> bytes
    EXPECT_EQ(wire::to_hex(wire::encode_message(built, {}, row.cfg.cats.capability)), row.hex);
    // bytes -> struct
    wire::DecodeContext ctx;
    ctx.cats_capability = row.cfg.cats.capability;
    const Bytes wire = hex(row.hex);
    const wire::Decoded d = wire::decode_message(wire, ctx);
    EXPECT_TRUE(d.errors.empty()) << (d.errors.empty() ? "" : d.errors.front().reason);
    ASSERT_TRUE(std::holds_alternative<wire::Open>(d.body));
    EXPECT_EQ(describe(std::get<wire::Open>(d.body)), describe(built));
    EXPECT_EQ(std::get<wire::Open>(d.body).asn(), row.cfg.asn);
  }
}

TEST(BuildOpen, Tv10FileMatchesTheRow) {
  EXPECT_EQ(wire::to_hex(wire::encode_message(build_open(tv10_config()), {})), tv10_hex());
}

// ---- ADD-PATH (RFC 7911 §4) -------------------------------------------------

TEST(AddPath, MatrixPerFamily) {
  using M = AddPathMode;
  struct Row {
    M local;
    M peer;  // kNone: the peer lists no tuple for the family
    bool send;
    bool receive;
  };
  // We send iff we said send and the peer said receive; we receive iff we said
  // receive and the peer said send.
  const std::vector<Row> rows = {
      {M::kNone, M::kNone, false, false},    {M::kNone, M::kReceive, false, false},
      {M::kNone, M::kSend, false, false},    {M::kNone, M::kBoth, false, false},
      {M::kReceive, M::kNone, false, false}, {M::kReceive, M::kReceive, false, false},
      {M::kReceive, M::kSend, false, true},  {M::kReceive, M::kBoth, false, true},
      {M::kSend, M::kNone, false, false},    {M::kSend, M::kReceive, true, false},
      {M::kSend, M::kSend, false, false},    {M::kSend, M::kBoth, true, false},
      {M::kBoth, M::kNone, false, false},    {M::kBoth, M::kReceive, true, false},
      {M::kBoth, M::kSend, false, true},     {M::kBoth, M::kBoth, true, true},
  };
  for (const AfiSafi fam : {kIpv4Unicast, kIpv6Unicast}) {
    const AfiSafi other = fam == kIpv4Unicast ? kIpv6Unicast : kIpv4Unicast;
    for (const auto& row : rows) {
      SCOPED_TRACE(to_string(fam) + " local " + std::to_string(int(row.local)) + " peer " +
                   std::to_string(int(row.peer)));
      // The other family: we offer both directions, the peer offers nothing.
      const LocalConfig cfg = config([&](LocalConfig& c) { c.families = {{fam, row.local}, {other, M::kBoth}}; });
      PeerOpen p;
      if (row.peer != M::kNone) p.caps += C(69, h16(fam.afi) + h8(fam.safi) + h8(static_cast<unsigned>(row.peer)));
      const Received r(p);
      const auto res = negotiate(cfg, r.open());
      const Negotiated* n = ok(res);
      ASSERT_NE(n, nullptr);
      EXPECT_EQ(n->add_path_send(fam), row.send);
      EXPECT_EQ(n->add_path_receive(fam), row.receive);
      EXPECT_FALSE(n->add_path_send(other));
      EXPECT_FALSE(n->add_path_receive(other));
      // The codec contexts follow: receive feeds the decoder, send the encoder.
      const auto dctx = decode_context(*n);
      const auto ectx = encode_context(*n);
      EXPECT_EQ(dctx.add_path.for_afi(static_cast<wire::Afi>(fam.afi)), row.receive);
      EXPECT_EQ(ectx.add_path.for_afi(static_cast<wire::Afi>(fam.afi)), row.send);
      EXPECT_FALSE(dctx.add_path.for_afi(static_cast<wire::Afi>(other.afi)));
      EXPECT_FALSE(ectx.add_path.for_afi(static_cast<wire::Afi>(other.afi)));
    }
  }
}

TEST(AddPath, TupleRules) {
  struct Row {
    std::string name;
    std::string peer_caps;  // after MP IPv4 + AS4
    bool send;              // IPv4 unicast, we offer both
    bool receive;
    bool ipv6_enabled;
  };
  const std::string base_caps = kMp4 + As4(65002);
  const std::vector<Row> rows = {
      {"Send/Receive 0 is ignored", C(69, "00010100"), false, false, false},
      {"Send/Receive 4 is ignored", C(69, "00010104"), false, false, false},
      {"Send/Receive 255 is ignored", C(69, "000101ff"), false, false, false},
      {"an invalid later tuple leaves the valid one", C(69, "0001010300010107"), true, true, false},
      {"a later tuple replaces an earlier one", C(69, "0001010300010101"), true, false, false},
      {"a later instance replaces an earlier one", C(69, "00010103") + C(69, "00010102"), false, true, false},
      {"a tuple for IPv4 multicast does not touch unicast", C(69, "00010203"), false, false, false},
      {"a tuple for a family not in common is ignored", C(69, "00020103"), false, false, false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const LocalConfig cfg = config([](LocalConfig& c) {
      c.families = {{kIpv4Unicast, AddPathMode::kBoth}, {kIpv6Unicast, AddPathMode::kBoth}};
    });
    const Received r(PeerOpen{.caps = base_caps + row.peer_caps});
    const auto res = negotiate(cfg, r.open());
    const Negotiated* n = ok(res);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->add_path_send(kIpv4Unicast), row.send);
    EXPECT_EQ(n->add_path_receive(kIpv4Unicast), row.receive);
    EXPECT_EQ(n->family(kIpv6Unicast) != nullptr, row.ipv6_enabled);
  }
}

// ---- hold time (RFC 4271 §4.2, §6.2) ------------------------------------------

TEST(HoldTime, Rows) {
  struct Row {
    std::string name;
    std::uint16_t local;
    std::uint16_t peer;
    std::uint16_t min;
    std::optional<std::uint16_t> hold;  // nullopt: 2/6
    std::uint16_t keepalive;
  };
  const std::vector<Row> rows = {
      {"ours is smaller", 90, 180, 0, 90, 30},
      {"theirs is smaller", 180, 90, 0, 90, 30},
      {"not a multiple of three", 100, 180, 0, 100, 33},
      {"ours 0 stays 0", 0, 90, 0, 0, 0},
      {"theirs 0 stays 0", 90, 0, 0, 0, 0},
      {"both 0", 0, 0, 0, 0, 0},
      {"3 is the smallest non-zero", 90, 3, 0, 3, 1},
      {"1 is refused", 90, 1, 0, std::nullopt, 0},
      {"2 is refused", 90, 2, 0, std::nullopt, 0},
      {"below the configured minimum", 90, 10, 30, std::nullopt, 0},
      {"0 below the configured minimum", 90, 0, 30, std::nullopt, 0},
      {"at the configured minimum", 90, 30, 30, 30, 10},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const LocalConfig cfg = config([&](LocalConfig& c) {
      c.hold_time = row.local;
      c.min_hold_time = row.min;
    });
    const Received r(PeerOpen{.hold = row.peer});
    const auto res = negotiate(cfg, r.open());
    if (row.hold) {
      const Negotiated* n = ok(res);
      ASSERT_NE(n, nullptr);
      EXPECT_EQ(n->hold_time, *row.hold);
      EXPECT_EQ(n->keepalive, row.keepalive);
    } else {
      const NegotiationError* e = refused(res, 6);
      ASSERT_NE(e, nullptr);
      EXPECT_TRUE(e->data.empty());
    }
  }
}

// ---- peer AS, AS_TRANS (RFC 4271 §6.2, RFC 6793 §4, RFC 7607) ------------------

TEST(PeerAs, Rows) {
  struct Row {
    std::string name;
    std::uint32_t local_asn;
    std::optional<std::uint32_t> expected;
    std::uint16_t my_as;
    std::string as4_caps;              // zero, one or more 4-octet AS capabilities
    std::optional<std::uint32_t> asn;  // nullopt: 2/2
    bool as4 = false;
    bool ibgp = false;
  };
  const std::vector<Row> rows = {
      {"old speaker, 2-octet AS", 65001, std::nullopt, 65002, "", 65002, false, false},
      {"new speaker, 2-octet AS in both", 65001, std::nullopt, 65002, As4(65002), 65002, true, false},
      {"new speaker, AS_TRANS and the real AS", 65001, std::nullopt, 23456, As4(4200000002), 4200000002, true, false},
      {"AS_TRANS with an AS that fits two octets is odd but accepted", 65001, std::nullopt, 23456, As4(65002), 65002,
       true, false},
      {"the last 4-octet AS instance counts", 65001, std::nullopt, 23456, As4(4200000009) + As4(4200000002), 4200000002,
       true, false},
      {"expected AS matches", 65001, 4200000002, 23456, As4(4200000002), 4200000002, true, false},
      {"same AS is iBGP", 65001, 65001, 65001, As4(65001), 65001, true, true},
      {"4-octet local AS towards an old speaker", 4200000001, 65002, 65002, "", 65002, false, false},
      {"4-octet iBGP", 4200000001, std::nullopt, 23456, As4(4200000001), 4200000001, true, true},
      {"expected AS differs", 65001, 65003, 65002, As4(65002), std::nullopt},
      {"expected 4-octet AS, old speaker cannot match", 65001, 4200000002, 65002, "", std::nullopt},
      {"AS_TRANS in My AS without the capability", 65001, std::nullopt, 23456, "", std::nullopt},
      {"AS_TRANS inside the capability", 65001, std::nullopt, 23456, As4(23456), std::nullopt},
      {"AS 0 inside the capability", 65001, std::nullopt, 23456, As4(0), std::nullopt},
      {"My AS 0", 65001, std::nullopt, 0, "", std::nullopt},
      {"My AS disagrees with a 2-octet capability AS", 65001, std::nullopt, 65002, As4(65003), std::nullopt},
      {"My AS should have been AS_TRANS", 65001, std::nullopt, 65002, As4(4200000002), std::nullopt},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const LocalConfig cfg = config([&](LocalConfig& c) {
      c.asn = row.local_asn;
      c.peer_as = row.expected;
    });
    const Received r(PeerOpen{.my_as = row.my_as, .caps = kMp4 + kMp6 + row.as4_caps});
    const auto res = negotiate(cfg, r.open());
    if (row.asn) {
      const Negotiated* n = ok(res);
      ASSERT_NE(n, nullptr);
      EXPECT_EQ(n->peer_asn, *row.asn);
      EXPECT_EQ(n->as4, row.as4);
      EXPECT_EQ(n->ibgp, row.ibgp);
      EXPECT_EQ(decode_context(*n).as4, row.as4);
      EXPECT_EQ(encode_context(*n).as4, row.as4);
      EXPECT_EQ(decode_context(*n).ebgp, !row.ibgp);
    } else {
      const NegotiationError* e = refused(res, 2);
      ASSERT_NE(e, nullptr);
      EXPECT_TRUE(e->data.empty());
    }
  }
}

// ---- BGP Identifier (RFC 4271 §6.2 as updated by RFC 6286 §2.2) ---------------

TEST(BgpIdentifier, Rows) {
  struct Row {
    std::string name;
    std::uint16_t peer_as;
    std::uint32_t id;
    bool accepted;
  };
  const std::vector<Row> rows = {
      {"eBGP, distinct", 65002, 0x0a000002, true},
      {"eBGP may reuse our identifier", 65002, 0x0a000001, true},
      {"iBGP, distinct", 65001, 0x0a000002, true},
      {"iBGP with our identifier", 65001, 0x0a000001, false},
      {"zero, eBGP", 65002, 0, false},
      {"zero, iBGP", 65001, 0, false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const Received r(PeerOpen{.my_as = row.peer_as, .id = row.id, .caps = kMp4 + As4(row.peer_as)});
    const auto res = negotiate(base(), r.open());
    if (row.accepted) {
      const Negotiated* n = ok(res);
      ASSERT_NE(n, nullptr);
      EXPECT_EQ(n->peer_router_id, row.id);
    } else {
      EXPECT_NE(refused(res, 3), nullptr);
    }
  }
}

// ---- families (RFC 4760) ------------------------------------------------------

TEST(Families, Rows) {
  struct Row {
    std::string name;
    std::vector<FamilyConfig> local;
    std::string peer_caps;
    std::vector<AfiSafi> enabled;  // empty: 2/7
    std::vector<AfiSafi> peer_families;
    std::string error_data;
  };
  const std::vector<Row> rows = {
      {"both in common",
       {{kIpv4Unicast}, {kIpv6Unicast}},
       kMp4 + kMp6,
       {kIpv4Unicast, kIpv6Unicast},
       {kIpv4Unicast, kIpv6Unicast},
       ""},
      {"peer IPv4 only", {{kIpv4Unicast}, {kIpv6Unicast}}, kMp4, {kIpv4Unicast}, {kIpv4Unicast}, ""},
      {"no MP capability means IPv4 unicast", {{kIpv4Unicast}, {kIpv6Unicast}}, "", {kIpv4Unicast}, {kIpv4Unicast}, ""},
      {"our order is kept",
       {{kIpv6Unicast}, {kIpv4Unicast}},
       kMp4 + kMp6,
       {kIpv6Unicast, kIpv4Unicast},
       {kIpv4Unicast, kIpv6Unicast},
       ""},
      {"a repeated MP capability counts once", {{kIpv4Unicast}}, kMp4 + kMp4, {kIpv4Unicast}, {kIpv4Unicast}, ""},
      {"other families are listed but not enabled",
       {{kIpv4Unicast}, {kIpv6Unicast}},
       kMp4Multicast + kMp4,
       {kIpv4Unicast},
       {{1, 2}, kIpv4Unicast},
       ""},
      {"IPv6-only speaker and a peer without MP", {{kIpv6Unicast}}, "", {}, {}, "010400020001"},
      {"nothing in common", {{kIpv4Unicast}}, kMp6 + kMp4Multicast, {}, {}, "010400010001"},
      {"nothing in common, our two families in Data",
       {{kIpv4Unicast}, {kIpv6Unicast}},
       kMp4Multicast,
       {},
       {},
       "010400010001010400020001"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const LocalConfig cfg = config([&](LocalConfig& c) { c.families = row.local; });
    const Received r(PeerOpen{.caps = row.peer_caps + As4(65002)});
    const auto res = negotiate(cfg, r.open());
    if (!row.enabled.empty()) {
      const Negotiated* n = ok(res);
      ASSERT_NE(n, nullptr);
      std::vector<AfiSafi> got;
      for (const auto& f : n->families) got.push_back(f.family);
      EXPECT_EQ(got, row.enabled);
      EXPECT_EQ(n->peer_families, row.peer_families);
    } else {
      const NegotiationError* e = refused(res, 7);
      ASSERT_NE(e, nullptr);
      EXPECT_EQ(wire::to_hex(e->data), row.error_data);
    }
  }
}

// ---- route refresh, enhanced route refresh, extended message ---------------------

TEST(SimpleCapabilities, Rows) {
  struct Row {
    std::string name;
    Mutate local;
    std::string peer_caps;
    bool rr, pre_standard, err, ext;
  };
  const std::vector<Row> rows = {
      {"all on both sides", nullptr, kRr + kErr + kExt, true, false, true, true},
      {"none from the peer", nullptr, "", false, false, false, false},
      {"old code 128 alone is route refresh", nullptr, kRrOld, true, true, false, false},
      {"code 2 and 128: the standard one is used", nullptr, kRrOld + kRr, true, false, false, false},
      {"ERR without Route Refresh is not enough", nullptr, kErr, false, false, false, false},
      {"ERR with the old route refresh", nullptr, kRrOld + kErr, true, true, true, false},
      {"we disabled route refresh", [](LocalConfig& c) { c.route_refresh = c.enhanced_route_refresh = false; },
       kRr + kErr, false, false, false, false},
      {"we disabled only ERR", [](LocalConfig& c) { c.enhanced_route_refresh = false; }, kRr + kErr, true, false, false,
       false},
      {"we offer only ERR (and so Route Refresh)", [](LocalConfig& c) { c.route_refresh = false; }, kRr + kErr, true,
       false, true, false},
      {"extended message needs both", [](LocalConfig& c) { c.extended_message = false; }, kExt, false, false, false,
       false},
      {"extended message from the peer only", nullptr, kExt, false, false, false, true},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const Received r(PeerOpen{.caps = kMp4 + As4(65002) + row.peer_caps});
    const auto res = negotiate(config(row.local), r.open());
    const Negotiated* n = ok(res);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->route_refresh, row.rr);
    EXPECT_EQ(n->route_refresh_pre_standard, row.pre_standard);
    EXPECT_EQ(n->enhanced_route_refresh, row.err);
    EXPECT_EQ(n->extended_message, row.ext);
    EXPECT_EQ(decode_context(*n).enhanced_route_refresh, row.err);
    EXPECT_EQ(decode_context(*n).extended_message, row.ext);
    EXPECT_EQ(encode_context(*n).extended_message, row.ext);
  }
}

// ---- graceful restart (RFC 4724, RFC 8538) ---------------------------------------

TEST(GracefulRestart, Rows) {
  using PF = PeerGracefulRestart::Family;
  struct Row {
    std::string name;
    bool local_enabled;
    bool local_n;
    std::string peer_caps;
    std::optional<PeerGracefulRestart> peer;
    bool negotiated;
    bool notification;
    bool v4, v6;  // gr_family
  };
  const std::vector<Row> rows = {
      {"peer without GR", true, true, "", std::nullopt, false, false, false, false},
      {"peer GR, both families, F on IPv4", true, true, C(64, "00780001018000020100"),
       PeerGracefulRestart{120, false, false, {PF{kIpv4Unicast, true}, PF{kIpv6Unicast, false}}}, true, false, true,
       true},
      {"R and N bits, both sides N", true, true, C(64, "c0b400010180"),
       PeerGracefulRestart{180, true, true, {PF{kIpv4Unicast, true}}}, true, true, true, false},
      {"N only from the peer", true, false, C(64, "40b400010180"),
       PeerGracefulRestart{180, false, true, {PF{kIpv4Unicast, true}}}, true, false, true, false},
      {"GR-aware peer without families", true, true, C(64, "0078"), PeerGracefulRestart{120, false, false, {}}, true,
       false, false, false},
      {"the last instance counts", true, true, C(64, "812c0001018000020180") + C(64, "007800020100"),
       PeerGracefulRestart{120, false, false, {PF{kIpv6Unicast, false}}}, true, false, false, true},
      {"the last instance counts, even an empty one", true, true, C(64, "00780002010000010180") + C(64, "0000"),
       PeerGracefulRestart{0, false, false, {}}, true, false, false, false},
      {"we do not do GR: peer state kept, not negotiated", false, true, C(64, "40780001018000020180"),
       PeerGracefulRestart{120, false, true, {PF{kIpv4Unicast, true}, PF{kIpv6Unicast, true}}}, false, false, false,
       false},
      {"a family we do not run is listed but not used", true, true, C(64, "0078000201800001028000010180"),
       PeerGracefulRestart{120, false, false, {PF{kIpv6Unicast, true}, PF{{1, 2}, true}, PF{kIpv4Unicast, true}}}, true,
       false, true, true},
  };

  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const LocalConfig cfg = config([&](LocalConfig& c) {
      c.graceful_restart.enabled = row.local_enabled;
      c.graceful_restart.notification = row.local_n;
    });
    const Received r(PeerOpen{.caps = kMp4 + kMp6 + As4(65002) + row.peer_caps});
    EXPECT_TRUE(r.decoded().errors.empty());
    const auto res = negotiate(cfg, r.open());
    const Negotiated* n = ok(res);
    ASSERT_NE(n, nullptr);
    ASSERT_EQ(n->peer_graceful_restart.has_value(), row.peer.has_value());
    if (row.peer) {
      EXPECT_EQ(n->peer_graceful_restart->restart_time, row.peer->restart_time);
      EXPECT_EQ(n->peer_graceful_restart->restarted, row.peer->restarted);
      EXPECT_EQ(n->peer_graceful_restart->notification, row.peer->notification);
      EXPECT_EQ(n->peer_graceful_restart->families, row.peer->families);
    }
    EXPECT_EQ(n->graceful_restart, row.negotiated);
    EXPECT_EQ(n->gr_notification, row.notification);
    EXPECT_EQ(n->gr_family(kIpv4Unicast), row.v4);
    EXPECT_EQ(n->gr_family(kIpv6Unicast), row.v6);
  }
}

// ---- CATS capability (B.3.4) and require-cats (RFC 5492 §3) ---------------------

TEST(Cats, Rows) {
  struct Row {
    std::string name;
    Mutate local;
    std::string peer_caps;
    std::uint8_t decode_code;  // CATS code the codec was told
    std::optional<std::uint8_t> peer_max;
    std::uint8_t version;
    std::optional<std::string> error_data;  // 2/7 with this Data
  };
  auto require = [](LocalConfig& c) { c.require_cats = true; };
  const std::vector<Row> rows = {
      {"both at version 1", nullptr, Cats(1), 239, 1, 1, std::nullopt},
      {"peer newer: the smaller version", nullptr, Cats(3), 239, 3, 1, std::nullopt},
      {"peer without CATS, not required", nullptr, "", 239, std::nullopt, 0, std::nullopt},
      {"peer without CATS, required", require, "", 239, std::nullopt, 0, "ef0101"},
      {"peer at version 0, required", require, Cats(0), 239, 0, 0, "ef0101"},
      {"peer with CATS, required", require, Cats(1), 239, 1, 1, std::nullopt},
      {"we do not advertise: the peer's version is still recorded", [](LocalConfig& c) { c.cats.advertise = false; },
       Cats(1), 239, 1, 0, std::nullopt},
      {"our code 240, version 2",
       [](LocalConfig& c) {
         c.cats = {.advertise = true, .capability = 240, .max_version = 2};
         c.require_cats = true;
       },
       Cats(2, 240), 240, 2, 2, std::nullopt},
      {"our code 240, decoded with the default code",
       [](LocalConfig& c) { c.cats = {.advertise = true, .capability = 240, .max_version = 2}; }, Cats(2, 240), 239, 2,
       2, std::nullopt},
      {"our code 240 required, peer sends 239 only",
       [](LocalConfig& c) {
         c.cats = {.advertise = true, .capability = 240, .max_version = 2};
         c.require_cats = true;
       },
       Cats(1, 239), 240, std::nullopt, 0, "f00102"},
      {"a malformed CATS capability counts as absent", require, C(239, "0101"), 239, std::nullopt, 0, "ef0101"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const LocalConfig cfg = config(row.local);
    const Received r(PeerOpen{.caps = kMp4 + As4(65002) + row.peer_caps}, row.decode_code);
    const auto res = negotiate(cfg, r.open());
    if (!row.error_data) {
      const Negotiated* n = ok(res);
      ASSERT_NE(n, nullptr);
      EXPECT_EQ(n->peer_cats_max_version, row.peer_max);
      EXPECT_EQ(n->cats_version, row.version);
      EXPECT_EQ(decode_context(*n).cats_capability, cfg.cats.capability);
    } else {
      const NegotiationError* e = refused(res, 7);
      ASSERT_NE(e, nullptr);
      EXPECT_EQ(wire::to_hex(e->data), *row.error_data);
    }
  }
}

// ---- unknown capabilities and FQDN ---------------------------------------------

TEST(UnknownCapabilities, KeptInOrderWithTheirValues) {
  struct Row {
    std::string name;
    std::uint8_t local_cats;
    std::uint8_t decode_code;
  };
  const std::vector<Row> rows = {
      {"decoded with our CATS code", 240, 240},
      {"decoded with the default CATS code", 240, 239},
  };
  const std::string fqdn = C(73, "04686f7374076578616d706c65");  // "host", "example"
  const std::string caps = kMp4 + As4(65002) + C(5, "000100010002") + C(9, "00") + fqdn + C(71, "") + Cats(1, 239) +
                           C(3, "0001010101400102");
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const LocalConfig cfg = config([&](LocalConfig& c) { c.cats.capability = row.local_cats; });
    const Received r(PeerOpen{.caps = caps}, row.decode_code);
    const auto res = negotiate(cfg, r.open());
    const Negotiated* n = ok(res);
    ASSERT_NE(n, nullptr);
    const std::vector<UnknownCapability> want = {
        {5, hex("000100010002")}, {9, hex("00")}, {71, {}}, {239, hex("01")}, {3, hex("0001010101400102")}};
    EXPECT_EQ(n->unknown_capabilities, want);
    EXPECT_EQ(n->peer_hostname, "host");
    EXPECT_EQ(n->peer_domain, "example");
    EXPECT_EQ(n->peer_cats_max_version, std::nullopt);
  }
}

TEST(UnknownCapabilities, NoneFromAPlainPeer) {
  const Received r(PeerOpen{});
  const auto res = negotiate(base(), r.open());
  const Negotiated* n = ok(res);
  ASSERT_NE(n, nullptr);
  EXPECT_TRUE(n->unknown_capabilities.empty());
  EXPECT_EQ(n->peer_hostname, std::nullopt);
}

// ---- every NOTIFICATION the negotiation sends --------------------------------------

TEST(Errors, EveryRow) {
  struct Row {
    std::string name;
    Mutate local;
    PeerOpen peer;
    std::uint8_t subcode;
    std::string data;
  };
  const std::string v4as4 = kMp4 + As4(65002);
  const std::vector<Row> rows = {
      {"unsupported version", nullptr, {.version = 3}, 1, "0004"},
      {"bad peer AS", [](LocalConfig& c) { c.peer_as = 65009; }, {}, 2, ""},
      {"AS_TRANS without 4-octet AS", nullptr, {.my_as = 23456, .caps = kMp4}, 2, ""},
      {"AS_TRANS inside 4-octet AS", nullptr, {.my_as = 23456, .caps = kMp4 + As4(23456)}, 2, ""},
      {"AS 0", nullptr, {.my_as = 0, .caps = kMp4}, 2, ""},
      {"My AS and 4-octet AS disagree", nullptr, {.my_as = 65002, .caps = kMp4 + As4(65003)}, 2, ""},
      {"BGP Identifier 0", nullptr, {.id = 0}, 3, ""},
      {"iBGP peer with our identifier", nullptr, {.my_as = 65001, .id = 0x0a000001, .caps = kMp4 + As4(65001)}, 3, ""},
      {"hold time 1", nullptr, {.hold = 1}, 6, ""},
      {"hold time 2", nullptr, {.hold = 2}, 6, ""},
      {"hold time below our minimum", [](LocalConfig& c) { c.min_hold_time = 9; }, {.hold = 6}, 6, ""},
      {"CATS required", [](LocalConfig& c) { c.require_cats = true; }, {.caps = v4as4}, 7, "ef0101"},
      {"no family in common",
       [](LocalConfig& c) { c.families = {{kIpv6Unicast}}; },
       {.caps = v4as4},
       7,
       "010400020001"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const Received r(row.peer);
    const auto res = negotiate(config(row.local), r.open());
    const NegotiationError* e = failed(res);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->code, wire::notify::kOpen);
    EXPECT_EQ(e->subcode, row.subcode) << e->reason;
    EXPECT_EQ(wire::to_hex(e->data), row.data);
    EXPECT_FALSE(e->reason.empty());
    // The NOTIFICATION decodes back to the same code, subcode and data.
    const Bytes msg = e->notification();
    const wire::Decoded d = wire::decode_message(msg, {});
    ASSERT_TRUE(std::holds_alternative<wire::Notification>(d.body));
    const auto& note = std::get<wire::Notification>(d.body);
    EXPECT_EQ(note.code, 2);
    EXPECT_EQ(note.subcode, row.subcode);
    EXPECT_EQ(wire::to_hex(note.data), row.data);
  }
}

TEST(Errors, RequiredCatsNotificationBytes) {
  const Received r(PeerOpen{});
  const auto res = negotiate(config([](LocalConfig& c) { c.require_cats = true; }), r.open());
  const NegotiationError* e = failed(res);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(wire::to_hex(e->notification()), kMarker + "0018" + "03" + "0207" + "ef0101");
}

// ---- TV10 against a matching local configuration ----------------------------------

TEST(Tv10, NegotiatesWithAMatchingSpeaker) {
  LocalConfig cfg;
  cfg.asn = 65001;
  cfg.router_id = 0xc0000202;
  cfg.hold_time = 180;
  cfg.peer_as = 4200000001;
  cfg.families = {{kIpv4Unicast, AddPathMode::kBoth}, {kIpv6Unicast, AddPathMode::kReceive}};
  cfg.graceful_restart = {.enabled = true, .restart_time = 120, .notification = true, .restarting = false};
  cfg.require_cats = true;
  ASSERT_EQ(check_config(cfg), std::nullopt);

  const Received r(hex(tv10_hex()), 239);
  ASSERT_TRUE(r.decoded().errors.empty());
  const auto res = negotiate(cfg, r.open());
  const Negotiated* n = ok(res);
  ASSERT_NE(n, nullptr);

  EXPECT_EQ(n->local_asn, 65001u);
  EXPECT_EQ(n->peer_asn, 4200000001u);
  EXPECT_EQ(n->peer_router_id, 0xc0000201u);
  EXPECT_FALSE(n->ibgp);
  EXPECT_EQ(n->hold_time, 90);
  EXPECT_EQ(n->keepalive, 30);
  EXPECT_TRUE(n->as4);
  const std::vector<FamilyState> families = {{kIpv4Unicast, true, true}, {kIpv6Unicast, false, true}};
  EXPECT_EQ(n->families, families);
  EXPECT_EQ(n->peer_families, (std::vector<AfiSafi>{kIpv4Unicast, kIpv6Unicast}));
  EXPECT_TRUE(n->route_refresh);
  EXPECT_FALSE(n->route_refresh_pre_standard);
  EXPECT_TRUE(n->enhanced_route_refresh);
  EXPECT_TRUE(n->extended_message);
  EXPECT_TRUE(n->graceful_restart);
  EXPECT_FALSE(n->gr_notification);  // TV10 has N = 0
  ASSERT_TRUE(n->peer_graceful_restart.has_value());
  EXPECT_EQ(n->peer_graceful_restart->restart_time, 90);
  EXPECT_FALSE(n->peer_graceful_restart->restarted);
  const std::vector<PeerGracefulRestart::Family> gr = {{kIpv4Unicast, true}, {kIpv6Unicast, true}};
  EXPECT_EQ(n->peer_graceful_restart->families, gr);
  EXPECT_TRUE(n->gr_family(kIpv4Unicast));
  EXPECT_TRUE(n->gr_family(kIpv6Unicast));
  EXPECT_EQ(n->peer_cats_max_version, 1);
  EXPECT_EQ(n->cats_version, 1);
  EXPECT_EQ(n->peer_hostname, std::nullopt);
  EXPECT_TRUE(n->unknown_capabilities.empty());

  const wire::DecodeContext d = decode_context(*n, 255);
  EXPECT_TRUE(d.as4);
  EXPECT_TRUE(d.add_path.ipv4);
  EXPECT_TRUE(d.add_path.ipv6);
  EXPECT_TRUE(d.extended_message);
  EXPECT_TRUE(d.enhanced_route_refresh);
  EXPECT_TRUE(d.ebgp);
  EXPECT_FALSE(d.aigp);
  EXPECT_EQ(d.cats_type, 255);
  EXPECT_EQ(d.cats_capability, 239);
  EXPECT_EQ(d.max_message(), 65535u);
  const wire::EncodeContext enc = encode_context(*n);
  EXPECT_TRUE(enc.as4);
  EXPECT_TRUE(enc.add_path.ipv4);
  EXPECT_FALSE(enc.add_path.ipv6);
  EXPECT_TRUE(enc.extended_message);
}

// Two catsd speakers: each one's OPEN, through the codec, negotiated by the other.
TEST(Tv10, TwoOfOurSpeakersAgree) {
  const LocalConfig a = tv10_config();
  LocalConfig b = base();
  b.families = {{kIpv4Unicast, AddPathMode::kReceive}, {kIpv6Unicast, AddPathMode::kSend}};
  b.graceful_restart.enabled = true;
  b.require_cats = true;
  const Received at_b(wire::encode_message(build_open(a), {}), 239);
  const Received at_a(wire::encode_message(build_open(b), {}), 239);
  const auto rb = negotiate(b, at_b.open());
  const auto ra = negotiate(a, at_a.open());
  const Negotiated* nb = ok(rb);
  const Negotiated* na = ok(ra);
  ASSERT_NE(nb, nullptr);
  ASSERT_NE(na, nullptr);
  EXPECT_EQ(na->peer_asn, 65001u);
  EXPECT_EQ(nb->peer_asn, 4200000001u);
  EXPECT_EQ(na->hold_time, nb->hold_time);
  for (const AfiSafi f : {kIpv4Unicast, kIpv6Unicast}) {
    SCOPED_TRACE(to_string(f));
    EXPECT_EQ(na->add_path_send(f), nb->add_path_receive(f));
    EXPECT_EQ(na->add_path_receive(f), nb->add_path_send(f));
  }
  EXPECT_TRUE(na->add_path_send(kIpv4Unicast));
  EXPECT_TRUE(na->add_path_receive(kIpv6Unicast));
  EXPECT_EQ(na->cats_version, 1);
  EXPECT_EQ(nb->cats_version, 1);
  EXPECT_TRUE(na->graceful_restart && nb->graceful_restart);
  EXPECT_TRUE(na->gr_notification == nb->gr_notification);
}

// ---- codec contexts ---------------------------------------------------------

TEST(Contexts, Rows) {
  struct Row {
    std::string name;
    Negotiated n;
    wire::DecodeContext d;
    wire::EncodeContext e;
  };
  auto dctx = [](bool as4, bool ap4, bool ap6, bool ext, bool err, bool ebgp, bool aigp, std::uint8_t type,
                 std::uint8_t cap) {
    wire::DecodeContext c;
    c.as4 = as4;
    c.add_path = {ap4, ap6};
    c.extended_message = ext;
    c.enhanced_route_refresh = err;
    c.ebgp = ebgp;
    c.aigp = aigp;
    c.cats_type = type;
    c.cats_capability = cap;
    return c;
  };
  auto ectx = [](bool as4, bool ap4, bool ap6, bool ext) {
    wire::EncodeContext c;
    c.as4 = as4;
    c.add_path = {ap4, ap6};
    c.extended_message = ext;
    return c;
  };
  Negotiated ibgp;
  ibgp.ibgp = true;
  ibgp.as4 = true;
  ibgp.families = {{kIpv4Unicast, true, false}, {kIpv6Unicast, false, true}};
  Negotiated old_ebgp;
  old_ebgp.families = {{kIpv4Unicast}};
  old_ebgp.extended_message = true;
  old_ebgp.enhanced_route_refresh = true;
  old_ebgp.cats_capability = 241;
  const std::vector<Row> rows = {
      {"iBGP, 4-octet, ADD-PATH send v4 / receive v6", ibgp,
       dctx(true, false, true, false, false, false, true, 254, 239), ectx(true, true, false, false)},
      {"eBGP to an old speaker with extended messages", old_ebgp,
       dctx(false, false, false, true, true, true, false, 254, 241), ectx(false, false, false, true)},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const auto d = decode_context(row.n, 254);
    EXPECT_EQ(d.as4, row.d.as4);
    EXPECT_EQ(d.add_path.ipv4, row.d.add_path.ipv4);
    EXPECT_EQ(d.add_path.ipv6, row.d.add_path.ipv6);
    EXPECT_EQ(d.extended_message, row.d.extended_message);
    EXPECT_EQ(d.enhanced_route_refresh, row.d.enhanced_route_refresh);
    EXPECT_EQ(d.ebgp, row.d.ebgp);
    EXPECT_EQ(d.aigp, row.d.aigp);
    EXPECT_EQ(d.cats_type, row.d.cats_type);
    EXPECT_EQ(d.cats_capability, row.d.cats_capability);
    const auto e = encode_context(row.n);
    EXPECT_EQ(e.as4, row.e.as4);
    EXPECT_EQ(e.add_path.ipv4, row.e.add_path.ipv4);
    EXPECT_EQ(e.add_path.ipv6, row.e.add_path.ipv6);
    EXPECT_EQ(e.extended_message, row.e.extended_message);
  }
}

// ---- configuration checks ------------------------------------------------------

TEST(CheckConfig, Rows) {
  struct Row {
    std::string name;
    Mutate mutate;
    std::string error;  // substring; empty: accepted
  };
  const std::vector<Row> rows = {
      {"the base configuration", nullptr, ""},
      {"hold time 0", [](LocalConfig& c) { c.hold_time = 0; }, ""},
      {"AS 0", [](LocalConfig& c) { c.asn = 0; }, "AS 0"},
      {"AS_TRANS as our AS", [](LocalConfig& c) { c.asn = 23456; }, "AS_TRANS"},
      {"router id 0", [](LocalConfig& c) { c.router_id = 0; }, "router id"},
      {"hold time 2", [](LocalConfig& c) { c.hold_time = 2; }, "hold time"},
      {"no family", [](LocalConfig& c) { c.families.clear(); }, "no address family"},
      {"multicast",
       [](LocalConfig& c) {
         c.families = {{{1, 2}}};
       },
       "unsupported address family afi 1 safi 2"},
      {"family twice",
       [](LocalConfig& c) {
         c.families = {{kIpv4Unicast}, {kIpv4Unicast}};
       },
       "twice"},
      {"bad ADD-PATH mode",
       [](LocalConfig& c) {
         c.families = {{kIpv4Unicast, static_cast<AddPathMode>(4)}};
       },
       "ADD-PATH"},
      {"restart time over 12 bits",
       [](LocalConfig& c) { c.graceful_restart = {.enabled = true, .restart_time = 4096}; }, "4095"},
      {"CATS code colliding with ADD-PATH", [](LocalConfig& c) { c.cats.capability = 69; }, "CATS capability code"},
      {"CATS code 0", [](LocalConfig& c) { c.cats.capability = 0; }, "CATS capability code"},
      {"CATS version 0", [](LocalConfig& c) { c.cats.max_version = 0; }, "max version"},
      {"require without advertising",
       [](LocalConfig& c) {
         c.cats.advertise = false;
         c.require_cats = true;
       },
       "require-cats"},
      {"expected peer AS_TRANS", [](LocalConfig& c) { c.peer_as = 23456; }, "peer AS"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const auto err = check_config(config(row.mutate));
    if (row.error.empty()) {
      EXPECT_EQ(err, std::nullopt);
    } else {
      ASSERT_TRUE(err.has_value());
      EXPECT_NE(err->find(row.error), std::string::npos) << *err;
    }
  }
}

}  // namespace
}  // namespace cats::session
