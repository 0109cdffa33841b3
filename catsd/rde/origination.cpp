#include "catsd/rde/origination.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <memory>

#include "bgp-ext/wire/attributes.hpp"
#include "bgp-ext/wire/path_attributes.hpp"
#include "bgp-ext/wire/update.hpp"

namespace cats::rde {
namespace {

using namespace cats::wire;

constexpr std::array<std::uint8_t, config::kCategoryCount> kL1Type = {
    cats_metric::kComputeNorm, cats_metric::kCommunicationNorm, cats_metric::kServiceNorm, cats_metric::kComposedNorm};

// Backing store for the octets the CatsExp value type borrows.
struct Scratch {
  std::vector<std::unique_ptr<Bytes>> chunks;
  ByteSpan keep(Bytes b) {
    chunks.push_back(std::make_unique<Bytes>(std::move(b)));
    return *chunks.back();
  }
  ByteSpan byte(std::uint8_t v) { return keep(Bytes{static_cast<std::byte>(v)}); }
};

std::optional<CatsId> make_id(const config::ServiceId& id, Scratch& s) {
  switch (id.type) {
    case config::ServiceId::Type::kIpv4:
    case config::ServiceId::Type::kIpv6: {
      const Afi afi = id.type == config::ServiceId::Type::kIpv4 ? Afi::kIpv4 : Afi::kIpv6;
      const auto a = parse_address(afi, id.value);
      if (!a) return std::nullopt;
      const std::size_t n = afi == Afi::kIpv4 ? 4 : 16;
      Bytes b(n);
      for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((*a)[i]);
      return CatsId{static_cast<std::uint8_t>(id.type), s.keep(std::move(b))};
    }
    case config::ServiceId::Type::kOpaque: {
      std::uint32_t v = 0;
      for (char c : id.value) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint32_t>(c - '0');
      }
      Bytes b;
      Writer(b).put32(v);
      return CatsId{3, s.keep(std::move(b))};
    }
  }
  return std::nullopt;
}

std::vector<CatsMetric> make_metrics(std::optional<std::uint8_t> l2, const config::L1Scores& l1, Scratch& s) {
  std::vector<CatsMetric> out;
  if (l2) out.push_back({cats_metric::kNormFi, cats_metric::kL2Descriptor, s.byte(*l2), {}});
  for (std::size_t i = 0; i < l1.size(); ++i)
    if (l1[i]) out.push_back({kL1Type[i], cats_metric::kL1Descriptor, s.byte(*l1[i]), {}});
  return out;
}

CatsExp make_cats(const config::Service& svc, const ServiceState& st, const Prefix& prefix, std::uint16_t interval,
                  Scratch& s) {
  CatsExp c;
  c.value_flags = st.metrics.drain ? kCatsDrainFlag : 0;
  config::ServiceId cs = svc.cs_id.value_or(config::ServiceId{
      prefix.afi == Afi::kIpv4 ? config::ServiceId::Type::kIpv4 : config::ServiceId::Type::kIpv6,
      address_to_string(prefix.afi, std::as_bytes(std::span(prefix.addr)).first(prefix.afi == Afi::kIpv4 ? 4 : 16))});
  if (auto id = make_id(cs, s)) c.tlvs.push_back({cats_tlv::kCsId, {}, {}, CatsCsId{*id}});
  c.tlvs.push_back({cats_tlv::kSiteMetrics, {}, {}, CatsSiteMetrics{make_metrics(st.metrics.l2, st.metrics.l1, s)}});
  for (const auto& inst : st.metrics.instances) {
    auto id = make_id(inst.id, s);
    if (!id) continue;
    CatsContactInstance ci;
    ci.id = *id;
    ci.metrics = make_metrics(inst.l2, inst.l1, s);
    c.tlvs.push_back({cats_tlv::kContactInstance, {}, {}, std::move(ci)});
  }
  c.tlvs.push_back({cats_tlv::kMetricControl, {}, {}, CatsMetricControl{st.sequence, interval, svc.profile}});
  return c;
}

Attribute well_known(std::uint8_t type, AttrValue v) {
  Attribute a;
  a.flags = attr::kTransitive;
  a.type = type;
  a.value = std::move(v);
  return a;
}

EncodeContext local_context() {
  EncodeContext ctx;
  ctx.as4 = true;
  return ctx;
}

}  // namespace

Bytes build_cats_exp_value(const config::Service& svc, const ServiceState& st, const Prefix& prefix,
                           std::uint16_t interval) {
  Scratch s;
  Bytes out;
  Writer w(out);
  make_cats(svc, st, prefix, interval, s).encode(w);
  return out;
}

