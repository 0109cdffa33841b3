"""The base of the peer daemon classes, and helpers for reading their CLIs' text."""
import os
import re

from .check import wait_for


def search_int(pattern, text):
    """The integer group 1 of pattern in text, or None."""
    m = re.search(pattern, text)
    return int(m.group(1)) if m else None


class Daemon:
    """A daemon on a Host, with its own directory (HOST_DIR/<kind>) for its config, socket, pid and logs.

    wrap: a command prefix for the daemon (e.g. taskset -c 0). Subclasses: kind, tools (the binaries they need),
    start(conf), established(handle), view(handle) -> (peer AS, negotiated hold time), has_prefix(p), version()."""
    kind = "?"
    tools = []
    # For a CLI that answers in text: neighbor_text(handle) is its neighbor output, these find the peer AS and the
    # negotiated hold time in it.
    AS_RE = HOLD_RE = None

    def __init__(self, host, wrap=()):
        self.host, self.wrap, self.proc = host, list(wrap), None
        self.d = os.path.join(host.dir, self.kind)
        os.makedirs(self.d, exist_ok=True)

    def path(self, name):
        return os.path.join(self.d, name)

    def write(self, name, text, mode=None):
        path = self.path(name)
        with open(path, "w") as f:
            f.write(text)
        if mode is not None:
            os.chmod(path, mode)
        return path

    def spawn(self, cmd, log_name, env=None):
        self.proc = self.host.procs.spawn(self.kind, self.wrap + cmd, self.path(log_name), ns=self.host.ns, env=env)
        return self.proc

    def wait_until(self, what, pred, timeout=15):
        return wait_for(what, pred, timeout, quiet=self.host.quiet)

    def remove_stale(self, *names):
        """A daemon killed with SIGKILL leaves its control socket behind; the next start wants it gone."""
        for n in names:
            if os.path.exists(self.path(n)):
                os.unlink(self.path(n))

    def stop(self, bound=5.0):
        return self.proc.stop(bound) if self.proc else None

    def neighbor_text(self, handle):
        raise NotImplementedError

    def view(self, handle):
        out = self.neighbor_text(handle)
        return search_int(self.AS_RE, out), search_int(self.HOLD_RE, out)

    def state_lines(self, handle):
        """The lines of the neighbor output that speak of its state or errors, stripped."""
        return "\n".join(line.strip() for line in self.neighbor_text(handle).splitlines()
                         if "error" in line.lower() or "state" in line.lower())
