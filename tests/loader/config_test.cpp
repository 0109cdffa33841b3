// Configuration loading: the examples map to the values they spell, every bad
// case is rejected naming the path and the reason, file problems are clear.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "yang/loader/load.hpp"
#include "yang/loader/session_config.hpp"

namespace cats::loader {

using namespace cats::config;  // the model the loader fills
namespace {

namespace fs = std::filesystem;

const fs::path kYang = CATS_YANG_SOURCE;
const fs::path kExamples = kYang / "examples";

Config load_ok(const fs::path& file) {
  auto r = load_config(file, kYang);
  if (auto* errors = std::get_if<ConfigErrors>(&r)) {
    std::string all;
    for (const auto& e : *errors) all += e.message() + "\n";
    ADD_FAILURE() << file << " rejected:\n" << all;
    return {};
  }
  return std::get<Config>(r);
}

ConfigErrors load_bad(const fs::path& file) {
  auto r = load_config(file, kYang);
  if (std::holds_alternative<Config>(r)) {
    ADD_FAILURE() << file << " accepted";
    return {};
  }
  return std::get<ConfigErrors>(r);
}

template <typename T>
std::string str(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else {
    return std::to_string(+v);
  }
}
template <typename T>
std::string str(const std::optional<T>& v) {
  return v ? str(*v) : "absent";
}

const Neighbor& nb(const Config& c, std::string_view address) {
  static const Neighbor kMissing{};
  const auto* n = c.neighbor(address);
  return n ? *n : kMissing;
}
const Service& svc(const Config& c, std::string_view name) {
  static const Service kMissing{};
  const auto* s = c.service(name);
  return s ? *s : kMissing;
}
std::string roles(const Config& c) {
  std::string out;
  for (auto r : c.global.roles) out += std::string(out.empty() ? "" : ",") + role_name(r);
  return out;
}
std::uint8_t l1(const L1Scores& s, config::Category k, std::uint8_t absent = 255) {
  return s[config::index(k)].value_or(absent);
}

struct Row {
  const char* file;
  const char* path;  // where in the instance the value comes from
  std::function<std::string(const Config&)> get;
  std::string expected;
};

using config::Category;
using config::Input;

const Row kRows[] = {
    // edge
    {"edge.json", "global/as", [](const Config& c) { return str(c.global.as); }, "65001"},
    {"edge.json", "global/router-id", [](const Config& c) { return str(c.global.router_id); }, "3221225985"},
    {"edge.json", "global/role", roles, "edge"},
    {"edge.json", "global/listen/address[2]", [](const Config& c) { return c.global.listen_addresses.at(1); },
     "2001:db8::1"},
    {"edge.json", "global/cats/attribute-type-code", [](const Config& c) { return str(c.global.cats.attribute_type); },
     "255"},
    {"edge.json", "neighbor[192.0.2.254]/ibgp", [](const Config& c) { return str(nb(c, "192.0.2.254").ibgp); }, "true"},
    {"edge.json", "neighbor/timers/keepalive",
     [](const Config& c) { return str(nb(c, "192.0.2.254").timers.keepalive); }, "10"},
    {"edge.json", "neighbor/timers/idle-hold-max (default)",
     [](const Config& c) { return str(nb(c, "192.0.2.254").timers.idle_hold_max); }, "600"},
    {"edge.json", "neighbor/afi-safi[ipv6-unicast]/add-path",
     [](const Config& c) { return str(static_cast<int>(nb(c, "192.0.2.254").families.at(1).add_path)); },
     str(static_cast<int>(AddPath::kSend))},
    {"edge.json", "neighbor/afi-safi[ipv6-unicast]/graceful-restart-forwarding",
     [](const Config& c) { return str(nb(c, "192.0.2.254").families.at(1).gr_forwarding); }, "true"},
    {"edge.json", "neighbor/graceful-restart/restart-time",
     [](const Config& c) { return str(nb(c, "192.0.2.254").graceful_restart.restart_time); }, "90"},
    {"edge.json", "neighbor/md5-password", [](const Config& c) { return nb(c, "192.0.2.254").md5_password; },
     "s3cret-edge"},
    {"edge.json", "neighbor/cats/send (iBGP default)",
     [](const Config& c) { return str(nb(c, "192.0.2.254").cats.send); }, "true"},
    {"edge.json", "neighbor/cats/require-capability",
     [](const Config& c) { return str(nb(c, "192.0.2.254").cats.require_capability); }, "true"},
    {"edge.json", "neighbor/policy/export/prefix-list",
     [](const Config& c) { return str(nb(c, "192.0.2.254").export_policy.prefix_list); }, "services"},
    {"edge.json", "neighbor/policy/export/add-community",
     [](const Config& c) {
       const auto& v = nb(c, "192.0.2.254").export_policy.add_communities;
       return v.size() == 2 ? str(v[0]) + "," + str(v[1]) : "size " + str(v.size());
     },
     str((65001u << 16) | 100) + "," + str(kNoExport)},
    {"edge.json", "prefix-list[services]/entry[2]/le",
     [](const Config& c) { return str(c.prefix_lists.at(0).entries.at(1).le); }, "128"},
    {"edge.json", "prefix-list[services]/entry[1]/ge",
     [](const Config& c) { return str(c.prefix_lists.at(0).entries.at(0).ge); }, "24"},
    {"edge.json", "service[llm-chat]/prefix", [](const Config& c) { return svc(c, "llm-chat").prefixes.at(1); },
     "2001:db8:cafe::10/128"},
    {"edge.json", "service[llm-chat]/cs-id",
     [](const Config& c) {
       const auto& id = svc(c, "llm-chat").cs_id;
       return id ? str(static_cast<int>(id->type)) + " " + id->value : "absent";
     },
     "3 1001"},
    {"edge.json", "service[llm-chat]/profile", [](const Config& c) { return str(svc(c, "llm-chat").profile); }, "1"},
    {"edge.json", "service[llm-chat]/metrics/l2-score",
     [](const Config& c) { return str(svc(c, "llm-chat").metrics.l2); }, "7"},
    {"edge.json", "service[llm-chat]/metrics/l1/service",
     [](const Config& c) { return str(l1(svc(c, "llm-chat").metrics.l1, Category::kService)); }, "9"},
    {"edge.json", "service[llm-chat]/metrics/l1/communication (absent)",
     [](const Config& c) { return str(l1(svc(c, "llm-chat").metrics.l1, Category::kCommunication)); }, "255"},
    {"edge.json", "service[llm-chat]/metrics/instance[10.0.0.12]",
     [](const Config& c) {
       const auto& i = svc(c, "llm-chat").metrics.instances.at(1);
       return str(static_cast<int>(i.id.type)) + " " + i.id.value + " " + str(i.l2) + " " +
              str(l1(i.l1, Category::kCompute));
     },
     "1 10.0.0.12 5 4"},
    {"edge.json", "service[image-gen]/metrics/drain",
     [](const Config& c) { return str(svc(c, "image-gen").metrics.drain); }, "true"},
    {"edge.json", "scoring/profile[1]/input[memory]",
     [](const Config& c) {
       const auto& r = c.profiles.at(0).rules.rule(Input::kMemory);
       return str(r.enabled) + " " + str(r.full) + " " + str(r.zero) + " " + str(r.curve == config::Curve::kLogistic);
     },
     "true 0.500000 0.950000 true"},
    {"edge.json", "scoring/profile[1]/input[latency]/weight",
     [](const Config& c) { return str(c.profiles.at(0).rules.rule(Input::kLatency).weight); }, "2.000000"},
    {"edge.json", "scoring/profile[1]/input[cpu] (not listed)",
     [](const Config& c) { return str(c.profiles.at(0).rules.rule(Input::kCpu).enabled); }, "false"},
    {"edge.json", "scoring/profile[1]/weights/compute",
     [](const Config& c) { return str(c.profiles.at(0).rules.l2_weights[config::index(Category::kCompute)]); },
     "3.000000"},
    {"edge.json", "scoring/profile[1]/site-aggregation",
     [](const Config& c) { return str(c.profiles.at(0).rules.site == config::SiteAggregation::kCapacityWeightedMean); },
     "true"},
    {"edge.json", "scoring/profile[1]/stale-after",
     [](const Config& c) { return str(c.profiles.at(0).rules.stale_after.count()); }, "20000"},
    {"edge.json", "damper/half-life", [](const Config& c) { return str(c.damper.half_life.count()); }, "5000"},
    {"edge.json", "damper/threshold", [](const Config& c) { return str(c.damper.threshold); }, "1.500000"},
    {"edge.json", "damper/min-interval", [](const Config& c) { return str(c.damper.min_interval.count()); }, "10000"},
    {"edge.json", "damper/flap/hold", [](const Config& c) { return str(c.damper.hold.count()); }, "90000"},
    {"edge.json", "damper/flap/limit", [](const Config& c) { return str(c.damper.flap_limit); }, "4"},
    {"edge.json", "damper/l1", [](const Config& c) { return str(c.damper.l1); }, "true"},
    // reflector
    {"reflector.json", "global/role", roles, "reflector"},
    {"reflector.json", "global/cluster-id", [](const Config& c) { return str(c.global.cluster_id); }, "3221226238"},
    {"reflector.json", "neighbors", [](const Config& c) { return str(c.neighbors.size()); }, "3"},
    {"reflector.json", "neighbor[192.0.2.1]/passive", [](const Config& c) { return str(nb(c, "192.0.2.1").passive); },
     "true"},
    {"reflector.json", "neighbor[192.0.2.1]/route-reflector-client",
     [](const Config& c) { return str(nb(c, "192.0.2.1").route_reflector_client); }, "true"},
    {"reflector.json", "neighbor[192.0.2.1]/max-prefix",
     [](const Config& c) {
       const auto& m = nb(c, "192.0.2.1").max_prefix;
       return m ? str(m->limit) + " " + str(m->warning_only) + " " + str(m->restart_after) : "absent";
     },
     "1000 false 60"},
    {"reflector.json", "neighbor[192.0.2.2]/max-prefix/warning-only",
     [](const Config& c) { return str(nb(c, "192.0.2.2").max_prefix.value_or(MaxPrefix{}).warning_only); }, "true"},
    {"reflector.json", "neighbor[2001:db8::100]/timers/hold-time",
     [](const Config& c) { return str(nb(c, "2001:db8::100").timers.hold_time); }, "0"},
    {"reflector.json", "neighbor[2001:db8::100]/timers/delay-open",
     [](const Config& c) { return str(nb(c, "2001:db8::100").timers.delay_open); }, "5"},
    {"reflector.json", "neighbor[2001:db8::100]/afi-safis (none: both families)",
     [](const Config& c) { return str(nb(c, "2001:db8::100").families.size()); }, "2"},
    {"reflector.json", "neighbor[2001:db8::100]/capabilities/extended-message",
     [](const Config& c) { return str(nb(c, "2001:db8::100").extended_message); }, "false"},
    {"reflector.json", "neighbor[2001:db8::100]/ttl-security",
     [](const Config& c) {
       const auto& t = nb(c, "2001:db8::100").ttl_security;
       return str(t.enabled) + " " + str(t.hops);
     },
     "true 2"},
    {"reflector.json", "neighbor[2001:db8::100]/timers/hold-time (default)",
     [](const Config& c) { return str(nb(c, "192.0.2.1").timers.hold_time); }, "90"},
    {"reflector.json", "neighbor[192.0.2.1]/timers/keepalive (absent)",
     [](const Config& c) { return str(nb(c, "192.0.2.1").timers.keepalive); }, "absent"},
    {"reflector.json", "global/cats/capability-code (default)",
     [](const Config& c) { return str(c.global.cats.capability); }, "239"},
    {"reflector.json", "damper/min-interval (default)",
     [](const Config& c) { return str(c.damper.min_interval.count()); }, "5000"},
    // ingress
    {"ingress.json", "global/listen/port", [](const Config& c) { return str(c.global.listen_port); }, "1179"},
    {"ingress.json", "steering/service-class[delay-sensitive]",
     [](const Config& c) {
       const auto* k = c.steering.find_class("delay-sensitive");
       return str(k->hold_down.count()) + " " + str(k->leave_threshold) + " " + str(k->network_weight);
     },
     "20 3 3.000000"},
    {"ingress.json", "steering/service-class[batch]",
     [](const Config& c) {
       const auto* k = c.steering.find_class("batch");
       return str(k->compute_weight) + " " + str(k->leave_threshold) + " " + str(k->mode == SelectionMode::kWeighted) +
              " " + str(k->max_sites) + " " + str(k->score == ScoreSource::kL1) + " " + str(k->l1_categories.size()) +
              " " + str(k->margin);
     },
     "5.000000 8 true 3 true 1 1.000000"},
    {"ingress.json", "steering/service[text-to-image]",
     [](const Config& c) {
       const auto& s = c.steering.services.at(1);
       return s.name + " " + s.cs_id->value + " " + s.service_class + " " + str(s.prefixes.size());
     },
     "text-to-image 1002 batch 0"},
    {"ingress.json", "steering/cloud and network-cost",
     [](const Config& c) {
       const auto& st = c.steering;
       return str(st.cloud_communities.at(0)) + " " + st.network_cost.next_hops.at(0).address + " " +
              str(*st.network_cost.next_hops.at(0).cost) + " " + str(*st.network_cost.next_hops.at(0).latency_ms) +
              " " + str(st.next_hop_tracking) + " " + str(nb(c, "192.0.2.254").cats.network_cost.value());
     },
     "4259906535 192.0.2.9 100 80 true 5"},
    {"ingress.json", "neighbor[192.0.2.254]/timers/min-hold-time",
     [](const Config& c) { return str(nb(c, "192.0.2.254").timers.min_hold_time); }, "3"},
    {"ingress.json", "neighbor[192.0.2.254]/afi-safi[ipv4-unicast]/add-path",
     [](const Config& c) { return str(static_cast<int>(nb(c, "192.0.2.254").families.at(0).add_path)); },
     str(static_cast<int>(AddPath::kReceive))},
    {"ingress.json", "neighbor[198.51.100.1]/ibgp", [](const Config& c) { return str(nb(c, "198.51.100.1").ibgp); },
     "false"},
    {"ingress.json", "neighbor[198.51.100.1]/afi-safis",
     [](const Config& c) { return str(nb(c, "198.51.100.1").families.size()); }, "1"},
    {"ingress.json", "neighbor[198.51.100.1]/cats/send",
     [](const Config& c) { return str(nb(c, "198.51.100.1").cats.send); }, "false"},
    {"ingress.json", "neighbor[198.51.100.1]/cats/receive",
     [](const Config& c) { return str(nb(c, "198.51.100.1").cats.receive); }, "true"},
    {"ingress.json", "neighbor[198.51.100.1]/policy/import",
     [](const Config& c) {
       const auto& p = nb(c, "198.51.100.1").import_policy;
       return str(p.prefix_list) + " " + str(p.set_local_pref) + " " + str(p.set_med);
     },
     "no-default 50 10"},
    {"ingress.json", "neighbor[198.51.100.1]/next-hop-self",
     [](const Config& c) { return str(nb(c, "198.51.100.1").next_hop_self); }, "true"},
    {"ingress.json", "neighbor[198.51.100.1]/max-prefix/limit",
     [](const Config& c) { return str(nb(c, "198.51.100.1").max_prefix.value_or(MaxPrefix{}).limit); }, "500000"},
    {"ingress.json", "prefix-list[no-default]/entry[5]/action",
     [](const Config& c) { return str(c.prefix_list("no-default")->entries.at(0).action == Verdict::kDeny); }, "true"},
    {"ingress.json", "services (none)", [](const Config& c) { return str(c.services.size()); }, "0"},
    // collector
    {"collector.json", "collector/engine-profiles", [](const Config& c) { return c.collector.engine_profiles; },
     "/usr/share/catsd/engines.json"},
    {"collector.json", "collector/target", [](const Config& c) { return str(c.collector.targets.size()); }, "4"},
    {"collector.json", "collector/target[vllm-a]",
     [](const Config& c) {
       const auto& t = c.collector.targets.at(0);
       return t.name + " " + t.url + " " + t.engine + " " + str(t.interval.count()) + " " + str(t.timeout.count()) +
              " " + str(t.stale_after.count()) + " " + t.service;
     },
     "vllm-a http://10.0.0.11:8000/metrics vllm 1000 500 5000 llm-chat"},
    {"collector.json", "collector/target[vllm-a]/instance-id",
     [](const Config& c) {
       const auto& id = c.collector.targets.at(0).instance_id;
       return id ? str(static_cast<int>(id->type)) + " " + id->value : "absent";
     },
     "1 10.0.0.11"},
    {"collector.json", "collector/target[vllm-a]/capacity",
     [](const Config& c) { return str(c.collector.targets.at(0).capacity); }, "2.000000"},
    {"collector.json", "collector/target[triton-b] (defaults)",
     [](const Config& c) {
       const auto& t = c.collector.targets.at(1);
       return str(t.interval.count()) + " " + str(t.timeout.count()) + " " + str(t.stale_after.count()) + " " +
              str(t.capacity) + " " + t.instance_id.value_or(ServiceId{}).value;
     },
     "5000 2000 15000 absent 12"},
    {"collector.json", "collector/target[host]/url (procfs: none)",
     [](const Config& c) { return c.collector.targets.at(3).engine + " '" + c.collector.targets.at(3).url + "'"; },
     "procfs ''"},
    {"collector.json", "collector/push/catsd-address", [](const Config& c) { return str(c.collector.push_address); },
     "192.0.2.254:50051"},
    {"edge.json", "collector (absent)",
     [](const Config& c) { return str(c.collector.targets.size()) + " " + str(c.collector.push_address); }, "0 absent"},
};

void PrintTo(const Row& r, std::ostream* os) {
  *os << r.file << " " << r.path;
}

class ExampleValue : public ::testing::TestWithParam<Row> {};

TEST_P(ExampleValue, MapsToExpected) {
  const Row& row = GetParam();
  Config c = load_ok(kExamples / row.file);
  EXPECT_EQ(row.get(c), row.expected) << row.file << " " << row.path;
}

std::string test_name(std::size_t index, const std::string& text) {
  std::string out = std::to_string(index) + "_";
  for (char ch : text) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return out;
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleValue, ::testing::ValuesIn(kRows),
                         [](const auto& info) { return test_name(info.index, info.param.file); });

// The bad configurations: examples/bad/cases.json names a base (a good example)
// and, per case, an RFC 6902 patch that breaks it in one way, with the path and
// reason catsd must report. ordered_json keeps the base's member order.
using Json = nlohmann::ordered_json;

const fs::path kCases = kExamples / "bad" / "cases.json";

struct Bad {
  std::string name;
  std::string stage;  // "yang": libyang rejects it; "semantic": only catsd's checks do
  Json patch;
  std::string path;    // part of the reported data path
  std::string reason;  // part of the reason
};

Json read_json(const fs::path& file) {
  std::ifstream in(file);
  return Json::parse(in);
}

// Empty when the file does not parse; BadCases.FileIsComplete then says why.
std::vector<Bad> bad_cases() {
  std::vector<Bad> out;
  try {
    const Json file = read_json(kCases);
    for (const auto& c : file.at("cases")) {
      out.push_back({c.at("name").get<std::string>(), c.at("stage").get<std::string>(), c.at("patch"),
                     c.at("path").get<std::string>(), c.at("reason").get<std::string>()});
    }
  } catch (const Json::exception&) {
    return {};
  }
  return out;
}

const Bad& bad_case(std::string_view name) {
  static const std::vector<Bad> all = bad_cases();
  static const Bad kMissing{};
  auto it = std::find_if(all.begin(), all.end(), [&](const Bad& b) { return b.name == name; });
  if (it == all.end()) ADD_FAILURE() << "no case " << name << " in " << kCases;
  return it == all.end() ? kMissing : *it;
}

Json base_config() {
  return read_json(kCases.parent_path() / read_json(kCases).at("base").get<std::string>());
}

// The case's configuration as the text catsd would read.
std::string bad_text(const Bad& b) {
  return base_config().patch(b.patch).dump(2);
}

ConfigErrors load_bad(const Bad& b) {
  auto r = load_config_text(bad_text(b), kYang, "bad/cases.json " + b.name);
  if (std::holds_alternative<Config>(r)) {
    ADD_FAILURE() << b.name << " accepted";
    return {};
  }
  return std::get<ConfigErrors>(r);
}

void PrintTo(const Bad& b, std::ostream* os) {
  *os << b.name;
}

class BadExample : public ::testing::TestWithParam<Bad> {};

TEST_P(BadExample, RejectedWithPathAndReason) {
  const Bad& b = GetParam();
  ConfigErrors errors = load_bad(b);
  ASSERT_FALSE(errors.empty());
  const bool found = std::any_of(errors.begin(), errors.end(), [&](const ConfigError& e) {
    return e.path.find(b.path) != std::string::npos && e.reason.find(b.reason) != std::string::npos;
  });
  std::string all;
  for (const auto& e : errors) all += e.message() + "\n";
  EXPECT_TRUE(found) << b.name << ": want path containing \"" << b.path << "\" and reason containing \"" << b.reason
                     << "\", got:\n"
                     << all;
}

INSTANTIATE_TEST_SUITE_P(Examples, BadExample, ::testing::ValuesIn(bad_cases()),
                         [](const auto& info) { return test_name(info.index, info.param.name); });

// A case without a name, stage, path or reason, or a patch that changes nothing,
// would test nothing; so would a configuration file beside cases.json.
TEST(BadCases, FileIsComplete) {
  ASSERT_NO_THROW(read_json(kCases).at("cases"));
  ASSERT_NO_THROW(base_config());
  const auto cases = bad_cases();
  EXPECT_EQ(cases.size(), read_json(kCases).at("cases").size());
  const Json base = base_config();
  std::set<std::string> names;
  for (const auto& b : cases) {
    EXPECT_TRUE(names.insert(b.name).second) << "duplicate name " << b.name;
    EXPECT_TRUE(b.stage == "yang" || b.stage == "semantic") << b.name << ": stage " << b.stage;
    EXPECT_FALSE(b.path.empty()) << b.name;
    EXPECT_FALSE(b.reason.empty()) << b.name;
    EXPECT_TRUE(b.patch.is_array() && !b.patch.empty()) << b.name;
    EXPECT_NE(base.patch(b.patch), base) << b.name;
  }
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(kCases.parent_path())) files.insert(e.path().filename().string());
  EXPECT_EQ(files, std::set<std::string>{"cases.json"});
}

// The patches break a good configuration, not an already broken one.
TEST(BadCases, BaseIsGood) {
  auto r = load_config_text(base_config().dump(2), kYang);
  ASSERT_TRUE(std::holds_alternative<Config>(r)) << std::get<ConfigErrors>(r).front().message();
}

// Every collector check, one target each, all reported at once.
TEST(CollectorChecks, AllReported) {
  ConfigErrors errors = load_bad(bad_case("target-stale-before-interval"));
  std::vector<std::string> got;
  for (const auto& e : errors) got.push_back(e.message());
  const std::string t = "/cats-bgp:bgp/collector/target[name='";
  EXPECT_EQ(got, (std::vector<std::string>{
                     t + "vllm-a']/stale-after: stale-after (4000 ms) must not be below interval (5000 ms)",
                     t + "vllm-a']/timeout: timeout (6000 ms) must not exceed interval (5000 ms)",
                     t + "vllm-b']/url: url http://127.0.0.1:8000/metrics is already scraped by target vllm-a",
                     t + "sglang']/url: not an http://host[:port][/path] URL: http://127.0.0.1:99999/",
                 }));
}

TEST(CollectorChecks, DefaultTimeoutFitsTheInterval) {
  auto r = load_config_text(R"({"cats-bgp:bgp": {"global": {"as": 65001, "router-id": "192.0.2.1", "role": ["edge"]},
      "services": {"service": [{"name": "s", "prefix": ["203.0.113.1/32"], "metrics": {"l2-score": 5}}]},
      "collector": {"target": [{"name": "fast", "url": "http://127.0.0.1:1/", "engine": "vllm", "service": "s",
      "interval": 100}, {"name": "slow", "url": "http://127.0.0.1:2/", "engine": "vllm", "service": "s"}]}}})",
                            kYang);
  ASSERT_TRUE(std::holds_alternative<Config>(r)) << std::get<ConfigErrors>(r).front().message();
  const auto& targets = std::get<Config>(r).collector.targets;
  EXPECT_EQ(targets.at(0).timeout.count(), 100);
  EXPECT_EQ(targets.at(1).timeout.count(), 2000);
}

