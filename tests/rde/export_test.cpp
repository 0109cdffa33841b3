// The pull-based export (update_group.hpp) driven through the engine: a
// route reflector with a feeder and clients whose sessions report room
// (session_writable) when the test says so. Every client's view is rebuilt by
// decoding what it was sent, and must end equal to what export_path says of
// the Loc-RIB: bounded parts, members served in turn and sharing octets,
// withdrawals and changes while an export is in progress, stable ADD-PATH
// ids, a late member, a lagging one, and the codec's rules (IPv6 in
// MP_REACH_NLRI, AS4_PATH towards a 2-octet peer).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <map>
#include <set>

#include "bgp-ext/session/negotiate.hpp"
#include "bgp-ext/wire/message.hpp"
#include "catsd/rde/engine.hpp"
#include "yang/loader/session_config.hpp"

// Paths name only the fields that matter to them.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cats::rde {
namespace {

using wire::Afi;

constexpr std::uint32_t kAs = 65000;
constexpr rib::PeerId kFeeder = 1;

wire::Prefix v4(std::uint32_t i, std::uint8_t len = 24) {
  wire::Prefix p;
  p.afi = Afi::kIpv4;
  p.length = len;
  const std::uint32_t a = 0x0a000000u + (i << (32 - len));
  p.addr[0] = static_cast<std::uint8_t>(a >> 24);
  p.addr[1] = static_cast<std::uint8_t>(a >> 16);
  p.addr[2] = static_cast<std::uint8_t>(a >> 8);
  p.addr[3] = static_cast<std::uint8_t>(a);
  return p;
}

wire::Prefix v6(std::uint32_t i) {
  wire::Prefix p;
  p.afi = Afi::kIpv6;
  p.length = 64;
  p.addr = {0x20,
            0x01,
            0x0d,
            0xb8,
            static_cast<std::uint8_t>(i >> 24),
            static_cast<std::uint8_t>(i >> 16),
            static_cast<std::uint8_t>(i >> 8),
            static_cast<std::uint8_t>(i)};
  return p;
}

struct Path {
  std::uint32_t med = 0;
  std::vector<std::uint32_t> as_path;
  std::uint8_t nh = 99;  // 192.0.2.nh
  std::uint32_t local_pref = 100;
};

config::Neighbor neighbor(const std::string& address, bool client, config::AddPath ap = config::AddPath::kNone) {
  config::Neighbor n;
  n.address = address;
  n.remote_as = kAs;
  n.ibgp = true;
  n.route_reflector_client = client;
  n.families = {{config::Family::kIpv4Unicast, ap}, {config::Family::kIpv6Unicast, ap}};
  return n;
}

// What one neighbor was sent, decoded.
struct Receiver {
  std::uint64_t gen = 0;
  session::Negotiated neg;
  bool auto_drain = true;
  bool owed = false;                         // a part sent, its session_writable not given yet
  std::vector<std::size_t> parts;            // octets of each send that asked for session_writable
  std::vector<const void*> first_buffer;     // of each such send
  std::map<std::string, std::string> table;  // "prefix" or "prefix#id" -> canonical attributes (hex)
  std::vector<std::string> log;              // "+p", "-p", "EoR", "BoRR", "EoRR"
  std::size_t withdrawals_unknown = 0;       // withdrawals of something it did not have
};

class Harness : public SessionPort {
 public:
  explicit Harness(std::vector<config::Neighbor> neighbors) {
    config::Config cfg;
    cfg.global.as = kAs;
    cfg.global.router_id = 0x0a0000fe;
    cfg.global.roles = {config::Role::kReflector};
    cfg.neighbors = std::move(neighbors);
    engine_ = std::make_unique<Engine>(io_.get_executor(), cfg, *this);
    if (auto err = engine_->start()) throw std::runtime_error(*err);
    run();
  }

