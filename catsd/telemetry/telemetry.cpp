#include "catsd/telemetry/telemetry.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <string>

#include "bgp-ext/wire/message.hpp"
#include "bgp-ext/wire/update.hpp"
#include "catsd/telemetry/route_update.hpp"

namespace cats::telemetry {

namespace {

using SysClock = std::chrono::system_clock;
using config::BmpMonitoring;

constexpr std::size_t kDumpPart = 2000;  // prefixes per step of a dump
constexpr std::uint8_t kUpdateType = 2;

std::array<std::uint8_t, 16> address16(const wire::Bytes& a) {
  return bmp_address(a);
}

std::string host_name() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "catsd";
  return buf.data();
}

// A fabricated OPEN for the Loc-RIB's Peer Up (RFC 9069 §5.3): our AS and id.
wire::Bytes loc_rib_open(std::uint32_t asn, std::uint32_t id) {
  wire::Open o;
  o.my_as = asn > 0xffff ? wire::kAsTrans : static_cast<std::uint16_t>(asn);
  for (int i = 0; i < 4; ++i) o.bgp_id[i] = static_cast<std::uint8_t>(id >> (24 - 8 * i));
  return wire::encode_message(o, wire::EncodeContext{});
}

bool writes_mrt(const config::Mrt& m) {
  return !m.table_dump.file.empty() || !m.updates.file.empty();
}

}  // namespace

Telemetry::Telemetry(boost::asio::any_io_executor ex, const config::Config& cfg, const RibSource& src)
    : ex_(std::move(ex)), src_(src), mrt_cfg_(cfg.mrt), sys_name_(host_name()) {
  for (const auto& sc : cfg.bmp.stations) {
    post_policy_ = post_policy_ || sc.monitors(BmpMonitoring::kPostPolicy);
    stations_.push_back(make_station(sc));
  }
  if (writes_mrt(cfg.mrt)) mrt_ = std::make_unique<MrtWriter>(ex_, cfg.mrt, src_, peers_);
}

Telemetry::~Telemetry() = default;

std::unique_ptr<Telemetry::Station> Telemetry::make_station(const config::BmpStation& cfg) {
  auto s = std::make_unique<Station>();
  Station* raw = s.get();
  s->conn = std::make_unique<BmpStation>(ex_, cfg, [this, raw] { connected(*raw); });
  s->stats = std::make_unique<boost::asio::steady_timer>(ex_);
  return s;
}

void Telemetry::start_station(Station& s) {
  s.conn->start();
  arm_stats(s);
}

void Telemetry::start() {
  for (auto& s : stations_) start_station(*s);
  if (mrt_) mrt_->start();
}

void Telemetry::retire(std::unique_ptr<Station> s, const char* why) {
  ++s->dump;  // a dump in progress stops at its next part
  s->stats->cancel();
  if (s->conn->up()) s->conn->send(bmp_termination(why));
  s->conn->close(std::chrono::milliseconds{1000}, [] {});
  retired_.push_back(std::move(s));
}

void Telemetry::reconfigure(const config::Config& next) {
  std::map<std::string, const config::BmpStation*> wanted;
  for (const auto& sc : next.bmp.stations) wanted[sc.name] = &sc;
  std::vector<std::unique_ptr<Station>> kept;
  for (auto& s : stations_) {
    const auto& cfg = s->conn->config();
    auto it = wanted.find(cfg.name);
    if (it != wanted.end() && *it->second == cfg) {
      wanted.erase(it);
      kept.push_back(std::move(s));
      continue;
    }
    spdlog::info("BMP station {}: {} by a reload", cfg.name, it == wanted.end() ? "removed" : "changed");
    retire(std::move(s), it == wanted.end() ? "station removed from the configuration" : "station reconfigured");
  }
  stations_ = std::move(kept);
  for (const auto& sc : next.bmp.stations) {
    if (!wanted.contains(sc.name)) continue;
    stations_.push_back(make_station(sc));
    start_station(*stations_.back());
  }
  post_policy_ = std::any_of(stations_.begin(), stations_.end(),
                             [](const auto& s) { return s->conn->config().monitors(BmpMonitoring::kPostPolicy); });
  if (next.mrt != mrt_cfg_) {
    if (mrt_) {
      mrt_->stop();  // writes what is queued
      retired_mrt_.push_back(std::move(mrt_));
    }
    mrt_cfg_ = next.mrt;
    if (writes_mrt(next.mrt)) {
      mrt_ = std::make_unique<MrtWriter>(ex_, next.mrt, src_, peers_);
      mrt_->start();
    }
    spdlog::info("MRT: {} by a reload", mrt_ ? "files reconfigured" : "stopped");
  }
  if (!active()) peers_.clear();
}

