"""What the whole-daemon benchmarks (bench/*/run.py, bench/fib/scale.py) share: a process tree's CPU time and the
median (min-max) of a series of runs."""
import os
import statistics


def cpu_ns(pids):
    """CPU time of every thread of these processes, ns (/proc/PID/task/*/schedstat; gone processes count 0)."""
    total = 0
    for pid in pids:
        try:
            for t in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                    total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
    return total


def med(vals):
    """(median, min, max) of the values that are not None; (None, None, None) when there are none."""
    vals = [v for v in vals if v is not None]
    return (statistics.median(vals), min(vals), max(vals)) if vals else (None, None, None)


def fmt(m, digits=3):
    """A med() triple as 'median (min–max)', or the median alone when all runs agree; '-' for none."""
    if m[0] is None:
        return "-"
    if m[1] == m[2]:
        return f"{m[0]:.{digits}f}"
    return f"{m[0]:.{digits}f} ({m[1]:.{digits}f}–{m[2]:.{digits}f})"
