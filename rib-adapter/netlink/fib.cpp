#include "rib-adapter/netlink/fib.hpp"

#include <libmnl/libmnl.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "rib-adapter/netlink/socket.hpp"

namespace cats::netlink {

namespace {

using Clock = std::chrono::steady_clock;

// Next-hop object ids: ours start here, well above what iproute2 users and
// zebra pick by hand or by counting up from 1.
constexpr std::uint32_t kFirstId = 0x43410000;
constexpr std::size_t kBatchBytes = std::size_t{48} * 1024;  // a send stays below the socket's buffer
constexpr std::size_t kBatchRoutes = 512;
constexpr int kAnswerTimeoutSeconds = 5;  // the kernel answers a batch before sendmsg returns; a safety net

int family_of(wire::Afi afi) {
  return afi == wire::Afi::kIpv4 ? AF_INET : AF_INET6;
}
std::size_t alen(wire::Afi afi) {
  return afi == wire::Afi::kIpv4 ? 4 : 16;
}

// Messages of one batch, written back to back into one buffer.
class Batch {
 public:
  // Without NLM_F_ACK: the kernel answers only a message that fails (see
  // Fib::program); ack_last() asks an answer of the last one.
  nlmsghdr* put(std::uint16_t type, std::uint16_t flags, std::uint32_t seq) {
    const std::size_t at = buf_.size();
    buf_.resize(at + 512);
    auto* h = mnl_nlmsg_put_header(buf_.data() + at);
    h->nlmsg_type = type;
    h->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
    h->nlmsg_seq = seq;
    last_ = at;
    return h;
  }
  // Trims the buffer to the last message's real length.
  void done(const nlmsghdr* h) { buf_.resize(last_ + MNL_ALIGN(h->nlmsg_len)); }
  void ack_last() { reinterpret_cast<nlmsghdr*>(buf_.data() + last_)->nlmsg_flags |= NLM_F_ACK; }
  std::size_t size() const { return buf_.size(); }
  bool empty() const { return buf_.empty(); }
  const std::byte* data() const { return buf_.data(); }
  void clear() { buf_.clear(); }

 private:
  std::vector<std::byte> buf_;
  std::size_t last_ = 0;
};

// What one message of a batch was for.
struct Sent {
  wire::Prefix prefix;
  std::optional<std::pair<rib::PeerAddress, std::uint32_t>> hop;  // a hop object's creation
};

}  // namespace

const char* fib_state_name(FibState s) {
  switch (s) {
    case FibState::kPending: return "pending";
    case FibState::kInstalled: return "installed";
    case FibState::kError: return "error";
  }
  return "pending";
}

Fib::Fib(FibOptions o) : opt_(o), next_id_(kFirstId) {}

Fib::~Fib() {
  stop(true);
}

std::optional<std::string> Fib::start() {
  auto* nl = mnl_socket_open(NETLINK_ROUTE);
  if (nl == nullptr) return std::string("netlink socket: ") + std::strerror(errno);
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    const std::string e = std::string("netlink bind: ") + std::strerror(errno);
    mnl_socket_close(nl);
    return e;
  }
  int one = 1;
  mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof one);
  mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof one);  // acks without the request echoed
  // Errors of a whole batch must fit (FORCE needs CAP_NET_ADMIN, which
  // programming the FIB needs too; without it the kernel's maximum).
  const int fd = mnl_socket_get_fd(nl);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &opt_.receive_buffer, sizeof opt_.receive_buffer) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &opt_.receive_buffer, sizeof opt_.receive_buffer);
  const timeval answer_timeout{kAnswerTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &answer_timeout, sizeof answer_timeout);
  nl_ = nl;
  portid_ = mnl_socket_get_portid(nl);
  thread_ = std::thread([this] { run(); });
  return std::nullopt;
}

void Fib::stop(bool retain) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !thread_.joinable()) {
      stopping_ = true;
      return;
    }
    stopping_ = true;
    retain_at_stop_ = retain || opt_.retain;
  }
  cv_.notify_all();
  thread_.join();
  if (nl_ != nullptr) mnl_socket_close(static_cast<mnl_socket*>(nl_));
  nl_ = nullptr;
}

