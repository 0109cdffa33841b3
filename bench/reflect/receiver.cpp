// reflect_receiver: a route reflector client for the reflector benchmark
// (bench/reflect/run.py). It connects to the router, completes OPEN (iBGP,
// 4-octet AS, IPv4 unicast, route refresh, ADD-PATH receive when asked),
// answers nothing but KEEPALIVEs, and counts what it receives: the distinct
// prefixes (or prefix and path id pairs) of the ingest workloads A and B
// (bench/ingest/workload.hpp), withdrawals included. It prints one JSON line
// per event on stdout (established, first route, full table) with
// CLOCK_MONOTONIC times, so the script can time the router from the feeder's
// first UPDATE. With --rate it reads at most that many octets per second
// through a small receive buffer: a slow but healthy peer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string target = "127.0.0.1";
  int port = 179;
  std::string bind;
  std::uint32_t as = 65000;
  std::string router_id = "10.255.0.11";
  char workload = 'A';
  std::size_t paths = 1'000'000;  // the full table
  bool add_path = false;
  double rate = 0;  // octets per second; 0: as fast as it can
  double hold_open = 600;
};

double mono_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "reflect_receiver: %s\n", what.c_str());
  std::exit(1);
}

void usage() {
  std::fprintf(stderr,
               "usage: reflect_receiver --target ADDR [--port N] [--bind ADDR] [--as N] [--router-id A.B.C.D]\n"
               "       [--workload A|B] [--paths N] [--add-path] [--rate OCTETS_PER_S] [--hold-open S]\n");
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
      o.target = next();
    } else if (a == "--port") {
      o.port = std::stoi(next());
    } else if (a == "--bind") {
      o.bind = next();
    } else if (a == "--as") {
      o.as = static_cast<std::uint32_t>(std::stoul(next()));
    } else if (a == "--router-id") {
      o.router_id = next();
    } else if (a == "--workload") {
      o.workload = next().at(0);
    } else if (a == "--paths") {
      o.paths = std::stoull(next());
    } else if (a == "--add-path") {
      o.add_path = true;
    } else if (a == "--rate") {
      o.rate = std::stod(next());
    } else if (a == "--hold-open") {
      o.hold_open = std::stod(next());
    } else {
      usage();
    }
  }
  return o;
}

std::mutex g_out;
void event(const char* name, const std::string& extra = {}) {
  std::lock_guard lock(g_out);
  std::printf("{\"event\":\"%s\",\"mono\":%.6f%s}\n", name, mono_now(), extra.c_str());
  std::fflush(stdout);
}

// The distinct paths of the workload it has: A as bits, numbering /24 from
// 10.0.0.0 and /32 from 100.64.0.0; B as the path ids each /32 has (ids are
// the router's, allocated as it likes: per prefix, or one per path table-wide).
class Table {
 public:
  Table(char workload, std::size_t paths) : workload_(workload) {
    n32_ = workload == 'A' ? paths / 10 : paths / 4;
    n24_ = workload == 'A' ? paths - n32_ : 0;
    if (workload == 'B') ids_.resize(n32_);
  }
  // +1, -1 or 0 (not one of ours, or no change).
  int apply(bool announce, std::uint32_t addr, std::uint8_t len, std::uint32_t id) {
    std::size_t slot = 0;
    if (workload_ == 'A') {
      if (len == 24 && addr >= (10u << 24) && ((addr - (10u << 24)) >> 8) < n24_) {
        slot = (addr - (10u << 24)) >> 8;
      } else if (len == 32 && addr >= kBase32 && addr - kBase32 < n32_) {
        slot = n24_ + (addr - kBase32);
      } else {
        ++foreign_;
        return 0;
      }
    } else {
      if (len != 32 || addr < kBase32 || addr - kBase32 >= n32_) {
        ++foreign_;
        return 0;
      }
      auto& ids = ids_[addr - kBase32];
      const auto it = std::find(ids.begin(), ids.end(), id);
      const bool have = it != ids.end();
      if (announce == have) return 0;
      if (announce) {
        ids.push_back(id);
        max_ids_ = std::max(max_ids_, ids.size());
      } else {
        *it = ids.back();
        ids.pop_back();
      }
      count_ += announce ? 1 : -1;
      return announce ? 1 : -1;
    }
    if (slot / 64 >= bits_.size()) bits_.resize(slot / 64 + 1, 0);
    std::uint64_t& w = bits_[slot / 64];
    const std::uint64_t b = std::uint64_t{1} << (slot % 64);
    if (announce == ((w & b) != 0)) return 0;
    w ^= b;
    count_ += announce ? 1 : -1;
    return announce ? 1 : -1;
  }
  std::size_t count() const { return static_cast<std::size_t>(count_); }
  std::size_t foreign() const { return foreign_; }
  std::size_t ids() const { return max_ids_; }  // the most paths one prefix had