std::vector<Bytes> build_announcements(const config::Service& svc, const ServiceState& st, const OriginParams& p) {
  std::vector<Bytes> out;
  for (const auto& text : svc.prefixes) {
    const auto prefix = Prefix::parse(text);
    if (!prefix) continue;  // the loader validated it
    Scratch s;
    AttributeSet attrs;
    attrs.add(well_known(attr::kOrigin, Origin{0}));
    attrs.add(well_known(attr::kAsPath, AsPath{}));
    // A placeholder the receiver-side checks accept: the router id (IPv4-mapped for IPv6).
    const std::array<std::uint8_t, 4> rid = {
        static_cast<std::uint8_t>(p.router_id >> 24), static_cast<std::uint8_t>(p.router_id >> 16),
        static_cast<std::uint8_t>(p.router_id >> 8), static_cast<std::uint8_t>(p.router_id)};
    if (prefix->afi == Afi::kIpv4) attrs.add(well_known(attr::kNextHop, NextHop{rid}));
    Attribute cats;
    cats.flags = attr::kOptional | attr::kTransitive;
    cats.type = p.cats_type;
    cats.value = make_cats(svc, st, *prefix, p.interval, s);
    attrs.add(std::move(cats));
    std::array<std::uint8_t, 16> mapped{};
    mapped[10] = mapped[11] = 0xff;
    std::copy(rid.begin(), rid.end(), mapped.begin() + 12);
    const NlriEntry e{*prefix, std::nullopt};
    auto packed = pack_announcements(attrs, prefix->afi, std::as_bytes(std::span(mapped)),
                                     std::span<const NlriEntry>(&e, 1), local_context());
    // check_fits() keeps every accepted state within one UPDATE.
    if (!packed.ok) spdlog::error("service {}: {} does not fit in an UPDATE, not advertised", svc.name, text);
    for (auto& m : packed.messages) out.push_back(std::move(m));
  }
  return out;
}

std::vector<Bytes> build_withdrawals(const config::Service& svc) {
  std::vector<Bytes> out;
  for (const auto& text : svc.prefixes) {
    const auto prefix = Prefix::parse(text);
    if (!prefix) continue;
    const NlriEntry e{*prefix, std::nullopt};
    auto packed = pack_withdrawals(prefix->afi, std::span<const NlriEntry>(&e, 1), local_context());
    for (auto& m : packed.messages) out.push_back(std::move(m));
  }
  return out;
}

std::optional<std::string> check_metrics(const config::Metrics& m) {
  auto check_l1 = [](const config::L1Scores& l1) -> std::optional<std::string> {
    for (std::size_t i = 0; i < l1.size(); ++i)
      if (l1[i] && *l1[i] > cats_metric::kMaxScore)
        return std::string("L1 ") + config::category_name(config::kCategories[i]) + " score above 10";
    return std::nullopt;
  };
  if (m.l2 > cats_metric::kMaxScore) return "L2 score above 10";
  if (auto e = check_l1(m.l1)) return e;
  for (const auto& inst : m.instances) {
    Scratch s;
    if (!make_id(inst.id, s)) return "instance id \"" + inst.id.value + "\" is not an IPv4/IPv6 address or a number";
    if (inst.l2 > cats_metric::kMaxScore) return "instance " + inst.id.value + ": L2 score above 10";
    if (auto e = check_l1(inst.l1)) return "instance " + inst.id.value + ": " + *e;
  }
  return std::nullopt;
}

std::uint32_t clock_sequence(std::chrono::system_clock::time_point now) {
  // 2020-01-01T00:00:00Z in Unix time.
  constexpr std::chrono::system_clock::time_point kEpoch{std::chrono::seconds{1577836800}};
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - kEpoch).count();
  const auto ticks = static_cast<std::uint64_t>(std::max<std::int64_t>(0, ms)) * 256 / 1000;
  return static_cast<std::uint32_t>(ticks & 0xffffffffU);
}

std::uint32_t next_sequence(std::uint32_t current, std::uint32_t clock) {
  const std::uint32_t up = current + 1;
  // RFC 1982: clock is ahead of up when their difference, as signed 32 bits, is positive.
  return static_cast<std::int32_t>(clock - up) > 0 ? clock : up;
}

std::optional<std::string> check_fits(const config::Service& svc, const config::Metrics& m) {
  ServiceState st;
  st.metrics = m;
  for (const auto& text : svc.prefixes) {
    const auto prefix = Prefix::parse(text);
    if (!prefix) continue;
    const std::size_t octets = build_cats_exp_value(svc, st, *prefix, 0).size();
    if (octets > kMaxCatsExpOctets)
      return "the CATS-EXP attribute for " + text + " with " + std::to_string(m.instances.size()) +
             " contact instances needs " + std::to_string(octets) + " octets; at most " +
             std::to_string(kMaxCatsExpOctets) + " fit in an UPDATE to any peer: use fewer instances";
  }
  return std::nullopt;
}

config::ConfigErrors check_origination(const config::Config& cfg) {
  config::ConfigErrors out;
  const std::string root = "/cats-bgp:bgp/services/service[name='";
  for (const auto& svc : cfg.services) {
    if (auto e = check_fits(svc, svc.metrics)) out.push_back({root + svc.name + "']/metrics", *e});
    // The collector reports one instance per target, with every L1 category;
    // an IPv6 instance id is the largest it can be.
    config::Metrics full;
    full.l1.fill(std::uint8_t{10});
    for (const auto& t : cfg.collector.targets)
      if (t.service == svc.name)
        full.instances.push_back({{config::ServiceId::Type::kIpv6, "2001:db8::1"}, 10, full.l1});
    if (full.instances.size() > svc.metrics.instances.size())
      if (auto e = check_fits(svc, full)) out.push_back({"/cats-bgp:bgp/collector", "service " + svc.name + ": " + *e});
  }
  return out;
}

}  // namespace cats::rde
