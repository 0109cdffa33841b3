"""Interop lab plugin: coverage scenarios (BMP, unsupported capability, active/passive, IPv6 via RRs).

lab.py's load_plugins() imports this module and calls register(lab), which adds the
scenarios to lab.SCENARIOS. Every scenario runs real daemons in the lab's namespaces and
asserts through their own CLIs, the pcap, `ss` or (cats_seen_by_frr_bmp) a BMP station.
"""
import glob
import json
import os
import shutil
import time

from labkit import bgp, bird, exabgp, frr, gobgp, openbgpd
from labkit.check import Failure, check, wait_for
from labkit.bird import Bird
from labkit.exabgp import ExaBGP
from labkit.frr import FRR
from labkit.gobgp import GoBGP
from labkit.openbgpd import OpenBGPD
from labkit.proc import run

L = None   # the lab module (lab.py), set by register()
HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- cats_seen_by_frr_bmp

BMP_HOST, BMP_PORT = 30, 11019
BMP_MODULE = ("/usr/lib/frr/modules/bgpd_bmp.so", "/usr/lib/*/frr/modules/bgpd_bmp.so")


def bmp_module():
    for pattern in BMP_MODULE:
        hits = glob.glob(pattern)
        if hits:
            return hits[0]
    return None


class BmpStation:
    """bmp_collector.py in its own lab namespace; messages() reads the JSON lines it wrote."""

    def __init__(self, lab, node):
        self.node, self.out = node, os.path.join(node.dir, "bmp.jsonl")
        self.proc = node.procs.spawn("bmp-collector", [L.SYSPY, os.path.join(HERE, "bmp_collector.py"), node.v4,
                                                       str(BMP_PORT), self.out], os.path.join(node.dir, "bmp.log"),
                                     ns=node.ns)
        wait_for("BMP station listening", lambda: any(m["type"] == "listening" for m in self.messages()), 10, 0.05)

    def messages(self):
        if not os.path.exists(self.out):
            return []
        with open(self.out) as f:
            return [json.loads(line) for line in f if line.endswith("\n")]


def frr_bmp_conf(station):
    def conf(p, c):
        s = L.frr_sessions_conf(p, c)
        # soft-reconfiguration keeps the Adj-RIB-In, which FRR needs to send pre-policy Route Monitoring.
        s = s.replace("  no neighbor", f"  neighbor {c.v4} soft-reconfiguration inbound\n  no neighbor", 1)
        return s + (f" bmp targets lab\n  bmp connect {station.node.v4} port {BMP_PORT} min-retry 100 max-retry 1000\n"
                    "  bmp monitor ipv4 unicast pre-policy\n  bmp monitor ipv4 unicast post-policy\n"
                    "  bmp monitor ipv6 unicast post-policy\n exit\n")
    return conf


def wire_cats_flags(lab, src):
    """Flags of the CATS attribute in the UPDATEs src sent (tshark on the LAN pcap); [] without tshark."""
    if not shutil.which("tshark"):
        return []
    r = lab.tshark("-Y", f"ip.src == {src} && bgp.update.path_attribute.type_code == {L.CATS_TYPE}", "-T", "fields",
                   "-E", "occurrence=a", "-E", "aggregator=,", "-e", "bgp.update.path_attribute.type_code",
                   "-e", "bgp.update.path_attribute.flags")
    out = set()
    for line in r.stdout.splitlines():
        types, flags = (line.split("\t") + [""])[:2]
        for t, f in zip(types.split(","), flags.split(",")):
            if t == str(L.CATS_TYPE):
                out.add(f"0x{int(f, 0):02x}")
    return sorted(out)