TEST(CollectorChecks, HttpUrl) {
  auto u = parse_http_url("http://[2001:db8::13]:3000/m?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "2001:db8::13");
  EXPECT_EQ(u->port, 3000);
  EXPECT_EQ(u->path, "/m?x=1");
  u = parse_http_url("http://node.example");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "node.example");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->path, "/metrics");
  for (const char* bad : {"https://a:1/", "http://", "http://:80/", "http://a:0/", "http://a:x/", "http://[::1/",
                          "http://::1:80/", "http://user@a/", "http://a:65536/"}) {
    EXPECT_FALSE(parse_http_url(bad)) << bad;
  }
}

TEST(GoodExamples, EveryRoleHasOne) {
  for (const char* f : {"edge.json", "ingress.json", "reflector.json", "collector.json"}) {
    EXPECT_TRUE(fs::exists(kExamples / f)) << f;
    load_ok(kExamples / f);
  }
}

class TempFile {
 public:
  explicit TempFile(const std::string& text)
      : path_(fs::temp_directory_path() /
              ("cats_config_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json")) {
    std::ofstream(path_) << text;
  }
  ~TempFile() { fs::remove(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(LoadErrors, MissingFileNamesTheFile) {
  const fs::path missing = kExamples / "does-not-exist.json";
  ConfigErrors errors = load_bad(missing);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, missing.string());
  EXPECT_NE(errors[0].reason.find("cannot open"), std::string::npos) << errors[0].reason;
  EXPECT_NE(errors[0].reason.find("No such file"), std::string::npos) << errors[0].reason;
}

TEST(LoadErrors, NotJson) {
  TempFile f{"global { as 65001; }\n"};
  ConfigErrors errors = load_bad(f.path());
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].path, f.path().string());  // no data path yet: the file
  EXPECT_NE(errors[0].reason.find("expected a JSON value"), std::string::npos) << errors[0].message();
  EXPECT_NE(errors[0].reason.find("(line 1)"), std::string::npos) << errors[0].message();
}

