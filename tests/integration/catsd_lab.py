#!/usr/bin/python3
"""Integration tests: several real catsd processes on loopback addresses.

Each scenario starts its own daemons on its own 127.0.N.x block (so ctest may
run scenarios in parallel), talks to them only through `catsctl --json` (the
gRPC API) and their logs, and stops them by PID when it ends, passed or not.

    catsd_lab.py --catsd build/bin/catsd --catsctl build/bin/catsctl --scenario NAME
    catsd_lab.py ... --list
"""
import argparse
import json
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "interop"))
from labkit import catsd  # noqa: E402
from labkit.catsd import FAST, SVC4 as V4, SVC6 as V6, Catsd, neighbor  # noqa: E402
from labkit.check import Failure, check  # noqa: E402
from labkit.check import wait_for as _wait_for  # noqa: E402
from labkit.netns import Host  # noqa: E402
from labkit.proc import Procs, print_tail, run  # noqa: E402

ARGS = None
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def wait_for(what, pred, timeout=15.0, interval=0.2):
    return _wait_for(what, pred, timeout, interval)


class Lab:
    """One scenario: catsd daemons on 127.0.BLOCK.x (no namespaces), their files in a temp dir."""

    def __init__(self, block):
        self.block = block
        self.dir = tempfile.mkdtemp(prefix=f"catsd-lab-{block}-")
        self.procs = Procs()
        self.daemons = []

    def addr(self, host):
        return f"127.0.{self.block}.{host}"

    def daemon(self, name, host, config):
        # These daemons share the host's network namespace: none may program its routing table.
        config.setdefault("fib", {"scope": "none"})
        d = Catsd(Host(name, self.procs, os.path.join(self.dir, name), v4=self.addr(host)), config, ARGS.catsd,
                  ARGS.catsctl, name=name, ctl_timeout=20, start_timeout=10)
        self.daemons.append(d)
        return d

    def close(self, failed):
        self.procs.stop_all()
        if failed:
            for d in self.daemons:
                if os.path.exists(d.log_path):
                    print_tail(d.log_path, f"{d.name} log", 40)
        shutil.rmtree(self.dir, ignore_errors=True)


def families(add_path=None, gr=False):
    fam = []
    for name in ("ipv4-unicast", "ipv6-unicast"):
        f = {"name": name}
        if add_path:
            f["add-path"] = add_path
        if gr:
            f["graceful-restart-forwarding"] = True
        fam.append(f)
    return {"afi-safi": fam}


def global_cfg(asn, rid, role, listen):
    return catsd.global_cfg(asn, rid, role, [listen])


def edge_cfg(lab, host, rid, rr_host, l2, **nbr):
    return {
        "global": global_cfg(65000, rid, "edge", lab.addr(host)),
        "neighbors": {"neighbor": [neighbor(lab.addr(rr_host), 65000, lab.addr(host), **nbr)]},
        "services": {"service": [catsd.service(l2, host)]},
    }


def rr_cfg(lab, host, clients, ingress_host, gr=False):
    nbrs = [neighbor(lab.addr(c), 65000, lab.addr(host), **{"route-reflector-client": True},
                     **({"graceful-restart": {"enabled": True, "restart-time": 6}, "afi-safis": families(gr=True)}
                        if gr else {}))
            for c in clients]
    nbrs.append(neighbor(lab.addr(ingress_host), 65000, lab.addr(host), **{"route-reflector-client": True},
                         **{"afi-safis": families("send")}))
    return {"global": global_cfg(65000, f"10.0.0.{host}", "reflector", lab.addr(host)),
            "neighbors": {"neighbor": nbrs}}


def ingress_cfg(lab, host, rr_host):
    return {"global": global_cfg(65000, f"10.0.0.{host}", "ingress", lab.addr(host)),
            "neighbors": {"neighbor": [neighbor(lab.addr(rr_host), 65000, lab.addr(host),
                                                **{"afi-safis": families("receive")})]}}


def three_tier(lab, gr=False, ingress_netconf=False):
    """edge1 (.1) and edge2 (.2) -> reflector (.10) -> ingress (.20), the ingress with NETCONF (admin/admin on
    8830) if asked."""
    grn = {"graceful-restart": {"enabled": True, "restart-time": 6}, "afi-safis": families(gr=True)} if gr else {}
    e1 = lab.daemon("edge1", 1, edge_cfg(lab, 1, "10.0.0.1", 10, 7, **grn))
    e2 = lab.daemon("edge2", 2, edge_cfg(lab, 2, "10.0.0.2", 10, 4, **grn))
    rr = lab.daemon("rr", 10, rr_cfg(lab, 10, [1, 2], 20, gr=gr))
    ing = lab.daemon("ingress", 20, ingress_cfg(lab, 20, 10))
    if ingress_netconf:
        ing.config["netconf"] = {"enabled": True, "address": lab.addr(20), "port": 8830, "host-key": "host-key.pem",
                                 "user": [{"name": "admin", "password": "admin"}]}
    for d in (rr, ing, e1, e2):
        d.start()
    wait_for("ingress sees both sites for both prefixes",
             lambda: len(ing.candidates(V4)) == 2 and len(ing.candidates(V6)) == 2, 20)
    return e1, e2, rr, ing


def seq_of(inject_output):
    """The sequence in catsctl inject's answer ("s: sequence N, 3 paths re-advertised")."""
    return int(inject_output.split("sequence ")[1].split(",")[0])


def by_next_hop(cands, nh):
    return [c for c in cands if c["next_hop"] == nh]


# ---------------------------------------------------------------- scenarios

def scenario_end_to_end(lab):
    e1, e2, rr, ing = three_tier(lab)
    for prefix in (V4, V6):
        cands = ing.candidates(prefix)
        nh1 = lab.addr(1) if prefix == V4 else "::ffff:" + lab.addr(1)
        nh2 = lab.addr(2) if prefix == V4 else "::ffff:" + lab.addr(2)
        c1, c2 = by_next_hop(cands, nh1), by_next_hop(cands, nh2)
        check(len(c1) == 1 and len(c2) == 1, f"{prefix}: one candidate per site, next hops {nh1} and {nh2}")
        check(c1[0].get("l2") == 7 and c2[0].get("l2") == 4, f"{prefix}: L2 7 (edge1) and 4 (edge2)")
        check({s["category"]: s["score"] for s in c1[0]["l1"]} == {"compute": 7, "service": 9},
              f"{prefix}: edge1 L1 compute 7 service 9")
        check(c1[0]["path_id"] != c2[0]["path_id"], f"{prefix}: distinct ADD-PATH ids {c1[0]['path_id']}, {c2[0]['path_id']}")
        check(sum(1 for c in cands if c.get("selected")) == 1, f"{prefix}: exactly one selected")
        # Metric Control sequences follow the clock (1/256 s since 2020, mod 2^32): a restarted edge never goes
        # back. Both started within the last ten minutes.
        now = int((time.time() - 1577836800) * 256)
        check(all((now - c["sequence"]) % (1 << 32) < 256 * 600 for c in cands),
              f"{prefix}: sequences from the clock: {[c['sequence'] for c in cands]}, now {now % (1 << 32)}")
    # Byte-exact: the CATS value at the ingress equals what the edge originated.
    for prefix in (V4, V6):
        local = [p for e in e1.rib(prefix) for p in e["paths"] if p["peer"] == "local"]
        check(len(local) == 1 and local[0]["cats"]["raw_hex"], f"{prefix}: edge1 has its local path with CATS")
        at_ingress = [p for e in ing.rib(prefix) for p in e["paths"]
                      if p["cats"].get("raw_hex") == local[0]["cats"]["raw_hex"]]
        check(len(at_ingress) == 1, f"{prefix}: ingress holds edge1's CATS-EXP value byte for byte")
        p = at_ingress[0]
        check(p["originator_id"] == "10.0.0.1" and p["cluster_list"] == ["10.0.0.10"],
              f"{prefix}: reflected with ORIGINATOR_ID 10.0.0.1, CLUSTER_LIST [10.0.0.10]")
        check(not p["partial_cats"], f"{prefix}: CATS Partial bit clear (recognised by every hop)")
        check(p["local_pref"] == 100 and p["as_path"] == "", f"{prefix}: LOCAL_PREF 100, empty AS_PATH (iBGP)")
    n = ing.neighbor(lab.addr(10))
    fams = {f["name"]: f for f in n["families"]}
    check(fams["ipv4-unicast"]["add_path_receive"] and n["cats_version"] == 1,
          "ingress session: ADD-PATH receive and CATS capability negotiated")


def scenario_metric_change(lab):
    e1, e2, rr, ing = three_tier(lab)
    # Protobuf's JSON mapping writes 64-bit integers as strings.
    before_e1 = int(e1.neighbor(lab.addr(10))["updates_out"])
    before_rr = int(rr.neighbor(lab.addr(20))["updates_out"])
    seq2 = {c["next_hop"]: c["sequence"] for c in ing.candidates(V4)}[lab.addr(2)]
    # The RIB change stream sees the new paths.
    watch = lab.procs.spawn("watch", [ARGS.catsctl, "--server", ing.api, "watch", "rib", "--prefix", V4, "--json",
                                      "--count", "1"], os.path.join(lab.dir, "watch.log"), pipe=True)
    time.sleep(0.5)
    seq1 = {c["next_hop"]: c["sequence"] for c in ing.candidates(V4)}[lab.addr(1)]
    out = e1.ctl("inject", "llm-chat", "--l2", "2", "--l1", "compute=2").stdout
    new_seq = seq_of(out)
    check(new_seq > seq1, f"inject printed the new sequence {new_seq} (was {seq1}): {out.strip()}")
    wait_for(f"ingress sees edge1 L2 2, sequence {new_seq}", lambda: any(
        c["next_hop"] == lab.addr(1) and c.get("l2") == 2 and c["sequence"] == new_seq for c in ing.candidates(V4)))
    wait_for("IPv6 path follows", lambda: any(c.get("l2") == 2 for c in ing.candidates(V6)))
    wout, _ = watch.popen.communicate(timeout=10)
    change = json.loads(wout.splitlines()[0])
    check(change["prefix"] == V4 and change["kind"] in ("best-changed", "paths-changed"),
          f"watch rib streamed the change: {change['kind']} {change['prefix']}")
    time.sleep(1.0)
    check(int(e1.neighbor(lab.addr(10))["updates_out"]) - before_e1 == 2,
          "edge1 sent exactly 2 UPDATEs (one per prefix) for the change")
    check(int(rr.neighbor(lab.addr(20))["updates_out"]) - before_rr == 2,
          "reflector passed exactly 2 UPDATEs to the ingress")
    c2 = by_next_hop(ing.candidates(V4), lab.addr(2))[0]
    check(c2["sequence"] == seq2 and c2.get("l2") == 4, "edge2's path untouched (sequence and L2 unchanged)")
    # Bad input to inject is refused and changes nothing.
    r = e1.ctl("inject", "llm-chat", "--l2", "11", check_rc=False)
    check(r.returncode != 0 and "10" in r.stderr, f"L2 11 refused: rc {r.returncode}: {r.stderr.strip()}")
    r = e1.ctl("inject", "no-such-service", "--l2", "3", check_rc=False)
    check(r.returncode != 0 and "no-such-service" in r.stderr, f"unknown service refused: {r.stderr.strip()}")
    # More contact instances than one UPDATE can carry: refused, not reported as sent and then lost.
    many = [a for i in range(300) for a in ("--instance", f"2001:db8::{i + 1:x}=3")]
    r = e1.ctl("inject", "llm-chat", *many, "--replace-instances", check_rc=False)
    check(r.returncode != 0 and "at most 3584" in r.stderr, f"300 instances refused: {r.stderr.strip()[:160]}")
    check(by_next_hop(ing.candidates(V4), lab.addr(1))[0]["sequence"] == new_seq, "nothing re-advertised for refusals")
    e1.ctl("inject", "llm-chat", *many[:200], "--replace-instances")
    wait_for("100 instances accepted and advertised (a newer sequence)", lambda: any(
        c["next_hop"] == lab.addr(1) and c["sequence"] > new_seq for c in ing.candidates(V4)))
    # The same report again changes nothing: no new sequence, no UPDATE (a collector repeats its reports).
    time.sleep(1.0)
    before = int(e1.neighbor(lab.addr(10))["updates_out"])
    out = e1.ctl("inject", "llm-chat", *many[:200], "--replace-instances").stdout
    time.sleep(1.0)
    check("0 paths re-advertised" in out and int(e1.neighbor(lab.addr(10))["updates_out"]) == before,
          f"an identical report only refreshes: {out.strip()}")


