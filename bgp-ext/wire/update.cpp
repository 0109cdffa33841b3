#include "bgp-ext/wire/update.hpp"

#include "bgp-ext/wire/header.hpp"

namespace cats::wire {

std::optional<Family> Update::end_of_rib() const {
  if (withdrawn.empty() && nlri.empty()) {
    if (attrs.empty()) return Family{1, 1};
    const auto& l = attrs.list();
    if (l.size() == 1 && l[0].type == attr::kMpUnreach)
      if (const auto* u = l[0].as<MpUnreach>(); u != nullptr && u->withdrawn.empty()) return Family{u->afi, u->safi};
  }
  return std::nullopt;
}

bool Update::has_reachable() const {
  if (!nlri.empty()) return true;
  const auto* r = mp_reach();
  return r != nullptr && !r->nlri.empty();
}

bool Update::has_any_nlri() const {
  if (has_reachable() || !withdrawn.empty()) return true;
  const auto* u = mp_unreach();
  return u != nullptr && !u->withdrawn.empty();
}

std::optional<AsPath> Update::effective_as_path() const {
  return wire::effective_as_path(attrs);
}

namespace {

DecodeError update_error(Action act, std::uint8_t sub, std::string why) {
  return DecodeError{act, notify::kUpdate, sub, std::nullopt, std::move(why), {}};
}

// RFC 7606 §3(d): well-known mandatory attributes for the NLRI present.
void check_mandatory(const Update& u, std::vector<DecodeError>& errors, const std::array<bool, 256>& present) {
  if (!u.has_reachable()) return;
  auto require = [&](std::uint8_t type, const char* name) {
    if (!present[type])
      errors.push_back(DecodeError{Action::kTreatAsWithdraw, notify::kUpdate, notify::kMissingWellKnown, type,
                                   std::string("missing well-known attribute ") + name,
                                   Bytes{static_cast<std::byte>(type)}});
  };
  require(attr::kOrigin, "ORIGIN");
  require(attr::kAsPath, "AS_PATH");
  if (!u.nlri.empty()) require(attr::kNextHop, "NEXT_HOP");
}

}  // namespace

void decode_update(ByteSpan body, const DecodeContext& ctx, Update& out, std::vector<DecodeError>& errors) {
  // E2: the two length fields must fit the message.
  if (body.size() < 4) {
    errors.push_back(
        update_error(Action::kSessionReset, notify::kMalformedAttrList, "UPDATE body shorter than 4 octets"));
    return;
  }
  const std::size_t wlen = be16(body, 0);
  if (2 + wlen + 2 > body.size()) {
    errors.push_back(update_error(Action::kSessionReset, notify::kMalformedAttrList,
                                  "Withdrawn Routes Length " + std::to_string(wlen) + " overruns the message"));
    return;
  }
  const std::size_t alen = be16(body, 2 + wlen);
  if (4 + wlen + alen > body.size()) {
    errors.push_back(update_error(Action::kSessionReset, notify::kMalformedAttrList,
                                  "Total Path Attribute Length " + std::to_string(alen) + " overruns the message"));
    return;
  }
  const ByteSpan wfield = body.subspan(2, wlen);
  const ByteSpan afield = body.subspan(4 + wlen, alen);
  const ByteSpan nfield = body.subspan(4 + wlen + alen);
  const bool ap4 = ctx.add_path.ipv4;
  // E9: IPv4 NLRI that cannot be parsed cannot be withdrawn either.
  if (auto e = validate_nlri(wfield, Afi::kIpv4, ap4)) {
    errors.push_back(update_error(Action::kSessionReset, notify::kInvalidNetwork, "Withdrawn Routes: " + *e));
    return;
  }
  if (auto e = validate_nlri(nfield, Afi::kIpv4, ap4)) {
    errors.push_back(update_error(Action::kSessionReset, notify::kInvalidNetwork, "NLRI: " + *e));
    return;
  }
  out.withdrawn = NlriView(wfield, Afi::kIpv4, ap4);
  out.nlri = NlriView(nfield, Afi::kIpv4, ap4);

  const std::size_t first_error = errors.size();
  decode_path_attributes(afield, ctx, out.attrs, errors);

  std::array<bool, 256> present{};
  for (const auto& a : out.attrs.list()) present[a.type] = true;
  check_mandatory(out, errors, present);

  // E35 / RFC 7606 §5.2: nothing to withdraw, so treat-as-withdraw escalates.
  if (!out.has_any_nlri() && !out.end_of_rib()) {
    for (std::size_t i = first_error; i < errors.size(); ++i) {
      auto& e = errors[i];
      if (e.action == Action::kTreatAsWithdraw) {
        e.action = Action::kSessionReset;
        e.reason += " (UPDATE carries no NLRI: session reset)";
      }
    }
  }
}

void encode_update_body(Writer& w, const Update& u, const EncodeContext& ctx) {
  w.put16(static_cast<std::uint16_t>(u.withdrawn.bytes().size()));
  w.put(u.withdrawn.bytes());
  const auto at = w.mark16();
  const auto start = w.size();
  encode_path_attributes(w, u.attrs, ctx);
  w.patch16(at, static_cast<std::uint16_t>(w.size() - start));
  w.put(u.nlri.bytes());
}

namespace {

// Attribute block shared by every message of a pack, encoded once.
Bytes encode_attrs(const AttributeSet& attrs, const EncodeContext& ctx) {
  Bytes b;
  Writer w(b);
  encode_path_attributes(w, attrs, ctx);
  return b;
}

}  // namespace

namespace {

// How many prefixes from `i` fit in `room` octets.
std::size_t fit(std::span<const NlriEntry> p, std::size_t i, bool ap, std::size_t room, std::size_t& used) {
  std::size_t j = i;
  used = 0;
  while (j < p.size() && used + encoded_nlri_size(p[j], ap) <= room) used += encoded_nlri_size(p[j++], ap);
  return j;
}

// Header of an attribute whose value length is known up front; Extended
// Length only when the value needs it.
void put_attr_header(Writer& w, std::uint8_t flags, std::uint8_t type, std::size_t len) {
  const bool ext = len > 255;
  w.put8(static_cast<std::uint8_t>(flags | (ext ? attr::kExtendedLength : 0)));
  w.put8(type);
  if (ext)
    w.put16(static_cast<std::uint16_t>(len));
  else
    w.put8(static_cast<std::uint8_t>(len));
}

}  // namespace

PackedUpdates pack_announcements(const AttributeSet& attrs, Afi afi, ByteSpan mp_next_hop,
                                 std::span<const NlriEntry> prefixes, const EncodeContext& ctx) {
  PackedUpdates out;
  const Bytes common = encode_attrs(attrs, ctx);
  const bool ap = ctx.add_path.for_afi(afi);
  const std::size_t max = ctx.max_message();
  // Fixed part: header, two length fields, the shared attributes.
  const std::size_t fixed = kHeaderSize + 4 + common.size();
  const std::size_t mp_fixed = 5 + mp_next_hop.size();
  std::size_t i = 0;
  while (i < prefixes.size()) {
    std::size_t used = 0;
    const std::size_t overhead = afi == Afi::kIpv4 ? fixed : fixed + 4 + mp_fixed;
    if (overhead >= max) {
      out.ok = false;
      return out;
    }
    const std::size_t j = fit(prefixes, i, ap, max - overhead, used);
    if (j == i) {
      out.ok = false;  // a single prefix does not fit
      return out;
    }
    Bytes msg;
    msg.reserve(overhead + used);
    Writer w(msg);
    const auto start = begin_message(w, MessageType::kUpdate);
    w.put16(0);  // no withdrawn routes
    const auto alen_at = w.mark16();
    const auto attrs_start = w.size();
    if (afi == Afi::kIpv6) {  // MP_REACH_NLRI goes first (RFC 7606 §5.1)
      put_attr_header(w, attr::kOptional, attr::kMpReach, mp_fixed + used);
      w.put16(static_cast<std::uint16_t>(afi));
      w.put8(kSafiUnicast);
      w.put8(static_cast<std::uint8_t>(mp_next_hop.size()));
      w.put(mp_next_hop);
      w.put8(0);
      for (; i < j; ++i) encode_nlri(w, prefixes[i], ap);
    }
    w.put(common);
    w.patch16(alen_at, static_cast<std::uint16_t>(w.size() - attrs_start));
    for (; i < j; ++i) encode_nlri(w, prefixes[i], ap);
    finish_message(w, start);
    out.messages.push_back(std::move(msg));
  }
  return out;
}

PackedUpdates pack_withdrawals(Afi afi, std::span<const NlriEntry> prefixes, const EncodeContext& ctx) {
  PackedUpdates out;
  const bool ap = ctx.add_path.for_afi(afi);
  const std::size_t max = ctx.max_message();
  const std::size_t overhead = kHeaderSize + 4 + (afi == Afi::kIpv4 ? 0 : 4 + 3);
  std::size_t i = 0;
  while (i < prefixes.size()) {
    std::size_t used = 0;
    const std::size_t j = fit(prefixes, i, ap, max - overhead, used);
    Bytes msg;
    Writer w(msg);
    const auto start = begin_message(w, MessageType::kUpdate);
    if (afi == Afi::kIpv4) {
      w.put16(static_cast<std::uint16_t>(used));
      for (; i < j; ++i) encode_nlri(w, prefixes[i], ap);
      w.put16(0);
    } else {
      w.put16(0);
      const auto alen_at = w.mark16();
      const auto astart = w.size();
      put_attr_header(w, attr::kOptional, attr::kMpUnreach, 3 + used);
      w.put16(static_cast<std::uint16_t>(afi));
      w.put8(kSafiUnicast);
      for (; i < j; ++i) encode_nlri(w, prefixes[i], ap);
      w.patch16(alen_at, static_cast<std::uint16_t>(w.size() - astart));
    }
    finish_message(w, start);
    out.messages.push_back(std::move(msg));
  }
  return out;
}

Bytes end_of_rib_message(Afi afi) {
  Bytes msg;
  Writer w(msg);
  const auto start = begin_message(w, MessageType::kUpdate);
  w.put16(0);
  if (afi == Afi::kIpv4) {
    w.put16(0);
  } else {
    w.put16(6);
    w.put8(attr::kOptional);
    w.put8(attr::kMpUnreach);
    w.put8(3);
    w.put16(static_cast<std::uint16_t>(afi));
    w.put8(kSafiUnicast);
  }
  finish_message(w, start);
  return msg;
}

}  // namespace cats::wire
