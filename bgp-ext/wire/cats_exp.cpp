#include "bgp-ext/wire/cats_exp.hpp"

#include <algorithm>
#include <bit>

#include "bgp-ext/wire/nlri.hpp"

namespace cats::wire {

const char* cats_metric_name(std::uint8_t type) {
  switch (type) {
    case 1: return "norm_fi";
    case 2: return "compute_norm";
    case 3: return "communication_norm";
    case 4: return "service_norm";
    case 5: return "composed_norm";
    case 6: return "storage_norm";
    case 16: return "compute_cpu_frequency";
    case 17: return "compute_cpu_utilisation";
    case 18: return "compute_gpu_utilisation";
    case 19: return "compute_memory_utilisation";
    case 20: return "communication_tx_bytes";
    case 21: return "communication_rx_bytes";
    case 22: return "delay_raw";
    case 23: return "active_clients";
    default: return "unknown";
  }
}

const char* cats_unit_name(std::uint8_t unit) {
  static constexpr const char* kNames[] = {"none",     "MHz",         "GHz",     "byte",    "kilobyte", "megabyte",
                                           "gigabyte", "bit/s",       "kbit/s",  "Mbit/s",  "Gbit/s",   "Tbit/s",
                                           "TFLOPS",   "microsecond", "percent", "reserved"};
  return kNames[unit & 0xf];
}

const char* cats_source_name(std::uint8_t source) {
  static constexpr const char* kNames[] = {"unspecified",   "nominal",     "estimation", "measured",
                                           "normalisation", "aggregation", "reserved",   "reserved"};
  return kNames[source & 0x7];
}

const char* cats_statistics_name(std::uint8_t st) {
  static constexpr const char* kNames[] = {"current", "mean", "max", "min"};
  return kNames[st & 0x3];
}

const char* cats_tlv_name(std::uint8_t type) {
  switch (type) {
    case cats_tlv::kCsId: return "cs-id";
    case cats_tlv::kSiteMetrics: return "site-metrics";
    case cats_tlv::kContactInstance: return "contact-instance";
    case cats_tlv::kMetricControl: return "metric-control";
    default: return "unknown";
  }
}

bool CatsMetric::known_type() const {
  return (type >= 1 && type <= 6) || (type >= 16 && type <= 23);
}

std::optional<double> CatsMetric::number() const {
  if (is_float()) {
    if (value.size() == 4) return static_cast<double>(std::bit_cast<float>(be32(value, 0)));
    if (value.size() == 8) return std::bit_cast<double>(be64(value, 0));
    return std::nullopt;
  }
  switch (value.size()) {
    case 1: return u8(value, 0);
    case 2: return be16(value, 0);
    case 4: return be32(value, 0);
    case 8: return static_cast<double>(be64(value, 0));
    default: return std::nullopt;
  }
}

std::optional<std::size_t> CatsId::length_for(std::uint8_t id_type) {
  switch (id_type) {
    case 1: return 4;
    case 2: return 16;
    case 3: return 4;
    case 4: return 16;
    default: return std::nullopt;
  }
}

std::string CatsId::to_string() const {
  switch (id_type) {
    case 1: return address_to_string(Afi::kIpv4, id);
    case 2: return address_to_string(Afi::kIpv6, id);
    case 3: return std::to_string(be32(id, 0));
    default: return to_hex(id);
  }
}

namespace {

bool is_score_type(std::uint8_t t) {
  return t >= cats_metric::kNormFi && t <= cats_metric::kStorageNorm;
}

// Rule E27: semantic checks on one metric; returns the reason to ignore it.
std::string metric_semantic_error(const CatsMetric& m) {
  if (!m.known_type()) return {};  // E24: unknown types are skipped, not judged
  if (m.level() == 3) return "level 3 is invalid";
  if (m.unit() == 15) return "unit 15 is reserved";
  if (m.source() >= 6) return "source " + std::to_string(m.source()) + " is reserved";
  if (is_score_type(m.type)) {
    const std::uint8_t want_level = m.type == cats_metric::kNormFi ? 2 : 1;
    if (m.level() != want_level) return "level " + std::to_string(m.level()) + " does not match metric type";
    if (m.is_float() || m.value.size() != 1) return "L1/L2 score must be a 1-octet unsigned integer";
    if (u8(m.value, 0) > cats_metric::kMaxScore) return "score " + std::to_string(u8(m.value, 0)) + " > 10";
    return {};
  }
  if (m.is_float() && m.value.size() != 4 && m.value.size() != 8) return "float value must be 4 or 8 octets";
  if (!m.is_float() && m.value.size() != 1 && m.value.size() != 2 && m.value.size() != 4 && m.value.size() != 8)
    return "integer value must be 1, 2, 4 or 8 octets";
  return {};
}

DecodeStatus framing(std::string reason) {
  return Malformed{notify::kOptionalAttr, "CATS-EXP: " + std::move(reason)};
}

// Metric sub-TLVs must exactly fill `v` (E23).
DecodeStatus decode_metrics(ByteSpan v, std::vector<CatsMetric>& out, std::vector<std::string>& warnings) {
  std::size_t pos = 0;
  while (pos < v.size()) {
    if (v.size() - pos < 2) return framing("truncated metric sub-TLV header");
    CatsMetric m;
    m.type = u8(v, pos);
    const std::uint8_t len = u8(v, pos + 1);
    if (len < 2) return framing("metric sub-TLV length " + std::to_string(len) + " < 2");
    if (v.size() - pos - 2 < len) return framing("metric sub-TLV overruns its TLV");
    m.descriptor = be16(v, pos + 2);
    m.value = v.subspan(pos + 4, len - 2u);
    pos += 2u + len;
    m.ignored = metric_semantic_error(m);
    if (!m.ignored.empty())
      warnings.push_back("metric " + std::to_string(m.type) + " ignored: " + m.ignored);
    else if (!m.known_type())
      warnings.push_back("unknown metric type " + std::to_string(m.type) + " skipped");
    out.push_back(std::move(m));
  }
  return std::nullopt;
}

void encode_metrics(Writer& w, const std::vector<CatsMetric>& metrics) {
  for (const auto& m : metrics) {
    w.put8(m.type);
    w.put8(static_cast<std::uint8_t>(2 + m.value.size()));
    w.put16(m.descriptor);
    w.put(m.value);
  }
}

// The TLV at `pos` (type, 2-octet length, value), and `pos` moved past it.
DecodeStatus read_tlv(ByteSpan v, std::size_t& pos, CatsTlv& tlv) {
  if (v.size() - pos < 3) return framing("truncated TLV header");
  tlv.type = u8(v, pos);
  const std::uint16_t len = be16(v, pos + 1);
  if (v.size() - pos - 3 < len) return framing("TLV " + std::to_string(tlv.type) + " overruns the attribute");
  tlv.value = v.subspan(pos + 3, len);
  pos += 3u + len;
  return std::nullopt;
}

// The TLV bodies. A TLV that is kept but not used says why in `ignored`; a
// framing error (E23) is returned.
void decode_csid(CatsTlv& tlv, bool& have) {
  const ByteSpan tv = tlv.value;
  auto want = tv.empty() ? std::nullopt : CatsId::length_for(u8(tv, 0));
  if (!want) {
    tlv.ignored = "unknown CS-ID type";
  } else if (tv.size() != 1 + *want) {
    tlv.ignored = "CS-ID length inconsistent with its ID-Type";
  } else if (have) {
    tlv.ignored = "duplicate CS-ID TLV";
  } else {
    tlv.body = CatsCsId{{u8(tv, 0), tv.subspan(1)}};
    have = true;
  }
}

DecodeStatus decode_site_metrics(CatsTlv& tlv, bool& have, std::vector<std::string>& warnings) {
  CatsSiteMetrics s;
  if (auto e = decode_metrics(tlv.value, s.metrics, warnings)) return e;
  if (have) {
    tlv.ignored = "duplicate Site Metrics TLV";
  } else {
    tlv.body = std::move(s);
    have = true;
  }
  return std::nullopt;
}

DecodeStatus decode_contact_instance(CatsTlv& tlv, std::vector<std::string>& warnings) {
  const ByteSpan tv = tlv.value;
  auto want = tv.size() < 2 ? std::nullopt : CatsId::length_for(u8(tv, 0));
  if (!want) {
    tlv.ignored = "unknown CSCI-ID type";
    return std::nullopt;
  }
  if (tv.size() < 2 + *want) {
    tlv.ignored = "Contact Instance shorter than its ID-Type needs";
    return std::nullopt;
  }
  CatsContactInstance ci;
  ci.id = {u8(tv, 0), tv.subspan(2, *want)};
  ci.reserved = u8(tv, 1);
  if (auto e = decode_metrics(tv.subspan(2 + *want), ci.metrics, warnings)) return e;
  tlv.body = std::move(ci);
  return std::nullopt;
}

DecodeStatus decode_metric_control(CatsTlv& tlv, bool& have) {
  const ByteSpan tv = tlv.value;
  if (tv.size() != 8) return framing("Metric Control length " + std::to_string(tv.size()) + " != 8");
  if (have) {
    tlv.ignored = "duplicate Metric Control TLV";
  } else {
    tlv.body = CatsMetricControl{be32(tv, 0), be16(tv, 4), be16(tv, 6)};
    have = true;
  }
  return std::nullopt;
}

}  // namespace

DecodeStatus CatsExp::decode(ByteSpan v, CatsExp& out) {
  out = CatsExp{};
  if (v.size() < 4) return framing("value shorter than 4 octets");
  out.version = u8(v, 0);
  out.value_flags = u8(v, 1);
  out.reserved = be16(v, 2);
  if (out.version != 1) {  // E22: keep, forward unchanged, no CATS semantics
    out.opaque = v.subspan(4);
    out.warnings.push_back("version " + std::to_string(out.version) + " not understood");
    return std::nullopt;
  }
  bool have_csid = false, have_site = false, have_control = false;
  std::size_t pos = 4;
  while (pos < v.size()) {
    CatsTlv tlv;
    DecodeStatus st = read_tlv(v, pos, tlv);
    if (st) return st;
    switch (tlv.type) {
      case cats_tlv::kCsId: decode_csid(tlv, have_csid); break;
      case cats_tlv::kSiteMetrics: st = decode_site_metrics(tlv, have_site, out.warnings); break;
      case cats_tlv::kContactInstance: st = decode_contact_instance(tlv, out.warnings); break;
      case cats_tlv::kMetricControl: st = decode_metric_control(tlv, have_control); break;
      default: out.warnings.push_back("unknown TLV type " + std::to_string(tlv.type) + " kept"); break;
    }
    if (st) return st;
    if (!tlv.ignored.empty()) out.warnings.push_back(std::string(cats_tlv_name(tlv.type)) + " ignored: " + tlv.ignored);
    out.tlvs.push_back(std::move(tlv));
  }
  return std::nullopt;
}

void CatsExp::encode(Writer& w) const {
  w.put8(version);
  w.put8(value_flags);
  w.put16(reserved);
  if (version != 1) {
    w.put(opaque);
    return;
  }
  for (const auto& t : tlvs) {
    w.put8(t.type);
    const auto at = w.mark16();
    const auto start = w.size();
    if (const auto* c = std::get_if<CatsCsId>(&t.body)) {
      w.put8(c->id.id_type);
      w.put(c->id.id);
    } else if (const auto* s = std::get_if<CatsSiteMetrics>(&t.body)) {
      encode_metrics(w, s->metrics);
    } else if (const auto* ci = std::get_if<CatsContactInstance>(&t.body)) {
      w.put8(ci->id.id_type);
      w.put8(ci->reserved);
      w.put(ci->id.id);
      encode_metrics(w, ci->metrics);
    } else if (const auto* mc = std::get_if<CatsMetricControl>(&t.body)) {
      w.put32(mc->sequence);
      w.put16(mc->interval);
      w.put16(mc->profile);
    } else {
      w.put(t.value);
    }
    w.patch16(at, static_cast<std::uint16_t>(w.size() - start));
  }
}

template <class T>
static const T* first_body(const std::vector<CatsTlv>& tlvs) {
  for (const auto& t : tlvs)
    if (const auto* b = std::get_if<T>(&t.body)) return b;
  return nullptr;
}

const CatsCsId* CatsExp::cs_id() const {
  return first_body<CatsCsId>(tlvs);
}
const CatsSiteMetrics* CatsExp::site_metrics() const {
  return first_body<CatsSiteMetrics>(tlvs);
}
const CatsMetricControl* CatsExp::metric_control() const {
  return first_body<CatsMetricControl>(tlvs);
}

std::optional<std::uint8_t> metric_set_score(std::span<const CatsMetric> metrics) {
  std::optional<std::uint8_t> l1_min;
  for (const auto& m : metrics) {
    // Built metrics (from configuration) need not have passed the decoder's checks.
    if (!m.usable() || !is_score_type(m.type) || m.value.size() != 1) continue;
    const std::uint8_t v = u8(m.value, 0);
    if (m.type == cats_metric::kNormFi) return v;
    l1_min = l1_min ? std::min(*l1_min, v) : v;
  }
  return l1_min;
}

std::optional<std::uint8_t> CatsExp::site_score() const {
  if (!understood()) return std::nullopt;
  if (const auto* s = site_metrics())
    if (auto score = metric_set_score(s->metrics)) return score;
  std::optional<std::uint8_t> best;
  for (const auto& t : tlvs)
    if (const auto* ci = std::get_if<CatsContactInstance>(&t.body))
      if (auto score = metric_set_score(ci->metrics)) best = best ? std::max(*best, *score) : *score;
  return best;
}

}  // namespace cats::wire
