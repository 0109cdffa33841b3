// ingest_feeder: replays a pre-encoded stream of UPDATEs into a BGP router
// for the ingest benchmark (bench/ingest/run.py).
//
// It connects to the router, exchanges OPEN and KEEPALIVE, builds the whole
// UPDATE stream with the project's codec before the clock starts, writes it
// as fast as the router reads it, and reports (one JSON line on stdout) the
// bytes, messages, prefixes and its own send time. A thread reads and
// discards what the router sends; another sends KEEPALIVEs.
//
// Workload A: N distinct IPv4 prefixes (90 % /24 from 10.0.0.0 upward,
// 10 % /32 from 100.64.0.0), packed, every UPDATE carrying a CATS-EXP
// attribute, 11 attribute sets (L2 score 0..10, AS_PATH length 1..3).
// Workload B: N/4 anycast /32 from 100.64.0.0, each with ADD-PATH path ids
// 1..4 (next hop = the feeder's address + path id - 1, L2 per path).
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/ingest/workload.hpp"
#include "bgp-ext/wire/message.hpp"

namespace {

using namespace cats::wire;
using cats::bench::build_stream;
using cats::bench::Stream;

struct Options {
  std::string target_host = "127.0.0.1";
  std::string target_port = "179";
  std::string bind;
  std::uint32_t as = 65001;
  std::uint32_t peer_as = 65000;
  std::string router_id = "10.255.0.2";
  char workload = 'A';
  std::size_t prefixes = 1'000'000;
  double hold_open = 0;
  bool cats_cap = true;
  std::uint32_t path_as = 0;  // first ASN of the AS_PATHs; 0: --as
  std::optional<std::uint32_t> local_pref;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "ingest_feeder: %s\n", what.c_str());
  std::exit(1);
}

void usage() {
  std::fprintf(stderr,
               "usage: ingest_feeder --target HOST:PORT [--bind ADDR] [--as N] [--peer-as N]\n"
               "       [--router-id A.B.C.D] [--workload A|B] [--prefixes N] [--hold-open SECONDS]\n"
               "       [--no-cats-cap] [--path-as N] [--local-pref N]\n");
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--target") {
      const std::string t = next();
      const auto colon = t.rfind(':');
      if (colon == std::string::npos) usage();
      o.target_host = t.substr(0, colon);
      o.target_port = t.substr(colon + 1);
    } else if (a == "--bind") {
      o.bind = next();
    } else if (a == "--as") {
      o.as = static_cast<std::uint32_t>(std::stoul(next()));
    } else if (a == "--peer-as") {
      o.peer_as = static_cast<std::uint32_t>(std::stoul(next()));
    } else if (a == "--router-id") {
      o.router_id = next();
    } else if (a == "--workload") {
      const std::string w = next();
      if (w != "A" && w != "B" && w != "a" && w != "b") usage();
      o.workload = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    } else if (a == "--prefixes") {
      o.prefixes = std::stoul(next());
    } else if (a == "--hold-open") {
      o.hold_open = std::stod(next());
    } else if (a == "--path-as") {
      o.path_as = static_cast<std::uint32_t>(std::stoul(next()));
    } else if (a == "--local-pref") {
      o.local_pref = static_cast<std::uint32_t>(std::stoul(next()));
    } else if (a == "--no-cats-cap") {
      o.cats_cap = false;
    } else {
      usage();
    }
  }
  return o;
}

double mono_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
double wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// ---- the session ----------------------------------------------------------

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

class Session {
 public:
  explicit Session(int fd) : fd_(fd) {}

  void write_all(const std::byte* p, std::size_t n) {
    while (n > 0) {
      const ssize_t r = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (r < 0) {
        if (errno == EINTR) continue;
        die(std::string("send: ") + std::strerror(errno));
      }
      p += r;
      n -= static_cast<std::size_t>(r);
    }
  }
  void send_locked(const Bytes& b) { send_locked(b.data(), b.size()); }
  void send_locked(const std::byte* p, std::size_t n) {
    std::lock_guard lock(write_mu_);
    write_all(p, n);
  }

  // Reads one whole message; false on EOF/error.
  bool read_message(Bytes& out) {
    out.resize(19);
    if (!read_exact(out.data(), 19)) return false;
    const std::size_t len = (static_cast<std::size_t>(out[16]) << 8) | static_cast<std::size_t>(out[17]);
    if (len < 19) return false;
    out.resize(len);
    return read_exact(out.data() + 19, len - 19);
  }
  static std::uint8_t type_of(const Bytes& m) { return static_cast<std::uint8_t>(m[18]); }

