#!/usr/bin/python3
"""Interop lab: catsd against FRR, BIRD, GoBGP, ExaBGP and OpenBGPD in network namespaces.

Every scenario builds its own topology: one namespace holding a bridge (the LAN,
10.77.0.0/24 and fd77::/64) and one namespace per speaker, joined to the bridge by
a veth pair. All namespace names start with `cl<pid>-`, so concurrent runs do not
collide. Each daemon gets its own config, socket, pid and log file under the
scenario's temp dir, is started inside its namespace and stopped by PID (SIGTERM,
then SIGKILL of its process group after a bound). Namespaces and processes are
removed in a `finally`, also on SIGINT/SIGTERM. A pcap of the LAN bridge (which
carries every catsd link) is written per scenario; with --keep-logs DIR the whole
scenario dir (configs, logs, pcap) is copied to DIR/<scenario> when it fails (always with --keep-all).

    /usr/bin/python3 interop/lab/lab.py --catsd BIN --catsctl BIN [--scenario NAME ...] [--list] [--keep-logs DIR]

Needs root (namespaces, port 179) and the peers' Debian packages:
frr bird2 gobgpd exabgp openbgpd, plus tcpdump and iproute2.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

ARGS = None
SYSPY = "/usr/bin/python3"
FRR_BGPD = "/usr/lib/frr/bgpd"
PREFIX = f"cl{os.getpid()}-"

CATSD_AS = 4200000001          # 4-octet AS on the catsd side (AS_TRANS in OPEN)
PEER_AS = 65002                # 2-octet AS on the peer side
IBGP_AS = 65000
SVC4, SVC6 = "203.0.113.10/32", "2001:db8:cafe::10/128"
PEER4, PEER6 = "10.2.2.0/24", "2001:db8:2::/48"
CATS_TYPE = 255                # catsd's default CATS attribute type code


class Failure(Exception):
    pass


class Interrupted(BaseException):
    pass


def _on_signal(signum, frame):
    raise Interrupted(f"signal {signum}")


def check(cond, what):
    if not cond:
        raise Failure(what)
    print(f"  ok: {what}", flush=True)


def wait_for(what, pred, timeout=20.0, interval=0.25):
    """Polls pred() until truthy; raises Failure after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
            if last:
                print(f"  ok: {what}", flush=True)
                return last
        except (Failure, subprocess.SubprocessError, ValueError, KeyError, OSError) as e:
            last = f"{type(e).__name__}: {e}"
        time.sleep(interval)
    raise Failure(f"timed out ({timeout}s): {what}; last: {str(last)[:300]}")


def run(cmd, timeout=10, check_rc=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check_rc and r.returncode != 0:
        raise Failure(f"{' '.join(cmd)}: rc {r.returncode}: {r.stderr.strip()[:300]}")
    return r


# ---------------------------------------------------------------- topology

class Proc:
    """A process started in a namespace, in its own process group, stopped by PID."""

    def __init__(self, name, ns, cmd, log_path, env=None):
        self.name, self.log_path = name, log_path
        self.log = open(log_path, "ab")
        full = ["ip", "netns", "exec", ns] + (["env"] + [f"{k}={v}" for k, v in env.items()] if env else []) + cmd
        self.popen = subprocess.Popen(full, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      start_new_session=True)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def kill9(self):
        """Crash it: SIGKILL to the process and its group, reaped; later teardown leaves it alone."""
        os.kill(self.pid, signal.SIGKILL)
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(5)
        self.stopped = True
        self.log.close()

    def stop(self, bound=5.0):
        if getattr(self, "stopped", False):
            return
        self.stopped = True
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.popen.wait(bound)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of its group (API helpers, forked engines): SIGKILL by the group id = our PID.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.alive():
            self.popen.wait(bound)
        self.log.close()


class Node:
    def __init__(self, lab, name, host):
        self.lab, self.name, self.host = lab, name, host
        self.ns = f"{PREFIX}{name}"
        self.v4, self.v6 = f"10.77.0.{host}", f"fd77::{host}"
        self.dir = os.path.join(lab.dir, name)
        os.makedirs(self.dir)


class Lab:
    def __init__(self, scenario):
        self.scenario = scenario
        self.dir = tempfile.mkdtemp(prefix=f"catslab-{scenario}-")
        os.chmod(self.dir, 0o755)
        self.namespaces, self.procs, self.nodes = [], [], {}
        self.lan = f"{PREFIX}lan"

    def setup(self):
        self._ns_add(self.lan)
        run(["ip", "-n", self.lan, "link", "add", "br0", "type", "bridge"])
        run(["ip", "-n", self.lan, "link", "set", "br0", "up"])
        self.pcap = os.path.join(self.dir, "lan.pcap")
        # --immediate-mode: without it libpcap hands packets over per buffer block (up to 1 s late) and tcpdump
        # loses what is still in the buffer when it is stopped, so a pcap read mid-scenario misses recent frames.
        self.tcpdump = self.spawn("tcpdump", self.lan, ["tcpdump", "-i", "br0", "--immediate-mode", "-U", "-s", "0", "-w", self.pcap,
                                                        "tcp port 179"], os.path.join(self.dir, "tcpdump.log"))
        wait_for("tcpdump capturing on the LAN", lambda: os.path.exists(self.pcap) and os.path.getsize(self.pcap) > 0,
                 10, 0.05)

    def _ns_add(self, ns):
        run(["ip", "netns", "add", ns])
        self.namespaces.append(ns)
        run(["ip", "-n", ns, "link", "set", "lo", "up"])

    def node(self, name, host):
        n = Node(self, name, host)
        self._ns_add(n.ns)
        run(["ip", "link", "add", f"v{host}", "netns", self.lan, "type", "veth", "peer", "name", "eth0",
             "netns", n.ns])
        run(["ip", "-n", self.lan, "link", "set", f"v{host}", "master", "br0", "up"])
        run(["ip", "-n", n.ns, "addr", "add", f"{n.v4}/24", "dev", "eth0"])
        run(["ip", "-n", n.ns, "addr", "add", f"{n.v6}/64", "dev", "eth0", "nodad"])
        run(["ip", "-n", n.ns, "link", "set", "eth0", "up"])
        self.nodes[name] = n
        return n

    def spawn(self, name, ns, cmd, log_path, env=None):
        p = Proc(name, ns, cmd, log_path, env)
        self.procs.append(p)
        return p

    def close(self, failed):
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception as e:  # keep tearing down
                print(f"  warn: stopping {p.name} (pid {p.pid}): {e}")
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)
        if failed:
            for root, _, files in os.walk(self.dir):
                for f in sorted(files):
                    if f.endswith(".log") and f != "tcpdump.log":
                        path = os.path.join(root, f)
                        print(f"---- {os.path.relpath(path, self.dir)} (last 25 lines) ----")
                        with open(path, errors="replace") as fh:
                            print("".join(fh.readlines()[-25:]), end="")
        if ARGS.keep_logs and (failed or ARGS.keep_all):
            dst = os.path.join(ARGS.keep_logs, self.scenario)
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(self.dir, dst, ignore_dangling_symlinks=True,
                            ignore=shutil.ignore_patterns("*.sock", "*.ctl", "*.vty"))
            print(f"  logs and pcap kept in {dst}")
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- catsd

FAST = {"hold-time": 9, "keepalive": 3, "connect-retry": 1, "idle-hold": 1, "idle-hold-max": 2}


class Catsd:
    kind = "catsd"

    def __init__(self, lab, node, config):
        self.lab, self.node, self.config = lab, node, config
        self.api = f"{node.v4}:50051"
        self.cfg_path = os.path.join(node.dir, "catsd.json")
        self.log_path = os.path.join(node.dir, "catsd.log")

    def start(self):
        with open(self.cfg_path, "w") as f:
            json.dump({"cats-bgp:bgp": self.config}, f, indent=1)
        self.proc = self.lab.spawn(f"catsd@{self.node.name}", self.node.ns,
                                   [ARGS.catsd, "--config", self.cfg_path, "--api", self.api], self.log_path)
        wait_for(f"catsd {self.node.name} API answers", lambda: self.ctl("show", "neighbors", check_rc=False)
                 .returncode == 0, 15)
        return self

    def ctl(self, *args, check_rc=True):
        return run(["ip", "netns", "exec", self.node.ns, ARGS.catsctl, "--server", self.api, *args],
                   timeout=15, check_rc=check_rc)

    def json(self, *args):
        out = self.ctl(*args, "--json").stdout
        return json.loads(out) if out.strip() else {}

    def neighbor(self, address):
        for n in self.json("show", "neighbors").get("neighbors", []):
            if n["address"] == address:
                return n
        raise Failure(f"catsd {self.node.name}: no neighbor {address}")

    def established(self, address):
        return self.neighbor(address)["state"] == "established"

    def rib(self, prefix):
        return self.json("show", "rib", prefix).get("entries", [])

    def paths(self, prefix):
        return [p for e in self.rib(prefix) for p in e.get("paths", [])]

    def has_prefix(self, prefix, peer=None):
        return any(peer is None or p.get("peer") == peer for p in self.paths(prefix))

    def candidates(self, prefix):
        for s in self.json("show", "services").get("services", []):
            if s.get("prefix") == prefix:
                return s.get("candidates", [])
        return []


