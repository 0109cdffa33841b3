#!/usr/bin/python3
"""Metric step -> kernel route: how long from a site's metric change to the ingress's kernel forwarding following it,
catsd against FRR 8.4 (bgpd + zebra) on the same topology, interleaved.

Topology (interop/labkit/sites.py, namespaces fb<pid>-*): an ingress, edge1 (IGP cost 10) and edge2 (cost 20), iBGP
between loopbacks, both edges originating the service prefixes. The watched prefix is text-to-image's
203.0.113.20/32. A step alternately makes edge1 unattractive and attractive again, so the ingress's choice flips
edge2 <-> edge1 and the kernel route for the prefix follows:

  catsd  edge1's L2 score 8 -> 2 (below the class's leave-threshold 6) and back to 8, through the gRPC
         InjectMetrics call on edge1's catsd (what `catsctl inject text-to-image --l2 N` does; from this process, so
         no catsctl start-up is in the time). The class delay-tolerant has hold-down 0 and margin 0 so that it flips
         back at once; the edge sends at once (Inject bypasses the collector's damper; MRAI 0).
  frr    edge1's bgpd sets LOCAL_PREF 50 (edge2: 100) on its outbound route-map and back to 100 (then the IGP cost
         makes edge1 best again), through a connection to its vty socket (what vtysh does, without vtysh's start-up;
         that is measured on its own); `bgp route-map delay-timer 0` makes bgpd apply it at once. The ingress is
         bgpd + zebra, which installs the route.

For each step: t0 = just before the call; t_up = the kernel's receive timestamp of the first BGP UPDATE from edge1
on the ingress's link (AF_PACKET, bench/fib/nlwatch.py); t_rt = when the ingress namespace's netlink notifications
(RTM_NEWROUTE or RTM_NEWNEXTHOP) show the prefix forwarded through the new site's gateway. total = t_rt - t0,
edge+wire = t_up - t0, ingress = t_rt - t_up.

Rounds alternate the implementations (catsd, frr, frr, catsd, ...); each round builds the namespaces anew, starts the
daemons, makes `--warmup` steps that are not counted and `--steps` that are. Everything is stopped by PID and the
namespaces removed at the end, also on failure or Ctrl-C.

    sudo bench/fib/latency.py --build build                       # 4 rounds x 50 steps each for catsd and FRR
    sudo bench/fib/latency.py --build build --smoke               # 1 round x 8 steps each; exit 1 if a step fails
Exit status: 0 all steps done, 1 a failure, 77 not root.
"""
import argparse
import json
import math
import os
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "interop"))
from labkit import frr as frrkit  # noqa: E402
from labkit.catsd import Catsd  # noqa: E402
from labkit.check import Failure, wait_for  # noqa: E402
from labkit.proc import Interrupted, Procs, deb_version, print_tail, raise_on_signals, run, signals_ignored  # noqa: E402,E501
from labkit.sites import AS, DEFAULT_SITES, INGRESS_LO, SERVICES, Topology  # noqa: E402

SERVICE = "text-to-image"
PREFIX = SERVICES[SERVICE][0]
SITES = DEFAULT_SITES[:2]  # edge1, edge2: the cloud is not needed
# Flip back at once: no hold-down, no margin (edge1's penalty is lower by 1.25 when it is back at 8).
CLASSES = [{"name": "delay-tolerant", "hold-down": 0, "margin": "0"}]
L2_UP, L2_DOWN = 8, 2          # catsd: edge1's L2 (leave-threshold 6)
LP_UP, LP_DOWN = 100, 50       # FRR: edge1's LOCAL_PREF (edge2: 100)
NLWATCH = os.path.join(HERE, "nlwatch.py")
ARGS = None


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


