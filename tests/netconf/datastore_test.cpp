// The NETCONF datastores without SSH: edit-config operations as rows of
// (running before, edit as a client sends it, result or rpc-error), and the
// candidate, commit, locks.
#include "catsd/netconf/datastore.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catsd/netconf/subtree.hpp"

namespace cats::netconf {
namespace {

using nlohmann::json;

constexpr const char* kNs = "urn:catsd:yang:cats-bgp";

struct Ctx {
  ly_ctx* ctx = nullptr;
  Ctx() {
    ly_ctx_new(CATS_YANG_SOURCE, LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx);
    ly_ctx_set_searchdir(ctx, CATS_IETF_YANG_DIR);
    const char* features[] = {"writable-running", "candidate", "validate", "xpath", nullptr};
    ly_ctx_load_module(ctx, "ietf-netconf", nullptr, features);
    ly_ctx_load_module(ctx, "cats-bgp", nullptr, nullptr);
  }
  ~Ctx() { ly_ctx_destroy(ctx); }
  Ctx(const Ctx&) = delete;
  Ctx& operator=(const Ctx&) = delete;

  // An edit-config <config>'s content as the server parses it.
  Tree edit(const std::string& inner) const {
    const std::string xml = std::string("<bgp xmlns=\"") + kNs +
                            "\" xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\">" + inner + "</bgp>";
    auto parsed = parse_edit(ctx, xml);
    if (auto* e = std::get_if<RpcError>(&parsed)) ADD_FAILURE() << xml << ": " << e->message;
    return std::holds_alternative<Tree>(parsed) ? std::move(std::get<Tree>(parsed)) : Tree{};
  }
};

const std::string kRunning = R"({"cats-bgp:bgp": {
  "global": {"as": 65000, "router-id": "10.0.0.1", "role": ["ingress"]},
  "neighbors": {"neighbor": [
    {"address": "192.0.2.1", "remote-as": 65000, "description": "edge 1"},
    {"address": "192.0.2.2", "remote-as": 65000, "description": "edge 2", "timers": {"hold-time": 30}}]}}})";

json neighbors(const std::string& text) {
  const auto j = json::parse(text);
  json out = json::object();
  const json bgp = j.value("cats-bgp:bgp", json::object());
  for (const auto& n : bgp.value("neighbors", json::object()).value("neighbor", json::array()))
    out[n.at("address").get<std::string>()] = n;
  return out;
}

struct EditRow {
  const char* what;
  const char* edit;
  EditOp default_op;
  const char* error_tag;  // nullptr: succeeds
  const char* error_path;
  std::function<void(json&)> expect;  // on the neighbors by address, from running
};