  // SessionPort.
  void send(rib::PeerId id, std::uint64_t gen, Outgoing out) override {
    Receiver& r = rx_[id];
    if (r.gen != gen) return;
    std::size_t octets = 0;
    for (const auto& b : out.buffers) {
      octets += b.bytes->size();
      wire::ByteSpan rest(*b.bytes);
      while (rest.size() >= 19) {
        const std::size_t len = wire::be16(rest, 16);
        take(r, rest.first(len));
        rest = rest.subspan(len);
      }
    }
    if (!out.notify) return;
    EXPECT_FALSE(r.owed) << "a second part while one is in flight";
    r.parts.push_back(octets);
    r.first_buffer.push_back(out.buffers.empty() ? nullptr : out.buffers.front().bytes.get());
    r.owed = true;
    sends_.push_back(id);
    if (r.auto_drain) drain(id);
  }
  void control(rib::PeerId, const session::Event&, bool) override {}
  void runtime(std::function<void(std::vector<PeerRuntime>)> reply) override { reply({}); }
  void add(rib::PeerId, session::PeerConfig) override {}
  void remove(rib::PeerId) override {}
  void reconfigure(rib::PeerId, session::PeerConfig, bool) override {}
  void shutdown(std::string, std::chrono::milliseconds, std::function<void()> done) override { done(); }

  void up(rib::PeerId id, bool auto_drain = true, bool as4 = true) {
    const auto& nc = engine_->config().neighbors.at(id - 1);
    session::LocalConfig peer;
    peer.asn = nc.remote_as;
    peer.router_id = 0x0a000000 + id;
    peer.families.clear();
    for (const auto& f : nc.families) {
      session::FamilyConfig fc{f.family == config::Family::kIpv6Unicast ? session::kIpv6Unicast
                                                                        : session::kIpv4Unicast};
      // The peer's side of what we configured.
      if (f.add_path == config::AddPath::kSend) fc.add_path = session::AddPathMode::kReceive;
      if (f.add_path == config::AddPath::kReceive) fc.add_path = session::AddPathMode::kSend;
      if (f.add_path == config::AddPath::kBoth) fc.add_path = session::AddPathMode::kBoth;
      peer.families.push_back(fc);
    }
    auto r = session::negotiate(loader::to_local_config(engine_->config(), nc), session::build_open(peer));
    ASSERT_TRUE(std::holds_alternative<session::Negotiated>(r));
    Receiver& rx = rx_[id];
    rx = Receiver{};
    rx.neg = std::get<session::Negotiated>(r);
    rx.neg.as4 = as4;
    rx.gen = ++gen_;
    rx.auto_drain = auto_drain;
    engine_->session_up(id, rx.gen, rx.neg, session::ConnectionEnds{boost::asio::ip::make_address("192.0.2.254")});
    run();
  }

  void down(rib::PeerId id) {
    session::SessionDown why;
    why.was_established = true;
    why.reason = session::DownReason::kTcpFailed;
    const auto gen = rx_[id].gen;
    rx_[id].gen = 0;
    engine_->session_down(id, gen, why);
    run();
  }

  // UPDATEs from the feeder, in one batch.
  void feed(const std::vector<wire::Bytes>& updates, rib::PeerId from = kFeeder) {
    UpdateBatch b;
    b.gen = rx_[from].gen;
    const auto ctx = session::decode_context(rx_[from].neg, engine_->cats_type());
    for (const auto& u : updates) {
      b.bytes.insert(b.bytes.end(), u.begin(), u.end());
      b.messages.push_back({b.bytes.size(), ctx});
    }
    engine_->session_updates(from, b);
    run();
  }

