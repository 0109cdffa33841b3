#!/usr/bin/python3
"""Reflector benchmark: a route reflector hands a big table to its clients.

The router under test (catsd, BIRD or FRR) runs in namespace rflb-rut (172.31.0.1) pinned to CPU 0. In namespace
rflb-feed, pinned to CPU 1 with this script: one iBGP feeder (build/bin/ingest_feeder, 172.31.0.2, a non-client
passing on paths learned from AS 65001, LOCAL_PREF 100) and N route reflector clients (build/bin/reflect_receiver,
172.31.0.11 upward: iBGP, they complete OPEN, count the distinct prefixes, or prefix and path id pairs, they
receive, and print when the table is full). The workloads are the ingest benchmark's (bench/ingest/workload.hpp):
A = 1M IPv4 prefixes with the CATS attribute, B = 250k prefixes x 4 ADD-PATH paths (the clients negotiate ADD-PATH
receive and the router sends every path).

Each run: the router starts, the clients connect and get the (empty) table, then the feeder sends its table
(the clock starts at its first UPDATE, CLOCK_MONOTONIC, as the clients' events). Reported:

- full_s: until the last client has the whole table; first_s: until a client has a first route;
- cpu_s: the router's CPU (all its threads, /proc/PID/task/*/schedstat) over the same span;
- rss_mb: the router's peak RSS (VmHWM);
- late_s (--late): a client started after the table is in, from its session coming up to its full table;
- slow (--slow RATE): one more client reads at RATE octets/s through a small receive window; it must get the
  whole table and the others' full_s is reported beside it (they must not wait for it);
- drops: any client that received a NOTIFICATION or lost its session fails the run.

Everything it starts is stopped by PID and the namespaces are removed, also on failure or Ctrl-C.

    sudo bench/reflect/run.py --build build --routers catsd,bird,frr --workloads A,B --receivers 4,16 --late \\
        --slow 1000000 --runs 3
"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "interop"))
from labkit.bird import Bird as BirdDaemon  # noqa: E402
from labkit.catsd import Catsd as CatsdDaemon  # noqa: E402
from labkit.frr import FRR  # noqa: E402
from labkit.netns import Host, Netns  # noqa: E402
from labkit.proc import Interrupted, Procs, deb_version, in_ns, raise_on_signals, run, status_kb  # noqa: E402
from labkit.series import cpu_ns, fmt, keep_or_remove, med, ratio, record_error, write_results  # noqa: E402

NS_RUT, NS_FEED = "rflb-rut", "rflb-feed"
RUT, FEED = "172.31.0.1", "172.31.0.2"
AS = 65000
PATH_AS = 65001
ARGS = None


def client_addr(i):
    return f"172.31.0.{11 + i}"


def ns_down():
    for ns in (NS_RUT, NS_FEED):
        Netns.delete(ns)


def ns_up(clients):
    ns_down()
    netns = Netns()
    for ns in (NS_RUT, NS_FEED):
        netns.add(ns)
    netns.veth("rflb0", NS_RUT, "rflb1", NS_FEED)
    netns.addr(NS_RUT, "rflb0", f"{RUT}/24")
    for h in (2, 3, 4, 5):  # the feeder and the next hops of workload B's paths 2..4
        netns.addr(NS_FEED, "rflb1", f"172.31.0.{h}/24")
    for i in range(clients):
        netns.addr(NS_FEED, "rflb1", f"{client_addr(i)}/24")
    netns.link(NS_RUT, "rflb0", "up")
    netns.link(NS_FEED, "rflb1", "up")


# ---- routers ----------------------------------------------------------------------------------------------

class Router:
    name = "?"

    def __init__(self, wd, workload, clients):
        self.wd, self.workload, self.clients = wd, workload, clients
        self.procs = Procs()
        self.host = Host(self.name, self.procs, wd, ns=NS_RUT, v4=RUT, quiet=True)
        self.wrap = ["taskset", "-c", ARGS.router_cpu]
        self.daemon = None
        self.pids = []

    def stop(self):
        self.procs.stop_all()


class Catsd(Router):
    name = "catsd"

    def version(self):
        git = run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "--short", "HEAD"],
                  check_rc=False).stdout.strip()
        return f"catsd (source tree at {git} when run, {ARGS.build_type})"

    def start(self):
        b = self.workload == "B"
        timers = {"hold-time": 180, "keepalive": 60, "connect-retry": 1, "idle-hold": 1}
        feeder = {"address": FEED, "remote-as": AS, "local-address": RUT, "passive": True, "timers": timers,
                  "afi-safis": {"afi-safi": [{"name": "ipv4-unicast", **({"add-path": "receive"} if b else {})}]}}
        clients = [{"address": client_addr(i), "remote-as": AS, "local-address": RUT, "passive": True,
                    "timers": timers, "route-reflector-client": True,
                    "afi-safis": {"afi-safi": [{"name": "ipv4-unicast", **({"add-path": "send"} if b else {})}]}}
                   for i in range(self.clients)]
        cfg = {"global": {"as": AS, "router-id": RUT, "role": ["reflector"], "listen": {"address": [RUT], "port": 179}},
               "neighbors": {"neighbor": [feeder] + clients},
               "fib": {"scope": "none"}}
        self.daemon = CatsdDaemon(self.host, cfg, ARGS.catsd, ARGS.catsctl, api="127.0.0.1:50051", wrap=self.wrap,
                                  ctl_timeout=30)
        self.daemon.start()
        self.pids = [self.daemon.proc.pid]


class Bird(Router):
    name = "bird"

    def version(self):
        return BirdDaemon.version() + f" (deb {deb_version('bird2')})"

    def start(self):
        b = self.workload == "B"
        conf = f"""protocol bgp feed {{
  local {RUT} as {AS};
  neighbor {FEED} as {AS};
  passive on;
  hold time 180; keepalive time 60;
  connect delay time 1; connect retry time 1; error wait time 1,2;
  ipv4 {{ import all; export none; {"add paths rx;" if b else ""} }};
}}
template bgp rrc {{
  local {RUT} as {AS};
  rr client;
  passive on;
  hold time 180; keepalive time 60;
  connect delay time 1; connect retry time 1; error wait time 1,2;
  ipv4 {{ import none; export all; {"add paths tx;" if b else ""} }};
}}
""" + "".join(f"protocol bgp c{i} from rrc {{ neighbor {client_addr(i)} as {AS}; }}\n"
              for i in range(self.clients))
        self.daemon = BirdDaemon(self.host, log="{ warning, error, fatal, bug }", device="scan time 60;",
                                 wrap=self.wrap)
        self.daemon.start(conf)
        self.pids = [self.daemon.proc.pid]


class Frr(Router):
    name = "frr"

    def version(self):
        return f"FRR {deb_version('frr').split('-')[0]} (bgpd -Z -S, log critical; deb {deb_version('frr')})"

    def start(self):
        b = self.workload == "B"
        members = "".join(f" neighbor {client_addr(i)} peer-group CLIENTS\n" for i in range(self.clients))
        conf = f"""router bgp {AS}
 bgp router-id {RUT}
 no bgp ebgp-requires-policy
 no bgp network import-check
 timers bgp 60 180
 neighbor {FEED} remote-as {AS}
 neighbor {FEED} passive
 neighbor {FEED} timers connect 1
 neighbor CLIENTS peer-group
 neighbor CLIENTS remote-as {AS}
 neighbor CLIENTS passive
 neighbor CLIENTS timers connect 1
{members} address-family ipv4 unicast
  neighbor {FEED} activate
  neighbor CLIENTS activate
  neighbor CLIENTS route-reflector-client
  {"neighbor CLIENTS addpath-tx-all-paths" if b else ""}
 exit-address-family
