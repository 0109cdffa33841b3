// The Asio session engine on real loopback sockets: two Peers in one process,
// or a Peer against a raw TCP client speaking bytes built with the codec.
// Timers are short (hold 3 s, connect-retry 1 s); every wait is bounded.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/unicast.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "bgp-ext/session/listener.hpp"
#include "bgp-ext/session/peer.hpp"
#include "bgp-ext/session/socket_options.hpp"
#include "bgp-ext/wire/message.hpp"

namespace cats::session {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Runs the contexts until `done` or the timeout; false on timeout.
bool run_until(const std::vector<asio::io_context*>& ios, const std::function<bool()>& done,
               std::chrono::milliseconds timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    for (auto* io : ios) {
      io->restart();
      io->run_for(2ms);
    }
  }
  return true;
}

struct Recorder : PeerHandler {
  int established = 0;
  std::vector<std::size_t> update_prefixes;  // per UPDATE
  std::vector<wire::Action> actions;         // RFC 7606 verdict per UPDATE
  std::vector<SessionDown> downs;
  std::vector<std::size_t> input_done;  // UPDATEs delivered so far, at each on_input_done
  void on_established(Peer&, const Negotiated&) override { ++established; }
  void on_input_done(Peer&) override { input_done.push_back(update_prefixes.size()); }
  void on_update(Peer&, const wire::Decoded& d) override {
    const auto& u = std::get<wire::Update>(d.body);
    std::size_t n = 0;
    for (auto it = u.nlri.begin(); it != u.nlri.end(); ++it) ++n;
    update_prefixes.push_back(n);
    actions.push_back(d.action());
  }
  void on_down(Peer&, const SessionDown& why) override { downs.push_back(why); }
  int writable = 0;
  void on_writable(Peer&) override { ++writable; }
};

PeerConfig make_config(const std::string& local, const std::string& remote, std::uint16_t remote_port,
                       std::uint32_t asn, std::uint32_t peer_as, std::uint32_t router_id) {
  PeerConfig c;
  c.remote_address = asio::ip::make_address(remote);
  c.local_address = asio::ip::make_address(local);
  c.remote_port = remote_port;
  c.local.asn = asn;
  c.local.peer_as = peer_as;
  c.local.router_id = router_id;
  c.local.hold_time = 3;
  c.fsm.connect_retry_time = 1s;
  c.fsm.idle_hold_time = 200ms;
  c.fsm.open_hold_time = 4s;
  c.fsm.damp_peer_oscillations = false;
  c.notification_linger = 500ms;
  return c;
}

// One speaker: a Listener and the Peer for one neighbor.
struct Side {
  Recorder rec;
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Peer> peer;

  Side(asio::io_context& io, const std::string& local) {
    listener = std::make_unique<Listener>(io.get_executor(), [this](const asio::ip::address& a) -> Peer* {
      return peer && peer->config().remote_address == a ? peer.get() : nullptr;
    });
    EXPECT_FALSE(listener->listen(tcp::endpoint(asio::ip::make_address(local), 0)));
  }
  std::uint16_t port() const { return listener->local_endpoint().port(); }
  void make_peer(asio::io_context& io, PeerConfig cfg) {
    cfg.name = "to-" + cfg.remote_address.to_string() + "-" + std::to_string(cfg.local.router_id);
    peer = std::make_unique<Peer>(io.get_executor(), std::move(cfg), rec);
  }
  bool up() const { return peer->state() == State::kEstablished; }
};

wire::Bytes one_update(const Negotiated& n, std::size_t prefixes, std::uint8_t origin = 0) {
  wire::AttributeSet attrs;
  attrs.add(
      wire::Attribute{.flags = wire::attr::kTransitive, .type = wire::attr::kOrigin, .value = wire::Origin{origin}});
  wire::AsPath path;
  path.segments.push_back({wire::SegmentType::kSequence, {n.local_asn}});
  attrs.add(wire::Attribute{.flags = wire::attr::kTransitive, .type = wire::attr::kAsPath, .value = path});
  attrs.add(wire::Attribute{
      .flags = wire::attr::kTransitive, .type = wire::attr::kNextHop, .value = wire::NextHop{{192, 0, 2, 1}}});
  std::vector<wire::NlriEntry> nlri;
  for (std::size_t i = 0; i < prefixes; ++i) {
    wire::Prefix p;
    p.afi = wire::Afi::kIpv4;
    p.length = 24;
    p.addr[0] = 10;
    p.addr[1] = static_cast<std::uint8_t>(i >> 8);
    p.addr[2] = static_cast<std::uint8_t>(i);
    nlri.push_back({p, std::nullopt});
  }
  auto packed = wire::pack_announcements(attrs, wire::Afi::kIpv4, {}, nlri, encode_context(n));
  EXPECT_TRUE(packed.ok);
  EXPECT_EQ(packed.messages.size(), 1u);
  return packed.messages.front();
}