def catsd_nbr(address, asn, local, hold=None, families=None, **kw):
    t = dict(FAST)
    if hold:
        t.update({"hold-time": hold, "keepalive": hold // 3})
    n = {"address": address, "remote-as": asn, "local-address": local, "timers": t}
    if families:
        n["afi-safis"] = {"afi-safi": families}
    n.update(kw)
    return n


def service(l2, host, v6=True):
    return {"name": "llm-chat", "prefix": [SVC4] + ([SVC6] if v6 else []), "cs-id": 1001,
            "metrics": {"l2-score": l2, "l1": {"compute": l2, "service": 9},
                        "instance": [{"id": f"10.0.{host}.1", "l2-score": l2}]}}


def catsd_global(asn, node, role, cats_type=None):
    g = {"as": asn, "router-id": node.v4, "role": [role], "listen": {"address": [node.v4, node.v6], "port": 179}}
    if cats_type:
        g["cats"] = {"attribute-type-code": cats_type}
    return g


# OpenBGPD 7.7 passes an unknown optional transitive attribute on (Partial set), except type 255, which it drops
# (checked: 245 arrives, 255 does not). Its cats_via_* scenarios therefore run catsd with CATS type 245.
CATS_TYPE_FOR = {"openbgpd": 245}


# ---------------------------------------------------------------- peers

class FRR:
    kind = "frr"

    def __init__(self, lab, node, fresh=True):
        self.lab, self.node, self.d = lab, node, os.path.join(node.dir, "frr")
        os.makedirs(self.d, exist_ok=not fresh)

    def start(self, conf):
        path = os.path.join(self.d, "bgpd.conf")
        with open(path, "w") as f:
            f.write(f"frr defaults traditional\nhostname frr-{self.node.name}\nlog file {self.d}/bgpd.log\n" + conf)
        self.proc = self.lab.spawn("frr-bgpd", self.node.ns,
                                   [FRR_BGPD, "-Z", "-S", "-f", path, "--vty_socket", self.d, "-i",
                                    os.path.join(self.d, "bgpd.pid"), "-P", "0"],
                                   os.path.join(self.d, "stdout.log"))
        wait_for("FRR vty answers", lambda: self.vtysh("show bgp summary json", check_rc=False).returncode == 0, 15)
        return self

    def vtysh(self, cmd, check_rc=True):
        return run(["vtysh", "--vty_socket", self.d, "-c", cmd], check_rc=check_rc)

    def vjson(self, cmd):
        return json.loads(self.vtysh(cmd).stdout or "{}")

    def established(self, address):
        return self.vjson(f"show bgp neighbors {address} json").get(address, {}).get("bgpState") == "Established"

    def view(self, address):
        n = self.vjson(f"show bgp neighbors {address} json").get(address, {})
        return n.get("remoteAs"), n.get("bgpTimerHoldTimeMsecs", 0) // 1000

    def has_prefix(self, prefix):
        fam = "ipv6" if ":" in prefix else "ipv4"
        return bool(self.vjson(f"show bgp {fam} unicast {prefix} json").get("paths"))

    @staticmethod
    def version():
        return run([FRR_BGPD, "--version"]).stdout.splitlines()[0]


class Bird:
    kind = "bird"

    def __init__(self, lab, node):
        self.lab, self.node, self.d = lab, node, os.path.join(node.dir, "bird")
        os.makedirs(self.d)
        self.ctl = os.path.join(self.d, "bird.ctl")

    def start(self, conf):
        path = os.path.join(self.d, "bird.conf")
        with open(path, "w") as f:
            f.write(f'log "{self.d}/bird.log" all;\nrouter id {self.node.v4};\nprotocol device {{ }}\n' + conf)
        run(["bird", "-p", "-c", path])
        self.proc = self.lab.spawn("bird", self.node.ns, ["bird", "-f", "-c", path, "-s", self.ctl, "-P",
                                                          os.path.join(self.d, "bird.pid")],
                                   os.path.join(self.d, "stdout.log"))
        wait_for("BIRD control socket answers", lambda: self.birdc("show status", check_rc=False).returncode == 0, 15)
        return self

    def birdc(self, cmd, check_rc=True):
        return run(["birdc", "-s", self.ctl] + cmd.split(), check_rc=check_rc)

    def established(self, proto):
        return "Established" in self.birdc(f"show protocols {proto}").stdout

    def view(self, proto):
        import re
        out = self.birdc(f"show protocols all {proto}").stdout
        asn = re.search(r"Neighbor AS:\s+(\d+)", out)
        hold = re.search(r"Hold timer:\s+[\d.]+/(\d+)", out)
        return (int(asn.group(1)) if asn else None), (int(hold.group(1)) if hold else None)

    def route_all(self, prefix):
        table = "master6" if ":" in prefix else "master4"
        return self.birdc(f"show route {prefix} table {table} all").stdout

    def has_prefix(self, prefix):
        return prefix in self.route_all(prefix)

    @staticmethod
    def version():
        return run(["bird", "--version"]).stderr.strip() or run(["bird", "--version"]).stdout.strip()


class GoBGP:
    kind = "gobgp"

    def __init__(self, lab, node):
        self.lab, self.node, self.d = lab, node, os.path.join(node.dir, "gobgp")
        os.makedirs(self.d)
        self.sock = os.path.join(self.d, "gobgp.sock")

    def start(self, conf):
        path = os.path.join(self.d, "gobgpd.toml")
        with open(path, "w") as f:
            f.write(conf)
        self.proc = self.lab.spawn("gobgpd", self.node.ns,
                                   ["gobgpd", "-f", path, "-p", "--pprof-disable", "--api-hosts", f"unix://{self.sock}"],
                                   os.path.join(self.d, "gobgpd.log"))
        wait_for("GoBGP API answers", lambda: self.gobgp("global", check_rc=False).returncode == 0, 15)
        return self

    def gobgp(self, *args, check_rc=True):
        return run(["gobgp", "--target", f"unix://{self.sock}", *args], check_rc=check_rc)

    def established(self, address):
        j = json.loads(self.gobgp("neighbor", address, "-j").stdout)
        return j.get("state", {}).get("session_state") in (6, "ESTABLISHED", "established")

    def view(self, address):
        j = json.loads(self.gobgp("neighbor", address, "-j").stdout)
        return (j.get("state", {}).get("peer_asn") or j.get("conf", {}).get("peer_asn"),
                j.get("timers", {}).get("state", {}).get("negotiated_hold_time"))

    def rib(self, prefix):
        fam = "ipv6" if ":" in prefix else "ipv4"
        out = self.gobgp("global", "rib", "-a", fam, prefix, "-j", check_rc=False).stdout
        return json.loads(out) if out.strip().startswith("{") else {}

    def has_prefix(self, prefix):
        return bool(self.rib(prefix).get(prefix))

    @staticmethod
    def version():
        return run(["gobgpd", "--version"]).stdout.strip()


EXA_LOG_PY = """import sys
out = open(sys.argv[1], "a", buffering=1)
for line in sys.stdin:
    out.write(line)
"""


class ExaBGP:
    kind = "exabgp"

    def __init__(self, lab, node):
        self.lab, self.node, self.d = lab, node, os.path.join(node.dir, "exabgp")
        os.makedirs(self.d)
        self.received = os.path.join(self.d, "received.jsonl")

    def start(self, neighbors):
        logpy = os.path.join(self.d, "log.py")
        with open(logpy, "w") as f:
            f.write(EXA_LOG_PY)
        path = os.path.join(self.d, "exabgp.conf")
        with open(path, "w") as f:
            f.write(f"process log {{ run {SYSPY} {logpy} {self.received}; encoder json; }}\n" + neighbors)
        run(["env", "exabgp.daemon.user=root", "exabgp", "--validate", path])
        env = {"exabgp.daemon.user": "root", "exabgp.api.cli": "false", "exabgp.log.destination": "stdout"}
        self.proc = self.lab.spawn("exabgp", self.node.ns, ["exabgp", path], os.path.join(self.d, "exabgp.log"), env)
        return self

    def messages(self):
        out = []
        if os.path.exists(self.received):
            with open(self.received) as f:
                for line in f:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
        return out

    def established(self, address):
        state = None
        for m in self.messages():
            if m.get("type") == "state" and m.get("neighbor", {}).get("address", {}).get("peer") == address:
                state = m["neighbor"].get("state")
        return state == "up"

    def view(self, address):
        asn = None
        for m in self.messages():
            if m.get("type") == "state" and m.get("neighbor", {}).get("address", {}).get("peer") == address:
                asn = m["neighbor"].get("asn", {}).get("peer")
        return asn, None   # the negotiated hold time is not in ExaBGP's API output

    def has_prefix(self, prefix):
        for m in self.messages():
            if m.get("type") != "update":
                continue
            ann = m.get("neighbor", {}).get("message", {}).get("update", {}).get("announce", {})
            for fam in ann.values():
                for routes in fam.values():
                    if any(r.get("nlri") == prefix for r in routes):
                        return True
        return False

    @staticmethod
    def version():
        return run(["env", "exabgp.daemon.user=root", "exabgp", "--version"], check_rc=False).stdout.strip().splitlines()[0]


class OpenBGPD:
    kind = "openbgpd"

    def __init__(self, lab, node):
        self.lab, self.node, self.d = lab, node, os.path.join(node.dir, "openbgpd")
        os.makedirs(self.d)
        self.sock = os.path.join(self.d, "bgpd.sock")

    def start(self, conf):
        # bgpd chroots its engines into the home of user _openbgpd (/run/openbgpd), which systemd would create.
        os.makedirs("/run/openbgpd", exist_ok=True)
        path = os.path.join(self.d, "bgpd.conf")
        with open(path, "w") as f:
            f.write(f'socket "{self.sock}"\nfib-update no\n' + conf)
        os.chmod(path, 0o600)
        run(["bgpd", "-n", "-f", path])
        self.proc = self.lab.spawn("openbgpd", self.node.ns, ["bgpd", "-d", "-f", path],
                                   os.path.join(self.d, "bgpd.log"))
        wait_for("bgpctl answers", lambda: self.bgpctl("show", "summary", check_rc=False).returncode == 0, 15)
        return self

    def bgpctl(self, *args, check_rc=True):
        return run(["bgpctl", "-s", self.sock, *args], check_rc=check_rc)

    def established(self, address):
        return "BGP state = Established" in self.bgpctl("show", "neighbor", address).stdout

    def view(self, address):
        import re
        out = self.bgpctl("show", "neighbor", address).stdout
        asn = re.search(r"remote AS (\d+)", out)
        hold = re.search(r"holdtime (\d+)s", out)
        return (int(asn.group(1)) if asn else None), (int(hold.group(1)) if hold else None)

    def has_prefix(self, prefix):
        return prefix in self.bgpctl("show", "rib", prefix).stdout

    @staticmethod
    def version():
        return "OpenBGPD " + run(["dpkg-query", "-W", "-f", "${Version}", "openbgpd"]).stdout.strip()


# ---------------------------------------------------------------- scenario: sessions_<peer>

PEER_HOLD = 9
CATSD_HOLD = 15


def frr_sessions_conf(p, c):
    return f"""router bgp {PEER_AS}
 bgp router-id {p.v4}
 no bgp ebgp-requires-policy
 no bgp network import-check
 timers bgp 3 {PEER_HOLD}
 neighbor {c.v4} remote-as {CATSD_AS}
 neighbor {c.v4} timers connect 1
 neighbor {c.v4} advertisement-interval 0
 neighbor {c.v6} remote-as {CATSD_AS}
 neighbor {c.v6} timers connect 1
 neighbor {c.v6} advertisement-interval 0
 address-family ipv4 unicast
  network {PEER4}
  no neighbor {c.v6} activate
 exit-address-family
 address-family ipv6 unicast
  network {PEER6}
  neighbor {c.v6} activate
 exit-address-family
"""


def bird_sessions_conf(p, c):
    return f"""protocol static s4 {{ ipv4; route {PEER4} blackhole; }}
protocol static s6 {{ ipv6; route {PEER6} blackhole; }}
template bgp peers {{
  local as {PEER_AS};
  hold time {PEER_HOLD}; keepalive time 3;
  connect delay time 1; connect retry time 1; error wait time 1,2;
}}
protocol bgp catsd4 from peers {{ local {p.v4} as {PEER_AS}; neighbor {c.v4} as {CATSD_AS};
  ipv4 {{ import all; export all; }}; }}
protocol bgp catsd6 from peers {{ local {p.v6} as {PEER_AS}; neighbor {c.v6} as {CATSD_AS};
  ipv6 {{ import all; export all; }}; }}
"""


def gobgp_nbr(addr, asn, fams, extra=""):
    s = f"""[[neighbors]]
  [neighbors.config]
    neighbor-address = "{addr}"
    peer-as = {asn}
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = {PEER_HOLD}
    keepalive-interval = 3
    idle-hold-time-after-reset = 1
{extra}"""
    for fam, fextra in fams:
        s += f"""  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "{fam}"
{fextra}"""
    return s


def gobgp_sessions_conf(p, c):
    return (f'[global.config]\n  as = {PEER_AS}\n  router-id = "{p.v4}"\n  port = 179\n'
            f'  local-address-list = ["{p.v4}", "{p.v6}"]\n'
            + gobgp_nbr(c.v4, CATSD_AS, [("ipv4-unicast", "")]) + gobgp_nbr(c.v6, CATSD_AS, [("ipv6-unicast", "")]))


def exabgp_sessions_conf(p, c):
    api = "api { processes [ log ]; neighbor-changes; receive { parsed; update; notification; } }"
    return f"""neighbor {c.v4} {{
  router-id {p.v4}; local-address {p.v4}; local-as {PEER_AS}; peer-as {CATSD_AS}; hold-time {PEER_HOLD};
  group-updates false;
  family {{ ipv4 unicast; }}
  {api}
  static {{ route {PEER4} next-hop self; }}
}}
neighbor {c.v6} {{
  router-id {p.v4}; local-address {p.v6}; local-as {PEER_AS}; peer-as {CATSD_AS}; hold-time {PEER_HOLD};
  group-updates false;
  family {{ ipv6 unicast; }}
  {api}
  static {{ route {PEER6} next-hop self; }}
}}
"""


def openbgpd_sessions_conf(p, c):
    return f"""AS {PEER_AS}
router-id {p.v4}
listen on {p.v4}
listen on {p.v6}
holdtime {PEER_HOLD}
holdtime min 3
network {PEER4}
network {PEER6}
neighbor {c.v4} {{
  remote-as {CATSD_AS}
  local-address {p.v4}
}}
neighbor {c.v6} {{
  remote-as {CATSD_AS}
  local-address {p.v6}
}}
allow from any
allow to any
"""


PEERS = {
    "frr": (FRR, frr_sessions_conf, lambda c: (c.v4, c.v6)),
    "bird": (Bird, bird_sessions_conf, lambda c: ("catsd4", "catsd6")),
    "gobgp": (GoBGP, gobgp_sessions_conf, lambda c: (c.v4, c.v6)),
    "exabgp": (ExaBGP, exabgp_sessions_conf, lambda c: (c.v4, c.v6)),
    "openbgpd": (OpenBGPD, openbgpd_sessions_conf, lambda c: (c.v4, c.v6)),
}


MD5_KEY = "cats-lab-md5"


def frr_md5(conf, c):
    return conf.replace(" address-family ipv4 unicast\n",
                        f" neighbor {c.v4} password {MD5_KEY}\n neighbor {c.v6} password {MD5_KEY}\n"
                        " address-family ipv4 unicast\n", 1)


def bird_md5(conf, c):
    return conf.replace("  hold time ", f'  password "{MD5_KEY}";\n  hold time ', 1)


def gobgp_md5(conf, c):
    return conf.replace(f"    peer-as = {CATSD_AS}\n", f'    peer-as = {CATSD_AS}\n    auth-password = "{MD5_KEY}"\n')


def openbgpd_md5(conf, c):
    return conf.replace(f"  remote-as {CATSD_AS}\n", f"  remote-as {CATSD_AS}\n  tcp md5sig password {MD5_KEY}\n")


def exabgp_md5(conf, c):
    return conf.replace(f"hold-time {PEER_HOLD};\n", f'hold-time {PEER_HOLD}; md5-password "{MD5_KEY}";\n')


MD5 = {"frr": frr_md5, "bird": bird_md5, "gobgp": gobgp_md5, "openbgpd": openbgpd_md5, "exabgp": exabgp_md5}


def sessions(lab, kind, md5=False, nbr_extra=None):
    cn, pn = lab.node("catsd", 1), lab.node(kind, 2)
    cls, conf, handles = PEERS[kind]
    if md5:
        extra_md5 = {"md5-password": MD5_KEY}
        base_conf = conf
        conf = lambda p, c: MD5[kind](base_conf(p, c), c)
    else:
        extra_md5 = {}
    cats = {"send": True}
    # ExaBGP never listens: catsd must wait for it (passive). Active catsd refuses its connections while Idle
    # between its own failed attempts (RFC 4271 Connect -> Idle on TcpConnectionFails), so it would never come up.
    extra = {"passive": True} if kind == "exabgp" else {}
    extra.update(extra_md5)
    extra.update(nbr_extra or {})
    cfg = {"global": catsd_global(CATSD_AS, cn, "edge"),
           "neighbors": {"neighbor": [
               catsd_nbr(pn.v4, PEER_AS, cn.v4, CATSD_HOLD, [{"name": "ipv4-unicast"}], cats=cats, **extra),
               catsd_nbr(pn.v6, PEER_AS, cn.v6, CATSD_HOLD, [{"name": "ipv6-unicast"}], cats=cats, **extra)]},
           "services": {"service": [service(6, 1)]}}
    c = Catsd(lab, cn, cfg).start()
    peer = cls(lab, pn).start(conf(pn, cn))
    if kind == "gobgp":  # GoBGP has no static routes in its config file
        peer.gobgp("global", "rib", "add", "-a", "ipv4", PEER4)
        peer.gobgp("global", "rib", "add", "-a", "ipv6", PEER6)
    h4, h6 = handles(cn)
    for addr, handle in ((pn.v4, h4), (pn.v6, h6)):
        wait_for(f"catsd: session to {kind} {addr} established", lambda: c.established(addr), 30)
        wait_for(f"{kind}: session to catsd ({handle}) established", lambda: peer.established(handle), 15)
        n = c.neighbor(addr)
        check(n["hold_time"] == PEER_HOLD, f"{addr}: hold time negotiated {n['hold_time']} = min({CATSD_HOLD}, "
              f"{PEER_HOLD})")
        check(n.get("remote_as") == PEER_AS, f"{addr}: remote AS {PEER_AS} (2-octet; catsd's own AS {CATSD_AS} is 4-octet)")
        asn, hold = peer.view(handle)
        check(asn == CATSD_AS, f"{kind} sees catsd's 4-octet AS {asn}")
        check(hold in (None, PEER_HOLD), f"{kind}: negotiated hold time {hold if hold is not None else 'not shown'}")
    wait_for(f"catsd: {PEER4} from {kind} in its RIB", lambda: c.has_prefix(PEER4, pn.v4))
    wait_for(f"catsd: {PEER6} from {kind} (IPv6 session) in its RIB", lambda: c.has_prefix(PEER6, pn.v6))
    wait_for(f"{kind}: catsd's service {SVC4} in its RIB", lambda: peer.has_prefix(SVC4))
    wait_for(f"{kind}: catsd's service {SVC6} (IPv6 session) in its RIB", lambda: peer.has_prefix(SVC6))
    local = [p for p in c.paths(SVC4) if p.get("peer") == "local"]
    check(len(local) == 1 and local[0].get("cats", {}).get("raw_hex"), f"catsd originates {SVC4} with CATS")
    for addr in (pn.v4, pn.v6):
        check(c.established(addr), f"session {addr} still established at the end")
    return c, peer, cn, pn


AS_TRANS = 23456


def update_attributes(body):
    """UPDATE body (after the 19-octet header) -> {type: (flags, value)}."""
    wl = int.from_bytes(body[0:2], "big")
    off = 2 + wl
    al = int.from_bytes(body[off:off + 2], "big")
    off += 2
    end, out = off + al, {}
    while off < end:
        flags, typ = body[off], body[off + 1]
        if flags & 0x10:
            ln, off = int.from_bytes(body[off + 2:off + 4], "big"), off + 4
        else:
            ln, off = body[off + 2], off + 3
        out[typ] = (flags, body[off:off + ln])
        off += ln
    return out


def sessions_exabgp_as2(lab):
    """catsd (4-octet AS) <-> ExaBGP without the 4-octet AS capability (a 2-octet-only speaker)."""
    cn, pn = lab.node("catsd", 1), lab.node("exabgp", 2)
    cfg = {"global": catsd_global(CATSD_AS, cn, "edge"),
           "neighbors": {"neighbor": [catsd_nbr(pn.v4, PEER_AS, cn.v4, CATSD_HOLD, [{"name": "ipv4-unicast"}],
                                                cats={"send": True}, passive=True)]},
           "services": {"service": [service(6, 1, v6=False)]}}
    c = Catsd(lab, cn, cfg).start()
    api = "api { processes [ log ]; neighbor-changes; receive { parsed; packets; consolidate; update; notification; } }"
    exa = ExaBGP(lab, pn).start(f"""neighbor {cn.v4} {{
  router-id {pn.v4}; local-address {pn.v4}; local-as {PEER_AS}; peer-as {AS_TRANS}; hold-time {PEER_HOLD};
  group-updates false;
  capability {{ asn4 disable; }}
  family {{ ipv4 unicast; }}
  {api}
  static {{ route {PEER4} next-hop self; }}
}}
""")
    wait_for("catsd: session to the 2-octet-only ExaBGP established", lambda: c.established(pn.v4), 30)
    wait_for("exabgp: session up", lambda: exa.established(cn.v4), 15)
    n = c.neighbor(pn.v4)
    check(n.get("remote_as") == PEER_AS and n["hold_time"] == PEER_HOLD, f"catsd: remote AS {PEER_AS}, hold 9")
    p = wait_for(f"catsd: {PEER4} from the 2-octet speaker", lambda: [x for x in c.paths(PEER4)
                                                                       if x.get("peer") == pn.v4], 15)
    check(str(p[0].get("as_path", "")).split() == [str(PEER_AS)], f"catsd: AS_PATH of {PEER4} is {p[0].get('as_path')}")
    wait_for(f"exabgp: catsd's {SVC4} received", lambda: exa.has_prefix(SVC4), 15)
    attrs = [m["neighbor"]["message"]["update"].get("attribute", {}) for m in exa.messages()
             if m.get("type") == "update" and SVC4 in json.dumps(m.get("neighbor", {}).get("message", {}))]
    print(f"  exabgp attributes of {SVC4}: {json.dumps(attrs[-1])[:300]}")
    body = [bytes.fromhex(m["body"][2:]) for m in exa.messages() if m.get("type") == "update"
            and SVC4 in json.dumps(m.get("neighbor", {}).get("message", {}))][-1]
    attrs_raw = update_attributes(body)
    check(2 in attrs_raw and attrs_raw[2][1] == bytes.fromhex("02015ba0"),
          f"on the wire: AS_PATH = [{AS_TRANS}] (2-octet encoding): {attrs_raw.get(2, (0, b''))[1].hex()}")
    as4 = attrs_raw.get(17)
    RESULTS["as4_path_to_2octet_peer"] = as4[1].hex() if as4 else None
    check(as4 is not None and as4[1] == bytes([2, 1]) + CATSD_AS.to_bytes(4, "big"),
          f"on the wire: AS4_PATH [{CATSD_AS}] present (RFC 6793 4.2.2): {as4[1].hex() if as4 else 'missing'}")
    check(c.established(pn.v4), "session still established")


def make_sessions(kind):
    def fn(lab):
        sessions(lab, kind)
    fn.__doc__ = f"eBGP v4+v6 sessions catsd (AS {CATSD_AS}) <-> {kind} (AS {PEER_AS}), prefixes both ways, hold time"
    return fn


SCENARIOS = {}
for _k in PEERS:
    SCENARIOS[f"sessions_{_k}"] = make_sessions(_k)
SCENARIOS["sessions_exabgp_as2"] = sessions_exabgp_as2


def md5(lab, kind):
    sessions(lab, kind, md5=True)
    out = run(["tcpdump", "-nn", "-v", "-r", lab.pcap, "tcp port 179"], check_rc=False).stdout
    syns = [l for l in out.splitlines() if ".179" in l and "Flags [S" in l]
    print("\n".join("    " + l.strip()[:150] for l in syns))
    check(any("10.77.0." in l for l in syns) and any("fd77::" in l for l in syns) and all("md5" in l for l in syns),
          f"every SYN/SYN-ACK on port 179 in the pcap carries the TCP MD5 option ({len(syns)} seen)")


def make_md5(kind):
    def fn(lab):
        md5(lab, kind)
    fn.__doc__ = f"as sessions_{kind}, with TCP MD5 (RFC 2385) on both sessions; pcap shows the option"
    return fn


for _k in MD5:
    SCENARIOS[f"md5_{_k}"] = make_md5(_k)


def route_refresh_frr(lab):
    """Route refresh both ways with FRR: catsctl clear --soft-in, vtysh clear bgp soft in."""
    # FRR 8.4 ignores a ROUTE-REFRESH that arrives before it has sent End-of-RIB ("rcvd route-refresh (REQUEST)
    # for IPv4/unicast before EoR"), and it sends End-of-RIB only to a peer that advertised graceful restart:
    # without GR on catsd's side FRR never answers a refresh. So catsd advertises GR here.
    c, frr, cn, pn = sessions(lab, "frr", nbr_extra={"graceful-restart": {"enabled": True, "restart-time": 30}})
    n = c.neighbor(pn.v4)
    check(n.get("route_refresh"), "catsd: route refresh negotiated with FRR")
    RESULTS["enhanced_route_refresh_frr"] = n.get("enhanced_route_refresh")

    def stats():
        return frr.vjson(f"show bgp neighbors {cn.v4} json")[cn.v4]["messageStats"]
    before, upd_in = stats(), int(n["updates_in"])
    c.ctl("clear", "neighbor", pn.v4, "--soft-in")
    wait_for("FRR received catsd's ROUTE-REFRESH", lambda: stats()["routeRefreshRecv"] > before["routeRefreshRecv"], 10)
    wait_for("FRR re-sent its routes (catsd updates_in grew)", lambda: int(c.neighbor(pn.v4)["updates_in"]) > upd_in, 10)
    before, upd_out = stats(), int(c.neighbor(pn.v4)["updates_out"])
    frr.vtysh(f"clear bgp ipv4 unicast {cn.v4} soft in")
    wait_for("FRR sent a ROUTE-REFRESH", lambda: stats()["routeRefreshSent"] > before["routeRefreshSent"], 10)
    wait_for("catsd re-sent its Adj-RIB-Out (updates_out grew)",
             lambda: int(c.neighbor(pn.v4)["updates_out"]) > upd_out, 10)
    check(c.established(pn.v4) and frr.established(cn.v4), "session stayed up through both refreshes")
    check(frr.has_prefix(SVC4) and c.has_prefix(PEER4, pn.v4), "routes still present on both sides")


SCENARIOS["route_refresh_frr"] = route_refresh_frr


GR_RESTART = 8


def graceful_restart_frr(lab):
    """FRR restarts (kill -9): catsd keeps its paths stale, refreshes them when FRR is back, sweeps them when not."""
    gr = f" bgp graceful-restart\n bgp graceful-restart preserve-fw-state\n bgp graceful-restart restart-time {GR_RESTART}\n"
    base = PEERS["frr"]
    PEERS["frr"] = (base[0], lambda p, c: base[1](p, c).replace(" timers bgp 3", gr + " timers bgp 3", 1), base[2])
    try:
        c, frr, cn, pn = sessions(lab, "frr", nbr_extra={"graceful-restart": {"enabled": True, "restart-time": 30}})
    finally:
        PEERS["frr"] = base
    conf = base[1](pn, cn).replace(" timers bgp 3", gr + " timers bgp 3", 1)
    check(c.neighbor(pn.v4).get("graceful_restart"), "catsd: graceful restart negotiated with FRR")

    def path():
        ps = [p for p in c.paths(PEER4) if p.get("peer") == pn.v4]
        return ps[0] if ps else None
    check(path() and not path().get("stale"), f"{PEER4} from FRR present, not stale")
    frr.proc.kill9()
    wait_for(f"catsd: session down, {PEER4} kept and marked stale",
             lambda: not c.established(pn.v4) and path() and path().get("stale"), 15)
    frr = FRR(lab, pn, fresh=False).start(conf)
    wait_for("FRR back: session re-established", lambda: c.established(pn.v4) and frr.established(cn.v4), 20)
    wait_for(f"{PEER4} refreshed: no longer stale", lambda: path() and not path().get("stale"), 15)
    check(frr.has_prefix(SVC4), f"FRR has catsd's {SVC4} again")
    wait_for(f"{PEER6} (IPv6 session) back, not stale", lambda: [p for p in c.paths(PEER6)
                                                               if p.get("peer") == pn.v6 and not p.get("stale")], 15)
    t0 = time.monotonic()
    frr.proc.kill9()
    wait_for(f"second crash: {PEER4} stale", lambda: path() and path().get("stale"), 15)
    wait_for(f"FRR stays down: stale {PEER4} swept after the restart time ({GR_RESTART} s)",
             lambda: path() is None, GR_RESTART + 15)
    took = time.monotonic() - t0
    check(took >= GR_RESTART - 1, f"swept after {took:.1f}s, not before the restart time")
    check(not c.has_prefix(PEER6, pn.v6), f"{PEER6} (IPv6 session) swept too")


SCENARIOS["graceful_restart_frr"] = graceful_restart_frr


# ---------------------------------------------------------------- scenario: cats_via_<rr>

EDGES = ((11, 7), (12, 4), (13, 2))   # host, L2 score of its site
INGRESS = 20


def frr_rr_conf(rr, edges, ing):
    s = f"""router bgp {IBGP_AS}
 bgp router-id {rr.v4}
 bgp cluster-id {rr.v4}
 no bgp ebgp-requires-policy
 timers bgp 3 9
"""
    for n in edges + [ing]:
        s += f" neighbor {n.v4} remote-as {IBGP_AS}\n neighbor {n.v4} timers connect 1\n" \
             f" neighbor {n.v4} advertisement-interval 0\n"
    s += " address-family ipv4 unicast\n"
    for n in edges + [ing]:
        s += f"  neighbor {n.v4} route-reflector-client\n"
    s += f"  neighbor {ing.v4} addpath-tx-all-paths\n exit-address-family\n"
    return s


def bird_rr_conf(rr, edges, ing):
    s = f"""template bgp peers {{
  local {rr.v4} as {IBGP_AS};
  hold time 9; keepalive time 3;
  connect delay time 1; connect retry time 1; error wait time 1,2;
  rr client; rr cluster id {rr.v4}; direct;
}}
"""
    for n in edges:
        s += f"protocol bgp e{n.host} from peers {{ neighbor {n.v4} as {IBGP_AS}; ipv4 {{ import all; export all; }}; }}\n"
    s += (f"protocol bgp ing{ing.host} from peers {{ neighbor {ing.v4} as {IBGP_AS}; "
          f"ipv4 {{ import all; export all; add paths tx; }}; }}\n")
    return s


def gobgp_rr_conf(rr, edges, ing):
    rrc = (f'  [neighbors.route-reflector.config]\n    route-reflector-client = true\n'
           f'    route-reflector-cluster-id = "{rr.v4}"\n')
    s = (f'[global.config]\n  as = {IBGP_AS}\n  router-id = "{rr.v4}"\n  port = 179\n'
         f'  local-address-list = ["{rr.v4}"]\n')
    for n in edges:
        s += gobgp_nbr(n.v4, IBGP_AS, [("ipv4-unicast", "")], rrc)
    s += gobgp_nbr(ing.v4, IBGP_AS, [("ipv4-unicast", "    [neighbors.afi-safis.add-paths.config]\n"
                                                      "      send-max = 8\n")], rrc)
    return s


def openbgpd_head(asn, p):
    return f"AS {asn}\nrouter-id {p.v4}\nlisten on {p.v4}\nholdtime 9\nholdtime min 3\n"


def openbgpd_rr_conf(rr, edges, ing):
    s = openbgpd_head(IBGP_AS, rr)
    for n in edges:
        s += f"neighbor {n.v4} {{\n  remote-as {IBGP_AS}\n  local-address {rr.v4}\n  route-reflector {rr.v4}\n}}\n"
    s += (f"neighbor {ing.v4} {{\n  remote-as {IBGP_AS}\n  local-address {rr.v4}\n  route-reflector {rr.v4}\n"
          f"  announce add-path send all\n}}\n")
    return s + "allow from any\nallow to any\n"


RRS = {"frr": (FRR, frr_rr_conf, lambda n: n.v4), "bird": (Bird, bird_rr_conf, lambda n: f"e{n.host}"),
       "gobgp": (GoBGP, gobgp_rr_conf, lambda n: n.v4), "openbgpd": (OpenBGPD, openbgpd_rr_conf, lambda n: n.v4)}


def cats_via(lab, kind):
    ct = CATS_TYPE_FOR.get(kind)
    rn = lab.node(kind, 2)
    en = [lab.node(f"edge{h}", h) for h, _ in EDGES]
    ing_n = lab.node("ingress", INGRESS)
    cls, conf, handle = RRS[kind]
    rr = cls(lab, rn).start(conf(rn, en, ing_n))
    fam4 = [{"name": "ipv4-unicast"}]
    edges = []
    for n, (h, l2) in zip(en, EDGES):
        cfg = {"global": catsd_global(IBGP_AS, n, "edge", ct),
               "neighbors": {"neighbor": [catsd_nbr(rn.v4, IBGP_AS, n.v4, families=fam4)]},
               "services": {"service": [service(l2, h, v6=False)]}}
        edges.append(Catsd(lab, n, cfg).start())
    icfg = {"global": catsd_global(IBGP_AS, ing_n, "ingress", ct),
            "neighbors": {"neighbor": [catsd_nbr(rn.v4, IBGP_AS, ing_n.v4,
                                                 families=[{"name": "ipv4-unicast", "add-path": "receive"}])]}}
    ing = Catsd(lab, ing_n, icfg).start()
    for n, e in zip(en, edges):
        wait_for(f"edge{n.host} <-> {kind} established", lambda: e.established(rn.v4) and rr.established(handle(n)), 30)
    wait_for(f"ingress <-> {kind} established", lambda: ing.established(rn.v4), 30)
    n = ing.neighbor(rn.v4)
    fams = {f["name"]: f for f in n.get("families", [])}
    check(fams.get("ipv4-unicast", {}).get("add_path_receive"), f"ingress: ADD-PATH receive negotiated with {kind}")
    cands = wait_for(f"ingress: three candidates for {SVC4} via {kind}",
                     lambda: (lambda c: c if len(c) == 3 else None)(ing.candidates(SVC4)), 30)
    by_nh = {c["next_hop"]: c for c in cands}
    check(set(by_nh) == {n.v4 for n in en}, f"candidates' next hops are the three edges: {sorted(by_nh)}")
    for n, (h, l2) in zip(en, EDGES):
        check(by_nh[n.v4].get("l2") == l2, f"edge{h}: L2 {l2} at the ingress")
    at_ing = ing.paths(SVC4)
    partial, raws = set(), set()
    for n, e in zip(en, edges):
        local = [p for p in e.paths(SVC4) if p.get("peer") == "local"]
        check(len(local) == 1 and local[0].get("cats", {}).get("raw_hex"), f"edge{n.host} originates CATS")
        raw = local[0]["cats"]["raw_hex"]
        raws.add(raw)
        mine = [p for p in at_ing if p.get("next_hop") == n.v4]
        check(len(mine) == 1 and mine[0].get("cats", {}).get("raw_hex") == raw,
              f"edge{n.host}: CATS bytes at the ingress equal the edge's ({len(raw) // 2} bytes, ...{raw[-24:]})")
        partial.add(bool(mine[0].get("partial_cats")))
    check(len(raws) == 3, "the three edges' CATS values differ from each other")
    if ct:
        print(f"  (CATS type {ct}: the pcap checks, which decode type {CATS_TYPE}, are skipped)")
    else:
        pcap_checks(lab, en, EDGES, kind)
    print(f"  partial_cats via {kind}: {sorted(partial)}")
    RESULTS[f"partial_cats_{kind}"] = sorted(partial)
    return partial


RESULTS = {}
LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wireshark", "cats_exp.lua")


def pcap_checks(lab, edge_nodes, edges, kind):
    """tshark on the LAN pcap: no malformed BGP at all; the project's Lua dissector decodes every edge's CATS."""
    if not shutil.which("tshark") or not os.path.exists(LUA):
        print("  (tshark or cats_exp.lua missing: pcap checks skipped)")
        return
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=os.path.join(lab.dir, "wireshark-cfg"))
    os.makedirs(env["WIRESHARK_CONFIG_DIR"], exist_ok=True)
    time.sleep(0.3)   # let tcpdump flush the last segments (-U writes per packet)
    r = run(["tshark", "-n", "-r", lab.pcap, "-Y", "bgp && (_ws.malformed || _ws.expert.severity >= 8388608)",
             "-T", "fields", "-e", "frame.number", "-e", "ip.src", "-e", "_ws.expert.message"],
            timeout=60, check_rc=False, env=env)
    bad = [l for l in r.stdout.splitlines() if l.strip()]
    check(r.returncode == 0 and not bad, f"tshark: no malformed BGP / expert errors in the pcap ({bad[:3]})")
    r = run(["tshark", "-n", "-r", lab.pcap, "-X", f"lua_script:{LUA}", "-Y", "cats_exp.version",
             "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "ip.src", "-e", "ip.dst", "-e", "cats_exp.site_score",
             "-e", "_ws.expert.message"], timeout=60, check_rc=False, env=env)
    check(r.returncode == 0 and "Lua: Error" not in r.stderr, f"tshark with cats_exp.lua runs ({r.stderr.strip()[:200]})")
    rows = [l.split("\t") + [""] * 4 for l in r.stdout.splitlines() if l.strip()]
    for n, (h, l2) in zip(edge_nodes, edges):
        mine = [row for row in rows if row[0] == n.v4]
        check(mine and all(set(row[2].split(",")) == {str(l2)} for row in mine),
              f"cats_exp.lua decodes edge{h}'s UPDATEs: site score {l2} ({len(mine)} frame(s))")
    reflected = [row for row in rows if row[0] == "10.77.0.2"]
    scores = sorted({x for row in reflected for x in row[2].split(",") if x})
    check(scores == sorted(str(l2) for _, l2 in edges),
          f"cats_exp.lua decodes {kind}'s reflected UPDATEs: site scores {scores}")


def make_cats_via(kind):
    def fn(lab):
        cats_via(lab, kind)
    fn.__doc__ = (f"3 catsd edges -> {kind} iBGP RR with ADD-PATH send -> catsd ingress: 3 candidates, L2s, "
                  f"CATS bytes equal")
    return fn


for _k in RRS:
    SCENARIOS[f"cats_via_{_k}"] = make_cats_via(_k)


# ---------------------------------------------------------------- scenario: cats_via_ebgp_<peer>

EDGE_AS, ING_AS = 65011, 65020


def frr_transit_conf(p, e, i):
    s = f"router bgp {PEER_AS}\n bgp router-id {p.v4}\n no bgp ebgp-requires-policy\n timers bgp 3 9\n"
    for n, asn in ((e, EDGE_AS), (i, ING_AS)):
        s += f" neighbor {n.v4} remote-as {asn}\n neighbor {n.v4} timers connect 1\n" \
             f" neighbor {n.v4} advertisement-interval 0\n"
    return s


def bird_transit_conf(p, e, i):
    return f"""template bgp peers {{
  local {p.v4} as {PEER_AS};
  hold time 9; keepalive time 3;
  connect delay time 1; connect retry time 1; error wait time 1,2;
  ipv4 {{ import all; export all; }};
}}
protocol bgp edge from peers {{ neighbor {e.v4} as {EDGE_AS}; }}
protocol bgp ingress from peers {{ neighbor {i.v4} as {ING_AS}; }}
"""


def gobgp_transit_conf(p, e, i):
    return (f'[global.config]\n  as = {PEER_AS}\n  router-id = "{p.v4}"\n  port = 179\n'
            f'  local-address-list = ["{p.v4}"]\n'
            + gobgp_nbr(e.v4, EDGE_AS, [("ipv4-unicast", "")]) + gobgp_nbr(i.v4, ING_AS, [("ipv4-unicast", "")]))


def openbgpd_transit_conf(p, e, i):
    s = openbgpd_head(PEER_AS, p)
    for n, asn in ((e, EDGE_AS), (i, ING_AS)):
        s += f"neighbor {n.v4} {{\n  remote-as {asn}\n  local-address {p.v4}\n}}\n"
    return s + "allow from any\nallow to any\n"


TRANSIT = {"frr": (FRR, frr_transit_conf, lambda n: n.v4), "bird": (Bird, bird_transit_conf, lambda n: n.name),
           "gobgp": (GoBGP, gobgp_transit_conf, lambda n: n.v4),
           "openbgpd": (OpenBGPD, openbgpd_transit_conf, lambda n: n.v4)}


def cats_via_ebgp(lab, kind):
    ct = CATS_TYPE_FOR.get(kind)
    pn, en, inn = lab.node(kind, 2), lab.node("edge", 11), lab.node("ingress", INGRESS)
    cls, conf, handle = TRANSIT[kind]
    peer = cls(lab, pn).start(conf(pn, en, inn))
    fam4 = [{"name": "ipv4-unicast"}]
    e = Catsd(lab, en, {"global": catsd_global(EDGE_AS, en, "edge", ct),
                        "neighbors": {"neighbor": [catsd_nbr(pn.v4, PEER_AS, en.v4, families=fam4,
                                                             cats={"send": True})]},
                        "services": {"service": [service(7, 11, v6=False)]}}).start()
    i = Catsd(lab, inn, {"global": catsd_global(ING_AS, inn, "ingress", ct),
                         "neighbors": {"neighbor": [catsd_nbr(pn.v4, PEER_AS, inn.v4, families=fam4,
                                                              cats={"receive": True})]}}).start()
    for c, n in ((e, en), (i, inn)):
        wait_for(f"{n.name} <-> {kind} established", lambda: c.established(pn.v4) and peer.established(handle(n)), 30)
    cands = wait_for(f"ingress: one candidate for {SVC4} through {kind} (eBGP both sides)",
                     lambda: (lambda c: c if len(c) == 1 else None)(i.candidates(SVC4)), 20)
    # BIRD keeps the edge's address as a third-party next hop (same subnet, RFC 4271 5.1.3); FRR and GoBGP use their own.
    check(cands[0].get("next_hop") in (pn.v4, en.v4) and cands[0].get("l2") == 7,
          f"candidate via next hop {cands[0].get('next_hop')} with the edge's L2 7")
    RESULTS[f"ebgp_next_hop_{kind}"] = cands[0].get("next_hop")
    p = [p for p in i.paths(SVC4) if p.get("peer") == pn.v4]
    check(len(p) == 1, f"the path at the ingress was learned from {kind} ({pn.v4})")
    raw = [p for p in e.paths(SVC4) if p.get("peer") == "local"][0]["cats"]["raw_hex"]
    p = p[0]
    check(p.get("cats", {}).get("raw_hex") == raw, f"CATS bytes at the ingress equal the edge's ({len(raw) // 2} bytes)")
    check(str(p.get("as_path", "")).split() == [str(PEER_AS), str(EDGE_AS)], f"AS_PATH {p.get('as_path')}")
    RESULTS[f"partial_cats_ebgp_{kind}"] = bool(p.get("partial_cats"))
    print(f"  partial_cats through {kind} over eBGP: {bool(p.get('partial_cats'))}")


def make_cats_via_ebgp(kind):
    def fn(lab):
        cats_via_ebgp(lab, kind)
    fn.__doc__ = f"catsd edge -eBGP-> {kind} -eBGP-> catsd ingress: CATS bytes and L2 arrive unchanged"
    return fn


for _k in TRANSIT:
    SCENARIOS[f"cats_via_ebgp_{_k}"] = make_cats_via_ebgp(_k)


# ---------------------------------------------------------------- scenario: addpath_to_<peer>

def frr_addpath_rx_conf(p, rr):
    return (f"router bgp {IBGP_AS}\n bgp router-id {p.v4}\n no bgp ebgp-requires-policy\n timers bgp 3 9\n"
            f" neighbor {rr.v4} remote-as {IBGP_AS}\n neighbor {rr.v4} timers connect 1\n"
            f" neighbor {rr.v4} advertisement-interval 0\n")


def bird_addpath_rx_conf(p, rr):
    return f"""protocol bgp rrpeer {{
  local {p.v4} as {IBGP_AS}; neighbor {rr.v4} as {IBGP_AS}; direct;
  hold time 9; keepalive time 3;
  connect delay time 1; connect retry time 1; error wait time 1,2;
  ipv4 {{ import all; export none; add paths rx; }};
}}
"""


def gobgp_addpath_rx_conf(p, rr):
    return (f'[global.config]\n  as = {IBGP_AS}\n  router-id = "{p.v4}"\n  port = 179\n'
            f'  local-address-list = ["{p.v4}"]\n'
            + gobgp_nbr(rr.v4, IBGP_AS, [("ipv4-unicast", "    [neighbors.afi-safis.add-paths.config]\n"
                                                        "      receive = true\n")]))


def frr_paths(peer):
    return [{"next_hop": (p.get("nexthops") or [{}])[0].get("ip")}
            for p in peer.vjson(f"show bgp ipv4 unicast {SVC4} json").get("paths", [])]


def bird_paths(peer):
    out, paths, cur = peer.route_all(SVC4), [], None
    for line in out.splitlines():
        t = line.strip()
        if t.startswith("via "):
            cur = {"next_hop": t.split()[1]}
            paths.append(cur)
        elif cur is not None and t.startswith(f"BGP.{CATS_TYPE:02x}"):
            cur["cats"] = t.split(":", 1)[1].replace(" ", "").lower()
    return paths


def gobgp_paths(peer):
    out = []
    for p in peer.rib(SVC4).get(SVC4, []):
        d = {}
        for a in p.get("attrs", []):
            if a.get("type") == 3:
                d["next_hop"] = a.get("nexthop")
            if a.get("type") == CATS_TYPE:
                d["cats"] = base64.b64decode(a["value"]).hex()
        out.append(d)
    return out


def openbgpd_addpath_rx_conf(p, rr):
    return (openbgpd_head(IBGP_AS, p) + f"neighbor {rr.v4} {{\n  remote-as {IBGP_AS}\n  local-address {p.v4}\n"
            f"  announce add-path recv yes\n}}\nallow from any\nallow to any\n")


def openbgpd_paths(peer):
    """`bgpctl -j show rib detail SVC4`: one dict per path, next hop and CATS bytes (Unknown Attribute #255)."""
    j = json.loads(peer.bgpctl("-j", "show", "rib", "detail", SVC4).stdout or "{}")
    out = []
    for r in j.get("rib", []):
        d = {"next_hop": r.get("exit_nexthop")}   # true_nexthop is the resolved (here: own) address
        for a in r.get("attributes", []):
            if a.get("type") == f"Unknown Attribute #{CATS_TYPE}":
                d["cats"] = a.get("data", "").lower()
        out.append(d)
    return out


ADDPATH = {"frr": (FRR, frr_addpath_rx_conf, lambda n: n.v4, frr_paths),
           "bird": (Bird, bird_addpath_rx_conf, lambda n: "rrpeer", bird_paths),
           "gobgp": (GoBGP, gobgp_addpath_rx_conf, lambda n: n.v4, gobgp_paths),
           "openbgpd": (OpenBGPD, openbgpd_addpath_rx_conf, lambda n: n.v4, openbgpd_paths)}


def addpath_to(lab, kind):
    rn = lab.node("catsd-rr", 3)
    pn = lab.node(kind, 2)
    en = [lab.node(f"edge{h}", h) for h, _ in EDGES]
    cls, conf, handle, paths = ADDPATH[kind]
    fam4 = [{"name": "ipv4-unicast"}]
    nbrs = [catsd_nbr(n.v4, IBGP_AS, rn.v4, families=fam4, **{"route-reflector-client": True}) for n in en]
    nbrs.append(catsd_nbr(pn.v4, IBGP_AS, rn.v4, families=[{"name": "ipv4-unicast", "add-path": "send"}],
                          **{"route-reflector-client": True}))
    rr = Catsd(lab, rn, {"global": catsd_global(IBGP_AS, rn, "reflector"), "neighbors": {"neighbor": nbrs}}).start()
    peer = cls(lab, pn).start(conf(pn, rn))
    edges = []
    for n, (h, l2) in zip(en, EDGES):
        edges.append(Catsd(lab, n, {"global": catsd_global(IBGP_AS, n, "edge"),
                                    "neighbors": {"neighbor": [catsd_nbr(rn.v4, IBGP_AS, n.v4, families=fam4)]},
                                    "services": {"service": [service(l2, h, v6=False)]}}).start())
    wait_for(f"catsd reflector <-> {kind} established", lambda: rr.established(pn.v4) and peer.established(handle(rn)),
             30)
    fams = {f["name"]: f for f in rr.neighbor(pn.v4).get("families", [])}
    check(fams.get("ipv4-unicast", {}).get("add_path_send"), f"catsd reflector: ADD-PATH send negotiated with {kind}")
    got = wait_for(f"{kind} holds three paths for {SVC4} from the catsd reflector",
                   lambda: (lambda p: p if len(p) == 3 else None)(paths(peer)), 30)
    check(sorted(p.get("next_hop") for p in got) == sorted(n.v4 for n in en),
          f"{kind}: the three paths' next hops are the edges: {sorted(p.get('next_hop') for p in got)}")
    if kind != "frr":   # FRR never shows unknown attributes
        raws = {n.v4: [p for p in e.paths(SVC4) if p.get("peer") == "local"][0]["cats"]["raw_hex"].lower()
                for n, e in zip(en, edges)}
        check(all(p.get("cats") == raws[p["next_hop"]] for p in got),
              f"{kind}: each path carries its edge's CATS bytes")


def make_addpath(kind):
    def fn(lab):
        addpath_to(lab, kind)
    fn.__doc__ = f"3 catsd edges -> catsd reflector with ADD-PATH send -> {kind} (ADD-PATH receive): 3 paths"
    return fn


for _k in ADDPATH:
    SCENARIOS[f"addpath_to_{_k}"] = make_addpath(_k)


# ---------------------------------------------------------------- scenario: errors_from_exabgp

GOOD_CATS, BAD_CATS = "010000000200050103810008", "010000000200090103810008"   # tests/data/vectors.json TV1 (ok), TV4 (malformed)
GOOD_PFX, BAD_PFX = "203.0.113.10/32", "203.0.113.20/32"


def errors_from_exabgp(lab):
    """ExaBGP originates a well-formed and a malformed CATS attribute (RFC 7606 treat-as-withdraw) into catsd."""
    cn, pn = lab.node("catsd", 1), lab.node("exabgp", 2)
    c = Catsd(lab, cn, {"global": catsd_global(IBGP_AS, cn, "ingress"),
                        "neighbors": {"neighbor": [catsd_nbr(pn.v4, IBGP_AS, cn.v4, families=[{"name": "ipv4-unicast"}],
                                                             passive=True)]}}).start()
    api = "api { processes [ log ]; neighbor-changes; receive { parsed; update; notification; } }"
    exa = ExaBGP(lab, pn).start(f"""neighbor {cn.v4} {{
  router-id {pn.v4}; local-address {pn.v4}; local-as {IBGP_AS}; peer-as {IBGP_AS}; hold-time {PEER_HOLD};
  group-updates false;
  family {{ ipv4 unicast; }}
  {api}
  static {{
    route {GOOD_PFX} next-hop self local-preference 100 attribute [0xff 0xc0 0x{GOOD_CATS}];
    route {BAD_PFX} next-hop self local-preference 100 attribute [0xff 0xc0 0x{BAD_CATS}];
    route {PEER4} next-hop self local-preference 100;
  }}
}}
""")
    wait_for("catsd <-> ExaBGP established", lambda: c.established(pn.v4) and exa.established(cn.v4), 30)
    wait_for(f"catsd: {PEER4} (no CATS) received", lambda: c.has_prefix(PEER4, pn.v4), 15)
    p = wait_for(f"catsd: {GOOD_PFX} with the well-formed CATS (TV1) received",
                 lambda: [x for x in c.paths(GOOD_PFX) if x.get("peer") == pn.v4], 15)
    check(p[0].get("cats", {}).get("raw_hex", "").lower() == GOOD_CATS, f"its CATS bytes are {GOOD_CATS}")
    time.sleep(1.0)
    check(not c.paths(BAD_PFX), f"catsd: {BAD_PFX} with the malformed CATS (TV4) is not in the RIB (treat-as-withdraw)")
    with open(c.log_path) as f:
        log = [l for l in f if "treat-as-withdraw" in l]
    print("  catsd log: " + (log[0].strip()[:200] if log else "(nothing)"))
    check(len(log) == 1, "catsd logs one treat-as-withdraw (the malformed UPDATE only)")
    check(c.established(pn.v4) and exa.established(cn.v4), "session stays up (treat-as-withdraw, no reset)")
    check(not any(m.get("type") == "notification" for m in exa.messages()), "ExaBGP received no NOTIFICATION")


SCENARIOS["errors_from_exabgp"] = errors_from_exabgp


# ---------------------------------------------------------------- scenario: cats_seen_by_<peer>

def cats_seen(lab, kind):
    c, peer, cn, pn = sessions(lab, kind)
    raw = [p for p in c.paths(SVC4) if p.get("peer") == "local"][0]["cats"]["raw_hex"].lower()
    if kind == "bird":
        def bird_bytes():
            for line in peer.route_all(SVC4).splitlines():
                line = line.strip()
                if line.startswith(f"BGP.{CATS_TYPE:02x}"):
                    return line.split(":", 1)[1].replace(" ", "").lower()
            return None
        got = wait_for(f"BIRD shows BGP.{CATS_TYPE:02x} for {SVC4}", bird_bytes, 10)
        check(got == raw, f"BIRD's BGP.{CATS_TYPE:02x} bytes equal catsd's CATS value {raw}")
        line = [l for l in peer.route_all(SVC4).splitlines() if l.strip().startswith(f"BGP.{CATS_TYPE:02x}")][0]
        check("[t]" in line, "BIRD marks it transitive ([t])")
    else:
        def gobgp_attr():
            for path in peer.rib(SVC4).get(SVC4, []):
                for a in path.get("attrs", []):
                    if a.get("type") == CATS_TYPE:
                        return a
            return None
        a = wait_for(f"GoBGP shows attribute {CATS_TYPE} for {SVC4}", gobgp_attr, 10)
        got = base64.b64decode(a["value"]).hex()
        check(got == raw, f"GoBGP's attribute {CATS_TYPE} value (base64 {a['value']}) equals catsd's {raw}")
        check(a.get("flags", 0) & 0xC0 == 0xC0, f"GoBGP: flags 0x{a.get('flags', 0):02x} optional transitive")


def make_seen(kind):
    def fn(lab):
        cats_seen(lab, kind)
    fn.__doc__ = f"catsd -> {kind} eBGP: {kind}'s CLI shows the CATS attribute bytes catsd sent"
    return fn


for _k in ("bird", "gobgp"):
    SCENARIOS[f"cats_seen_by_{_k}"] = make_seen(_k)


# ---------------------------------------------------------------- scenario: wrong_as_<peer>

WRONG_AS = 65099


def bird_wrong_as_conf(p, c):
    return bird_sessions_conf(p, c).replace(f"neighbor {c.v6} as {CATSD_AS}", f"neighbor {c.v6} as {WRONG_AS}")


def bird_last_error(peer, handle):
    return "\n".join(l.strip() for l in peer.birdc(f"show protocols all {handle}").stdout.splitlines()
                     if "error" in l.lower() or "state" in l.lower())


def openbgpd_wrong_as_conf(p, c):
    return openbgpd_sessions_conf(p, c).replace(f"neighbor {c.v6} {{\n  remote-as {CATSD_AS}",
                                                f"neighbor {c.v6} {{\n  remote-as {WRONG_AS}")


def openbgpd_last_error(peer, addr):
    return "\n".join(l.strip() for l in peer.bgpctl("show", "neighbor", addr).stdout.splitlines()
                     if "error" in l.lower() or "state" in l.lower())


# FRR is left out: it shows neither the NOTIFICATION it received (counted on its doppelganger connection) nor
# the one it sent (its last-reset reason stays "No AFI/SAFI activated for peer").
# kind -> (class, config, last-error text, what it shows for the 2/2 it received, for the 2/2 it sent)
WRONG = {"bird": (Bird, bird_wrong_as_conf, bird_last_error, "received: bad peer as", "bad peer as"),
         "openbgpd": (OpenBGPD, openbgpd_wrong_as_conf, openbgpd_last_error,
                      "last error received: error in open message, as unacceptable",
                      "last error sent: error in open message, as unacceptable")}


def wrong_as(lab, kind):
    cn, pn = lab.node("catsd", 1), lab.node(kind, 2)
    cls, conf, last_error, got_text, sent_text = WRONG[kind]
    cfg = {"global": catsd_global(CATSD_AS, cn, "edge"),
           "neighbors": {"neighbor": [
               catsd_nbr(pn.v4, WRONG_AS, cn.v4, None, [{"name": "ipv4-unicast"}]),
               catsd_nbr(pn.v6, PEER_AS, cn.v6, None, [{"name": "ipv6-unicast"}])]}}
    c = Catsd(lab, cn, cfg).start()
    peer = cls(lab, pn).start(conf(pn, cn))
    h4, h6 = PEERS[kind][2](cn)

    def logged(what):
        with open(c.log_path) as f:
            return what in f.read()
    wait_for(f"catsd refuses {kind}'s OPEN on {pn.v4} (configured AS {WRONG_AS}): sends NOTIFICATION 2/2",
             lambda: logged(f"[{pn.v4}] sending NOTIFICATION 2/2 (OPEN Message Error, Bad Peer AS)"), 20)
    wait_for(f"{kind} refuses catsd's OPEN on {pn.v6} (it expects AS {WRONG_AS}): catsd receives NOTIFICATION 2/2",
             lambda: logged(f"[{pn.v6}] received NOTIFICATION 2/2 (OPEN Message Error, Bad Peer AS)"), 20)
    p4 = wait_for(f"{kind} reports the Bad Peer AS NOTIFICATION it received ({got_text!r})",
                  lambda: (lambda t: t if got_text in t.lower() else None)(last_error(peer, h4)), 15)
    p6 = wait_for(f"{kind} reports the Bad Peer AS error it detected ({sent_text!r})",
                  lambda: (lambda t: t if sent_text in t.lower() else None)(last_error(peer, h6)), 15)
    print(f"  {kind} on {h4}: {p4!r}\n  {kind} on {h6}: {p6!r}")
    # catsctl shows errors before Established too: sent on v4, received on v6, both 2/2.
    errs = {a: c.neighbor(a).get("last_error") or {} for a in (pn.v4, pn.v6)}
    RESULTS[f"catsctl_last_error_{kind}"] = errs
    check(errs[pn.v4].get("code") == 2 and errs[pn.v4].get("subcode") == 2 and "sent" in errs[pn.v4].get("reason", ""),
          f"catsctl {pn.v4}: last error {errs[pn.v4].get('reason')}")
    check(errs[pn.v6].get("code") == 2 and errs[pn.v6].get("subcode") == 2
          and "received" in errs[pn.v6].get("reason", ""), f"catsctl {pn.v6}: last error {errs[pn.v6].get('reason')}")
    for addr in (pn.v4, pn.v6):
        check(not c.established(addr), f"{addr}: not established")
    check(c.proc.alive() and peer.proc.alive(), "catsd and the peer still running")


def make_wrong_as(kind):
    def fn(lab):
        wrong_as(lab, kind)
    fn.__doc__ = f"wrong AS both ways with {kind}: NOTIFICATION 2/2 (Bad Peer AS) sent and received, seen on both sides"
    return fn


for _k in WRONG:
    SCENARIOS[f"wrong_as_{_k}"] = make_wrong_as(_k)


# ---------------------------------------------------------------- main

SKIP = 77   # ctest SKIP_RETURN_CODE
KNOWN_FAILING: set[str] = set()  # scenarios that fail on a known catsd bug (name them to run)
TOOLS = {"frr": [FRR_BGPD, "vtysh"], "bird": ["bird", "birdc"], "gobgp": ["gobgpd", "gobgp"], "exabgp": ["exabgp"],
         "openbgpd": ["/usr/sbin/bgpd", "bgpctl"]}


def peers_of(scenario):
    """The peers a scenario runs: its function's `peers` attribute, else the peer named last in its name."""
    peers = getattr(SCENARIOS.get(scenario), "peers", None)
    if peers is None:
        peers = [scenario.replace("_as2", "").replace("errors_from_", "_").rsplit("_", 1)[1]]
    return list(peers)


def needs(scenario):
    """Binaries a scenario needs (its peers' daemons and CLIs)."""
    return ["ip", "tcpdump", SYSPY] + [b for p in peers_of(scenario) for b in TOOLS.get(p, [])]


def write_matrix(path, meta, records):
    """--matrix-json: the run's metadata and one record per scenario run, rewritten after every scenario."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(dict(meta, scenarios=records, total_seconds=round(sum(r["seconds"] for r in records), 1)), f,
                  indent=1, default=str)
    os.replace(tmp, path)


def load_plugins():
    """Scenario modules next to lab.py (robustness.py, ...): each has register(lab_module)."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import importlib
    for mod in PLUGINS:
        if not os.path.exists(os.path.join(here, mod + ".py")):
            continue
        try:   # a broken or half-written plugin must not take the other scenarios down
            m = importlib.import_module(mod)
            if not hasattr(m, "register"):
                raise AttributeError("no register(lab_module)")
            m.register(sys.modules[__name__])
        except Exception as e:
            print(f"warning: plugin {mod}.py not loaded: {type(e).__name__}: {e}", file=sys.stderr)


PLUGINS = ("robustness", "coverage")


def versions():
    out = {}
    for cls in (FRR, Bird, GoBGP, ExaBGP, OpenBGPD):
        try:
            out[cls.kind] = cls.version()
        except Exception as e:
            out[cls.kind] = f"unknown ({e})"
    return out


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catsd")
    ap.add_argument("--catsctl")
    ap.add_argument("--scenario", action="append")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep-logs", metavar="DIR")
    ap.add_argument("--keep-all", action="store_true", help="with --keep-logs: keep passing scenarios' too")
    ap.add_argument("--versions", action="store_true")
    ap.add_argument("--matrix-json", metavar="FILE",
                    help="write one record per scenario run (name, passed, seconds, results, peer versions) to FILE; "
                         "interop/lab/matrix.py FILE renders docs/INTEROP.md")
    ap.add_argument("--ctest-list", action="store_true",
                    help="names of the default scenarios whose binaries are installed, ';'-separated (for CMake)")
    ARGS = ap.parse_args()
    load_plugins()
    if ARGS.ctest_list:
        print(";".join(n for n in SCENARIOS if n not in KNOWN_FAILING and all(shutil.which(b) for b in needs(n))))
        return 0
    if ARGS.list:
        for name, fn in SCENARIOS.items():
            print(f"{name:22} {'[known catsd bug, not run by default] ' if name in KNOWN_FAILING else ''}{fn.__doc__ or ''}")
        return 0
    if ARGS.versions:
        print(json.dumps(versions(), indent=1))
        return 0
    if not ARGS.catsd or not ARGS.catsctl:
        ap.error("--catsd and --catsctl are required")
    ARGS.catsd, ARGS.catsctl = os.path.abspath(ARGS.catsd), os.path.abspath(ARGS.catsctl)
    # Known to fail because of a catsd bug (see README); run only when named.
    names = ARGS.scenario or [n for n in SCENARIOS if n not in KNOWN_FAILING]
    if not ARGS.scenario:
        print(f"not run by default (known catsd bugs, name them to run): {', '.join(sorted(KNOWN_FAILING))}")
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        ap.error(f"unknown scenario(s): {', '.join(unknown)}; see --list")
    if os.geteuid() != 0:
        print("SKIP: lab.py needs root (network namespaces, port 179)", file=sys.stderr)
        return SKIP
    missing = sorted({b for n in names for b in needs(n) if not shutil.which(b)})
    if missing:
        print(f"SKIP: not installed: {', '.join(missing)}", file=sys.stderr)
        return SKIP
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    failed, records = [], []
    if ARGS.matrix_json:
        vers = versions()
        meta = {"command": " ".join(["/usr/bin/python3"] + sys.argv), "date": time.strftime("%Y-%m-%d %H:%M:%S UTC",
                                                                                              time.gmtime()),
                "versions": vers, "python": sys.version.split()[0], "tcpdump": run(["tcpdump", "--version"], check_rc=False).stdout.splitlines()[0]
                if shutil.which("tcpdump") else None, "catsd": ARGS.catsd, "known_failing": sorted(KNOWN_FAILING)}
    t_run = time.monotonic()
    for name in names:
        print(f"== {name}", flush=True)
        t0 = time.monotonic()
        ok, lab, error, before = False, None, None, dict(RESULTS)
        try:
            lab = Lab(name)
            lab.setup()
            SCENARIOS[name](lab)
            ok = True
        except Failure as e:
            print(f"  FAIL: {e}")
            error = str(e)
        except Interrupted as e:
            print(f"  interrupted: {e}")
            failed.append(name)
            break
        except Exception as e:
            traceback.print_exc()
            error = f"{type(e).__name__}: {e}"
        finally:
            if lab is not None:
                old = [signal.signal(s, signal.SIG_IGN) for s in (signal.SIGTERM, signal.SIGINT)]
                lab.close(not ok)
                signal.signal(signal.SIGTERM, old[0])
                signal.signal(signal.SIGINT, old[1])
        print(f"  {'PASS' if ok else 'FAIL'} {name} in {time.monotonic() - t0:.1f}s", flush=True)
        if not ok:
            failed.append(name)
        if ARGS.matrix_json:
            peers = peers_of(name)
            records.append({"name": name, "passed": ok, "seconds": round(time.monotonic() - t0, 1), "error": error,
                            "peers": peers, "versions": {p: meta["versions"].get(p) for p in peers},
                            "results": {k: v for k, v in RESULTS.items() if k not in before or before[k] != v}})
            meta["wall_seconds"] = round(time.monotonic() - t_run, 1)
            write_matrix(ARGS.matrix_json, meta, records)
    if RESULTS:
        print("results: " + json.dumps(RESULTS))
    print(f"{len(names) - len(failed)} passed, {len(failed)} failed" + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
