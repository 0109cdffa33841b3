// CATS-EXP's row of the JSON table: the CatsExp model (cats_exp.hpp) as JSON
// and back.
#include <bit>

#include "bgp-ext/wire/attribute_json.hpp"

namespace cats::wire {

namespace {

Json metric_json(const CatsMetric& m) {
  Json o;
  o["metric_type"] = m.type;
  o["name"] = cats_metric_name(m.type);
  o["descriptor"] = m.descriptor;
  o["level"] = m.level();
  o["format"] = m.is_float() ? "float" : "uint";
  o["unit"] = cats_unit_name(m.unit());
  o["source"] = cats_source_name(m.source());
  o["statistics"] = cats_statistics_name(m.statistics());
  if (!m.ignored.empty()) {
    o["ignored"] = m.ignored;
  } else if (m.known_type()) {
    if (auto n = m.number()) {
      if (m.is_float())
        o["value"] = *n;
      else
        o["value"] = static_cast<std::uint64_t>(*n);
    }
  }
  o["value_hex"] = to_hex(m.value);
  return o;
}

// A metric set (Site Metrics, a contact instance) and its score.
void metric_set_json(const std::vector<CatsMetric>& metrics, Json& tj) {
  Json ms = Json::array();
  for (const auto& m : metrics) ms.push_back(metric_json(m));
  tj["metrics"] = std::move(ms);
  if (auto sc = metric_set_score(metrics)) tj["score"] = *sc;
}

// A metric set (Site Metrics, a contact instance) from its TLV's object.
std::vector<CatsMetric> metric_set_from(const JsonReader& r, const Json& tj, const std::string& tp) {
  std::vector<CatsMetric> out;
  r.each(tj, "metrics", tp, [&](const Json& mj, const std::string& mp) {
    CatsMetric m;
    m.type = r.number<std::uint8_t>(mj, "metric_type", mp, 255);
    m.descriptor = r.number<std::uint16_t>(mj, "descriptor", mp, 0xffff);
    if (mj.contains("value_hex")) {
      m.value = r.hex(mj, "value_hex", mp);
    } else {
      // Only a value: 1 octet for scores, else by format.
      Bytes b;
      Writer w(b);
      const Json& v = r.field(mj, "value", mp);
      if ((m.descriptor >> 13) & 1u) {
        if (!v.is_number()) r.fail(mp + ".value", "expected a number");
        w.put32(std::bit_cast<std::uint32_t>(v.get<float>()));
      } else {
        const auto n = r.number<std::uint64_t>(mj, "value", mp, ~std::uint64_t{0});
        if (n <= 0xff)
          w.put8(static_cast<std::uint8_t>(n));
        else if (n <= 0xffffffffu)
          w.put32(static_cast<std::uint32_t>(n));
        else
          w.put64(n);
      }
      m.value = r.keep(std::move(b));
    }
    if (m.value.size() > 253) r.fail(mp, "metric value longer than 253 octets");
    out.push_back(std::move(m));
  });
  return out;
}

CatsId cats_id_from(const JsonReader& r, const Json& o, const std::string& path) {
  CatsId id;
  id.id_type = r.number<std::uint8_t>(o, "id_type", path, 255);
  const std::string s = r.text(o, "id", path);
  Bytes b;
  Writer w(b);
  if (id.id_type == 1 || id.id_type == 2) {
    auto a = parse_address(id.id_type == 1 ? Afi::kIpv4 : Afi::kIpv6, s);
    if (!a) r.fail(path + ".id", "invalid address");
    w.put(std::as_bytes(std::span(a->data(), id.id_type == 1 ? 4 : 16)));
  } else if (id.id_type == 3) {
    try {
      w.put32(static_cast<std::uint32_t>(std::stoul(s)));
    } catch (const std::exception&) {
      r.fail(path + ".id", "expected a number");
    }
  } else {
    auto h = from_hex(s);
    if (!h) r.fail(path + ".id", "expected hex");
    b = std::move(*h);
  }
  id.id = r.keep(std::move(b));
  return id;
}

}  // namespace

void cats_exp_to_json(const CatsExp& c, Json& o) {
  o["version"] = c.version;
  o["drain"] = c.drain();
  o["value_flags"] = c.value_flags;
  if (c.reserved != 0) o["reserved"] = c.reserved;
  if (!c.understood()) {
    o["opaque"] = true;
    o["opaque_value"] = to_hex(c.opaque);
    return;
  }
  Json tlvs = Json::array();
  for (const auto& t : c.tlvs) {
    Json tj;
    tj["type"] = t.type;
    tj["name"] = cats_tlv_name(t.type);
    if (const auto* cs = std::get_if<CatsCsId>(&t.body)) {
      tj["id_type"] = cs->id.id_type;
      tj["id"] = cs->id.to_string();
    } else if (const auto* s = std::get_if<CatsSiteMetrics>(&t.body)) {
      metric_set_json(s->metrics, tj);
    } else if (const auto* ci = std::get_if<CatsContactInstance>(&t.body)) {
      tj["id_type"] = ci->id.id_type;
      tj["id"] = ci->id.to_string();
      if (ci->reserved != 0) tj["reserved"] = ci->reserved;
      metric_set_json(ci->metrics, tj);
    } else if (const auto* mc = std::get_if<CatsMetricControl>(&t.body)) {
      tj["sequence"] = mc->sequence;
      tj["interval"] = mc->interval;
      tj["profile"] = mc->profile;
    }
    if (!t.ignored.empty()) tj["ignored"] = t.ignored;
    if (std::holds_alternative<std::monostate>(t.body)) tj["value"] = to_hex(t.value);
    tlvs.push_back(std::move(tj));
  }
  o["tlvs"] = std::move(tlvs);
  if (auto s = c.site_score())
    o["site_score"] = *s;
  else
    o["site_score"] = nullptr;
  o["warnings"] = c.warnings;
}

CatsExp cats_exp_from_json(const JsonReader& r, const Json& o, const std::string& path, const EncodeContext&) {
  CatsExp c;
  c.version = r.number<std::uint8_t>(o, "version", path, 255);
  c.value_flags = r.number_or<std::uint8_t>(o, "value_flags", path, 255, 0);
  if (o.contains("drain") && o.at("drain").is_boolean()) {
    if (o.at("drain").get<bool>())
      c.value_flags |= kCatsDrainFlag;
    else
      c.value_flags &= static_cast<std::uint8_t>(~kCatsDrainFlag);
  }
  c.reserved = r.number_or<std::uint16_t>(o, "reserved", path, 0xffff, 0);
  if (c.version != 1) {
    c.opaque = o.contains("opaque_value") ? r.hex(o, "opaque_value", path) : ByteSpan{};
    return c;
  }
  r.each(o, "tlvs", path, [&](const Json& tj, const std::string& tp) {
    CatsTlv t;
    t.type = r.number<std::uint8_t>(tj, "type", tp, 255);
    if (tj.contains("value") || tj.contains("ignored")) {
      t.value = r.hex(tj, "value", tp);  // opaque: unknown or deliberately raw
    } else if (t.type == cats_tlv::kCsId) {
      t.body = CatsCsId{cats_id_from(r, tj, tp)};
    } else if (t.type == cats_tlv::kSiteMetrics) {
      t.body = CatsSiteMetrics{metric_set_from(r, tj, tp)};
    } else if (t.type == cats_tlv::kContactInstance) {
      CatsContactInstance ci;
      ci.id = cats_id_from(r, tj, tp);
      ci.reserved = r.number_or<std::uint8_t>(tj, "reserved", tp, 255, 0);
      ci.metrics = metric_set_from(r, tj, tp);
      t.body = std::move(ci);
    } else if (t.type == cats_tlv::kMetricControl) {
      t.body = CatsMetricControl{r.number<std::uint32_t>(tj, "sequence", tp, 0xffffffffu),
                                 r.number<std::uint16_t>(tj, "interval", tp, 0xffff),
                                 r.number<std::uint16_t>(tj, "profile", tp, 0xffff)};
    } else {
      r.fail(tp, "unknown TLV type needs \"value\" (hex)");
    }
    c.tlvs.push_back(std::move(t));
  });
  return c;
}

}  // namespace cats::wire