void Fib::set(FibRoute r) {
  {
    std::lock_guard lock(mu_);
    auto& e = entries_[r.prefix];
    if (e.route == r && (e.state != FibState::kError || r.hops.empty())) {
      pending_.erase(r.prefix);  // back to what is programmed
      if (r.hops.empty() && e.state != FibState::kPending) entries_.erase(r.prefix);
      return;
    }
    e.route = r;
    e.state = FibState::kPending;
    e.attempts = 0;
    e.at = std::chrono::system_clock::now();
    pending_[r.prefix] = std::move(r);
  }
  cv_.notify_one();
}

std::vector<FibEntry> Fib::entries() const {
  std::lock_guard lock(mu_);
  std::vector<FibEntry> out;
  out.reserve(entries_.size());
  for (const auto& [p, e] : entries_) out.push_back(e);
  return out;
}

FibStats Fib::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool Fib::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [this] { return pending_.empty() && !busy_; });
}

void Fib::run() {
  clear_stale();
  std::unique_lock lock(mu_);
  for (;;) {
    const auto now = Clock::now();
    // Routes whose retry time came: set again from what they should be.
    while (!retries_.empty() && retries_.begin()->first <= now) {
      const auto p = retries_.begin()->second;
      retries_.erase(retries_.begin());
      if (auto it = entries_.find(p); it != entries_.end() && it->second.state == FibState::kError)
        pending_.emplace(p, it->second.route);
    }
    if (!adopted_.empty() && now >= sweep_at_) {
      lock.unlock();
      sweep_adopted();
      lock.lock();
      continue;
    }
    if (stopping_) break;
    if (pending_.empty()) {
      idle_cv_.notify_all();
      auto wake = Clock::time_point::max();
      if (!retries_.empty()) wake = retries_.begin()->first;
      if (!adopted_.empty()) wake = std::min(wake, sweep_at_);
      if (wake == Clock::time_point::max()) {
        cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      } else {
        cv_.wait_until(lock, wake, [this] { return stopping_ || !pending_.empty(); });
      }
      continue;
    }
    std::vector<FibRoute> batch;
    while (!pending_.empty() && batch.size() < kBatchRoutes) {
      batch.push_back(std::move(pending_.begin()->second));
      pending_.erase(pending_.begin());
    }
    busy_ = true;
    lock.unlock();
    program(std::move(batch));
    lock.lock();
    busy_ = false;
  }
  const bool retain = retain_at_stop_;
  lock.unlock();
  if (!retain) {
    std::vector<FibRoute> all;
    for (const auto& [p, prog] : programmed_) all.push_back({p, {}});
    program(std::move(all));
  }
  idle_cv_.notify_all();
}

// One run of program(): the messages of its routes in batches, one sendmsg
// each, and what the kernel refused.
class Fib::Transaction {
 public:
  explicit Transaction(Fib& fib)
      : fib_(fib), nl_(static_cast<mnl_socket*>(fib.nl_)), rbuf_(MNL_SOCKET_BUFFER_SIZE * 4) {}

  void remove(const wire::Prefix& p, Programmed& prog) {
    put_route(p, RTM_DELROUTE, 0);
    del_nexthop(p, prog.group);
    for (const auto& h : prog.route.hops) drop_hop(p, h);
  }

  void install(const FibRoute& r, Programmed& prog) {
    std::vector<nexthop_grp> members;
    for (const auto& h : r.hops) {
      nexthop_grp g{};
      g.id = put_hop(r.prefix, h);
      g.weight = static_cast<std::uint8_t>(std::clamp<std::uint32_t>(h.weight, 1, 256) - 1);
      members.push_back(g);
    }
    if (prog.group == 0) prog.group = fib_.next_id_++;
    put_group(r.prefix, prog.group, members);
    put_route(r.prefix, RTM_NEWROUTE, prog.group);
    for (const auto& h : prog.route.hops) drop_hop(r.prefix, h);  // the old route's references
    prog.route = r;
  }

  void flush_if_full() {
    if (batch_.size() >= kBatchBytes) flush();
  }