TEST(NetconfEdit, EachOperationAsRfc6241Says) {
  const std::vector<EditRow> rows = {
      {"merge adds a list entry",
       "<neighbors><neighbor><address>192.0.2.3</address><remote-as>65001</remote-as></neighbor></neighbors>",
       EditOp::kMerge, nullptr, nullptr,
       [](json& n) {
         n["192.0.2.3"] = {{"address", "192.0.2.3"}, {"remote-as", 65001}};
       }},
      {"merge changes a leaf, keeps the rest",
       "<neighbors><neighbor><address>192.0.2.2</address><description>far</description></neighbor></neighbors>",
       EditOp::kMerge, nullptr, nullptr, [](json& n) { n["192.0.2.2"]["description"] = "far"; }},
      {"create of what exists",
       "<neighbors><neighbor nc:operation=\"create\"><address>192.0.2.1</address><remote-as>1</remote-as>"
       "</neighbor></neighbors>",
       EditOp::kMerge, "data-exists", "/cats-bgp:bgp/neighbors/neighbor[address='192.0.2.1']", nullptr},
      {"delete of what does not exist",
       "<neighbors><neighbor nc:operation=\"delete\"><address>192.0.2.9</address></neighbor></neighbors>",
       EditOp::kMerge, "data-missing", "/cats-bgp:bgp/neighbors/neighbor[address='192.0.2.9']", nullptr},
      {"delete of a list entry",
       "<neighbors><neighbor nc:operation=\"delete\"><address>192.0.2.1</address></neighbor></neighbors>",
       EditOp::kMerge, nullptr, nullptr, [](json& n) { n.erase("192.0.2.1"); }},
      {"remove of what does not exist is no error",
       "<neighbors><neighbor nc:operation=\"remove\"><address>192.0.2.9</address></neighbor></neighbors>",
       EditOp::kMerge, nullptr, nullptr, [](json&) {}},
      {"delete of a leaf",
       "<neighbors><neighbor><address>192.0.2.2</address><timers><hold-time nc:operation=\"delete\"/></timers>"
       "</neighbor></neighbors>",
       EditOp::kMerge, nullptr, nullptr, [](json& n) { n["192.0.2.2"].erase("timers"); }},
      {"replace of a list entry drops what the edit leaves out",
       "<neighbors><neighbor nc:operation=\"replace\"><address>192.0.2.2</address><remote-as>65002</remote-as>"
       "</neighbor></neighbors>",
       EditOp::kMerge, nullptr, nullptr,
       [](json& n) {
         n["192.0.2.2"] = {{"address", "192.0.2.2"}, {"remote-as", 65002}};
       }},
      {"default-operation none: only the marked node changes",
       "<neighbors><neighbor><address>192.0.2.2</address><description nc:operation=\"merge\">x</description>"
       "<remote-as>1</remote-as></neighbor></neighbors>",
       EditOp::kNone, nullptr, nullptr, [](json& n) { n["192.0.2.2"]["description"] = "x"; }},
  };
  Ctx c;
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    Datastores ds(c.ctx);
    ASSERT_FALSE(ds.load_running(kRunning));
    std::string applied;
    const Apply apply = [&](const std::string& j) {
      applied = j;
      return config::ConfigErrors{};
    };
    auto edit = c.edit(row.edit);
    const auto err = ds.edit(Store::kRunning, edit.get(), row.default_op, false, apply);
    if (row.error_tag != nullptr) {
      ASSERT_TRUE(err.has_value());
      EXPECT_EQ(err->tag, row.error_tag);
      EXPECT_EQ(err->path, row.error_path);
      EXPECT_TRUE(applied.empty()) << "nothing may reach the daemon";
      EXPECT_EQ(neighbors(ds.json(ds.tree(Store::kRunning))), neighbors(kRunning));
      continue;
    }
    ASSERT_FALSE(err.has_value()) << err->message;
    json expected = neighbors(kRunning);
    row.expect(expected);
    EXPECT_EQ(neighbors(ds.json(ds.tree(Store::kRunning))), expected);
    EXPECT_EQ(neighbors(applied), expected) << "the daemon got the same configuration";
  }
}

TEST(NetconfDatastores, CandidateWaitsForCommit) {
  Ctx c;
  Datastores ds(c.ctx);
  ASSERT_FALSE(ds.load_running(kRunning));
  std::vector<std::string> applied;
  config::ConfigErrors refuse;
  const Apply apply = [&](const std::string& j) {
    applied.push_back(j);
    return refuse;
  };
  auto edit =
      c.edit("<neighbors><neighbor><address>192.0.2.3</address><remote-as>1</remote-as></neighbor></neighbors>");
  ASSERT_FALSE(ds.edit(Store::kCandidate, edit.get(), EditOp::kMerge, false, apply));
  EXPECT_TRUE(applied.empty());
  EXPECT_TRUE(ds.candidate_changed());
  EXPECT_EQ(neighbors(ds.json(ds.tree(Store::kRunning))).size(), 2u);
  EXPECT_EQ(neighbors(ds.json(ds.tree(Store::kCandidate))).size(), 3u);

  // The daemon refuses: running stays, the candidate keeps its change.
  refuse = {{"/cats-bgp:bgp/neighbors/neighbor[address='192.0.2.3']/remote-as", "not this AS"}};
  const auto err = ds.commit(apply);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->tag, "invalid-value");
  EXPECT_EQ(err->path, refuse[0].path);
  EXPECT_EQ(err->message, "not this AS");
  EXPECT_EQ(neighbors(ds.json(ds.tree(Store::kRunning))).size(), 2u);
  EXPECT_TRUE(ds.candidate_changed());

  refuse.clear();
  ASSERT_FALSE(ds.commit(apply));
  EXPECT_EQ(neighbors(ds.json(ds.tree(Store::kRunning))).size(), 3u);
  EXPECT_FALSE(ds.candidate_changed());
  EXPECT_EQ(applied.size(), 2u);

  // discard-changes: back to running.
  auto del = c.edit("<neighbors><neighbor nc:operation=\"delete\"><address>192.0.2.1</address></neighbor></neighbors>");
  ASSERT_FALSE(ds.edit(Store::kCandidate, del.get(), EditOp::kMerge, false, apply));
  ds.discard();
  EXPECT_EQ(neighbors(ds.json(ds.tree(Store::kCandidate))).size(), 3u);
}