def scenario_path_share(lab):
    """An ADD-PATH neighbor holds at most max-paths-per-prefix paths of a prefix: the ingress allows the reflector
    one path per prefix, so one of the two sites' paths is refused, counted and logged; when the held path is
    withdrawn the ingress asks for a route refresh and the refused path comes in without an operator."""
    e1 = lab.daemon("edge1", 1, edge_cfg(lab, 1, "10.0.0.1", 10, 7))
    e2 = lab.daemon("edge2", 2, edge_cfg(lab, 2, "10.0.0.2", 10, 4))
    rr = lab.daemon("rr", 10, rr_cfg(lab, 10, [1, 2], 20))
    cfg = ingress_cfg(lab, 20, 10)
    cfg["neighbors"]["neighbor"][0]["max-paths-per-prefix"] = 1
    ing = lab.daemon("ingress", 20, cfg)
    for d in (rr, ing, e1):
        d.start()
    wait_for("ingress has edge1's path", lambda: len(ing.candidates(V4)) == 1, 20)
    e2.start()
    wait_for("the reflector holds both sites", lambda: len(rr.rib(V4)[0]["paths"]) == 2, 20)
    wait_for("edge2's paths refused and counted",
             lambda: int(ing.neighbor(lab.addr(10)).get("paths_refused", 0)) >= 2, 10)
    check(len(ing.candidates(V4)) == 1 and len(ing.candidates(V6)) == 1, "still one path per prefix")
    check("path(s) refused, first for" in ing.log(), "the refusal is logged")
    held = ing.candidates(V4)[0]["next_hop"]
    (e1 if held == lab.addr(1) else e2).ctl("inject", "llm-chat", "--withdraw")
    other = lab.addr(2) if held == lab.addr(1) else lab.addr(1)
    wait_for("the refused site's path came in by route refresh", lambda: [c["next_hop"] for c in ing.candidates(V4)]
             == [other], 20)
    check("asking for a route refresh" in ing.log(), "the refresh is logged")


def scenario_drain_withdraw(lab):
    e1, e2, rr, ing = three_tier(lab)
    e1.ctl("inject", "llm-chat", "--drain")
    wait_for("ingress sees edge1 draining", lambda: any(
        c["next_hop"] == lab.addr(1) and c["drain"] for c in ing.candidates(V4)))
    check(not by_next_hop(ing.candidates(V4), lab.addr(2))[0]["drain"], "edge2 not draining")
    e1.ctl("inject", "llm-chat", "--withdraw")
    wait_for("edge1 withdrawn: one candidate left for both prefixes",
             lambda: [c["next_hop"] for c in ing.candidates(V4)] == [lab.addr(2)] and len(ing.candidates(V6)) == 1)
    svc = e1.services()["originated"][0]
    check(svc["withdrawn"] and not svc["advertised"], "edge1 shows the service withdrawn")
    e1.ctl("inject", "llm-chat", "--restore", "--no-drain")
    wait_for("edge1 back, not draining", lambda: any(
        c["next_hop"] == lab.addr(1) and not c["drain"] for c in ing.candidates(V4)))
    e2.ctl("inject", "llm-chat", "--withdraw")
    e1.ctl("inject", "llm-chat", "--withdraw")
    wait_for("both withdrawn: the ingress has no path for the service", lambda: not ing.rib(V4) and not ing.rib(V6))


def scenario_graceful_restart(lab):
    e1, e2, rr, ing = three_tier(lab, gr=True)
    check(rr.neighbor(lab.addr(1))["graceful_restart"], "reflector <-> edge1: graceful restart negotiated")
    e1.stop(signal.SIGKILL)
    wait_for("reflector keeps edge1's paths as stale", lambda: any(
        p["stale"] for e in rr.rib(V4) for p in e["paths"] if p["peer"] == lab.addr(1)), 10)
    check(len(ing.candidates(V4)) == 2, "ingress still has both sites during the restart")
    e1.start()
    wait_for("edge1 back: its paths fresh again after End-of-RIB", lambda: any(
        p["peer"] == lab.addr(1) and not p["stale"] for e in rr.rib(V4) for p in e["paths"]), 15)
    check("End-of-RIB" in rr.log(), "reflector logged End-of-RIB")
    # Not back within the restart time (6 s): swept.
    e1.stop(signal.SIGKILL)
    wait_for("stale paths while edge1 is away", lambda: any(
        p["stale"] for e in rr.rib(V4) for p in e["paths"] if p["peer"] == lab.addr(1)), 10)
    wait_for("restart time over: edge1's paths removed everywhere",
             lambda: all(p["peer"] != lab.addr(1) for e in rr.rib(V4) for p in e["paths"])
             and len(ing.candidates(V4)) == 1, 15)


def pair(lab, a_extra, b_extra, a_host=1, b_host=2):
    a = lab.daemon("a", a_host, {"global": global_cfg(65001, "10.0.0.1", "edge", lab.addr(a_host)),
                                 "neighbors": {"neighbor": [neighbor(lab.addr(b_host), 65002, lab.addr(a_host),
                                                                     **a_extra)]},
                                 "services": {"service": [{"name": "s", "prefix": ["198.51.100.1/32",
                                                                                  "198.51.100.2/32",
                                                                                  "198.51.100.3/32"],
                                                           "metrics": {"l2-score": 5}}]}})
    b = lab.daemon("b", b_host, {"global": global_cfg(65002, "10.0.0.2", "ingress", lab.addr(b_host)),
                                 "neighbors": {"neighbor": [neighbor(lab.addr(a_host), 65001, lab.addr(b_host),
                                                                     **b_extra)]}})
    return a, b


def scenario_md5(lab):
    a, b = pair(lab, {"md5-password": "right-key"}, {"md5-password": "wrong-key"})
    a.start(), b.start()
    time.sleep(6)
    check(not a.established(lab.addr(2)) and not b.established(lab.addr(1)),
          "MD5 key mismatch: no session after 6 s")
    b.stop()
    b.config["neighbors"]["neighbor"][0]["md5-password"] = "right-key"
    b.start()
    wait_for("matching keys: session established", lambda: b.established(lab.addr(1)), 15)
    wait_for("routes over the MD5 session", lambda: len(b.rib()) == 3)


def scenario_max_prefix(lab):
    a, b = pair(lab, {}, {"max-prefix": {"limit": 2, "restart-after": 0}})
    a.start(), b.start()
    wait_for("b drops the session: max-prefix exceeded", lambda: b.neighbor(lab.addr(1))["max_prefix_exceeded"], 15)
    n = b.neighbor(lab.addr(1))
    check(n["state"] != "established" and n["last_error"]["code"] == 6 and n["last_error"]["subcode"] == 1,
          f"b sent Cease 6/1: {n['last_error']['reason']}")
    na = a.neighbor(lab.addr(2))
    check(na["last_error"]["code"] == 6 and na["last_error"]["subcode"] == 1 and "received" in na["last_error"]["reason"],
          f"a received Cease 6/1: {na['last_error']['reason']}")
    check(not b.rib(), "b keeps none of the peer's routes")
    time.sleep(3)
    check(b.neighbor(lab.addr(1))["state"] != "established", "restart-after 0: stays down")
    a.ctl("inject", "s", "--withdraw")
    b.ctl("clear", "neighbor", lab.addr(1))
    wait_for("cleared: session back up", lambda: b.established(lab.addr(1)), 15)
    check(not b.neighbor(lab.addr(1))["max_prefix_exceeded"], "max-prefix state reset by clear")


def scenario_ebgp_policy(lab):
    """eBGP: AS_PATH prepend, next hop self, CATS stripped unless enabled, import policy sets LOCAL_PREF."""
    a, b = pair(lab, {}, {"policy": {"import": {"set-local-pref": 250}}})
    a.start(), b.start()
    wait_for("b has a's three prefixes", lambda: len(b.rib()) == 3)
    p = b.rib("198.51.100.1/32")[0]["paths"][0]
    check(p["as_path"] == "65001", f"AS_PATH is the origin AS: {p['as_path']!r}")
    check(p["next_hop"] == lab.addr(1), f"next hop is a's address: {p['next_hop']}")
    check("cats" not in p or not p["cats"].get("raw_hex"), "CATS attribute not sent over eBGP by default")
    check(p.get("local_pref") == 250, f"import policy set LOCAL_PREF 250: {p.get('local_pref')}")
    a.stop(), b.stop()
    a.config["neighbors"]["neighbor"][0]["cats"] = {"send": True}
    b.config["neighbors"]["neighbor"][0]["cats"] = {"receive": True}
    b.config["neighbors"]["neighbor"][0]["policy"] = {"import": {"prefix-list": "only-one"}}
    b.config["prefix-lists"] = {"prefix-list": [{"name": "only-one", "entry": [
        {"seq": 10, "action": "permit", "prefix": "198.51.100.2/32"}]}]}
    a.start(), b.start()
    wait_for("prefix list: only 198.51.100.2/32 accepted", lambda: [e["prefix"] for e in b.rib()] == ["198.51.100.2/32"])
    p = b.rib("198.51.100.2/32")[0]["paths"][0]
    check(p["cats"].get("l2") == 5, "CATS sent over eBGP when enabled on both sides")


def scenario_shutdown(lab):
    a, b = pair(lab, {}, {})
    a.start(), b.start()
    wait_for("session up", lambda: b.established(lab.addr(1)))
    rc = a.stop(signal.SIGTERM)
    check(rc == 0, f"catsd exits 0 on SIGTERM (rc {rc})")
    n = b.neighbor(lab.addr(1))
    check(n["last_error"]["code"] == 6 and n["last_error"]["subcode"] == 2,
          f"peer received Cease 6/2: {n['last_error']['reason']}")
    check("catsd shutting down" in b.log(), "the RFC 8203 shutdown text reached the peer")
    wait_for("peer's RIB empty", lambda: not b.rib())


def scenario_signals(lab):
    """SIGHUP reads the configuration again (unchanged here: nothing happens) and SIGUSR1 is answered with a log
    line, neither exits; the session and routes stay; SIGTERM still shuts down cleanly."""
    a, b = pair(lab, {}, {})
    a.start(), b.start()
    wait_for("session up, routes in", lambda: b.established(lab.addr(1)) and len(b.rib()) == 3)
    for sig, text in ((signal.SIGHUP, f"reload of {a.cfg_path}: no change"),
                      (signal.SIGUSR1, "SIGUSR1: catsd logs to stderr")):
        a.proc.popen.send_signal(sig)
        wait_for(f"{sig.name} logged", lambda text=text: text in a.log(), 5)
        check(a.proc.alive(), f"catsd alive after {sig.name}")
    check(b.established(lab.addr(1)) and len(b.rib()) == 3, "the session and its routes stayed")
    check(b.neighbor(lab.addr(1))["flaps"] == 0, "no flap")
    rc = a.stop(signal.SIGTERM)
    check(rc == 0, f"SIGTERM: exit 0 (rc {rc})")


def sighup(d, text, timeout=10):
    """Sends SIGHUP and waits for one more `text` in the log than before (the log is written asynchronously, so
    an offset taken now may precede lines of earlier events); returns the log from the SIGHUP's reading on."""
    n0, marks = d.log().count(text), d.log().count("SIGHUP: reading")
    d.proc.popen.send_signal(signal.SIGHUP)
    wait_for(f"{d.name}: {text}", lambda: d.log().count(text) > n0, timeout)
    log = d.log()
    at = -1
    for _ in range(marks + 1):
        at = log.find("SIGHUP: reading", at + 1)
    return log[at:]


def reload(d, text, timeout=10):
    """Writes d.config, sends SIGHUP, waits for `text` in the log; returns the log from the reading on."""
    catsd.write_config(d.cfg_path, d.config, top=d.top)
    return sighup(d, text, timeout)


def uptimes(d, addresses):
    return {a: (int(n["established_for_s"]), int(n["flaps"])) for a in addresses for n in [d.neighbor(a)]}


