// The operational state NETCONF <get> serves: what catsctl show reports,
// mapped onto cats-bgp's config false nodes. The JSON must be an instance of
// the model (libyang parses it strictly), with the values of the replies.
#include <gtest/gtest.h>
#include <libyang/libyang.h>

#include <nlohmann/json.hpp>
#include <string>

#include "catsd/netconf_hooks.hpp"

namespace cats::netconf {
namespace {

namespace pb = api::pb;

// Canned show replies (this test is about the mapping, not the engine).
class Replies : public api::ApiBackend {
 public:
  pb::ShowNeighborsReply neighbors;
  pb::ShowServicesReply services;
  api::ApiResult show_neighbors(const pb::ShowNeighborsRequest&, pb::ShowNeighborsReply* r) override {
    *r = neighbors;
    return std::nullopt;
  }
  api::ApiResult show_rib(const pb::ShowRibRequest&, pb::ShowRibReply*) override { return std::nullopt; }
  api::ApiResult show_services(const pb::ShowServicesRequest&, pb::ShowServicesReply* r) override {
    *r = services;
    return std::nullopt;
  }
  api::ApiResult inject_metrics(const pb::InjectMetricsRequest& req, pb::InjectMetricsReply* r) override {
    injected = req;
    if (req.service() != "chat") return api::ApiError{api::ApiError::Code::not_found, "no service"};
    r->set_sequence(12);
    r->set_paths_readvertised(2);
    return std::nullopt;
  }
  pb::ClearNeighborRequest cleared;
  pb::InjectMetricsRequest injected;
  api::ApiResult clear_neighbor(const pb::ClearNeighborRequest& req, pb::ClearNeighborReply* r) override {
    cleared = req;
    r->set_cleared(2);
    return std::nullopt;
  }
  api::ApiResult watch_rib(const pb::WatchRibRequest&, api::RibSink, std::unique_ptr<api::Subscription>*) override {
    return std::nullopt;
  }
};

TEST(NetconfState, ShowRepliesAsTheModelsStateNodes) {
  Replies b;
  auto* n = b.neighbors.add_neighbors();
  n->set_address("192.0.2.1");
  n->set_state("established");
  n->set_established_for_s(42);
  n->set_peer_router_id("10.0.0.1");
  n->set_hold_time(90);
  n->set_keepalive(30);
  n->set_cats_version(1);
  n->set_route_refresh(true);
  n->set_messages_in(7);
  n->set_flaps(2);
  auto* f = n->add_families();
  f->set_name("ipv4-unicast");
  f->set_prefixes_received(3);
  n->mutable_last_error()->set_code(6);
  n->mutable_last_error()->set_subcode(4);
  auto* o = b.services.add_originated();
  o->set_name("chat");
  o->set_advertised(true);
  o->mutable_metrics()->set_l2(7);
  o->mutable_metrics()->set_sequence(9);
  auto* v = b.services.add_services();
  v->set_prefix("203.0.113.10/32");
  v->set_service_class("delay-sensitive");
  v->set_outcome("nearest");
  v->set_changes(5);
  for (const char* nh : {"192.0.2.1", "192.0.2.2"}) {
    auto* c = v->add_candidates();
    c->set_peer("192.0.2.254");
    c->set_path_id(nh[8] == '1' ? 1 : 2);
    c->set_next_hop(nh);
    c->set_l2(nh[8] == '1' ? 8 : 3);
    c->set_selected(nh[8] == '1');
  }

  collector::Snapshot snap;
  collector::TargetView t;
  t.name = "vllm-a";
  t.answered = true;
  t.stale = false;
  t.counters.scrapes = 5;
  t.counters.good = 4;
  t.last_failure = "none";
  t.last_took = std::chrono::microseconds{1500};
  snap.targets.push_back(t);
  const std::string text = netconf_state(b, [&] { return std::optional(snap); });
  const auto j = nlohmann::json::parse(text);
  const auto& bgp = j.at("cats-bgp:bgp");
  const auto& st = bgp.at("neighbors").at("neighbor").at(0).at("state");
  EXPECT_EQ(st.at("session-state"), "established");
  EXPECT_EQ(st.at("established-for"), "42");  // RFC 7951: 64-bit integers are strings
  EXPECT_EQ(st.at("capability"), nlohmann::json::array({"route-refresh"}));
  EXPECT_EQ(st.at("counters").at("flaps"), 2);
  EXPECT_EQ(st.at("last-error").at("subcode"), 4);
  EXPECT_EQ(bgp.at("services").at("service").at(0).at("state").at("sequence"), 9);
  const auto& sel = bgp.at("selection").at("prefix").at(0);
  EXPECT_EQ(sel.at("site").size(), 2u);
  EXPECT_EQ(sel.at("site").at(0).at("selected"), true);
  const auto& target = bgp.at("collector").at("target").at(0);
  EXPECT_EQ(target.at("name"), "vllm-a");
  EXPECT_EQ(target.at("state").at("good"), "4");
  EXPECT_EQ(target.at("state").at("last-duration"), "1500");

  // An instance of the model: every node and value fits.
  ly_ctx* ctx = nullptr;
  ASSERT_EQ(ly_ctx_new(CATS_YANG_SOURCE, LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx), LY_SUCCESS);
  ASSERT_NE(ly_ctx_load_module(ctx, "cats-bgp", nullptr, nullptr), nullptr);
  lyd_node* tree = nullptr;
  EXPECT_EQ(lyd_parse_data_mem(ctx, text.c_str(), LYD_JSON, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &tree), LY_SUCCESS)
      << text;
  lyd_free_all(tree);
  ly_ctx_destroy(ctx);

  Replies none;
  EXPECT_EQ(netconf_state(none), "");
}

TEST(NetconfRpc, TheModelsRpcsAsCatsctlCalls) {
  Replies b;
  auto r = netconf_rpc(b, "clear-neighbor", {{"address", "all"}, {"mode", "soft"}});
  ASSERT_TRUE(std::holds_alternative<Leaves>(r));
  EXPECT_EQ(std::get<Leaves>(r), (Leaves{{"cleared", "2"}}));
  EXPECT_EQ(b.cleared.address(), "all");
  EXPECT_EQ(b.cleared.mode(), pb::ClearNeighborRequest::SOFT_BOTH);

  r = netconf_rpc(b, "inject-metrics",
                  {{"service", "chat"}, {"l2-score", "3"}, {"l1/compute", "2"}, {"drain", "true"}});
  ASSERT_TRUE(std::holds_alternative<Leaves>(r));
  EXPECT_EQ(std::get<Leaves>(r), (Leaves{{"sequence", "12"}, {"paths-readvertised", "2"}}));
  EXPECT_EQ(b.injected.l2(), 3u);
  ASSERT_EQ(b.injected.l1_size(), 1);
  EXPECT_EQ(b.injected.l1(0).category(), "compute");
  EXPECT_TRUE(b.injected.drain());
  EXPECT_FALSE(b.injected.has_withdraw());

  r = netconf_rpc(b, "inject-metrics", {{"service", "nope"}});
  ASSERT_TRUE(std::holds_alternative<RpcError>(r));
  EXPECT_EQ(std::get<RpcError>(r).tag, "invalid-value");
  EXPECT_EQ(std::get<RpcError>(r).message, "no service");
  EXPECT_EQ(std::get<RpcError>(r).tag, "invalid-value");
  EXPECT_TRUE(std::holds_alternative<RpcError>(netconf_rpc(b, "reboot", {})));
}

}  // namespace
}  // namespace cats::netconf