void Telemetry::stop(std::function<void()> done) {
  if (mrt_) mrt_->stop();
  auto left = std::make_shared<std::size_t>(stations_.size());
  auto finish = std::make_shared<std::function<void()>>(std::move(done));
  if (stations_.empty()) {
    boost::asio::post(ex_, *finish);
    return;
  }
  for (auto& s : stations_) {
    s->stats->cancel();
    if (s->conn->up()) s->conn->send(bmp_termination("catsd shutting down"));
    s->conn->close(std::chrono::milliseconds{1000}, [left, finish] {
      if (--*left == 0) (*finish)();
    });
  }
}

// ---- Headers and Peer Up ----------------------------------------------------------

PeerHeader Telemetry::header(const PeerInfo& p, bool post_policy, bool as2) const {
  PeerHeader h;
  h.type = bmp::PeerType::kGlobal;
  h.flags = static_cast<std::uint8_t>((p.address.size() == 16 ? bmp::kFlagV6 : 0) |
                                      (post_policy ? bmp::kFlagPostPolicy : 0) | (as2 ? bmp::kFlagAs2 : 0));
  h.address = address16(p.address);
  h.asn = p.asn;
  h.bgp_id = p.bgp_id;
  h.time = SysClock::now();
  return h;
}

PeerHeader Telemetry::loc_rib_header() const {
  PeerHeader h;
  h.type = bmp::PeerType::kLocRib;
  h.asn = src_.local_asn();
  h.bgp_id = src_.local_router_id();
  h.time = SysClock::now();
  return h;
}

wire::Bytes Telemetry::peer_up_message(const PeerInfo& p, bool post_policy) const {
  auto h = header(p, post_policy);
  h.time = p.since;
  return bmp_peer_up(h, address16(p.local), p.local_port, p.remote_port, p.sent_open, p.received_open);
}

wire::Bytes Telemetry::loc_rib_peer_up() const {
  const auto open = loc_rib_open(src_.local_asn(), src_.local_router_id());
  return bmp_peer_up(loc_rib_header(), {}, 0, 0, open, open, {{bmp::kInfoTableName, "loc-rib"}});
}

std::optional<std::uint32_t> Telemetry::path_id_for(const PeerInfo& p, wire::Family f, std::uint32_t id) const {
  if (p.add_path.for_afi(static_cast<wire::Afi>(f.afi))) return id;
  return std::nullopt;
}

// ---- A new connection: everything from the beginning ------------------------------

void Telemetry::connected(Station& s) {
  const auto& cfg = s.conn->config();
  s.conn->send(bmp_initiation({{bmp::kInfoSysName, sys_name_},
                               {bmp::kInfoSysDescr, "catsd, a BGP speaker for Computing-Aware Traffic Steering"}}));
  if (cfg.monitors(BmpMonitoring::kPrePolicy) || cfg.monitors(BmpMonitoring::kPostPolicy))
    for (const auto& [id, p] : peers_) s.conn->send(peer_up_message(p, false));
  if (cfg.monitors(BmpMonitoring::kLocRib)) s.conn->send(loc_rib_peer_up());
  auto keys = std::make_shared<std::vector<rib::PrefixKey>>();
  keys->reserve(src_.loc_rib().stats().prefixes);
  src_.loc_rib().for_each([&](const rib::RibEntry& e) { keys->push_back(e.key); });
  const auto dump = ++s.dump;
  dump_part(s, std::move(keys), 0, dump);
}

