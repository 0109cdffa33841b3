#include "catsd/telemetry/mrt_message.hpp"

#include <algorithm>

namespace cats::telemetry {

namespace {

// Common header (§2), with the microsecond field of the _ET types (§3):
// the length counts it.
class Record {
 public:
  Record(MrtTime t, std::uint16_t type, std::uint16_t subtype) : w_(out_), et_(type == mrt::kBgp4mpEt) {
    const auto since = t.time_since_epoch();
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(since);
    w_.put32(static_cast<std::uint32_t>(s.count()));
    w_.put16(type);
    w_.put16(subtype);
    w_.put32(0);
    if (et_)
      w_.put32(static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(since - s).count()));
  }
  wire::Writer& w() { return w_; }
  wire::Bytes done() && {
    const auto n = static_cast<std::uint32_t>(out_.size() - 12);
    for (int i = 0; i < 4; ++i) out_[8 + i] = static_cast<std::byte>(n >> (24 - 8 * i));
    return std::move(out_);
  }

 private:
  wire::Bytes out_;
  wire::Writer w_;
  bool et_;
};

void put_address(wire::Writer& w, const MrtAddress& a) {
  for (std::size_t i = 0; i < (a.v6 ? 16U : 4U); ++i) w.put8(a.octets[i]);
}

void put_session(wire::Writer& w, const MrtSession& s) {
  w.put32(s.peer_as);
  w.put32(s.local_as);
  w.put16(0);  // interface index
  w.put16(s.peer.v6 ? 2 : 1);
  put_address(w, s.peer);
  MrtAddress local = s.local;
  local.v6 = s.peer.v6;
  put_address(w, local);
}

}  // namespace

MrtAddress MrtAddress::from(wire::ByteSpan addr) {
  MrtAddress a;
  a.v6 = addr.size() == 16;
  for (std::size_t i = 0; i < std::min<std::size_t>(addr.size(), 16); ++i)
    a.octets[i] = static_cast<std::uint8_t>(addr[i]);
  return a;
}

wire::Bytes mrt_peer_index(MrtTime t, std::uint32_t collector_id, const std::string& view,
                           const std::vector<MrtPeer>& peers) {
  Record r(t, mrt::kTableDumpV2, mrt::kPeerIndexTable);
  auto& w = r.w();
  w.put32(collector_id);
  const auto n = std::min<std::size_t>(view.size(), 0xffff);
  w.put16(static_cast<std::uint16_t>(n));
  w.put(wire::ByteSpan(reinterpret_cast<const std::byte*>(view.data()), n));
  w.put16(static_cast<std::uint16_t>(peers.size()));
  for (const auto& p : peers) {
    w.put8(static_cast<std::uint8_t>((p.address.v6 ? 0x01 : 0) | 0x02));  // always a 4-octet AS
    w.put32(p.bgp_id);
    put_address(w, p.address);
    w.put32(p.asn);
  }
  return std::move(r).done();
}

wire::Bytes mrt_rib(MrtTime t, std::uint32_t sequence, wire::Family f, const wire::Prefix& prefix, bool add_path,
                    std::span<const MrtRibEntry> entries) {
  const bool v6 = f.afi == 2;
  const std::uint16_t subtype = v6 ? (add_path ? mrt::kRibIpv6UnicastAddPath : mrt::kRibIpv6Unicast)
                                   : (add_path ? mrt::kRibIpv4UnicastAddPath : mrt::kRibIpv4Unicast);
  Record r(t, mrt::kTableDumpV2, subtype);
  auto& w = r.w();
  w.put32(sequence);
  w.put8(prefix.length);
  for (std::size_t i = 0; i < (prefix.length + 7U) / 8; ++i) w.put8(prefix.addr[i]);
  w.put16(static_cast<std::uint16_t>(entries.size()));
  for (const auto& e : entries) {
    w.put16(e.peer_index);
    w.put32(e.originated);
    if (add_path) w.put32(e.path_id);
    w.put16(static_cast<std::uint16_t>(e.attrs.size()));
    w.put(e.attrs);
  }
  return std::move(r).done();
}

wire::Bytes mrt_message(MrtTime t, const MrtSession& s, bool add_path, wire::ByteSpan message) {
  Record r(t, mrt::kBgp4mpEt, add_path ? mrt::kMessageAs4AddPath : mrt::kMessageAs4);
  put_session(r.w(), s);
  r.w().put(message);
  return std::move(r).done();
}

wire::Bytes mrt_state_change(MrtTime t, const MrtSession& s, std::uint16_t from, std::uint16_t to) {
  Record r(t, mrt::kBgp4mpEt, mrt::kStateChangeAs4);
  put_session(r.w(), s);
  r.w().put16(from);
  r.w().put16(to);
  return std::move(r).done();
}

}  // namespace cats::telemetry