TEST(LoadErrors, LineNumberOfTheOffendingValue) {
  const Bad& b = bad_case("hold-time-range");
  const std::string text = bad_text(b);
  const auto at = text.find("\"hold-time\": 2,");
  ASSERT_NE(at, std::string::npos) << text;
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  ASSERT_GT(line, 1);
  ConfigErrors errors = load_bad(b);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].reason.find("(line " + std::to_string(line) + ")"), std::string::npos) << errors[0].message();
}

// Errors are returned, not printed: catsd decides how to report them.
TEST(LoadErrors, NothingOnStderr) {
  ::testing::internal::CaptureStderr();
  load_bad(bad_case("community-pattern"));
  load_bad(bad_case("duplicate-key"));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(LoadErrors, EmptyObjectMissesMandatoryNodes) {
  TempFile f{"{}"};
  ConfigErrors errors = load_bad(f.path());
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].message().find("as"), std::string::npos) << errors[0].message();
}

TEST(LoadErrors, WrongModuleDirectory) {
  auto r = load_config(kExamples / "edge.json", kExamples / "bad");
  ASSERT_TRUE(std::holds_alternative<ConfigErrors>(r));
  const auto& errors = std::get<ConfigErrors>(r);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.back().message().find("cats-bgp"), std::string::npos) << errors.back().message();
}

