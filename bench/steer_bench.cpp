// Steering at scale: an ingress (the whole engine: decode, Adj-RIB-In,
// decision, CATS selection; no sockets) with 10,000 service prefixes at 10
// sites each, absorbing metric updates (an UPDATE whose CATS-EXP carries a
// new L2 for one prefix from one site). Reports the CPU time per update on
// this one thread, the updates per second that makes per core, and the
// per-update latency's p50 and p99 (the selection is current when the
// UPDATE's processing returns, so it is the selection latency too). On the
// same table: the cost of one Prometheus scrape and of one MRT table dump.
//
//   build/bin/steer_bench --benchmark_repetitions=3
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <random>

#include "bgp-ext/session/negotiate.hpp"
#include "bgp-ext/wire/attributes.hpp"
#include "bgp-ext/wire/update.hpp"
#include "catsd/api/show.hpp"
#include "catsd/metrics/daemon_metrics.hpp"
#include "catsd/rde/engine.hpp"
#include "catsd/telemetry/mrt_writer.hpp"
#include "yang/loader/session_config.hpp"

namespace {

using namespace cats;

constexpr int kSites = 10;
constexpr int kServices = 10'000;

class NullPort : public rde::SessionPort {
 public:
  void send(rib::PeerId, std::uint64_t, rde::Outgoing) override {}
  void control(rib::PeerId, const session::Event&, bool) override {}
  void runtime(std::function<void(std::vector<rde::PeerRuntime>)> r) override { r({}); }
  void add(rib::PeerId, session::PeerConfig) override {}
  void remove(rib::PeerId) override {}
  void reconfigure(rib::PeerId, session::PeerConfig, bool) override {}
  void shutdown(std::string, std::chrono::milliseconds, std::function<void()> done) override { done(); }
};

config::Config ingress_config() {
  config::Config c;
  c.global.as = 65000;
  c.global.router_id = 0x0a0000fe;
  c.global.roles = {config::Role::kIngress};
  for (int i = 0; i < kSites; ++i) {
    config::Neighbor n;
    n.address = "10.255." + std::to_string(i + 1) + ".1";
    n.remote_as = 65000;
    n.ibgp = true;
    n.families = {{config::Family::kIpv4Unicast}};
    n.cats.network_cost = static_cast<std::uint32_t>(10 * (i + 1));
    c.neighbors.push_back(n);
  }
  c.steering.next_hop_tracking = false;
  return c;
}

// One UPDATE per (site, prefix, L2): built once per (site, L2), the prefix patched in.
struct Updates {
  std::array<std::array<wire::Bytes, 11>, kSites> by_site_l2;

  Updates() {
    for (int s = 0; s < kSites; ++s) {
      for (int l2 = 0; l2 <= 10; ++l2) {
        wire::AttributeSet attrs;
        auto add = [&](std::uint8_t flags, std::uint8_t type, wire::AttrValue v) {
          wire::Attribute a;
          a.flags = flags;
          a.type = type;
          a.value = std::move(v);
          attrs.add(std::move(a));
        };
        add(0x40, wire::attr::kOrigin, wire::Origin{0});
        add(0x40, wire::attr::kAsPath, wire::AsPath{});
        add(0x40, wire::attr::kNextHop, wire::NextHop{{10, 255, static_cast<std::uint8_t>(s + 1), 1}});
        add(0x40, wire::attr::kLocalPref, wire::LocalPref{100});
        wire::CatsExp cats;
        static const std::array<std::byte, 1> kScores[11] = {
            {std::byte{0}}, {std::byte{1}}, {std::byte{2}}, {std::byte{3}}, {std::byte{4}}, {std::byte{5}},
            {std::byte{6}}, {std::byte{7}}, {std::byte{8}}, {std::byte{9}}, {std::byte{10}}};
        cats.tlvs.push_back(
            {wire::cats_tlv::kSiteMetrics,
             {},
             {},
             wire::CatsSiteMetrics{
                 {{wire::cats_metric::kNormFi, wire::cats_metric::kL2Descriptor, std::span(kScores[l2]), {}}}}});
        add(0xc0, wire::kDefaultCatsType, cats);
        const wire::NlriEntry e{wire::Prefix::parse("100.64.0.0/32").value(), std::nullopt};
        wire::EncodeContext ctx;
        auto packed = wire::pack_announcements(attrs, wire::Afi::kIpv4, {}, std::span(&e, 1), ctx);
        by_site_l2[s][l2] = packed.messages.front();
      }
    }
  }

  // The last 4 octets are the /32's address.
  const wire::Bytes& get(int site, int service, int l2) {
    wire::Bytes& m = by_site_l2[site][l2];
    const auto a = static_cast<std::uint32_t>(0x64400000 + service);
    for (int i = 0; i < 4; ++i) m[m.size() - 4 + i] = static_cast<std::byte>(a >> (24 - 8 * i));
    return m;
  }
};

struct Ingress {
  boost::asio::io_context io;
  NullPort port;
  std::unique_ptr<rde::Engine> engine;
  wire::DecodeContext ctx;

