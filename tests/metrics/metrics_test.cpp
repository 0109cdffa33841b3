// The metric families (names, labels, values as served) and the endpoint
// (HTTP, the cache, a port in use), over loopback.
#include "metric-collector/collector/metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <initializer_list>
#include <string>
#include <variant>

#include "catsd/metrics/daemon_metrics.hpp"
#include "common/metrics/endpoint.hpp"
#include "common/metrics/families.hpp"

namespace cats::metrics {
namespace {

namespace pb = ::cats::api::v1;

bool has_line(const std::string& page, const std::string& line) {
  return page.find("\n" + line + "\n") != std::string::npos || page.rfind(line + "\n", 0) == 0;
}

TEST(Families, RenderedWithHelpAndTypeOncePerFamily) {
  Families f;
  f.counter("x_sent_total", "Things sent.", 3, {{"peer", "a"}});
  f.gauge("x_up", "Up or not.", 1);
  f.counter("x_sent_total", "Things sent.", 4, {{"peer", "b\"c"}});
  const auto page = render(f.take());
  EXPECT_TRUE(has_line(page, "# HELP x_sent_total Things sent.")) << page;
  EXPECT_TRUE(has_line(page, "# TYPE x_sent_total counter")) << page;
  EXPECT_TRUE(has_line(page, "x_sent_total{peer=\"a\"} 3")) << page;
  EXPECT_TRUE(has_line(page, "x_sent_total{peer=\"b\\\"c\"} 4")) << page;  // escaped label value
  EXPECT_TRUE(has_line(page, "# TYPE x_up gauge")) << page;
  EXPECT_TRUE(has_line(page, "x_up 1")) << page;
  EXPECT_EQ(page.find("# TYPE x_sent_total"), page.rfind("# TYPE x_sent_total"));
}

double sample(const std::vector<prometheus::MetricFamily>& fams, const std::string& name) {
  for (const auto& f : fams)
    if (f.name == name && !f.metric.empty())
      return f.type == prometheus::MetricType::Counter ? f.metric[0].counter.value : f.metric[0].gauge.value;
  ADD_FAILURE() << "no " << name;
  return -1;
}

TEST(Families, ProcessMetricsOfThisProcess) {
  Families f;
  add_process_metrics(f);
  const auto fams = f.take();
  EXPECT_GT(sample(fams, "process_resident_memory_bytes"), 1e6);
  EXPECT_GE(sample(fams, "process_virtual_memory_bytes"), sample(fams, "process_resident_memory_bytes"));
  EXPECT_GE(sample(fams, "process_open_fds"), 3);  // stdin, stdout, stderr at least
  EXPECT_GE(sample(fams, "process_max_fds"), sample(fams, "process_open_fds"));
  EXPECT_GE(sample(fams, "process_threads"), 1);
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(sample(fams, "process_start_time_seconds"), now + 1);
  EXPECT_GT(sample(fams, "process_start_time_seconds"), now - 3600);
  EXPECT_GE(sample(fams, "process_cpu_seconds_total"), 0);
}

TEST(DaemonMetrics, SessionsFamiliesAndSelection) {
  DaemonState s;
  s.neighbors.emplace();
  auto* n = s.neighbors->add_neighbors();
  n->set_address("10.0.0.2");
  n->set_remote_as(65002);
  n->set_state("established");
  n->set_established_for_s(42);
  n->set_messages_in(10);
  n->set_updates_out(7);
  n->set_flaps(1);
  auto* fam = n->add_families();
  fam->set_name("ipv4-unicast");
  fam->set_prefixes_received(5);
  fam->set_prefixes_accepted(4);
  fam->set_prefixes_advertised(3);
  auto* idle = s.neighbors->add_neighbors();
  idle->set_address("10.0.0.3");
  idle->set_remote_as(65003);
  idle->set_state("active");
  s.services.emplace();
  auto* v = s.services->add_services();
  v->set_prefix("203.0.113.10/32");
  v->set_service("chat");
  v->set_service_class("delay-tolerant");
  v->set_changes(2);
  auto* c = v->add_candidates();
  c->set_next_hop("10.0.0.2");
  c->set_peer("10.0.0.2");
  c->set_tier("edge");
  c->set_l2(7);
  c->set_score(7);
  c->set_selected(true);
  c->set_weight(3);
  c->set_eligible(true);
  c->set_network_cost(20);
  v->add_selected()->set_next_hop("10.0.0.2");
  auto* o = s.services->add_originated();
  o->set_name("chat");
  o->mutable_metrics()->set_l2(4);
  o->mutable_metrics()->set_drain(true);
  o->set_advertised(true);
  s.rib = RibSummary{100, 250, 12, 4096, 300};
  Families f;
  add_daemon_metrics(f, s);
  const auto page = render(f.take());
  const std::string site =
      R"({class="delay-tolerant",peer="10.0.0.2",prefix="203.0.113.10/32",service="chat",site="10.0.0.2",tier="edge"})";
  for (const std::string& line : std::initializer_list<std::string>{
           "catsd_bgp_session_state{neighbor=\"10.0.0.2\",remote_as=\"65002\"} 6",
           "catsd_bgp_session_state{neighbor=\"10.0.0.3\",remote_as=\"65003\"} 3",
           "catsd_bgp_session_established{neighbor=\"10.0.0.2\"} 1",
           "catsd_bgp_session_established{neighbor=\"10.0.0.3\"} 0",
           "catsd_bgp_session_uptime_seconds{neighbor=\"10.0.0.2\"} 42",
           "catsd_bgp_session_flaps_total{neighbor=\"10.0.0.2\"} 1",
           "catsd_bgp_messages_received_total{neighbor=\"10.0.0.2\"} 10",
           "catsd_bgp_updates_sent_total{neighbor=\"10.0.0.2\"} 7",
           "catsd_bgp_prefixes_received{afi_safi=\"ipv4-unicast\",neighbor=\"10.0.0.2\"} 5",
           "catsd_bgp_prefixes_accepted{afi_safi=\"ipv4-unicast\",neighbor=\"10.0.0.2\"} 4",
           "catsd_bgp_prefixes_advertised{afi_safi=\"ipv4-unicast\",neighbor=\"10.0.0.2\"} 3",
           "catsd_bgp_neighbors 2",
           "catsd_rib_prefixes 100",
           "catsd_rib_paths 250",
           "catsd_rib_attribute_bytes 4096",
           "catsd_cats_selection_changes_total{class=\"delay-tolerant\",prefix=\"203.0.113.10/32\",service=\"chat\"} 2",
           "catsd_cats_selected_sites{class=\"delay-tolerant\",prefix=\"203.0.113.10/32\",service=\"chat\"} 1",
           "catsd_cats_site_l2_score" + site + " 7",
           "catsd_cats_site_weight" + site + " 3",
           "catsd_cats_site_network_cost" + site + " 20",
           "catsd_cats_originated_l2_score{service=\"chat\"} 4",
           "catsd_cats_originated_drain{service=\"chat\"} 1",
           "catsd_metrics_read_success{part=\"rib\"} 1",
       })
    EXPECT_TRUE(has_line(page, line)) << line << "\n" << page;
  // No figure is made up for a part that did not answer.
  Families g;
  add_daemon_metrics(g, DaemonState{});
  const auto empty = render(g.take());
  EXPECT_TRUE(has_line(empty, "catsd_metrics_read_success{part=\"neighbors\"} 0")) << empty;
  EXPECT_EQ(empty.find("catsd_bgp_neighbors"), std::string::npos) << empty;
}

TEST(DaemonMetrics, SiteSeriesOverTheLimitAreLeftOut) {
  DaemonState s;
  s.services.emplace();
  auto* v = s.services->add_services();
  v->set_prefix("203.0.113.10/32");
  v->set_service("chat");
  for (const char* site : {"10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
    auto* c = v->add_candidates();
    c->set_next_hop(site);
    c->set_l2(5);
  }
  for (const std::size_t limit : {0, 3, 2}) {
    s.site_series_limit = limit;
    Families f;
    add_daemon_metrics(f, s);
    const auto page = render(f.take());
    const bool kept = limit != 2;
    EXPECT_EQ(page.find("catsd_cats_site_l2_score{") != std::string::npos, kept) << limit << "\n" << page;
    EXPECT_TRUE(has_line(page, "catsd_metrics_site_series_omitted " + std::string(kept ? "0" : "3"))) << page;
    EXPECT_NE(page.find("catsd_cats_candidate_sites{"), std::string::npos);  // per prefix: always
  }
}

TEST(DaemonMetrics, StateNumbers) {
  EXPECT_EQ(session_state_number("idle"), 1);
  EXPECT_EQ(session_state_number("openconfirm"), 5);
  EXPECT_EQ(session_state_number("established"), 6);
  EXPECT_EQ(session_state_number("bogus"), 0);
}

TEST(CollectorMetrics, TargetsAndServices) {
  collector::Snapshot snap;
  snap.at = score::TimePoint{} + std::chrono::seconds{100};
  collector::TargetView t;
  t.name = "vllm-1";
  t.service = "chat";
  t.engine = "vllm";
  t.answered = true;
  t.stale = false;
  t.last_failure = "none";
  t.counters.scrapes = 9;
  t.counters.good = 8;
  t.counters.failures[static_cast<std::size_t>(source::Failure::kTimeout)] = 1;
  t.last_took = std::chrono::milliseconds{250};
  snap.targets.push_back(t);
  collector::ServiceView v;
  v.service = "chat";
  v.ready = true;
  v.site.verdict = score::Verdict::kAdvertise;
  v.site.l2.exact = 6.5;
  v.site.healthy = 1;
  v.damper.last = score::Advertisement{};
  v.damper.last->l2 = 6;
  v.damper.last_sent = score::TimePoint{} + std::chrono::seconds{90};
  v.damper.counters.advertisements = 4;
  v.damper.counters.suppressed_by_hysteresis = 2;
  snap.services.push_back(v);
  Families f;
  collector::add_collector_metrics(f, snap);
  const auto page = render(f.take());
  for (const auto* line : {
           "cats_collector_target_up{engine=\"vllm\",service=\"chat\",target=\"vllm-1\"} 1",
           "cats_collector_scrapes_total{target=\"vllm-1\"} 9",
           "cats_collector_scrape_failures_total{kind=\"timeout\",target=\"vllm-1\"} 1",
           "cats_collector_scrape_failures_total{kind=\"connect\",target=\"vllm-1\"} 0",
           "cats_collector_scrape_duration_seconds{target=\"vllm-1\"} 0.25",
           "cats_collector_site_l2_score{service=\"chat\"} 6.5",
           "cats_collector_advertised_l2_score{service=\"chat\"} 6",
           "cats_collector_advertisement_age_seconds{service=\"chat\"} 10",
           "cats_collector_advertisements_total{service=\"chat\"} 4",
           "cats_collector_suppressed_total{reason=\"hysteresis\",service=\"chat\"} 2",
       })
    EXPECT_TRUE(has_line(page, line)) << line << "\n" << page;
}

// One HTTP/1.0 GET; the whole response.
std::string get(std::uint16_t port, const std::string& path = "/metrics") {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  boost::asio::write(s, boost::asio::buffer(req));
  std::string out;
  boost::system::error_code ec;
  boost::asio::read(s, boost::asio::dynamic_buffer(out), ec);
  return out;
}

TEST(Endpoint, ServesTheFamiliesAndCachesThem) {
  std::atomic<int> reads{0};
  EndpointOptions o;
  o.port = 0;
  o.cache = std::chrono::seconds{60};
  auto started = Endpoint::start(o, [&reads] {
    Families f;
    f.counter("test_reads_total", "Reads.", ++reads);
    return f.take();
  });
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Endpoint>>(started)) << std::get<std::string>(started);
  const auto& e = std::get<std::unique_ptr<Endpoint>>(started);
  ASSERT_NE(e->port(), 0);
  EXPECT_EQ(e->url(), "http://127.0.0.1:" + std::to_string(e->port()) + "/metrics");
  const auto first = get(e->port());
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
  EXPECT_NE(first.find("Content-Type: text/plain"), std::string::npos) << first;
  EXPECT_NE(first.find("\ntest_reads_total 1\n"), std::string::npos) << first;
  const auto second = get(e->port());
  EXPECT_NE(second.find("\ntest_reads_total 1\n"), std::string::npos) << second;  // from the cache
  EXPECT_EQ(reads.load(), 1);
  const auto other = get(e->port(), "/other");
  EXPECT_NE(other.find(" 404 Not Found"), std::string::npos) << other;
}

TEST(Endpoint, NoCacheReadsEachTime) {
  std::atomic<int> reads{0};
  EndpointOptions o;
  o.port = 0;
  o.cache = std::chrono::milliseconds{0};
  auto started = Endpoint::start(o, [&reads] {
    Families f;
    f.counter("test_reads_total", "Reads.", ++reads);
    return f.take();
  });
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Endpoint>>(started));
  const auto& e = std::get<std::unique_ptr<Endpoint>>(started);
  get(e->port());
  EXPECT_NE(get(e->port()).find("\ntest_reads_total 2\n"), std::string::npos);
}

TEST(Endpoint, PortInUseIsAnError) {
  EndpointOptions o;
  o.port = 0;
  auto first = Endpoint::start(o, [] { return std::vector<prometheus::MetricFamily>{}; });
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Endpoint>>(first));
  o.port = std::get<std::unique_ptr<Endpoint>>(first)->port();
  auto second = Endpoint::start(o, [] { return std::vector<prometheus::MetricFamily>{}; });
  ASSERT_TRUE(std::holds_alternative<std::string>(second));
  EXPECT_NE(std::get<std::string>(second).find("metrics on 127.0.0.1:" + std::to_string(o.port)), std::string::npos)
      << std::get<std::string>(second);
}

}  // namespace
}  // namespace cats::metrics
