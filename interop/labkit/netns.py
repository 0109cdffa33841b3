"""Network namespaces, veth pairs and bridges; the hosts daemons run on."""
import os
import subprocess

from .proc import run


class Netns:
    """The namespaces one run made; delete_all() removes them, the last made first."""

    def __init__(self):
        self.names = []

    def add(self, ns):
        run(["ip", "netns", "add", ns])
        self.names.append(ns)
        self.link(ns, "lo", "up")
        return ns

    @staticmethod
    def delete(ns):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)

    def delete_all(self):
        for ns in reversed(self.names):
            self.delete(ns)
        self.names = []

    @staticmethod
    def link(ns, dev, *settings):
        run(["ip", "-n", ns, "link", "set", dev, *settings])

    @staticmethod
    def veth(a, a_ns, b, b_ns):
        run(["ip", "link", "add", a, "netns", a_ns, "type", "veth", "peer", "name", b, "netns", b_ns])

    @staticmethod
    def addr(ns, dev, cidr):
        # nodad: an IPv6 address is usable at once, not after duplicate address detection
        run(["ip", "-n", ns, "addr", "add", cidr, "dev", dev] + (["nodad"] if ":" in cidr else []))

    def bridge(self, ns, name):
        run(["ip", "-n", ns, "link", "add", name, "type", "bridge"])
        self.link(ns, name, "up")


class Host:
    """Where daemons run: a namespace (None: this one), its addresses, a directory for the daemons' files, and the
    Procs that stops them. quiet: the daemons' start-up waits print nothing."""

    def __init__(self, name, procs, dir, ns=None, v4=None, v6=None, host=None, quiet=False):
        self.name, self.procs, self.dir, self.ns = name, procs, dir, ns
        self.v4, self.v6, self.host, self.quiet = v4, v6, host, quiet
        os.makedirs(dir, exist_ok=True)


class Lan:
    """One LAN: namespace PREFIX+"lan" with bridge br0. node(name, H) adds a host in namespace PREFIX+name whose eth0
    (a veth to the bridge, LAN end vH) has 10.77.0.H/24 and fd77::H/64."""

    def __init__(self, prefix, dir, procs, netns):
        self.prefix, self.dir, self.procs, self.netns = prefix, dir, procs, netns
        self.ns = f"{prefix}lan"

    def setup(self):
        self.netns.add(self.ns)
        self.netns.bridge(self.ns, "br0")

    def node(self, name, host):
        n = Host(name, self.procs, os.path.join(self.dir, name), ns=f"{self.prefix}{name}", v4=f"10.77.0.{host}",
                 v6=f"fd77::{host}", host=host)
        self.netns.add(n.ns)
        self.netns.veth(f"v{host}", self.ns, "eth0", n.ns)
        self.netns.link(self.ns, f"v{host}", "master", "br0", "up")
        self.netns.addr(n.ns, "eth0", f"{n.v4}/24")
        self.netns.addr(n.ns, "eth0", f"{n.v6}/64")
        self.netns.link(n.ns, "eth0", "up")
        return n

    def set_link(self, node, state):
        """The LAN end of the node's veth pair up or down: the node's eth0 gains or loses its carrier."""
        self.netns.link(self.ns, f"v{node.host}", state)