  std::vector<wire::Bytes> announce(const std::vector<wire::Prefix>& prefixes, const Path& path,
                                    std::optional<std::uint32_t> path_id = std::nullopt, rib::PeerId from = kFeeder) {
    wire::AttributeSet a;
    a.add(wire::built_attribute(wire::attr::kTransitive, wire::attr::kOrigin, wire::Origin{0}));
    wire::AsPath asp;
    if (!path.as_path.empty()) asp.segments.push_back({wire::SegmentType::kSequence, path.as_path});
    asp.four_octet = true;
    a.add(wire::built_attribute(wire::attr::kTransitive, wire::attr::kAsPath, asp));
    const bool six = !prefixes.empty() && prefixes[0].afi == Afi::kIpv6;
    if (!six)
      a.add(wire::built_attribute(wire::attr::kTransitive, wire::attr::kNextHop, wire::NextHop{{192, 0, 2, path.nh}}));
    a.add(wire::built_attribute(wire::attr::kOptional, wire::attr::kMed, wire::Med{path.med}));
    a.add(wire::built_attribute(wire::attr::kTransitive, wire::attr::kLocalPref, wire::LocalPref{path.local_pref}));
    std::vector<wire::NlriEntry> nlri;
    nlri.reserve(prefixes.size());
    for (const auto& p : prefixes) nlri.push_back({p, path_id});
    const std::array<std::uint8_t, 16> nh6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, path.nh};
    const auto ctx = sender_ctx(from);
    return wire::pack_announcements(a, six ? Afi::kIpv6 : Afi::kIpv4, std::as_bytes(std::span(nh6)), nlri, ctx)
        .messages;
  }

  std::vector<wire::Bytes> withdraw(const std::vector<wire::Prefix>& prefixes,
                                    std::optional<std::uint32_t> path_id = std::nullopt, rib::PeerId from = kFeeder) {
    std::vector<wire::NlriEntry> nlri;
    nlri.reserve(prefixes.size());
    for (const auto& p : prefixes) nlri.push_back({p, path_id});
    const bool six = !prefixes.empty() && prefixes[0].afi == Afi::kIpv6;
    return wire::pack_withdrawals(six ? Afi::kIpv6 : Afi::kIpv4, nlri, sender_ctx(from)).messages;
  }
  // How a neighbor encodes: what we decode from it.
  wire::EncodeContext sender_ctx(rib::PeerId from) {
    const auto d = session::decode_context(rx_[from].neg, engine_->cats_type());
    wire::EncodeContext e;
    e.as4 = d.as4;
    e.add_path = d.add_path;
    e.extended_message = d.extended_message;
    return e;
  }

  void run() {
    io_.restart();
    io_.poll();
  }

  // The neighbor's session has room again (its part was written).
  void drain(rib::PeerId id) {
    Receiver& r = rx_[id];
    if (!r.owed) return;
    r.owed = false;
    boost::asio::post(io_, [this, id, gen = r.gen] { engine_->session_writable(id, gen); });
  }
  // Until nothing is owed to anyone: every member gets everything.
  void drain_all() {
    for (int i = 0; i < 100000; ++i) {
      bool any = false;
      for (auto& [id, r] : rx_)
        if (r.owed) {
          drain(id);
          any = true;
        }
      run();
      if (!any) return;
    }
    FAIL() << "never caught up";
  }

  // What the neighbor should have now, by export_path over the Loc-RIB.
  // ADD-PATH: "prefix" -> the sorted attribute sets of its paths.
  std::map<std::string, std::string> expected(rib::PeerId id) {
    const Neighbor& n = *engine_->neighbor_by_id(id);
    const bool ap = rx_[id].neg.add_path_send(session::kIpv4Unicast);
    std::map<std::string, std::vector<std::string>> sets;
    engine_->loc_rib().for_each([&](const rib::RibEntry& e) {
      if (!e.best()) return;
      auto consider = [&](const rib::AdjRoute& p) {
        if (p.peer == id) return;
        const Neighbor& from = *engine_->neighbor_by_id(p.peer);
        const ExportSource src{from.kind(), from.rib_in()->facts().router_id};
        auto r = export_path(*p.attrs, e.key.prefix, src, n.session()->target, store_);
        if (r.attrs) sets[e.key.prefix.to_string()].push_back(wire::to_hex(r.attrs->bytes()));
      };
      if (!ap) {
        consider(*e.best_path());
        return;
      }
      for (const auto& p : e.paths()) consider(p);
    });
    std::map<std::string, std::string> out;
    for (auto& [k, v] : sets) {
      std::sort(v.begin(), v.end());
      std::string all;
      for (const auto& s : v) all += s + ";";
      out[k] = all;
    }
    return out;
  }
  std::map<std::string, std::string> received(rib::PeerId id) {
    std::map<std::string, std::vector<std::string>> sets;
    for (const auto& [k, v] : rx_[id].table) sets[k.substr(0, k.find('#'))].push_back(v);
    std::map<std::string, std::string> out;
    for (auto& [k, v] : sets) {
      std::sort(v.begin(), v.end());
      std::string all;
      for (const auto& s : v) all += s + ";";
      out[k] = all;
    }
    return out;
  }