struct Pair {
  asio::io_context io_a, io_b;  // two contexts so that one side can be paused
  Side a{io_a, "127.0.0.1"}, b{io_b, "127.0.0.2"};

  // a (AS 65001) connects, b (AS 65002) is passive; both started.
  void start_active_passive() {
    auto ca = make_config("127.0.0.1", "127.0.0.2", b.port(), 65001, 65002, 0x01010101);
    auto cb = make_config("127.0.0.2", "127.0.0.1", a.port(), 65002, 65001, 0x02020202);
    cb.passive = true;
    a.make_peer(io_a, ca);
    b.make_peer(io_b, cb);
    b.peer->start();
    a.peer->start();
  }
};

// ---- two Peers --------------------------------------------------------------

TEST(SessionIo, ActivePassiveIpv4ExchangesUpdate) {
  Pair p;
  p.start_active_passive();
  ASSERT_TRUE(run_until({&p.io_a, &p.io_b}, [&] { return p.a.up() && p.b.up(); }));
  EXPECT_EQ(p.a.rec.established, 1);
  EXPECT_EQ(p.b.rec.established, 1);
  ASSERT_TRUE(p.a.peer->negotiated());
  EXPECT_EQ(p.a.peer->negotiated()->peer_asn, 65002u);
  EXPECT_EQ(p.a.peer->collisions() + p.b.peer->collisions(), 0u);

  ASSERT_TRUE(p.a.peer->send(one_update(*p.a.peer->negotiated(), 3)));
  ASSERT_TRUE(run_until({&p.io_a, &p.io_b}, [&] { return !p.b.rec.update_prefixes.empty(); }));
  EXPECT_EQ(p.b.rec.update_prefixes, std::vector<std::size_t>{3});
  EXPECT_TRUE(p.b.rec.downs.empty());
}

// Flow control: a paused peer delivers nothing more (the rest waits in its
// buffer and TCP), its hold timer does not run out while paused, resuming
// delivers everything in order, the session stays up.
TEST(SessionIo, PausedInputDeliversNothingUntilResumed) {
  Pair p;
  p.start_active_passive();
  ASSERT_TRUE(run_until({&p.io_a, &p.io_b}, [&] { return p.a.up() && p.b.up(); }));

  ASSERT_TRUE(p.a.peer->send(one_update(*p.a.peer->negotiated(), 1)));
  ASSERT_TRUE(run_until({&p.io_a, &p.io_b}, [&] { return p.b.rec.update_prefixes.size() == 1; }));
  p.b.peer->pause_input();
  for (std::size_t n = 2; n <= 4; ++n) ASSERT_TRUE(p.a.peer->send(one_update(*p.a.peer->negotiated(), n)));
  // Longer than the hold time (3 s): b reads none of a's KEEPALIVEs meanwhile,
  // and must not blame the peer for its own pause.
  run_until(
      {&p.io_a, &p.io_b}, [] { return false; }, 4500ms);
  EXPECT_EQ(p.b.rec.update_prefixes.size(), 1u);
  EXPECT_TRUE(p.b.rec.downs.empty());
  EXPECT_TRUE(p.a.up() && p.b.up());

  // A batching handler learns when a read's messages are in: nothing while paused.
  const auto done_before = p.b.rec.input_done;
  EXPECT_EQ(std::count_if(done_before.begin(), done_before.end(), [](std::size_t n) { return n > 1; }), 0);

  p.b.peer->resume_input();
  ASSERT_TRUE(run_until({&p.io_a, &p.io_b}, [&] { return p.b.rec.update_prefixes.size() == 4; }));
  EXPECT_EQ(p.b.rec.update_prefixes, (std::vector<std::size_t>{1, 2, 3, 4}));
  EXPECT_TRUE(p.a.up() && p.b.up());
  EXPECT_TRUE(p.b.rec.downs.empty());
  // ... and after the last UPDATE too (the batch is handed on), once per read, never mid-read more than that.
  const auto& done = p.b.rec.input_done;
  ASSERT_FALSE(done.empty());
  EXPECT_EQ(done.back(), 4u);
  EXPECT_TRUE(std::is_sorted(done.begin(), done.end()));
  EXPECT_LE(std::count_if(done.begin(), done.end(), [](std::size_t n) { return n >= 2; }), 3);
}

