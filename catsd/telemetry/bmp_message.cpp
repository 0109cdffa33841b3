#include "catsd/telemetry/bmp_message.hpp"

#include <algorithm>

namespace cats::telemetry {

namespace {

// Common header (§4.1): version, length, type; the length patched at the end.
class Message {
 public:
  explicit Message(bmp::Type t) : w_(out_) {
    w_.put8(kBmpVersion);
    w_.put32(0);
    w_.put8(static_cast<std::uint8_t>(t));
  }
  wire::Writer& w() { return w_; }
  wire::Bytes done() && {
    const auto n = static_cast<std::uint32_t>(out_.size());
    for (int i = 0; i < 4; ++i) out_[1 + i] = static_cast<std::byte>(n >> (24 - 8 * i));
    return std::move(out_);
  }

 private:
  wire::Bytes out_;
  wire::Writer w_;
};

void put_peer_header(wire::Writer& w, const PeerHeader& h) {
  w.put8(static_cast<std::uint8_t>(h.type));
  w.put8(h.flags);
  w.put64(h.distinguisher);
  for (auto b : h.address) w.put8(b);
  w.put32(h.asn);
  w.put32(h.bgp_id);
  const auto since = h.time.time_since_epoch();
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(since);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(since - s);
  w.put32(static_cast<std::uint32_t>(s.count()));
  w.put32(static_cast<std::uint32_t>(us.count()));
}

void put_info(wire::Writer& w, const InfoTlv& t) {
  const auto n = std::min<std::size_t>(t.value.size(), 0xffff);
  w.put16(t.type);
  w.put16(static_cast<std::uint16_t>(n));
  w.put(wire::ByteSpan(reinterpret_cast<const std::byte*>(t.value.data()), n));
}

}  // namespace

std::array<std::uint8_t, 16> bmp_address(wire::ByteSpan addr) {
  std::array<std::uint8_t, 16> out{};
  const std::size_t at = addr.size() == 4 ? 12 : 0;
  for (std::size_t i = 0; i < addr.size() && at + i < out.size(); ++i) out[at + i] = static_cast<std::uint8_t>(addr[i]);
  return out;
}

wire::Bytes bmp_initiation(const std::vector<InfoTlv>& info) {
  Message m(bmp::Type::kInitiation);
  for (const auto& t : info) put_info(m.w(), t);
  return std::move(m).done();
}

wire::Bytes bmp_termination(const std::string& why) {
  Message m(bmp::Type::kTermination);
  put_info(m.w(), {bmp::kInfoString, why});
  m.w().put16(1);  // Reason
  m.w().put16(2);
  m.w().put16(0);  // administratively closed
  return std::move(m).done();
}

wire::Bytes bmp_peer_up(const PeerHeader& h, const std::array<std::uint8_t, 16>& local, std::uint16_t local_port,
                        std::uint16_t remote_port, wire::ByteSpan sent_open, wire::ByteSpan received_open,
                        const std::vector<InfoTlv>& info) {
  Message m(bmp::Type::kPeerUp);
  put_peer_header(m.w(), h);
  for (auto b : local) m.w().put8(b);
  m.w().put16(local_port);
  m.w().put16(remote_port);
  m.w().put(sent_open);
  m.w().put(received_open);
  for (const auto& t : info) put_info(m.w(), t);
  return std::move(m).done();
}

wire::Bytes bmp_peer_down(const PeerHeader& h, std::uint8_t reason, wire::ByteSpan data) {
  Message m(bmp::Type::kPeerDown);
  put_peer_header(m.w(), h);
  m.w().put8(reason);
  m.w().put(data);
  return std::move(m).done();
}

wire::Bytes bmp_route_monitoring(const PeerHeader& h, wire::ByteSpan update) {
  Message m(bmp::Type::kRouteMonitoring);
  put_peer_header(m.w(), h);
  m.w().put(update);
  return std::move(m).done();
}

wire::Bytes bmp_statistics(const PeerHeader& h, const std::vector<Stat>& stats) {
  Message m(bmp::Type::kStatisticsReport);
  put_peer_header(m.w(), h);
  m.w().put32(static_cast<std::uint32_t>(stats.size()));
  for (const auto& s : stats) {
    m.w().put16(s.type);
    if (s.gauge) {
      m.w().put16(8);
      m.w().put64(s.value);
    } else {
      m.w().put16(4);
      m.w().put32(static_cast<std::uint32_t>(std::min<std::uint64_t>(s.value, 0xffffffff)));
    }
  }
  return std::move(m).done();
}

}  // namespace cats::telemetry