  // One sendmsg per batch. Only its last message asks for an ack: the kernel
  // answers every message that fails anyway (NLMSG_ERROR with the code), in
  // order, before sendmsg returns, so once the last message is answered every
  // failure has been read and the others succeeded. (An ack per message
  // overran the receive buffer with a few hundred routes: the kernel dropped
  // answers, and the wait for them never ended.) If answers were dropped all
  // the same (ENOBUFS: a batch that fails whole), those still queued are read
  // without waiting and the outcome of the rest is unknown: they count as
  // failed and are retried.
  void flush() {
    if (batch_.empty()) return;
    ++batches_;
    batch_.ack_last();
    std::string why;
    bool complete = false;
    if (mnl_socket_sendto(nl_, batch_.data(), batch_.size()) < 0) {
      why = std::string("netlink send: ") + std::strerror(errno);
    } else {
      complete = read_answers(seq_, why);
    }
    if (!complete) {
      if (why.empty()) why = "netlink: answers lost (receive buffer overrun)";
      for (const auto& [s, what] : sent_) fail(what, why);
    }
    sent_.clear();
    batch_.clear();
  }

  std::uint64_t batches() const { return batches_; }
  const std::map<wire::Prefix, std::string>& failed() const { return failed_; }

 private:
  // Reads the kernel's answers up to the one for `last`; false when some were
  // lost or the socket failed (`why`).
  bool read_answers(std::uint32_t last, std::string& why) {
    const int fd = mnl_socket_get_fd(nl_);
    bool lost = false;
    for (;;) {
      const ssize_t n = ::recv(fd, rbuf_.data(), rbuf_.size(), lost ? MSG_DONTWAIT : 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == ENOBUFS && !lost) {
          lost = true;
          continue;
        }
        if (!lost)
          why = errno == EAGAIN ? "netlink: no answer from the kernel"
                                : std::string("netlink receive: ") + std::strerror(errno);
        return false;
      }
      auto len = static_cast<int>(n);
      bool answered = false;
      for (auto* h = reinterpret_cast<const nlmsghdr*>(rbuf_.data()); mnl_nlmsg_ok(h, len);
           h = mnl_nlmsg_next(h, &len)) {
        if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_pid != fib_.portid_) continue;
        if (h->nlmsg_seq == last) answered = true;
        const auto it = sent_.find(h->nlmsg_seq);
        if (it == sent_.end()) continue;
        const auto* e = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h));
        if (e->error != 0) fail(it->second, std::strerror(-e->error));
        sent_.erase(it);
      }
      if (answered) return !lost;
    }
  }

  void fail(const Sent& what, const std::string& why) {
    failed_.emplace(what.prefix, why);
    // A hop object the kernel did not create is created again next time.
    if (what.hop)
      if (auto hop = fib_.hops_.find(*what.hop); hop != fib_.hops_.end()) hop->second.created = false;
  }

  nlmsghdr* put(std::uint16_t type, std::uint16_t flags, const wire::Prefix& p,
                std::optional<std::pair<rib::PeerAddress, std::uint32_t>> hop = std::nullopt) {
    auto* m = batch_.put(type, flags, ++seq_);
    sent_[seq_] = {p, std::move(hop)};
    return m;
  }

  std::uint32_t put_hop(const wire::Prefix& p, const FibHop& h) {
    auto& hop = fib_.hops_[{h.gateway, h.oif}];
    ++hop.refs;
    if (hop.id == 0) hop.id = fib_.next_id_++;
    if (hop.created) return hop.id;
    hop.created = true;  // until an answer says otherwise
    auto* m = put(RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_REPLACE, p, std::make_pair(h.gateway, h.oif));
    auto* nh = static_cast<nhmsg*>(mnl_nlmsg_put_extra_header(m, sizeof(nhmsg)));
    nh->nh_family = static_cast<unsigned char>(family_of(h.gateway.afi));
    nh->nh_protocol = kCatsRouteProtocol;
    mnl_attr_put_u32(m, NHA_ID, hop.id);
    mnl_attr_put(m, NHA_GATEWAY, alen(h.gateway.afi), h.gateway.addr.data());
    mnl_attr_put_u32(m, NHA_OIF, h.oif);
    batch_.done(m);
    return hop.id;
  }

  void drop_hop(const wire::Prefix& p, const FibHop& h) {
    const auto it = fib_.hops_.find({h.gateway, h.oif});
    if (it == fib_.hops_.end() || --it->second.refs > 0) return;
    del_nexthop(p, it->second.id);
    fib_.hops_.erase(it);
  }

  void del_nexthop(const wire::Prefix& p, std::uint32_t id) {
    auto* m = put(RTM_DELNEXTHOP, 0, p);
    auto* nh = static_cast<nhmsg*>(mnl_nlmsg_put_extra_header(m, sizeof(nhmsg)));
    nh->nh_family = AF_UNSPEC;
    mnl_attr_put_u32(m, NHA_ID, id);
    batch_.done(m);
  }

  void put_group(const wire::Prefix& p, std::uint32_t id, const std::vector<nexthop_grp>& members) {
    auto* m = put(RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_REPLACE, p);
    auto* nh = static_cast<nhmsg*>(mnl_nlmsg_put_extra_header(m, sizeof(nhmsg)));
    nh->nh_family = AF_UNSPEC;
    nh->nh_protocol = kCatsRouteProtocol;
    mnl_attr_put_u32(m, NHA_ID, id);
    mnl_attr_put(m, NHA_GROUP, members.size() * sizeof(nexthop_grp), members.data());
    mnl_attr_put_u16(m, NHA_GROUP_TYPE, NEXTHOP_GRP_TYPE_RES);
    auto* res = mnl_attr_nest_start(m, NHA_RES_GROUP);
    mnl_attr_put_u16(m, NHA_RES_GROUP_BUCKETS, fib_.opt_.buckets);
    // clock_t: USER_HZ, 100 per second
    mnl_attr_put_u32(m, NHA_RES_GROUP_IDLE_TIMER, static_cast<std::uint32_t>(fib_.opt_.idle_timer.count() * 100));
    mnl_attr_nest_end(m, res);
    batch_.done(m);
  }

  void put_route(const wire::Prefix& p, std::uint16_t type, std::uint32_t group) {
    auto* m = put(type, type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_REPLACE : 0, p);
    auto* rt = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(m, sizeof(rtmsg)));
    rt->rtm_family = static_cast<unsigned char>(family_of(p.afi));
    rt->rtm_dst_len = p.length;
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = kCatsRouteProtocol;
    rt->rtm_scope = RT_SCOPE_UNIVERSE;
    rt->rtm_type = RTN_UNICAST;
    mnl_attr_put(m, RTA_DST, alen(p.afi), p.addr.data());
    if (type == RTM_NEWROUTE) mnl_attr_put_u32(m, RTA_NH_ID, group);
    batch_.done(m);
  }

  Fib& fib_;
  mnl_socket* nl_;
  Batch batch_;
  std::map<std::uint32_t, Sent> sent_;  // seq -> what for
  std::map<wire::Prefix, std::string> failed_;
  std::uint32_t seq_ = 0;
  std::vector<char> rbuf_;
  std::uint64_t batches_ = 0;
};

