#!/usr/bin/python3
"""A minimal BMP station (RFC 7854), Python standard library only, for the interop lab.

    /usr/bin/python3 bmp_collector.py ADDRESS PORT OUT.jsonl

Listens on ADDRESS:PORT (inside a lab namespace), accepts any number of BMP sessions and
writes one JSON object per BMP message to OUT.jsonl (line-buffered), e.g.

    {"type": "initiation", "tlvs": {"sysName": "frr-x", "sysDescr": "FRRouting/8.4.4"}}
    {"type": "peer_up", "peer": "10.77.0.1", "peer_as": 4200000001, "post_policy": false, ...}
    {"type": "route_monitoring", "peer": "10.77.0.1", "post_policy": true, "nlri": ["203.0.113.10/32"],
     "attrs": {"255": {"flags": 192, "hex": "01..."}}, ...}

Parsed: the common header (version 3, length, type), the per-peer header (peer type, flags
V/L/A, distinguisher, address, AS, BGP ID, timestamp), Route Monitoring (the BGP UPDATE:
withdrawn routes, path attributes with flags and raw bytes, AS_PATH, NEXT_HOP, MP_REACH /
MP_UNREACH NLRI, IPv4 NLRI), Peer Up (local address and ports, the two OPENs' ASes),
Peer Down (reason), Initiation and Termination (TLVs), Statistics (counters). Anything
else is logged with its type and length. ADD-PATH NLRI are not decoded.
"""
import ipaddress
import json
import os
import socket
import struct
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from labkit import bgp  # noqa: E402

MSG_TYPES = {0: "route_monitoring", 1: "statistics", 2: "peer_down", 3: "peer_up", 4: "initiation",
             5: "termination", 6: "route_mirroring"}
INFO_TLVS = {0: "string", 1: "sysDescr", 2: "sysName"}


def prefixes(data, afi_len):
    """NLRI list (length-prefixed) -> ['a.b.c.d/len', ...]; afi_len 4 or 16."""
    out, off = [], 0
    while off < len(data):
        plen = data[off]
        nbytes = (plen + 7) // 8
        raw = data[off + 1:off + 1 + nbytes] + bytes(afi_len - nbytes)
        addr = ipaddress.ip_address(raw[:afi_len])
        out.append(f"{addr}/{plen}")
        off += 1 + nbytes
    return out


def parse_update(pdu, as2=False):
    """A BGP UPDATE with its 19-octet header -> dict (withdrawn, attrs {type: {flags, hex}}, nlri, mp_*)."""
    if len(pdu) < 23 or pdu[18] != 2:
        return {"bgp_type": pdu[18] if len(pdu) > 18 else None}
    withdrawn, attrs, nlri = bgp.update_parts(pdu[19:])
    out = {"withdrawn": prefixes(withdrawn, 4), "attrs": {}}
    for flags, typ, val in bgp.attributes(attrs):
        ln = len(val)
        out["attrs"][str(typ)] = {"flags": flags, "hex": val.hex()}
        if typ == 2:
            out["as_path"] = as_path(val, 2 if as2 else 4)
        elif typ == 3 and ln == 4:
            out["next_hop"] = str(ipaddress.IPv4Address(val))
        elif typ == 14 and ln >= 5:
            afi, safi, nhl = struct.unpack("!HBB", val[:4])
            alen = 16 if afi == 2 else 4
            nh = val[4:4 + nhl]
            out["mp_reach"] = {"afi": afi, "safi": safi,
                               "next_hop": [str(ipaddress.ip_address(nh[i:i + alen]))
                                            for i in range(0, len(nh) - alen + 1, alen)],
                               "nlri": prefixes(val[5 + nhl:], alen)}
        elif typ == 15 and ln >= 3:
            afi, safi = struct.unpack("!HB", val[:3])
            out["mp_unreach"] = {"afi": afi, "safi": safi, "withdrawn": prefixes(val[3:], 16 if afi == 2 else 4)}
    out["nlri"] = prefixes(nlri, 4)
    return out


def as_path(val, width):
    segs, off = [], 0
    while off + 2 <= len(val):
        st, n = val[off], val[off + 1]
        off += 2
        asns = [int.from_bytes(val[off + i * width:off + (i + 1) * width], "big") for i in range(n)]
        off += n * width
        segs.append({"type": st, "asns": asns})
    return segs


