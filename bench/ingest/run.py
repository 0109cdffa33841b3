#!/usr/bin/python3
"""Ingest benchmark: how fast catsd and other BGP daemons take in a big table.

For each workload, run and router (alternating routers: catsd, bird, catsd, bird, ...), it builds two network
namespaces joined by a veth pair (router 172.31.0.1, feeder 172.31.0.2-5), starts the router pinned to CPU 0
and build/bin/ingest_feeder pinned to CPU 1, and measures from the feeder's first UPDATE to the full table:

- cli_s: end of the first CLI poll that reports every path (resolution = the poll interval);
- idle_s: start of the first period of >= 0.3 s in which the router's CPU (sum of its threads,
  /proc/PID/task/*/schedstat, 10 ms samples) stays below 20 % of a core, at or after the start of the last
  poll that still saw an incomplete table (the router's work ends there); samples that overlap a CLI poll are
  not counted as busy (answering the observer is not ingest);
- cpu_s: the router's CPU seconds from the first UPDATE to idle_s; peak RSS = VmHWM (summed over processes).

The script itself, its CLI polls and the feeder run on the feeder's CPU: only the router (and the kernel's
work for it) uses the router's CPU.

Everything it starts is stopped by PID and the namespaces are removed, also on failure or Ctrl-C.

    sudo bench/ingest/run.py --build build --routers catsd,bird --workloads A,B --runs 3
    sudo bench/ingest/run.py --build build --smoke          # catsd, 1000 prefixes, one run
    sudo bench/ingest/run.py --routers sink --workloads A   # the feeder's ceiling: a null receiver
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "interop"))
from labkit.bird import Bird as BirdDaemon  # noqa: E402
from labkit.catsd import Catsd as CatsdDaemon  # noqa: E402
from labkit.check import Failure  # noqa: E402
from labkit.frr import FRR, sink as frr_sink  # noqa: E402
from labkit.gobgp import GoBGP  # noqa: E402
from labkit.netns import Host, Netns  # noqa: E402
from labkit.openbgpd import OpenBGPD  # noqa: E402
from labkit.proc import Interrupted, Procs, children, deb_version, in_ns, raise_on_signals, run, status_kb, stop_pid  # noqa: E402,E501
from labkit.series import cpu_ns, fmt, keep_or_remove, med, ratio, record_error, write_results  # noqa: E402

NS_RUT, NS_FEED = "ingb-rut", "ingb-feed"
RUT, FEED = "172.31.0.1", "172.31.0.2"
RUT_AS, FEED_AS = 65000, 65001
ARGS = None


# ---- namespaces -------------------------------------------------------------------------------------------

def ns_down():
    for ns in (NS_RUT, NS_FEED):
        Netns.delete(ns)


def ns_up():
    ns_down()
    netns = Netns()
    for ns in (NS_RUT, NS_FEED):
        netns.add(ns)
    netns.veth("ingb0", NS_RUT, "ingb1", NS_FEED)
    netns.addr(NS_RUT, "ingb0", f"{RUT}/24")
    for h in (2, 3, 4, 5):  # the feeder's address and the next hops of workload B's paths 2..4
        netns.addr(NS_FEED, "ingb1", f"172.31.0.{h}/24")
    netns.link(NS_RUT, "ingb0", "up")
    netns.link(NS_FEED, "ingb1", "up")


# ---- routers ----------------------------------------------------------------------------------------------

class Router:
    """The router under test in NS_RUT, pinned to the router CPU: a labkit daemon (self.daemon), its config for the
    workload, and count() (paths received from the feeder; 0 while its CLI does not answer)."""
    name = "?"

    def __init__(self, wd, workload):
        self.wd, self.workload = wd, workload
        self.procs = Procs()
        self.host = Host(self.name, self.procs, wd, ns=NS_RUT, v4=RUT, quiet=True)
        self.wrap = ["taskset", "-c", ARGS.router_cpu]
        self.daemon = None
        self.pids = []       # the daemon's processes (for CPU and RSS)

    def started(self, daemon, conf):
        self.daemon = daemon
        daemon.start(conf)
        self.pids = [daemon.proc.pid]

    def count(self):
        try:
            return self.paths_received()
        except (Failure, ValueError, KeyError, TypeError):
            return 0

    def stop(self):
        self.procs.stop_all()

    def daemon_pids(self):
        return self.pids


class Catsd(Router):
    name = "catsd"

    def version(self):
        git = run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "--short", "HEAD"],
                  check_rc=False).stdout.strip()
        return f"catsd (source tree at {git} when run, {ARGS.build_type})"

    def start(self):
        cfg = {
            # BGP ingest as the other routers do it; with --role ingress, every CATS prefix of the table is also
            # a service the CATS RIB selects a site for (workload B: 250,000 selections).
            "global": {"as": RUT_AS, "router-id": RUT, "role": [ARGS.role],
                       "listen": {"address": [RUT], "port": 179}},
            "neighbors": {"neighbor": [{
                "address": FEED, "remote-as": FEED_AS, "local-address": RUT, "passive": True,
                "timers": {"hold-time": 180, "keepalive": 60, "connect-retry": 1, "idle-hold": 1},
                "cats": {"receive": True},
                "afi-safis": {"afi-safi": [{"name": "ipv4-unicast",
                                            **({"add-path": "receive"} if self.workload == "B" else {})}]},
                "policy": {"export": {"prefix-list": "none"}}}]},
            "prefix-lists": {"prefix-list": [{"name": "none", "entry": [
                {"seq": 10, "action": "deny", "prefix": "0.0.0.0/0", "le": 32}]}]},
            # The RIB is measured, not the kernel's table (the FIB has a benchmark of its own).
            "fib": {"scope": "none"},
        }
        wrap = self.wrap
        if ARGS.perf:  # profile mode: perf record runs catsd as its child
            wrap = wrap + ["perf", "record", "-F", str(ARGS.perf_freq), "--call-graph", "dwarf,16384", "-o", ARGS.perf,
                           "--"]
        self.daemon = CatsdDaemon(self.host, cfg, ARGS.catsd, ARGS.catsctl, api="127.0.0.1:50051", wrap=wrap,
                                  ctl_timeout=30)
        self.daemon.start()
        # `ip netns exec ... taskset ... catsd`: both exec, so the pid is catsd's (perf's, with --perf).
        self.pids = [self.daemon.proc.pid]
        if ARGS.perf:
            self.pids = [c for c in children(self.daemon.proc.pid) if c != self.daemon.proc.pid]

    def paths_received(self):
        return self.daemon.prefixes_received(FEED)

    def sample(self):
        """One stored path, to show the CATS-EXP attribute arrived (not stripped)."""
        try:
            p = self.daemon.json("show", "rib", "10.0.0.0/24")["entries"][0]["paths"][0]
            return {"prefix": "10.0.0.0/24", "as_path": p.get("as_path"), "next_hop": p.get("next_hop"),
                    "cats_l2": (p.get("cats") or {}).get("l2")}
        except (Failure, ValueError, KeyError, IndexError, TypeError) as e:
            return {"error": str(e)[:300]}

    def stop(self):
        if ARGS.perf and self.daemon and self.daemon.proc:  # stop catsd first; perf then writes its file and exits
            for pid in self.pids:
                stop_pid(pid)
            try:
                self.daemon.proc.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
        super().stop()


class Bird(Router):
    name = "bird"

    def version(self):
        return BirdDaemon.version() + f" (deb {deb_version('bird2')})"

    def start(self):
        self.started(BirdDaemon(self.host, log="{ warning, error, fatal, bug }", device="scan time 60;",
                                wrap=self.wrap), f"""protocol bgp feed {{
  local {RUT} as {RUT_AS};
  neighbor {FEED} as {FEED_AS};
  passive on;
  hold time 180; keepalive time 60;
  connect delay time 1; connect retry time 1; error wait time 1,2;
  ipv4 {{ import all; export none; {"add paths rx;" if self.workload == "B" else ""} }};
}}
""")

    def paths_received(self):
        return self.daemon.imported("feed")


class Frr(Router):
    name = "frr"

    def version(self):
        return f"FRR {deb_version('frr').split('-')[0]} (bgpd -Z -S, log critical; deb {deb_version('frr')})"

    def start(self):
        self.started(FRR(self.host, log_level="critical", wrap=self.wrap), frr_sink(RUT_AS, RUT, FEED, FEED_AS))

    def paths_received(self):
        return self.daemon.prefixes_received(FEED)


class Gobgp(Router):
    name = "gobgp"

    def version(self):
        return GoBGP.version() + f" (deb {deb_version('gobgpd')})"

    def start(self):
        addpath = "\n    [neighbors.afi-safis.add-paths.config]\n      receive = true" if self.workload == "B" else ""
        self.started(GoBGP(self.host, log_level="warn", wrap=self.wrap), f"""[global.config]
  as = {RUT_AS}
  router-id = "{RUT}"
  local-address-list = ["{RUT}"]
