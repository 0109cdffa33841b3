"""catsd: its JSON configuration, start and stop, and what it says through `catsctl --json` (the gRPC API)."""
import json
import os
import signal

from .check import Failure, wait_for
from .proc import run

SVC4, SVC6 = "203.0.113.10/32", "2001:db8:cafe::10/128"     # the service prefixes of service()
FAST = {"hold-time": 9, "keepalive": 3, "connect-retry": 1, "idle-hold": 1, "idle-hold-max": 2}


def neighbor(address, asn, local, hold=None, families=None, **kw):
    """A neighbor with fast timers (hold: hold time, keepalive a third of it); families: [{"name": ...}, ...]."""
    t = dict(FAST)
    if hold:
        t.update({"hold-time": hold, "keepalive": hold // 3})
    n = {"address": address, "remote-as": asn, "local-address": local, "timers": t}
    if families:
        n["afi-safis"] = {"afi-safi": families}
    n.update(kw)
    return n


def global_cfg(asn, router_id, role, listen, cats_type=None):
    g = {"as": asn, "router-id": router_id, "role": [role], "listen": {"address": list(listen), "port": 179}}
    if cats_type:
        g["cats"] = {"attribute-type-code": cats_type}
    return g


def service(l2, host, v6=True):
    """Service llm-chat (SVC4, and SVC6 unless v6=False) with L2 score l2 and one instance 10.0.HOST.1."""
    return {"name": "llm-chat", "prefix": [SVC4] + ([SVC6] if v6 else []), "cs-id": 1001,
            "metrics": {"l2-score": l2, "l1": {"compute": l2, "service": 9},
                        "instance": [{"id": f"10.0.{host}.1", "l2-score": l2}]}}


def write_config(path, config, indent=1, top=None):
    """config: the cats-bgp:bgp container; top: other top-level nodes (e.g. ietf-netconf-acm:nacm)."""
    with open(path, "w") as f:
        json.dump({"cats-bgp:bgp": config, **(top or {})}, f, indent=indent)
    return path


class Catsd:
    """One catsd on a Host: config HOST_DIR/catsd.json, log HOST_DIR/catsd.log, API on api (default HOST_V4:50051).
    catsctl runs in the host's namespace. start() may be called again after stop() (a restart, same log)."""
    kind = "catsd"

    def __init__(self, host, config, catsd, catsctl, api=None, name=None, wrap=(), ctl_timeout=15,
                 start_timeout=15):
        self.host, self.config, self.catsd, self.catsctl = host, config, catsd, catsctl
        self.api = api or f"{host.v4}:50051"
        self.name = name or f"catsd {host.name}"
        self.wrap, self.ctl_timeout, self.start_timeout = list(wrap), ctl_timeout, start_timeout
        self.cfg_path = os.path.join(host.dir, "catsd.json")
        self.top = {}  # top-level nodes beside cats-bgp:bgp in the file
        self.log_path = os.path.join(host.dir, "catsd.log")
        self.proc = None

    def start(self, extra=()):
        write_config(self.cfg_path, self.config, top=self.top)
        # An API beyond loopback needs TLS unless told otherwise; the lab's addresses are in namespaces it made.
        insecure = [] if self.api.startswith(("127.", "unix:", "[::1]", "none")) else ["--api-insecure"]
        self.proc = self.host.procs.spawn(self.name, self.wrap + [self.catsd, "--config", self.cfg_path, "--api",
                                                                  self.api, *insecure, *extra], self.log_path,
                                          ns=self.host.ns)
        wait_for(f"{self.name} API answers", lambda: self.ctl("show", "neighbors", check_rc=False).returncode == 0,
                 self.start_timeout, quiet=self.host.quiet)
        return self

    def stop(self, sig=signal.SIGTERM, bound=5.0):
        """The exit status (None if it was not running); Failure if it had to be killed after `bound` s."""
        if self.proc is None or not self.proc.alive():
            return None
        rc = self.proc.stop(bound, sig)
        if self.proc.forced:
            raise Failure(f"{self.name} did not stop within {bound}s of signal {sig}")
        return rc

    def ctl(self, *args, check_rc=True, timeout=None):
        return run([self.catsctl, "--server", self.api, *args], timeout=timeout or self.ctl_timeout,
                   check_rc=check_rc, ns=self.host.ns)

    def json(self, *args, timeout=None):
        out = self.ctl(*args, "--json", timeout=timeout).stdout
        return json.loads(out) if out.strip() else {}

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    # ------------------------------------------------------------ neighbors

    def neighbor(self, address):
        for n in self.json("show", "neighbors").get("neighbors", []):
            if n["address"] == address:
                return n
        raise Failure(f"{self.name}: no neighbor {address}")

    def established(self, address):
        return self.neighbor(address)["state"] == "established"

    def families(self, address):
        return {f["name"]: f for f in self.neighbor(address).get("families", [])}

    def prefixes_received(self, address, family=None):
        """prefixes_received from the neighbor, summed over its families (or of one family)."""
        return sum(int(f.get("prefixes_received", 0)) for name, f in self.families(address).items()
                   if family in (None, name))

    # ------------------------------------------------------------ RIB and services

    def rib(self, prefix=None):
        return self.json("show", "rib", *([prefix] if prefix else [])).get("entries", [])

    def paths(self, prefix):
        return [p for e in self.rib(prefix) for p in e.get("paths", [])]

    def paths_from(self, prefix, peer):
        return [p for p in self.paths(prefix) if p.get("peer") == peer]

    def has_prefix(self, prefix, peer=None):
        return any(peer is None or p.get("peer") == peer for p in self.paths(prefix))

    def local_cats(self, prefix):
        """raw_hex of the CATS value catsd originates for prefix (its one local path)."""
        return self.paths_from(prefix, "local")[0]["cats"]["raw_hex"]

    def services(self):
        return self.json("show", "services")

    def candidates(self, prefix):
        for s in self.services().get("services", []):
            if s.get("prefix") == prefix:
                return s.get("candidates", [])
        return []