TEST(LoadErrors, StateDataIsNotConfiguration) {
  // Not in the module at all, so STRICT parsing names it.
  TempFile f{R"({"cats-bgp:bgp": {"global": {"as": 65001, "router-id": "192.0.2.1", "role": ["edge"],
               "state": {"uptime": 5}}}})"};
  ConfigErrors errors = load_bad(f.path());
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].message().find("/cats-bgp:bgp/global"), std::string::npos) << errors[0].message();
  EXPECT_NE(errors[0].message().find("\"state\""), std::string::npos) << errors[0].message();
}

TEST(LoadText, SameAsFile) {
  auto r = load_config_text(R"({"cats-bgp:bgp": {"global": {"as": 65010, "router-id": "10.0.0.1", "role": ["ingress",
                            "reflector"]}}})",
                            kYang);
  ASSERT_TRUE(std::holds_alternative<Config>(r));
  const auto& c = std::get<Config>(r);
  EXPECT_EQ(c.global.as, 65010u);
  EXPECT_EQ(c.global.router_id, 0x0a000001u);
  EXPECT_TRUE(c.global.has_role(Role::kIngress));
  EXPECT_TRUE(c.global.has_role(Role::kReflector));
  EXPECT_FALSE(c.global.has_role(Role::kEdge));
  EXPECT_TRUE(c.neighbors.empty());
}