class Probe:
    """nlwatch.py in the ingress namespace: route changes of PREFIX and UPDATE arrivals, as a queue of dicts."""

    def __init__(self, procs, topo, wd):
        cmd = ["/usr/bin/python3", NLWATCH, "--watch", PREFIX] + [a for s in topo.sites for a in ("--capture",
                                                                                                   f"s{s.n}")]
        self.proc = procs.spawn("nlwatch", cmd, os.path.join(wd, "nlwatch.err"), ns=topo.ingress.ns, pipe=True)
        self.q = queue.Queue()
        self.via = None
        threading.Thread(target=self.read, daemon=True).start()
        ev = self.get(10)
        if ev is None or ev.get("e") != "ready":
            raise Failure(f"nlwatch did not start: {ev}")
        self.via = ev["via"].get(PREFIX)

    def read(self):
        for line in self.proc.popen.stdout:
            try:
                self.q.put(json.loads(line))
            except ValueError:
                pass
        self.q.put(None)

    def get(self, timeout):
        try:
            return self.q.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None

    def drain(self):
        while True:
            try:
                ev = self.q.get_nowait()
            except queue.Empty:
                return
            if ev and ev.get("e") == "rt" and ev["p"] == PREFIX:
                self.via = ev["via"]

    def wait_via(self, want, t0, timeout, src):
        """(t_rt, [UPDATE events after t0], [intermediate vias]) once PREFIX goes via [want]; Failure on timeout.
        An UPDATE from src printed after the route change (nlwatch read both late) is waited for a little."""
        ups, seen, t_rt = [], [], None
        end = time.monotonic() + timeout
        while True:
            ev = self.get(end - time.monotonic())
            if ev is None:
                if t_rt is not None:
                    return t_rt, ups, seen
                raise Failure(f"{PREFIX} not via {want} within {timeout}s (last: {self.via}, seen {seen})")
            if ev["e"] == "up" and ev["t"] >= t0 - 0.001:
                ups.append(ev)
            elif ev["e"] == "rt" and ev["p"] == PREFIX:
                self.via = ev["via"]
                if ev["via"] == [want] and t_rt is None:
                    t_rt = ev["t"]
                    end = min(end, time.monotonic() + 0.2)
                elif t_rt is None:
                    seen.append(ev["via"])
            elif ev["e"] == "overrun":
                raise Failure("nlwatch: netlink socket overrun")
            if t_rt is not None and any(u["src"] == src for u in ups):
                return t_rt, ups, seen


# ---- the two implementations --------------------------------------------------------------------------------

class CatsdImpl:
    name = "catsd"

    def __init__(self, topo, procs, wd):
        self.topo, self.procs, self.wd = topo, procs, wd
        self.stub = self.pb = None

    def version(self):
        git = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], check_rc=False).stdout.strip()
        return f"catsd (source tree at {git} when run; {ARGS.catsd})"

    def start(self):
        t = self.topo
        for s in t.sites:
            s.catsd = Catsd(s.host, t.site_config(s, L2_UP), ARGS.catsd, ARGS.catsctl,
                            api=f"unix:{s.host.dir}/api.sock", name=f"catsd {s.name}").start()
        cfg = t.ingress_config(classes=CLASSES)
        cfg["fib"] = {"scope": "services"}
        t.ingress.catsd = Catsd(t.ingress, cfg, ARGS.catsd, ARGS.catsctl, api=f"unix:{t.ingress.dir}/api.sock",
                                name="catsd ingress").start()
        import grpc
        from proto import catsd_pb2, catsd_pb2_grpc
        self.pb = catsd_pb2
        self.channel = grpc.insecure_channel(t.site("edge1").catsd.api)
        self.stub = catsd_pb2_grpc.CatsdStub(self.channel)

    def step(self, down):
        self.stub.InjectMetrics(self.pb.InjectMetricsRequest(service=SERVICE, l2=L2_DOWN if down else L2_UP),
                                timeout=5)

    def tool_cost(self):
        """catsctl's own start-up: a read-only command against edge1, timed."""
        e1 = self.topo.site("edge1").catsd
        return "catsctl show neighbors", timed(lambda: run([ARGS.catsctl, "--server", e1.api, "show", "neighbors"]))

    def logs(self):
        return [(h.name, os.path.join(h.dir, "catsd.log")) for h in [self.topo.ingress] + [s.host for s in
                                                                                         self.topo.sites]]

    def close(self):
        if self.stub is not None:
            self.channel.close()