TEST(SessionIo, BothActiveIpv6CollisionLeavesOneSession) {
  asio::io_context io;
  Side a{io, "::1"}, b{io, "::1"};
  a.make_peer(io, make_config("::1", "::1", b.port(), 65001, 65001, 0x01010101));
  b.make_peer(io, make_config("::1", "::1", a.port(), 65001, 65001, 0x02020202));
  a.peer->start();
  b.peer->start();
  ASSERT_TRUE(run_until({&io}, [&] { return a.up() && b.up(); }));
  // Stays up: the losing connection is gone, nothing flaps.
  run_until(
      {&io}, [] { return false; }, 500ms);
  EXPECT_TRUE(a.up());
  EXPECT_TRUE(b.up());
  EXPECT_EQ(a.rec.established, 1);
  EXPECT_EQ(b.rec.established, 1);
  EXPECT_TRUE(a.rec.downs.empty());
  EXPECT_TRUE(b.rec.downs.empty());
  EXPECT_TRUE(a.peer->negotiated()->ibgp);
  // Both connected at once, so each side saw two connections and an OPEN on each.
  EXPECT_GE(a.peer->collisions() + b.peer->collisions(), 1u);
  RecordProperty("collisions", static_cast<int>(a.peer->collisions() + b.peer->collisions()));

  ASSERT_TRUE(b.peer->send(one_update(*b.peer->negotiated(), 1)));
  ASSERT_TRUE(run_until({&io}, [&] { return !a.rec.update_prefixes.empty(); }));
}

