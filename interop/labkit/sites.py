"""A CATS deployment in network namespaces: an ingress, edge sites and a cloud site, and a client.

    client (10.10.0.2) -- ingress (10.10.0.1; loopback 10.255.0.1) --+-- edge1 (10.1.0.2; loopback 10.255.1.1)
                                                                     +-- edge2 (10.2.0.2; loopback 10.255.2.1)
                                                                     +-- cloud (10.9.0.2; loopback 10.255.9.1)

Each site link is a veth pair on 10.N.0.0/30 (the ingress .1, the site .2). BGP runs between loopbacks (iBGP,
AS 65000), so a site's next hop is its loopback, which the ingress reaches through a static route whose metric is the
site's IGP cost: deleting that route makes the next hop unreachable while the link stays up. Every site serves the
same anycast service addresses on its loopback. The ingress forwards (ip_forward); what it forwards by is what catsd
(or FRR) installs.

With controller=True the ingress namespace holds two speakers: FRR (bgpd + zebra, 10.255.0.1), which forwards, and
catsd in the controller role (10.255.0.2), which the sites peer with and which sends FRR its selection as plain BGP.
"""
import copy
import os

from .catsd import Catsd, FAST
from .frr import router as frr_router
from .netns import Host, Netns
from .proc import run

AS = 65000
INGRESS_LO = "10.255.0.1"
CONTROLLER_LO = "10.255.0.2"  # catsd beside an FRR ingress (controller=True)
CLIENT = "10.10.0.2"
CLOUD_COMMUNITY = "65000:999"
SERVICES = {  # name: (anycast prefix, class)
    "live-avatar": ("203.0.113.10/32", "delay-sensitive"),
    "text-to-image": ("203.0.113.20/32", "delay-tolerant"),
}


class Site:
    """One site: its number N (link 10.N.0.0/30, loopback 10.255.N.1), IGP cost and expected latency at the
    ingress, and whether it is the cloud tier."""

    def __init__(self, name, n, cost, latency_ms, cloud=False):
        self.name, self.n, self.cost, self.latency_ms, self.cloud = name, n, cost, latency_ms, cloud
        self.lo = f"10.255.{n}.1"
        self.link = f"10.{n}.0.2"
        self.ingress_side = f"10.{n}.0.1"
        self.host = None  # Host, once built
        self.catsd = None


DEFAULT_SITES = (Site("edge1", 1, 10, 5), Site("edge2", 2, 20, 10), Site("cloud", 9, 50, 80, cloud=True))