[global.apply-policy.config]
  default-import-policy = "accept-route"
  default-export-policy = "reject-route"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "{FEED}"
    peer-as = {FEED_AS}
  [neighbors.transport.config]
    passive-mode = true
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 180
    keepalive-interval = 60
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"{addpath}
""")

    def paths_received(self):
        return self.daemon.accepted()


class Openbgpd(Router):
    name = "openbgpd"

    def version(self):
        return f"OpenBGPD {deb_version('openbgpd').split('-')[0]} (deb {deb_version('openbgpd')})"

    def start(self):
        self.started(OpenBGPD(self.host, wrap=self.wrap), f"""AS {RUT_AS}
router-id {RUT}
listen on {RUT}
holdtime 180
neighbor {FEED} {{
  remote-as {FEED_AS}
  descr "feeder"
  passive
  announce IPv4 unicast
  {"announce add-path recv yes" if self.workload == "B" else ""}
}}
allow from {FEED}
""")

    def paths_received(self):
        return self.daemon.received_by_descr("feeder")

    def daemon_pids(self):
        # bgpd forks its session, route-decision and RTR engines
        return children(self.daemon.proc.pid) if self.daemon and self.daemon.proc else []


SINK_CODE = r"""
import socket, struct, sys
addr, workload, done = sys.argv[1], sys.argv[2], sys.argv[3]
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); ls.bind((addr, 179)); ls.listen(1)
c, _ = ls.accept()
caps = bytes([1, 4, 0, 1, 0, 1, 65, 4]) + struct.pack("!I", 65000)
if workload == "B":
    caps += bytes([69, 4, 0, 1, 1, 1])  # ADD-PATH IPv4 unicast receive
