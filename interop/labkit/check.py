"""Assertions of the labs: check() and wait_for() print `  ok: WHAT` or raise Failure."""
import subprocess
import time


class Failure(Exception):
    """An assertion of a scenario failed."""


def check(cond, what):
    if not cond:
        raise Failure(what)
    print(f"  ok: {what}", flush=True)


# What a polled query may raise while the thing it asks about is not there yet.
TRANSIENT = (Failure, subprocess.SubprocessError, ValueError, KeyError, OSError)


def wait_for(what, pred, timeout=20.0, interval=0.25, quiet=False):
    """Polls pred() until it returns a truthy value (returned); raises Failure after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
            if last:
                if not quiet:
                    print(f"  ok: {what}", flush=True)
                return last
        except TRANSIENT as e:
            last = f"{type(e).__name__}: {e}"
        time.sleep(interval)
    raise Failure(f"timed out ({timeout}s): {what}; last: {str(last)[:300]}")
