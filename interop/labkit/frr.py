"""FRR's bgpd alone (no zebra), root, control through vtysh on a private vty socket directory."""
import json

from .daemon import Daemon
from .proc import run

BGPD = "/usr/lib/frr/bgpd"


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
    """bgpd -Z -S with `frr defaults traditional`; modules: bgpd -M MODULE for each; log_level: of its log file."""
    kind = "frr"
    tools = [BGPD, "vtysh"]

    def __init__(self, host, modules=(), log_level=None, wrap=()):
        super().__init__(host, wrap)
        self.modules, self.log_level = list(modules), log_level

    def start(self, conf):
        level = f" {self.log_level}" if self.log_level else ""
        path = self.write("bgpd.conf", f"frr defaults traditional\nhostname frr-{self.host.name}\n"
                                       f"log file {self.d}/bgpd.log{level}\n" + conf)
        self.spawn([BGPD] + [a for m in self.modules for a in ("-M", m)]
                   + ["-Z", "-S", "-f", path, "--vty_socket", self.d, "-i", self.path("bgpd.pid"), "-P", "0"],
                   "stdout.log")
        self.wait_until("FRR vty answers", lambda: self.vtysh("show bgp summary json", check_rc=False).returncode == 0)
        return self

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