TEST(NetconfDatastores, Locks) {
  Ctx c;
  Datastores ds(c.ctx);
  ASSERT_FALSE(ds.load_running(kRunning));
  ASSERT_FALSE(ds.lock(Store::kRunning, 1));
  const auto denied = ds.lock(Store::kRunning, 2);
  ASSERT_TRUE(denied.has_value());
  EXPECT_EQ(denied->tag, "lock-denied");
  EXPECT_EQ(denied->session_id, 1u);
  const auto busy = ds.check_lock(Store::kRunning, 2);
  ASSERT_TRUE(busy.has_value());
  EXPECT_EQ(busy->tag, "in-use");
  EXPECT_FALSE(ds.check_lock(Store::kRunning, 1));
  EXPECT_TRUE(ds.unlock(Store::kRunning, 2).has_value()) << "only the holder unlocks";
  ASSERT_FALSE(ds.unlock(Store::kRunning, 1));

  // A candidate with changes cannot be locked; a lock's changes go with its session.
  const Apply none = [](const std::string&) { return config::ConfigErrors{}; };
  ASSERT_FALSE(ds.lock(Store::kCandidate, 3));
  auto edit =
      c.edit("<neighbors><neighbor><address>192.0.2.3</address><remote-as>1</remote-as></neighbor></neighbors>");
  ASSERT_FALSE(ds.edit(Store::kCandidate, edit.get(), EditOp::kMerge, false, none));
  ds.session_ended(3);
  EXPECT_FALSE(ds.candidate_changed());
  EXPECT_FALSE(ds.check_lock(Store::kCandidate, 4));
  ASSERT_FALSE(ds.edit(Store::kCandidate, edit.get(), EditOp::kMerge, false, none));
  EXPECT_EQ(ds.lock(Store::kCandidate, 4)->tag, "lock-denied");
}

}  // namespace
}  // namespace cats::netconf

namespace cats::netconf {
namespace {

struct ConfirmHarness {
  Ctx c;
  Datastores ds{c.ctx};
  std::vector<std::string> applied;
  Apply apply = [this](const std::string& j) {
    applied.push_back(j);
    return config::ConfigErrors{};
  };
  Datastores::Clock::time_point t0 = Datastores::Clock::now();

  ConfirmHarness() {
    EXPECT_FALSE(ds.load_running(kRunning));
    auto edit =
        c.edit("<neighbors><neighbor><address>192.0.2.3</address><remote-as>1</remote-as></neighbor></neighbors>");
    EXPECT_FALSE(ds.edit(Store::kCandidate, edit.get(), EditOp::kMerge, false, apply));
  }
  std::size_t running() const { return neighbors(ds.json(ds.tree(Store::kRunning))).size(); }
  static Datastores::Confirm confirmed(std::chrono::seconds timeout, std::optional<std::string> persist = {}) {
    Datastores::Confirm c;
    c.confirmed = true;
    c.timeout = timeout;
    c.persist = std::move(persist);
    return c;
  }
};

TEST(NetconfConfirmedCommit, RolledBackWhenNotConfirmedInTime) {
  ConfirmHarness h;
  ASSERT_FALSE(h.ds.commit(h.apply, {}, 1, ConfirmHarness::confirmed(std::chrono::seconds{60}), h.t0));
  EXPECT_EQ(h.running(), 3u);
  EXPECT_FALSE(h.ds.expire(h.apply, h.t0 + std::chrono::seconds{59}).has_value());
  const auto rolled = h.ds.expire(h.apply, h.t0 + std::chrono::seconds{61});
  ASSERT_TRUE(rolled.has_value());
  EXPECT_FALSE(rolled->has_value());
  EXPECT_EQ(h.running(), 2u);
  EXPECT_EQ(neighbors(h.applied.back()).size(), 2u) << "the daemon got the old configuration back";
  EXPECT_FALSE(h.ds.confirming());
}

TEST(NetconfConfirmedCommit, AConfirmingCommitKeepsIt) {
  ConfirmHarness h;
  ASSERT_FALSE(h.ds.commit(h.apply, {}, 1, ConfirmHarness::confirmed(std::chrono::seconds{60}), h.t0));
  const auto other = h.ds.commit(h.apply, {}, 2, {}, h.t0);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->tag, "in-use") << "another session cannot confirm it";
  ASSERT_FALSE(h.ds.commit(h.apply, {}, 1, {}, h.t0));
  EXPECT_FALSE(h.ds.expire(h.apply, h.t0 + std::chrono::hours{1}).has_value());
  EXPECT_EQ(h.running(), 3u);
}

TEST(NetconfConfirmedCommit, SessionEndOrCancelRollsBackUnlessPersisted) {
  {
    ConfirmHarness h;
    ASSERT_FALSE(h.ds.commit(h.apply, {}, 1, ConfirmHarness::confirmed(std::chrono::seconds{60}), h.t0));
    h.ds.session_ended(1, h.apply);
    EXPECT_EQ(h.running(), 2u);
  }
  {
    ConfirmHarness h;
    ASSERT_FALSE(h.ds.commit(h.apply, {}, 1, ConfirmHarness::confirmed(std::chrono::seconds{60}), h.t0));
    ASSERT_FALSE(h.ds.cancel_commit(h.apply, 1, std::nullopt));
    EXPECT_EQ(h.running(), 2u);
  }
  {
    ConfirmHarness h;
    ASSERT_FALSE(h.ds.commit(h.apply, {}, 1, ConfirmHarness::confirmed(std::chrono::seconds{60}, "p1"), h.t0));
    h.ds.session_ended(1, h.apply);
    EXPECT_EQ(h.running(), 3u) << "persisted: survives its session";
    Datastores::Confirm wrong;
    wrong.persist_id = "p2";
    EXPECT_TRUE(h.ds.commit(h.apply, {}, 2, wrong, h.t0).has_value());
    Datastores::Confirm right;
    right.persist_id = "p1";
    ASSERT_FALSE(h.ds.commit(h.apply, {}, 2, right, h.t0));
    EXPECT_FALSE(h.ds.confirming());
    EXPECT_EQ(h.running(), 3u);
  }
}

}  // namespace
}  // namespace cats::netconf