  Engine& engine() { return *engine_; }
  Receiver& rx(rib::PeerId id) { return rx_[id]; }
  std::vector<rib::PeerId>& sends() { return sends_; }

 private:
  void take(Receiver& r, wire::ByteSpan msg) {
    // The neighbor decodes what we encode for it.
    auto dctx = session::decode_context(r.neg, engine_->cats_type());
    dctx.as4 = r.neg.as4;
    dctx.add_path = {r.neg.add_path_send(session::kIpv4Unicast), r.neg.add_path_send(session::kIpv6Unicast)};
    const auto d = wire::decode_message(msg, dctx);
    if (std::holds_alternative<wire::RouteRefresh>(d.body)) {
      r.log.push_back(std::get<wire::RouteRefresh>(d.body).subtype == 1 ? "BoRR" : "EoRR");
      return;
    }
    ASSERT_EQ(d.action(), wire::Action::kNone) << (d.error() ? d.error()->reason : "");
    const auto* u = std::get_if<wire::Update>(&d.body);
    ASSERT_NE(u, nullptr);
    if (u->end_of_rib()) {
      r.log.push_back("EoR");
      return;
    }
    auto name = [](const wire::NlriEntry& e) {
      return e.prefix.to_string() + (e.path_id ? "#" + std::to_string(*e.path_id) : "");
    };
    auto gone = [&](const wire::NlriEntry& e) {
      if (r.table.erase(name(e)) == 0) ++r.withdrawals_unknown;
      r.log.push_back("-" + name(e));
    };
    for (const auto& e : u->withdrawn) gone(e);
    if (const auto* mp = u->mp_unreach())
      for (const auto& e : mp->entries()) gone(e);
    // As a receiver stores it: Extended Length on MP_REACH_NLRI is the packer's choice.
    wire::AttributeSet attrs = u->attrs;
    for (auto& a : attrs.mutable_list())
      if (a.type == wire::attr::kMpReach) a.flags &= static_cast<std::uint8_t>(~wire::attr::kExtendedLength);
    auto add = [&](const wire::NlriEntry& e, rib::NextHopIn nh) {
      r.table[name(e)] = wire::to_hex(rib::AttrStore::canonical_bytes(attrs, nh));
      r.log.push_back("+" + name(e));
    };
    for (const auto& e : u->nlri) add(e, rib::NextHopIn::kNextHopAttribute);
    if (const auto* mp = u->mp_reach())
      for (const auto& e : mp->entries()) add(e, rib::NextHopIn::kMpReach);
  }

  boost::asio::io_context io_;
  std::unique_ptr<Engine> engine_;
  std::map<rib::PeerId, Receiver> rx_;
  std::uint64_t gen_ = 0;
  std::vector<rib::PeerId> sends_;
  rib::AttrStore store_;  // the oracle's
};

// The first differences between what a neighbor has and what it should have; empty when none.
std::string diff(const std::map<std::string, std::string>& got, const std::map<std::string, std::string>& want) {
  std::string out;
  std::size_t shown = 0, total = 0;
  auto note = [&](const std::string& line) {
    ++total;
    if (shown++ < 8) out += line + "\n";
  };
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) {
      note("missing " + k);
    } else if (it->second != v) {
      note(fmt::format("differs {}: got {} want {}", k, it->second, v));
    }
  }
  for (const auto& [k, v] : got)
    if (!want.count(k)) note("extra " + k);
  if (total > shown) out += std::to_string(total) + " differences\n";
  return out;
}