class FrrImpl:
    name = "frr"

    def __init__(self, topo, procs, wd):
        self.topo, self.procs, self.wd = topo, procs, wd
        self.vty = None
        self.edges = {}

    def version(self):
        return f"FRR {deb_version('frr')} (edges bgpd -Z, ingress bgpd + zebra)"

    def start(self):
        t = self.topo
        for s in t.sites:
            # edge1's outbound route-map sets LOCAL_PREF on the watched prefix; it is what a step edits.
            rmap = ""
            if s.name == "edge1":
                rmap = (f"ip prefix-list STEP-P seq 5 permit {PREFIX}\n"
                        f"route-map STEP permit 10\n match ip address prefix-list STEP-P\n"
                        f" set local-preference {LP_UP}\nexit\nroute-map STEP permit 20\nexit\n")
            conf = ("bgp route-map delay-timer 0\n" + rmap + frrkit.router(AS, s.lo, networks=True)
                    + frrkit.neighbor(INGRESS_LO, AS) + f" neighbor {INGRESS_LO} update-source {s.lo}\n"
                    + " address-family ipv4 unicast\n"
                    + "".join(f"  network {p}\n" for p, _ in SERVICES.values())
                    + (f"  neighbor {INGRESS_LO} route-map STEP out\n" if rmap else "")
                    + " exit-address-family\n")
            self.edges[s.name] = frrkit.FRR(s.host, log_level="warnings").start(conf)
        conf = frrkit.router(AS, INGRESS_LO)
        for s in t.sites:
            conf += frrkit.neighbor(s.lo, AS) + f" neighbor {s.lo} update-source {INGRESS_LO}\n"
        self.ingress = frrkit.FRR(t.ingress, log_level="warnings", zebra=True).start(conf)
        self.vty = self.edges["edge1"].vty("bgpd")

    def step(self, down):
        for line in ("configure terminal", "route-map STEP permit 10",
                     f"set local-preference {LP_DOWN if down else LP_UP}", "end",
                     f"clear bgp ipv4 unicast {INGRESS_LO} soft out"):
            self.vty.cmd(line)

    def tool_cost(self):
        """vtysh's own invocation: a read-only command against edge1's bgpd, timed."""
        e1 = self.edges["edge1"]
        return "vtysh -c 'show route-map STEP'", timed(lambda: e1.vtysh("show route-map STEP"))

    def logs(self):
        out = []
        for name, d in list(self.edges.items()) + [("ingress", getattr(self, "ingress", None))]:
            if d is not None:
                out += [(f"{name} {f}", d.path(f)) for f in ("bgpd.log", "zebra.log")]
        return out

    def close(self):
        if self.vty:
            self.vty.close()


IMPLS = {c.name: c for c in (CatsdImpl, FrrImpl)}


def timed(fn, n=None):
    n = n or ARGS.tool_samples
    out = []
    for _ in range(n):
        t = time.monotonic()
        fn()
        out.append((time.monotonic() - t) * 1000)
    return out


# ---- one round ----------------------------------------------------------------------------------------------

def one_round(impl_name, rnd):
    wd = tempfile.mkdtemp(prefix=f"fibl-{impl_name}-", dir=ARGS.workdir)
    os.chmod(wd, 0o755)
    procs = Procs()
    topo = Topology(f"fb{os.getpid()}-", wd, procs, sites=SITES)
    impl = IMPLS[impl_name](topo, procs, wd)
    res = {"impl": impl_name, "round": rnd, "ok": False, "steps": [], "load_start": loadavg()}
    failed = True
    try:
        topo.build()
        probe = Probe(procs, topo, wd)
        res["version"] = impl.version()
        impl.start()
        edge1, edge2 = topo.site("edge1"), topo.site("edge2")
        wait_for(f"{impl_name}: {PREFIX} in the kernel via edge1",
                 lambda: (probe.drain(), probe.via == [edge1.link])[1], 30, interval=0.1, quiet=True)
        res["tool"], res["tool_ms"] = impl.tool_cost()
        down = True
        for i in range(ARGS.warmup + ARGS.steps):
            time.sleep(ARGS.gap * random.uniform(0.5, 1.5))
            probe.drain()
            want = edge2 if down else edge1
            t0 = time.monotonic()
            impl.step(down)
            t_call = time.monotonic()
            t_rt, ups, seen = probe.wait_via(want.link, t0, ARGS.step_timeout, edge1.lo)
            up = next((u for u in ups if u["src"] == edge1.lo), None)
            rec = {"i": i, "to": want.name, "t0": t0, "call_ms": (t_call - t0) * 1000, "total_ms": (t_rt - t0) * 1000,
                   "edge_ms": (up["t"] - t0) * 1000 if up else None,
                   "ingress_ms": (t_rt - up["t"]) * 1000 if up else None,
                   "updates": sum(u["n"] for u in ups if u["src"] == edge1.lo), "transient": seen,
                   "warmup": i < ARGS.warmup}
            res["steps"].append(rec)
            down = not down
        res["ok"] = True
        failed = False
    except Exception as e:  # noqa: BLE001 - recorded, the series goes on
        res["error"] = f"{type(e).__name__}: {e}"
        if ARGS.verbose:
            traceback.print_exc()
    finally:
        with signals_ignored():
            impl.close()
            procs.stop_all()
            topo.close()
            res["load_end"] = loadavg()
            if failed:
                for title, path in impl.logs():
                    if os.path.exists(path):
                        print_tail(path, title, 15)
                if os.path.exists(os.path.join(wd, "nlwatch.err")):
                    print_tail(os.path.join(wd, "nlwatch.err"), "nlwatch", 10)
            if ARGS.keep:
                res["workdir"] = wd
            else:
                shutil.rmtree(wd, ignore_errors=True)
    return res