def scenario_reload(lab):
    """SIGHUP applies the difference: at the reflector a neighbor removed (Cease 6/3) and one added; at an edge a
    service's metrics changed; sessions nobody touched keep their uptime; a refused file (a router-id change,
    broken JSON) changes nothing; an XML file written by yanglint is the same configuration."""
    e1, e2, rr, ing = three_tier(lab, ingress_netconf=True)
    kept = [lab.addr(1), lab.addr(20)]
    watcher = nc_connect(lab, 20, "admin", password="admin")
    watcher.create_subscription()
    wait_for("reflector sessions up a few seconds", lambda: all(
        u >= 3 for u, _ in uptimes(rr, kept).values()), 10)
    before, t0 = uptimes(rr, kept), time.monotonic()

    # The reflector: edge2 goes, edge3 comes.
    e3 = lab.daemon("edge3", 3, edge_cfg(lab, 3, "10.0.0.3", 10, 6))
    e3.start()
    nbrs = rr.config["neighbors"]["neighbor"]
    nbrs[:] = [n for n in nbrs if n["address"] != lab.addr(2)]
    nbrs.append(neighbor(lab.addr(3), 65000, lab.addr(10), **{"route-reflector-client": True}))
    log = reload(rr, "change(s) applied")
    check(f"neighbor {lab.addr(2)} removed (Cease 6/3)" in log and f"neighbor {lab.addr(3)} added" in log,
          "the reload names what it changes")
    wait_for("edge2 told Cease 6/3 (deconfigured)", lambda: (e2.neighbor(lab.addr(10)).get("last_error") or {})
             .get("subcode") == 3 and e2.neighbor(lab.addr(10))["last_error"]["code"] == 6)
    wait_for("ingress: edge1 and edge3, not edge2", lambda: sorted(
        c["next_hop"] for c in ing.candidates(V4)) == [lab.addr(1), lab.addr(3)], 20)
    check(not any(n["address"] == lab.addr(2) for n in rr.json("show", "neighbors")["neighbors"]),
          "the reflector shows no edge2")

    # An edge: the configured L2 changes, the session stays.
    e1.config["services"]["service"][0]["metrics"]["l2-score"] = 2
    reload(e1, "change(s) applied")
    wait_for("ingress sees edge1 at L2 2", lambda: [c.get("l2") for c in by_next_hop(ing.candidates(V4),
                                                                                    lab.addr(1))] == [2])
    # The ingress's NETCONF subscriber hears the selection move (RFC 5277 notification of cats-bgp).
    heard = []
    deadline = time.monotonic() + 15
    moved = f"<selected>{lab.addr(3)}</selected>"
    while time.monotonic() < deadline and not any(V4 in h and moved in h for h in heard):
        n = watcher.take_notification(timeout=1)
        if n is not None:
            heard.append(n.notification_xml)
    sel = [h for h in heard if "selection-change" in h and V4 in h and moved in h]
    check(bool(sel), f"selection-change notification: {V4} now at edge3 ({len(heard)} heard)")
    watcher.close_session()
    after, elapsed = uptimes(rr, kept), int(time.monotonic() - t0)
    for a in kept:
        # Whole seconds: a session that had restarted would be younger than `elapsed`, and the old one was >= 3 s.
        check(after[a][1] == before[a][1] and after[a][0] >= before[a][0] + elapsed - 1,
              f"{a}: untouched session kept its uptime ({before[a][0]} s -> {after[a][0]} s in {elapsed} s, "
              "no flap)")
    check(e1.neighbor(lab.addr(10))["flaps"] == 0, "edge1's session did not flap for its metric change")

    # Refused: the whole file, with the path and reason; nothing changes.
    good = json.loads(json.dumps(rr.config))
    rr.config["global"]["router-id"] = "10.0.0.99"
    rr.config["neighbors"]["neighbor"].append(neighbor(lab.addr(4), 65000, lab.addr(10)))
    log = reload(rr, "the running configuration is unchanged")
    check("/cats-bgp:bgp/global/router-id" in log and "restart catsd" in log,
          "a router-id change is refused with its path")
    check(not any(n["address"] == lab.addr(4) for n in rr.json("show", "neighbors")["neighbors"]),
          "nothing of the refused file applied")
    with open(rr.cfg_path, "w") as f:
        f.write('{"cats-bgp:bgp": {"global": ')
    log = sighup(rr, "the running configuration is unchanged")
    check("reload refused" in log, "broken JSON refused")
    rr.config = good
    check(all(rr.established(a) for a in (lab.addr(1), lab.addr(3), lab.addr(20))), "every session still up")

    # XML, as yanglint writes it, is the same configuration.
    yang = os.path.join(ROOT, "yang")
    catsd.write_config(rr.cfg_path, rr.config)
    xml = subprocess.run(["yanglint", "-f", "xml", "-t", "config", "-p", yang, os.path.join(yang, "cats-bgp.yang"),
                          rr.cfg_path],
                         capture_output=True, text=True, timeout=20, check=True).stdout
    check(xml.lstrip().startswith("<bgp"), "yanglint wrote XML")
    with open(rr.cfg_path, "w") as f:
        f.write(xml)
    sighup(rr, ": no change")
    check(True, "the XML file is read: no change")
    r = subprocess.run([ARGS.catsd, "--config", rr.cfg_path, "--check"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 0, f"--check accepts the XML file: {r.stdout.strip()}")
    check(rr.proc.alive() and e1.proc.alive(), "no daemon exited")


NC_BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"
NC_CATS = "urn:catsd:yang:cats-bgp"


def nc_connect(lab, host, user, password=None, key=None):
    from ncclient import manager
    return manager.connect(host=lab.addr(host), port=8830, username=user, password=password, key_filename=key,
                           hostkey_verify=False, look_for_keys=False, allow_agent=False, timeout=20)


def nc_config(inner):
    return f'<config xmlns="{NC_BASE}"><bgp xmlns="{NC_CATS}">{inner}</bgp></config>'


def nc_neighbor_xml(address, asn, local, op=None, extra=""):
    attr = f' xmlns:nc="{NC_BASE}" nc:operation="{op}"' if op else ""
    return (f"<neighbors><neighbor{attr}><address>{address}</address><remote-as>{asn}</remote-as>"
            f"<local-address>{local}</local-address><timers><hold-time>9</hold-time><keepalive>3</keepalive>"
            f"<connect-retry>1</connect-retry><idle-hold>1</idle-hold><idle-hold-max>2</idle-hold-max></timers>"
            f"{extra}</neighbor></neighbors>")


def nc_neighbors(m, source="running"):
    """The neighbor addresses of a datastore, read with an xpath filter."""
    import xml.etree.ElementTree as ET
    r = m.get_config(source=source, filter=("xpath", ({"cb": NC_CATS}, "/cb:bgp/cb:neighbors")))
    root = ET.fromstring(r.xml)
    return sorted(e.text for e in root.iter(f"{{{NC_CATS}}}address"))


def scenario_netconf(lab):
    """Issue 17 with a real client (ncclient): a catsd configured and observed over NETCONF. A neighbor added on the
    candidate comes up after commit; a lock keeps another session's edit out; an invalid edit and a commit catsd
    refuses are rpc-errors with the data path and change nothing; an edit of running applies at once without a
    flap; a removal sends Cease 6/3; the file follows commits and a SIGHUP reload follows the file."""
    from ncclient.operations.rpc import RPCError
    from ncclient.transport.errors import AuthenticationError
    key = os.path.join(lab.dir, "id_ed25519")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True, timeout=20)
    a = lab.daemon("a", 1, {"global": global_cfg(65001, "10.0.0.1", "ingress", lab.addr(1)),
                            "netconf": {"enabled": True, "address": lab.addr(1), "port": 8830,
                                        "host-key": "netconf-host-key.pem",
                                        "user": [{"name": "admin", "password": "admin"},
                                                 {"name": "robot", "authorized-key": key + ".pub"},
                                                 {"name": "viewer", "password": "viewer"},
                                                 {"name": "otto", "password": "otto"}]}})
    # RFC 8341: admin and robot may do anything, viewer only read (not the users), otto only change neighbors.
    a.top = {"ietf-netconf-acm:nacm": {
        "groups": {"group": [{"name": "admin", "user-name": ["admin", "robot"]},
                             {"name": "viewers", "user-name": ["viewer"]},
                             {"name": "operators", "user-name": ["otto"]}]},
        "rule-list": [
            {"name": "admin", "group": ["admin"], "rule": [{"name": "all", "action": "permit"}]},
            {"name": "read-only", "group": ["viewers"], "rule": [
                {"name": "no-users", "module-name": "cats-bgp", "path": "/cats-bgp:bgp/netconf",
                 "access-operations": "read", "action": "deny"},
                {"name": "get-config", "module-name": "ietf-netconf", "rpc-name": "get-config",
                 "access-operations": "exec", "action": "permit"},
                {"name": "no-other-rpc", "rpc-name": "*", "access-operations": "exec", "action": "deny"}]},
            {"name": "operators", "group": ["operators"], "rule": [
                {"name": "neighbors", "module-name": "cats-bgp", "path": "/cats-bgp:bgp/neighbors",
                 "access-operations": "create update delete", "action": "permit"}]}]}}
    b = lab.daemon("b", 2, {"global": global_cfg(65002, "10.0.0.2", "ingress", lab.addr(2)),
                            "neighbors": {"neighbor": [neighbor(lab.addr(1), 65001, lab.addr(2))]}})
    a.start(), b.start()
    check(os.path.exists(os.path.join(os.path.dirname(a.cfg_path), "netconf-host-key.pem")),
          "the SSH host key was created beside the configuration")
    try:
        nc_connect(lab, 1, "admin", password="wrong")
        check(False, "a wrong password is refused")
    except AuthenticationError:
        check(True, "a wrong password is refused")
    m = nc_connect(lab, 1, "admin", password="admin")
    caps = list(m.server_capabilities)
    for c in ("urn:ietf:params:netconf:capability:candidate:1.0",
              "urn:ietf:params:netconf:capability:writable-running:1.0",
              "urn:ietf:params:netconf:capability:validate:1.1", "urn:ietf:params:netconf:capability:xpath:1.0"):
        check(c in caps, f"hello announces {c}")
    robot = nc_connect(lab, 1, "robot", key=key)
    check(robot.connected, "public-key login (ed25519)")
    check("10.0.0.1" in m.get_config(source="running").xml, "get-config running has the router id")
    check("module cats-bgp" in str(m.get_schema("cats-bgp")), "get-schema returns the module")

    # Candidate, then commit: the neighbor comes up with the peer.
    m.edit_config(target="candidate", config=nc_config(nc_neighbor_xml(lab.addr(2), 65002, lab.addr(1))))
    check(nc_neighbors(m, "running") == [] and nc_neighbors(m, "candidate") == [lab.addr(2)],
          "the edit is in the candidate only")
    m.validate(source="candidate")
    m.commit()
    wait_for("the committed neighbor is Established", lambda: a.established(lab.addr(2)), 20)
    check(nc_neighbors(m) == [lab.addr(2)], "running has it")
    st = m.get(filter=("xpath", ({"cb": NC_CATS},
                                 f"/cb:bgp/cb:neighbors/cb:neighbor[cb:address='{lab.addr(2)}']/cb:state"))).xml
    check("<session-state>established</session-state>" in st and "<peer-router-id>10.0.0.2</peer-router-id>" in st
          and "<name>ipv4-unicast</name>" in st, "get: the neighbor's session state, as in show neighbors")
    check("<session-state>" not in m.get_config(source="running").xml, "get-config has no state")
    # NMDA (RFC 8526): get-data on the operational datastore, state only.
    from ncclient.xml_ import to_ele
    r = m.dispatch(to_ele(
        '<get-data xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-nmda" '
        'xmlns:ds="urn:ietf:params:xml:ns:yang:ietf-datastores"><datastore>ds:operational</datastore>'
        f'<subtree-filter><bgp xmlns="{NC_CATS}"><neighbors/></bgp></subtree-filter>'
        '<config-filter>false</config-filter></get-data>')).xml
    check("<session-state>established</session-state>" in r and "<remote-as>" not in r,
          "get-data operational, config-filter false: the session state without the configuration")
    r = m.dispatch(to_ele(f'<clear-neighbor xmlns="{NC_CATS}"><address>{lab.addr(2)}</address><mode>soft</mode>'
                          '</clear-neighbor>'))
    check(">1</cleared>" in r.xml and a.established(lab.addr(2)), "the model's clear-neighbor (soft)")
    # Notifications (RFC 5277): a subscriber hears the session go down and come back.
    watcher = nc_connect(lab, 1, "admin", password="admin")
    watcher.create_subscription()
    m.dispatch(to_ele(f'<clear-neighbor xmlns="{NC_CATS}"><address>{lab.addr(2)}</address><mode>hard</mode>'
                      '<reason>notification test</reason></clear-neighbor>'))
    heard = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any("<session-state>established<" in h for h in heard):
        n = watcher.take_notification(timeout=1)
        if n is not None:
            heard.append(n.notification_xml)
    downs = [h for h in heard if "session-change" in h and "<session-state>down<" in h and lab.addr(2) in h]
    ups = [h for h in heard if "session-change" in h and "<session-state>established<" in h]
    check(bool(downs) and bool(ups) and "Administrative Reset" in downs[0],
          f"session-change notifications: down (Administrative Reset) then established ({len(heard)} heard)")
    watcher.close_session()
    wait_for("Established again after the hard clear", lambda: a.established(lab.addr(2)), 20)
    flaps = int(a.neighbor(lab.addr(2))["flaps"])  # from here on, nothing may make it flap
    try:
        m.dispatch(to_ele(f'<inject-metrics xmlns="{NC_CATS}"><service>x</service><l2-score>3</l2-score>'
                          '</inject-metrics>'))
        check(False, "inject-metrics at an ingress is refused")
    except RPCError as e:
        check("not an edge" in e.message, f"inject-metrics at an ingress is refused: {e.message}")
    with open(a.cfg_path) as f:
        saved = json.load(f)
    check([n["address"] for n in saved["cats-bgp:bgp"]["neighbors"]["neighbor"]] == [lab.addr(2)],
          "the commit is saved to the configuration file")

    # A lock held by one session keeps the other's edit out.
    m.lock(target="candidate")
    try:
        robot.edit_config(target="candidate", config=nc_config("<neighbors><neighbor><address>192.0.2.7</address>"
                                                               "<remote-as>1</remote-as></neighbor></neighbors>"))
        check(False, "an edit of a datastore locked by another session is refused")
    except RPCError as e:
        check(e.tag == "in-use", f"an edit of a datastore locked by another session is refused: {e.tag}: {e.message}")
    m.unlock(target="candidate")

    # Access control: a read-only user reads (not the users and passwords) and changes nothing; an operator may
    # change neighbors only.
    viewer = nc_connect(lab, 1, "viewer", password="viewer")
    seen = viewer.get_config(source="running").xml
    check(lab.addr(2) in seen and "<user>" not in seen and "8830" not in seen,
          "viewer reads the configuration without the NETCONF users")
    for what, call in (("edit-config", lambda: viewer.edit_config(target="candidate", config=nc_config(
                           "<neighbors><neighbor><address>192.0.2.8</address><remote-as>1</remote-as></neighbor>"
                           "</neighbors>"))),
                       ("commit", viewer.commit), ("lock", lambda: viewer.lock(target="running")),
                       ("clear-neighbor", lambda: viewer.dispatch(to_ele(
                           f'<clear-neighbor xmlns="{NC_CATS}"><address>all</address></clear-neighbor>')))):
        try:
            call()
            check(False, f"viewer: {what} denied")
        except RPCError as e:
            check(e.tag == "access-denied", f"viewer: {what} denied ({e.tag}: {e.message})")
    viewer.close_session()
    otto = nc_connect(lab, 1, "otto", password="otto")
    try:
        otto.edit_config(target="candidate", config=nc_config("<global><router-id>10.0.0.98</router-id></global>"))
        check(False, "otto may not change global")
    except RPCError as e:
        check(e.tag == "access-denied" and e.path == "/cats-bgp:bgp/global/router-id",
              f"otto may not change global: {e.tag} at {e.path}")
    otto.edit_config(target="candidate", config=nc_config(
        f"<neighbors><neighbor><address>{lab.addr(2)}</address><description>otto was here</description>"
        "</neighbor></neighbors>"))
    otto.commit()
    check(a.neighbor(lab.addr(2))["description"] == "otto was here", "otto may change a neighbor")
    otto.close_session()

    # Refused: by the model (the path of the value), and by catsd at commit; nothing changes.
    up_before = int(a.neighbor(lab.addr(2))["established_for_s"])
    try:
        m.edit_config(target="candidate", config=nc_config(
            f"<neighbors><neighbor><address>{lab.addr(2)}</address><timers><hold-time>2</hold-time></timers>"
            "</neighbor></neighbors>"))
        check(False, "hold-time 2 is refused")
    except RPCError as e:
        check(e.tag == "invalid-value" and e.path and e.path.endswith("/timers/hold-time")
              and f"neighbor[address='{lab.addr(2)}']" in e.path,
              f"hold-time 2: invalid-value at {e.path}: {e.message}")
    m.edit_config(target="candidate", config=nc_config(
        '<global><router-id>10.0.0.99</router-id></global>'))
    try:
        m.commit()
        check(False, "a router-id change is refused at commit")
    except RPCError as e:
        check(e.path == "/cats-bgp:bgp/global/router-id" and "restart catsd" in e.message,
              f"a router-id change is refused at commit: {e.path}: {e.message}")
    m.discard_changes()
    check("10.0.0.99" not in m.get_config(source="candidate").xml, "discard-changes restores the candidate")
    check(a.established(lab.addr(2)) and int(a.neighbor(lab.addr(2))["flaps"]) == flaps, "the session stayed up")

    # An edit of running applies at once; a description is no reason to touch the session.
    m.edit_config(target="running", config=nc_config(
        f"<neighbors><neighbor><address>{lab.addr(2)}</address><description>via NETCONF</description>"
        "</neighbor></neighbors>"))
    check(a.neighbor(lab.addr(2))["description"] == "via NETCONF", "show neighbors has the new description")
    sub = m.get_config(source="running", filter=("subtree", f'<bgp xmlns="{NC_CATS}"><neighbors><neighbor>'
                                                  f'<address>{lab.addr(2)}</address><description/></neighbor>'
                                                  '</neighbors></bgp>')).xml
    check("via NETCONF" in sub and "<remote-as>" not in sub and "<global>" not in sub,
          "a subtree filter returns what it names")
    n = a.neighbor(lab.addr(2))
    check(int(n["flaps"]) == flaps and int(n["established_for_s"]) >= up_before,
          "no flap for a description")

    # Confirmed commit (RFC 6241 §8.4): rolled back unless confirmed in time; a confirming commit keeps it.
    extra = nc_neighbor_xml(lab.addr(3), 65003, lab.addr(1), extra="<passive>true</passive>")
    m.edit_config(target="candidate", config=nc_config(extra))
    m.commit(confirmed=True, timeout="2")
    check(lab.addr(3) in [n["address"] for n in a.json("show", "neighbors")["neighbors"]],
          "a confirmed commit applies at once")
    wait_for("not confirmed within 2 s: rolled back", lambda: nc_neighbors(m) == [lab.addr(2)] and lab.addr(3) not in [
        n["address"] for n in a.json("show", "neighbors")["neighbors"]], 15)
    check("running rolled back" in a.log(), "the rollback is logged")
    m.edit_config(target="candidate", config=nc_config(extra))
    m.commit(confirmed=True, timeout="30")
    m.commit()
    time.sleep(1)
    check(nc_neighbors(m) == sorted([lab.addr(2), lab.addr(3)]), "a confirming commit keeps it")
    m.edit_config(target="candidate", config=nc_config(
        nc_neighbor_xml(lab.addr(3), 65003, lab.addr(1), op="delete")))
    m.commit()
    check(int(a.neighbor(lab.addr(2))["flaps"]) == flaps, "the unrelated session never flapped")

    # kill-session ends the other session and frees its locks.
    robot.lock(target="running")
    m.kill_session(robot.session_id)
    wait_for("the killed session is gone", lambda: not robot.connected, 10)
    m.lock(target="running")
    m.unlock(target="running")

    # Removal: Cease 6/3 to the peer.
    m.edit_config(target="candidate", config=nc_config(
        nc_neighbor_xml(lab.addr(2), 65002, lab.addr(1), op="delete")))
    m.commit()
    wait_for("the peer heard Cease 6/3", lambda: (b.neighbor(lab.addr(1)).get("last_error") or {}).get("subcode") == 3)
    check(nc_neighbors(m) == [], "running has no neighbor")

    # The file changed by hand and SIGHUP: NETCONF's running follows.
    a.config = saved["cats-bgp:bgp"]
    a.config["neighbors"]["neighbor"][0]["description"] = "from the file"
    reload(a, "change(s) applied")
    wait_for("NETCONF running has the reloaded neighbor", lambda: nc_neighbors(m) == [lab.addr(2)], 10)
    check("from the file" in m.get_config(source="running").xml, "with its description")
    # An edit naming only an empty container: the whole list goes (in the candidate, discarded after).
    m.edit_config(target="candidate", config=nc_config(f'<neighbors xmlns:nc="{NC_BASE}" nc:operation="remove"/>'))
    check(nc_neighbors(m, "candidate") == [] and nc_neighbors(m) == [lab.addr(2)],
          "<neighbors nc:operation=remove/> empties the candidate's list")
    m.discard_changes()
    m.close_session()
    check(a.proc.alive(), "catsd alive")