void Fib::program(std::vector<FibRoute> routes) {
  Transaction tx(*this);
  std::vector<wire::Prefix> done;
  for (auto& r : routes) {
    auto it = programmed_.find(r.prefix);
    if (r.hops.empty()) {
      if (it != programmed_.end()) {
        tx.remove(r.prefix, it->second);
        programmed_.erase(it);
      }
    } else {
      tx.install(r, it != programmed_.end() ? it->second : programmed_[r.prefix]);
      std::erase_if(adopted_, [&](const auto& a) { return a.second == r.prefix; });
    }
    done.push_back(r.prefix);
    tx.flush_if_full();
  }
  tx.flush();
  record(done, tx.failed(), tx.batches());
}

void Fib::record(const std::vector<wire::Prefix>& done, const std::map<wire::Prefix, std::string>& failed,
                 std::uint64_t batches) {
  std::lock_guard lock(mu_);
  stats_.batches += batches;
  const auto now = std::chrono::system_clock::now();
  for (const auto& p : done) {
    const auto it = entries_.find(p);
    if (it == entries_.end()) continue;
    FibEntry& e = it->second;
    if (pending_.count(p) != 0) continue;  // changed again meanwhile: the next batch decides
    if (const auto f = failed.find(p); f != failed.end()) {
      e.state = FibState::kError;
      e.error = f->second;
      ++e.attempts;
      ++stats_.errors;
      // Back-off: 0.5 s, doubling, at most 30 s.
      const auto delay = std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds{500} * (1u << std::min<std::uint32_t>(e.attempts - 1, 6)),
          std::chrono::seconds{30});
      retries_.emplace(Clock::now() + delay, p);
      // The kernel may hold part of it: the route is re-sent whole next time.
      if (auto prog = programmed_.find(p); prog != programmed_.end() && e.route.hops.empty()) programmed_.erase(prog);
    } else if (e.route.hops.empty()) {
      ++stats_.removed;
      entries_.erase(it);
      continue;
    } else {
      e.state = FibState::kInstalled;
      e.error.clear();
      ++stats_.installed;
      if (auto prog = programmed_.find(p); prog != programmed_.end()) e.group = prog->second.group;
    }
    e.at = now;
  }
}