# ---- the series ---------------------------------------------------------------------------------------------

def pct(vals, q):
    """Nearest-rank percentile."""
    s = sorted(vals)
    return s[max(0, math.ceil(q / 100 * len(s)) - 1)] if s else None


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return {"n": len(vals), "p50": statistics.median(vals), "p90": pct(vals, 90), "p99": pct(vals, 99),
            "max": max(vals), "min": min(vals), "mean": statistics.fmean(vals)}


def summarise(results):
    rows = {}
    for name in ARGS.impls:
        steps = [s for r in results if r["impl"] == name and r["ok"] for s in r["steps"] if not s["warmup"]]
        tool = [v for r in results if r["impl"] == name and r.get("tool_ms") for v in r["tool_ms"]]
        rows[name] = {"steps": len(steps), "rounds": f"{sum(r['ok'] for r in results if r['impl'] == name)}/"
                                                      f"{sum(1 for r in results if r['impl'] == name)}",
                      "total": stats([s["total_ms"] for s in steps]), "edge": stats([s["edge_ms"] for s in steps]),
                      "ingress": stats([s["ingress_ms"] for s in steps]), "call": stats([s["call_ms"] for s in steps]),
                      "to_edge2": stats([s["total_ms"] for s in steps if s["to"] == "edge2"]),
                      "to_edge1": stats([s["total_ms"] for s in steps if s["to"] == "edge1"]),
                      "transient_steps": sum(1 for s in steps if s["transient"]),
                      "no_update_seen": sum(1 for s in steps if s["edge_ms"] is None),
                      "tool": next((r["tool"] for r in results if r["impl"] == name and r.get("tool")), None),
                      "tool_ms": stats(tool),
                      "version": next((r["version"] for r in results if r["impl"] == name and r.get("version")), "?")}
    return rows