std::vector<wire::Prefix> range(std::uint32_t from, std::uint32_t to) {
  std::vector<wire::Prefix> out;
  for (std::uint32_t i = from; i < to; ++i) out.push_back(v4(i));
  return out;
}

// Blocks of 1,000 prefixes per attribute set, `sets` sets in turn.
void load(Harness& h, std::uint32_t from, std::uint32_t to, std::uint32_t sets = 3, std::uint32_t med_base = 0) {
  std::vector<wire::Bytes> batch;
  for (std::uint32_t i = from; i < to; i += 1000) {
    for (auto& m : h.announce(range(i, std::min(to, i + 1000)), Path{med_base + (i / 1000) % sets}))
      batch.push_back(std::move(m));
    if (batch.size() >= 32) {
      h.feed(batch);
      batch.clear();
    }
  }
  if (!batch.empty()) h.feed(batch);
}

std::vector<config::Neighbor> reflector(int clients, config::AddPath client_ap = config::AddPath::kNone) {
  std::vector<config::Neighbor> n{neighbor("192.0.2.1", false, config::AddPath::kReceive)};
  for (int i = 0; i < clients; ++i) n.push_back(neighbor("192.0.2." + std::to_string(11 + i), true, client_ap));
  return n;
}

TEST(EntryIndex, FollowsTheTablesChunks) {
  rib::RibTable t;
  std::vector<rib::RibEntry*> entries;
  for (std::uint32_t i = 0; i < 3 * EntryIndex::kChunk + 17; ++i)
    entries.push_back(&t.get(rib::PrefixKey{rib::kIpv4Unicast, v4(i, 32)}));
  EntryIndex idx;
  for (auto* e : entries) idx.live(*e);
  ASSERT_EQ(idx.end(), entries.size());
  t.for_each([&](const rib::RibEntry& e) { EXPECT_EQ(idx.at(e.self), &e) << e.self; });
  // A freed number is not found and its generation moves on; its slot's reuse is seen.
  const std::uint32_t n = entries[5]->self;
  const auto g = idx.gen(n);
  t.erase(*entries[5]);
  idx.freed(n);
  EXPECT_EQ(idx.at(n), nullptr);
  EXPECT_NE(idx.gen(n), g);
  auto& again = t.get(rib::PrefixKey{rib::kIpv4Unicast, v4(999999, 32)});
  EXPECT_EQ(again.self, n);
  idx.live(again);
  EXPECT_EQ(idx.at(n), &again);
}

TEST(Export, PartsAreBoundedServedInTurnAndShared) {
  Harness h(reflector(3));
  for (rib::PeerId c = 2; c <= 4; ++c) h.up(c, /*auto_drain=*/false);
  h.up(kFeeder);
  // Empty tables: End-of-RIB per family at once.
  for (rib::PeerId c = 2; c <= 4; ++c) EXPECT_EQ(h.rx(c).log, (std::vector<std::string>{"EoR", "EoR"}));
  h.drain_all();
  h.sends().clear();
  load(h, 0, 200000);
  // One part each, bounded, and the same octets for all three.
  for (rib::PeerId c = 2; c <= 4; ++c) {
    ASSERT_EQ(h.rx(c).parts.size(), 2u);
    EXPECT_LE(h.rx(c).parts.back(), UpdateGroup::kChunkOctets + 4096);
    EXPECT_EQ(h.rx(c).first_buffer.back(), h.rx(2).first_buffer.back());
  }
  EXPECT_EQ(h.engine().update_groups().groups().size(), 2u);  // the clients, the feeder
  // In turn: every round serves each of them once.
  while (h.rx(2).owed || h.rx(3).owed || h.rx(4).owed) {
    h.sends().clear();
    for (rib::PeerId c = 2; c <= 4; ++c) h.drain(c);
    h.run();
    std::multiset<rib::PeerId> served(h.sends().begin(), h.sends().end());
    for (rib::PeerId c = 2; c <= 4; ++c) EXPECT_LE(served.count(c), 1u);
    for (rib::PeerId c = 2; c <= 4; ++c)
      if (!h.rx(c).parts.empty()) {
        EXPECT_LE(h.rx(c).parts.back(), UpdateGroup::kChunkOctets + 4096);
      }
  }
  for (rib::PeerId c = 2; c <= 4; ++c) {
    EXPECT_GE(h.rx(c).parts.size(), 5u);  // 800 kB in parts of at most 256 KiB
    EXPECT_EQ(h.rx(c).table.size(), 200000u);
    EXPECT_EQ(diff(h.received(c), h.expected(c)), "");
    // Lockstep: every part of the table shared (the first, End-of-RIB alone, is each its own).
    EXPECT_EQ(std::vector<const void*>(h.rx(c).first_buffer.begin() + 1, h.rx(c).first_buffer.end()),
              std::vector<const void*>(h.rx(2).first_buffer.begin() + 1, h.rx(2).first_buffer.end()));
    EXPECT_EQ(h.engine().neighbor_by_id(c)->rib_out().count(rib::kIpv4Unicast), 200000u);
  }
}

