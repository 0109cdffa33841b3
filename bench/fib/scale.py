#!/usr/bin/python3
"""FIB programming throughput: how fast a BGP table of service prefixes gets into the Linux kernel, catsd (ingress,
`fib` scope services) against FRR 8.4 (bgpd + zebra), interleaved; and how fast catsd takes its routes out again at a
clean stop (and zebra, when bgpd and then zebra stop).

For each run and router it builds two network namespaces joined by a veth pair (fb<pid>-rut: the router,
172.31.0.1; fb<pid>-feed: the feeder, 172.31.0.2), starts the router pinned to CPU 0 (catsd; FRR's bgpd and zebra
both), and bench/fib/nlwatch.py --count in the router's namespace and build/bin/ingest_feeder (bench/ingest) on CPU 1.
The feeder opens an eBGP session and sends workload A: N IPv4 prefixes (90 % /24 from 10.0.0.0, 10 % /32 from
100.64.0.0), packed about 1,000 per UPDATE, each UPDATE with a CATS-EXP attribute, so catsd sees N service prefixes;
next hop the feeder (connected). Measured:

- fib_s: from the feeder's first UPDATE (its CLOCK_MONOTONIC) to the moment the netlink monitor has seen an
  RTM_NEWROUTE of the router's protocol (catsd 201, FRR's zebra 186) for every one of the N prefixes (its socket's
  receive buffer forced to 512 MB, no overrun); routes/s = N / fib_s. Then `ip route show proto P` must list N.
- first_s: to the first such route; cpu_s: the router's CPU (all its threads, /proc/PID/task/*/schedstat) from just
  before the feeder starts to full; peak RSS: VmHWM (summed over bgpd and zebra).
- teardown: SIGTERM to the router (FRR: bgpd, then zebra once bgpd is gone), to the monitor seeing the last route
  deleted (teardown_s) and to the processes' exit (exit_s).

Everything is stopped by PID and the namespaces are removed after each run, also on failure or Ctrl-C.

    sudo bench/fib/scale.py --build build                 # 100,000 prefixes, catsd and frr, 3 runs each
    sudo bench/fib/scale.py --build build --smoke         # 2,000 prefixes, one run each; exit 1 unless complete
Exit status: 0 all runs complete, 1 a failure, 77 not root.
"""
import argparse
import json
import os
import queue
import signal
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "interop"))
from labkit import frr as frrkit  # noqa: E402
from labkit.catsd import Catsd as CatsdDaemon  # noqa: E402
from labkit.check import Failure  # noqa: E402
from labkit.netns import Host, Netns  # noqa: E402
from labkit.proc import Interrupted, Procs, deb_version, print_tail, raise_on_signals, run, signals_ignored, status_kb  # noqa: E402,E501
from labkit.series import cpu_ns, fmt, keep_or_remove, med, ratio, record_error  # noqa: E402

RUT, FEED = "172.31.0.1", "172.31.0.2"
RUT_AS, FEED_AS = 65000, 65001
NLWATCH = os.path.join(HERE, "nlwatch.py")
ARGS = None


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


class Lines:
    """The JSON lines of a piped process, as a queue."""

    def __init__(self, proc):
        self.proc, self.q = proc, queue.Queue()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.proc.popen.stdout:
            try:
                self.q.put(json.loads(line))
            except ValueError:
                pass
        self.q.put(None)

    def wait(self, kinds, timeout, on_other=None):
        end = time.monotonic() + timeout
        while True:
            try:
                ev = self.q.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                return None
            if ev is None:
                raise Failure(f"{self.proc.name} exited (rc {self.proc.popen.poll()})")
            if ev.get("e") in kinds:
                return ev
            if on_other:
                on_other(ev)


# ---- routers ------------------------------------------------------------------------------------------------

class Router:
    name, proto = "?", 0

    def __init__(self, host, wd):
        self.host, self.wd = host, wd
        self.wrap = ["taskset", "-c", ARGS.router_cpu] if ARGS.router_cpu is not None else []
        self.daemon = None

    def pids(self):
        return [p.pid for p in self.procs() if p.alive()]