// XML (yanglint's and NETCONF's encoding) reads as the same configuration as
// its JSON twin, with the same checks.
TEST(LoadText, XmlIsTheSameConfiguration) {
  const auto json = load_config_text(R"({"cats-bgp:bgp": {
      "global": {"as": 65010, "router-id": "10.0.0.1", "role": ["edge"]},
      "neighbors": {"neighbor": [{"address": "192.0.2.2", "remote-as": 65010, "timers": {"hold-time": 30}}]},
      "services": {"service": [{"name": "chat", "prefix": ["203.0.113.10/32"], "metrics": {"l2-score": 7}}]}}})",
                                     kYang);
  const auto xml = load_config_text(R"(
    <bgp xmlns="urn:catsd:yang:cats-bgp">
      <global><as>65010</as><router-id>10.0.0.1</router-id><role>edge</role></global>
      <neighbors><neighbor><address>192.0.2.2</address><remote-as>65010</remote-as>
        <timers><hold-time>30</hold-time></timers></neighbor></neighbors>
      <services><service><name>chat</name><prefix>203.0.113.10/32</prefix>
        <metrics><l2-score>7</l2-score></metrics></service></services>
    </bgp>)",
                                    kYang);
  ASSERT_TRUE(std::holds_alternative<Config>(json));
  ASSERT_TRUE(std::holds_alternative<Config>(xml)) << std::get<ConfigErrors>(xml).front().message();
  EXPECT_TRUE(std::get<Config>(json) == std::get<Config>(xml));
  EXPECT_EQ(std::get<Config>(xml).neighbors.at(0).timers.hold_time, 30);
}

