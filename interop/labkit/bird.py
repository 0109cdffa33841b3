"""BIRD 2: bird -f with a private control socket, birdc."""
from .daemon import Daemon, search_int
from .proc import run


def timers(hold=9):
    """Hold and keepalive, and retries after 1-2 s."""
    return (f"  hold time {hold}; keepalive time 3;\n"
            "  connect delay time 1; connect retry time 1; error wait time 1,2;\n")


def bgp(head, local, *lines, hold=9):
    """A `protocol bgp NAME` or `template bgp NAME` block (head): `local LOCAL;`, timers(hold), then lines."""
    return f"{head} {{\n  local {local};\n" + timers(hold) + "".join(f"  {line}\n" for line in lines) + "}\n"


class Bird(Daemon):
    """log: the classes written to bird.log; device: options of `protocol device`."""
    kind = "bird"
    tools = ["bird", "birdc"]
    AS_RE, HOLD_RE = r"Neighbor AS:\s+(\d+)", r"Hold timer:\s+[\d.]+/(\d+)"

    def __init__(self, host, log="all", device="", wrap=()):
        super().__init__(host, wrap)
        self.log, self.device = log, device
        self.ctl = self.path("bird.ctl")

    def start(self, conf):
        path = self.write("bird.conf", f'log "{self.d}/bird.log" {self.log};\nrouter id {self.host.v4};\n'
                                       f'protocol device {{ {self.device + " " if self.device else ""}}}\n' + conf)
        run(["bird", "-p", "-c", path])
        self.spawn(["bird", "-f", "-c", path, "-s", self.ctl, "-P", self.path("bird.pid")], "stdout.log")
        self.wait_until("BIRD control socket answers", lambda: self.birdc("show status", check_rc=False).returncode == 0)
        return self

    def birdc(self, cmd, check_rc=True):
        return run(["birdc", "-s", self.ctl] + cmd.split(), check_rc=check_rc)

    def neighbor_text(self, proto):
        return self.birdc(f"show protocols all {proto}").stdout

    def established(self, proto):
        return "Established" in self.birdc(f"show protocols {proto}").stdout

    def imported(self, proto):
        return search_int(r"Routes:\s+(\d+) imported", self.neighbor_text(proto)) or 0

    def route_all(self, prefix):
        table = "master6" if ":" in prefix else "master4"
        return self.birdc(f"show route {prefix} table {table} all").stdout

    def has_prefix(self, prefix):
        return prefix in self.route_all(prefix)

    def attribute_line(self, prefix, typ):
        """The first `BGP.xx` line (an attribute BIRD does not know) of type typ for prefix, stripped, or None."""
        for line in self.route_all(prefix).splitlines():
            if line.strip().startswith(f"BGP.{typ:02x}"):
                return line.strip()
        return None

    def paths(self, prefix, typ):
        """[{"next_hop", "cats": hex of attribute typ}] per path."""
        paths, cur = [], None
        for line in self.route_all(prefix).splitlines():
            t = line.strip()
            if t.startswith("via "):
                cur = {"next_hop": t.split()[1]}
                paths.append(cur)
            elif cur is not None and t.startswith(f"BGP.{typ:02x}"):
                cur["cats"] = attribute_hex(t)
        return paths

    @staticmethod
    def version():
        r = run(["bird", "--version"])
        return r.stderr.strip() or r.stdout.strip()


def attribute_hex(line):
    """`BGP.ff [t]: 01 00 ...` -> "0100..."."""
    return line.split(":", 1)[1].replace(" ", "").lower()