TEST(Export, ChangesWhileAnExportIsInProgress) {
  Harness h(reflector(2));
  h.up(2, false);
  h.up(3, false);
  h.up(kFeeder);
  h.drain_all();
  load(h, 0, 100000);
  // Parts in flight. Withdraw some (sent and not yet sent), change others,
  // withdraw and add back (numbers reused), in several rounds between parts.
  for (int round = 0; round < 6; ++round) {
    h.drain(2);
    if (round % 2 == 0) h.drain(3);
    h.run();
    const std::uint32_t base = static_cast<std::uint32_t>(round) * 15000;
    h.feed(h.withdraw(range(base, base + 4000)));
    for (std::uint32_t i = base + 4000; i < base + 8000; i += 1000)
      h.feed(h.announce(range(i, i + 1000), Path{100 + static_cast<std::uint32_t>(round)}));
    h.feed(h.withdraw(range(base + 8000, base + 9000)));
    h.feed(h.announce(range(base + 8000, base + 9000), Path{7}));
    h.feed(h.announce(range(200000 + base, 200000 + base + 500), Path{1}));  // new prefixes
  }
  h.drain_all();
  for (rib::PeerId c = 2; c <= 3; ++c) EXPECT_EQ(diff(h.received(c), h.expected(c)), "") << c;
}

TEST(Export, AddPathIdsStayWithTheirSourcePath) {
  Harness h(reflector(2, config::AddPath::kSend));
  h.up(2);
  h.up(kFeeder);
  const auto prefixes = range(0, 3000);
  h.feed(h.announce(prefixes, Path{1, {}, 1}, 1));
  h.feed(h.announce(prefixes, Path{2, {}, 2}, 2));
  EXPECT_EQ(diff(h.received(2), h.expected(2)), "");
  auto id_of = [&](const std::string& prefix, std::uint8_t nh) {
    for (const auto& [k, v] : h.rx(2).table)
      if (k.substr(0, k.find('#')) == prefix && v.find("c00002" + std::string(nh == 1   ? "01"
                                                                              : nh == 2 ? "02"
                                                                                        : "03")) != std::string::npos)
        return k.substr(k.find('#') + 1);
    return std::string();
  };
  const std::string p0 = v4(0).to_string();
  const auto id2 = id_of(p0, 2);
  ASSERT_FALSE(id2.empty());
  // Path 1 goes from half, a third path comes to all: path 2 keeps its id.
  h.feed(h.withdraw(range(0, 1500), 1));
  h.feed(h.announce(prefixes, Path{3, {}, 3}, 3));
  EXPECT_EQ(id_of(p0, 2), id2);
  EXPECT_EQ(diff(h.received(2), h.expected(2)), "");
  const std::string sets = h.expected(2)[p0];
  EXPECT_EQ(std::count(sets.begin(), sets.end(), ';'), 2);  // paths 2 and 3
  // A late member of the same group gets the same ids.
  h.up(3);
  EXPECT_EQ(diff(h.received(3), h.expected(3)), "");
  for (const auto& [k, v] : h.rx(2).table) EXPECT_EQ(h.rx(3).table.count(k), 1u) << k;
}