void Telemetry::entry_to(Station& s, const rib::RibEntry& e) {
  const auto& cfg = s.conn->config();
  const bool pre = cfg.monitors(BmpMonitoring::kPrePolicy);
  const bool post = cfg.monitors(BmpMonitoring::kPostPolicy);
  if (pre || post) {
    // catsd keeps the Adj-RIB-In after import policy: the dump's pre-policy
    // view is that (the same unless a policy filters or modifies).
    for (const auto& r : e.paths()) {
      auto it = peers_.find(r.peer);
      if (it == peers_.end() || !r.attrs) continue;
      auto u =
          announcement(e.key.family, e.key.prefix, path_id_for(it->second, e.key.family, r.path_id), r.attrs->bytes());
      if (!u) continue;
      if (pre) s.conn->send(bmp_route_monitoring(header(it->second, false), *u));
      if (post) s.conn->send(bmp_route_monitoring(header(it->second, true), *u));
    }
  }
  if (cfg.monitors(BmpMonitoring::kLocRib))
    if (const auto* best = e.best_path(); best != nullptr && best->attrs)
      if (auto u = announcement(e.key.family, e.key.prefix, std::nullopt, best->attrs->bytes()))
        s.conn->send(bmp_route_monitoring(loc_rib_header(), *u));
}

void Telemetry::dump_part(Station& s, std::shared_ptr<std::vector<rib::PrefixKey>> keys, std::size_t at,
                          std::uint64_t dump) {
  if (dump != s.dump || !s.conn->up()) return;  // a new connection started another
  const std::size_t end = std::min(keys->size(), at + kDumpPart);
  for (std::size_t i = at; i < end; ++i)
    if (const auto* e = src_.loc_rib().find((*keys)[i])) entry_to(s, *e);
  if (end == keys->size()) {
    dump_done(s);
    return;
  }
  // The next part when the station has read most of this one.
  s.conn->when_room(
      [this, &s, keys = std::move(keys), end, dump]() mutable { dump_part(s, std::move(keys), end, dump); });
}

void Telemetry::dump_done(Station& s) {
  const auto& cfg = s.conn->config();
  const wire::Bytes eor4 = wire::end_of_rib_message(wire::Afi::kIpv4);
  const wire::Bytes eor6 = wire::end_of_rib_message(wire::Afi::kIpv6);
  for (const auto& [id, p] : peers_)
    for (bool post : {false, true})
      if (cfg.monitors(post ? BmpMonitoring::kPostPolicy : BmpMonitoring::kPrePolicy))
        for (const auto* eor : {&eor4, &eor6}) s.conn->send(bmp_route_monitoring(header(p, post), *eor));
  if (cfg.monitors(BmpMonitoring::kLocRib))
    for (const auto* eor : {&eor4, &eor6}) s.conn->send(bmp_route_monitoring(loc_rib_header(), *eor));
}

// ---- Statistics -------------------------------------------------------------------

void Telemetry::arm_stats(Station& s) {
  const auto every = s.conn->config().statistics_interval;
  if (every.count() == 0) return;
  s.stats->expires_after(every);
  s.stats->async_wait([this, &s](const boost::system::error_code& ec) {
    if (ec || s.conn->closing()) return;  // fired as it was retired: no re-arm
    send_stats(s);
    arm_stats(s);
  });
}

void Telemetry::send_stats(Station& s) {
  if (!s.conn->up()) return;
  const auto all = src_.peer_stats();
  for (const auto& [id, p] : peers_) {
    const auto found = all.find(id);
    if (found == all.end()) continue;
    const auto* st = &found->second;
    s.conn->send(bmp_statistics(header(p, false), {{bmp::kStatRejected, st->rejected, false},
                                                   {bmp::kStatAdjRibIn, st->adj_rib_in, true},
                                                   {bmp::kStatLocRib, st->best, true},
                                                   {bmp::kStatTreatAsWithdraw, st->treat_as_withdraw, false}}));
  }
}

