"""OpenBGPD: bgpd -d with a private control socket, bgpctl."""
import json
import os

from .daemon import Daemon, search_int
from .proc import deb_version, run

ALLOW = "allow from any\nallow to any\n"   # without these OpenBGPD exchanges no routes


def head(asn, router_id, listen, hold=9):
    return (f"AS {asn}\nrouter-id {router_id}\n" + "".join(f"listen on {a}\n" for a in listen)
            + f"holdtime {hold}\nholdtime min 3\n")


def neighbor(addr, asn, local, *lines):
    """A `neighbor` block; lines (passive, announce ..., route-reflector ...) go inside it."""
    return (f"neighbor {addr} {{\n  remote-as {asn}\n  local-address {local}\n"
            + "".join(f"  {line}\n" for line in lines) + "}\n")


def walk(j):
    """Every dict inside a JSON value."""
    if isinstance(j, dict):
        yield j
        for v in j.values():
            yield from walk(v)
    elif isinstance(j, list):
        for v in j:
            yield from walk(v)


class OpenBGPD(Daemon):
    kind = "openbgpd"
    tools = ["/usr/sbin/bgpd", "bgpctl"]
    AS_RE, HOLD_RE = r"remote AS (\d+)", r"holdtime (\d+)s"

    def __init__(self, host, wrap=()):
        super().__init__(host, wrap)
        self.sock = self.path("bgpd.sock")

    def start(self, conf):
        # bgpd chroots its engines into the home of user _openbgpd (/run/openbgpd), which systemd would create.
        os.makedirs("/run/openbgpd", exist_ok=True)
        path = self.write("bgpd.conf", f'socket "{self.sock}"\nfib-update no\n' + conf, 0o600)
        run(["bgpd", "-n", "-f", path])
        self.spawn(["bgpd", "-d", "-f", path], "bgpd.log")
        self.wait_until("bgpctl answers", lambda: self.bgpctl("show", "summary", check_rc=False).returncode == 0)
        return self

    def log(self):
        with open(self.proc.log_path, errors="replace") as f:
            return f.read()

    def bgpctl(self, *args, check_rc=True):
        return run(["bgpctl", "-s", self.sock, *args], check_rc=check_rc)

    def neighbor_text(self, address):
        return self.bgpctl("show", "neighbor", address).stdout

    def established(self, address):
        return "BGP state = Established" in self.neighbor_text(address)

    def notifications_received(self, address):
        return search_int(r"Notifications\s+\d+\s+(\d+)", self.neighbor_text(address)) or 0

    def received_by_descr(self, descr):
        """The last column of `bgpctl show` (prefixes received) for the neighbor described as descr."""
        for line in self.bgpctl("show").stdout.splitlines():
            if line.startswith(descr):
                return int(line.split()[-1])
        return 0

    def has_prefix(self, prefix):
        return prefix in self.bgpctl("show", "rib", prefix).stdout

    def rib_detail(self, prefix):
        return json.loads(self.bgpctl("-j", "show", "rib", "detail", prefix).stdout or "{}")

    def unknown_attributes(self, prefix, typ):
        """The attributes of type typ (unknown to OpenBGPD) in `bgpctl -j show rib detail PREFIX`."""
        return [a for a in walk(self.rib_detail(prefix)) if a.get("type") == f"Unknown Attribute #{typ}"]

    def paths(self, prefix, typ):
        """[{"next_hop", "cats": data of attribute typ}] per path."""
        out = []
        for r in self.rib_detail(prefix).get("rib", []):
            d = {"next_hop": r.get("exit_nexthop")}   # true_nexthop is the resolved (here: own) address
            for a in r.get("attributes", []):
                if a.get("type") == f"Unknown Attribute #{typ}":
                    d["cats"] = a.get("data", "").lower()
            out.append(d)
        return out

    @staticmethod
    def version():
        return "OpenBGPD " + deb_version("openbgpd")