  int fd() const { return fd_; }

 private:
  bool read_exact(std::byte* p, std::size_t n) {
    while (n > 0) {
      const ssize_t r = ::recv(fd_, p, n, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      p += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }
  int fd_;
  std::mutex write_mu_;
};

int connect_to(const Options& o) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(o.target_host.c_str(), o.target_port.c_str(), &hints, &res) != 0 || res == nullptr)
    die("cannot resolve " + o.target_host);
  int fd = -1;
  // The router may still be starting: retry for up to 30 s.
  const double deadline = mono_now() + 30;
  for (;;) {
    fd = ::socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    if (!o.bind.empty()) {
      sockaddr_storage ss{};
      socklen_t sl = 0;
      if (res->ai_family == AF_INET) {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
        s4->sin_family = AF_INET;
        if (inet_pton(AF_INET, o.bind.c_str(), &s4->sin_addr) != 1) die("bad --bind " + o.bind);
        sl = sizeof(sockaddr_in);
      } else {
        auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
        s6->sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, o.bind.c_str(), &s6->sin6_addr) != 1) die("bad --bind " + o.bind);
        sl = sizeof(sockaddr_in6);
      }
      if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), sl) != 0) die(std::string("bind: ") + std::strerror(errno));
    }
    if (::connect(fd, res->ai_addr, res->ai_addrlen) == 0) break;
    const int err = errno;
    ::close(fd);
    if (mono_now() > deadline) die(std::string("connect: ") + std::strerror(err));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  freeaddrinfo(res);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

Bytes make_open(const Options& o) {
  Open open;
  open.my_as = o.as > 0xffff ? static_cast<std::uint16_t>(kAsTrans) : static_cast<std::uint16_t>(o.as);
  open.hold_time = 180;
  in_addr id{};
  if (inet_pton(AF_INET, o.router_id.c_str(), &id) != 1) die("bad --router-id " + o.router_id);
  std::memcpy(open.bgp_id.data(), &id, 4);
  OptionalParameter param;
  auto cap = [&](std::uint8_t code, CapabilityValue v) {
    Capability c;
    c.code = code;
    c.value = std::move(v);
    param.capabilities.push_back(std::move(c));
  };
  cap(cap::kMultiprotocol, MultiprotocolCap{1, 0, 1});
  cap(cap::kRouteRefresh, std::monostate{});
  cap(cap::kAs4, As4Cap{o.as});
  if (o.workload == 'B') {
    AddPathCap ap;
    ap.families.push_back({1, 1, 2});  // IPv4 unicast, send
    cap(cap::kAddPath, ap);
  }
  if (o.cats_cap) cap(kDefaultCatsCapability, CatsCap{1});
  open.parameters.push_back(std::move(param));
  EncodeContext ectx;
  return encode_message(open, ectx);
}

std::string ipv4_string(std::array<std::uint8_t, 4> a) {
  return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." + std::to_string(a[3]);
}