class Catsd(Router):
    name, proto = "catsd", 201

    def version(self):
        git = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], check_rc=False).stdout.strip()
        return f"catsd (source tree at {git} when run; {ARGS.catsd})"

    def start(self):
        cfg = {
            "global": {"as": RUT_AS, "router-id": RUT, "role": ["ingress"],
                       "listen": {"address": [RUT], "port": 179}},
            "neighbors": {"neighbor": [{
                "address": FEED, "remote-as": FEED_AS, "local-address": RUT, "passive": True,
                "timers": {"hold-time": 180, "keepalive": 60, "connect-retry": 1, "idle-hold": 1},
                "cats": {"receive": True},
                "afi-safis": {"afi-safi": [{"name": "ipv4-unicast"}]},
                "policy": {"export": {"prefix-list": "none"}}}]},
            "prefix-lists": {"prefix-list": [{"name": "none", "entry": [
                {"seq": 10, "action": "deny", "prefix": "0.0.0.0/0", "le": 32}]}]},
            "fib": {"scope": ARGS.scope, **({"buckets": ARGS.buckets} if ARGS.buckets else {})},
        }
        self.daemon = CatsdDaemon(self.host, cfg, ARGS.catsd, ARGS.catsctl, api=f"unix:{self.wd}/api.sock",
                                  wrap=self.wrap, ctl_timeout=30)
        self.daemon.start()

    def procs(self):
        return [self.daemon.proc] if self.daemon and self.daemon.proc else []

    def signal_stop(self):
        os.kill(self.daemon.proc.pid, signal.SIGTERM)

    def installed_in_rib(self):
        try:
            return self.daemon.prefixes_received(FEED)
        except (Failure, ValueError, KeyError, TypeError):
            return None


class Frr(Router):
    name, proto = "frr", 186

    def version(self):
        return f"FRR {deb_version('frr')} (bgpd -z + zebra)"

    def start(self):
        self.daemon = frrkit.FRR(self.host, log_level="critical", wrap=self.wrap, zebra=True)
        self.daemon.start(frrkit.sink(RUT_AS, RUT, FEED, FEED_AS))

    def procs(self):
        return self.daemon.procs() if self.daemon else []

    def signal_stop(self):
        # bgpd first: zebra takes the routes of a client that goes away out of the kernel; then zebra itself.
        bgpd, zebra = self.daemon.proc, self.daemon.zebra_proc
        os.kill(bgpd.pid, signal.SIGTERM)

        def then_zebra():
            try:
                bgpd.popen.wait(60)
            finally:
                if zebra.alive():
                    os.kill(zebra.pid, signal.SIGTERM)
        threading.Thread(target=then_zebra, daemon=True).start()

    def installed_in_rib(self):
        try:
            return self.daemon.prefixes_received(FEED)
        except (Failure, ValueError, KeyError, TypeError):
            return None


ROUTERS = {c.name: c for c in (Catsd, Frr)}


# ---- one run ------------------------------------------------------------------------------------------------

