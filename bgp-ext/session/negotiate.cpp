#include "bgp-ext/session/negotiate.hpp"

#include <algorithm>

#include "bgp-ext/wire/message.hpp"

namespace cats::session {

namespace notify = wire::notify;

std::string to_string(AfiSafi f) {
  if (f == kIpv4Unicast) return "ipv4-unicast";
  if (f == kIpv6Unicast) return "ipv6-unicast";
  return "afi " + std::to_string(f.afi) + " safi " + std::to_string(f.safi);
}

namespace {

constexpr std::uint8_t kRouteRefreshOld = 128;  // pre-RFC 2918 code, still sent by some peers

bool is_known_code(std::uint8_t code) {
  switch (code) {
    case wire::cap::kMultiprotocol:
    case wire::cap::kRouteRefresh:
    case wire::cap::kExtendedMessage:
    case wire::cap::kGracefulRestart:
    case wire::cap::kAs4:
    case wire::cap::kAddPath:
    case wire::cap::kEnhancedRouteRefresh:
    case wire::cap::kFqdn:
    case kRouteRefreshOld: return true;
    default: return false;
  }
}

wire::Capability capability(std::uint8_t code, wire::CapabilityValue value = std::monostate{}) {
  wire::Capability c;
  c.code = code;
  c.value = std::move(value);
  return c;
}

// Value octets of a capability, whether it was decoded (raw) or built (value).
wire::Bytes capability_value(const wire::Capability& c) {
  wire::Bytes b;
  wire::Writer w(b);
  wire::encode_capability(w, c);
  return wire::Bytes(b.begin() + 2, b.end());
}

wire::Bytes encoded(const std::vector<wire::Capability>& caps) {
  wire::Bytes b;
  wire::Writer w(b);
  for (const auto& c : caps) wire::encode_capability(w, c);
  return b;
}

std::vector<wire::Capability> multiprotocol_caps(const LocalConfig& cfg) {
  std::vector<wire::Capability> out;
  for (const auto& f : cfg.families)
    out.push_back(capability(wire::cap::kMultiprotocol, wire::MultiprotocolCap{f.family.afi, 0, f.family.safi}));
  return out;
}

wire::Capability cats_cap(const LocalConfig& cfg) {
  return capability(cfg.cats.capability, wire::CatsCap{cfg.cats.max_version});
}

// Everything the peer offered, one pass over its capabilities.
struct PeerOffer {
  bool multiprotocol = false;
  std::vector<AfiSafi> families;
  std::optional<std::uint32_t> as4;
  bool route_refresh = false;
  bool route_refresh_old = false;
  bool enhanced_route_refresh = false;
  bool extended_message = false;
  std::optional<PeerGracefulRestart> graceful_restart;
  std::vector<wire::AddPathCap::Family> add_path;  // tuples of every instance, in order
  std::optional<std::uint8_t> cats;
  std::optional<wire::FqdnCap> fqdn;
  std::vector<UnknownCapability> unknown;
};

PeerGracefulRestart peer_gr(const wire::GracefulRestartCap& g) {
  PeerGracefulRestart p;
  p.restart_time = g.restart_time;
  p.restarted = g.restarted();
  p.notification = g.notification();
  for (const auto& f : g.families) p.families.push_back({{f.afi, f.safi}, (f.flags & 0x80) != 0});
  return p;
}

PeerOffer read_offer(const wire::Open& o, std::uint8_t cats_code) {
  PeerOffer p;
  for (const wire::Capability* c : o.capabilities()) {
    if (c->code == cats_code) {
      // The decoder may have used another CATS code; then the value is still raw.
      if (const auto* v = std::get_if<wire::CatsCap>(&c->value))
        p.cats = v->max_version;
      else if (std::holds_alternative<std::monostate>(c->value) && c->raw.size() == 1)
        p.cats = wire::u8(c->raw, 0);
      continue;
    }
    if (!is_known_code(c->code)) {
      p.unknown.push_back({c->code, capability_value(*c)});
      continue;
    }
    if (c->malformed) continue;  // the decoder already asked for a reset
    switch (c->code) {
      case wire::cap::kMultiprotocol:
        if (const auto* v = std::get_if<wire::MultiprotocolCap>(&c->value)) {
          p.multiprotocol = true;
          const AfiSafi f{v->afi, v->safi};
          if (std::find(p.families.begin(), p.families.end(), f) == p.families.end()) p.families.push_back(f);
        }
        break;
      case wire::cap::kRouteRefresh: p.route_refresh = true; break;
      case kRouteRefreshOld: p.route_refresh_old = true; break;
      case wire::cap::kEnhancedRouteRefresh: p.enhanced_route_refresh = true; break;
      case wire::cap::kExtendedMessage: p.extended_message = true; break;
      case wire::cap::kGracefulRestart:
        // Only the last instance counts (RFC 4724 §3).
        if (const auto* v = std::get_if<wire::GracefulRestartCap>(&c->value)) p.graceful_restart = peer_gr(*v);
        break;
      case wire::cap::kAs4:
        if (const auto* v = std::get_if<wire::As4Cap>(&c->value)) p.as4 = v->asn;
        break;
      case wire::cap::kAddPath:
        if (const auto* v = std::get_if<wire::AddPathCap>(&c->value))
          p.add_path.insert(p.add_path.end(), v->families.begin(), v->families.end());
        break;
      case wire::cap::kFqdn:
        if (const auto* v = std::get_if<wire::FqdnCap>(&c->value)) p.fqdn = *v;
        break;
      default: break;
    }
  }
  return p;
}

NegotiationError open_error(std::uint8_t subcode, std::string reason, wire::Bytes data = {}) {
  return NegotiationError{notify::kOpen, subcode, std::move(data), std::move(reason)};
}

std::string as_text(std::uint32_t asn) {
  return "AS" + std::to_string(asn);
}

std::uint8_t mode_bits(AddPathMode m) {
  return static_cast<std::uint8_t>(m);
}

}  // namespace

std::optional<std::string> check_config(const LocalConfig& cfg) {
  if (cfg.asn == 0) return "local AS 0 is not allowed (RFC 7607)";
  if (cfg.asn == kAsTrans) return "AS_TRANS (23456) cannot be the local AS (RFC 6793)";
  if (cfg.router_id == 0) return "router id 0.0.0.0 is not allowed (RFC 6286)";
  if (cfg.hold_time == 1 || cfg.hold_time == 2) return "hold time must be 0 or at least 3 (RFC 4271 §4.2)";
  if (cfg.families.empty()) return "no address family configured";
  for (std::size_t i = 0; i < cfg.families.size(); ++i) {
    const auto& f = cfg.families[i];
    if (f.family != kIpv4Unicast && f.family != kIpv6Unicast)
      return "unsupported address family " + to_string(f.family);
    if (mode_bits(f.add_path) > 3) return "bad ADD-PATH mode for " + to_string(f.family);
    for (std::size_t j = 0; j < i; ++j)
      if (cfg.families[j].family == f.family) return "address family " + to_string(f.family) + " configured twice";
  }
  if (cfg.graceful_restart.enabled && cfg.graceful_restart.restart_time > 0x0fff)
    return "graceful restart time exceeds 4095 s (12 bits, RFC 4724 §3)";
  if (cfg.cats.capability == 0 || cfg.cats.capability == 255 || is_known_code(cfg.cats.capability))
    return "CATS capability code " + std::to_string(cfg.cats.capability) + " is reserved or already in use";
  if (cfg.cats.advertise && cfg.cats.max_version == 0) return "CATS max version must be at least 1";
  if (cfg.require_cats && !cfg.cats.advertise) return "require-cats needs the CATS capability to be advertised";
  if (cfg.peer_as && (*cfg.peer_as == 0 || *cfg.peer_as == kAsTrans))
    return "peer AS " + std::to_string(*cfg.peer_as) + " is not a valid AS";
  return std::nullopt;
}

wire::Open build_open(const LocalConfig& cfg) {
  wire::Open o;
  o.version = 4;
  // RFC 6793 §4.2.1: AS_TRANS stands in for an AS that does not fit two octets.
  o.my_as = cfg.asn <= 0xffff ? static_cast<std::uint16_t>(cfg.asn) : static_cast<std::uint16_t>(kAsTrans);
  o.hold_time = cfg.hold_time;
  o.bgp_id = {static_cast<std::uint8_t>(cfg.router_id >> 24), static_cast<std::uint8_t>(cfg.router_id >> 16),
              static_cast<std::uint8_t>(cfg.router_id >> 8), static_cast<std::uint8_t>(cfg.router_id)};

  // One Capabilities parameter holds everything (RFC 5492 §4 allows either form).
  wire::OptionalParameter p;
  p.type = 2;
  p.capabilities = multiprotocol_caps(cfg);
  if (cfg.route_refresh || cfg.enhanced_route_refresh) p.capabilities.push_back(capability(wire::cap::kRouteRefresh));
  if (cfg.enhanced_route_refresh) p.capabilities.push_back(capability(wire::cap::kEnhancedRouteRefresh));
  if (cfg.extended_message) p.capabilities.push_back(capability(wire::cap::kExtendedMessage));
  p.capabilities.push_back(capability(wire::cap::kAs4, wire::As4Cap{cfg.asn}));

  // RFC 7911 §4: all families in a single ADD-PATH instance.
  wire::AddPathCap add_path;
  for (const auto& f : cfg.families)
    if (f.add_path != AddPathMode::kNone)
      add_path.families.push_back({f.family.afi, f.family.safi, mode_bits(f.add_path)});
  if (!add_path.families.empty()) p.capabilities.push_back(capability(wire::cap::kAddPath, std::move(add_path)));

  if (cfg.graceful_restart.enabled) {
    wire::GracefulRestartCap gr;
    gr.flags = static_cast<std::uint8_t>((cfg.graceful_restart.restarting ? 0x8 : 0) |
                                         (cfg.graceful_restart.notification ? 0x4 : 0));
    gr.restart_time = static_cast<std::uint16_t>(cfg.graceful_restart.restart_time & 0x0fff);
    for (const auto& f : cfg.families)
      gr.families.push_back({f.family.afi, f.family.safi, static_cast<std::uint8_t>(f.gr_forwarding ? 0x80 : 0)});
    p.capabilities.push_back(capability(wire::cap::kGracefulRestart, std::move(gr)));
  }
  if (cfg.cats.advertise) p.capabilities.push_back(cats_cap(cfg));

  o.parameters.push_back(std::move(p));
  return o;
}

const PeerGracefulRestart::Family* PeerGracefulRestart::find(AfiSafi f) const {
  for (const auto& x : families)
    if (x.family == f) return &x;
  return nullptr;
}

const FamilyState* Negotiated::family(AfiSafi f) const {
  for (const auto& x : families)
    if (x.family == f) return &x;
  return nullptr;
}

bool Negotiated::add_path_send(AfiSafi f) const {
  const auto* s = family(f);
  return s != nullptr && s->add_path_send;
}

bool Negotiated::add_path_receive(AfiSafi f) const {
  const auto* s = family(f);
  return s != nullptr && s->add_path_receive;
}

bool Negotiated::gr_family(AfiSafi f) const {
  return graceful_restart && family(f) != nullptr && peer_graceful_restart && peer_graceful_restart->find(f) != nullptr;
}

wire::Bytes NegotiationError::notification() const {
  return wire::make_notification(code, subcode, data);
}

namespace {

// The peer's AS from My AS and the 4-octet AS capability (RFC 6793 §4.2.1,
// §9; RFC 7607), checked against the configured one.
std::optional<NegotiationError> check_peer_as(const LocalConfig& cfg, const wire::Open& o, const PeerOffer& peer,
                                              std::uint32_t& peer_asn) {
  peer_asn = o.my_as;
  if (peer.as4) {
    if (*peer.as4 == 0) return open_error(notify::kBadPeerAs, "4-octet AS capability carries AS 0 (RFC 7607)");
    // A NEW speaker names its real AS in the capability; AS_TRANS is never one.
    if (*peer.as4 == kAsTrans) return open_error(notify::kBadPeerAs, "4-octet AS capability carries AS_TRANS");
    if (o.my_as != kAsTrans && o.my_as != *peer.as4)
      return open_error(notify::kBadPeerAs, "My AS " + std::to_string(o.my_as) + " is neither AS_TRANS nor " +
                                                as_text(*peer.as4) + " from the 4-octet AS capability");
    peer_asn = *peer.as4;
  } else {
    if (o.my_as == 0) return open_error(notify::kBadPeerAs, "My AS 0 (RFC 7607)");
    if (o.my_as == kAsTrans) return open_error(notify::kBadPeerAs, "AS_TRANS in My AS without a 4-octet AS capability");
  }
  if (cfg.peer_as && *cfg.peer_as != peer_asn)
    return open_error(notify::kBadPeerAs, "peer is " + as_text(peer_asn) + ", expected " + as_text(*cfg.peer_as));
  return std::nullopt;
}

// A peer with no MP capability at all is a plain RFC 4271 speaker: IPv4
// unicast only. Otherwise only families both sides listed are used (RFC 4760 §8).
void negotiate_families(const LocalConfig& cfg, const PeerOffer& peer, Negotiated& n) {
  n.peer_families = peer.multiprotocol ? peer.families : std::vector<AfiSafi>{kIpv4Unicast};
  for (const auto& f : cfg.families) {
    if (std::find(n.peer_families.begin(), n.peer_families.end(), f.family) == n.peer_families.end()) continue;
    // RFC 7911 §4: tuples with other Send/Receive values are ignored. RFC 7911 wants one instance;
    // should a peer send more, a later tuple replaces an earlier one, as for GR (RFC 5492 §4).
    std::uint8_t peer_mode = 0;
    for (const auto& t : peer.add_path)
      if (AfiSafi{t.afi, t.safi} == f.family && t.send_receive >= 1 && t.send_receive <= 3) peer_mode = t.send_receive;
    const std::uint8_t ours = mode_bits(f.add_path);
    n.families.push_back({f.family, (ours & 2) != 0 && (peer_mode & 1) != 0, (ours & 1) != 0 && (peer_mode & 2) != 0});
  }
}

// Route refresh, Extended Message and graceful restart: in use where both offer them.
void negotiate_options(const LocalConfig& cfg, const PeerOffer& peer, Negotiated& n) {
  const bool we_offer_rr = cfg.route_refresh || cfg.enhanced_route_refresh;
  n.route_refresh = we_offer_rr && (peer.route_refresh || peer.route_refresh_old);
  n.route_refresh_pre_standard = n.route_refresh && !peer.route_refresh;
  // BoRR/EoRR are ROUTE-REFRESH messages, so Enhanced Route Refresh needs Route Refresh too.
  n.enhanced_route_refresh = cfg.enhanced_route_refresh && peer.enhanced_route_refresh && n.route_refresh;
  n.extended_message = cfg.extended_message && peer.extended_message;

  n.peer_graceful_restart = peer.graceful_restart;
  n.graceful_restart = cfg.graceful_restart.enabled && peer.graceful_restart.has_value();
  n.gr_notification = n.graceful_restart && cfg.graceful_restart.notification && peer.graceful_restart->notification;
}

// The CATS version both speak; an error when we require CATS and get none.
std::optional<NegotiationError> negotiate_cats(const LocalConfig& cfg, const PeerOffer& peer, Negotiated& n) {
  n.cats_capability = cfg.cats.capability;
  n.peer_cats_max_version = peer.cats;
  if (cfg.cats.advertise && peer.cats && *peer.cats >= 1) n.cats_version = std::min(cfg.cats.max_version, *peer.cats);
  if (cfg.require_cats && n.cats_version == 0) {
    // RFC 5492 §3: the Data field carries the capability we need, as we send it.
    const wire::Bytes data = encoded({cats_cap(cfg)});
    return open_error(notify::kUnsupportedCapability,
                      peer.cats ? "peer's CATS capability has max version 0" : "peer lacks the CATS capability", data);
  }
  return std::nullopt;
}

}  // namespace

NegotiationResult negotiate(const LocalConfig& cfg, const wire::Open& o) {
  const PeerOffer peer = read_offer(o, cfg.cats.capability);

  // RFC 4271 §6.2 order: version, AS, hold time, identifier, then capabilities.
  if (o.version != 4)
    return open_error(notify::kUnsupportedVersion, "BGP version " + std::to_string(o.version) + " (we speak 4)",
                      wire::Bytes{std::byte{0}, std::byte{4}});
  std::uint32_t peer_asn = 0;
  if (auto err = check_peer_as(cfg, o, peer, peer_asn)) return *err;
  if (o.hold_time == 1 || o.hold_time == 2)
    return open_error(notify::kUnacceptableHold, "hold time " + std::to_string(o.hold_time) + " (RFC 4271 §4.2)");
  if (o.hold_time < cfg.min_hold_time)
    return open_error(notify::kUnacceptableHold, "hold time " + std::to_string(o.hold_time) + " below the minimum " +
                                                     std::to_string(cfg.min_hold_time));
  const std::uint32_t peer_id = wire::be32(std::as_bytes(std::span(o.bgp_id)), 0);
  const bool ibgp = peer_asn == cfg.asn;
  if (peer_id == 0) return open_error(notify::kBadBgpId, "BGP Identifier 0.0.0.0");
  // RFC 6286 §2.2: equal identifiers only matter inside one AS.
  if (ibgp && peer_id == cfg.router_id) return open_error(notify::kBadBgpId, "iBGP peer uses our BGP Identifier");

  Negotiated n;
  n.local_asn = cfg.asn;
  n.peer_asn = peer_asn;
  n.peer_router_id = peer_id;
  n.ibgp = ibgp;
  n.hold_time = std::min(cfg.hold_time, o.hold_time);
  n.keepalive = static_cast<std::uint16_t>(n.hold_time / 3);
  n.as4 = peer.as4.has_value();
  negotiate_families(cfg, peer, n);
  if (n.families.empty())
    return open_error(notify::kUnsupportedCapability, "no address family in common", encoded(multiprotocol_caps(cfg)));
  negotiate_options(cfg, peer, n);
  if (auto err = negotiate_cats(cfg, peer, n)) return *err;
  if (peer.fqdn) {
    n.peer_hostname = peer.fqdn->hostname;
    n.peer_domain = peer.fqdn->domain;
  }
  n.unknown_capabilities = peer.unknown;
  return n;
}

wire::DecodeContext decode_context(const Negotiated& n, std::uint8_t cats_type) {
  wire::DecodeContext c;
  c.as4 = n.as4;
  c.add_path.ipv4 = n.add_path_receive(kIpv4Unicast);
  c.add_path.ipv6 = n.add_path_receive(kIpv6Unicast);
  c.extended_message = n.extended_message;
  c.enhanced_route_refresh = n.enhanced_route_refresh;
  c.ebgp = !n.ibgp;
  c.aigp = n.ibgp;
  c.cats_type = cats_type;
  c.cats_capability = n.cats_capability;
  for (const auto& f : n.families)
    if (!(f.family == kIpv4Unicast)) c.multiprotocol = true;
  return c;
}

wire::EncodeContext encode_context(const Negotiated& n) {
  wire::EncodeContext c;
  c.as4 = n.as4;
  c.add_path.ipv4 = n.add_path_send(kIpv4Unicast);
  c.add_path.ipv6 = n.add_path_send(kIpv6Unicast);
  c.extended_message = n.extended_message;
  return c;
}

}  // namespace cats::session
