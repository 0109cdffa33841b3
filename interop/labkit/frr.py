"""FRR's bgpd, alone (-Z) or with its own zebra (which programs the namespace's kernel routes), as root; control
through vtysh on a private vty socket directory, or through a Vty connection to one daemon's socket."""
import json
import os
import pwd
import socket

from .check import Failure
from .daemon import Daemon
from .proc import run

BGPD = "/usr/lib/frr/bgpd"
ZEBRA = "/usr/lib/frr/zebra"


def router(asn, router_id, hold=9, cluster_id=None, networks=False):
    """The head of `router bgp`: no policy required, timers 3/hold; networks: `network` lines need no IGP route."""
    s = f"router bgp {asn}\n bgp router-id {router_id}\n"
    if cluster_id:
        s += f" bgp cluster-id {cluster_id}\n"
    s += " no bgp ebgp-requires-policy\n"
    if networks:
        s += " no bgp network import-check\n"
    return s + f" timers bgp 3 {hold}\n"


def neighbor(addr, asn):
    """A neighbor with connect-retry 1 s and no MRAI."""
    return f" neighbor {addr} remote-as {asn}\n neighbor {addr} timers connect 1\n neighbor {addr} advertisement-interval 0\n"


class FRR(Daemon):
    """bgpd -S with `frr defaults traditional`; modules: bgpd -M MODULE for each; log_level: of its log files;
    listen=False: bgpd -p 0 (connects out only: another speaker of the namespace has port 179).

    zebra=False: bgpd -Z (no zebra, no kernel routes). zebra=True: first a zebra of this host's own (its zserv socket
    and vty socket in this daemon's directory, started in the host's namespace, so the routes it installs are that
    namespace's), then bgpd -z pointed at it. zebra runs as Debian's user frr with its capabilities (as root it
    refuses: root is not in the frrvty group), so the directory is handed to that user, and every directory above it
    must be searchable. `procs()` are then both."""
    kind = "frr"
    tools = [BGPD, "vtysh"]

    def __init__(self, host, modules=(), log_level=None, wrap=(), zebra=False, listen=True):
        super().__init__(host, wrap)
        self.modules, self.log_level, self.zebra, self.listen = list(modules), log_level, zebra, listen
        self.zebra_proc = None

    def start(self, conf, zebra_conf=""):
        level = f" {self.log_level}" if self.log_level else ""
        head = f"frr defaults traditional\nhostname frr-{self.host.name}\n"
        zarg = ["-Z"]
        if self.zebra:
            zserv = self.path("zserv.api")
            self.remove_stale("zserv.api", "zebra.vty")
            frr = pwd.getpwnam("frr")
            os.chown(self.d, frr.pw_uid, frr.pw_gid)
            zpath = self.write("zebra.conf", head + f"log file {self.d}/zebra.log{level}\n" + zebra_conf)
            self.zebra_proc = self.host.procs.spawn(
                "zebra", self.wrap + [ZEBRA, "-f", zpath, "-z", zserv, "--vty_socket", self.d, "-i",
                                      self.path("zebra.pid"), "-P", "0"],
                self.path("zebra.out"), ns=self.host.ns)
            self.wait_until("zebra's zserv socket", lambda: os.path.exists(zserv))
            zarg = ["-z", zserv]
        path = self.write("bgpd.conf", head + f"log file {self.d}/bgpd.log{level}\n" + conf)
        self.spawn([BGPD] + [a for m in self.modules for a in ("-M", m)]
                   + zarg + ([] if self.listen else ["-p", "0"]) + ["-S", "-f", path, "--vty_socket", self.d, "-i", self.path("bgpd.pid"), "-P", "0"],
                   "stdout.log")
        self.wait_until("FRR vty answers", lambda: self.vtysh("show bgp summary json", check_rc=False).returncode == 0)
        return self

    def procs(self):
        return [p for p in (self.proc, self.zebra_proc) if p is not None]

    def stop(self, bound=5.0):
        """bgpd, then zebra (which removes the routes it installed); bgpd's exit status."""
        rc = self.proc.stop(bound) if self.proc else None
        if self.zebra_proc:
            self.zebra_proc.stop(bound)
        return rc

    def vty(self, daemon="bgpd"):
        """A Vty on one daemon's socket (no vtysh process per command)."""
        return Vty(os.path.join(self.d, f"{daemon}.vty"))

    def vtysh(self, cmd, check_rc=True):
        return run(["vtysh", "--vty_socket", self.d, "-c", cmd], check_rc=check_rc)

    def vjson(self, cmd):
        return json.loads(self.vtysh(cmd).stdout or "{}")

    def neighbor(self, address):
        return self.vjson(f"show bgp neighbors {address} json").get(address, {})

    def established(self, address):
        return self.neighbor(address).get("bgpState") == "Established"

    def view(self, address):
        n = self.neighbor(address)
        return n.get("remoteAs"), n.get("bgpTimerHoldTimeMsecs", 0) // 1000

    def route(self, prefix):
        fam = "ipv6" if ":" in prefix else "ipv4"
        return self.vjson(f"show bgp {fam} unicast {prefix} json")

    def has_prefix(self, prefix):
        return bool(self.route(prefix).get("paths"))

    def paths(self, prefix):
        """[{"next_hop"}] per path (FRR shows no unknown attribute)."""
        return [{"next_hop": (p.get("nexthops") or [{}])[0].get("ip")} for p in self.route(prefix).get("paths", [])]

    def prefixes_received(self, address):
        return int(self.vjson("show bgp ipv4 unicast summary json")["peers"][address]["pfxRcd"])

    @staticmethod
    def version():
        return run([BGPD, "--version"]).stdout.splitlines()[0]


class Vty:
    """One connection to a daemon's vty socket, as vtysh talks to it: a command ends with NUL, the answer with three
    NULs and the status. Enabled at connect; cmd() returns the output and raises Failure on a non-zero status."""

    def __init__(self, path, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.cmd("enable")

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\0")
        buf = b""
        while len(buf) < 4 or buf[-4:-1] != b"\0\0\0":
            d = self.sock.recv(65536)
            if not d:
                raise Failure(f"vty closed during {line!r}")
            buf += d
        out = buf[:-4].decode(errors="replace")
        if buf[-1] != 0:
            raise Failure(f"vty {line!r}: status {buf[-1]}: {out.strip()[:300]}")
        return out

    def close(self):
        self.sock.close()


def sink(asn, router_id, peer, peer_as):
    """bgpd that takes one passive eBGP peer's table and advertises nothing back (the benchmarks' router)."""
    return f"""route-map BENCH-NONE deny 10
exit
router bgp {asn}
 bgp router-id {router_id}
 no bgp ebgp-requires-policy
 no bgp network import-check
 timers bgp 60 180
 neighbor {peer} remote-as {peer_as}
 neighbor {peer} passive
 neighbor {peer} timers connect 1
 address-family ipv4 unicast
  neighbor {peer} activate
  neighbor {peer} route-map BENCH-NONE out
 exit-address-family
"""