  Ingress() {
    engine = std::make_unique<rde::Engine>(io.get_executor(), ingress_config(), port);
    if (auto err = engine->start()) throw std::runtime_error(*err);
    const auto& cfg = engine->config();
    for (int i = 0; i < kSites; ++i) {
      session::LocalConfig peer = loader::to_local_config(cfg, cfg.neighbors[i]);
      peer.router_id = static_cast<std::uint32_t>(0x0aff0001 + (i << 8));
      auto r = session::negotiate(loader::to_local_config(cfg, cfg.neighbors[i]), session::build_open(peer));
      const auto& s = std::get<session::Negotiated>(r);
      ctx = session::decode_context(s);
      engine->session_up(static_cast<rib::PeerId>(i + 1), 1, s, session::ConnectionEnds{});
    }
    io.poll();
  }

  void update(const wire::Bytes& m, int site) {
    rde::UpdateBatch b;
    b.gen = 1;
    b.bytes = m;
    b.messages.push_back({m.size(), ctx});
    engine->session_updates(static_cast<rib::PeerId>(site + 1), b);
  }
};

void BM_SteeringMetricUpdates(benchmark::State& state) {
  Ingress ingress;
  Updates updates;
  std::mt19937 rng(7);
  // Every site announces every service, L2 5..9.
  for (int s = 0; s < kSites; ++s)
    for (int v = 0; v < kServices; ++v) ingress.update(updates.get(s, v, 5 + static_cast<int>(rng() % 5)), s);
  ingress.io.poll();
  std::vector<double> ns;
  ns.reserve(1 << 20);
  std::uint64_t n = 0;
  for (auto _ : state) {
    // Round robin over services; each site in turn; L2 moving 2..10 (steps that move selections, and noise).
    const int service = static_cast<int>(n % kServices);
    const int site = static_cast<int>((n / kServices) % kSites);
    const int l2 = 2 + static_cast<int>(rng() % 9);
    const wire::Bytes& m = updates.get(site, service, l2);
    const auto t0 = std::chrono::steady_clock::now();
    ingress.update(m, site);
    ns.push_back(static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count()));
    ++n;
  }
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) { return ns.empty() ? 0.0 : ns[static_cast<std::size_t>(p * (ns.size() - 1))]; };
  state.counters["updates_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  state.counters["p50_us"] = pct(0.5) / 1000;
  state.counters["p99_us"] = pct(0.99) / 1000;
  state.counters["services"] = static_cast<double>(ingress.engine->cats_rib().size());
}
BENCHMARK(BM_SteeringMetricUpdates)->Unit(benchmark::kMicrosecond)->MinTime(3);

// The same ingress, every site announcing every service.
Ingress& loaded_ingress() {
  static Ingress ingress;
  static bool loaded = false;
  if (!loaded) {
    Updates updates;
    for (int s = 0; s < kSites; ++s)
      for (int v = 0; v < kServices; ++v) ingress.update(updates.get(s, v, 5 + (v + s) % 5), s);
    ingress.io.poll();
    loaded = true;
  }
  return ingress;
}

// One Prometheus scrape of that ingress (issue 18): what the RIB thread
// spends answering it (show neighbors and show services: 10,000 prefixes x 10
// candidate sites), and the whole page (families built and rendered, on the
// exposer's thread): with every per-site series (limit 0: 100,000 candidates)
// and with the default metrics/site-series-limit, which leaves them out.
void BM_MetricsScrape(benchmark::State& state) {
  Ingress& ingress = loaded_ingress();
  double rib_ns = 0;
  std::size_t page_bytes = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    metrics::DaemonState st;
    st.site_series_limit = static_cast<std::size_t>(state.range(0));
    st.neighbors.emplace();
    api::show_neighbors(*ingress.engine, std::vector<rde::PeerRuntime>(kSites), {}, &*st.neighbors);
    st.services.emplace();
    api::show_services(*ingress.engine, {}, &*st.services);
    const auto rib = ingress.engine->loc_rib().stats();
    st.rib = metrics::RibSummary{rib.prefixes, rib.paths, 0, 0, rib.recomputed};
    rib_ns += static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    metrics::Families f;
    metrics::add_daemon_metrics(f, st);
    page_bytes = metrics::render(f.take()).size();
  }
  state.counters["rib_thread_ms"] = rib_ns / static_cast<double>(state.iterations()) / 1e6;
  state.counters["page_MB"] = static_cast<double>(page_bytes) / 1e6;
}
BENCHMARK(BM_MetricsScrape)->Arg(0)->Arg(20'000)->Unit(benchmark::kMillisecond)->MinTime(3);

// An MRT TABLE_DUMP_V2 of that ingress (100,000 paths), encoded on the RIB
// thread as the dump timer does.
void BM_MrtTableDump(benchmark::State& state) {
  Ingress& ingress = loaded_ingress();
  std::map<rib::PeerId, telemetry::PeerInfo> peers;
  for (int i = 0; i < kSites; ++i) {
    telemetry::PeerInfo p;
    p.id = static_cast<rib::PeerId>(i + 1);
    p.address = {std::byte{10}, std::byte{255}, static_cast<std::byte>(i + 1), std::byte{1}};
    p.asn = 65000;
    p.bgp_id = static_cast<std::uint32_t>(0x0aff0001 + (i << 8));
    peers[p.id] = p;
  }
  std::size_t bytes = 0;
  for (auto _ : state)
    bytes = telemetry::mrt_table_dump(*ingress.engine, peers, std::chrono::system_clock::now()).size();
  state.counters["dump_MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["paths"] = static_cast<double>(ingress.engine->loc_rib().stats().paths);
}
BENCHMARK(BM_MrtTableDump)->Unit(benchmark::kMillisecond)->MinTime(3);

}  // namespace

BENCHMARK_MAIN();