TEST(SessionIo, HoldTimerExpiresWhenPeerGoesSilent) {
  Pair p;
  p.a.make_peer(p.io_a, make_config("127.0.0.1", "127.0.0.2", p.b.port(), 65001, 65002, 1));
  auto cb = make_config("127.0.0.2", "127.0.0.1", p.a.port(), 65002, 65001, 2);
  cb.passive = true;
  p.b.make_peer(p.io_b, cb);
  p.b.peer->start();
  p.a.peer->start();
  ASSERT_TRUE(run_until({&p.io_a, &p.io_b}, [&] { return p.a.up() && p.b.up(); }));
  // Pause B: only A's context runs, B sends no KEEPALIVE.
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(
      {&p.io_a}, [&] { return !p.a.rec.downs.empty(); }, 6s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(p.a.rec.downs[0].reason, DownReason::kHoldTimerExpired);
  ASSERT_TRUE(p.a.rec.downs[0].sent);
  EXPECT_EQ(p.a.rec.downs[0].sent->code, wire::notify::kHoldTimer);
  // B wakes up to the NOTIFICATION 4/0.
  ASSERT_TRUE(run_until(
      {&p.io_a, &p.io_b}, [&] { return !p.b.rec.downs.empty(); }, 3s));
  ASSERT_TRUE(p.b.rec.downs[0].received);
  EXPECT_EQ(p.b.rec.downs[0].received->code, wire::notify::kHoldTimer);
}

TEST(SessionIo, ShutdownSendsCeaseWithText) {
  Pair p;
  p.a.make_peer(p.io_a, make_config("127.0.0.1", "127.0.0.2", p.b.port(), 65001, 65002, 1));
  p.b.make_peer(p.io_b, make_config("127.0.0.2", "127.0.0.1", p.a.port(), 65002, 65001, 2));
  p.a.peer->start();
  p.b.peer->start();
  ASSERT_TRUE(run_until({&p.io_a, &p.io_b}, [&] { return p.a.up() && p.b.up(); }));
  Peer* peers[] = {p.a.peer.get()};
  shutdown_all(peers, "maintenance: back at 18:00");
  ASSERT_TRUE(run_until(
      {&p.io_a, &p.io_b}, [&] { return !p.b.rec.downs.empty(); }, 3s));
  const auto& down = p.b.rec.downs[0];
  EXPECT_EQ(down.reason, DownReason::kNotificationReceived);
  ASSERT_TRUE(down.received);
  EXPECT_EQ(down.received->code, wire::notify::kCease);
  EXPECT_EQ(down.received->subcode, cease::kAdminShutdown);
  const wire::Notification n{down.received->code, down.received->subcode, down.received->data};
  EXPECT_EQ(n.shutdown_communication(), "maintenance: back at 18:00");
  EXPECT_EQ(p.a.peer->state(), State::kIdle);
  ASSERT_EQ(p.a.rec.downs.size(), 1u);
  EXPECT_EQ(p.a.rec.downs[0].reason, DownReason::kManualStop);
  // A stays down (manual stop); B goes back to connecting and is refused.
  run_until(
      {&p.io_a, &p.io_b}, [] { return false; }, 300ms);
  EXPECT_EQ(p.a.peer->state(), State::kIdle);
  EXPECT_FALSE(p.b.up());
}

// ---- TCP-MD5 and GTSM ---------------------------------------------------------

// Needs CAP_NET_ADMIN and a kernel with TCP_MD5SIG; skipped only when the
// kernel says so (EPERM, ENOPROTOOPT), not on any other failure.
bool md5_unavailable(const boost::system::error_code& ec) {
  return ec.value() == EPERM || ec.value() == ENOPROTOOPT || ec.value() == EOPNOTSUPP;
}

// A active with key `a_key`, B passive with `b_key` on its listener.
struct Md5Pair {
  Pair p;
  boost::system::error_code ec;
  Md5Pair(const std::string& a_key, const std::string& b_key) {
    auto ca = make_config("127.0.0.1", "127.0.0.2", p.b.port(), 65001, 65002, 1);
    ca.md5_key = a_key;
    auto cb = make_config("127.0.0.2", "127.0.0.1", p.a.port(), 65002, 65001, 2);
    cb.passive = true;
    cb.md5_key = b_key;
    p.a.make_peer(p.io_a, ca);
    p.b.make_peer(p.io_b, cb);
    ec = p.b.listener->set_md5_key(asio::ip::make_address("127.0.0.1"), b_key);
  }
};

TEST(SessionIo, Md5MatchingKeysEstablish) {
  Md5Pair m("s3cret-key", "s3cret-key");
  if (md5_unavailable(m.ec)) GTEST_SKIP() << "TCP_MD5SIG: " << m.ec.message();
  ASSERT_FALSE(m.ec) << m.ec.message();
  m.p.b.peer->start();
  m.p.a.peer->start();
  ASSERT_TRUE(run_until(
      {&m.p.io_a, &m.p.io_b}, [&] { return m.p.a.up() && m.p.b.up(); }, 5s));
}

TEST(SessionIo, Md5MismatchStaysDown) {
  Md5Pair m("s3cret-key", "other-key");
  if (md5_unavailable(m.ec)) GTEST_SKIP() << "TCP_MD5SIG: " << m.ec.message();
  ASSERT_FALSE(m.ec) << m.ec.message();
  m.p.b.peer->start();
  m.p.a.peer->start();
  // The kernel drops the SYNs: no connection, no OPEN, for several connect retries.
  EXPECT_FALSE(run_until(
      {&m.p.io_a, &m.p.io_b}, [&] { return m.p.a.up() || m.p.b.up(); }, 2500ms));
  EXPECT_EQ(m.p.b.rec.established, 0);
}

// RFC 5082 §3 as FRR and other vendors count: `hops` 1 is a directly
// connected neighbor (TTL 255 only); each further hop allows one less.
TEST(SessionIo, GtsmMinimumTtlFollowsHops) {
  asio::io_context io;
  for (const auto& [hops, want] : std::vector<std::pair<std::uint8_t, int>>{{1, 255}, {2, 254}, {255, 1}}) {
    tcp::socket s(io);
    s.open(tcp::v4());
    ASSERT_FALSE(set_gtsm(s, false, hops));
    int min = 0;
    socklen_t len = sizeof min;
    ASSERT_EQ(::getsockopt(s.native_handle(), IPPROTO_IP, IP_MINTTL, &min, &len), 0);
    EXPECT_EQ(min, want) << "hops " << int{hops};
  }
}

TEST(SessionIo, GtsmSessionEstablishesOnLoopback) {
  Pair p;
  auto ca = make_config("127.0.0.1", "127.0.0.2", p.b.port(), 65001, 65002, 1);
  ca.gtsm = true;
  auto cb = make_config("127.0.0.2", "127.0.0.1", p.a.port(), 65002, 65001, 2);
  cb.passive = true;
  cb.gtsm = true;
  ASSERT_FALSE(p.b.listener->set_gtsm());
  p.a.make_peer(p.io_a, ca);
  p.b.make_peer(p.io_b, cb);
  p.b.peer->start();
  p.a.peer->start();
  ASSERT_TRUE(run_until({&p.io_a, &p.io_b}, [&] { return p.a.up() && p.b.up(); }));
  // A client one hop "away" (TTL 1 < 254) is refused by the kernel.
  asio::io_context cio;
  tcp::socket s(cio);
  s.open(tcp::v4());
  s.set_option(asio::ip::unicast::hops(1));
  bool connected = false;
  s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.2"), p.b.port()),
                  [&](const boost::system::error_code& e) { connected = !e; });
  run_until(
      {&p.io_b, &cio}, [&] { return connected; }, 500ms);
  boost::system::error_code ec;
  s.remote_endpoint(ec);
  EXPECT_EQ(ec, asio::error::not_connected) << "connected despite TTL 1";
}