opt = bytes([2, len(caps)]) + caps
body = bytes([4]) + struct.pack("!HH4s", 65000, 180, socket.inet_aton(addr)) + bytes([len(opt)]) + opt
c.sendall(b"\xff" * 16 + struct.pack("!HB", 19 + len(body), 1) + body)
c.sendall(b"\xff" * 16 + struct.pack("!HB", 19, 4))
buf, n = bytearray(), 0
while True:
    d = c.recv(1 << 20)
    if not d:
        break
    buf += d
    while len(buf) >= 19:
        ln = (buf[16] << 8) | buf[17]
        if len(buf) < ln:
            break
        typ = buf[18]
        del buf[:ln]
        n += 1
        if typ == 2 and ln == 23:  # End-of-RIB: the whole stream is in
            open(done, "w").write(str(n))
"""


class Sink(Router):
    """Not a router: accepts the session and discards the bytes (the feeder's ceiling on the same path)."""
    name = "sink"

    def version(self):
        return "null receiver (Python, discards bytes)"

    def start(self):
        self.done = os.path.join(self.wd, "sink.done")
        p = self.procs.spawn("sink", self.wrap + [sys.executable, "-c", SINK_CODE, RUT, self.workload, self.done],
                             os.path.join(self.wd, "sink.log"), ns=NS_RUT)
        self.pids = [p.pid]
        time.sleep(0.3)

    def count(self):
        return (ARGS.prefixes if self.workload == "A" else (ARGS.prefixes // 4) * 4) if os.path.exists(self.done) else 0


ROUTERS = {c.name: c for c in (Catsd, Bird, Frr, Gobgp, Openbgpd, Sink)}


# ---- one run ----------------------------------------------------------------------------------------------

class Sampler(threading.Thread):
    def __init__(self, pids_fn, period):
        super().__init__(daemon=True)
        self.pids_fn, self.period, self.samples, self.stop_flag = pids_fn, period, [], False

    def run(self):
        while not self.stop_flag:
            self.samples.append((time.monotonic(), cpu_ns(self.pids_fn())))
            time.sleep(self.period)


def idle_start(samples, after, polls=(), window=0.3, threshold=0.2):
    """Start of the first period >= window from `after` on where CPU use stays below threshold.

    Samples that overlap one of our CLI polls (start, end) do not count as busy: answering the observer is not
    ingest work, and with short samples one answer would otherwise push the end past the confirming poll."""
    def polled(t0, t1):
        return any(p0 <= t1 and t0 <= p1 + 0.005 for p0, p1 in polls)

    i = 0
    while i < len(samples) and samples[i][0] < after:
        i += 1
    for s in range(i, len(samples) - 1):
        t0, c0 = samples[s]
        ok, e = True, s
        while e + 1 < len(samples) and samples[e][0] - t0 < window:
            t1, c1 = samples[e + 1]
            if (c1 - samples[e][1]) / 1e9 > threshold * (t1 - samples[e][0]) and not polled(samples[e][0], t1):
                ok = False
                break
            e += 1
        if ok and samples[e][0] - t0 >= window:
            return t0, c0
    return None


def one_run(router_name, workload, run_idx):
    wd = tempfile.mkdtemp(prefix=f"ingb-{router_name}-{workload}-", dir=ARGS.workdir)
    os.chmod(wd, 0o755)
    r = ROUTERS[router_name](wd, workload)
    res = {"router": router_name, "workload": workload, "run": run_idx, "prefixes_arg": ARGS.prefixes, "ok": False}
    try:
        ns_up()
        res["version"] = r.version()
        r.start()
        pids = r.daemon_pids()
        res["rss_idle_kb"] = status_kb(pids, "VmRSS")
        expected = ARGS.prefixes if workload == "A" else (ARGS.prefixes // 4) * 4
        res["expected_paths"] = expected
        sampler = Sampler(r.daemon_pids, ARGS.sample_period)
        sampler.start()
        fcmd = ["taskset", "-c", ARGS.feeder_cpu, ARGS.feeder, "--target", f"{RUT}:179", "--bind", FEED,
                "--as", str(FEED_AS), "--peer-as", str(RUT_AS), "--router-id", FEED, "--workload", workload,
                "--prefixes", str(ARGS.prefixes), "--hold-open", str(ARGS.timeout + 30)]
        res["feeder_cmd"] = " ".join(in_ns(NS_FEED, fcmd))
        # Started after the router: stopped before it (stop_all goes backwards).
        feeder = r.procs.spawn("feeder", fcmd, os.path.join(wd, "feeder.err"), ns=NS_FEED, pipe=True)
        report = {}

        def read_report():
            line = feeder.popen.stdout.readline()
            if line.strip():
                report.update(json.loads(line))

        reader = threading.Thread(target=read_report, daemon=True)
        reader.start()
        t_start = time.monotonic()
        last_incomplete_start = t_start
        polls, count, t_cli = 0, 0, None
        poll_times = []
        while time.monotonic() - t_start < ARGS.timeout:
            p0 = time.monotonic()
            count = r.count()
            p1 = time.monotonic()
            polls += 1
            poll_times.append((p0, p1))
            if count >= expected:
                t_cli = p1
                break
            last_incomplete_start = p0
            if not feeder.alive() and not reader.is_alive() and not report:
                raise RuntimeError(f"feeder exited rc {feeder.returncode}: "
                                   + open(os.path.join(wd, "feeder.err")).read().strip())
            time.sleep(max(0.0, ARGS.poll - (time.monotonic() - p0)))
        res["count"], res["polls"] = count, polls
        if t_cli is None:
            raise RuntimeError(f"timeout: {count} of {expected} paths after {ARGS.timeout} s")
        reader.join(timeout=30)
        if not report:
            raise RuntimeError("no report from the feeder")
        # Wait for the router to go idle, then read its peak memory.
        end = time.monotonic() + 30
        idle = None
        while time.monotonic() < end:
            time.sleep(0.2)
            idle = idle_start(list(sampler.samples), max(last_incomplete_start, report["first_update_mono"]),
                              poll_times)
            if idle:
                break
        sampler.stop_flag = True
        sampler.join()
        t0 = report["first_update_mono"]
        c_first = next((c for t, c in sampler.samples if t >= t0), sampler.samples[-1][1])
        c_before = [c for t, c in sampler.samples if t < t0]
        c0 = c_before[-1] if c_before else c_first
        res.update({
            "cli_s": t_cli - t0,
            "idle_s": (idle[0] - t0) if idle else None,
            "cpu_s": (idle[1] - c0) / 1e9 if idle else None,
            "peak_rss_kb": status_kb(r.daemon_pids(), "VmHWM"),
            "feeder": report,
            "send_s": report["send_s"],
            "ok": True,
        })
        res["bytes_per_path"] = res["peak_rss_kb"] * 1024 / expected
        if hasattr(r, "sample") and workload == "A":
            res["sample"] = r.sample()
    except Exception as e:  # noqa: BLE001 - recorded, the series goes on
        record_error(res, e, ARGS.verbose)
    finally:
        r.stop()
        ns_down()
        keep_or_remove(res, wd, ARGS.keep)
    return res


# ---- the series -------------------------------------------------------------------------------------------


def summarise(results):
    rows = []
    for wl in ARGS.workloads:
        base = None
        for rn in ARGS.routers:
            rs = [x for x in results if x["router"] == rn and x["workload"] == wl]
            ok = [x for x in rs if x["ok"]]
            row = {"router": rn, "workload": wl, "runs": f"{len(ok)}/{len(rs)}",
                   "version": ok[0]["version"] if ok else (rs[0].get("version") if rs else "?"),
                   "cli_s": med([x["cli_s"] for x in ok]), "idle_s": med([x["idle_s"] for x in ok]),
                   "cpu_s": med([x["cpu_s"] for x in ok]), "send_s": med([x["send_s"] for x in ok]),
                   "rss_mb": med([x["peak_rss_kb"] / 1024 for x in ok]),
                   "bpp": med([x["bytes_per_path"] for x in ok]),
                   "paths": ok[0]["expected_paths"] if ok else None,
                   "updates": ok[0]["feeder"]["updates"] if ok else None,
                   "bytes": ok[0]["feeder"]["bytes"] if ok else None,
                   "errors": [x["error"] for x in rs if not x["ok"]]}
            rows.append(row)
            if rn == "bird":
                base = row
        for row in rows:
            if row["workload"] != wl:
                continue
            for k in ("idle_s", "cli_s", "cpu_s", "bpp"):
                ok = base and base[k][0] and row[k][0] is not None
                row[f"{k}_vs_bird"] = row[k][0] / base[k][0] if ok else None
    return rows


def print_table(rows):
    out = []
    for wl in ARGS.workloads:
        rs = [r for r in rows if r["workload"] == wl]
        if not rs:
            continue
        r0 = next((r for r in rs if r["paths"]), rs[0])
        out.append(f"\n### Workload {wl}: {r0['paths']} paths, {r0['updates']} UPDATEs, {r0['bytes']} bytes\n")
        out.append("| router | version | full table s (CPU idle) | × BIRD | full table s (CLI poll) | × BIRD "
                   "| router CPU s | feeder send s | peak RSS MB | bytes/path | × BIRD | runs |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rs:
            out.append(f"| {r['router']} | {r['version']} | {fmt(r['idle_s'])} | {ratio(r, 'idle_s_vs_bird')} "
                       f"| {fmt(r['cli_s'])} | {ratio(r, 'cli_s_vs_bird')} | {fmt(r['cpu_s'])} | {fmt(r['send_s'], 4)} "
                       f"| {fmt(r['rss_mb'], 0)} | {fmt(r['bpp'], 0)} | {ratio(r, 'bpp_vs_bird')} | {r['runs']} |")
            for e in r["errors"]:
                out.append(f"<!-- {r['router']}: {e} -->")
    text = "\n".join(out)
    print(text)
    return text


def main():
    global ARGS
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(here, "..", "..", "build"), help="CMake build directory")
    ap.add_argument("--build-type", default="RelWithDebInfo", help="recorded in catsd's version string")
    ap.add_argument("--routers", default="catsd,bird", help="comma list of " + ",".join(ROUTERS))
    ap.add_argument("--workloads", default="A,B")
    ap.add_argument("--role", default="reflector", choices=("reflector", "ingress", "edge"),
                    help="catsd's role (ingress: also the CATS selection of every CATS prefix)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--prefixes", type=int, default=1_000_000, help="paths per run (B: prefixes = paths / 4)")
    ap.add_argument("--poll", type=float, default=0.2, help="CLI poll interval, s")
    ap.add_argument("--sample-period", type=float, default=0.01, help="router CPU sampling period, s (idle_s "
                                                                      "resolution)")
    ap.add_argument("--timeout", type=float, default=300.0, help="per run, s")
    ap.add_argument("--router-cpu", default="0")
    ap.add_argument("--feeder-cpu", default="1")
    ap.add_argument("--out", default=None, help="JSON results file (default: results-<time>.json in --workdir)")
    ap.add_argument("--workdir", default="/tmp")
    ap.add_argument("--keep", action="store_true", help="keep each run's work dir (configs, logs)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--perf", default=None, help="catsd under `perf record --call-graph dwarf`, to this file")
    ap.add_argument("--perf-freq", type=int, default=999, help="perf record -F (samples per second)")
    ap.add_argument("--smoke", action="store_true", help="catsd only, workload A, 1000 prefixes, one run; exit 1 "
                                                         "unless it completes")
    ARGS = ap.parse_args()
    if ARGS.smoke:
        ARGS.routers, ARGS.workloads, ARGS.prefixes, ARGS.runs, ARGS.timeout = "catsd", "A", 1000, 1, 30
    ARGS.routers = ARGS.routers.split(",")
    ARGS.workloads = [w.upper() for w in ARGS.workloads.split(",")]
    for rn in ARGS.routers:
        if rn not in ROUTERS:
            sys.exit(f"unknown router {rn}")
    bindir = os.path.join(os.path.abspath(ARGS.build), "bin")
    ARGS.catsd, ARGS.catsctl, ARGS.feeder = (os.path.join(bindir, n) for n in ("catsd", "catsctl", "ingest_feeder"))
    for p in (ARGS.feeder,) + ((ARGS.catsd, ARGS.catsctl) if "catsd" in ARGS.routers else ()):
        if not os.access(p, os.X_OK):
            sys.exit(f"missing {p}")
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    # This script, its CLI polls and its samplers stay off the router's CPU (children inherit the mask).
    os.sched_setaffinity(0, {int(c) for c in ARGS.feeder_cpu.split(",")})

    raise_on_signals()

    results = []
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        for wl in ARGS.workloads:
            for i in range(ARGS.runs):
                for rn in ARGS.routers:  # alternate routers within each round
                    res = one_run(rn, wl, i + 1)
                    results.append(res)
                    msg = (f"idle {res['idle_s']:.3f} s cli {res['cli_s']:.3f} s cpu {res['cpu_s'] or 0:.3f} s "
                           f"send {res['send_s']:.4f} s rss {res['peak_rss_kb'] / 1024:.0f} MB" if res["ok"]
                           else f"FAILED: {res['error']}")
                    print(f"[{wl} run {i + 1}] {rn}: {msg}", file=sys.stderr, flush=True)
    except Interrupted:
        print("interrupted", file=sys.stderr)
    finally:
        ns_down()
    rows = summarise(results)
    table = print_table(rows)
    out = ARGS.out or os.path.join(ARGS.workdir, f"ingest-results-{time.strftime('%Y%m%d-%H%M%S')}.json")
    return write_results(out, started, sys.argv, ARGS.prefixes, results, rows, table)


if __name__ == "__main__":
    sys.exit(main())