// ---- The tap ----------------------------------------------------------------------

void Telemetry::peer_up(const PeerInfo& p) {
  auto& stored = peers_[p.id] = p;
  for (auto& s : stations_) {
    const auto& cfg = s->conn->config();
    if (s->conn->up() && (cfg.monitors(BmpMonitoring::kPrePolicy) || cfg.monitors(BmpMonitoring::kPostPolicy)))
      s->conn->send(peer_up_message(stored, false));
  }
  if (mrt_ && !p.replayed) mrt_->peer_up(stored);
}

void Telemetry::peer_down(rib::PeerId id, const session::SessionDown& why) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  std::uint8_t reason = bmp::kDownLocalNoNotification;
  wire::Bytes data;
  if (why.sent) {
    reason = bmp::kDownLocalNotification;
    data = wire::make_notification(why.sent->code, why.sent->subcode, why.sent->data);
  } else if (why.received) {
    reason = bmp::kDownRemoteNotification;
    data = wire::make_notification(why.received->code, why.received->subcode, why.received->data);
  } else if (why.reason == session::DownReason::kTcpFailed) {
    reason = bmp::kDownRemoteNoData;
  } else {
    data = {std::byte{0}, std::byte{0}};  // FSM event code: none that RFC 4271 numbers for this
  }
  for (auto& s : stations_) {
    const auto& cfg = s->conn->config();
    if (s->conn->up() && (cfg.monitors(BmpMonitoring::kPrePolicy) || cfg.monitors(BmpMonitoring::kPostPolicy)))
      s->conn->send(bmp_peer_down(header(it->second, false), reason, data));
  }
  if (mrt_) mrt_->peer_down(it->second);
  peers_.erase(it);
}

void Telemetry::received(rib::PeerId id, wire::ByteSpan message) {
  auto it = peers_.find(id);
  if (it == peers_.end() || message.size() < 19 || static_cast<std::uint8_t>(message[18]) != kUpdateType) return;
  for (auto& s : stations_)
    if (s->conn->up() && s->conn->config().monitors(BmpMonitoring::kPrePolicy))
      s->conn->send(bmp_route_monitoring(header(it->second, false, !it->second.as4), message));
  if (mrt_) mrt_->received(it->second, message);
}

void Telemetry::adj_in_changed(rib::PeerId id, const rib::PrefixKey& key, std::uint32_t path_id,
                               const rib::AdjRoute* path) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  const auto pid = path_id_for(it->second, key.family, path_id);
  std::optional<wire::Bytes> u;
  if (path != nullptr && path->attrs) {
    u = announcement(key.family, key.prefix, pid, path->attrs->bytes());
  } else {
    u = withdrawal(key.family, key.prefix, pid);
  }
  if (!u) return;
  for (auto& s : stations_)
    if (s->conn->up() && s->conn->config().monitors(BmpMonitoring::kPostPolicy))
      s->conn->send(bmp_route_monitoring(header(it->second, true), *u));
}

void Telemetry::best_changed(const rib::RibEvent& ev) {
  std::optional<wire::Bytes> u;
  bool any = false;
  for (auto& s : stations_) {
    if (!s->conn->up() || !s->conn->config().monitors(BmpMonitoring::kLocRib)) continue;
    if (!any) {
      any = true;
      const rib::AdjRoute* best = ev.entry != nullptr ? ev.entry->best_path() : nullptr;
      if (ev.kind == rib::RibEvent::Kind::kBestChanged && best != nullptr && best->attrs) {
        u = announcement(ev.key.family, ev.key.prefix, std::nullopt, best->attrs->bytes());
      } else {
        u = withdrawal(ev.key.family, ev.key.prefix, std::nullopt);
      }
    }
    if (u) s->conn->send(bmp_route_monitoring(loc_rib_header(), *u));
  }
}

}  // namespace cats::telemetry