TEST(Export, AddPathAndPlainClientsAreSeparateGroups) {
  std::vector<config::Neighbor> n = reflector(1, config::AddPath::kSend);
  n.push_back(neighbor("192.0.2.20", true));
  Harness h(n);
  h.up(2);
  h.up(3);
  h.up(kFeeder);
  h.feed(h.announce(range(0, 500), Path{1, {}, 1}, 1));
  h.feed(h.announce(range(0, 500), Path{0, {}, 2}, 2));
  EXPECT_EQ(h.engine().update_groups().groups().size(), 3u);
  EXPECT_EQ(diff(h.received(2), h.expected(2)), "");
  EXPECT_EQ(diff(h.received(3), h.expected(3)), "");
  EXPECT_EQ(h.rx(2).table.size(), 1000u);
  EXPECT_EQ(h.rx(3).table.size(), 500u);
  // The best path changes (lower MED wins): the plain client gets the new one.
  h.feed(h.withdraw(range(0, 500), 2));
  EXPECT_EQ(diff(h.received(3), h.expected(3)), "");
  EXPECT_EQ(diff(h.received(2), h.expected(2)), "");
}

TEST(Export, LateMemberGetsTheTableThenEndOfRib) {
  Harness h(reflector(3));
  h.up(2);
  h.up(kFeeder);
  load(h, 0, 50000);
  h.up(3, false);  // late, and slow to drain
  // Churn while it walks.
  for (int round = 0; round < 5; ++round) {
    h.drain(3);
    h.run();
    h.feed(h.withdraw(range(static_cast<std::uint32_t>(round) * 9000, static_cast<std::uint32_t>(round) * 9000 + 300)));
    h.feed(h.announce(
        range(60000 + static_cast<std::uint32_t>(round) * 100, 60100 + static_cast<std::uint32_t>(round) * 100),
        Path{4}));
  }
  h.up(4);  // later still, drains at once
  h.drain_all();
  for (rib::PeerId c = 2; c <= 4; ++c) EXPECT_EQ(diff(h.received(c), h.expected(c)), "") << c;
  // End-of-RIB after the table: nothing announced before it is missing.
  for (rib::PeerId c = 3; c <= 4; ++c) {
    const auto& log = h.rx(c).log;
    const auto eor = std::find(log.begin(), log.end(), "EoR");
    ASSERT_NE(eor, log.end());
    std::set<std::string> before;
    for (auto it = log.begin(); it != eor; ++it) {
      if ((*it)[0] == '+') before.insert(it->substr(1));
      if ((*it)[0] == '-') before.erase(it->substr(1));
    }
    EXPECT_GE(before.size(), 50000u - 1500u) << c;
    EXPECT_EQ(h.rx(c).withdrawals_unknown, 0u) << c;
  }
}

TEST(Export, LaggingMemberGetsWhatItMissedAndWalksAgain) {
  Harness h(reflector(2));
  h.up(2);
  h.up(3, false);
  h.up(kFeeder);
  load(h, 0, 40000);
  // End-of-RIB written; then the table, in the parts client 2 had (shared).
  for (int i = 0; i < 10 && h.rx(3).table.size() < 40000u; ++i) {
    h.drain(3);
    h.run();
  }
  ASSERT_EQ(h.rx(3).table.size(), 40000u);
  // Client 3 has that part in flight and reads nothing more; client 2 goes on.
  ASSERT_TRUE(h.rx(3).owed);
  for (std::uint32_t round = 0; round < 4; ++round) {
    load(h, 0, 40000, 3, 10 * (round + 1));                    // 40,000 changes each round
    h.feed(h.withdraw(range(round * 100, round * 100 + 50)));  // and withdrawals it must hear of
  }
  EXPECT_EQ(diff(h.received(2), h.expected(2)), "");  // not held up by client 3
  const UpdateGroup& g = *h.engine().neighbor_by_id(3)->rib_out().group();
  EXPECT_GE(g.lags(), 1u);
  EXPECT_LT(g.log_items(), UpdateGroup::kLogFloor + 40000);               // client 3 no longer holds the log
  EXPECT_FALSE(h.engine().neighbor_by_id(3)->rib_out().backlog.empty());  // the withdrawals it missed
  h.drain_all();
  EXPECT_EQ(diff(h.received(3), h.expected(3)), "");
  EXPECT_EQ(diff(h.received(2), h.expected(2)), "");
}