int run(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  const int fd = connect_to(o);
  const double t_connected = mono_now();
  sockaddr_in local{};
  socklen_t ll = sizeof local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0 || local.sin_family != AF_INET)
    die("IPv4 transport required (the next hop is the local address)");
  std::array<std::uint8_t, 4> nh{};
  std::memcpy(nh.data(), &local.sin_addr, 4);

  // Pre-encode everything before the clock starts.
  const double t_enc0 = mono_now();
  // An iBGP feeder (--as = the router's) passes on paths from another AS (--path-as) with a LOCAL_PREF.
  const Stream stream = build_stream(o.workload, o.prefixes, o.path_as != 0 ? o.path_as : o.as, nh, o.local_pref);
  const double t_enc1 = mono_now();

  Session s(fd);
  s.send_locked(make_open(o));
  Bytes msg;
  bool got_open = false, established = false, peer_add_path_rx = false;
  std::uint16_t hold = 180;
  while (!established) {
    if (!s.read_message(msg)) die("connection closed before Established");
    const auto type = Session::type_of(msg);
    if (type == 1) {
      DecodeContext dctx;
      const Decoded d = decode_message(msg, dctx);
      const auto* open = std::get_if<Open>(&d.body);
      if (open == nullptr) die("cannot decode the router's OPEN");
      hold = std::min<std::uint16_t>(hold, open->hold_time);
      if (const auto* c = open->find(cap::kAddPath))
        if (const auto* ap = std::get_if<AddPathCap>(&c->value))
          for (const auto& f : ap->families)
            if (f.afi == 1 && f.safi == 1 && (f.send_receive & 1) != 0) peer_add_path_rx = true;
      got_open = true;
      s.send_locked(make_keepalive());
    } else if (type == 4 && got_open) {
      established = true;
    } else if (type == 3) {
      die("NOTIFICATION from the router before Established");
    }
  }
  const double t_established = mono_now();
  if (o.workload == 'B' && !peer_add_path_rx) die("the router did not announce ADD-PATH receive for IPv4 unicast");

  // Reader: discard everything; note a NOTIFICATION or a close.
  std::atomic<bool> closed{false};
  std::atomic<int> notification{-1};
  std::thread reader([&] {
    Bytes m;
    while (s.read_message(m)) {
      if (Session::type_of(m) == 3 && m.size() >= 21)
        notification = (static_cast<int>(m[19]) << 8) | static_cast<int>(m[20]);
    }
    closed = true;
  });
  reader.detach();
  // Keepalives every hold/3 s (at least every second when hold is 0-3).
  std::thread keeper([&] {
    const Bytes ka = make_keepalive();
    const double every = hold >= 3 ? hold / 3.0 : 1.0;
    double next = mono_now() + every;
    while (!g_stop && !closed) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (mono_now() >= next) {
        s.send_locked(ka);
        next += every;
      }
    }
  });
  keeper.detach();

  // The clock: first byte of the first UPDATE to the last byte handed to the
  // kernel. Chunks of whole messages (about 256 KiB) so keepalives interleave.
  const double wall_first = wall_now();
  const double t_first = mono_now();
  std::size_t sent = 0;
  std::size_t mi = 0;
  while (sent < stream.bytes.size()) {
    std::size_t end = sent;
    while (mi < stream.message_ends.size() && stream.message_ends[mi] - sent <= std::size_t{256} * 1024)
      end = stream.message_ends[mi++];
    if (end == sent) end = stream.message_ends[mi++];
    s.send_locked(stream.bytes.data() + sent, end - sent);
    sent = end;
  }
  const double t_sent = mono_now();
  // Until the router's TCP has acknowledged every byte.
  double t_drained = -1;
  for (;;) {
    int outq = 0;
    if (::ioctl(fd, SIOCOUTQ, &outq) != 0) break;
    if (outq == 0) {
      t_drained = mono_now();
      break;
    }
    if (closed) break;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }

  std::printf(
      "{\"workload\":\"%c\",\"bytes\":%zu,\"messages\":%zu,\"updates\":%zu,\"prefixes\":%zu,\"paths\":%zu,"
      "\"attribute_sets\":%zu,\"next_hop\":\"%s\",\"encode_s\":%.6f,\"connected_mono\":%.6f,"
      "\"established_mono\":%.6f,\"first_update_mono\":%.6f,\"first_update_wall\":%.6f,\"send_done_mono\":%.6f,"
      "\"drained_mono\":%.6f,\"send_s\":%.6f,\"drain_s\":%.6f,\"peer_add_path_rx\":%s,\"closed\":%s,"
      "\"notification\":%d}\n",
      o.workload, stream.bytes.size(), stream.message_ends.size(), stream.updates,
      o.workload == 'A' ? stream.paths : stream.paths / 4, stream.paths, stream.attribute_sets, ipv4_string(nh).c_str(),
      t_enc1 - t_enc0, t_connected, t_established, t_first, wall_first, t_sent, t_drained, t_sent - t_first,
      t_drained < 0 ? -1.0 : t_drained - t_first, peer_add_path_rx ? "true" : "false", closed ? "true" : "false",
      notification.load());
  std::fflush(stdout);

  const double until = mono_now() + o.hold_open;
  while (!g_stop && !closed && mono_now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!closed) {
    const Bytes cease = make_notification(6, 2);
    s.send_locked(cease);
    ::shutdown(fd, SHUT_WR);
  }
  std::_Exit(closed && notification >= 0 ? 3 : 0);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    die(e.what());
  } catch (...) {
    die("unknown exception");
  }
}
