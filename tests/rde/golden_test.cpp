// Golden event tests for the route decision engine, in the manner of Holo's
// conformance tests: each case under tests/rde/golden/<case>/ is a catsd
// configuration (config.json) and a script of steps (steps.txt): session
// events and UPDATEs go in, and the UPDATEs the engine sends back (byte for
// byte) and its show state (JSON files) are what must come out. The engine
// runs on an io_context of the test, behind a SessionPort that records what
// it is asked to send: no sockets, no threads, no sleeps.
//
// Steps (one per line; '#' starts a comment):
//   up NEIGHBOR [as=N] [id=A.B.C.D] [families=ipv4,ipv6] [add-path=ipv4/both,..]
//      [gr=SECONDS] [local=ADDR]       the session comes up; the peer's OPEN is
//                                      built from these and negotiated for real
//   in NEIGHBOR HEX                    an UPDATE (whole message) from the neighbor
//   down NEIGHBOR [sent=C/S|received=C/S]
//   refresh NEIGHBOR ipv4|ipv6 [borr|eorr]
//   inject SERVICE [l2=N] [drain|no-drain] [withdraw|restore]
//   clear NEIGHBOR hard|soft-in|soft-out
//   tap                                a telemetry tap (BMP, MRT) from here on
//   out NEIGHBOR HEX                   expected: the next message sent to NEIGHBOR
//   ctl NEIGHBOR TEXT                  expected: a session control (reset, max-prefix)
//   tap up|down NEIGHBOR [...]         expected: a session event the tap was told of
//   show rib|services|neighbors FILE   expected: that show reply (volatile fields left out)
// After each input step the engine runs until it is idle; what it sent since
// the previous input must be exactly the out/ctl lines that follow it.
//
// CATS_GOLDEN_UPDATE=1 rewrites the out/ctl lines and the show files from
// what the engine does now (review the diff before committing it).
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "bgp-ext/session/negotiate.hpp"
#include "bgp-ext/wire/attributes.hpp"
#include "bgp-ext/wire/message.hpp"
#include "catsd/api/show.hpp"
#include "catsd/rde/engine.hpp"
#include "catsd/telemetry/rib_monitor.hpp"
#include "yang/loader/load.hpp"
#include "yang/loader/session_config.hpp"

namespace cats::rde {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

const fs::path kCases = CATS_GOLDEN_DIR;

bool updating() {
  const char* v = std::getenv("CATS_GOLDEN_UPDATE");
  return v != nullptr && std::string(v) == "1";
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string s; in >> s;) w.push_back(s);
  return w;
}

std::uint32_t dotted(const std::string& s) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (std::sscanf(s.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d) != 4) throw std::runtime_error("not a dotted quad: " + s);
  return a << 24 | b << 16 | c << 8 | d;
}

// What the engine asked the sessions to do, in order, per neighbor.
struct Recorded {
  rib::PeerId id;
  std::string line;  // "out ADDR HEX" or "ctl ADDR TEXT"
};

// The telemetry tap's session events, in the order of everything sent.
class RecordingTap : public telemetry::RibMonitor {
 public:
  explicit RecordingTap(std::vector<Recorded>& out) : out_(out) {}
  void peer_up(const telemetry::PeerInfo& p) override {
    names_[p.id] = address_text(p.address);
    out_.push_back({p.id, "tap up " + names_[p.id] + (p.replayed ? " replayed" : "")});
  }
  void peer_down(rib::PeerId id, const session::SessionDown& why) override {
    std::string line = "tap down " + names_[id];
    if (why.sent) line += " sent " + std::to_string(why.sent->code) + "/" + std::to_string(why.sent->subcode);
    out_.push_back({id, line});
  }
  void received(rib::PeerId, wire::ByteSpan) override {}
  bool wants_post_policy() const override { return false; }
  void adj_in_changed(rib::PeerId, const rib::PrefixKey&, std::uint32_t, const rib::AdjRoute*) override {}
  void best_changed(const rib::RibEvent&) override {}