TEST(LoadText, XmlErrorsNamePathAndReason) {
  const auto host_bits = load_config_text(R"(<bgp xmlns="urn:catsd:yang:cats-bgp">
      <global><as>65010</as><router-id>10.0.0.1</router-id><role>edge</role></global>
      <services><service><name>chat</name><prefix>203.0.113.10/24</prefix>
        <metrics><l2-score>7</l2-score></metrics></service></services></bgp>)",
                                          kYang);
  ASSERT_TRUE(std::holds_alternative<ConfigErrors>(host_bits));
  const auto& hb = std::get<ConfigErrors>(host_bits).front();
  EXPECT_NE(hb.reason.find("203.0.113.10/24 has host bits set (the prefix is 203.0.113.0/24)"), std::string::npos)
      << hb.message();
  EXPECT_NE(hb.path.find("/cats-bgp:bgp/services/service[name='chat']/prefix"), std::string::npos) << hb.message();
  const auto range = load_config_text(R"(<bgp xmlns="urn:catsd:yang:cats-bgp">
      <global><as>65010</as><router-id>10.0.0.1</router-id><role>edge</role></global>
      <neighbors><neighbor><address>192.0.2.2</address><remote-as>65010</remote-as>
        <timers><hold-time>2</hold-time></timers></neighbor></neighbors></bgp>)",
                                      kYang);
  ASSERT_TRUE(std::holds_alternative<ConfigErrors>(range));
  EXPECT_NE(std::get<ConfigErrors>(range).front().message().find("hold-time"), std::string::npos)
      << std::get<ConfigErrors>(range).front().message();
  EXPECT_TRUE(
      std::holds_alternative<ConfigErrors>(load_config_text("<bgp xmlns=\"urn:catsd:yang:cats-bgp\"><global>", kYang)));
}