// ---- a raw TCP client against one Peer --------------------------------------

struct RawClient {
  asio::io_context cio;
  tcp::socket s{cio};
  wire::Bytes received;

  explicit RawClient(const tcp::endpoint& to) {
    s.open(tcp::v4());
    s.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    s.connect(to);  // completes in the kernel: the listener need not run
    s.non_blocking(true);
  }
  void write(const wire::Bytes& b) { asio::write(s, asio::buffer(b)); }
  // Reads what is there; true once the server closed.
  bool drain() {
    std::array<std::byte, 8192> buf;
    for (;;) {
      boost::system::error_code ec;
      const auto n = s.read_some(asio::buffer(buf), ec);
      received.insert(received.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
      if (ec == asio::error::would_block) return false;
      if (ec) return true;  // EOF or reset
    }
  }
  std::vector<wire::Bytes> messages() const {
    std::vector<wire::Bytes> out;
    std::size_t pos = 0;
    while (auto len = wire::peek_length(wire::ByteSpan(received).subspan(pos))) {
      if (pos + *len > received.size()) break;
      out.emplace_back(received.begin() + static_cast<std::ptrdiff_t>(pos),
                       received.begin() + static_cast<std::ptrdiff_t>(pos + *len));
      pos += *len;
    }
    return out;
  }
  // The NOTIFICATION among what arrived, decoded with the codec.
  std::optional<std::pair<int, int>> notification() const {
    for (const auto& m : messages()) {
      const auto d = wire::decode_message(m, wire::DecodeContext{});
      if (const auto* n = std::get_if<wire::Notification>(&d.body)) return std::pair<int, int>{n->code, n->subcode};
    }
    return std::nullopt;
  }
};

struct Server {
  asio::io_context io;
  Side side{io, "127.0.0.2"};
  Server(std::size_t queue = 1 << 20, std::optional<Duration> send_hold = std::nullopt) {
    auto c = make_config("127.0.0.2", "127.0.0.1", 1, 65002, 65001, 2);
    c.passive = true;
    c.out_queue_bytes = queue;
    c.fsm.send_hold_time = send_hold;
    side.make_peer(io, c);
    side.peer->start();
  }
  tcp::endpoint endpoint() const { return tcp::endpoint(asio::ip::make_address("127.0.0.2"), side.port()); }
  // Runs until the client has seen the server close the connection.
  bool until_closed(RawClient& c, std::chrono::milliseconds timeout = 5s) {
    return run_until(
        {&io}, [&] { return c.drain(); }, timeout);
  }
};

wire::Bytes client_open(std::uint32_t asn) {
  LocalConfig l;
  l.asn = asn;
  l.router_id = 0x0a000001;
  l.hold_time = 3;
  return wire::encode_message(build_open(l), wire::EncodeContext{});
}

TEST(SessionIo, GarbageGetsHeaderErrorAndClose) {
  Server srv;
  RawClient c(srv.endpoint());
  wire::Bytes garbage(40, std::byte{0x41});
  c.write(garbage);
  ASSERT_TRUE(srv.until_closed(c));
  const auto n = c.notification();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, (std::pair<int, int>{wire::notify::kHeader, wire::notify::kNotSynchronized}));
  EXPECT_NE(srv.side.peer->state(), State::kEstablished);
}