def per_peer(h):
    """The 42-octet per-peer header -> dict."""
    ptype, flags = h[0], h[1]
    v6 = bool(flags & 0x80)
    addr = ipaddress.IPv6Address(h[10:26]) if v6 else ipaddress.IPv4Address(h[22:26])
    asn, bgp_id, sec, usec = struct.unpack("!I4sII", h[26:42])
    return {"peer_type": ptype, "peer_flags": flags, "ipv6": v6, "post_policy": bool(flags & 0x40),
            "as2": bool(flags & 0x20), "distinguisher": h[2:10].hex(), "peer": str(addr), "peer_as": asn,
            "peer_bgp_id": str(ipaddress.IPv4Address(bgp_id)), "timestamp": sec + usec / 1e6}


def tlvs(data, names):
    out, off = {}, 0
    while off + 4 <= len(data):
        t, ln = struct.unpack("!HH", data[off:off + 4])
        v = data[off + 4:off + 4 + ln]
        out[names.get(t, str(t))] = v.decode(errors="replace") if t in names else v.hex()
        off += 4 + ln
    return out


def open_as(pdu):
    """My AS of a BGP OPEN (with header), the 4-octet AS capability if present."""
    if len(pdu) < 29 or pdu[18] != 1:
        return None
    my_as = int.from_bytes(pdu[20:22], "big")
    off, end = 29, 29 + pdu[28]
    while off + 2 <= end:
        pt, pl = pdu[off], pdu[off + 1]
        if pt == 2:
            c = off + 2
            while c + 2 <= off + 2 + pl:
                code, cl = pdu[c], pdu[c + 1]
                if code == 65 and cl == 4:
                    return int.from_bytes(pdu[c + 2:c + 6], "big")
                c += 2 + cl
        off += 2 + pl
    return my_as


def parse_message(mtype, body):
    """One BMP message body (after the 6-octet common header) -> dict."""
    m = {"type": MSG_TYPES.get(mtype, f"type_{mtype}"), "length": len(body) + 6}
    if mtype in (0, 1, 2, 3, 6):
        m.update(per_peer(body[:42]))
        rest = body[42:]
        if mtype == 0:
            m.update(parse_update(rest, m["as2"]))
            m["raw"] = rest.hex()
        elif mtype == 3:
            m["local_address"] = str(ipaddress.ip_address(rest[0:16]) if m["ipv6"]
                                     else ipaddress.IPv4Address(rest[12:16]))
            m["local_port"], m["remote_port"] = struct.unpack("!HH", rest[16:20])
            sent_len = int.from_bytes(rest[20 + 16:20 + 18], "big")
            sent = rest[20:20 + sent_len]
            recv_len = int.from_bytes(rest[20 + sent_len + 16:20 + sent_len + 18], "big")
            recv = rest[20 + sent_len:20 + sent_len + recv_len]
            m["sent_open_as"], m["received_open_as"] = open_as(sent), open_as(recv)
        elif mtype == 2:
            m["reason"] = rest[0] if rest else None
        elif mtype == 1:
            (count,) = struct.unpack("!I", rest[:4]) if len(rest) >= 4 else (0,)
            m["stats_count"] = count
    elif mtype in (4, 5):
        m["tlvs"] = tlvs(body, INFO_TLVS if mtype == 4 else {0: "string", 1: "reason"})
    return m


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve_conn(conn, peer, out, lock):
    with conn:
        while True:
            hdr = recv_exact(conn, 6)
            if hdr is None:
                break
            version, length, mtype = struct.unpack("!BIB", hdr)
            body = recv_exact(conn, length - 6)
            if body is None:
                break
            try:
                m = parse_message(mtype, body) if version == 3 else {"type": "bad_version", "version": version}
            except Exception as e:  # keep the station running; record what failed
                m = {"type": "parse_error", "bmp_type": mtype, "error": repr(e), "body": body.hex()}
            m["station_peer"] = peer
            with lock:
                out.write(json.dumps(m) + "\n")
    with lock:
        out.write(json.dumps({"type": "closed", "station_peer": peer}) + "\n")


def main():
    addr, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    out = open(path, "a", buffering=1)
    lock = threading.Lock()
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(8)
    out.write(json.dumps({"type": "listening", "address": addr, "port": port}) + "\n")
    while True:
        conn, peer = srv.accept()
        with lock:
            out.write(json.dumps({"type": "connected", "station_peer": peer[0]}) + "\n")
        threading.Thread(target=serve_conn, args=(conn, peer[0], out, lock), daemon=True).start()


if __name__ == "__main__":
    main()
