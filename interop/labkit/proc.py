"""Processes: commands run to completion, daemons started in their own process group and stopped by PID."""
import contextlib
import os
import signal
import subprocess
import time

from .check import Failure


def in_ns(ns, cmd):
    """cmd as run inside network namespace ns (None: this one)."""
    return ["ip", "netns", "exec", ns, *cmd] if ns else list(cmd)


def run(cmd, timeout=10, check_rc=True, ns=None, **kw):
    """Runs cmd (in ns) to completion, text output captured; Failure on a non-zero exit unless check_rc=False."""
    r = subprocess.run(in_ns(ns, cmd), capture_output=True, text=True, timeout=timeout, **kw)
    if check_rc and r.returncode != 0:
        raise Failure(f"{' '.join(cmd)}: rc {r.returncode}: {r.stderr.strip()[:300]}")
    return r


class Proc:
    """A process started in its own process group (optionally in a namespace), output to a log file.

    stop() signals the PID, waits a bound, then SIGKILLs the group (by the group id, which is the PID), so helpers a
    daemon forked go with it. `pipe`: stdout is a text pipe (stderr goes to the log)."""

    def __init__(self, name, cmd, log_path, ns=None, env=None, pipe=False):
        self.name, self.log_path = name, log_path
        self.log = open(log_path, "ab")
        envp = (["env"] + [f"{k}={v}" for k, v in env.items()]) if env else []
        self.popen = subprocess.Popen(in_ns(ns, envp + list(cmd)), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE if pipe else self.log,
                                      stderr=self.log if pipe else subprocess.STDOUT, text=pipe,
                                      start_new_session=True)
        self.pid = self.popen.pid
        self.own_group, self.stopped, self.forced = True, False, False

    @classmethod
    def adopt(cls, name, popen):
        """A process someone else started (not a group leader): stopped by its PID alone."""
        p = cls.__new__(cls)
        p.name, p.log_path, p.log, p.popen, p.pid = name, None, None, popen, popen.pid
        p.own_group, p.stopped, p.forced = False, False, False
        return p

    @property
    def returncode(self):
        return self.popen.returncode

    def alive(self):
        return self.popen.poll() is None

    def _kill_rest(self):
        try:
            if self.own_group:
                os.killpg(self.pid, signal.SIGKILL)
            elif self.alive():
                os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _done(self):
        self.stopped = True
        if self.log:
            self.log.close()

    def kill9(self):
        """Crashes it: SIGKILL to the process and its group at once, reaped; stop() then leaves it alone."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._kill_rest()
        self.popen.wait(5)
        self._done()

    def stop(self, bound=5.0, sig=signal.SIGTERM):
        """sig, up to `bound` s, then SIGKILL to what is left (`forced` tells); returns the exit status."""
        if self.stopped:
            return self.popen.returncode
        if self.alive():
            try:
                os.kill(self.pid, sig)
                self.popen.wait(bound)
            except subprocess.TimeoutExpired:
                self.forced = True
        self._kill_rest()
        if self.alive():
            self.popen.wait(bound)
        self._done()
        return self.popen.returncode


class Procs:
    """The processes of one lab run; stop_all() stops them by PID, the last started first."""

    def __init__(self):
        self.procs = []

    def spawn(self, name, cmd, log_path, ns=None, env=None, pipe=False):
        p = Proc(name, cmd, log_path, ns, env, pipe)
        self.procs.append(p)
        return p

    def adopt(self, name, popen):
        p = Proc.adopt(name, popen)
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception as e:  # keep tearing down
                print(f"  warn: stopping {p.name} (pid {p.pid}): {e}")


def stop_pid(pid, timeout=5.0):
    """SIGTERM, up to `timeout` s, then SIGKILL, for a PID that need not be our child."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:  # not our child: poll /proc
            if not os.path.exists(f"/proc/{pid}"):
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def children(pid):
    """pid and all its descendants (from the parent field of /proc/*/stat)."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    parent[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += [c for c, pp in parent.items() if pp == p]
    return out


def status_kb(pids, key):
    """Sum of a kB field of /proc/PID/status (VmRSS, VmHWM, ...) over pids; a gone process counts 0."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def deb_version(pkg):
    return run(["dpkg-query", "-W", "-f", "${Version}", pkg], check_rc=False).stdout.strip() or "?"


def print_tail(path, title, lines):
    print(f"---- {title} (last {lines} lines) ----")
    with open(path, errors="replace") as f:
        print("".join(f.readlines()[-lines:]), end="")


class Interrupted(BaseException):
    """SIGTERM or SIGINT: unwinds the run through its finally blocks (teardown)."""


def raise_on_signals():
    def handler(signum, frame):
        raise Interrupted(f"signal {signum}")
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, handler)


@contextlib.contextmanager
def signals_ignored():
    """For a teardown that must not be cut short."""
    old = [signal.signal(s, signal.SIG_IGN) for s in (signal.SIGTERM, signal.SIGINT)]
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old[0])
        signal.signal(signal.SIGINT, old[1])