namespace cats::netconf {
namespace {

// RFC 6241 §6.4's kinds of filter node, one row each: the filter's content
// and what must come out.
TEST(NetconfSubtreeFilter, EachKindOfNode) {
  struct Row {
    const char* what;
    const char* filter;
    std::vector<std::string> addresses;  // neighbors in the result
    bool descriptions;                   // their descriptions came along
    bool global;                         // the global container came along
  };
  const std::vector<Row> rows = {
      {"selection of a container", "<bgp xmlns=\"urn:catsd:yang:cats-bgp\"><global/></bgp>", {}, false, true},
      {"selection of a list",
       "<bgp xmlns=\"urn:catsd:yang:cats-bgp\"><neighbors/></bgp>",
       {"192.0.2.1", "192.0.2.2"},
       true,
       false},
      {"content match on the key: the whole entry",
       "<bgp xmlns=\"urn:catsd:yang:cats-bgp\"><neighbors><neighbor><address>192.0.2.2</address></neighbor>"
       "</neighbors></bgp>",
       {"192.0.2.2"},
       true,
       false},
      {"content match and a selection: only what is named",
       "<bgp xmlns=\"urn:catsd:yang:cats-bgp\"><neighbors><neighbor><address>192.0.2.1</address><remote-as/>"
       "</neighbor></neighbors></bgp>",
       {"192.0.2.1"},
       false,
       false},
      {"content match that matches nothing",
       "<bgp xmlns=\"urn:catsd:yang:cats-bgp\"><neighbors><neighbor><address>192.0.2.9</address></neighbor>"
       "</neighbors></bgp>",
       {},
       false,
       false},
  };
  Ctx c;
  Datastores ds(c.ctx);
  ASSERT_FALSE(ds.load_running(kRunning));
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    auto f = parse_filter(c.ctx, row.filter);
    ASSERT_TRUE(std::holds_alternative<Tree>(f));
    const Tree out = subtree_filter(ds.tree(Store::kRunning), std::get<Tree>(f).get());
    const auto j = json::parse(ds.json(out.get()));
    const json bgp = j.value("cats-bgp:bgp", json::object());
    EXPECT_FALSE(bgp.contains("neighbors") && bgp.at("neighbors").empty()) << "no empty containment node";
    std::vector<std::string> addresses;
    bool descriptions = false;
    for (const auto& n : bgp.value("neighbors", json::object()).value("neighbor", json::array())) {
      addresses.push_back(n.at("address"));
      descriptions = descriptions || n.contains("description");
    }
    EXPECT_EQ(addresses, row.addresses);
    EXPECT_EQ(descriptions, row.descriptions);
    EXPECT_EQ(bgp.contains("global"), row.global);
  }
}

}  // namespace
}  // namespace cats::netconf