class Topology:
    """Builds the namespaces (prefix + name) and addresses; close() removes them. Daemons go through `procs`."""

    def __init__(self, prefix, dir, procs, sites=DEFAULT_SITES, controller=False):
        self.prefix, self.dir, self.procs = prefix, dir, procs
        self.controller = controller
        self.peer_lo = CONTROLLER_LO if controller else INGRESS_LO  # the sites' BGP neighbor
        self.netns = Netns()
        self.sites = copy.deepcopy(list(sites))  # a scenario may change a site's cost
        self.ingress = None
        self.client = None

    def ns(self, name):
        return f"{self.prefix}{name}"

    def host(self, name, v4):
        return Host(name, self.procs, os.path.join(self.dir, name), ns=self.ns(name), v4=v4, quiet=True)

    def sh(self, host, *cmd, check_rc=True):
        return run(list(cmd), ns=host.ns, check_rc=check_rc)

    def build(self):
        self.ingress = self.host("ingress", INGRESS_LO)
        self.netns.add(self.ingress.ns)
        self.netns.addr(self.ingress.ns, "lo", f"{INGRESS_LO}/32")
        if self.controller:
            self.netns.addr(self.ingress.ns, "lo", f"{CONTROLLER_LO}/32")
        self.sh(self.ingress, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        # Weighted multipath per flow: hash on the ports too (the default hashes addresses only, so every flow
        # between one client and one anycast address would take the same member).
        self.sh(self.ingress, "sysctl", "-q", "-w", "net.ipv4.fib_multipath_hash_policy=1")
        self.sh(self.ingress, "sysctl", "-q", "-w", "net.ipv6.fib_multipath_hash_policy=1")
        self.client = self.host("client", CLIENT)
        self.netns.add(self.client.ns)
        self.netns.veth("c0", self.client.ns, "cl", self.ingress.ns)
        self.netns.addr(self.client.ns, "c0", f"{CLIENT}/24")
        self.netns.addr(self.ingress.ns, "cl", "10.10.0.1/24")
        self.netns.link(self.client.ns, "c0", "up")
        self.netns.link(self.ingress.ns, "cl", "up")
        self.sh(self.client, "ip", "route", "add", "default", "via", "10.10.0.1")
        for s in self.sites:
            s.host = self.host(s.name, s.lo)
            self.netns.add(s.host.ns)
            self.netns.veth(f"s{s.n}", self.ingress.ns, "up0", s.host.ns)
            self.netns.addr(self.ingress.ns, f"s{s.n}", f"{s.ingress_side}/30")
            self.netns.addr(s.host.ns, "up0", f"{s.link}/30")
            self.netns.link(self.ingress.ns, f"s{s.n}", "up")
            self.netns.link(s.host.ns, "up0", "up")
            self.netns.addr(s.host.ns, "lo", f"{s.lo}/32")
            for prefix, _ in SERVICES.values():
                self.netns.addr(s.host.ns, "lo", prefix)
            self.sh(s.host, "ip", "route", "add", "default", "via", s.ingress_side)
            self.site_route(s, "add")
        return self

    def site_addr(self, s):
        """A site's BGP address, so its next hop: its loopback; with an FRR ingress its link address, because FRR
        (8.4) applies Link Bandwidth weights only to next hops it need not resolve through another route."""
        return s.link if self.controller else s.lo

    def site_route(self, s, op):
        """The ingress's route to a site's loopback (its IGP route): add, del."""
        self.sh(self.ingress, "ip", "route", op, f"{s.lo}/32", "via", s.link, "metric", str(s.cost))

    def close(self):
        self.netns.delete_all()

    # ---- catsd configurations

    def ingress_config(self, classes=None, extra_steering=None, role=("ingress",), neighbors_extra=None):
        lo = self.peer_lo
        nbrs = []
        for s in self.sites:
            n = {"address": self.site_addr(s), "remote-as": AS, "local-address": lo, "timers": dict(FAST),
                 "description": s.name, "cats": {"latency": s.latency_ms}}
            n.update(neighbors_extra or {})
            nbrs.append(n)
        steering = {"service": [{"name": name, "prefix": [p], "class": c} for name, (p, c) in SERVICES.items()],
                    "cloud": {"community": [CLOUD_COMMUNITY]}}
        if classes:
            steering["service-class"] = classes
        steering.update(extra_steering or {})
        return {"global": {"as": AS, "router-id": lo, "role": list(role),
                           "listen": {"address": [lo], "port": 179}},
                "neighbors": {"neighbor": nbrs}, "steering": steering}

    def controller_costs(self):
        """steering/network-cost for the controller: each site's IGP cost on its BGP next hop (with an FRR ingress
        the next hops are directly connected, so the kernel has no cost to tell)."""
        return {"network-cost": {"next-hop": [{"address": self.site_addr(s), "cost": s.cost} for s in self.sites]}}

    def controller_config(self, classes=None, extra_steering=None, add_path=False):
        """catsd in the controller role beside the FRR ingress: the sites' paths in, the selection out to FRR (a
        route-reflector client, export-selection; ADD-PATH send for weighted selections)."""
        cfg = self.ingress_config(classes, extra_steering, role=("controller", "reflector"))
        frr = {"address": INGRESS_LO, "remote-as": AS, "local-address": CONTROLLER_LO, "timers": dict(FAST),
               "description": "FRR ingress", "route-reflector-client": True, "passive": True,
               "cats": {"send": False, "export-selection": True},
               "afi-safis": {"afi-safi": [{"name": "ipv4-unicast", "add-path": "send" if add_path else "none"}]}}
        cfg["neighbors"]["neighbor"].append(frr)
        return cfg

    @staticmethod
    def frr_ingress_config(multipath=8):
        """FRR's bgpd at the ingress: one iBGP session to the catsd controller; iBGP multipath for weighted
        selections (FRR weighs the paths by their Link Bandwidth)."""
        return (frr_router(AS, INGRESS_LO) +
                f" neighbor {CONTROLLER_LO} remote-as {AS}\n neighbor {CONTROLLER_LO} update-source {INGRESS_LO}\n"
                f" neighbor {CONTROLLER_LO} timers connect 1\n neighbor {CONTROLLER_LO} advertisement-interval 0\n"
                f" address-family ipv4 unicast\n  maximum-paths ibgp {multipath}\n exit-address-family\n")

    def site_config(self, s, l2=8, collector=None):
        svc = [{"name": name, "prefix": [p], "metrics": {"l2-score": l2}} for name, (p, _) in SERVICES.items()]
        nbr = {"address": self.peer_lo, "remote-as": AS, "local-address": self.site_addr(s), "timers": dict(FAST),
               "afi-safis": {"afi-safi": [{"name": "ipv4-unicast"}]}}
        if s.cloud:
            nbr["policy"] = {"export": {"add-community": [CLOUD_COMMUNITY]}}
        listen = sorted({s.lo, self.site_addr(s)})
        cfg = {"global": {"as": AS, "router-id": s.lo, "role": ["edge"], "listen": {"address": listen, "port": 179}},
               "neighbors": {"neighbor": [nbr]}, "services": {"service": svc}}
        if collector:
            cfg["collector"] = collector
        return cfg

    def start_catsd(self, catsd, catsctl, ingress_config, site_l2=None, ingress_wrap=()):
        """catsd on every site and the ingress (run under `ingress_wrap`, e.g. setpriv); API on each loopback."""
        site_l2 = site_l2 or {}
        for s in self.sites:
            s.catsd = Catsd(s.host, self.site_config(s, site_l2.get(s.name, 8)), catsd, catsctl,
                            api=f"{s.lo}:50051", name=f"catsd {s.name}").start()
        self.ingress.catsd = Catsd(self.ingress, ingress_config, catsd, catsctl, api=f"{self.peer_lo}:50051",
                                   name="catsd controller" if self.controller else "catsd ingress",
                                   wrap=ingress_wrap).start()
        return self.ingress.catsd

    def site(self, name):
        return next(s for s in self.sites if s.name == name)
