#!/usr/bin/python3
"""The kernel side of the FIB benchmarks: run inside the router's network namespace, it prints one JSON line per event,
each with a CLOCK_MONOTONIC time `t` (the clock is the same in every namespace).

    nlwatch.py --watch 203.0.113.20/32 [--capture s1 --capture s2]
        {"e": "ready"}                                             after the initial dump
        {"e": "rt", "t": T, "p": PREFIX, "via": [GATEWAY, ...]}    the kernel now forwards PREFIX through these
                                                                   gateways (a route, or its next-hop object or
                                                                   group, changed); [] = no route
        {"e": "up", "t": T, "src": ADDR, "if": IFACE, "n": N}      N BGP UPDATEs arrived from ADDR (T: the kernel's
                                                                   receive timestamp of the packet)

    nlwatch.py --count 201 --expect 100000
        {"e": "ready"}
        {"e": "first", "t": T}                                     first RTM_NEWROUTE of that protocol
        {"e": "full", "t": T, "n": N}                              N distinct prefixes of the protocol installed
                                                                   (T: when the last one was read)
        {"e": "empty", "t": T, "n": N}                             after "full": all of them deleted again
        {"e": "overrun", "t": T}                                   the socket overflowed (counts are incomplete)
        {"e": "progress", "t": T, "n": N, "dels": D}               every --progress seconds

Routes are RTM_NEWROUTE/RTM_DELROUTE notifications (RTNLGRP_IPV4_ROUTE); next-hop objects and groups RTM_NEWNEXTHOP/
RTM_DELNEXTHOP (RTNLGRP_NEXTHOP). The notification socket's receive buffer is forced large (SO_RCVBUFFORCE), so a
burst of 100,000 routes does not overrun it. Times of netlink events are taken when this process reads them; it
should run on a CPU of its own. Standard library only; needs CAP_NET_ADMIN and CAP_NET_RAW.
"""
import argparse
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

NETLINK_ROUTE, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 0, 270, 1
SO_RCVBUFFORCE, SO_TIMESTAMPNS = 33, 35
RTNLGRP_IPV4_ROUTE, RTNLGRP_NEXTHOP = 7, 32
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 24, 25, 26
RTM_NEWNEXTHOP, RTM_DELNEXTHOP, RTM_GETNEXTHOP = 104, 105, 106
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_MULTIPATH, RTA_TABLE, RTA_NH_ID = 1, 4, 5, 9, 15, 30
NHA_ID, NHA_GROUP, NHA_GATEWAY = 1, 2, 6
RT_TABLE_MAIN = 254
ETH_P_ALL, PACKET_OUTGOING = 0x0003, 4

NLH = struct.Struct("=IHHII")     # nlmsghdr
RTM = struct.Struct("=BBBBBBBBI")  # rtmsg
NHM = struct.Struct("=BBBBI")     # nhmsg
RTA = struct.Struct("=HH")        # rtattr / nlattr
GRP = struct.Struct("=IBBH")      # nexthop_grp


def emit(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


def attrs(buf, off, end):
    """(type, payload offset, payload length) of each attribute in buf[off:end]."""
    while off + 4 <= end:
        ln, typ = RTA.unpack_from(buf, off)
        if ln < 4:
            return
        yield typ & 0x3fff, off + 4, ln - 4
        off += (ln + 3) & ~3


def messages(buf, n):
    off = 0
    while off + 16 <= n:
        ln, typ, flags, seq, pid = NLH.unpack_from(buf, off)
        if ln < 16:
            return
        yield typ, off, min(off + ln, n)
        off += (ln + 3) & ~3


def nl_socket(groups=(), rcvbuf=None):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)
    s.bind((0, 0))
    for g in groups:
        s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g)
    return s