def cats_seen_by_frr_bmp(lab):
    """catsd -> FRR (bgpd -M bmp) -> BMP station: Route Monitoring for the service prefix carries catsd's CATS bytes."""
    if not bmp_module():
        raise Failure(f"FRR's BMP module not found ({', '.join(BMP_MODULE)})")
    station = BmpStation(lab, lab.node("bmp", BMP_HOST))
    c, peer, cn, pn = L.sessions(lab, "frr", conf=frr_bmp_conf(station), make_peer=lambda n: FRR(n, modules=["bmp"]))
    raw = c.local_cats(L.SVC4).lower()
    ms = station.messages()
    init = [m for m in ms if m["type"] == "initiation"]
    check_init = init and "frr" in json.dumps(init[0].get("tlvs", {})).lower()
    check(check_init, f"BMP Initiation from FRR: {init[0].get('tlvs') if init else None}")
    up = wait_for(f"BMP Peer Up for catsd {cn.v4}", lambda: [m for m in station.messages()
                                                             if m["type"] == "peer_up" and m["peer"] == cn.v4], 10)
    check(up[0]["peer_as"] == L.CATSD_AS and up[0]["received_open_as"] == L.CATSD_AS,
          f"Peer Up: peer AS {up[0]['peer_as']}, catsd's OPEN names AS {up[0]['received_open_as']}")

    def monitored():
        return [m for m in station.messages() if m["type"] == "route_monitoring" and m["peer"] == cn.v4
                and L.SVC4 in m.get("nlri", []) and str(L.CATS_TYPE) in m.get("attrs", {})]
    rm = wait_for(f"BMP Route Monitoring for {L.SVC4} from {cn.v4} with attribute {L.CATS_TYPE}", monitored, 15)
    for m in rm:
        a = m["attrs"][str(L.CATS_TYPE)]
        check(a["hex"] == raw, f"{'post' if m['post_policy'] else 'pre'}-policy: attribute {L.CATS_TYPE} bytes "
                               f"equal catsd's CATS value {raw} (flags 0x{a['flags']:02x})")
        check(a["flags"] & 0xC0 == 0xC0, "optional transitive")
    flags = sorted({f"{'post' if m['post_policy'] else 'pre'}:0x{m['attrs'][str(L.CATS_TYPE)]['flags']:02x}" for m in rm})
    L.RESULTS["bmp_frr_cats_flags"] = flags
    L.RESULTS["bmp_frr_partial"] = sorted({bool(m["attrs"][str(L.CATS_TYPE)]["flags"] & 0x20) for m in rm})
    L.RESULTS["bmp_frr_policies"] = sorted({"post" if m["post_policy"] else "pre" for m in rm})
    print(f"  BMP: {len(ms)} messages; CATS flags seen: {flags}")
    wire = wire_cats_flags(lab, cn.v4)
    L.RESULTS["bmp_frr_catsd_wire_flags"] = wire
    print(f"  flags catsd put on the wire (tshark): {wire}")
    v6 = [m for m in station.messages() if m["type"] == "route_monitoring" and m["peer"] == cn.v6
          and L.SVC6 in m.get("mp_reach", {}).get("nlri", [])]
    L.RESULTS["bmp_frr_v6_cats"] = bool(v6 and str(L.CATS_TYPE) in v6[0]["attrs"])
    check(station.proc.alive() and peer.proc.alive(), "BMP station and FRR still running")


cats_seen_by_frr_bmp.peers = ["frr"]


def cats_seen_by_openbgpd(lab):
    """catsd -> OpenBGPD eBGP: `bgpctl -j show rib detail PREFIX` has attribute #255 with catsd's bytes and flags."""
    c, peer, cn, pn = L.sessions(lab, "openbgpd")
    raw = c.local_cats(L.SVC4).lower()
    a = wait_for(f"OpenBGPD shows 'Unknown Attribute #{L.CATS_TYPE}' for {L.SVC4}",
                 lambda: peer.unknown_attributes(L.SVC4, L.CATS_TYPE), 10)
    check(len(a) == 1 and a[0].get("data", "").lower() == raw,
          f"OpenBGPD's attribute #{L.CATS_TYPE} data equals catsd's CATS value ({a[0].get('length')} bytes)")
    fl = a[0].get("flags", {})
    check(fl.get("optional") and fl.get("transitive"), f"OpenBGPD: flags optional transitive ({fl})")
    L.RESULTS["openbgpd_cats_partial_on_receipt"] = fl.get("partial")


cats_seen_by_openbgpd.peers = ["openbgpd"]


def cats_seen_by_exabgp(lab):
    """catsd -> ExaBGP eBGP: the raw UPDATE ExaBGP received has attribute 255, flags 0xC0, catsd's bytes."""
    cn, pn = lab.node("catsd", 1), lab.node("exabgp", 2)
    cfg = {"global": L.catsd_global(L.CATSD_AS, cn, "edge"),
           "neighbors": {"neighbor": [L.catsd_nbr(pn.v4, L.PEER_AS, cn.v4, L.CATSD_HOLD, [{"name": "ipv4-unicast"}],
                                                  cats={"send": True}, passive=True)]},
           "services": {"service": [L.service(6, 1, v6=False)]}}
    c = lab.catsd(cn, cfg).start()
    exa = ExaBGP(pn).start(exabgp.neighbor(cn.v4, pn.v4, pn.v4, L.PEER_AS, L.CATSD_AS, L.PEER_HOLD,
                                           "family { ipv4 unicast; }",
                                           exabgp.api("parsed", "packets", "consolidate", "update")))
    wait_for("catsd <-> ExaBGP established", lambda: c.established(pn.v4) and exa.established(cn.v4), 30)
    raw = c.local_cats(L.SVC4).lower()
    ms = wait_for(f"ExaBGP received catsd's UPDATE for {L.SVC4}", lambda: exa.updates(L.SVC4), 15)
    attrs = bgp.update_attributes(exa.body(ms[-1]))
    a = attrs.get(L.CATS_TYPE)
    check(a is not None and a[1].hex() == raw, f"raw UPDATE body: attribute {L.CATS_TYPE} bytes equal catsd's "
                                               f"CATS value ({len(raw) // 2} bytes)")
    check(a[0] == 0xC0, f"on the wire: flags 0x{a[0]:02x} (optional transitive, Partial clear)")
    parsed = ms[-1]["neighbor"]["message"]["update"].get("attribute", {})
    keys = [k for k in parsed if k.lower().startswith(f"attribute-0x{L.CATS_TYPE:02x}")]
    check(keys and parsed[keys[0]].lower().replace("0x", "") == raw,
          f"ExaBGP's parsed JSON: {keys} with the same bytes")
    L.RESULTS["exabgp_parsed_cats_key"] = keys[0] if keys else None


