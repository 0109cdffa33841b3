#include "rib-adapter/netlink/route_monitor.hpp"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace cats::netlink {

RouteMonitor::RouteMonitor(const boost::asio::any_io_executor& ex, Handler h)
    : h_(std::move(h)), events_(ex), dumper_(ex) {}

std::optional<std::string> RouteMonitor::start() {
  const unsigned groups[] = {RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE};
  if (auto err = events_.open(groups)) return err;
  // catsd's own FIB routes never resolve a next hop, and there may be as many
  // of them as service prefixes: the kernel does not even send them here.
  if (auto err = events_.drop_route_protocol(kCatsRouteProtocol)) return err;
  if (auto err = dumper_.open()) return err;
  events_.start([this](const nlmsghdr& m) { on_event(m); },
                [this](int err) {
                  // Lost notifications: the table is read again.
                  if (h_.error) h_.error(std::string("route notifications: ") + std::strerror(err) + ", reading again");
                  if (!dumping_) dump(AF_INET);
                });
  dumper_.start([this](const nlmsghdr& m) { on_dump(m); },
                [this](int err) {
                  if (h_.error) h_.error(std::string("route dump: ") + std::strerror(err));
                });
  dump(AF_INET);
  return std::nullopt;
}

void RouteMonitor::dump(int family) {
  if (family == AF_INET) {
    dumping_ = true;
    dumped_.clear();
    ++resyncs_;
  }
  dump_family_ = family;
  alignas(nlmsghdr) std::array<std::byte, 256> buf{};
  auto* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = dump_seq_ = dumper_.next_seq();
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = static_cast<unsigned char>(family);
  if (auto err = dumper_.send({buf.data(), nlh->nlmsg_len})) {
    dumping_ = false;
    if (h_.error) h_.error(*err);
  }
}

namespace {

rib::PeerAddress address(wire::Afi afi, const void* bytes) {
  rib::PeerAddress a;
  a.afi = afi;
  std::memcpy(a.addr.data(), bytes, afi == wire::Afi::kIpv4 ? 4 : 16);
  return a;
}

}  // namespace

std::optional<rib::KernelRoute> RouteMonitor::parse(const nlmsghdr& h) {
  if (h.nlmsg_type != RTM_NEWROUTE && h.nlmsg_type != RTM_DELROUTE) return std::nullopt;
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(&h));
  if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) return std::nullopt;
  switch (rtm->rtm_type) {
    case RTN_UNICAST:
    case RTN_LOCAL:
    case RTN_BLACKHOLE:
    case RTN_UNREACHABLE:
    case RTN_PROHIBIT: break;
    default: return std::nullopt;  // broadcast, multicast, anycast, throw, nat
  }
  if (rtm->rtm_protocol == kCatsRouteProtocol) return std::nullopt;  // ours (in a dump)
  rib::KernelRoute r;
  r.prefix.afi = rtm->rtm_family == AF_INET ? wire::Afi::kIpv4 : wire::Afi::kIpv6;
  r.length = rtm->rtm_dst_len;
  r.table = rtm->rtm_table;
  r.protocol = rtm->rtm_protocol;
  r.usable = rtm->rtm_type == RTN_UNICAST || rtm->rtm_type == RTN_LOCAL;
  if ((rtm->rtm_flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN)) != 0) r.usable = false;
  const std::size_t alen = rtm->rtm_family == AF_INET ? 4 : 16;
  // mnl_attr_for_each spelled out: its void* does not convert implicitly in C++.
  for (auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(&h, sizeof(rtmsg)));
       mnl_attr_ok(attr, static_cast<int>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(&h)) -
                                          reinterpret_cast<const char*>(attr)));
       attr = mnl_attr_next(attr)) {
    switch (mnl_attr_get_type(attr)) {
      case RTA_DST:
        if (mnl_attr_get_payload_len(attr) == alen) std::memcpy(r.prefix.addr.data(), mnl_attr_get_payload(attr), alen);
        break;
      case RTA_PRIORITY:
        if (mnl_attr_get_payload_len(attr) == 4) r.metric = mnl_attr_get_u32(attr);
        break;
      case RTA_TABLE:
        if (mnl_attr_get_payload_len(attr) == 4) r.table = mnl_attr_get_u32(attr);
        break;
      case RTA_GATEWAY:
        if (mnl_attr_get_payload_len(attr) == alen) r.gateway = address(r.prefix.afi, mnl_attr_get_payload(attr));
        break;
      case RTA_OIF:
        if (mnl_attr_get_payload_len(attr) == 4) r.oif = mnl_attr_get_u32(attr);
        break;
      case RTA_MULTIPATH: {
        // The first hop of a multipath route stands for it.
        if (mnl_attr_get_payload_len(attr) < sizeof(rtnexthop)) break;
        const auto* nh = static_cast<const rtnexthop*>(mnl_attr_get_payload(attr));
        if (nh->rtnh_len < sizeof(rtnexthop)) break;
        if (r.oif == 0) r.oif = static_cast<std::uint32_t>(nh->rtnh_ifindex);
        int left = nh->rtnh_len - static_cast<int>(RTNH_LENGTH(0));
        for (auto* a = reinterpret_cast<const nlattr*>(reinterpret_cast<const char*>(nh) + RTNH_LENGTH(0));
             mnl_attr_ok(a, left); a = mnl_attr_next(a)) {
          left -= static_cast<int>(MNL_ALIGN(a->nla_len));
          if (mnl_attr_get_type(a) == RTA_GATEWAY && mnl_attr_get_payload_len(a) == alen && !r.gateway)
            r.gateway = address(r.prefix.afi, mnl_attr_get_payload(a));
        }
        break;
      }
      default: break;
    }
  }
  if (r.table != RT_TABLE_MAIN && r.table != RT_TABLE_LOCAL) return std::nullopt;
  return r;
}

void RouteMonitor::on_dump(const nlmsghdr& h) {
  if (h.nlmsg_seq != dump_seq_) return;
  if (h.nlmsg_type == NLMSG_ERROR || h.nlmsg_type == NLMSG_DONE) {
    if (h.nlmsg_type == NLMSG_ERROR) {
      const auto* e = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(&h));
      if (e->error != 0 && h_.error) h_.error(std::string("route dump: ") + std::strerror(-e->error));
    }
    if (dump_family_ == AF_INET) return dump(AF_INET6);
    dumping_ = false;
    if (h_.dump) h_.dump(std::move(dumped_));
    dumped_.clear();
    // What changed while the dump ran, in order, after it.
    auto held = std::move(held_);
    held_.clear();
    for (const auto& [added, r] : held) (added ? h_.added : h_.removed)(r);
    return;
  }
  if (auto r = parse(h)) dumped_.push_back(*r);
}

void RouteMonitor::on_event(const nlmsghdr& h) {
  auto r = parse(h);
  if (!r) return;
  const bool added = h.nlmsg_type == RTM_NEWROUTE;
  if (dumping_) {
    held_.emplace_back(added, *r);
    return;
  }
  if (added) {
    if (h_.added) h_.added(*r);
  } else if (h_.removed) {
    h_.removed(*r);
  }
}

}  // namespace cats::netlink