def dump(handle, typ, body):
    """Sends a dump request (typ, body) and feeds every reply message to handle(type, buf, off, end)."""
    s = nl_socket()
    s.send(NLH.pack(16 + len(body), typ, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + body)
    buf = bytearray(1 << 20)
    while True:
        n = s.recv_into(buf)
        for t, off, end in messages(buf, n):
            if t in (NLMSG_DONE, NLMSG_ERROR):
                s.close()
                return
            handle(t, buf, off, end)


def prefix_of(buf, off, end):
    """(prefix text, table, protocol, attributes dict) of an IPv4 route message."""
    family, dst_len, _, _, table, proto, _, _, _ = RTM.unpack_from(buf, off + 16)
    if family != socket.AF_INET:
        return None
    a = {}
    for typ, po, pl in attrs(buf, off + 16 + RTM.size, end):
        a[typ] = (po, pl)
    dst = bytes(buf[a[RTA_DST][0]:a[RTA_DST][0] + 4]) if RTA_DST in a else b"\0\0\0\0"
    if RTA_TABLE in a:
        table = struct.unpack_from("=I", buf, a[RTA_TABLE][0])[0]
    return f"{socket.inet_ntoa(dst)}/{dst_len}", table, proto, a


# ---- --watch: the forwarding of some prefixes, and the UPDATEs that arrive ----------------------------------

class Watch:
    def __init__(self, prefixes):
        self.prefixes = set(prefixes)
        self.routes = {}    # prefix: ("nh", id) | ("gw", [gateways])
        self.nexthops = {}  # id: ("gw", gateway) | ("grp", [(id, weight)])
        self.last = {}      # prefix: the last "via" printed

    def on_msg(self, t, buf, off, end):
        if t in (RTM_NEWROUTE, RTM_DELROUTE):
            r = prefix_of(buf, off, end)
            if r is None or r[0] not in self.prefixes or r[1] != RT_TABLE_MAIN:
                return False
            p, _, _, a = r
            if t == RTM_DELROUTE:
                self.routes.pop(p, None)
            elif RTA_NH_ID in a:
                self.routes[p] = ("nh", struct.unpack_from("=I", buf, a[RTA_NH_ID][0])[0])
            else:
                gws = []
                if RTA_GATEWAY in a:
                    gws.append(socket.inet_ntoa(bytes(buf[a[RTA_GATEWAY][0]:a[RTA_GATEWAY][0] + 4])))
                if RTA_MULTIPATH in a:
                    po, pl = a[RTA_MULTIPATH]
                    o = po
                    while o + 8 <= po + pl:
                        rtnh_len = struct.unpack_from("=H", buf, o)[0]
                        if rtnh_len < 8:
                            break
                        for typ, ao, al in attrs(buf, o + 8, o + rtnh_len):
                            if typ == RTA_GATEWAY and al == 4:
                                gws.append(socket.inet_ntoa(bytes(buf[ao:ao + 4])))
                        o += (rtnh_len + 3) & ~3
                self.routes[p] = ("gw", sorted(gws) or ["direct"])
            return True
        if t in (RTM_NEWNEXTHOP, RTM_DELNEXTHOP):
            a = {typ: (po, pl) for typ, po, pl in attrs(buf, off + 16 + NHM.size, end)}
            if NHA_ID not in a:
                return False
            nid = struct.unpack_from("=I", buf, a[NHA_ID][0])[0]
            if t == RTM_DELNEXTHOP:
                self.nexthops.pop(nid, None)
            elif NHA_GROUP in a:
                po, pl = a[NHA_GROUP]
                self.nexthops[nid] = ("grp", [GRP.unpack_from(buf, po + i)[:2] for i in range(0, pl, GRP.size)])
            elif NHA_GATEWAY in a and a[NHA_GATEWAY][1] == 4:
                self.nexthops[nid] = ("gw", socket.inet_ntoa(bytes(buf[a[NHA_GATEWAY][0]:a[NHA_GATEWAY][0] + 4])))
            else:
                self.nexthops[nid] = ("gw", "direct")
            return True
        return False

    def via(self, p):
        r = self.routes.get(p)
        if r is None:
            return []
        if r[0] == "gw":
            return r[1]
        n = self.nexthops.get(r[1])
        if n is None:
            return ["?"]
        if n[0] == "gw":
            return [n[1]]
        out = []
        for mid, _w in n[1]:
            m = self.nexthops.get(mid)
            out.append(m[1] if m and m[0] == "gw" else "?")
        return sorted(out)

    def report(self, t):
        for p in sorted(self.prefixes):
            v = self.via(p)
            if self.last.get(p) != v:
                self.last[p] = v
                if t is not None:
                    emit(e="rt", t=t, p=p, via=v)


def bgp_updates(frame):
    """(source address, number of UPDATEs) of an Ethernet frame carrying BGP over TCP/IPv4, else None."""
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0f) * 4
    if ip[9] != 6 or len(ip) < ihl + 20:
        return None
    tcp = ip[ihl:]
    if 179 not in struct.unpack_from("!HH", tcp, 0):
        return None
    data = tcp[(tcp[12] >> 4) * 4:]
    n, off = 0, 0
    while off + 19 <= len(data) and data[off:off + 16] == b"\xff" * 16:
        ln = struct.unpack_from("!H", data, off + 16)[0]
        if data[off + 18] == 2:
            n += 1
        if ln < 19:
            break
        off += ln
    return socket.inet_ntoa(ip[12:16]), n