cats_seen_by_exabgp.peers = ["exabgp"]


def cats_type255_via_openbgpd(lab):
    """catsd edge -eBGP-> OpenBGPD -eBGP-> catsd ingress with CATS type 255: OpenBGPD stores it; passed on? (reported)"""
    peer, pn, e, i = L.transit(lab, "openbgpd", None)
    raw = e.local_cats(L.SVC4).lower()
    a = wait_for(f"OpenBGPD stored attribute #{L.CATS_TYPE} from the edge",
                 lambda: peer.unknown_attributes(L.SVC4, L.CATS_TYPE), 15)
    check(a[0].get("data", "").lower() == raw, "with the edge's bytes")
    p = wait_for(f"ingress: {L.SVC4} learned from openbgpd", lambda: i.paths_from(L.SVC4, pn.v4), 15)
    time.sleep(0.5)
    passed = bool(p[0].get("cats", {}).get("raw_hex"))
    L.RESULTS["openbgpd_passes_cats_type_255"] = passed
    print(f"  OpenBGPD passed attribute {L.CATS_TYPE} on to the ingress: {passed} "
          f"(ingress path attributes {p[0].get('attributes_hex')})")
    check(i.established(pn.v4) and e.established(pn.v4), "both sessions stay up")


cats_type255_via_openbgpd.peers = ["openbgpd"]


# ---------------------------------------------------------------- unsupported capability (RFC 5492 §3, 2/7)

def frr_last_notification(peer, addr):
    return {k: v for k, v in peer.neighbor(addr).items() if "last" in k.lower() or "notif" in k.lower() or k == "bgpState"}


def peer_log(peer):
    with open(peer.path("bgpd.log" if peer.kind == "frr" else "bird.log"), errors="replace") as f:
        return f.read()


def frr_logged(conf):
    """FRR logs NOTIFICATIONs sent and received only with log-neighbor-changes (off in `traditional`)."""
    return conf.replace(" no bgp ebgp-requires-policy\n", " bgp log-neighbor-changes\n no bgp ebgp-requires-policy\n", 1)


def unsupported_capability_from_catsd(lab, kind):
    """catsd requires the CATS capability the peer does not have: catsd sends 2/7, the peer shows it received it."""
    cn, pn = lab.node("catsd", 1), lab.node(kind, 2)
    cls, conf, handles = L.PEERS[kind]
    cats = {"send": True, "require-capability": True}
    # With FRR catsd is passive: FRR records a NOTIFICATION only on its own connection, not on the doppelganger
    # it accepts during a collision (see wrong_as_bird).
    cfg = {"global": L.catsd_global(L.CATSD_AS, cn, "edge"),
           "neighbors": {"neighbor": [L.catsd_nbr(pn.v4, L.PEER_AS, cn.v4, None, [{"name": "ipv4-unicast"}],
                                                  cats=cats, passive=kind == "frr")]}}
    c = lab.catsd(cn, cfg).start()
    if kind == "frr":
        peer = cls(pn).start(frr_logged(conf(pn, cn).replace(f" neighbor {cn.v6} remote-as {L.CATSD_AS}\n",
                                                             f" neighbor {cn.v6} remote-as {L.CATSD_AS}\n"
                                                             f" neighbor {cn.v6} shutdown\n")))
    else:
        peer = cls(pn).start(conf(pn, cn).replace("protocol bgp catsd6 from peers {",
                                                  "protocol bgp catsd6 from peers { disabled;"))
    h4 = handles(cn)[0]
    line = f"[{pn.v4}] sending NOTIFICATION 2/7 (OPEN Message Error, Unsupported Capability"
    wait_for(f"catsd logs: {line}...", lambda: line in c.log(), 20)
    detail = [x for x in c.log().splitlines() if "2/7" in x or "CATS capability" in x]
    print("  catsd log: " + (detail[0].strip()[:220] if detail else ""))
    if kind == "bird":   # BIRD calls 2/7 "Required capability missing"
        got = wait_for("BIRD shows the received 2/7: 'Last error: Received: Required capability missing'",
                       lambda: (lambda t: t if "last error:       received: required capability missing" in t.lower()
                                else None)(peer.state_lines(h4)), 15)
        # RFC 5492 §3: the data names the capability catsd requires, as catsd sends it (CATS, code 239, version 1).
        wait_for("BIRD's log: the NOTIFICATION data is the CATS capability ef0101",
                 lambda: "catsd4: Received: Required capability missing: ef0101" in peer_log(peer), 10)
    else:
        got = wait_for("FRR shows the received NOTIFICATION: lastErrorCodeSubcode 0207, reset due to it",
                       lambda: (lambda d: d if d.get("lastErrorCodeSubcode") == "0207" and "received" in
                                d.get("lastResetDueTo", "") else None)(frr_last_notification(peer, cn.v4)), 15)
        check("Unsupported Capability" in got.get("lastNotificationReason", ""),
              f"FRR: lastNotificationReason {got.get('lastNotificationReason')!r}")
        wait_for(f"FRR's log: NOTIFICATION received from {cn.v4} 2/7 with data ef0101",
                 lambda: any(f"received from neighbor {cn.v4} 2/7" in x and "3 bytes ef 01 01" in x
                             for x in peer_log(peer).splitlines()), 10)
    print(f"  {kind}: {got!r}")
    err = c.neighbor(pn.v4).get("last_error") or {}
    L.RESULTS[f"unsupported_capability_from_catsd_{kind}"] = err
    check(err.get("code") == 2 and err.get("subcode") == 7 and "sent" in err.get("reason", ""),
          f"catsctl: last_error {err.get('code')}/{err.get('subcode')} {err.get('reason')}")
    check(not c.established(pn.v4), "session not established")
    check(c.proc.alive() and peer.proc.alive(), "catsd and the peer keep running")