// On by default: an instance with no capacity left gets no new flows.
TEST(LoadText, DrainAtZero) {
  auto r = load_config_text(R"({"cats-bgp:bgp": {"global": {"as": 65001, "router-id": "192.0.2.1", "role": ["edge"]},
                            "scoring": {"profile": [
                              {"id": 1, "input": [{"name": "queue", "full": "0", "zero": "16"}]},
                              {"id": 2, "drain-at-zero": false, "input": [{"name": "queue", "full": "0", "zero": "16"}]}
                            ]}}})",
                            kYang);
  ASSERT_TRUE(std::holds_alternative<Config>(r)) << std::get<ConfigErrors>(r).at(0).message();
  const auto& c = std::get<Config>(r);
  ASSERT_NE(c.profile(1), nullptr);
  ASSERT_NE(c.profile(2), nullptr);
  EXPECT_TRUE(c.profile(1)->rules.drain_at_zero);
  EXPECT_FALSE(c.profile(2)->rules.drain_at_zero);
}

TEST(SessionConfig, EdgeNeighborToLocalAndFsmConfig) {
  Config c = load_ok(kExamples / "edge.json");
  const Neighbor* n = c.neighbor("192.0.2.254");
  ASSERT_NE(n, nullptr);
  session::LocalConfig lc = to_local_config(c, *n);
  EXPECT_EQ(lc.asn, 65001u);
  EXPECT_EQ(lc.router_id, 0xc0000201u);
  EXPECT_EQ(lc.hold_time, 30);
  ASSERT_EQ(lc.families.size(), 2u);
  EXPECT_EQ(lc.families[0].family, session::kIpv4Unicast);
  EXPECT_EQ(lc.families[1].family, session::kIpv6Unicast);
  EXPECT_EQ(lc.families[0].add_path, session::AddPathMode::kSend);
  EXPECT_TRUE(lc.families[1].gr_forwarding);
  EXPECT_TRUE(lc.graceful_restart.enabled);
  EXPECT_EQ(lc.graceful_restart.restart_time, 90);
  EXPECT_TRUE(lc.cats.advertise);
  EXPECT_EQ(lc.cats.capability, 239);
  EXPECT_TRUE(lc.require_cats);
  ASSERT_TRUE(lc.peer_as.has_value());
  EXPECT_EQ(*lc.peer_as, 65001u);
  EXPECT_EQ(session::check_config(lc), std::nullopt);

  session::FsmConfig fc = to_fsm_config(*n);
  EXPECT_EQ(fc.connect_retry_time, std::chrono::seconds{5});
  EXPECT_EQ(fc.idle_hold_time, std::chrono::seconds{2});
  EXPECT_FALSE(fc.delay_open);
}

TEST(SessionConfig, EbgpWithoutCatsOffersNoCapability) {
  auto r = load_config_text(R"({"cats-bgp:bgp": {"global": {"as": 65010, "router-id": "10.0.0.1",
      "role": ["ingress"]}, "neighbors": {"neighbor": [{"address": "198.51.100.9", "remote-as": 64999,
      "timers": {"delay-open": 7}}]}}})",
                            kYang);
  ASSERT_TRUE(std::holds_alternative<Config>(r));
  const auto& c = std::get<Config>(r);
  const Neighbor& n = c.neighbors.at(0);
  EXPECT_FALSE(n.ibgp);
  EXPECT_FALSE(n.cats.send);
  EXPECT_FALSE(n.cats.receive);
  EXPECT_FALSE(to_local_config(c, n).cats.advertise);
  session::FsmConfig fc = to_fsm_config(n);
  EXPECT_TRUE(fc.delay_open);
  EXPECT_EQ(fc.delay_open_time, std::chrono::seconds{7});
}

}  // namespace
}  // namespace cats::loader