def run_watch(args):
    w = Watch(args.watch)
    ev = nl_socket((RTNLGRP_IPV4_ROUTE, RTNLGRP_NEXTHOP), args.rcvbuf)
    # Subscribed first, then the dumps: nothing falls between them.
    dump(w.on_msg, RTM_GETNEXTHOP, NHM.pack(socket.AF_UNSPEC, 0, 0, 0, 0))
    dump(w.on_msg, RTM_GETROUTE, RTM.pack(socket.AF_INET, 0, 0, 0, 0, 0, 0, 0, 0))
    caps = {}
    for ifname in args.capture:
        c = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        c.bind((ifname, ETH_P_ALL))
        c.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        caps[c.fileno()] = (c, ifname)
    w.report(None)
    emit(e="ready", via={p: w.via(p) for p in sorted(w.prefixes)})
    buf = bytearray(1 << 20)
    fds = [ev.fileno()] + list(caps)
    while True:
        ready, _, _ = select.select(fds, [], [])
        # Packets first: when both are ready (this process was late), the UPDATE came before the route change.
        for fd in sorted(ready, key=lambda fd: fd == ev.fileno()):
            if fd == ev.fileno():
                try:
                    n = ev.recv_into(buf)
                except OSError as e:
                    emit(e="overrun", t=time.monotonic(), err=str(e))
                    continue
                t = time.monotonic()
                changed = False
                for typ, off, end in messages(buf, n):
                    changed |= w.on_msg(typ, buf, off, end)
                if changed:
                    w.report(t)
            else:
                c, ifname = caps[fd]
                data, anc, _flags, addr = c.recvmsg(65536, 64)
                if addr[2] == PACKET_OUTGOING:
                    continue
                got = bgp_updates(data)
                if not got or not got[1]:
                    continue
                ts = None
                for level, typ, val in anc:
                    if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                        sec, nsec = struct.unpack("=qq", val[:16])
                        # The kernel stamps CLOCK_REALTIME: brought to CLOCK_MONOTONIC by the current offset.
                        off = time.clock_gettime(time.CLOCK_REALTIME) - time.monotonic()
                        ts = sec + nsec / 1e9 - off
                emit(e="up", t=ts if ts is not None else time.monotonic(), src=got[0], n=got[1], ifname=ifname)


# ---- --count: how fast routes of one protocol go in (and out) ----------------------------------------------

def dst_key(buf, off, end):
    """(RTA_DST octets, prefix length) of a route message."""
    for atyp, po, pl in attrs(buf, off + 16 + RTM.size, end):
        if atyp == RTA_DST:
            return bytes(buf[po:po + pl]), buf[off + 17]
    return b"", buf[off + 17]


def run_count(args):
    ev = nl_socket((RTNLGRP_IPV4_ROUTE,), args.rcvbuf)
    present = set()

    def initial(t, buf, off, end):
        if t == RTM_NEWROUTE and RTM.unpack_from(buf, off + 16)[5] == args.count:
            present.add(dst_key(buf, off, end))
    dump(initial, RTM_GETROUTE, RTM.pack(socket.AF_INET, 0, 0, 0, 0, 0, 0, 0, 0))
    emit(e="ready", n=len(present))
    buf = bytearray(1 << 16)
    first, full, dels, last_t = None, False, 0, None
    next_progress = time.monotonic() + args.progress
    proto = args.count
    unpack_nlh, unpack_rtm = NLH.unpack_from, RTM.unpack_from
    ev.settimeout(args.progress)
    while True:
        try:
            n = ev.recv_into(buf)
        except socket.timeout:
            n = 0
        except OSError as e:
            emit(e="overrun", t=time.monotonic(), err=str(e))
            continue
        t = time.monotonic()
        off = 0
        while off + 28 <= n:
            ln, typ = unpack_nlh(buf, off)[:2]
            if typ in (RTM_NEWROUTE, RTM_DELROUTE) and unpack_rtm(buf, off + 16)[5] == proto:
                key = dst_key(buf, off, off + ln)
                if typ == RTM_NEWROUTE:
                    if first is None:
                        first = t
                        emit(e="first", t=t)
                    present.add(key)
                else:
                    present.discard(key)
                    dels += 1
                last_t = t
            off += (ln + 3) & ~3
        if not full and len(present) >= args.expect:
            full = True
            emit(e="full", t=last_t, n=len(present))
        elif full and not present:
            emit(e="empty", t=last_t, n=dels)
            full = False
        if t >= next_progress:
            emit(e="progress", t=t, n=len(present), dels=dels)
            next_progress = t + args.progress


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--watch", action="append", default=[], help="an IPv4 prefix whose forwarding to follow")
    ap.add_argument("--capture", action="append", default=[], help="an interface on which to see BGP UPDATEs")
    ap.add_argument("--count", type=int, help="count the routes of this protocol number")
    ap.add_argument("--expect", type=int, default=0, help="with --count: how many make the table full")
    ap.add_argument("--progress", type=float, default=1.0)
    ap.add_argument("--rcvbuf", type=int, default=512 << 20, help="SO_RCVBUFFORCE of the notification socket")
    args = ap.parse_args()
    for p in args.watch:
        ipaddress.ip_network(p)
    try:
        if args.count is not None:
            run_count(args)
        else:
            run_watch(args)
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