def unsupported_capability_from_catsd_openbgpd(lab):
    """catsd sends 2/7 to OpenBGPD: IPv4 (CATS required) and IPv6 (no address family in common); OpenBGPD's view."""
    cn, pn = lab.node("catsd", 1), lab.node("openbgpd", 2)
    cfg = {"global": L.catsd_global(L.CATSD_AS, cn, "edge"),
           "neighbors": {"neighbor": [
               L.catsd_nbr(pn.v4, L.PEER_AS, cn.v4, None, [{"name": "ipv4-unicast"}],
                           cats={"send": True, "require-capability": True}),
               # IPv6 session, catsd offers only IPv4 unicast; OpenBGPD offers IPv6 unicast: nothing in common
               L.catsd_nbr(pn.v6, L.PEER_AS, cn.v6, None, [{"name": "ipv4-unicast"}])]}}
    c = lab.catsd(cn, cfg).start()
    peer = OpenBGPD(pn).start(L.openbgpd_sessions_conf(pn, cn))
    for addr, why in ((pn.v4, "peer lacks the CATS capability"), (pn.v6, "no address family in common")):
        line = f"[{addr}] sending NOTIFICATION 2/7 (OPEN Message Error, Unsupported Capability"
        wait_for(f"catsd logs for {addr}: OPEN refused: {why}, {line}...",
                 lambda: f"[{addr}] OPEN refused: {why}" in c.log() and line in c.log(), 20)
        wait_for(f"OpenBGPD logs: neighbor {cn.v4 if addr == pn.v4 else cn.v6}: received notification: error in "
                 f"OPEN message, unsupported capability",
                 lambda: f"neighbor {cn.v4 if addr == pn.v4 else cn.v6}: received notification: error in OPEN "
                         f"message, unsupported capability" in peer.log(), 10)
        check(peer.notifications_received(cn.v4 if addr == pn.v4 else cn.v6) >= 1,
              f"bgpctl show neighbor: Notifications received >= 1 on the {'IPv4' if addr == pn.v4 else 'IPv6'} "
              "session")
    err = c.neighbor(pn.v4).get("last_error") or {}
    check(err.get("code") == 2 and err.get("subcode") == 7, f"catsctl {pn.v4}: last_error {err.get('reason')}")
    check(not c.established(pn.v4), f"{pn.v4}: not established (OpenBGPD has no CATS capability to offer)")
    # RFC 5492 §3 lets the peer retry without the capability: OpenBGPD drops its capabilities / MP and retries.
    log = peer.log()
    L.RESULTS["openbgpd_after_2_7"] = {"v4_disables_capabilities": "disabling capability announcements" in log,
                                      "v6_disables_multiprotocol": "disabling multiprotocol capability" in log,
                                      "v6_established_after_fallback": c.established(pn.v6)}
    print(f"  OpenBGPD after 2/7: {L.RESULTS['openbgpd_after_2_7']}")
    check(c.proc.alive() and peer.proc.alive(), "catsd and OpenBGPD keep running")


unsupported_capability_from_catsd_openbgpd.peers = ["openbgpd"]


