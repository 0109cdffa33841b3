#include "bgp-ext/wire/path_attributes.hpp"

namespace cats::wire {

namespace {
Bytes attribute_bytes(ByteSpan whole) {
  return Bytes(whole.begin(), whole.end());
}
}  // namespace

void AttributeSet::add(Attribute a) {
  list_.push_back(std::move(a));
  const auto& b = list_.back();
  if (!b.discarded && index_[b.type] < 0) index_[b.type] = static_cast<std::int16_t>(list_.size() - 1);
}

void AttributeSet::set(Attribute a) {
  if (index_[a.type] >= 0) {
    list_[static_cast<std::size_t>(index_[a.type])] = std::move(a);
    return;
  }
  add(std::move(a));
}

void AttributeSet::erase(std::uint8_t type) {
  std::erase_if(list_, [type](const Attribute& a) { return a.type == type; });
  reindex();
}

void AttributeSet::reindex() {
  index_.fill(-1);
  for (std::size_t i = 0; i < list_.size(); ++i)
    if (!list_[i].discarded && index_[list_[i].type] < 0) index_[list_[i].type] = static_cast<std::int16_t>(i);
}

namespace {

DecodeError make_error(Action action, std::uint8_t subcode, std::uint8_t type, std::string reason, Bytes data) {
  return DecodeError{action, notify::kUpdate, subcode, type, std::move(reason), std::move(data)};
}

// E3: the broken attribute hides the rest. If MP_REACH/MP_UNREACH could be
// among them, their NLRI cannot be withdrawn: RFC 7606 §5.3 wants a reset.
Action framing_action(const DecodeContext& ctx, const std::array<bool, 256>& seen) {
  return ctx.multiprotocol && !seen[attr::kMpReach] && !seen[attr::kMpUnreach] ? Action::kSessionReset
                                                                               : Action::kTreatAsWithdraw;
}

// An attribute as framed in the list: `a` with its raw value, and the whole
// attribute, header included.
struct Framed {
  Attribute a;
  ByteSpan whole;
};

// The attribute at `pos`, and `pos` moved past it; false (and the error)
// when its header or length is broken, which hides every later attribute.
bool frame(ByteSpan field, std::size_t& pos, const DecodeContext& ctx, const std::array<bool, 256>& seen, Framed& f,
           std::vector<DecodeError>& errors) {
  const std::size_t left = field.size() - pos;
  if (left < 3) {
    errors.push_back(
        make_error(framing_action(ctx, seen), notify::kMalformedAttrList, 0, "truncated path attribute header", {}));
    return false;
  }
  Attribute& a = f.a;
  a.flags = u8(field, pos);
  a.type = u8(field, pos + 1);
  const bool ext = (a.flags & attr::kExtendedLength) != 0;
  const std::size_t hdr = ext ? 4 : 3;
  if (left < hdr) {
    errors.push_back(make_error(framing_action(ctx, seen), notify::kMalformedAttrList, a.type,
                                "truncated path attribute header", {}));
    return false;
  }
  const std::size_t len = ext ? be16(field, pos + 2) : u8(field, pos + 2);
  if (left - hdr < len) {
    errors.push_back(
        make_error(framing_action(ctx, seen), notify::kAttrLength, a.type,
                   std::string(attribute_name(a.type, ctx.cats_type)) + " length runs past the attribute list",
                   attribute_bytes(field.subspan(pos, left))));
    return false;
  }
  f.whole = field.subspan(pos, hdr + len);
  a.raw = field.subspan(pos + hdr, len);
  a.value = Opaque{a.raw};
  pos += hdr + len;
  return true;
}

// Attributes the session discards whatever their content (true: `a` is
// discarded and the error reported).
bool discarded_by_session(Attribute& a, const DecodeContext& ctx, const char* name, ByteSpan whole,
                          std::vector<DecodeError>& errors) {
  // E17: AIGP on a session without AIGP, or with the T bit, is treated as an
  // unrecognised non-transitive attribute: dropped, route kept.
  if (a.type == attr::kAigp && (!ctx.aigp || (a.flags & attr::kTransitive) != 0)) {
    a.recognised = false;
    a.discarded = true;
    errors.push_back(make_error(Action::kAttributeDiscard, notify::kOptionalAttr, a.type,
                                ctx.aigp ? "AIGP with the Transitive bit" : "AIGP not enabled on this session",
                                attribute_bytes(whole)));
    return true;
  }
  // E15 / RFC 7606 §7.5, §7.9, §7.10: from an eBGP peer these are discarded.
  if (ctx.ebgp && (a.type == attr::kLocalPref || a.type == attr::kOriginatorId || a.type == attr::kClusterList)) {
    a.discarded = true;
    errors.push_back(make_error(Action::kAttributeDiscard, notify::kMalformedAttrList, a.type,
                                std::string(name) + " received from an eBGP peer", {}));
    return true;
  }
  return false;
}

// The value by its descriptor; false when malformed (`a` marked, the
// descriptor's RFC 7606 action reported).
bool decode_value(Attribute& a, const AttributeDescriptor& desc, const DecodeContext& ctx, const char* name,
                  ByteSpan whole, std::vector<DecodeError>& errors) {
  DecodeStatus st;
  if ((a.flags & (attr::kOptional | attr::kTransitive)) != desc.flags) {  // E10: flags conflict = malformed
    st = Malformed{notify::kAttrFlags, std::string(name) + " flags 0x" + to_hex(std::as_bytes(std::span(&a.flags, 1))) +
                                           " conflict with its definition"};
  } else {
    st = desc.decode(a.raw, ctx, a.value);
  }
  if (!st) return true;
  a.malformed = true;
  a.value = Opaque{a.raw};
  if (desc.on_malformed == Action::kAttributeDiscard) a.discarded = true;
  std::uint8_t subcode = st->subcode;
  if (a.type == ctx.cats_type) subcode = notify::kOptionalAttr;  // E35: 3/9 for CATS-EXP
  errors.push_back(make_error(desc.on_malformed, subcode, a.type, st->reason, attribute_bytes(whole)));
  return false;
}

// RFC 6793: AS4_* between two 4-octet speakers, and an AS4_PATH with
// confederation segments, are discarded.
void as4_rules(Attribute& a, const DecodeContext& ctx, const char* name, std::vector<DecodeError>& errors) {
  if (ctx.as4 && (a.type == attr::kAs4Path || a.type == attr::kAs4Aggregator)) {
    a.discarded = true;
    errors.push_back(make_error(Action::kAttributeDiscard, notify::kOptionalAttr, a.type,
                                std::string(name) + " received on a 4-octet AS session", {}));
  }
  if (a.type == attr::kAs4Path && !a.discarded) {
    if (const auto* p = a.as<AsPath>(); p != nullptr && p->has_confed()) {
      a.discarded = true;
      errors.push_back(make_error(Action::kAttributeDiscard, notify::kOptionalAttr, a.type,
                                  "AS4_PATH with confederation segments", {}));
    }
  }
}

// The descriptor that decodes `a`, or nullptr: unrecognised, and a
// well-known one among them is a session reset.
const AttributeDescriptor* recognised(Attribute& a, const DecodeContext& ctx, ByteSpan whole,
                                      std::vector<DecodeError>& errors) {
  const AttributeDescriptor* desc = attribute_descriptor(a.type, ctx.cats_type);
  // E20: our CATS code with foreign O/T bits is someone else's attribute.
  if (desc != nullptr && a.type == ctx.cats_type && (a.flags & (attr::kOptional | attr::kTransitive)) != desc->flags)
    desc = nullptr;
  if (desc != nullptr) return desc;
  a.recognised = false;
  if ((a.flags & attr::kOptional) == 0) {
    errors.push_back(make_error(Action::kSessionReset, notify::kUnrecognizedWellKnown, a.type,
                                "unrecognised well-known attribute " + std::to_string(a.type), attribute_bytes(whole)));
    a.malformed = true;
  }
  return nullptr;
}

}  // namespace

void decode_path_attributes(ByteSpan field, const DecodeContext& ctx, AttributeSet& out,
                            std::vector<DecodeError>& errors) {
  std::array<bool, 256> seen{};
  std::size_t pos = 0;
  while (pos < field.size()) {
    Framed f;
    if (!frame(field, pos, ctx, seen, f, errors)) return;
    Attribute& a = f.a;
    const char* name = attribute_name(a.type, ctx.cats_type);
    if (seen[a.type]) {  // E6 / E7
      if (a.type == attr::kMpReach || a.type == attr::kMpUnreach) {
        errors.push_back(make_error(Action::kSessionReset, notify::kMalformedAttrList, a.type,
                                    std::string(name) + " appears twice", {}));
      }
      a.discarded = true;
    } else {
      seen[a.type] = true;
      const AttributeDescriptor* desc = recognised(a, ctx, f.whole, errors);
      if (desc != nullptr && !discarded_by_session(a, ctx, name, f.whole, errors) &&
          decode_value(a, *desc, ctx, name, f.whole, errors)) {
        as4_rules(a, ctx, name, errors);
      }
    }
    out.add(std::move(a));
  }
}

void encode_attribute(Writer& w, const Attribute& a, const EncodeContext& ctx) {
  // Write the value in place after a length placeholder; widen the length
  // field afterwards in the rare case a value without the hint exceeds 255.
  const bool hint = (a.flags & attr::kExtendedLength) != 0;
  const std::size_t start = w.size();
  w.put8(static_cast<std::uint8_t>(a.flags & 0xf0));
  w.put8(a.type);
  if (hint)
    w.put16(0);
  else
    w.put8(0);
  const std::size_t value_start = w.size();
  if (const auto* d = value_descriptor(a))
    d->encode(w, a.value, ctx);
  else
    std::get<Opaque>(a.value).encode(w);  // unrecognised, malformed or discarded: as received
  const std::size_t len = w.size() - value_start;
  Bytes& out = w.bytes();
  if (!hint && len > 255) {
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(value_start), std::byte{0});
    w.patch8(start, static_cast<std::uint8_t>((a.flags & 0xe0) | attr::kExtendedLength));
    w.patch16(start + 2, static_cast<std::uint16_t>(len));
  } else if (hint) {
    w.patch16(start + 2, static_cast<std::uint16_t>(len));
  } else {
    w.patch8(start + 2, static_cast<std::uint8_t>(len));
  }
}

void encode_path_attributes(Writer& w, const AttributeSet& attrs, const EncodeContext& ctx) {
  for (const auto& a : attrs.list()) encode_attribute(w, a, ctx);
}

std::optional<AsPath> effective_as_path(const AttributeSet& attrs) {
  const auto* p = attrs.get<AsPath>(attr::kAsPath);
  if (p == nullptr) return std::nullopt;
  const auto* p4 = attrs.get<AsPath>(attr::kAs4Path);
  if (p4 == nullptr || p->four_octet) return *p;
  return merge_as4_path(*p, *p4);
}

AttributeSet prepare_for_propagation(const AttributeSet& in) {
  AttributeSet out;
  for (const auto& a : in.list()) {
    if (a.discarded) continue;
    if (!a.recognised) {
      if ((a.flags & attr::kTransitive) == 0) continue;
      Attribute copy = a;
      copy.flags |= attr::kPartial;
      out.add(std::move(copy));
      continue;
    }
    out.add(a);
  }
  return out;
}

}  // namespace cats::wire
