#include "catsd/telemetry/route_update.hpp"

#include "bgp-ext/wire/header.hpp"

namespace cats::telemetry {

namespace {

constexpr std::uint8_t kMpReach = 14;
constexpr std::uint8_t kMpUnreach = 15;
constexpr std::uint8_t kExtendedLength = 0x10;

struct RawAttr {
  std::uint8_t flags = 0;
  std::uint8_t type = 0;
  wire::ByteSpan value;
};

// Calls f(RawAttr) for each attribute; false when the list is cut short.
template <class F>
bool each_attr(wire::ByteSpan attrs, F&& f) {
  wire::Reader r(attrs);
  while (r.remaining() > 0) {
    RawAttr a;
    a.flags = r.get8();
    a.type = r.get8();
    const std::size_t len = (a.flags & kExtendedLength) != 0 ? r.get16() : r.get8();
    a.value = r.take(len);
    if (!r.ok()) return false;
    f(a);
  }
  return true;
}

void put_attr(wire::Writer& w, std::uint8_t flags, std::uint8_t type, wire::ByteSpan head, wire::ByteSpan tail = {}) {
  const std::size_t len = head.size() + tail.size();
  flags = static_cast<std::uint8_t>(len > 255 ? flags | kExtendedLength : flags & ~kExtendedLength);
  w.put8(flags);
  w.put8(type);
  if (len > 255) {
    w.put16(static_cast<std::uint16_t>(len));
  } else {
    w.put8(static_cast<std::uint8_t>(len));
  }
  w.put(head);
  w.put(tail);
}

}  // namespace

void put_nlri(wire::Writer& w, const wire::Prefix& p, std::optional<std::uint32_t> path_id) {
  if (path_id) w.put32(*path_id);
  w.put8(p.length);
  for (std::size_t i = 0; i < (p.length + 7U) / 8; ++i) w.put8(p.addr[i]);
}

std::optional<wire::Bytes> announcement(wire::Family f, const wire::Prefix& prefix,
                                        std::optional<std::uint32_t> path_id, wire::ByteSpan attrs) {
  wire::Bytes nlri;
  wire::Writer nw(nlri);
  put_nlri(nw, prefix, path_id);
  wire::Bytes msg;
  wire::Writer w(msg);
  const auto start = wire::begin_message(w, wire::MessageType::kUpdate);
  w.put16(0);  // no withdrawn routes
  const auto at = w.mark16();
  const bool ipv4 = f == wire::Family{1, 1};
  const bool ok = each_attr(attrs, [&](const RawAttr& a) {
    if (a.type == kMpReach && !ipv4) {
      put_attr(w, a.flags, a.type, a.value, nlri);  // canonical MP_REACH_NLRI ends with no NLRI
    } else {
      put_attr(w, a.flags, a.type, a.value);
    }
  });
  if (!ok) return std::nullopt;
  w.patch16(at, static_cast<std::uint16_t>(w.size() - at - 2));
  if (ipv4) w.put(nlri);
  wire::finish_message(w, start);
  return msg;
}

wire::Bytes withdrawal(wire::Family f, const wire::Prefix& prefix, std::optional<std::uint32_t> path_id) {
  wire::Bytes nlri;
  wire::Writer nw(nlri);
  put_nlri(nw, prefix, path_id);
  wire::Bytes msg;
  wire::Writer w(msg);
  const auto start = wire::begin_message(w, wire::MessageType::kUpdate);
  if (f == wire::Family{1, 1}) {
    w.put16(static_cast<std::uint16_t>(nlri.size()));
    w.put(nlri);
    w.put16(0);
  } else {
    w.put16(0);
    const auto at = w.mark16();
    wire::Bytes head;
    wire::Writer hw(head);
    hw.put16(f.afi);
    hw.put8(f.safi);
    put_attr(w, 0x80, kMpUnreach, head, nlri);
    w.patch16(at, static_cast<std::uint16_t>(w.size() - at - 2));
  }
  wire::finish_message(w, start);
  return msg;
}

std::optional<wire::Bytes> mrt_attributes(wire::ByteSpan attrs) {
  wire::Bytes out;
  wire::Writer w(out);
  bool ok = true;
  const bool walked = each_attr(attrs, [&](const RawAttr& a) {
    if (a.type != kMpReach) {
      put_attr(w, a.flags, a.type, a.value);
      return;
    }
    // AFI(2) SAFI(1) NH-len(1) NH ...: keep NH-len and NH.
    if (a.value.size() < 4 || a.value.size() < 4U + static_cast<std::uint8_t>(a.value[3])) {
      ok = false;
      return;
    }
    put_attr(w, a.flags, a.type, a.value.subspan(3, 1U + static_cast<std::uint8_t>(a.value[3])));
  });
  if (!walked || !ok) return std::nullopt;
  return out;
}

}  // namespace cats::telemetry