def bird_mandatory(p, c):
    # BIRD 2.0.12 sends 2/7 when a channel marked `mandatory` is not negotiated: the IPv4 session gets an IPv6
    # channel too, catsd offers IPv4 unicast only. (`require roles` would send 2/11 Role Mismatch instead.)
    return L.bird_sessions_conf(p, c).replace("ipv4 { import all; export all; }; }",
                                              "ipv4 { import all; export all; };\n"
                                              "  ipv6 { import all; export all; mandatory on; }; }", 1) \
        .replace("protocol bgp catsd6 from peers {", "protocol bgp catsd6 from peers { disabled;")


def frr_strict(p, c):
    # strict-capability-match: FRR refuses an OPEN whose address families differ from its own configured ones.
    # FRR activates IPv4 and IPv6 unicast on the IPv4 session; catsd offers IPv4 unicast only.
    s = L.frr_sessions_conf(p, c)
    s = s.replace(f" neighbor {c.v6} remote-as {L.CATSD_AS}\n",
                  f" neighbor {c.v6} remote-as {L.CATSD_AS}\n neighbor {c.v6} shutdown\n"
                  f" neighbor {c.v4} strict-capability-match\n")
    return frr_logged(s.replace(f"  neighbor {c.v6} activate\n", f"  neighbor {c.v6} activate\n  neighbor {c.v4} activate\n"))


TO_CATSD = {"bird": bird_mandatory, "frr": frr_strict}


def unsupported_capability_to_catsd(lab, kind):
    """The peer requires a capability catsd does not offer: it sends 2/7; catsd logs and shows it (last_error)."""
    cn, pn = lab.node("catsd", 1), lab.node(kind, 2)
    cls, _, handles = L.PEERS[kind]
    cfg = {"global": L.catsd_global(L.CATSD_AS, cn, "edge"),
           "neighbors": {"neighbor": [L.catsd_nbr(pn.v4, L.PEER_AS, cn.v4, None, [{"name": "ipv4-unicast"}],
                                                  passive=kind == "frr")]}}
    c = lab.catsd(cn, cfg).start()
    peer = cls(pn).start(TO_CATSD[kind](pn, cn))
    h4 = handles(cn)[0]
    line = f"[{pn.v4}] received NOTIFICATION 2/7 (OPEN Message Error, Unsupported Capability"
    wait_for(f"catsd logs: {line}...", lambda: line in c.log(), 20)
    detail = [x for x in c.log().splitlines() if "received NOTIFICATION 2/7" in x]
    print("  catsd log: " + detail[0].strip()[:220])
    if kind == "bird":
        got = wait_for("BIRD shows the 2/7 it sent: 'Last error: BGP Error: Required capability missing'",
                       lambda: (lambda t: t if "last error:       bgp error: required capability missing" in t.lower()
                                else None)(peer.state_lines(h4)), 15)
    else:
        got = wait_for("FRR shows the NOTIFICATION it sent: lastErrorCodeSubcode 0207, reset due to sending it",
                       lambda: (lambda d: d if d.get("lastErrorCodeSubcode") == "0207" and "send" in
                                d.get("lastResetDueTo", "") else None)(frr_last_notification(peer, cn.v4)), 15)
        wait_for(f"FRR's log: NOTIFICATION sent to {cn.v4} 2/7",
                 lambda: f"sent to neighbor {cn.v4} 2/7" in peer_log(peer), 10)
    print(f"  {kind}: {got!r}")
    err = wait_for("catsctl show neighbors: last_error 2/7 received",
                   lambda: (lambda e: e if e.get("code") == 2 and e.get("subcode") == 7 else None)(
                       c.neighbor(pn.v4).get("last_error") or {}), 10)
    L.RESULTS[f"unsupported_capability_to_catsd_{kind}"] = err
    check("received" in err.get("reason", ""), f"catsctl: last_error reason {err.get('reason')!r}")
    check(not c.established(pn.v4), "session not established")
    check(c.proc.alive() and peer.proc.alive(), "catsd and the peer keep running")


# ---------------------------------------------------------------- active_passive_<peer>

def frr_v4(p, c, passive):
    return (frr.router(L.PEER_AS, p.v4, L.PEER_HOLD, networks=True)
            + f" neighbor {c.v4} remote-as {L.CATSD_AS}\n neighbor {c.v4} timers connect 1\n"
            + (f" neighbor {c.v4} passive\n" if passive else "")
            + f" address-family ipv4 unicast\n  network {L.PEER4}\n exit-address-family\n")


def bird_v4(p, c, passive):
    return (f"protocol static s4 {{ ipv4; route {L.PEER4} blackhole; }}\n"
            + bird.bgp("protocol bgp catsd4", f"{p.v4} as {L.PEER_AS}; neighbor {c.v4} as {L.CATSD_AS}",
                       f"passive {'on' if passive else 'off'};", "ipv4 { import all; export all; };",
                       hold=L.PEER_HOLD))


def gobgp_v4(p, c, passive):
    extra = "  [neighbors.transport.config]\n    passive-mode = true\n" if passive else ""
    return gobgp.global_conf(L.PEER_AS, p.v4, [p.v4]) + gobgp.neighbor(c.v4, L.CATSD_AS, [("ipv4-unicast", "")], extra)