"""
        self.daemon = FRR(self.host, log_level="critical", wrap=self.wrap)
        self.daemon.start(conf)
        self.pids = [self.daemon.proc.pid]


ROUTERS = {c.name: c for c in (Catsd, Bird, Frr)}


# ---- clients and feeder -----------------------------------------------------------------------------------

class Client:
    """One reflect_receiver: its events by name (the first of each), read from its stdout by a thread."""

    def __init__(self, procs, wd, i, workload, paths, rate=0):
        self.i, self.events, self.lock = i, {}, threading.Lock()
        cmd = ["taskset", "-c", ARGS.feeder_cpu, ARGS.receiver, "--target", RUT, "--bind", client_addr(i),
               "--as", str(AS), "--router-id", client_addr(i), "--workload", workload, "--paths", str(paths),
               "--hold-open", str(ARGS.timeout + 60)]
        if workload == "B":
            cmd.append("--add-path")
        if rate:
            cmd += ["--rate", str(rate)]
        self.proc = procs.spawn(f"client{i}", cmd, os.path.join(wd, f"client{i}.err"), ns=NS_FEED, pipe=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.popen.stdout:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.events.setdefault(e["event"], e)

    def event(self, name):
        with self.lock:
            return self.events.get(name)


def wait(what, pred, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    raise RuntimeError(f"timeout ({timeout:.0f} s): {what}")


def dropped(clients):
    for c in clients:
        for bad in ("notification", "closed"):
            if c.event(bad):
                return f"client {c.i}: {bad} {c.event(bad)}"
    return None


def one_run(router_name, workload, nclients, run_idx, slow=0):
    wd = tempfile.mkdtemp(prefix=f"rflb-{router_name}-{workload}-", dir=ARGS.workdir)
    os.chmod(wd, 0o755)
    late = 1 if ARGS.late and not slow else 0
    total = nclients + late + (1 if slow else 0)
    r = ROUTERS[router_name](wd, workload, total)
    paths = ARGS.prefixes if workload == "A" else (ARGS.prefixes // 4) * 4
    res = {"router": router_name, "workload": workload, "clients": nclients, "run": run_idx, "slow_rate": slow,
           "paths": paths, "ok": False}
    try:
        ns_up(total)
        res["version"] = r.version()
        r.start()
        res["rss_idle_kb"] = status_kb(r.pids, "VmRSS")
        clients = [Client(r.procs, wd, i, workload, paths) for i in range(nclients)]
        if slow:
            clients.append(Client(r.procs, wd, nclients, workload, paths, rate=slow))
        wait("clients established", lambda: all(c.event("established") for c in clients), 60)
        time.sleep(0.3)  # their End-of-RIB
        fcmd = ["taskset", "-c", ARGS.feeder_cpu, ARGS.feeder, "--target", f"{RUT}:179", "--bind", FEED,
                "--as", str(AS), "--peer-as", str(AS), "--path-as", str(PATH_AS), "--local-pref", "100",
                "--router-id", FEED, "--workload", workload, "--prefixes", str(ARGS.prefixes),
                "--hold-open", str(ARGS.timeout + 60)]
        res["feeder_cmd"] = " ".join(in_ns(NS_FEED, fcmd))
        feeder = r.procs.spawn("feeder", fcmd, os.path.join(wd, "feeder.err"), ns=NS_FEED, pipe=True)
        report = {}

        def read_report():
            line = feeder.popen.stdout.readline()
            if line.strip():
                report.update(json.loads(line))

        reader = threading.Thread(target=read_report, daemon=True)
        reader.start()
        cpu0 = cpu_ns(r.pids)
        t_cpu0 = time.monotonic()
        fast = clients[:nclients]

        def done(cs):
            d = dropped(clients)
            if d:
                raise RuntimeError(f"dropped: {d}")
            return all(c.event("full") for c in cs)

        wait("every client has the whole table", lambda: done(fast), ARGS.timeout)
        cpu1 = cpu_ns(r.pids)
        t_fast = time.monotonic()
        reader.join(timeout=30)
        if not report:
            raise RuntimeError("no report from the feeder")
        t0 = report["first_update_mono"]
        fulls = [c.event("full")["mono"] - t0 for c in fast]
        firsts = [c.event("first")["mono"] - t0 for c in fast if c.event("first")]
        res["client_first_s"], res["client_full_s"] = firsts, fulls
        res.update({"full_s": max(fulls), "full_min_s": min(fulls), "first_s": min(firsts) if firsts else None,
                    # CPU from about the feeder's first UPDATE (sampled when it started) to the last full table.
                    "cpu_s": (cpu1 - cpu0) / 1e9, "cpu_span_s": t_fast - t_cpu0, "feeder": report,
                    "bytes_per_client": fast[0].event("full").get("bytes")})
        if slow:
            wait("the slow client has the whole table", lambda: done(clients), ARGS.timeout)
            res["slow_full_s"] = clients[-1].event("full")["mono"] - t0
        if late:
            c = Client(r.procs, wd, nclients, workload, paths)
            clients.append(c)
            wait("late client established", lambda: c.event("established"), 60)
            cpu2 = cpu_ns(r.pids)
            wait("late client has the whole table", lambda: done([c]), ARGS.timeout)
            res["late_s"] = c.event("full")["mono"] - c.event("established")["mono"]
            res["late_first_s"] = c.event("first")["mono"] - c.event("established")["mono"]
            res["late_cpu_s"] = (cpu_ns(r.pids) - cpu2) / 1e9
        time.sleep(0.5)
        d = dropped(clients)
        if d:
            raise RuntimeError(f"dropped: {d}")
        res["peak_rss_kb"] = status_kb(r.pids, "VmHWM")
        res["ok"] = True
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
    keys = ("full_s", "first_s", "cpu_s", "late_s", "late_cpu_s", "slow_full_s")
    for wl in ARGS.workloads:
        for n in ARGS.receivers:
            for slow in ([0, ARGS.slow] if ARGS.slow else [0]):
                group = []
                for rn in ARGS.routers:
                    rs = [x for x in results if x["router"] == rn and x["workload"] == wl and x["clients"] == n
                          and x["slow_rate"] == slow]
                    ok = [x for x in rs if x["ok"]]
                    row = {"router": rn, "workload": wl, "clients": n, "slow_rate": slow, "runs": f"{len(ok)}/{len(rs)}",
                           "version": ok[0]["version"] if ok else (rs[0].get("version") if rs else "?"),
                           "rss_mb": med([x["peak_rss_kb"] / 1024 for x in ok]),
                           "errors": [x["error"] for x in rs if not x["ok"]]}
                    for k in keys:
                        row[k] = med([x.get(k) for x in ok])
                    group.append(row)
                base = next((g for g in group if g["router"] == "bird"), None)
                for row in group:
                    for k in ("full_s", "cpu_s", "rss_mb", "late_s"):
                        ok = base is not None and base[k][0] and row[k][0] is not None
                        row[f"{k}_vs_bird"] = row[k][0] / base[k][0] if ok else None
                rows += group
    return rows


def print_table(rows):
    out = []
    for wl in ARGS.workloads:
        for slow in ([0, ARGS.slow] if ARGS.slow else [0]):
            rs = [r for r in rows if r["workload"] == wl and r["slow_rate"] == slow]
            if not rs:
                continue
            extra = f", one more client reading {slow / 1e6:g} MB/s" if slow else ""
            out.append(f"\n### Workload {wl}{extra}\n")
            head = "| clients | router | last client full s | × BIRD | router CPU s | × BIRD | peak RSS MB | × BIRD " \
                   "| first route s |"
            head += " late client s | × BIRD |" if not slow and ARGS.late else ""
            head += " slow client s |" if slow else ""
            out.append(head)
            out.append("|" + "---|" * (head.count("|") - 1))
            for r in rs:
                line = (f"| {r['clients']} | {r['router']} | {fmt(r['full_s'])} | {ratio(r, 'full_s_vs_bird')} "
                        f"| {fmt(r['cpu_s'])} | {ratio(r, 'cpu_s_vs_bird')} | {fmt(r['rss_mb'], 0)} | {ratio(r, 'rss_mb_vs_bird')} "
                        f"| {fmt(r['first_s'], 4)} |")
                if not slow and ARGS.late:
                    line += f" {fmt(r['late_s'])} | {ratio(r, 'late_s_vs_bird')} |"
                if slow:
                    line += f" {fmt(r['slow_full_s'])} |"
                out.append(line)
                for e in r["errors"]:
                    out.append(f"<!-- {r['router']} {r['clients']}: {e} -->")
    text = "\n".join(out)
    print(text)
    return text


def main():
    global ARGS
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(here, "..", "..", "build"), help="CMake build directory")
    ap.add_argument("--build-type", default="RelWithDebInfo", help="recorded in catsd's version string")
    ap.add_argument("--routers", default="catsd,bird,frr", help="comma list of " + ",".join(ROUTERS))
    ap.add_argument("--workloads", default="A,B")
    ap.add_argument("--receivers", default="4,16", help="comma list of client counts")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--prefixes", type=int, default=1_000_000, help="paths per run (B: prefixes = paths / 4)")
    ap.add_argument("--late", action="store_true", help="then a client that connects once the table is in")
    ap.add_argument("--slow", type=float, default=0, help="also runs with one more client reading this many "
                                                          "octets/s")
    ap.add_argument("--timeout", type=float, default=120.0, help="per wait, s")
    ap.add_argument("--router-cpu", default="0")
    ap.add_argument("--feeder-cpu", default="1")
    ap.add_argument("--out", default=None, help="JSON results file (default: reflect-results-<time>.json in --workdir)")
    ap.add_argument("--workdir", default="/tmp")
    ap.add_argument("--keep", action="store_true", help="keep each run's work dir (configs, logs)")
    ap.add_argument("--verbose", action="store_true")
    ARGS = ap.parse_args()
    ARGS.routers = ARGS.routers.split(",")
    ARGS.workloads = [w.upper() for w in ARGS.workloads.split(",")]
    ARGS.receivers = [int(n) for n in ARGS.receivers.split(",")]
    if max(ARGS.receivers) > 200:
        sys.exit("at most 200 clients")
    for rn in ARGS.routers:
        if rn not in ROUTERS:
            sys.exit(f"unknown router {rn}")
    bindir = os.path.join(os.path.abspath(ARGS.build), "bin")
    ARGS.catsd, ARGS.catsctl, ARGS.feeder, ARGS.receiver = (
        os.path.join(bindir, n) for n in ("catsd", "catsctl", "ingest_feeder", "reflect_receiver"))
    for p in (ARGS.feeder, ARGS.receiver) + ((ARGS.catsd, ARGS.catsctl) if "catsd" in ARGS.routers else ()):
        if not os.access(p, os.X_OK):
            sys.exit(f"missing {p}")
    if os.geteuid() != 0:
        print("needs root (network namespaces)", file=sys.stderr)
        return 77
    os.sched_setaffinity(0, {int(c) for c in ARGS.feeder_cpu.split(",")})
    raise_on_signals()

    results = []
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        for wl in ARGS.workloads:
            for n in ARGS.receivers:
                for slow in ([0, ARGS.slow] if ARGS.slow else [0]):
                    for i in range(ARGS.runs):
                        for rn in ARGS.routers:  # alternate routers within each round
                            res = one_run(rn, wl, n, i + 1, slow)
                            results.append(res)
                            if res["ok"]:
                                msg = (f"full {res['full_s']:.3f} s first {res['first_s']:.4f} s "
                                       f"cpu {res['cpu_s']:.3f} s rss {res['peak_rss_kb'] / 1024:.0f} MB")
                                if "late_s" in res:
                                    msg += f" late {res['late_s']:.3f} s"
                                if "slow_full_s" in res:
                                    msg += f" slow {res['slow_full_s']:.3f} s"
                            else:
                                msg = f"FAILED: {res['error']}"
                            print(f"[{wl} x{n}{' slow' if slow else ''} run {i + 1}] {rn}: {msg}", file=sys.stderr,
                                  flush=True)
    except Interrupted:
        print("interrupted", file=sys.stderr)
    finally:
        ns_down()
    rows = summarise(results)
    table = print_table(rows)
    out = ARGS.out or os.path.join(ARGS.workdir, f"reflect-results-{time.strftime('%Y%m%d-%H%M%S')}.json")
    return write_results(out, started, sys.argv, ARGS.prefixes, results, rows, table)


if __name__ == "__main__":
    sys.exit(main())
