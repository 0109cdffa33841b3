"""GoBGP: gobgpd with its API on a unix socket, gobgp."""
import base64
import json

from .daemon import Daemon
from .proc import run


def global_conf(asn, router_id, addresses):
    return (f'[global.config]\n  as = {asn}\n  router-id = "{router_id}"\n  port = 179\n'
            f'  local-address-list = {json.dumps(list(addresses))}\n')


def neighbor(addr, asn, fams, extra="", hold=9):
    """A [[neighbors]] table; fams: [(afi-safi name, lines added to its table)]; extra: lines for the neighbor."""
    s = f"""[[neighbors]]
  [neighbors.config]
    neighbor-address = "{addr}"
    peer-as = {asn}
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = {hold}
    keepalive-interval = 3
    idle-hold-time-after-reset = 1
{extra}"""
    for fam, fextra in fams:
        s += f"""  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "{fam}"
{fextra}"""
    return s


class GoBGP(Daemon):
    kind = "gobgp"
    tools = ["gobgpd", "gobgp"]

    def __init__(self, host, log_level=None, wrap=()):
        super().__init__(host, wrap)
        self.log_level = log_level
        self.sock = self.path("gobgp.sock")

    def start(self, conf):
        path = self.write("gobgpd.toml", conf)
        self.spawn(["gobgpd", "-f", path, "-p", "--pprof-disable", "--api-hosts", f"unix://{self.sock}"]
                   + (["-l", self.log_level] if self.log_level else []), "gobgpd.log")
        self.wait_until("GoBGP API answers", lambda: self.gobgp("global", check_rc=False).returncode == 0)
        return self

    def gobgp(self, *args, check_rc=True):
        return run(["gobgp", "--target", f"unix://{self.sock}", *args], check_rc=check_rc)

    def add_routes(self, *prefixes):
        """GoBGP has no static routes in its config file."""
        for p in prefixes:
            self.gobgp("global", "rib", "add", "-a", "ipv6" if ":" in p else "ipv4", p)

    def neighbor(self, address):
        return json.loads(self.gobgp("neighbor", address, "-j").stdout)

    def established(self, address):
        return self.neighbor(address).get("state", {}).get("session_state") in (6, "ESTABLISHED", "established")

    def view(self, address):
        j = self.neighbor(address)
        return (j.get("state", {}).get("peer_asn") or j.get("conf", {}).get("peer_asn"),
                j.get("timers", {}).get("state", {}).get("negotiated_hold_time"))

    def accepted(self):
        """Paths accepted from the first neighbor's first family."""
        for n in json.loads(self.gobgp("neighbor", "-j").stdout):
            for af in n.get("afi_safis", []):
                return int(af.get("state", {}).get("accepted", 0))
        return 0

    def rib(self, prefix):
        fam = "ipv6" if ":" in prefix else "ipv4"
        out = self.gobgp("global", "rib", "-a", fam, prefix, "-j", check_rc=False).stdout
        return json.loads(out) if out.strip().startswith("{") else {}

    def has_prefix(self, prefix):
        return bool(self.rib(prefix).get(prefix))

    def attribute(self, prefix, typ):
        """The first attribute of type typ on a path for prefix (a dict: type, flags, value in base64), or None."""
        for path in self.rib(prefix).get(prefix, []):
            for a in path.get("attrs", []):
                if a.get("type") == typ:
                    return a
        return None

    def paths(self, prefix, typ):
        """[{"next_hop", "cats": hex of attribute typ}] per path."""
        out = []
        for p in self.rib(prefix).get(prefix, []):
            d = {}
            for a in p.get("attrs", []):
                if a.get("type") == 3:
                    d["next_hop"] = a.get("nexthop")
                if a.get("type") == typ:
                    d["cats"] = base64.b64decode(a["value"]).hex()
            out.append(d)
        return out

    @staticmethod
    def version():
        return run(["gobgpd", "--version"]).stdout.strip()