def openbgpd_v4(p, c, passive):
    return (openbgpd.head(L.PEER_AS, p.v4, [p.v4], L.PEER_HOLD) + f"network {L.PEER4}\n"
            + openbgpd.neighbor(c.v4, L.CATSD_AS, p.v4, *(["passive"] if passive else [])) + openbgpd.ALLOW)


def exabgp_v4(p, c, passive):
    return exabgp.neighbor(c.v4, p.v4, p.v4, L.PEER_AS, L.CATSD_AS, L.PEER_HOLD, "family { ipv4 unicast; }",
                           exabgp.API, f"static {{ route {L.PEER4} next-hop self; }}")


ACTIVE_PASSIVE = {"frr": frr_v4, "bird": bird_v4, "gobgp": gobgp_v4, "openbgpd": openbgpd_v4, "exabgp": exabgp_v4}


def tcp_179(ns):
    """Established TCP connections on port 179 in a namespace: [(local, peer)] as 'addr:port' strings."""
    out = run(["ss", "-Htn", "state", "established"], ns=ns).stdout
    conns = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 4 and (f[2].endswith(":179") or f[3].endswith(":179")):
            conns.append((f[2], f[3]))
    return conns


def syns(lab, a, b):
    """Sources of the SYNs (without ACK) between hosts a and b in the LAN pcap."""
    time.sleep(0.3)
    out = run(["tcpdump", "-nn", "-r", lab.pcap, f"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and host {a} "
               f"and host {b}"], check_rc=False).stdout
    return [line.split()[2].rsplit(".", 1)[0] for line in out.splitlines() if " > " in line]


def active_passive(lab, kind):
    """Pair A: catsd passive, the peer connects. Pair B (not ExaBGP): the peer passive, catsd connects."""
    pairs = [("catsd passive", 1, 2, True)]
    if kind != "exabgp":   # ExaBGP never listens
        pairs.append(("peer passive", 3, 4, False))
    cls, _, _ = L.PEERS[kind]
    running = []
    for label, ch, ph, catsd_passive in pairs:
        cn, pn = lab.node(f"catsd{ch}", ch), lab.node(f"{kind}{ph}", ph)
        cfg = {"global": L.catsd_global(L.CATSD_AS, cn, "edge"),
               "neighbors": {"neighbor": [L.catsd_nbr(pn.v4, L.PEER_AS, cn.v4, None, [{"name": "ipv4-unicast"}],
                                                      passive=catsd_passive)]}}
        c = lab.catsd(cn, cfg).start()
        peer = cls(pn)
        conf = ACTIVE_PASSIVE[kind](pn, cn, not catsd_passive)
        peer.start(conf)
        if kind == "gobgp":
            peer.add_routes(L.PEER4)
        running.append((label, cn, pn, c, peer, catsd_passive))
    for label, cn, pn, c, peer, catsd_passive in running:
        handle = "catsd4" if kind == "bird" else cn.v4
        wait_for(f"{label}: catsd <-> {kind} established on both sides",
                 lambda: c.established(pn.v4) and peer.established(handle), 30)
        wait_for(f"{label}: catsd has {L.PEER4} from {kind}", lambda: c.has_prefix(L.PEER4, pn.v4), 15)
        conns = tcp_179(cn.ns)
        opener, listener = (pn.v4, cn.v4) if catsd_passive else (cn.v4, pn.v4)
        check(len(conns) == 1 and conns[0][0 if catsd_passive else 1] == f"{listener}:179",
              f"{label}: ss in catsd's namespace: one BGP connection {conns}, opened by {opener} "
              f"({'catsd' if opener == cn.v4 else kind})")
        src = set(syns(lab, cn.v4, pn.v4))
        check(src == {opener}, f"{label}: every SYN in the pcap came from {opener}: {sorted(src)}")
        L.RESULTS[f"active_passive_{kind}_{'catsd_passive' if catsd_passive else 'peer_passive'}"] = \
            {"opened_by": "catsd" if opener == cn.v4 else kind, "syns": len(syns(lab, cn.v4, pn.v4))}
    for label, cn, pn, c, peer, _ in running:
        check(c.established(pn.v4), f"{label}: still established at the end")


# ---------------------------------------------------------------- cats_via_v6_<rr>

def frr_rr6_conf(rr, edges, ing):
    s = frr.router(L.IBGP_AS, rr.v4, cluster_id=rr.v4) + "".join(frr.neighbor(n.v6, L.IBGP_AS) for n in edges + [ing])
    s += " address-family ipv4 unicast\n" + "".join(f"  no neighbor {n.v6} activate\n" for n in edges + [ing])
    s += " exit-address-family\n address-family ipv6 unicast\n"
    for n in edges + [ing]:
        s += f"  neighbor {n.v6} activate\n  neighbor {n.v6} route-reflector-client\n"
    return s + f"  neighbor {ing.v6} addpath-tx-all-paths\n exit-address-family\n"