// The NOTIFICATION must reach a peer whose input we did not read: closing
// with unread input would send an RST, which may destroy it at the peer.
TEST(SessionIo, NotificationSurvivesUnreadInput) {
  Server srv;
  RawClient c(srv.endpoint());
  wire::Bytes garbage(std::size_t{200} * 1024,
                      std::byte{0x41});  // far more than one read; the header error stops reading
  c.s.non_blocking(false);
  asio::write(c.s, asio::buffer(garbage.data(), 40));
  c.s.non_blocking(true);
  boost::system::error_code ec;
  asio::write(c.s, asio::buffer(garbage.data() + 40, garbage.size() - 40), ec);  // as much as fits
  ASSERT_TRUE(srv.until_closed(c));
  const auto n = c.notification();
  ASSERT_TRUE(n) << "no NOTIFICATION before the close";
  EXPECT_EQ(*n, (std::pair<int, int>{wire::notify::kHeader, wire::notify::kNotSynchronized}));
}

// DelayOpen: a second inbound connection that fails while waiting must go,
// or it would refuse every later inbound connection.
TEST(SessionIo, FailedSecondConnectionDuringDelayOpenIsDropped) {
  asio::io_context io;
  Side side{io, "127.0.0.2"};
  auto cfg = make_config("127.0.0.2", "127.0.0.1", 1, 65002, 65001, 2);
  cfg.passive = true;
  cfg.fsm.delay_open = true;
  cfg.fsm.delay_open_time = 5s;
  side.make_peer(io, cfg);
  side.peer->start();
  const tcp::endpoint at(asio::ip::make_address("127.0.0.2"), side.port());
  auto settle = [&](std::chrono::milliseconds d) {
    run_until(
        {&io}, [] { return false; }, d);
  };
  RawClient first(at);
  settle(150ms);
  {
    RawClient second(at);
    settle(150ms);
    EXPECT_FALSE(second.drain()) << "the second connection was refused outright";
  }  // closed
  settle(200ms);
  RawClient third(at);
  settle(200ms);
  EXPECT_FALSE(third.drain()) << "the third connection was refused: the failed second one is still held";
  EXPECT_FALSE(first.drain());
}

TEST(SessionIo, BadLengthGetsHeaderError12) {
  Server srv;
  RawClient c(srv.endpoint());
  wire::Bytes msg = wire::make_keepalive();
  msg[17] = std::byte{18};  // length 18: below the header
  c.write(msg);
  ASSERT_TRUE(srv.until_closed(c));
  ASSERT_TRUE(c.notification());
  EXPECT_EQ(*c.notification(), (std::pair<int, int>{wire::notify::kHeader, wire::notify::kBadLength}));
}

// RFC 4271 §6.4: a malformed NOTIFICATION closes the connection without a
// NOTIFICATION in reply (found in review: we used to answer with 1/2).
TEST(SessionIo, MalformedNotificationIsNotAnswered) {
  Server srv;
  RawClient c(srv.endpoint());
  wire::Bytes msg = wire::make_keepalive();
  msg[17] = std::byte{20};  // length 20: a NOTIFICATION needs 21
  msg[18] = std::byte{3};
  msg.push_back(std::byte{6});
  c.write(msg);
  ASSERT_TRUE(srv.until_closed(c));
  EXPECT_FALSE(c.notification());
  for (const auto& m : c.messages()) EXPECT_EQ(static_cast<int>(m[18]), 1);  // only our OPEN went out
  EXPECT_NE(srv.side.peer->state(), State::kEstablished);
}

struct HeaderCase {
  const char* name;
  std::size_t length;
  std::uint8_t type;
  std::uint8_t subcode;
};

