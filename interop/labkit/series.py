"""What the whole-daemon benchmarks (bench/*/run.py, bench/fib/scale.py) share: a process tree's CPU time and the
median (min-max) of a series of runs."""
import json
import os
import shutil
import statistics
import sys
import traceback


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


def record_error(res, e, verbose=False):
    """A run's failure, kept in its result (the series goes on); the traceback too when verbose."""
    res["error"] = str(e)
    if verbose:
        traceback.print_exc()


def keep_or_remove(res, wd, keep):
    """A run's work directory: named in its result when kept, else removed."""
    if keep:
        res["workdir"] = wd
    else:
        shutil.rmtree(wd, ignore_errors=True)


def ratio(row, key):
    """row[key] as a ratio with two decimals, '-' when absent."""
    return f"{row[key]:.2f}" if row.get(key) is not None else "-"


def write_results(out, started, argv, prefixes, results, rows, table):
    """The series as JSON at `out`; the exit status: 0 when every run succeeded."""
    with open(out, "w") as f:
        json.dump({"started": started, "command": " ".join(argv), "prefixes": prefixes,
                   "runs": results, "summary": rows, "table": table}, f, indent=1)
    print(f"\nresults: {out}", file=sys.stderr)
    return 0 if results and all(r["ok"] for r in results) else 1