# kind -> (class, config, the RR's handle for an edge); BIRD's and GoBGP's configs are lab.py's, over IPv6
RRS6 = {"frr": (FRR, frr_rr6_conf, lambda n: n.v6),
        "bird": (Bird, lambda rr, edges, ing: L.bird_rr_conf(rr, edges, ing, "v6"), lambda n: f"e{n.host}"),
        "gobgp": (GoBGP, lambda rr, edges, ing: L.gobgp_rr_conf(rr, edges, ing, "v6"), lambda n: n.v6)}


def cats_via_v6(lab, kind):
    """3 catsd edges -IPv6 iBGP-> the peer as RR (ADD-PATH send) -> catsd ingress: the IPv6 service's CATS."""
    ing, _, partial = L.via_reflector(lab, kind, *RRS6[kind], v6=True)
    check(not ing.candidates(L.SVC4), f"nothing for {L.SVC4} (IPv6-only sessions)")
    L.RESULTS[f"partial_cats_v6_{kind}"] = partial
    print(f"  partial_cats via {kind} (IPv6): {partial}")


# ---------------------------------------------------------------- route_refresh_<peer>

def refresh_frames(lab, src):
    """Number of ROUTE-REFRESH messages (BGP type 5) src sent, from the LAN pcap (tshark); None without it."""
    if not shutil.which("tshark"):
        return None
    r = lab.tshark("-Y", f"ip.src == {src} && bgp.type == 5", "-T", "fields", "-e", "frame.number")
    return len([line for line in r.stdout.splitlines() if line.strip()])


# The peer's command that sends a ROUTE-REFRESH to catsd. GoBGP has none: `gobgp neighbor X softresetin`
# re-applies policy to its own Adj-RIB-In and sends nothing (checked: catsd's updates_out stays the same).
REFRESH_CMD = {"bird": lambda peer, cn: peer.birdc("reload in catsd4"),
               "openbgpd": lambda peer, cn: peer.bgpctl("neighbor", cn.v4, "refresh"),
               "gobgp": None}


# OpenBGPD 7.7 drops every ROUTE-REFRESH for IPv4 unicast, from catsd and from FRR alike, logging "route refresh:
# AID IPv4 unicast not negotiated" although `bgpctl show neighbor` lists IPv4 unicast as negotiated.
IGNORES_REFRESH = {"openbgpd": "OpenBGPD 7.7 logs 'route refresh: AID IPv4 unicast not negotiated' (also for FRR)"}


def route_refresh(lab, kind):
    """catsctl clear --soft-in -> the peer re-sends; the peer's refresh command -> catsd re-sends its Adj-RIB-Out."""
    c, peer, cn, pn = L.sessions(lab, kind)
    n = c.neighbor(pn.v4)
    check(n.get("route_refresh"), f"catsd: route refresh negotiated with {kind}")
    L.RESULTS[f"enhanced_route_refresh_{kind}"] = n.get("enhanced_route_refresh")
    sent0, upd_in = refresh_frames(lab, cn.v4), int(n["updates_in"])
    c.ctl("clear", "neighbor", pn.v4, "--soft-in")
    if sent0 is not None:
        wait_for("pcap: catsd sent a ROUTE-REFRESH", lambda: refresh_frames(lab, cn.v4) > sent0, 10)
    if kind in IGNORES_REFRESH:   # a peer bug: reported, not asserted
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline and int(c.neighbor(pn.v4)["updates_in"]) <= upd_in:
            time.sleep(0.25)
        answered = int(c.neighbor(pn.v4)["updates_in"]) > upd_in
        L.RESULTS[f"{kind}_answers_route_refresh"] = answered
        print(f"  {kind} answered catsd's ROUTE-REFRESH: {answered} ({IGNORES_REFRESH[kind]})")
    else:
        wait_for(f"{kind} answered: re-sent its routes (catsd updates_in grew)",
                 lambda: int(c.neighbor(pn.v4)["updates_in"]) > upd_in, 10)
    cmd = REFRESH_CMD[kind]
    if cmd:
        got0, upd_out = refresh_frames(lab, pn.v4), int(c.neighbor(pn.v4)["updates_out"])
        cmd(peer, cn)
        if got0 is not None:
            wait_for(f"pcap: {kind} sent a ROUTE-REFRESH", lambda: refresh_frames(lab, pn.v4) > got0, 10)
        wait_for("catsd re-sent its Adj-RIB-Out (updates_out grew)",
                 lambda: int(c.neighbor(pn.v4)["updates_out"]) > upd_out, 10)
    else:
        print(f"  ({kind} has no command that sends a ROUTE-REFRESH: catsd -> {kind} direction only)")
    L.RESULTS[f"route_refresh_{kind}_directions"] = "both" if cmd else "catsd->peer only"
    check(c.established(pn.v4) and peer.established(L.PEERS[kind][2](cn)[0]), "session stayed up")
    check(peer.has_prefix(L.SVC4) and c.has_prefix(L.PEER4, pn.v4), "routes still present on both sides")


