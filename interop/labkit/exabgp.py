"""ExaBGP: connects out only (never listens); what it receives is written by its API process as JSON lines."""
import json
import os

from .daemon import Daemon
from .proc import run

PYTHON = "/usr/bin/python3"

LOG_PY = """import sys
out = open(sys.argv[1], "a", buffering=1)
for line in sys.stdin:
    out.write(line)
"""


def api(*receive):
    """The `api` line that sends neighbor changes (and the `receive` kinds named) to the log process."""
    rx = f" receive {{ {' '.join(r + ';' for r in receive)} }}" if receive else ""
    return f"api {{ processes [ log ]; neighbor-changes;{rx} }}"


API = api("parsed", "update", "notification")


def neighbor(addr, router_id, local, local_as, peer_as, hold, *lines):
    """A `neighbor` block; lines (family, api, static, ...) go inside it."""
    return (f"neighbor {addr} {{\n  router-id {router_id}; local-address {local}; local-as {local_as}; "
            f"peer-as {peer_as}; hold-time {hold};\n" + "".join(f"  {line}\n" for line in lines) + "}\n")


class ExaBGP(Daemon):
    kind = "exabgp"
    tools = ["exabgp"]

    def __init__(self, host, wrap=()):
        super().__init__(host, wrap)
        self.received = self.path("received.jsonl")

    def start(self, neighbors):
        logpy = self.write("log.py", LOG_PY)
        path = self.write("exabgp.conf", f"process log {{ run {PYTHON} {logpy} {self.received}; encoder json; }}\n"
                          + neighbors)
        run(["env", "exabgp.daemon.user=root", "exabgp", "--validate", path])
        env = {"exabgp.daemon.user": "root", "exabgp.api.cli": "false", "exabgp.log.destination": "stdout"}
        self.spawn(["exabgp", path], "exabgp.log", env)
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

    def _states(self, address):
        return [m["neighbor"] for m in self.messages()
                if m.get("type") == "state" and m.get("neighbor", {}).get("address", {}).get("peer") == address]

    def established(self, address):
        states = self._states(address)
        return bool(states) and states[-1].get("state") == "up"

    def view(self, address):
        states = self._states(address)
        asn = states[-1].get("asn", {}).get("peer") if states else None
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

    def updates(self, prefix):
        """The UPDATE messages received that mention prefix."""
        return [m for m in self.messages() if m.get("type") == "update"
                and prefix in json.dumps(m.get("neighbor", {}).get("message", {}))]

    @staticmethod
    def body(message):
        """The raw UPDATE body (after the header) of a message received with `receive { packets; }`."""
        h = message["body"]
        return bytes.fromhex(h[2:] if h.startswith("0x") else h)

    @staticmethod
    def version():
        return run(["env", "exabgp.daemon.user=root", "exabgp", "--version"], check_rc=False).stdout.strip().splitlines()[0]