void Fib::clear_stale() {
  // Routes and next hops of protocol 201 from an earlier run.
  auto* nl = static_cast<mnl_socket*>(nl_);
  std::vector<char> rbuf(MNL_SOCKET_BUFFER_SIZE * 4);
  std::vector<std::pair<std::uint32_t, wire::Prefix>> routes;  // (table, prefix)
  std::vector<std::uint32_t> nexthops;
  auto dump = [&](std::uint16_t type, auto&& on) {
    alignas(nlmsghdr) std::array<std::byte, 256> buf{};
    auto* h = mnl_nlmsg_put_header(buf.data());
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    h->nlmsg_seq = 1;
    if (type == RTM_GETROUTE) {
      auto* rt = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(rtmsg)));
      rt->rtm_family = AF_UNSPEC;
    } else {
      auto* nh = static_cast<nhmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(nhmsg)));
      nh->nh_family = AF_UNSPEC;
    }
    if (mnl_socket_sendto(nl, buf.data(), h->nlmsg_len) < 0) return;
    for (;;) {
      const ssize_t n = mnl_socket_recvfrom(nl, rbuf.data(), rbuf.size());
      if (n <= 0) return;
      auto len = static_cast<int>(n);
      for (auto* m = reinterpret_cast<const nlmsghdr*>(rbuf.data()); mnl_nlmsg_ok(m, len);
           m = mnl_nlmsg_next(m, &len)) {
        if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR) return;
        on(*m);
      }
    }
  };
  dump(RTM_GETROUTE, [&](const nlmsghdr& m) {
    const auto* rt = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(&m));
    if (rt->rtm_protocol != kCatsRouteProtocol) return;
    wire::Prefix p;
    p.afi = rt->rtm_family == AF_INET ? wire::Afi::kIpv4 : wire::Afi::kIpv6;
    p.length = rt->rtm_dst_len;
    std::uint32_t table = rt->rtm_table;
    for (auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(&m, sizeof(rtmsg)));
         mnl_attr_ok(a, static_cast<int>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(&m)) -
                                         reinterpret_cast<const char*>(a)));
         a = mnl_attr_next(a)) {
      if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == alen(p.afi))
        std::memcpy(p.addr.data(), mnl_attr_get_payload(a), alen(p.afi));
      if (mnl_attr_get_type(a) == RTA_TABLE && mnl_attr_get_payload_len(a) == 4) table = mnl_attr_get_u32(a);
    }
    routes.emplace_back(table, p);
  });
  dump(RTM_GETNEXTHOP, [&](const nlmsghdr& m) {
    const auto* nh = static_cast<const nhmsg*>(mnl_nlmsg_get_payload(&m));
    if (nh->nh_protocol != kCatsRouteProtocol) return;
    for (auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(&m, sizeof(nhmsg)));
         mnl_attr_ok(a, static_cast<int>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(&m)) -
                                         reinterpret_cast<const char*>(a)));
         a = mnl_attr_next(a))
      if (mnl_attr_get_type(a) == NHA_ID) nexthops.push_back(mnl_attr_get_u32(a));
  });
  for (auto id : nexthops) next_id_ = std::max(next_id_, id + 1);  // never reuse an id still there
  if (opt_.retain) {
    // Kept forwarding while the sessions come back; swept if not set again.
    adopted_ = routes;
    sweep_at_ = Clock::now() + opt_.stale_after;
    return;
  }
  adopted_ = routes;
  sweep_adopted();
}