def one_run(router_name, run_idx):
    wd = tempfile.mkdtemp(prefix=f"fibs-{router_name}-", dir=ARGS.workdir)
    os.chmod(wd, 0o755)
    procs = Procs()
    netns = Netns()
    ns_rut, ns_feed = f"fb{os.getpid()}-rut", f"fb{os.getpid()}-feed"
    host = Host(router_name, procs, wd, ns=ns_rut, v4=RUT, quiet=True)
    r = ROUTERS[router_name](host, wd)
    res = {"router": router_name, "run": run_idx, "prefixes": ARGS.prefixes, "ok": False, "load_start": loadavg()}
    failed = True
    try:
        for ns in (ns_rut, ns_feed):
            netns.add(ns)
        netns.veth("fb0", ns_rut, "fb1", ns_feed)
        netns.addr(ns_rut, "fb0", f"{RUT}/24")
        netns.addr(ns_feed, "fb1", f"{FEED}/24")
        netns.link(ns_rut, "fb0", "up")
        netns.link(ns_feed, "fb1", "up")
        res["version"] = r.version()
        r.start()
        watch = procs.spawn("nlwatch", ["/usr/bin/python3", NLWATCH, "--count", str(r.proto), "--expect",
                                        str(ARGS.prefixes), "--progress", "1"],
                            os.path.join(wd, "nlwatch.err"), ns=ns_rut, pipe=True)
        lines = Lines(watch)
        ready = lines.wait({"ready"}, 20)
        if ready is None:
            raise Failure("nlwatch did not start")
        if ready["n"]:
            raise Failure(f"{ready['n']} routes of protocol {r.proto} before the feeder started")
        pids = r.pids()
        res["rss_idle_kb"] = status_kb(pids, "VmRSS")
        fcmd = [ARGS.feeder, "--target", f"{RUT}:179", "--bind", FEED, "--as", str(FEED_AS), "--peer-as", str(RUT_AS),
                "--router-id", FEED, "--workload", "A", "--prefixes", str(ARGS.prefixes),
                "--hold-open", str(ARGS.timeout + 120)]
        perf = None
        if ARGS.perf:  # the router's processes, attached: their PIDs (and so the CPU figures) stay theirs
            perf = procs.spawn("perf", ["perf", "record", "-F", str(ARGS.perf_freq), "--call-graph", ARGS.perf_graph, "-o",
                                        f"{ARGS.perf}.{router_name}.{run_idx}", "-p", ",".join(map(str, pids))],
                               os.path.join(wd, "perf.log"))
            time.sleep(1)
        c0 = cpu_ns(pids)
        feeder = procs.spawn("feeder", fcmd, os.path.join(wd, "feeder.err"), ns=ns_feed, pipe=True)
        report = {}

        def read_report():
            line = feeder.popen.stdout.readline()
            if line.strip():
                report.update(json.loads(line))
        reader = threading.Thread(target=read_report, daemon=True)
        reader.start()
        overruns, progress = [], []

        def other(ev):
            if ev["e"] == "overrun":
                overruns.append(ev)
            elif ev["e"] == "progress":
                progress.append((ev["t"], ev["n"]))
        first = lines.wait({"first"}, ARGS.timeout, other)
        if first is None:
            raise Failure(f"no route of protocol {r.proto} within {ARGS.timeout} s "
                          f"(the router's RIB has {r.installed_in_rib()} prefixes)")
        full = lines.wait({"full"}, ARGS.timeout, other)
        c1 = cpu_ns(pids)
        if perf:
            perf.stop(30, signal.SIGINT)
        if full is None:
            raise Failure(f"not every route in the kernel within {ARGS.timeout} s: {progress[-1:]} "
                          f"(the router's RIB has {r.installed_in_rib()} prefixes)")
        reader.join(30)
        if not report:
            raise Failure("no report from the feeder: " + open(os.path.join(wd, "feeder.err")).read()[-300:])
        shown = run(["sh", "-c", f"ip -4 route show proto {r.proto} | wc -l"], ns=ns_rut, timeout=60).stdout
        t0 = report["first_update_mono"]
        res.update({"first_s": first["t"] - t0, "fib_s": full["t"] - t0, "cpu_s": (c1 - c0) / 1e9,
                    "routes_per_s": ARGS.prefixes / (full["t"] - t0), "kernel_routes": int(shown.strip()),
                    "peak_rss_kb": status_kb(pids, "VmHWM"), "send_s": report["send_s"],
                    "drain_s": report.get("drain_s"), "overruns": len(overruns), "feeder": report,
                    "progress": [(round(t - t0, 3), n) for t, n in progress]})
        res["sample_route"] = run(["sh", "-c", f"ip -4 route show proto {r.proto} | head -1"], ns=ns_rut).stdout.strip()
        res["nexthop_objects"] = int(run(["sh", "-c", "ip nexthop show | wc -l"], ns=ns_rut, timeout=60).stdout)
        if res["kernel_routes"] != ARGS.prefixes:
            raise Failure(f"`ip route show proto {r.proto}` lists {res['kernel_routes']} routes, not {ARGS.prefixes}")
        # Teardown: a clean stop takes the routes out (the feeder's session stays up until then: its end alone would
        # take them out too).
        ts = time.monotonic()
        r.signal_stop()
        empty = lines.wait({"empty"}, ARGS.timeout, other)
        for p in r.procs():
            p.popen.wait(ARGS.timeout)
        res["exit_s"] = time.monotonic() - ts
        res["teardown_s"] = (empty["t"] - ts) if empty else None
        left = run(["sh", "-c", f"ip -4 route show proto {r.proto} | wc -l"], ns=ns_rut, timeout=60).stdout
        res["left_after_stop"] = int(left.strip())
        if res["left_after_stop"]:
            raise Failure(f"{res['left_after_stop']} routes of protocol {r.proto} left after a clean stop")
        res["ok"] = True
        failed = False
    except Exception as e:  # noqa: BLE001 - recorded, the series goes on
        record_error(res, e, ARGS.verbose)
    finally:
        with signals_ignored():
            procs.stop_all()
            netns.delete_all()
            res["load_end"] = loadavg()
            if failed:
                for f in ("catsd.log", "frr/zebra.log", "frr/bgpd.log", "nlwatch.err", "feeder.err"):
                    if os.path.exists(os.path.join(wd, f)):
                        print_tail(os.path.join(wd, f), f, 15)
            keep_or_remove(res, wd, ARGS.keep)
    return res