 private:
  static std::string address_text(const wire::Bytes& a) {
    if (a.size() == 4) {
      boost::asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), a.data(), 4);
      return boost::asio::ip::address_v4(b).to_string();
    }
    boost::asio::ip::address_v6::bytes_type b{};
    std::memcpy(b.data(), a.data(), std::min<std::size_t>(a.size(), 16));
    return boost::asio::ip::address_v6(b).to_string();
  }
  std::vector<Recorded>& out_;
  std::map<rib::PeerId, std::string> names_;
};

class RecordingPort : public SessionPort {
 public:
  std::function<std::string(rib::PeerId)> name;
  std::vector<Recorded> sent;
  std::map<rib::PeerId, std::uint64_t> live_gen;  // what the "session thread" runs now
  // Where a session that drains at once reports that it has room again.
  std::function<void(rib::PeerId, std::uint64_t)> writable;

  void send(rib::PeerId id, std::uint64_t gen, Outgoing out) override {
    if (live_gen[id] != gen) return;  // as AsioSessions: computed for a session that is gone
    for (const auto& b : out.buffers) {
      // A buffer holds whole messages, one after the other.
      wire::ByteSpan rest(*b.bytes);
      while (rest.size() >= 19) {
        const std::size_t len = wire::be16(rest, 16);
        sent.push_back({id, "out " + name(id) + " " + wire::to_hex(rest.first(len))});
        rest = rest.subspan(len);
      }
    }
    if (out.notify) writable(id, gen);
  }
  void control(rib::PeerId id, const session::Event& ev, bool restart) override {
    std::string text = session::event_name(ev.type);
    if (ev.notify) text += " " + std::to_string(ev.notify->code) + "/" + std::to_string(ev.notify->subcode);
    if (restart) text += " then-start";
    sent.push_back({id, "ctl " + name(id) + " " + text});
  }
  void add(rib::PeerId id, session::PeerConfig cfg) override {
    sent.push_back({id, "ctl " + cfg.remote_address.to_string() + " added"});
  }
  void remove(rib::PeerId id) override { sent.push_back({id, "ctl " + name(id) + " removed"}); }
  void reconfigure(rib::PeerId id, session::PeerConfig cfg, bool reset) override {
    sent.push_back({id, "ctl " + cfg.remote_address.to_string() + (reset ? " reset" : " reconfigured") + " hold-time " +
                            std::to_string(cfg.local.hold_time)});
  }
  void runtime(std::function<void(std::vector<PeerRuntime>)> reply) override { reply({}); }
  void shutdown(std::string, std::chrono::milliseconds, std::function<void()> done) override { done(); }
};

// A one-line reading of an UPDATE for the comments --update writes.
std::string summary(const std::string& hex, const wire::DecodeContext& ctx) {
  const auto bytes = wire::from_hex(hex);
  if (!bytes) return "not hex";
  const auto d = wire::decode_message(*bytes, ctx);
  const auto* u = std::get_if<wire::Update>(&d.body);
  if (u == nullptr) return "not an UPDATE";
  std::string s;
  auto list = [&](const char* what, const wire::NlriView& v) {
    for (const auto& e : v) {
      s += std::string(" ") + what + " " + e.prefix.to_string();
      if (e.path_id) s += " id " + std::to_string(*e.path_id);
    }
  };
  list("withdraw", u->withdrawn);
  if (const auto* mp = u->attrs.get<wire::MpUnreach>(wire::attr::kMpUnreach)) list("withdraw", mp->entries());
  list("announce", u->nlri);
  if (const auto* mp = u->attrs.get<wire::MpReach>(wire::attr::kMpReach)) list("announce", mp->entries());
  for (const auto& a : u->attrs.list()) {
    if (a.type == wire::attr::kMpReach || a.type == wire::attr::kMpUnreach) continue;
    s += std::string(" ") + wire::attribute_name(a.type, ctx.cats_type);
  }
  return s.empty() ? "End-of-RIB" : s.substr(1);
}

Json strip_volatile(Json j) {
  static const std::set<std::string> kVolatile = {"age_s", "established_for_s", "at_s_ago", "timestamp_ms"};
  if (j.is_object()) {
    Json out = Json::object();
    for (auto& [k, v] : j.items())
      if (!kVolatile.count(k)) out[k] = strip_volatile(v);
    return out;
  }
  if (j.is_array()) {
    Json out = Json::array();
    for (auto& v : j) out.push_back(strip_volatile(v));
    return out;
  }
  return j;
}