# ---------------------------------------------------------------- graceful_restart_<peer>

def bird_gr_conf(p, c):
    return L.bird_sessions_conf(p, c).replace(
        "  hold time ", f"  graceful restart on; graceful restart time {L.GR_RESTART};\n  hold time ", 1)


def gobgp_gr_conf(p, c):
    gr = (f"  [neighbors.graceful-restart.config]\n    enabled = true\n    restart-time = {L.GR_RESTART}\n")
    fgr = "    [neighbors.afi-safis.mp-graceful-restart.config]\n      enabled = true\n"
    return (gobgp.global_conf(L.PEER_AS, p.v4, [p.v4, p.v6])
            + gobgp.neighbor(c.v4, L.CATSD_AS, [("ipv4-unicast", fgr)], gr)
            + gobgp.neighbor(c.v6, L.CATSD_AS, [("ipv6-unicast", fgr)], gr))


GR_PEERS = {"bird": bird_gr_conf, "gobgp": gobgp_gr_conf}


def restart_peer(peer, pn, cn):
    """The same peer object started again on its old directory (its SIGKILLed run left its control socket)."""
    peer.remove_stale("gobgp.sock", "bird.ctl")
    peer.start(GR_PEERS[peer.kind](pn, cn))
    if peer.kind == "gobgp":
        peer.add_routes(L.PEER4, L.PEER6)
    return peer


def graceful_restart_peer(lab, kind):
    """The peer (GR on) is killed with SIGKILL: catsd keeps its paths stale; restarted: fresh; left down: swept."""
    c, peer, cn, pn, path = L.graceful_restart(lab, kind, GR_PEERS[kind], restart_peer)
    wait_for(f"{kind} has catsd's {L.SVC4} again", lambda: peer.has_prefix(L.SVC4), 15)
    L.RESULTS[f"gr_{kind}_swept_after_s"] = round(L.sweep(c, peer, pn, kind, path), 1)


# ---------------------------------------------------------------- register

def register(lab):
    global L
    L = lab
    L.SCENARIOS["cats_seen_by_frr_bmp"] = cats_seen_by_frr_bmp
    L.SCENARIOS["cats_seen_by_openbgpd"] = cats_seen_by_openbgpd
    L.SCENARIOS["cats_seen_by_exabgp"] = cats_seen_by_exabgp
    L.SCENARIOS["cats_type255_via_openbgpd"] = cats_type255_via_openbgpd
    for k in ("bird", "frr"):
        L.SCENARIOS[f"unsupported_capability_from_catsd_{k}"] = L.scenario(
            unsupported_capability_from_catsd, k,
            f"catsd requires the CATS capability, {k} lacks it: catsd sends 2/7, {k} shows it, both keep running")
    L.SCENARIOS["unsupported_capability_from_catsd_openbgpd"] = unsupported_capability_from_catsd_openbgpd
    L.SCENARIOS["unsupported_capability_to_catsd_bird"] = L.scenario(
        unsupported_capability_to_catsd, "bird",
        "BIRD: an IPv6 channel `mandatory` on the IPv4 session, catsd offers IPv4 only: BIRD sends 2/7, catsd shows it")
    L.SCENARIOS["unsupported_capability_to_catsd_frr"] = L.scenario(
        unsupported_capability_to_catsd, "frr",
        "FRR strict-capability-match, families differ: FRR sends 2/7, catsd logs and shows it")
    for k in ACTIVE_PASSIVE:
        L.SCENARIOS[f"active_passive_{k}"] = L.scenario(
            active_passive, k,
            f"catsd passive ({k} connects)" + ("" if k == "exabgp" else f" and {k} passive (catsd connects)")
            + ": which side opened the TCP connection (ss, pcap SYNs)")
    for k in GR_PEERS:
        L.SCENARIOS[f"graceful_restart_{k}"] = L.scenario(
            graceful_restart_peer, k, f"{k} (GR on) killed: catsd keeps its paths stale, refreshes them when {k} is "
                                      f"back, sweeps them after the restart time when not")
    for k in REFRESH_CMD:
        L.SCENARIOS[f"route_refresh_{k}"] = L.scenario(
            route_refresh, k, f"route refresh with {k}: catsctl clear --soft-in -> {k} re-sends"
            + (f"; {k} requests a refresh -> catsd re-sends" if REFRESH_CMD[k] else " (GoBGP cannot request one)"))
    for k in RRS6:
        L.SCENARIOS[f"cats_via_v6_{k}"] = L.scenario(
            cats_via_v6, k, f"3 catsd edges -> {k} iBGP RR over IPv6 (ADD-PATH) -> catsd ingress: "
                            f"3 candidates for {L.SVC6}, CATS bytes equal")