def print_table(rows):
    def f(st, k):
        return f"{st[k]:.2f}" if st else "-"
    out = ["| implementation | steps | total p50 ms | p90 | p99 | max | edge+wire p50 | p99 | ingress p50 | p99 "
           "| call p50 ms |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        out.append(f"| {name} | {r['steps']} | {f(r['total'], 'p50')} | {f(r['total'], 'p90')} | "
                   f"{f(r['total'], 'p99')} | {f(r['total'], 'max')} | {f(r['edge'], 'p50')} | {f(r['edge'], 'p99')} "
                   f"| {f(r['ingress'], 'p50')} | {f(r['ingress'], 'p99')} | {f(r['call'], 'p50')} |")
    if "catsd" in rows and "frr" in rows and rows["catsd"]["total"] and rows["frr"]["total"]:
        c, r = rows["catsd"], rows["frr"]
        ratios = {k: {q: c[k][q] / r[k][q] for q in ("p50", "p99")} for k in ("total", "edge", "ingress")
                  if c[k] and r[k] and r[k]["p50"] and r[k]["p99"]}
        out.append("\ncatsd / FRR: " + ", ".join(f"{k} p50 {v['p50']:.3f}x p99 {v['p99']:.3f}x"
                                                  for k, v in ratios.items()))
        rows["ratios"] = ratios
    for name, r in list(rows.items()):
        if name != "ratios" and r.get("no_update_seen"):
            out.append(f"{name}: {r['no_update_seen']} steps without the UPDATE seen on the link (not in the split)")
        if name != "ratios" and r.get("tool_ms"):
            out.append(f"{name}: `{r['tool']}` takes p50 {r['tool_ms']['p50']:.1f} ms (min {r['tool_ms']['min']:.1f},"
                       f" max {r['tool_ms']['max']:.1f}; n {r['tool_ms']['n']}), not counted in the steps")
    text = "\n".join(out)
    print(text)
    return text


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="CMake build directory (bin/catsd ...)")
    ap.add_argument("--catsd", help="default BUILD/bin/catsd")
    ap.add_argument("--catsctl", help="default BUILD/bin/catsctl")
    ap.add_argument("--proto", default=os.path.join(ROOT, "proto", "catsd.proto"))
    ap.add_argument("--plugin", default="/usr/bin/grpc_python_plugin", help="protoc's Python gRPC plugin")
    ap.add_argument("--impls", default="catsd,frr", help="comma list of " + ",".join(IMPLS))
    ap.add_argument("--rounds", type=int, default=4, help="rounds per implementation")
    ap.add_argument("--steps", type=int, default=50, help="counted steps per round")
    ap.add_argument("--warmup", type=int, default=2, help="steps per round not counted")
    ap.add_argument("--gap", type=float, default=0.2, help="mean pause between steps, s (0.5x..1.5x, random)")
    ap.add_argument("--step-timeout", type=float, default=5.0)
    ap.add_argument("--tool-samples", type=int, default=10, help="timed catsctl/vtysh invocations per round")
    ap.add_argument("--out", help="JSON results (default: fib-latency-<time>.json in --workdir)")
    ap.add_argument("--workdir", default="/tmp")
    ap.add_argument("--keep", action="store_true", help="keep each round's directory (configs, logs)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="1 round x 8 steps per implementation (FRR only if "
                                                         "installed); exit 1 unless every step completes")
    ARGS = ap.parse_args()
    ARGS.impls = ARGS.impls.split(",")
    if ARGS.smoke:
        ARGS.rounds, ARGS.steps, ARGS.warmup, ARGS.tool_samples = 1, 8, 1, 3
        if not os.access(frrkit.ZEBRA, os.X_OK):
            ARGS.impls = [i for i in ARGS.impls if i != "frr"]
    bindir = os.path.join(os.path.abspath(ARGS.build), "bin")
    ARGS.catsd = ARGS.catsd or os.path.join(bindir, "catsd")
    ARGS.catsctl = ARGS.catsctl or os.path.join(bindir, "catsctl")
    for i in ARGS.impls:
        if i not in IMPLS:
            sys.exit(f"unknown implementation {i}")
    need = ([ARGS.catsd, ARGS.catsctl, ARGS.plugin] if "catsd" in ARGS.impls else []) + \
        ([frrkit.BGPD, frrkit.ZEBRA] if "frr" in ARGS.impls else [])
    for p in need:
        if not os.access(p, os.X_OK):
            sys.exit(f"missing {p}")
    if os.geteuid() != 0:
        print("needs root (network namespaces): skipped")
        return 77
    raise_on_signals()
    stubs = tempfile.mkdtemp(prefix="fibl-stubs-", dir=ARGS.workdir)
    results = []
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        if "catsd" in ARGS.impls:
            subprocess.run(["protoc", f"--proto_path={os.path.dirname(os.path.dirname(ARGS.proto))}",
                            f"--python_out={stubs}", f"--grpc_out={stubs}", f"--plugin=protoc-gen-grpc={ARGS.plugin}",
                            ARGS.proto], check=True)
            sys.path.insert(0, stubs)
        for rnd in range(ARGS.rounds):
            order = ARGS.impls if rnd % 2 == 0 else list(reversed(ARGS.impls))
            for name in order:
                res = one_round(name, rnd + 1)
                results.append(res)
                st = stats([s["total_ms"] for s in res["steps"] if not s["warmup"]])
                msg = (f"p50 {st['p50']:.2f} ms p99 {st['p99']:.2f} ms max {st['max']:.2f} ms ({st['n']} steps)"
                       if res["ok"] and st else f"FAILED: {res.get('error')}")
                print(f"[round {rnd + 1}] {name}: {msg}; load {res['load_start'][0]:.2f}", file=sys.stderr,
                      flush=True)
    except Interrupted:
        print("interrupted", file=sys.stderr)
    finally:
        shutil.rmtree(stubs, ignore_errors=True)
    rows = summarise(results)
    table = print_table(rows)
    out = ARGS.out or os.path.join(ARGS.workdir, f"fib-latency-{time.strftime('%Y%m%d-%H%M%S')}.json")
    with open(out, "w") as f:
        json.dump({"started": started, "command": " ".join(sys.argv), "host": os.uname().nodename,
                   "cpus": os.cpu_count(), "rounds": results, "summary": rows, "table": table}, f, indent=1)
    print(f"\nresults: {out}", file=sys.stderr)
    ok = results and all(r["ok"] for r in results) and len(results) == ARGS.rounds * len(ARGS.impls)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