def yangcli(lab, host, user, password, lines):
    """Runs yangcli (yuma123, Debian) in batch mode with a script; its output (debug level shows the replies)."""
    script = os.path.join(lab.dir, f"yangcli-{user}.txt")
    with open(script, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = subprocess.run(["yangcli", "--batch-mode", f"--server={lab.addr(host)}", "--ncport=8830", f"--user={user}",
                        f"--password={password}", f"--modpath={os.path.join(ROOT, 'yang')}:/usr/share/yuma/modules",
                        "--module=cats-bgp", f"--run-script={script}", "--log-level=debug"],
                       capture_output=True, text=True, timeout=60)
    return r.stdout + r.stderr


def scenario_netconf_yangcli(lab):
    """The second, independent NETCONF client: yangcli (yuma123) merges a neighbor and commits, the session comes up,
    xget shows its state; a read-only user's merge is refused and changes nothing."""
    a = lab.daemon("a", 1, {"global": global_cfg(65001, "10.0.0.1", "ingress", lab.addr(1)),
                            "netconf": {"enabled": True, "address": lab.addr(1), "port": 8830,
                                        "host-key": "host-key.pem",
                                        "user": [{"name": "admin", "password": "admin"},
                                                 {"name": "viewer", "password": "viewer"}]}})
    a.top = {"ietf-netconf-acm:nacm": {
        "groups": {"group": [{"name": "admin", "user-name": ["admin"]}, {"name": "viewers", "user-name": ["viewer"]}]},
        "rule-list": [{"name": "admin", "group": ["admin"], "rule": [{"name": "all", "action": "permit"}]}]}}
    b = lab.daemon("b", 2, {"global": global_cfg(65002, "10.0.0.2", "ingress", lab.addr(2)),
                            "neighbors": {"neighbor": [neighbor(lab.addr(1), 65001, lab.addr(2))]}})
    a.start(), b.start()
    out = yangcli(lab, 1, "admin", "admin", [
        f"merge /bgp/neighbors/neighbor -- address={lab.addr(2)} remote-as=65002 local-address={lab.addr(1)}",
        "commit"])
    check("RPC OK Reply" in out and "RPC Error" not in out, "yangcli: merge and commit answered ok")
    wait_for("the neighbor yangcli added is Established", lambda: a.established(lab.addr(2)), 30)
    out = yangcli(lab, 1, "admin", "admin", ["xget /bgp/neighbors", "sget /bgp/global"])
    check(f"neighbor {lab.addr(2)}" in out and "session-state established" in out,
          "yangcli xget (xpath filter): the neighbor with its session state")
    check("router-id 10.0.0.1" in out.split("sget /bgp/global")[-1], "yangcli sget (subtree filter): global")
    print(out.split("sget /bgp/global")[-1][:1500])
    out = yangcli(lab, 1, "viewer", "viewer", [
        "merge /bgp/neighbors/neighbor -- address=192.0.2.99 remote-as=1", "commit"])
    check("RPC Error" in out and "access-denied" in out, "yangcli as viewer: the write is denied (access-denied)")
    check(not any(n["address"] == "192.0.2.99" for n in a.json("show", "neighbors")["neighbors"]),
          "nothing of the viewer's edit applied")


def bad_open(src, dst):
    """Connects from src to dst:179 and sends an OPEN with version 3, as a spoofer would; returns the body of
    the NOTIFICATION received (b"" if none)."""
    import socket
    s = socket.socket()
    s.settimeout(5)
    s.bind((src, 0))
    s.connect((dst, 179))
    body = bytes([3]) + (65000).to_bytes(2, "big") + (90).to_bytes(2, "big") + bytes([10, 9, 9, 9, 0])
    s.sendall(b"\xff" * 16 + (19 + len(body)).to_bytes(2, "big") + b"\x01" + body)
    data = b""
    try:
        while chunk := s.recv(4096):
            data += chunk
    except OSError:
        pass
    s.close()
    # The reply: catsd's own OPEN, then the NOTIFICATION.
    while len(data) >= 19:
        length = int.from_bytes(data[16:18], "big")
        if data[18] == 3:
            return data[19:length]
        data = data[length:]
    return b""


def scenario_first_sessions(lab):
    """With the default idle hold (30 s) and connect retry (120 s): four daemons started one after the other reach
    Established within seconds (a refused connect must not cost a full idle hold), and bad OPENs sent from a
    neighbor's address before it is up do not lock the neighbor out."""
    timers = {"hold-time": 9, "keepalive": 3}
    hosts = (1, 2, 3, 4)
    mesh = [lab.daemon(f"d{h}", h, {"global": global_cfg(65000, f"10.0.0.{h}", "ingress", lab.addr(h)),
                                    "neighbors": {"neighbor": [dict(neighbor(lab.addr(o), 65000, lab.addr(h)),
                                                                    timers=timers) for o in hosts if o != h]}})
            for h in hosts]
    for d in mesh:
        d.start()
    t0 = time.monotonic()
    wait_for("all 12 sessions of the mesh Established", lambda: all(
        n["state"] == "established" for d in mesh for n in d.json("show", "neighbors")["neighbors"]), 8)
    print(f"  mesh up {time.monotonic() - t0:.1f} s after the last start")

    a = lab.daemon("a", 5, {"global": global_cfg(65000, "10.0.0.5", "ingress", lab.addr(5)),
                            "neighbors": {"neighbor": [dict(neighbor(lab.addr(6), 65000, lab.addr(5)),
                                                            timers=timers)]}})
    b = lab.daemon("b", 6, {"global": global_cfg(65000, "10.0.0.6", "ingress", lab.addr(6)),
                            "neighbors": {"neighbor": [dict(neighbor(lab.addr(5), 65000, lab.addr(6)),
                                                            timers=timers)]}})
    a.start()
    for _ in range(3):
        n = bad_open(lab.addr(6), lab.addr(5))
        check(n[:2] == bytes([2, 1]), f"spoofed OPEN with version 3 answered with NOTIFICATION {n[:2].hex()} (0201)")
    b.start()
    t0 = time.monotonic()
    wait_for("the real neighbor is taken although three bad OPENs came from its address",
             lambda: a.established(lab.addr(6)), 8)
    print(f"  a-b up {time.monotonic() - t0:.1f} s after b started")


# Runs a command with stdout and stderr on a 4 KiB pipe that nobody reads
# (the command itself holds the read end open, so writes block, not fail).
UNREAD_STDERR = """
import fcntl, os, sys
r, w = os.pipe()
fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ
os.set_inheritable(r, True)
os.dup2(w, 1)
os.dup2(w, 2)
os.execv(sys.argv[1], sys.argv[1:])
"""


def scenario_log_unread(lab):
    """With stderr a pipe nobody reads, logging must not stop catsd: the API answers, the session stays up past
    its hold time, and SIGTERM still ends catsd in time."""
    a, b = pair(lab, {}, {})
    a.wrap = ["/usr/bin/python3", "-c", UNREAD_STDERR]
    b.start(), a.start()
    wait_for("session up, routes in", lambda: b.established(lab.addr(1)) and len(b.rib()) == 3)
    t0 = time.monotonic()
    first = None
    for i in range(120):  # about 8 KB of log lines into the full pipe
        out = a.ctl("inject", "s", "--l2", str(i % 10), timeout=5).stdout
        first = first or seq_of(out)
    took = time.monotonic() - t0
    check(took < 60, f"120 metric changes answered in {took:.1f} s with the log pipe full")
    time.sleep(FAST["hold-time"] * 1.5)
    check(b.established(lab.addr(1)) and a.established(lab.addr(2)), "session up after 1.5 hold times")
    check(f"sequence {seq_of(out)}" in out and "3 paths re-advertised" in out and seq_of(out) > first,
          f"every change applied: {out.strip()}")
    t0 = time.monotonic()
    rc = a.stop(signal.SIGTERM, bound=8)
    check(rc == 0, f"SIGTERM: exit 0 in {time.monotonic() - t0:.1f} s although the log writer is stuck")


def scenario_mrai_refresh(lab):
    """Per-peer MRAI batches changes; clear soft-out re-sends; clear soft-in asks for a refresh."""
    a, b = pair(lab, {"timers": dict(FAST, **{"min-route-advertisement-interval": 4}), "cats": {"send": True}},
                {"cats": {"receive": True}})
    a.start(), b.start()
    wait_for("b has a's prefixes", lambda: len(b.rib()) == 3)
    seq = lambda: b.rib("198.51.100.1/32")[0]["paths"][0]["cats"].get("sequence")  # noqa: E731
    s1 = seq_of(a.ctl("inject", "s", "--l2", "4").stdout)  # the first change goes at once, and starts the MRAI timer
    wait_for("first change at once", lambda: seq() == s1, 3)
    t0 = time.monotonic()
    s2 = seq_of(a.ctl("inject", "s", "--l2", "3").stdout)
    time.sleep(1.5)
    check(seq() == s1, "second change held back by the 4 s MRAI")
    wait_for("second change after the MRAI", lambda: seq() == s2, 6)
    check(time.monotonic() - t0 >= 2.0, f"released after {time.monotonic() - t0:.1f} s")
    time.sleep(4.5)  # let the timer run out
    before = int(b.neighbor(lab.addr(1))["updates_in"])
    a.ctl("clear", "neighbor", lab.addr(2), "--soft-out")
    wait_for("soft-out: a re-sent its table", lambda: int(b.neighbor(lab.addr(1))["updates_in"]) > before, 8)
    check(b.neighbor(lab.addr(1))["state"] == "established", "session stayed up")
    before = int(b.neighbor(lab.addr(1))["updates_in"])
    b.ctl("clear", "neighbor", lab.addr(1), "--soft-in")
    wait_for("soft-in: ROUTE-REFRESH made a re-send its table",
             lambda: int(b.neighbor(lab.addr(1))["updates_in"]) > before, 8)
    check(len(b.rib()) == 3 and b.established(lab.addr(1)), "same three prefixes, session up")
    r = b.ctl("clear", "neighbor", "192.0.2.99", check_rc=False)
    check(r.returncode == 4 and "192.0.2.99" in r.stderr, f"clear of an unknown neighbor refused: {r.stderr.strip()}")


def scenario_config_errors(lab):
    bad = {"global": {"as": 65000, "router-id": "0.0.0.0", "role": ["edge"]},
           "neighbors": {"neighbor": [{"address": "127.0.0.1", "remote-as": 65000, "timers": {"hold-time": 2}}]}}
    path = catsd.write_config(os.path.join(lab.dir, "bad.json"), bad, indent=None)
    r = subprocess.run([ARGS.catsd, "--config", path, "--api", "none"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 1, f"bad configuration: exit 1 (rc {r.returncode})")
    check("/cats-bgp:bgp/" in r.stderr and "hold-time" in r.stderr, f"error names the path: {r.stderr.strip()}")
    with open(path, "w") as f:
        f.write('{"cats-bgp:bgp": {"global": ')
    r = subprocess.run([ARGS.catsd, "--config", path, "--api", "none"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 1 and r.stderr.strip(), f"truncated JSON: exit 1: {r.stderr.strip()[:120]}")
    r = subprocess.run([ARGS.catsd, "--config", "/nonexistent.json"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 1 and "nonexistent" in r.stderr, "missing file named")
    for special in ("/dev/zero", lab.dir):
        r = subprocess.run([ARGS.catsd, "--config", special, "--check"], capture_output=True, text=True, timeout=10)
        check(r.returncode == 1 and "not a regular file" in r.stderr, f"{special} refused: {r.stderr.strip()}")
    big = os.path.join(lab.dir, "big.json")
    with open(big, "wb") as f:
        f.truncate(17 << 20)  # sparse: nothing is written
    r = subprocess.run([ARGS.catsd, "--config", big, "--check"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 1 and "larger than 16 MiB" in r.stderr, f"a 17 MiB file refused unread: {r.stderr.strip()}")
    # A service that no UPDATE could carry is a configuration error.
    edge = edge_cfg(lab, 1, "10.0.0.1", 2, 5)
    edge["services"]["service"][0]["metrics"]["instance"] = [
        {"id": f"2001:db8::{i + 1:x}", "l2-score": 3} for i in range(3000)]
    path = catsd.write_config(os.path.join(lab.dir, "many.json"), edge, indent=None)
    r = subprocess.run([ARGS.catsd, "--config", path, "--check"], capture_output=True, text=True, timeout=20)
    check(r.returncode == 1 and "service[name='llm-chat']/metrics" in r.stderr and "at most 3584" in r.stderr,
          f"3,000 contact instances refused by --check: {r.stderr.strip()[:200]}")
    # A port already in use is a start-up error, not a hang.
    a = lab.daemon("a", 1, {"global": global_cfg(65001, "10.0.0.1", "ingress", lab.addr(1))})
    a.start()
    path = catsd.write_config(os.path.join(lab.dir, "b.json"), a.config, indent=None)
    r = subprocess.run([ARGS.catsd, "--config", path, "--api", f"{lab.addr(2)}:50051"],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 1 and "cannot listen" in r.stderr, f"port in use: exit 1: {r.stderr.strip()[-100:]}")
    check(a.proc.alive(), "the running daemon is unaffected")


def scenario_collector_in_process(lab):
    """Issue 5 end to end: loadsim -> the edge's in-process collector -> BGP -> the ingress's show services."""
    sys.path.insert(0, os.path.join(ARGS.source, "interop", "loadsim"))
    import simtest
    sim = simtest.LoadSim({"instances": [{"name": "v", "engine": "vllm", "fields": {
        "queue": 0, "running": 2, "kv_cache": 0.2, "latency": 0.3}}]}, lab.dir, duration=120)
    lab.procs.adopt("loadsim", sim.proc.p)
    port = sim.ports["v"]
    edge = edge_cfg(lab, 1, "10.0.0.1", 2, 9)
    edge["services"]["service"][0].update({"profile": 1, "metrics": {"l2-score": 9}})
    edge["scoring"] = {"profile": [{"id": 1, "name": "llm", "input": [
        {"name": "queue", "full": "0", "zero": "16"}, {"name": "memory", "full": "0.5", "zero": "0.95"}],
        "weights": {"compute": "1"}}]}
    edge["damper"] = {"half-life": 100, "min-interval": 1, "interval": 1}
    edge["collector"] = {"engine-profiles": os.path.join(ARGS.source, "metric-collector", "profiles", "engines.json"),
                         "target": [{"name": "vllm-v", "url": f"http://127.0.0.1:{port}/metrics", "engine": "vllm",
                                     "interval": 200, "stale-after": 1500, "service": "llm-chat",
                                     "instance-id": "10.0.1.1"}]}
    edge["netconf"] = {"enabled": True, "address": lab.addr(1), "port": 8830, "host-key": "host-key.pem",
                       "user": [{"name": "admin", "password": "admin"}]}
    e = lab.daemon("edge", 1, edge)
    ing = lab.daemon("ingress", 2, {"global": global_cfg(65000, "10.0.0.2", "ingress", lab.addr(2)),
                                    "neighbors": {"neighbor": [neighbor(lab.addr(1), 65000, lab.addr(2))]}})
    e.start(), ing.start()
    wait_for("light load: the ingress sees L2 10", lambda: any(c.get("l2") == 10 for c in ing.candidates(V4)), 20)
    # The target's and the service's state over NETCONF (get), as the collector and the edge see them.
    m = nc_connect(lab, 1, "admin", password="admin")
    st = m.get(filter=("xpath", ({"cb": NC_CATS}, "/cb:bgp/cb:collector/cb:target/cb:state"))).xml
    check("<answered>true</answered>" in st and "<stale>false</stale>" in st and "<last-failure>none" in st,
          "NETCONF get: the collector target answered, fresh, no failure")
    st = m.get(filter=("xpath", ({"cb": NC_CATS}, "/cb:bgp/cb:services/cb:service/cb:state"))).xml
    check("<advertised>true</advertised>" in st and "<l2-score>10</l2-score>" in st,
          "NETCONF get: the service advertised at L2 10")
    m.close_session()
    sim.set("v", queue=16, kv_cache=0.95)
    # L2 0: the only instance has no capacity left; the site is busy, not gone: announced at L2 0, not withdrawn.
    busy = wait_for("no capacity: the site is announced at L2 0",
                    lambda: [c for c in ing.candidates(V4) if c.get("l2") == 0], 20)
    check("zero: v" in e.log() or "zero: 10.0.1.1" in e.log(), "the edge logs why (no capacity)")
    sim.set("v", queue=4, kv_cache=0.2)
    cands = wait_for("load falls: announced again", lambda: [c for c in ing.candidates(V4) if c.get("l2", 0) >= 5], 20)
    check(cands[0]["sequence"] > busy[0]["sequence"], f"a newer Metric Control sequence: {cands[0]['sequence']}")
    sim.stop()
    wait_for("loadsim gone: the site has no healthy instance, the service is withdrawn",
             lambda: not ing.candidates(V4), 20)
    check("collector: 1 targets in process" in e.log(), "the edge ran the collector in process")


def scenario_edge_restart(lab):
    """An edge with startup-wait advertises nothing until its first report or the wait's end, then the configured
    metrics; after a restart its Metric Control sequence goes on from above the old one (it follows the clock)."""
    edge = edge_cfg(lab, 1, "10.0.0.1", 2, 6)
    edge["services"]["service"][0]["freshness"] = {"startup-wait": 3}
    e = lab.daemon("edge", 1, edge)
    ing = lab.daemon("ingress", 2, {"global": global_cfg(65000, "10.0.0.2", "ingress", lab.addr(2)),
                                    "neighbors": {"neighbor": [neighbor(lab.addr(1), 65000, lab.addr(2))]}})
    ing.start(), e.start()
    t0 = time.monotonic()
    wait_for("session up", lambda: ing.established(lab.addr(1)), 10)
    check(not ing.candidates(V4) and time.monotonic() - t0 < 2.5, "during the startup wait nothing is advertised")
    wait_for("after the wait: the configured L2 6", lambda: any(c.get("l2") == 6 for c in ing.candidates(V4)), 10)
    check(time.monotonic() - t0 >= 2.5, f"advertised {time.monotonic() - t0:.1f} s after the start")
    check("no report within the startup wait" in e.log(), "the edge logs why it advertises the configured metrics")
    for i in range(20):  # many changes in a short time: the sequence runs ahead of the clock a little
        e.ctl("inject", "llm-chat", "--l2", str(1 + i % 9))
    before = seq_of(e.ctl("inject", "llm-chat", "--l2", "8").stdout)
    wait_for("ingress has the last change", lambda: ing.candidates(V4)[0]["sequence"] == before, 10)
    e.stop()
    e.start()
    e.ctl("inject", "llm-chat", "--l2", "7")  # a first report ends the wait at once
    cands = wait_for("restarted edge: L2 7 at once", lambda: [c for c in ing.candidates(V4) if c.get("l2") == 7], 3)
    check(cands[0]["sequence"] > before, f"sequence after the restart {cands[0]['sequence']} > {before} before it")


def collector_cfg(sim_port, router_id, push=None, **more):
    """A stand-alone cats-collector's configuration: service llm-chat (V4, configured L2 5) scored by the queue of a
    loadsim vLLM instance on sim_port; `push`: the collector/push container."""
    cfg = {"global": {"as": 65000, "router-id": router_id, "role": ["edge"]},
           "services": {"service": [{"name": "llm-chat", "prefix": [V4], "profile": 1, "metrics": {"l2-score": 5}}]},
           "scoring": {"profile": [{"id": 1, "name": "llm", "input": [
               {"name": "queue", "full": "0", "zero": "16"}], "weights": {"compute": "1"}}]},
           "damper": {"half-life": 100, "min-interval": 1},
           "collector": {"engine-profiles": os.path.join(ARGS.source, "metric-collector", "profiles", "engines.json"),
                         "target": [{"name": "vllm-v", "url": f"http://127.0.0.1:{sim_port}/metrics",
                                     "engine": "vllm", "interval": 200, "service": "llm-chat"}]}}
    if push:
        cfg["collector"]["push"] = push
    cfg.update(more)
    return cfg


def scenario_collector_push(lab):
    """Issue 5's remote hand-off: cats-collector beside the service pushes over gRPC to a remote catsd edge. Pushed
    metrics expire: with the collector gone the edge drains the site after stale-after, and undrains it when
    reports come again; a collector that only repeats itself keeps the site fresh without new UPDATEs."""
    sys.path.insert(0, os.path.join(ARGS.source, "interop", "loadsim"))
    import simtest
    sim = simtest.LoadSim({"instances": [{"name": "v", "engine": "vllm", "fields": {
        "queue": 0, "running": 2, "kv_cache": 0.2, "latency": 0.3}}]}, lab.dir, duration=120)
    lab.procs.adopt("loadsim", sim.proc.p)
    edge = edge_cfg(lab, 1, "10.0.0.1", 2, 9)
    edge["services"]["service"][0]["freshness"] = {"stale-after": 3}
    e = lab.daemon("edge", 1, edge)
    ing = lab.daemon("ingress", 2, {"global": global_cfg(65000, "10.0.0.2", "ingress", lab.addr(2)),
                                    "neighbors": {"neighbor": [neighbor(lab.addr(1), 65000, lab.addr(2))]}})
    e.start(), ing.start()
    wait_for("configured L2 9 at the ingress", lambda: any(c.get("l2") == 9 for c in ing.candidates(V4)))
    coll = collector_cfg(sim.ports["v"], "10.0.0.1", push={"catsd-address": e.api, "refresh": 1})
    path = catsd.write_config(os.path.join(lab.dir, "collector.json"), coll, indent=None)
    p = lab.procs.spawn("cats-collector", [ARGS.collector, "--config", path], os.path.join(lab.dir, "collector.log"))
    wait_for("pushed: the ingress sees L2 10 (queue empty)", lambda: any(c.get("l2") == 10 for c in ing.candidates(V4)), 20)
    sim.set("v", queue=12)
    wait_for("queue 12 of 16: the ingress sees L2 2 or 3",
             lambda: any(c.get("l2") in (2, 3) for c in ing.candidates(V4)), 20)
    check(p.alive(), "cats-collector still running")
    seq = ing.candidates(V4)[0]["sequence"]
    time.sleep(4.5)  # longer than stale-after: the collector's repeats keep the metrics fresh
    c = ing.candidates(V4)[0]
    check(not c["drain"] and c["sequence"] == seq and "stale" not in e.log(),
          "steady load: repeated reports keep the site fresh, with no new sequence")
    p.stop()
    t0 = time.monotonic()
    wait_for("collector gone: the edge drains the site after stale-after (3 s)",
             lambda: ing.candidates(V4)[0]["drain"], 10)
    print(f"  drained {time.monotonic() - t0:.1f} s after the collector stopped")
    check("pushed metrics stale (no report for" in e.log(), "the edge logs why")
    p = lab.procs.spawn("cats-collector", [ARGS.collector, "--config", path], os.path.join(lab.dir, "collector2.log"))
    wait_for("collector back: reports again, the site undrained", lambda: not ing.candidates(V4)[0]["drain"], 20)
    check("reports again after going stale" in e.log(), "the edge logs the return")


def make_pki(d, server_ip):
    """A CA, a server certificate for server_ip (SAN) and a client certificate it signed, and a second CA's client
    certificate (openssl); {name: path}."""
    os.makedirs(d, exist_ok=True)
    f = {n: os.path.join(d, n) for n in ("ca.key", "ca.pem", "server.key", "server.pem", "client.key", "client.pem",
                                          "other-ca.key", "other-ca.pem", "other.key", "other.pem")}

    def ossl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=30)

    for ca in ("ca", "other-ca"):
        ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
             "-subj", f"/CN=catsd test {ca}", "-keyout", f[f"{ca}.key"], "-out", f[f"{ca}.pem"])
    for name, ca, ext in (("server", "ca", f"subjectAltName=IP:{server_ip}"), ("client", "ca", "extendedKeyUsage=clientAuth"),
                          ("other", "other-ca", "extendedKeyUsage=clientAuth")):
        csr = os.path.join(d, f"{name}.csr")
        ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={name}",
             "-keyout", f[f"{name}.key"], "-out", csr)
        extf = os.path.join(d, f"{name}.ext")
        with open(extf, "w") as x:
            x.write(ext + "\n")
        ossl("x509", "-req", "-in", csr, "-CA", f[f"{ca}.pem"], "-CAkey", f[f"{ca}.key"], "-CAcreateserial",
             "-days", "2", "-extfile", extf, "-out", f[f"{name}.pem"])
    return f


def scenario_api_security(lab):
    """Issue 18 (secure defaults): the API on a unix socket that only the daemon's user and group may use, catsd
    running as nobody after binding port 179 with three capabilities left; a TCP API beyond loopback refused without
    TLS; a bearer token; mutual TLS. Each refusal is checked against a client that is let in."""
    os.chmod(lab.dir, 0o755)  # so that only the socket's own directory and mode keep other users out
    sock = os.path.join(lab.dir, "run", "api.sock")
    a = lab.daemon("a", 1, {"global": global_cfg(65000, "10.0.0.1", "ingress", lab.addr(1)),
                            "neighbors": {"neighbor": [neighbor(lab.addr(2), 65000, lab.addr(1))]}})
    a.api = f"unix:{sock}"
    b = lab.daemon("b", 2, {"global": global_cfg(65000, "10.0.0.2", "ingress", lab.addr(2)),
                            "neighbors": {"neighbor": [neighbor(lab.addr(1), 65000, lab.addr(2))]}})
    a.start(extra=["--user", "nobody", "--group", "nogroup"]), b.start()
    wait_for("a (as nobody) and b establish: port 179 was bound before the drop", lambda: a.established(lab.addr(2)))
    status = dict(line.split(":", 1) for line in open(f"/proc/{a.proc.pid}/status").read().splitlines() if ":" in line)
    uids, gids = status["Uid"].split(), status["Gid"].split()
    check(set(uids) == {"65534"} and set(gids) == {"65534"}, f"a runs as nobody:nogroup (Uid {uids}, Gid {gids})")
    keep = (1 << 10) | (1 << 12) | (1 << 13)  # CAP_NET_BIND_SERVICE, CAP_NET_ADMIN, CAP_NET_RAW
    for what in ("CapEff", "CapPrm", "CapBnd"):
        check(int(status[what], 16) == keep, f"{what} {status[what].strip()}: only the three capabilities")
    check("running as user nobody group nogroup" in a.log(), "the drop is logged")
    st, dst = os.stat(sock), os.stat(os.path.dirname(sock))
    check(stat.S_IMODE(st.st_mode) == 0o660 and st.st_uid == 65534, f"socket mode {oct(stat.S_IMODE(st.st_mode))}")
    check(stat.S_IMODE(dst.st_mode) == 0o750 and dst.st_uid == 65534, f"directory mode {oct(stat.S_IMODE(dst.st_mode))}")

    def ctl_as(uid, gid, *args, server=a.api):
        return subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", ARGS.catsctl,
                               "--server", server, "--timeout", "3", *args],
                              capture_output=True, text=True, timeout=20)

    r = ctl_as(65534, 65534, "show", "neighbors")
    check(r.returncode == 0 and lab.addr(2) in r.stdout, "the daemon's own user may use the API")
    r = ctl_as(4242, 4242, "show", "neighbors")
    check(r.returncode == 3 and "ermission denied" in r.stderr,
          f"another local user is refused (exit {r.returncode}): {r.stderr.strip()}")

    cfg = catsd.write_config(os.path.join(lab.dir, "c.json"),
                             {"global": global_cfg(65000, "10.0.0.3", "ingress", lab.addr(3)), "fib": {"scope": "none"}})
    for api in ("0.0.0.0:50051", "192.0.2.1:50051", "[::]:50051"):
        r = subprocess.run([ARGS.catsd, "--config", cfg, "--api", api], capture_output=True, text=True, timeout=10)
        check(r.returncode == 1 and "without TLS" in r.stderr, f"--api {api} without TLS: refused ({r.stderr.strip()})")

    def start_c(name, host, extra, role="ingress", more=None):
        path = catsd.write_config(os.path.join(lab.dir, f"{name}.json"), {
            "global": global_cfg(65000, f"10.0.0.{host}", role, lab.addr(host)), "fib": {"scope": "none"},
            **(more or {})})
        log = os.path.join(lab.dir, f"{name}.log")
        c = lab.procs.spawn(name, [ARGS.catsd, "--config", path, "--api", f"{lab.addr(host)}:50051", *extra], log)
        wait_for(f"{name} serves its API", lambda: "API on" in open(log).read(), 10)
        return c

    def ctl(host, *args):
        return subprocess.run([ARGS.catsctl, "--server", f"{lab.addr(host)}:50051", "--timeout", "3", *args],
                              capture_output=True, text=True, timeout=20)

    token = os.path.join(lab.dir, "token")
    with open(token, "w") as f:
        f.write("s3cret-token\n")
    wrong = os.path.join(lab.dir, "wrong")
    with open(wrong, "w") as f:
        f.write("s3cret-tokeN\n")
    start_c("token", 3, ["--api-token-file", token])
    r = ctl(3, "show", "neighbors")
    check(r.returncode == 4 and "unauthenticated" in r.stderr, f"no token: refused ({r.stderr.strip()})")
    r = ctl(3, "--token-file", wrong, "show", "neighbors")
    check(r.returncode == 4, "a wrong token: refused")
    r = ctl(3, "--token-file", token, "show", "neighbors", "--json")
    check(r.returncode == 0, f"the token: let in ({r.stderr.strip()})")
    watch = subprocess.run([ARGS.catsctl, "--server", f"{lab.addr(3)}:50051", "--timeout", "2", "watch", "rib"],
                           capture_output=True, text=True, timeout=20)
    check(watch.returncode == 4 and "unauthenticated" in watch.stderr, "a watch stream without the token: refused")

    pki = make_pki(os.path.join(lab.dir, "pki"), lab.addr(4))
    start_c("tls", 4, ["--api-tls-cert", pki["server.pem"], "--api-tls-key", pki["server.key"],
                       "--api-client-ca", pki["ca.pem"]], role="edge",
            more={"services": {"service": [catsd.service(3, 4, v6=False)]}})
    r = ctl(4, "show", "neighbors")
    check(r.returncode == 3, f"plain text to a TLS API: no answer (exit {r.returncode})")
    r = ctl(4, "--tls-ca", pki["ca.pem"], "show", "neighbors")
    check(r.returncode == 3, f"TLS without a client certificate: refused (exit {r.returncode})")
    r = ctl(4, "--tls-ca", pki["ca.pem"], "--tls-cert", pki["other.pem"], "--tls-key", pki["other.key"],
            "show", "neighbors")
    check(r.returncode == 3, f"a client certificate of another CA: refused (exit {r.returncode})")
    r = ctl(4, "--tls-ca", pki["ca.pem"], "--tls-cert", pki["client.pem"], "--tls-key", pki["client.key"],
            "show", "neighbors", "--json")
    check(r.returncode == 0, f"mutual TLS: let in ({r.stderr.strip()})")
    r = ctl(4, "--tls-ca", pki["other-ca.pem"], "--tls-cert", pki["client.pem"], "--tls-key", pki["client.key"],
            "show", "neighbors")
    check(r.returncode == 3, "a server certificate the client's CA did not sign: refused")
    # cats-collector pushes to it over mutual TLS (collector/push/tls-*): the edge's metrics follow the load.
    sys.path.insert(0, os.path.join(ARGS.source, "interop", "loadsim"))
    import simtest
    sim = simtest.LoadSim({"instances": [{"name": "v", "engine": "vllm", "fields": {
        "queue": 0, "running": 2, "kv_cache": 0.2, "latency": 0.3}}]}, lab.dir, duration=120)
    lab.procs.adopt("loadsim", sim.proc.p)

    def collector(name, push):
        coll = collector_cfg(sim.ports["v"], "10.0.0.9",
                             push={"catsd-address": f"{lab.addr(4)}:50051", "refresh": 1, **push})
        path = catsd.write_config(os.path.join(lab.dir, f"{name}.json"), coll, indent=None)
        return lab.procs.spawn(name, [ARGS.collector, "--config", path], os.path.join(lab.dir, f"{name}.log"))

    def edge_l2():
        r = ctl(4, "--tls-ca", pki["ca.pem"], "--tls-cert", pki["client.pem"], "--tls-key", pki["client.key"],
                "show", "services", "--json")
        return json.loads(r.stdout)["originated"][0]["metrics"].get("l2") if r.returncode == 0 else None

    check(edge_l2() == 3, "the edge starts with its configured L2 3")
    nocert = collector("collector-nocert", {"tls-ca": pki["ca.pem"]})
    time.sleep(3)
    check(edge_l2() == 3 and nocert.alive(), "a collector without a client certificate changes nothing")
    nocert.stop()
    collector("collector-tls", {"tls-ca": pki["ca.pem"], "tls-certificate": pki["client.pem"],
                                "tls-key": pki["client.key"]})
    wait_for("pushed over mutual TLS: the edge advertises L2 10 (queue empty)", lambda: edge_l2() == 10, 20)

    r = subprocess.run([ARGS.catsd, "--config", cfg, "--api", f"{lab.addr(5)}:50051", "--api-tls-cert", pki["server.pem"]],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and "requires --api-tls-key" in r.stderr, "a certificate without its key: a usage error")


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def promtool_check(page, what):
    """`promtool check metrics` (Debian's prometheus) lints an exposition page: names, units, _total, help."""
    r = subprocess.run(["promtool", "check", "metrics"], input=page, capture_output=True, text=True, timeout=30)
    check(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
          f"promtool check metrics: {what} is clean" + (f": {r.stdout}{r.stderr}" if r.returncode or r.stdout
                                                          or r.stderr else ""))