void Fib::sweep_adopted() {
  // Routes of an earlier run nobody set again, then every next hop of ours no route uses.
  auto* nl = static_cast<mnl_socket*>(nl_);
  std::set<std::uint32_t> in_use;
  for (const auto& [p, prog] : programmed_) in_use.insert(prog.group);
  for (const auto& [k, h] : hops_) in_use.insert(h.id);
  std::uint32_t seq = 1000;
  alignas(nlmsghdr) std::array<std::byte, 256> buf{};
  std::vector<char> rbuf(MNL_SOCKET_BUFFER_SIZE);
  auto send = [&](nlmsghdr* h) {
    if (mnl_socket_sendto(nl, buf.data(), h->nlmsg_len) < 0) return;
    mnl_socket_recvfrom(nl, rbuf.data(), rbuf.size());  // its ack; an error is not worth more
  };
  for (const auto& [table, p] : adopted_) {
    auto* h = mnl_nlmsg_put_header(buf.data());
    h->nlmsg_type = RTM_DELROUTE;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = ++seq;
    auto* rt = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(rtmsg)));
    rt->rtm_family = static_cast<unsigned char>(family_of(p.afi));
    rt->rtm_dst_len = p.length;
    rt->rtm_table = static_cast<unsigned char>(table < 256 ? table : 0u);  // 0: RTA_TABLE says
    rt->rtm_protocol = kCatsRouteProtocol;
    mnl_attr_put(h, RTA_DST, alen(p.afi), p.addr.data());
    if (table >= 256) mnl_attr_put_u32(h, RTA_TABLE, table);
    send(h);
  }
  adopted_.clear();
  // Groups before their members: a dump lists groups too; delete what is not ours now, twice over.
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<std::uint32_t> ids;
    alignas(nlmsghdr) std::array<std::byte, 256> q{};
    auto* h = mnl_nlmsg_put_header(q.data());
    h->nlmsg_type = RTM_GETNEXTHOP;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    h->nlmsg_seq = ++seq;
    static_cast<nhmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(nhmsg)))->nh_family = AF_UNSPEC;
    if (mnl_socket_sendto(nl, q.data(), h->nlmsg_len) < 0) return;
    std::vector<char> dbuf(MNL_SOCKET_BUFFER_SIZE * 4);
    bool more = true;
    while (more) {
      const ssize_t n = mnl_socket_recvfrom(nl, dbuf.data(), dbuf.size());
      if (n <= 0) break;
      auto len = static_cast<int>(n);
      for (auto* m = reinterpret_cast<const nlmsghdr*>(dbuf.data()); mnl_nlmsg_ok(m, len);
           m = mnl_nlmsg_next(m, &len)) {
        if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR) {
          more = false;
          break;
        }
        const auto* nh = static_cast<const nhmsg*>(mnl_nlmsg_get_payload(m));
        if (nh->nh_protocol != kCatsRouteProtocol) continue;
        bool group = false;
        std::uint32_t id = 0;
        for (auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(m, sizeof(nhmsg)));
             mnl_attr_ok(a, static_cast<int>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(m)) -
                                             reinterpret_cast<const char*>(a)));
             a = mnl_attr_next(a)) {
          if (mnl_attr_get_type(a) == NHA_ID) id = mnl_attr_get_u32(a);
          if (mnl_attr_get_type(a) == NHA_GROUP) group = true;
        }
        if (id != 0 && in_use.count(id) == 0 && (group || pass == 1)) ids.push_back(id);
      }
    }
    for (auto id : ids) {
      auto* d = mnl_nlmsg_put_header(buf.data());
      d->nlmsg_type = RTM_DELNEXTHOP;
      d->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
      d->nlmsg_seq = ++seq;
      static_cast<nhmsg*>(mnl_nlmsg_put_extra_header(d, sizeof(nhmsg)))->nh_family = AF_UNSPEC;
      mnl_attr_put_u32(d, NHA_ID, id);
      send(d);
    }
  }
}

}  // namespace cats::netlink