TEST(Export, RouteRefreshResendsBetweenMarkers) {
  Harness h(reflector(1));
  h.up(2);
  h.up(kFeeder);
  load(h, 0, 80000);
  h.rx(2).log.clear();
  h.rx(2).auto_drain = false;
  h.engine().session_refresh(2, h.rx(2).gen, wire::RouteRefresh{1, 0, 1});
  h.run();
  h.feed(h.withdraw(range(70000, 70100)));
  h.drain_all();
  const auto& log = h.rx(2).log;
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.front(), "BoRR");
  EXPECT_EQ(log.back(), "EoRR");
  EXPECT_GE(std::count_if(log.begin(), log.end(), [](const std::string& s) { return s[0] == '+'; }), 79900);
  EXPECT_EQ(diff(h.received(2), h.expected(2)), "");
}

TEST(Export, Ipv6AndTwoOctetPeers) {
  std::vector<config::Neighbor> n = reflector(2);
  Harness h(n);
  h.up(2);
  h.up(3, true, /*as4=*/false);
  h.up(kFeeder);
  std::vector<wire::Prefix> six;
  for (std::uint32_t i = 0; i < 2000; ++i) six.push_back(v6(i));
  h.feed(h.announce(six, Path{5, {4200000001u, 65010}, 7}));
  h.feed(h.announce(range(0, 100), Path{5, {4200000001u, 65010}, 7}));
  EXPECT_EQ(h.engine().update_groups().groups().size(), 3u);
  for (rib::PeerId c = 2; c <= 3; ++c) {
    EXPECT_EQ(diff(h.received(c), h.expected(c)), "") << c;
    EXPECT_EQ(h.rx(c).table.size(), 2100u);
    EXPECT_EQ(h.engine().neighbor_by_id(c)->rib_out().count(rib::kIpv6Unicast), 2000u);
  }
  h.feed(h.withdraw(six));
  for (rib::PeerId c = 2; c <= 3; ++c) EXPECT_EQ(diff(h.received(c), h.expected(c)), "") << c;
}

TEST(Export, NeverBackToTheClientItCameFrom) {
  Harness h(reflector(3));
  for (rib::PeerId c = 2; c <= 4; ++c) h.up(c);
  h.up(kFeeder);
  // Client 2 announces what the feeder has too, with a better path: it
  // becomes best, goes to the other clients, and client 2 loses the
  // feeder's path (it had it) without getting its own back.
  load(h, 0, 2000);
  EXPECT_EQ(h.rx(2).table.size(), 2000u);
  h.feed(h.announce(range(0, 1000), Path{0, {}, 12, 200}, std::nullopt, 2), 2);
  h.feed(h.announce(range(5000, 5500), Path{0, {}, 12, 200}, std::nullopt, 2), 2);
  for (rib::PeerId c = 2; c <= 4; ++c) EXPECT_EQ(diff(h.received(c), h.expected(c)), "") << c;
  EXPECT_EQ(h.rx(2).table.size(), 1000u);
  EXPECT_EQ(h.rx(3).table.size(), 2500u);
  EXPECT_EQ(h.rx(2).withdrawals_unknown, 0u);
  h.feed(h.withdraw(range(0, 1000), std::nullopt, 2), 2);
  for (rib::PeerId c = 2; c <= 4; ++c) EXPECT_EQ(diff(h.received(c), h.expected(c)), "") << c;
  EXPECT_EQ(h.rx(2).table.size(), 2000u);
}

}  // namespace
}  // namespace cats::rde
