"""Helpers for tests that run loadsim and cats-collector as processes.
Every process is started with a deadline and killed by its PID."""

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"


class Proc:
    """A child process that is always killed (by PID) when the test ends."""

    def __init__(self, argv, **kw):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)

    def readline(self, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([self.p.stdout], [], [], max(end - time.monotonic(), 0))
            if r:
                return self.p.stdout.readline().decode()
        raise TimeoutError(f"no output from {self.argv[0]} within {timeout} s")

    def stop(self, sig=signal.SIGTERM, timeout=5):
        if self.p.poll() is None:
            os.kill(self.p.pid, sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.p.pid, signal.SIGKILL)
                self.p.wait()
        out, err = self.p.communicate()
        return self.p.returncode, out.decode(), err.decode()


class LoadSim:
    def __init__(self, scenario, tmp, speed=None, duration=60):
        path = os.path.join(tmp, "scenario.json")
        with open(path, "w") as f:
            json.dump(scenario, f)
        argv = [PYTHON, os.path.join(HERE, "loadsim.py"), "--scenario", path, "--control", "0", "--duration", str(duration)]
        if speed:
            argv += ["--speed", str(speed)]
        self.proc = Proc(argv)
        start = json.loads(self.proc.readline(10))
        self.control = start["control"]
        self.ports = start["instances"]

    def truth(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.control}/scenario", timeout=5) as r:
            return json.load(r)

    def set(self, instance, **fields):
        body = json.dumps({"instance": instance, "set": fields}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.control}/control", data=body, method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.load(r)

    def stop(self):
        return self.proc.stop()


def run(argv, timeout):
    """Runs to completion within timeout (killed by PID otherwise)."""
    p = Proc(argv)
    try:
        out, err = p.p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.stop(signal.SIGKILL)
        raise
    return p.p.returncode, out.decode(), err.decode()


class Check:
    def __init__(self):
        self.failures = 0
        self.passed = 0

    def __call__(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures += 1
            print(f"FAIL {what}", flush=True)
        return ok

    def near(self, got, want, tol, what):
        ok = got is not None and want is not None and abs(got - want) <= tol
        return self(ok, f"{what}: got {got}, want {want} +- {tol}")

    def done(self, name):
        print(f"{name}: {self.passed} checks passed, {self.failures} failed", flush=True)
        return 1 if self.failures else 0


def tmpdir():
    return tempfile.TemporaryDirectory(prefix="cats-loadsim-")


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)