 private:
  static constexpr std::uint32_t kBase32 = (100u << 24) | (64u << 16);
  char workload_;
  std::size_t n24_ = 0, n32_ = 0;
  std::vector<std::uint64_t> bits_;
  std::vector<std::vector<std::uint32_t>> ids_;  // B: per /32
  std::size_t max_ids_ = 0;
  long long count_ = 0;
  std::size_t foreign_ = 0;
};

struct Counters {
  std::size_t bytes = 0, messages = 0, updates = 0, announced = 0, withdrawn = 0;
};

// NLRI of IPv4 unicast (RFC 4271 §4.3, RFC 7911 with path ids).
bool walk_nlri(const std::uint8_t* p, std::size_t n, bool add_path, bool announce, Table& t, Counters& c) {
  std::size_t i = 0;
  while (i < n) {
    std::uint32_t id = 0;
    if (add_path) {
      if (i + 4 > n) return false;
      id = static_cast<std::uint32_t>(p[i]) << 24 | static_cast<std::uint32_t>(p[i + 1]) << 16 |
           static_cast<std::uint32_t>(p[i + 2]) << 8 | p[i + 3];
      i += 4;
    }
    if (i >= n) return false;
    const std::uint8_t len = p[i++];
    const std::size_t octets = (len + 7u) / 8u;
    if (len > 32 || i + octets > n) return false;
    std::uint32_t addr = 0;
    for (std::size_t k = 0; k < 4; ++k) addr = addr << 8 | (k < octets ? p[i + k] : 0u);
    i += octets;
    t.apply(announce, addr, len, id);
    ++(announce ? c.announced : c.withdrawn);
  }
  return true;
}

// One UPDATE body (after the 19-octet header).
bool update(const std::uint8_t* b, std::size_t n, bool add_path, Table& t, Counters& c) {
  if (n < 4) return false;
  const std::size_t wlen = static_cast<std::size_t>(b[0]) << 8 | b[1];
  if (2 + wlen + 2 > n) return false;
  if (!walk_nlri(b + 2, wlen, add_path, false, t, c)) return false;
  const std::size_t alen = static_cast<std::size_t>(b[2 + wlen]) << 8 | b[3 + wlen];
  const std::size_t nlri = 4 + wlen + alen;
  if (nlri > n) return false;
  // MP_REACH/MP_UNREACH of IPv4 unicast would carry NLRI too: the routers here use the NLRI field.
  return walk_nlri(b + nlri, n - nlri, add_path, true, t, c);
}

int connect_to(const Options& o) {
  const double deadline = mono_now() + 60;
  for (;;) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    if (o.rate > 0) {
      // A small window: TCP pushes back on the router instead of buffering.
      const int rcv = 16 * 1024;
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    }
    if (!o.bind.empty()) {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      if (inet_pton(AF_INET, o.bind.c_str(), &a.sin_addr) != 1) die("bad --bind " + o.bind);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die(std::string("bind: ") + std::strerror(errno));
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(o.port));
    if (inet_pton(AF_INET, o.target.c_str(), &to.sin_addr) != 1) die("bad --target " + o.target);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return fd;
    }
    const int err = errno;
    ::close(fd);
    if (mono_now() > deadline) die(std::string("connect: ") + std::strerror(err));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::vector<std::uint8_t> open_message(const Options& o) {
  std::vector<std::uint8_t> caps = {1,  4, 0, 1, 0, 1,  // MP IPv4 unicast
                                    2,  0,              // route refresh
                                    65, 4};             // 4-octet AS
  for (int s = 24; s >= 0; s -= 8) caps.push_back(static_cast<std::uint8_t>(o.as >> s));
  if (o.add_path) caps.insert(caps.end(), {69, 4, 0, 1, 1, 1});  // ADD-PATH IPv4 unicast receive
  in_addr id{};
  if (inet_pton(AF_INET, o.router_id.c_str(), &id) != 1) die("bad --router-id " + o.router_id);
  std::vector<std::uint8_t> body = {4, static_cast<std::uint8_t>(o.as > 0xffff ? 0x5b : o.as >> 8),
                                    static_cast<std::uint8_t>(o.as > 0xffff ? 0xa0 : o.as & 0xff), 0, 180};
  const auto* idb = reinterpret_cast<const std::uint8_t*>(&id);
  body.insert(body.end(), idb, idb + 4);
  body.push_back(static_cast<std::uint8_t>(caps.size() + 2));
  body.push_back(2);
  body.push_back(static_cast<std::uint8_t>(caps.size()));
  body.insert(body.end(), caps.begin(), caps.end());
  std::vector<std::uint8_t> m(16, 0xff);
  const std::size_t len = 19 + body.size();
  m.push_back(static_cast<std::uint8_t>(len >> 8));
  m.push_back(static_cast<std::uint8_t>(len));
  m.push_back(1);
  m.insert(m.end(), body.begin(), body.end());
  return m;
}