class HeaderErrors : public ::testing::TestWithParam<HeaderCase> {};

TEST_P(HeaderErrors, GetNotificationAndClose) {
  const auto& hc = GetParam();
  Server srv;
  RawClient c(srv.endpoint());
  wire::Bytes msg(std::max<std::size_t>(hc.length, wire::kHeaderSize), std::byte{0});
  std::fill(msg.begin(), msg.begin() + 16, std::byte{0xff});
  msg[16] = static_cast<std::byte>(hc.length >> 8);
  msg[17] = static_cast<std::byte>(hc.length & 0xff);
  msg[18] = static_cast<std::byte>(hc.type);
  c.write(msg);
  ASSERT_TRUE(srv.until_closed(c));
  ASSERT_TRUE(c.notification());
  EXPECT_EQ(*c.notification(), (std::pair<int, int>{wire::notify::kHeader, hc.subcode}));
}

INSTANTIATE_TEST_SUITE_P(SessionIo, HeaderErrors,
                         ::testing::Values(HeaderCase{"unknown_type", 19, 9, wire::notify::kBadType},
                                           HeaderCase{"oversized", 5000, 2, wire::notify::kBadLength},
                                           HeaderCase{"keepalive_too_long", 20, 4, wire::notify::kBadLength}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(SessionIo, WrongAsGetsOpenError22) {
  Server srv;
  RawClient c(srv.endpoint());
  c.write(client_open(65099));
  ASSERT_TRUE(srv.until_closed(c));
  ASSERT_TRUE(c.notification());
  EXPECT_EQ(*c.notification(), (std::pair<int, int>{wire::notify::kOpen, wire::notify::kBadPeerAs}));
  EXPECT_EQ(srv.side.rec.established, 0);
}

TEST(SessionIo, PeerThatStopsReadingIsBoundedAndDropped) {
  constexpr std::size_t kBound = std::size_t{64} * 1024;
  Server srv(kBound);
  RawClient c(srv.endpoint());
  c.s.set_option(asio::socket_base::receive_buffer_size(4096));
  c.write(client_open(65001));
  c.write(wire::make_keepalive());
  ASSERT_TRUE(run_until(
      {&srv.io}, [&] { return srv.side.up(); }, 3s));
  // The client never reads again. Push ~4 KiB UPDATEs until the queue refuses.
  const auto update = one_update(*srv.side.peer->negotiated(), 900);
  ASSERT_GT(update.size(), 3000u);
  bool refused = false;
  for (int i = 0; i < 100000 && !refused; ++i) {
    refused = !srv.side.peer->send(update);
    if (i % 8 == 0) {
      srv.io.restart();
      srv.io.poll();
    }
  }
  EXPECT_TRUE(refused);
  EXPECT_LE(srv.side.peer->max_queued_bytes(), kBound);
  ASSERT_TRUE(run_until(
      {&srv.io}, [&] { return !srv.side.rec.downs.empty(); }, 3s));
  EXPECT_EQ(srv.side.rec.downs[0].reason, DownReason::kAutomaticStop);
  ASSERT_TRUE(srv.side.rec.downs[0].sent);
  EXPECT_EQ(srv.side.rec.downs[0].sent->subcode, cease::kOutOfResources);
  EXPECT_EQ(srv.side.peer->queued_bytes(), 0u);
}

// Output as the peer drains: notify_writable() answers once the queue is
// below the low-water mark, at once when it already is; a buffer of several
// messages counts as that many.
TEST(SessionIo, WritableOnceTheQueueIsBelowLowWater) {
  Server srv(8 << 20);
  RawClient c(srv.endpoint());
  c.write(client_open(65001));
  c.write(wire::make_keepalive());
  ASSERT_TRUE(run_until(
      {&srv.io}, [&] { return srv.side.up(); }, 3s));
  Peer& peer = *srv.side.peer;
  peer.notify_writable();
  ASSERT_TRUE(run_until(
      {&srv.io}, [&] { return srv.side.rec.writable == 1; }, 1s));
  const auto one = one_update(*peer.negotiated(), 900);
  wire::Bytes sixteen;
  for (int i = 0; i < 16; ++i) sixteen.insert(sixteen.end(), one.begin(), one.end());
  const auto shared = std::make_shared<const wire::Bytes>(std::move(sixteen));
  const auto before = peer.messages_out();
  // The client reads nothing: the kernel's buffers fill, then the queue.
  std::size_t sent = 0;
  while (peer.queued_bytes() <= peer.config().out_low_water + shared->size()) {
    ASSERT_TRUE(peer.send(shared, 16));
    ++sent;
    srv.io.restart();
    srv.io.poll();
  }
  EXPECT_EQ(peer.messages_out() - before, 16 * sent);
  peer.notify_writable();
  run_until(
      {&srv.io}, [] { return false; }, 300ms);
  EXPECT_EQ(srv.side.rec.writable, 1);
  // It reads (and keeps its session up): once below the mark, told once.
  auto next_keepalive = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(
      {&srv.io},
      [&] {
        c.drain();
        if (std::chrono::steady_clock::now() >= next_keepalive) {
          c.write(wire::make_keepalive());
          next_keepalive += 500ms;
        }
        return srv.side.rec.writable == 2;
      },
      8s));
  EXPECT_LE(peer.queued_bytes(), peer.config().out_low_water);
  EXPECT_TRUE(srv.side.up());
}

// The write stall timeout: a peer that reads nothing at all is dropped by the
// send hold timer (RFC 9687), not by the size of what is queued for it.
TEST(SessionIo, PeerThatReadsNothingIsDroppedBySendHoldTimer) {
  Server srv(8 << 20, std::chrono::seconds{1});
  RawClient c(srv.endpoint());
  c.s.set_option(asio::socket_base::receive_buffer_size(4096));
  c.write(client_open(65001));
  c.write(wire::make_keepalive());
  ASSERT_TRUE(run_until(
      {&srv.io}, [&] { return srv.side.up(); }, 3s));
  const auto update = std::make_shared<const wire::Bytes>(one_update(*srv.side.peer->negotiated(), 900));
  while (srv.side.peer->queued_bytes() < (64u << 10)) {
    ASSERT_TRUE(srv.side.peer->send(update));
    srv.io.restart();
    srv.io.poll();
  }
  ASSERT_TRUE(run_until(
      {&srv.io}, [&] { return !srv.side.rec.downs.empty(); }, 3s));
  EXPECT_EQ(srv.side.rec.downs[0].reason, DownReason::kSendHoldTimerExpired);
}

TEST(SessionIo, UpdateErrorsFollowRfc7606) {
  Server srv;
  RawClient c(srv.endpoint());
  c.write(client_open(65001));
  c.write(wire::make_keepalive());
  ASSERT_TRUE(run_until(
      {&srv.io}, [&] { return srv.side.up(); }, 3s));
  const Negotiated n = *srv.side.peer->negotiated();
  // Bad ORIGIN value: treat-as-withdraw, delivered, session stays up.
  c.write(one_update(n, 2, 7));
  ASSERT_TRUE(run_until(
      {&srv.io}, [&] { return !srv.side.rec.update_prefixes.empty(); }, 3s));
  EXPECT_EQ(srv.side.rec.actions.at(0), wire::Action::kTreatAsWithdraw);
  EXPECT_TRUE(srv.side.up());
  // Withdrawn Routes Length past the end of the message: session reset, 3/1.
  wire::Bytes bad = one_update(n, 1);
  bad[19] = std::byte{0xff};
  bad[20] = std::byte{0xff};
  c.write(bad);
  ASSERT_TRUE(srv.until_closed(c));
  ASSERT_TRUE(c.notification());
  EXPECT_EQ(*c.notification(), (std::pair<int, int>{wire::notify::kUpdate, 1}));
  ASSERT_EQ(srv.side.rec.downs.size(), 1u);
  EXPECT_EQ(srv.side.rec.downs[0].reason, DownReason::kProtocolError);
}

TEST(SessionIo, UnknownSourceIsClosed) {
  asio::io_context io;
  Side side{io, "127.0.0.2"};  // no peer configured
  RawClient c(tcp::endpoint(asio::ip::make_address("127.0.0.2"), side.port()));
  ASSERT_TRUE(run_until(
      {&io}, [&] { return c.drain(); }, 3s));
  EXPECT_TRUE(c.received.empty());
}

}  // namespace
}  // namespace cats::session