std::string message_json(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out, o).ok());
  return strip_volatile(Json::parse(out)).dump(2) + "\n";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class GoldenCase {
 public:
  explicit GoldenCase(fs::path dir) : dir_(std::move(dir)) {
    auto loaded = loader::load_config(dir_ / "config.json");
    if (auto* errors = std::get_if<config::ConfigErrors>(&loaded))
      throw std::runtime_error("config.json: " + errors->front().message());
    engine_ = std::make_unique<Engine>(io_.get_executor(), std::get<config::Config>(std::move(loaded)), port_);
    engine_->set_sequence_clock([] { return 0u; });  // sequences 1, 2, ...: the golden bytes do not follow the clock
    port_.name = [this](rib::PeerId id) { return engine_->neighbor_by_id(id)->address(); };
    port_.writable = [this](rib::PeerId id, std::uint64_t gen) {
      boost::asio::post(io_, [this, id, gen] { engine_->session_writable(id, gen); });
    };
    if (auto err = engine_->start()) throw std::runtime_error(*err);
    settle();
  }

  void run() {
    const fs::path steps = dir_ / "steps.txt";
    std::ifstream in(steps);
    ASSERT_TRUE(in) << steps;
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::vector<std::string> rewritten;
    std::size_t insert_at = 0;          // in `rewritten`: right after the last input
    std::vector<std::string> expected;  // out/ctl lines after the last input
    auto check_sent = [&](std::size_t at) {
      std::vector<std::string> actual;
      for (const auto& r : port_.sent) actual.push_back(r.line);
      port_.sent.clear();
      if (updating()) {
        std::vector<std::string> block;
        for (const auto& a : actual) {
          const auto w = words(a);
          if (w[0] == "out") block.push_back("# " + summary(w[2], ctx_for(w[1])));
          block.push_back(a);
        }
        rewritten.insert(rewritten.begin() + static_cast<std::ptrdiff_t>(insert_at), block.begin(), block.end());
      } else {
        EXPECT_EQ(actual, expected) << steps << " before line " << at << "\n" << explain(actual, expected);
      }
      expected.clear();
    };
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const auto w = words(lines[i].substr(0, lines[i].find('#')));
      if (w.empty()) {
        const bool generated = lines[i].rfind("# ", 0) == 0 && i + 1 < lines.size() &&
                               (lines[i + 1].rfind("out ", 0) == 0 || lines[i + 1].rfind("ctl ", 0) == 0 ||
                                lines[i + 1].rfind("tap ", 0) == 0);
        if (!(updating() && generated)) rewritten.push_back(lines[i]);
        continue;
      }
      if (w[0] == "out" || w[0] == "ctl" || (w[0] == "tap" && w.size() > 1)) {
        expected.push_back(lines[i]);
        continue;
      }
      check_sent(i + 1);
      rewritten.push_back(lines[i]);
      insert_at = rewritten.size();
      if (w[0] == "show") {
        ASSERT_EQ(w.size(), 3u) << lines[i];
        const std::string actual = show(w[1]);
        if (updating()) {
          std::ofstream(dir_ / w[2]) << actual;
        } else {
          EXPECT_EQ(actual, read_file(dir_ / w[2])) << steps << ":" << i + 1 << " " << w[2];
        }
        continue;
      }
      input(w);
      settle();
    }
    check_sent(lines.size() + 1);
    if (updating()) {
      std::ofstream out(steps);
      for (const auto& l : rewritten) out << l << "\n";
    }
  }

 private:
  void settle() {
    io_.restart();
    io_.poll();
  }

  rib::PeerId id_of(const std::string& address) {
    for (const auto& n : engine_->neighbors())
      if (n && n->address() == address) return n->id();
    throw std::runtime_error("no neighbor " + address);
  }

  wire::DecodeContext ctx_for(const std::string& address) {
    const auto it = negotiated_.find(id_of(address));
    if (it == negotiated_.end()) throw std::runtime_error(address + " is not up");
    return session::decode_context(it->second, engine_->cats_type());
  }

  void input(const std::vector<std::string>& w) {
    const std::string& op = w[0];
    if (op == "inject") {
      Engine::MetricsUpdate u;
      for (std::size_t k = 2; k < w.size(); ++k) {
        if (w[k].rfind("l2=", 0) == 0) u.l2 = static_cast<std::uint8_t>(std::stoi(w[k].substr(3)));
        if (w[k] == "drain" || w[k] == "no-drain") u.drain = w[k] == "drain";
        if (w[k] == "withdraw" || w[k] == "restore") u.withdraw = w[k] == "withdraw";
      }
      const auto r = engine_->inject(w.at(1), u);
      if (r.error) throw std::runtime_error("inject: " + *r.error);
      return;
    }
    if (op == "reconfigure" || op == "refuse") return reconfigure(w);
    if (op == "tap") {
      tap_ = std::make_unique<RecordingTap>(port_.sent);
      return engine_->set_monitor(tap_.get());
    }
    const rib::PeerId id = id_of(w.at(1));
    if (op == "up") return up(id, w);
    if (op == "in") {
      const auto bytes = wire::from_hex(w.at(2));
      if (!bytes) throw std::runtime_error("in: not hex");
      UpdateBatch b;
      b.gen = gen_[id];
      b.bytes = *bytes;
      b.messages.push_back({bytes->size(), ctx_for(w[1])});
      return engine_->session_updates(id, b);
    }
    if (op == "down") {
      session::SessionDown why;
      why.was_established = true;
      why.reason = session::DownReason::kTcpFailed;
      for (std::size_t k = 2; k < w.size(); ++k) {
        unsigned code = 0, sub = 0;
        const auto eq = w[k].find('=');
        if (eq == std::string::npos || std::sscanf(w[k].c_str() + eq + 1, "%u/%u", &code, &sub) != 2)
          throw std::runtime_error("down: " + w[k]);
        session::Notify n{static_cast<std::uint8_t>(code), static_cast<std::uint8_t>(sub), {}};
        if (w[k].rfind("sent=", 0) == 0) {
          why.sent = n;
          why.reason = session::DownReason::kAutomaticStop;
        } else {
          why.received = n;
          why.reason = session::DownReason::kNotificationReceived;
        }
      }
      port_.live_gen[id] = 0;
      return engine_->session_down(id, gen_[id], why);
    }
    if (op == "refresh") {
      wire::RouteRefresh rr{static_cast<std::uint16_t>(w.at(2) == "ipv6" ? 2 : 1), 0, 1};
      if (w.size() > 3) rr.subtype = w[3] == "borr" ? 1 : 2;
      return engine_->session_refresh(id, gen_[id], rr);
    }
    if (op == "clear") {
      const auto mode = w.at(2) == "hard"    ? Engine::ClearMode::kHard
                        : w[2] == "soft-in"  ? Engine::ClearMode::kSoftIn
                        : w[2] == "soft-out" ? Engine::ClearMode::kSoftOut
                                             : Engine::ClearMode::kSoftBoth;
      engine_->clear(w[1], mode, "test");
      return;
    }
    throw std::runtime_error("unknown step " + op);
  }

  // "reconfigure FILE": FILE replaces the running configuration. "refuse FILE
  // PATH": it is refused with an error at PATH, and nothing changes.
  void reconfigure(const std::vector<std::string>& w) {
    auto loaded = loader::load_config(dir_ / w.at(1));
    if (auto* errors = std::get_if<config::ConfigErrors>(&loaded))
      throw std::runtime_error(w[1] + ": " + errors->front().message());
    const config::Config before = engine_->config();
    const auto r = engine_->reconfigure(std::get<config::Config>(std::move(loaded)));
    if (w[0] == "reconfigure") {
      if (!r.errors.empty()) throw std::runtime_error("reconfigure: " + r.errors.front().message());
      return;
    }
    if (r.errors.empty()) throw std::runtime_error("refuse: " + w[1] + " was applied");
    EXPECT_EQ(r.errors.front().path, w.at(2)) << r.errors.front().message();
    EXPECT_TRUE(engine_->config() == before) << "a refused configuration changed the running one";
  }

  // The peer's OPEN from the step's parameters, negotiated against ours.
  void up(rib::PeerId id, const std::vector<std::string>& w) {
    const auto& cfg = engine_->config();
    const config::Neighbor& nc = engine_->neighbor_by_id(id)->config();
    session::LocalConfig peer;
    peer.asn = nc.remote_as;
    peer.router_id = 0x0a000000 + id;
    peer.hold_time = 90;
    std::optional<boost::asio::ip::address> local;
    for (std::size_t k = 2; k < w.size(); ++k) {
      const auto eq = w[k].find('=');
      const std::string key = w[k].substr(0, eq);
      const std::string val = eq == std::string::npos ? "" : w[k].substr(eq + 1);
      if (key == "as") peer.asn = static_cast<std::uint32_t>(std::stoul(val));
      if (key == "id") peer.router_id = dotted(val);
      if (key == "local") local = boost::asio::ip::make_address(val);
      if (key == "gr") {
        peer.graceful_restart.enabled = true;
        peer.graceful_restart.restart_time = static_cast<std::uint16_t>(std::stoul(val));
      }
      if (key == "families") {
        peer.families.clear();
        std::istringstream list(val);
        for (std::string f; std::getline(list, f, ',');)
          peer.families.push_back({f == "ipv6" ? session::kIpv6Unicast : session::kIpv4Unicast});
      }
      if (key == "add-path") {
        std::istringstream list(val);
        for (std::string f; std::getline(list, f, ',');) {
          const auto slash = f.find('/');
          const auto fam = f.substr(0, slash) == "ipv6" ? session::kIpv6Unicast : session::kIpv4Unicast;
          const std::string mode = f.substr(slash + 1);
          for (auto& fc : peer.families)
            if (fc.family == fam)
              fc.add_path = mode == "both"      ? session::AddPathMode::kBoth
                            : mode == "send"    ? session::AddPathMode::kSend
                            : mode == "receive" ? session::AddPathMode::kReceive
                                                : session::AddPathMode::kNone;
        }
      }
    }
    if (peer.graceful_restart.enabled)
      for (auto& fc : peer.families) fc.gr_forwarding = true;
    auto r = session::negotiate(loader::to_local_config(cfg, nc), session::build_open(peer));
    if (auto* e = std::get_if<session::NegotiationError>(&r)) throw std::runtime_error("up: " + e->reason);
    negotiated_[id] = std::get<session::Negotiated>(r);
    port_.live_gen[id] = ++gen_[id];
    engine_->session_up(id, gen_[id], negotiated_[id], session::ConnectionEnds{local, 179, 40179});
  }

  std::string show(const std::string& what) {
    if (what == "rib") {
      api::pb::ShowRibReply reply;
      EXPECT_TRUE(api::show_rib(*engine_, {}, &reply));
      return message_json(reply);
    }
    if (what == "services") {
      api::pb::ShowServicesReply reply;
      api::show_services(*engine_, {}, &reply);
      return message_json(reply);
    }
    if (what == "neighbors") {
      api::pb::ShowNeighborsReply reply;
      api::show_neighbors(*engine_, {}, {}, &reply);
      return message_json(reply);
    }
    throw std::runtime_error("show " + what);
  }

  // Both lists decoded, for a failure message a person can read.
  std::string explain(const std::vector<std::string>& actual, const std::vector<std::string>& expected) {
    std::string s;
    auto dump = [&](const char* what, const std::vector<std::string>& v) {
      s += what;
      s += ":\n";
      for (const auto& l : v) {
        const auto w = words(l);
        s += "  " + w[0] + " " + w[1] + " " + (w[0] == "out" ? summary(w[2], ctx_for(w[1])) : l) + "\n";
      }
    };
    dump("sent", actual);
    dump("expected", expected);
    return s;
  }

  fs::path dir_;
  boost::asio::io_context io_;
  RecordingPort port_;
  std::unique_ptr<RecordingTap> tap_;  // outlives the engine that calls it
  std::unique_ptr<Engine> engine_;
  std::map<rib::PeerId, std::uint64_t> gen_;
  std::map<rib::PeerId, session::Negotiated> negotiated_;
};

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, Case) {
  GoldenCase c(kCases / GetParam());
  c.run();
}

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kCases))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Rde, Golden, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param); });

TEST(Golden, EveryCaseHasSteps) {
  const auto all = cases();
  EXPECT_GE(all.size(), 5u);
  for (const auto& c : all) EXPECT_TRUE(fs::exists(kCases / c / "steps.txt")) << c;
}

}  // namespace
}  // namespace cats::rde