std::vector<std::uint8_t> keepalive() {
  std::vector<std::uint8_t> m(16, 0xff);
  m.insert(m.end(), {0, 19, 4});
  return m;
}

std::mutex g_write;
void write_all(int fd, const std::vector<std::uint8_t>& m) {
  std::lock_guard lock(g_write);
  std::size_t off = 0;
  while (off < m.size()) {
    const ssize_t r = ::send(fd, m.data() + off, m.size() - off, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    off += static_cast<std::size_t>(r);
  }
}

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  // Without SA_RESTART: a signal ends the blocking read.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  const int fd = connect_to(o);
  write_all(fd, open_message(o));
  const double connected = mono_now();

  Table table(o.workload, o.paths);
  Counters c;
  std::vector<std::uint8_t> buf(1 << 20);
  std::size_t have = 0;
  bool got_open = false, established = false, first = false, full = false;
  std::atomic<bool> closed{false};
  std::thread keeper;
  const double started = mono_now();
  // Pacing: a token bucket of `rate` octets per second holding at most 64 KiB.
  constexpr double kBurst = 64 * 1024;
  double tokens = kBurst;
  double refilled = started;
  while (!g_stop) {
    std::size_t want = buf.size() - have;
    if (o.rate > 0 && established) {
      const double now = mono_now();
      tokens = std::min(kBurst, tokens + (now - refilled) * o.rate);
      refilled = now;
      if (tokens < 4096) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      want = std::min(want, static_cast<std::size_t>(tokens));
    }
    const ssize_t r = ::recv(fd, buf.data() + have, want, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    have += static_cast<std::size_t>(r);
    tokens -= static_cast<double>(r);
    c.bytes += static_cast<std::size_t>(r);
    std::size_t off = 0;
    while (have - off >= 19) {
      const std::uint8_t* m = buf.data() + off;
      const std::size_t len = static_cast<std::size_t>(m[16]) << 8 | m[17];
      if (len < 19 || len > buf.size()) die("bad message length");
      if (have - off < len) break;
      ++c.messages;
      const std::uint8_t type = m[18];
      if (type == 1) {
        got_open = true;
        write_all(fd, keepalive());
      } else if (type == 4 && got_open && !established) {
        established = true;
        event("established", ",\"connected\":" + std::to_string(connected));
        keeper = std::thread([fd, &closed] {
          while (!g_stop && !closed) {
            for (int i = 0; i < 300 && !g_stop && !closed; ++i)
              std::this_thread::sleep_for(std::chrono::milliseconds(100));
            write_all(fd, keepalive());
          }
        });
      } else if (type == 3) {
        const int code = len > 19 ? m[19] : 0, sub = len > 20 ? m[20] : 0;
        event("notification", ",\"code\":" + std::to_string(code) + ",\"subcode\":" + std::to_string(sub));
      } else if (type == 2) {
        ++c.updates;
        const std::size_t before = c.announced;
        if (!update(m + 19, len - 19, o.add_path, table, c)) die("bad UPDATE");
        if (!first && c.announced > before) {
          first = true;
          event("first");
        }
        if (!full && table.count() >= o.paths) {
          full = true;
          event("full",
                ",\"bytes\":" + std::to_string(c.bytes) + ",\"updates\":" + std::to_string(c.updates) +
                    ",\"announced\":" + std::to_string(c.announced) + ",\"withdrawn\":" + std::to_string(c.withdrawn) +
                    ",\"ids\":" + std::to_string(table.ids()) + ",\"foreign\":" + std::to_string(table.foreign()));
        }
      }
      off += len;
    }
    std::memmove(buf.data(), buf.data() + off, have - off);
    have -= off;
    if (full && mono_now() - started > o.hold_open) break;
  }
  closed = true;
  event("closed", ",\"count\":" + std::to_string(table.count()) + ",\"bytes\":" + std::to_string(c.bytes));
  ::shutdown(fd, SHUT_RDWR);
  if (keeper.joinable()) keeper.join();
  ::close(fd);
  return 0;
}