class Prometheus:
    """A real Prometheus server (Debian's) scraping `targets` ({job: "host:port"}) every second."""

    def __init__(self, lab, host, targets):
        self.url = f"http://{lab.addr(host)}:9090"
        d = os.path.join(lab.dir, "prometheus")
        os.makedirs(d)
        jobs = "".join(f"  - job_name: {job}\n    static_configs:\n      - targets: ['{t}']\n"
                       for job, t in targets.items())
        cfg = os.path.join(d, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n" + jobs)
        r = subprocess.run(["promtool", "check", "config", cfg], capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, "promtool check config: the scrape configuration is valid" +
              (f": {r.stdout}{r.stderr}" if r.returncode else ""))
        self.proc = lab.procs.spawn("prometheus", [
            "prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={d}/data",
            f"--web.listen-address={lab.addr(host)}:9090"], os.path.join(d, "prometheus.log"))

    def query(self, q):
        """The instant vector of `q`: {frozenset of labels: value}; {} when Prometheus is not answering yet."""
        try:
            r = json.loads(http_get(f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": q})))
        except (OSError, ValueError):
            return {}
        return {frozenset(x["metric"].items()): float(x["value"][1]) for x in r["data"]["result"]}

    def value(self, q):
        """The single value of `q`, or None."""
        v = self.query(q)
        return next(iter(v.values())) if len(v) == 1 else None


def scenario_metrics(lab):
    """Issue 18 (Prometheus): catsd (an edge with its in-process collector, and an ingress) and cats-collector serve
    /metrics; promtool finds each page clean, and a real Prometheus scrapes all three: the session, the edge's
    collector target and score, the ingress's site score following the load, the standalone collector's target."""
    sys.path.insert(0, os.path.join(ARGS.source, "interop", "loadsim"))
    import simtest
    sim = simtest.LoadSim({"instances": [{"name": "v", "engine": "vllm", "fields": {
        "queue": 0, "running": 2, "kv_cache": 0.2, "latency": 0.3}}]}, lab.dir, duration=120)
    lab.procs.adopt("loadsim", sim.proc.p)
    profiles = os.path.join(ARGS.source, "metric-collector", "profiles", "engines.json")
    target = {"name": "vllm-v", "url": f"http://127.0.0.1:{sim.ports['v']}/metrics", "engine": "vllm",
              "interval": 200, "stale-after": 1500, "service": "llm-chat"}
    scoring = {"profile": [{"id": 1, "name": "llm", "input": [{"name": "queue", "full": "0", "zero": "16"}],
                            "weights": {"compute": "1"}}]}
    edge = edge_cfg(lab, 1, "10.0.0.1", 2, 9)
    edge["services"]["service"][0].update({"profile": 1, "metrics": {"l2-score": 9}})
    edge.update({"scoring": scoring, "damper": {"half-life": 100, "min-interval": 1, "interval": 1},
                 "collector": {"engine-profiles": profiles, "target": [target]},
                 "metrics": {"address": lab.addr(1), "port": 9179}})
    e = lab.daemon("edge", 1, edge)
    ing = lab.daemon("ingress", 2, {"global": global_cfg(65000, "10.0.0.2", "ingress", lab.addr(2)),
                                    "neighbors": {"neighbor": [neighbor(lab.addr(1), 65000, lab.addr(2))]},
                                    "metrics": {"address": lab.addr(2), "port": 9179, "cache-time": 0}})
    coll = collector_cfg(sim.ports["v"], "10.0.0.3", metrics={"address": lab.addr(3), "port": 9180})
    path = catsd.write_config(os.path.join(lab.dir, "collector.json"), coll, indent=None)
    c = lab.procs.spawn("cats-collector", [ARGS.collector, "--config", path], os.path.join(lab.dir, "collector.log"))
    e.start(), ing.start()
    wait_for("light load: the ingress sees L2 10", lambda: any(x.get("l2") == 10 for x in ing.candidates(V4)), 20)
    pages = {}
    for what, url in (("the edge", f"http://{lab.addr(1)}:9179/metrics"),
                      ("the ingress", f"http://{lab.addr(2)}:9179/metrics"),
                      ("cats-collector", f"http://{lab.addr(3)}:9180/metrics")):
        pages[what] = wait_for(f"{what} serves /metrics", lambda url=url: http_get(url), 10)
        promtool_check(pages[what], what)
    check(f'catsd_bgp_session_established{{neighbor="{lab.addr(1)}"}} 1' in pages["the ingress"],
          "the ingress's page: the session to the edge is established")
    check('cats_collector_target_up{engine="vllm",service="llm-chat",target="vllm-v"} 1' in pages["the edge"],
          "the edge's page: its in-process collector's target is up")
    check('catsd_cats_originated_l2_score{service="llm-chat"} 10' in pages["the edge"],
          "the edge's page: it advertises L2 10")
    check(c.alive() and 'cats_collector_target_up{engine="vllm",service="llm-chat",target="vllm-v"} 1'
          in pages["cats-collector"], "cats-collector's page: its target is up")

    prom = Prometheus(lab, 30, {"edge": f"{lab.addr(1)}:9179", "ingress": f"{lab.addr(2)}:9179",
                                "collector": f"{lab.addr(3)}:9180"})
    wait_for("Prometheus scrapes all three (up == 1)", lambda: len(prom.query("up == 1")) == 3, 30)
    check(prom.value(f'catsd_bgp_session_established{{job="ingress",neighbor="{lab.addr(1)}"}}') == 1,
          "Prometheus: the ingress's session is established")
    check(prom.value('catsd_bgp_prefixes_accepted{job="ingress",afi_safi="ipv4-unicast"}') == 1,
          "Prometheus: the ingress accepted one IPv4 prefix")
    site = f'catsd_cats_site_l2_score{{job="ingress",prefix="{V4}",site="{lab.addr(1)}"}}'
    check(prom.value(site) == 10, f"Prometheus: the ingress's site score is 10 ({prom.value(site)})")
    sim.set("v", queue=12)
    low = wait_for("queue 12 of 16: the ingress's site score falls, as Prometheus sees it",
                   lambda: (v := prom.value(site)) is not None and v <= 3 and v, 30)
    print(f"  Prometheus: {site} fell 10 -> {low:g}")
    check(prom.value('cats_collector_scrape_duration_seconds{job="collector",target="vllm-v"}') > 0,
          "Prometheus: cats-collector's scrape duration")
    # Polled: a rate needs two samples that differ, and the score may fall within a few scrapes.
    wait_for("Prometheus: the edge's collector keeps scraping (a rate over the counter)",
             lambda: (prom.value('rate(cats_collector_scrapes_total{job="edge"}[5s])') or 0) > 0, 15)
    check(prom.value('process_resident_memory_bytes{job="ingress"}') > 1e6, "Prometheus: the ingress's memory")
    check(prom.value('catsd_rib_prefixes{job="ingress"}') == 2, "Prometheus: the ingress's RIB holds two prefixes")


def demo(lab):
    """The main job: two edge sites, a reflector and an ingress on loopback, shown with catsctl."""
    def show(d, *args):
        print(f"\n$ catsctl --server {d.api} {' '.join(args)}")
        print(d.ctl(*args).stdout.rstrip())

    e1, e2, rr, ing = three_tier(lab)
    print("\n== edge1 (10.0.0.1, L2 7) and edge2 (10.0.0.2, L2 4) -> route reflector -> ingress")
    show(rr, "show", "neighbors")
    show(e1, "show", "services")
    show(ing, "show", "services")
    print("\n== edge1 gets busy: its L2 score falls to 2; only its two paths are re-advertised")
    show(e1, "inject", "llm-chat", "--l2", "2", "--l1", "compute=2")
    wait_for("ingress sees it", lambda: any(c.get("l2") == 2 for c in ing.candidates(V4)))
    show(ing, "show", "services")
    print("\n== edge2 drains, then withdraws the service")
    show(e2, "inject", "llm-chat", "--drain")
    wait_for("drain seen", lambda: any(c["drain"] for c in ing.candidates(V4)))
    show(ing, "show", "services")
    show(e2, "inject", "llm-chat", "--withdraw")
    wait_for("withdraw seen", lambda: len(ing.candidates(V4)) == 1)
    show(ing, "show", "rib", V4)


def json_lines(path):
    """The JSON objects of a file with one per line (those that parse)."""
    out = []
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def mrt_records(path):
    """(type, subtype, entries) of each record, read with python3-mrtparse; entries: RIB entries or the BGP
    message's path attributes."""
    import mrtparse
    out = []
    for rec in mrtparse.Reader(path):
        m = rec.mrt
        if m.err:
            raise Failure(f"mrtparse: {path}: {m.err_msg}")
        out.append((m.type, m.subtype, m))
    return out


def expect(what, cond, got=None):
    """check() with what was seen instead when it fails."""
    check(cond, what if cond or got is None else f"{what}: got {got}")


def scenario_bmp_mrt(lab):
    """Issue 18 (BMP and MRT): two edges -> reflector -> ingress (ADD-PATH receive, so paths carry ids); the ingress
    feeds pmacct's pmbmpd (pre-policy, post-policy, Loc-RIB, statistics every 5 s) and writes MRT RIB dumps and
    BGP4MP_ET logs, read back with bgpdump and python3-mrtparse."""
    station = lab.addr(30)
    bmp_log = os.path.join(lab.dir, "bmp-msglog.json")
    pm_cfg = os.path.join(lab.dir, "pmbmpd.conf")
    with open(pm_cfg, "w") as f:
        f.write(f"daemonize: false\nbmp_daemon_ip: {station}\nbmp_daemon_port: 11019\n"
                f"bmp_daemon_msglog_file: {bmp_log}\nbmp_daemon_msglog_output: json\n"
                f"logfile: {os.path.join(lab.dir, 'pmbmpd.log')}\n")
    lab.procs.spawn("pmbmpd", ["/usr/sbin/pmbmpd", "-f", pm_cfg], os.path.join(lab.dir, "pmbmpd.out"))
    own_log = os.path.join(lab.dir, "own-bmp.jsonl")

    def own_station(log):
        return lab.procs.spawn("bmp_collector", ["/usr/bin/python3", os.path.join(ROOT, "interop", "lab",
                                                                                   "bmp_collector.py"),
                                                 lab.addr(31), "11019", log], log + ".out")
    own_proc = own_station(own_log)
    mrt_dir = os.path.join(lab.dir, "mrt")
    os.makedirs(mrt_dir)
    e1 = lab.daemon("edge1", 1, edge_cfg(lab, 1, "10.0.0.1", 10, 7))
    e2 = lab.daemon("edge2", 2, edge_cfg(lab, 2, "10.0.0.2", 10, 4))
    rr = lab.daemon("rr", 10, rr_cfg(lab, 10, [1, 2], 20))
    cfg = ingress_cfg(lab, 20, 10)
    cfg["bmp"] = {"station": [{"name": "pmacct", "address": station, "port": 11019, "source-address": lab.addr(20),
                               "monitoring": ["pre-policy", "post-policy", "loc-rib"],
                               "statistics-interval": 5, "retry-interval": 1},
                              {"name": "own", "address": lab.addr(31), "monitoring": ["loc-rib"],
                               "retry-interval": 1}]}
    cfg["mrt"] = {"table-dump": {"file": os.path.join(mrt_dir, "rib.%Y%m%d.%H%M%S"), "interval": 10},
                  "updates": {"file": os.path.join(mrt_dir, "updates.%Y%m%d.%H%M"), "rotation-interval": 60}}
    ing = lab.daemon("ingress", 20, cfg)
    for d in (rr, ing, e1, e2):
        d.start()
    wait_for("ingress sees both sites for both prefixes",
             lambda: len(ing.candidates(V4)) == 2 and len(ing.candidates(V6)) == 2, 20)
    msgs = []

    def seen(pred):
        msgs[:] = json_lines(bmp_log)
        return any(pred(m) for m in msgs)
    wait_for("pmbmpd: statistics", lambda: seen(lambda m: m.get("bmp_msg_type") == "stats"), 20)
    rr_ip, v4 = lab.addr(10), V4
    expect("pmbmpd: the station connection comes from source-address (bmp_router)",
           {m.get("bmp_router") for m in msgs} == {lab.addr(20)}, {m.get("bmp_router") for m in msgs})
    expect("pmbmpd: Initiation with sysName", any(m.get("bmp_msg_type") == "init" and m.get("bmp_init_info_sysname")
                                                 for m in msgs))
    expect("pmbmpd: Peer Up of the reflector", any(m.get("bmp_msg_type") == "peer_up" and m.get("peer_ip") == rr_ip
                                                  and m.get("peer_type") == 0 for m in msgs))
    # Peer Up's local address and ports are the session's, as the kernel lists the connection.
    conns = run(["ss", "-Htn", "state", "established", "src", lab.addr(20), "dst", rr_ip], timeout=10).stdout.split()
    ends = {(int(conns[i].rsplit(":", 1)[1]), int(conns[i + 1].rsplit(":", 1)[1]))
            for i in range(len(conns) - 1) if conns[i].startswith(lab.addr(20) + ":")}
    ups = {(m.get("local_ip"), m.get("local_port"), m.get("remote_port")) for m in msgs
           if m.get("bmp_msg_type") == "peer_up" and m.get("peer_ip") == rr_ip}
    expect("pmbmpd: the reflector's Peer Up has the ingress's address and the session's TCP ports (ss)",
           len(ups) == 1 and {(u[1], u[2]) for u in ups} <= ends and next(iter(ups))[0] == lab.addr(20)
           and 179 in next(iter(ups))[1:], (ups, ends))
    expect("pmbmpd: Peer Up of the Loc-RIB (RFC 9069)", any(m.get("bmp_msg_type") == "peer_up" and
                                                           m.get("peer_type") == 3 for m in msgs))
    routes = [m for m in msgs if m.get("log_type") == "update"]
    for post in (0, 1):
        for pfx in (V4, V6):
            ids = sorted(m.get("as_path_id") for m in routes
                         if m.get("is_post") == post and m.get("ip_prefix") == pfx and m.get("peer_ip") == rr_ip)
            expect(f"pmbmpd: {'post' if post else 'pre'}-policy {pfx} with both ADD-PATH ids", ids == [1, 2], ids)
    expect("pmbmpd: pre-policy next hops of both sites",
          {m.get("bgp_nexthop") for m in routes if m.get("ip_prefix") == v4} >= {lab.addr(1), lab.addr(2)})
    expect("pmbmpd: Loc-RIB routes for both prefixes",
          {m.get("ip_prefix") for m in routes if m.get("is_loc") == 1} == {V4, V6})
    stats = {m.get("counter_type"): m.get("counter_value") for m in msgs
             if m.get("bmp_msg_type") == "stats" and m.get("peer_ip") == rr_ip}
    expect("pmbmpd: statistics 0, 7 (4 paths in the Adj-RIB-In), 8, 11", stats.get(7) == 4 and 0 in stats and
          8 in stats and 11 in stats, stats)
    # The project's own decoder (stdlib) for the bytes: the CATS attribute (type 255) intact in Route Monitoring.
    own = json_lines(own_log)
    cats_rm = [m for m in own if m.get("type") == "route_monitoring" and V4 in m.get("nlri", []) and
               "255" in m.get("attrs", {})]
    expect("own decoder: Loc-RIB Route Monitoring of the service prefix carries CATS-EXP (255)",
          any(m.get("peer_type") == 3 for m in cats_rm), len(cats_rm))
    cats_hex = {m["attrs"]["255"]["hex"] for m in cats_rm}

    print("\n== the own station is killed mid-feed and started again: catsd reconnects and sends it all again")
    own_proc.kill9()
    again_log = os.path.join(lab.dir, "own-bmp-again.jsonl")
    own_station(again_log)

    def again(pred):
        return any(pred(m) for m in json_lines(again_log))
    wait_for("own station, restarted: Initiation on a new connection", lambda: again(
        lambda m: m.get("type") == "initiation"), 20)
    wait_for("own station, restarted: the Loc-RIB Peer Up and the service prefix with CATS-EXP again", lambda: again(
        lambda m: m.get("type") == "peer_up" and m.get("peer_type") == 3) and again(
        lambda m: m.get("type") == "route_monitoring" and V4 in m.get("nlri", []) and "255" in m.get("attrs", {})),
        20)
    expect("the ingress kept its session and routes meanwhile",
           ing.proc.alive() and ing.established(rr_ip) and len(ing.candidates(V4)) == 2)

    wait_for("an MRT RIB dump", lambda: any(n.startswith("rib.") and not n.endswith(".tmp")
                                          for n in os.listdir(mrt_dir)), 20)
    rib = os.path.join(mrt_dir, sorted(n for n in os.listdir(mrt_dir) if n.startswith("rib.")
                                       and not n.endswith(".tmp"))[0])
    dump = run(["bgpdump", "-m", rib], timeout=20).stdout.splitlines()
    print("\n".join("  " + line for line in dump))
    fields = [line.split("|") for line in dump]
    for pfx in (V4, V6):
        got = sorted((f[6], f[9]) for f in fields if f[0] == "TABLE_DUMP2_AP" and f[5] == pfx)
        expect(f"bgpdump: {pfx} with path ids 1, 2 from the reflector", [g[0] for g in got] == ["1", "2"] and
              all(f[3] == rr_ip for f in fields if f[5] == pfx), got)
    expect("bgpdump: IPv4 next hops of both sites", sorted(f[9] for f in fields if f[5] == V4) ==
          [lab.addr(1), lab.addr(2)])
    recs = mrt_records(rib)
    expect("mrtparse: PEER_INDEX_TABLE, then RIB_IPV4_UNICAST_ADDPATH and RIB_IPV6_UNICAST_ADDPATH",
          [r[1] for r in recs] == [1, 8, 10], [r[1] for r in recs])
    mrt_cats = {a.val.hex() for r in recs[1:] for e in r[2].rib.entry for a in e.attr if a.type == 255}
    expect("mrtparse: CATS-EXP (255) of both sites in the RIB entries; the BMP Loc-RIB's is one of them",
           len(mrt_cats) == 2 and cats_hex and cats_hex <= mrt_cats, (mrt_cats, cats_hex))

    print("\n== the ingress stops: Termination to the station; the update log read back")
    ing.stop()
    wait_for("pmbmpd: Termination", lambda: seen(lambda m: m.get("bmp_msg_type") == "term"), 10)
    upd = os.path.join(mrt_dir, sorted(n for n in os.listdir(mrt_dir) if n.startswith("updates."))[0])
    lines = run(["bgpdump", "-m", upd], timeout=20).stdout.splitlines()
    print("\n".join("  " + line for line in lines[:12]))
    expect("bgpdump: the update log has the service prefix announced by the reflector",
          any(f"|A|{rr_ip}|65000|{V4}|" in line for line in lines), len(lines))
    expect("bgpdump: the update log has the state change to Established", any("|STATE|" in line and line.endswith("|6")
                                                                              for line in lines))
    # mrtparse 1.6 fails on every BGP4MP_ET record (it reads the microseconds from the wrong buffer): hand it the
    # same records as BGP4MP, the microsecond field cut out; bgpdump above read the _ET file itself.
    plain = upd + ".bgp4mp"
    with open(upd, "rb") as f, open(plain, "wb") as out:
        data = f.read()
        while data:
            ts, typ, sub, length = struct.unpack("!IHHI", data[:12])
            if typ != 17:
                raise Failure(f"MRT update log: a record of type {typ}, not BGP4MP_ET")
            out.write(struct.pack("!IHHI", ts, 16, sub, length - 4) + data[16:12 + length])
            data = data[12 + length:]
    urecs = mrt_records(plain)
    subtypes = {r[1] for r in urecs}
    expect("mrtparse: STATE_CHANGE_AS4 and MESSAGE_AS4_ADDPATH", {5, 9} <= subtypes, subtypes)
    log_cats = {a.val.hex() for r in urecs if r[1] == 9 and r[2].bgp.msg.type == 2
                for a in r[2].bgp.msg.attr if a.type == 255}
    expect("mrtparse: the logged UPDATEs carry CATS-EXP as received", log_cats == mrt_cats, log_cats)


def scenario_bmp_reload(lab):
    """BMP and MRT change with a reload, sessions untouched: an ingress started with neither gets a station and RIB
    dumps (the station learns the sessions that were already up), a changed station gets Termination and a new
    connection, a removed one Termination and no reconnection; the reflector session never flaps."""
    e1, e2, rr, ing = three_tier(lab)
    rr_ip = lab.addr(10)
    wait_for("ingress sees both sites", lambda: len(ing.candidates(V4)) == 2, 20)
    logs = [os.path.join(lab.dir, "station.jsonl")]
    lab.procs.spawn("bmp_collector", ["/usr/bin/python3", os.path.join(ROOT, "interop", "lab", "bmp_collector.py"),
                                      lab.addr(31), "11019", logs[0]], logs[0] + ".out")
    mrt_dir = os.path.join(lab.dir, "mrt")
    os.makedirs(mrt_dir)

    def msgs():
        return json_lines(logs[0])

    def count(kind):
        return sum(1 for m in msgs() if m.get("type") == kind)

    time.sleep(2)  # the session has been up a while: a replayed Peer Up must say since when
    up_before = uptimes(ing, [rr_ip])[rr_ip]
    t_reload = time.time()
    ing.config["bmp"] = {"station": [{"name": "own", "address": lab.addr(31), "source-address": lab.addr(20),
                                      "monitoring": ["pre-policy", "loc-rib"], "retry-interval": 1}]}
    ing.config["mrt"] = {"table-dump": {"file": os.path.join(mrt_dir, "rib.%H%M%S"), "interval": 10}}
    log = reload(ing, "change(s) applied")
    check("bmp changed" in log and "mrt changed" in log, "the reload names the BMP and MRT changes")
    wait_for("the added station: Initiation, the reflector's Peer Up, the service prefix in the Loc-RIB", lambda: (
        count("initiation") == 1 and any(m.get("type") == "peer_up" and m.get("peer") == rr_ip for m in msgs())
        and any(m.get("type") == "route_monitoring" and m.get("peer_type") == 3 and V4 in m.get("nlri", [])
                and "255" in m.get("attrs", {}) for m in msgs())), 20)
    up = next(m for m in msgs() if m.get("type") == "peer_up" and m.get("peer") == rr_ip)
    expect("the Peer Up of a session that was already up: the time it came up, its ports", up["timestamp"] <
           t_reload - 1 and up["local_address"] == lab.addr(20) and 179 in (up["local_port"], up["remote_port"])
           and 0 not in (up["local_port"], up["remote_port"]), up)
    peers = {m["station_peer"] for m in msgs() if "station_peer" in m}
    expect("the station connection comes from source-address", peers == {lab.addr(20)}, peers)
    dump = wait_for("MRT: a RIB dump within its interval (10 s)", lambda: next(
        (n for n in os.listdir(mrt_dir) if n.startswith("rib.") and not n.endswith(".tmp")), None), 15)
    lines = run(["bgpdump", "-m", os.path.join(mrt_dir, dump)], timeout=20).stdout.splitlines()
    expect("bgpdump: the dump has the service prefix from the reflector, learnt before MRT was configured",
           any(f"|{rr_ip}|" in line and f"|{V4}|" in line for line in lines), lines[:4])

    ing.config["bmp"]["station"][0]["monitoring"] = ["loc-rib"]
    reload(ing, "change(s) applied")
    wait_for("the changed station: Termination on the old connection, Initiation on a new one", lambda: (
        any(m.get("type") == "termination" and m.get("tlvs", {}).get("string") == "station reconfigured"
            for m in msgs()) and count("initiation") == 2), 15)

    ing.config["bmp"] = {"station": []}
    ing.config.pop("mrt")
    reload(ing, "change(s) applied")
    wait_for("the removed station: Termination", lambda: any(
        m.get("type") == "termination" and m.get("tlvs", {}).get("string") == "station removed from the configuration"
        for m in msgs()), 15)
    time.sleep(3)
    expect("the removed station is not connected again", count("initiation") == 2, count("initiation"))
    up_after = uptimes(ing, [rr_ip])[rr_ip]
    expect("the reflector session never flapped", up_after[1] == up_before[1] and up_after[0] > up_before[0],
           (up_before, up_after))
    check(ing.proc.alive() and len(ing.candidates(V4)) == 2, "the ingress kept its routes")


SCENARIOS = {name[len("scenario_"):]: fn for name, fn in globals().items() if name.startswith("scenario_")}
BLOCKS = {name: 100 + i for i, name in enumerate(sorted(SCENARIOS))}


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--catsd", required=True)
    ap.add_argument("--catsctl", required=True)
    ap.add_argument("--collector", help="cats-collector binary (collector_push)")
    ap.add_argument("--source", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("--scenario", action="append")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--demo", action="store_true", help="run the demo lab instead of tests")
    ARGS = ap.parse_args()
    if ARGS.list:
        print("\n".join(sorted(SCENARIOS)))
        return 0
    if ARGS.demo:
        lab = Lab(99)
        ok = False
        try:
            demo(lab)
            ok = True
        finally:
            lab.close(not ok)
        return 0
    names = ARGS.scenario or sorted(SCENARIOS)
    failed = []
    for name in names:
        print(f"== {name}")
        lab = Lab(BLOCKS[name])
        ok = False
        try:
            SCENARIOS[name](lab)
            ok = True
        except Failure as e:
            print(f"  FAIL: {e}")
        except Exception:
            traceback.print_exc()
        finally:
            lab.close(not ok)
        if not ok:
            failed.append(name)
    print(f"{len(names) - len(failed)} passed, {len(failed)} failed" + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