# ---- the series ---------------------------------------------------------------------------------------------


def summarise(results):
    rows = {}
    for name in ARGS.routers:
        rs = [x for x in results if x["router"] == name]
        ok = [x for x in rs if x["ok"]]
        rows[name] = {"runs": f"{len(ok)}/{len(rs)}", "version": ok[0]["version"] if ok else "?",
                      "fib_s": med([x["fib_s"] for x in ok]), "first_s": med([x["first_s"] for x in ok]),
                      "routes_per_s": med([x["routes_per_s"] for x in ok]), "cpu_s": med([x["cpu_s"] for x in ok]),
                      "rss_mb": med([x["peak_rss_kb"] / 1024 for x in ok]),
                      "teardown_s": med([x["teardown_s"] for x in ok]), "exit_s": med([x["exit_s"] for x in ok]),
                      "send_s": med([x["send_s"] for x in ok]),
                      "errors": [x["error"] for x in rs if not x["ok"]]}
    base = rows.get("frr")
    for row in rows.values():
        for k in ("fib_s", "cpu_s", "rss_mb", "teardown_s", "routes_per_s"):
            ok = base and base[k][0] and row[k][0] is not None
            row[f"{k}_vs_frr"] = row[k][0] / base[k][0] if ok else None
    return rows


def print_table(rows):
    out = [f"{ARGS.prefixes} prefixes (workload A, every UPDATE with CATS-EXP)\n",
           "| router | runs | to the last route s | × FRR | routes/s | first route s | router CPU s | × FRR "
           "| peak RSS MB | teardown s | exit s |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        out.append(f"| {name} | {r['runs']} | {fmt(r['fib_s'])} | {ratio(r, 'fib_s_vs_frr')} | {fmt(r['routes_per_s'], 0)} "
                   f"| {fmt(r['first_s'])} | {fmt(r['cpu_s'])} | {ratio(r, 'cpu_s_vs_frr')} | {fmt(r['rss_mb'], 1)} "
                   f"| {fmt(r['teardown_s'])} | {fmt(r['exit_s'])} |")
        for e in r["errors"]:
            out.append(f"<!-- {name}: {e} -->")
    text = "\n".join(out)
    print(text)
    return text


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="CMake build directory (bin/catsd ...)")
    ap.add_argument("--catsd", help="default BUILD/bin/catsd")
    ap.add_argument("--catsctl", help="default BUILD/bin/catsctl")
    ap.add_argument("--feeder", help="default BUILD/bin/ingest_feeder")
    ap.add_argument("--routers", default="catsd,frr", help="comma list of " + ",".join(ROUTERS))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--prefixes", type=int, default=100_000)
    ap.add_argument("--scope", default="services", choices=("services", "all"), help="catsd's fib scope")
    ap.add_argument("--buckets", type=int, help="catsd's fib buckets per resilient group (default: catsd's, 128)")
    ap.add_argument("--timeout", type=float, default=300.0, help="per phase of a run, s")
    ap.add_argument("--router-cpu", default="0")
    ap.add_argument("--other-cpu", default="1", help="this script, the monitor and the feeder")
    ap.add_argument("--out", help="JSON results (default: fib-scale-<time>.json in --workdir)")
    ap.add_argument("--workdir", default="/tmp")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--perf", help="perf record the router from the feeder's start to full, to FILE.ROUTER.RUN")
    ap.add_argument("--perf-freq", type=int, default=999)
    ap.add_argument("--perf-graph", default="fp", help="perf record --call-graph (fp, dwarf)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="2,000 prefixes, one run per router (FRR only if installed); "
                                                         "exit 1 unless every route gets in and out")
    ARGS = ap.parse_args()
    ARGS.routers = ARGS.routers.split(",")
    if ARGS.smoke:
        ARGS.prefixes, ARGS.runs, ARGS.timeout = 2000, 1, 60
        if not os.access(frrkit.ZEBRA, os.X_OK):
            ARGS.routers = [r for r in ARGS.routers if r != "frr"]
    bindir = os.path.join(os.path.abspath(ARGS.build), "bin")
    ARGS.catsd = ARGS.catsd or os.path.join(bindir, "catsd")
    ARGS.catsctl = ARGS.catsctl or os.path.join(bindir, "catsctl")
    ARGS.feeder = ARGS.feeder or os.path.join(bindir, "ingest_feeder")
    for rn in ARGS.routers:
        if rn not in ROUTERS:
            sys.exit(f"unknown router {rn}")
    need = [ARGS.feeder] + ([ARGS.catsd, ARGS.catsctl] if "catsd" in ARGS.routers else []) + \
        ([frrkit.BGPD, frrkit.ZEBRA] if "frr" in ARGS.routers else [])
    for p in need:
        if not os.access(p, os.X_OK):
            sys.exit(f"missing {p}")
    if os.geteuid() != 0:
        print("needs root (network namespaces): skipped")
        return 77
    # This script, the monitor and the feeder stay off the router's CPU (children inherit the mask); with fewer
    # CPUs nothing is pinned.
    have = os.sched_getaffinity(0)
    other = {int(c) for c in ARGS.other_cpu.split(",")}
    if other <= have and int(ARGS.router_cpu) in have and int(ARGS.router_cpu) not in other:
        os.sched_setaffinity(0, other)
    else:
        print(f"not pinned: CPUs {sorted(have)}", file=sys.stderr)
        ARGS.router_cpu = None
    raise_on_signals()
    results = []
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        for i in range(ARGS.runs):
            order = ARGS.routers if i % 2 == 0 else list(reversed(ARGS.routers))
            for rn in order:
                res = one_run(rn, i + 1)
                results.append(res)
                msg = (f"{res['fib_s']:.3f} s = {res['routes_per_s']:.0f} routes/s, first {res['first_s']:.3f} s, "
                       f"cpu {res['cpu_s']:.3f} s, rss {res['peak_rss_kb'] / 1024:.0f} MB, teardown "
                       f"{res['teardown_s'] or -1:.3f} s, exit {res['exit_s']:.3f} s, overruns {res['overruns']}"
                       if res["ok"] else f"FAILED: {res['error']}")
                print(f"[run {i + 1}] {rn}: {msg}; load {res['load_start'][0]:.2f}", file=sys.stderr, flush=True)
    except Interrupted:
        print("interrupted", file=sys.stderr)
    rows = summarise(results)
    table = print_table(rows)
    out = ARGS.out or os.path.join(ARGS.workdir, f"fib-scale-{time.strftime('%Y%m%d-%H%M%S')}.json")
    with open(out, "w") as f:
        json.dump({"started": started, "command": " ".join(sys.argv), "cpus": os.cpu_count(),
                   "runs": results, "summary": rows,
                   "table": table}, f, indent=1)
    print(f"\nresults: {out}", file=sys.stderr)
    ok = results and all(r["ok"] for r in results) and len(results) == ARGS.runs * len(ARGS.routers)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
