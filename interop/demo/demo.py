#!/usr/bin/python3
"""The CATS demo: real HTTP requests steered by compute load, through the kernel's forwarding table.

Namespaces (interop/labkit/sites.py): a client -> an ingress -> edge1 (near), edge2 (farther) and a cloud site.
Every site runs an inference front end on the anycast addresses of two services, live-avatar (delay-sensitive) and
text-to-image (delay-tolerant), answering after a delay that grows with its simulated load; loadsim serves that
load as vLLM metrics, which the site's catsd collector scrapes, scores and advertises. The ingress is catsd: it
selects a site per service and programs the kernel, which forwards the client's requests. With --ingress frr the
ingress forwards with an unmodified FRR (bgpd + zebra), and catsd beside it, in the controller role, sends FRR the
selection as plain BGP (docs/STEERING.md, controller mode); the phases and expectations are the same.

Phases, each with an expectation checked against the requests' answers:
  a  all idle: both services go to the nearest edge (edge1)
  b  edge1's load rises: text-to-image (delay-tolerant) moves to edge2 before live-avatar (delay-sensitive)
  c  both edges overloaded (at L2 0 a site drains and withdraws): the cloud serves both
  d  edge1 recovers: both return to edge1, without flapping
  e  edge2 takes text-to-image again, then its catsd is killed: its share moves within the hold time
A device asks `catsctl resolve` in every phase. Output in --out (default ./demo-out): summary.json, timeline.png,
requests.jsonl, every daemon's log. Exit 0 when every phase held, 1 when one did not, 77 when not root.

    interop/demo/demo.py --catsd build/bin/catsd --catsctl build/bin/catsctl [--out DIR] [--quick] [--ingress frr]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from labkit.catsd import Catsd, FAST  # noqa: E402
from labkit.check import Failure, wait_for  # noqa: E402
from labkit.frr import FRR  # noqa: E402
from labkit.proc import Procs, raise_on_signals, signals_ignored  # noqa: E402
from labkit.sites import AS, CLOUD_COMMUNITY, SERVICES, Topology  # noqa: E402

ARGS = None
SHORT = {"live-avatar": "avatar", "text-to-image": "t2i"}
RTT_MS = {"edge1": 2, "edge2": 8, "cloud": 40}
HOLD = 9  # the sessions' hold time (labkit FAST timers)
# Queue lengths (loadsim) -> L2 with the demo's profile (queue 0 -> 10, 20 -> 0).
IDLE, MEDIUM, HEAVY, OVERLOAD = 1, 10, 17, 25


def say(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


class Demo:
    def __init__(self, out, ingress, quick):
        self.out = out
        self.dir = tempfile.mkdtemp(prefix="catsd-demo-")
        self.procs = Procs()
        self.frr, self.quick = ingress == "frr", quick
        self.topo = Topology(f"dm{os.getpid()}-", self.dir, self.procs, controller=self.frr)
        self.route_proto = "bgp" if self.frr else "201"  # FRR's zebra installs its routes as protocol bgp
        self.loadsim = {}  # site -> control port
        self.samples = []  # (t, {service: {site: l2}}, {service: [selected sites]})
        self.phases = []  # (name, t0, t1, expectation fn, text)
        self.resolves = {}
        self.stop_sampling = threading.Event()
        self.client = None
        self.records = []  # the client's answers, one dict per request

    # ---- set-up

    def site_config(self, s, ports):
        svc = [{"name": name, "prefix": [p], "profile": 1, "metrics": {"l2-score": 5}}
               for name, (p, _) in SERVICES.items()]
        nbr = {"address": self.topo.peer_lo, "remote-as": AS, "local-address": self.topo.site_addr(s),
               "timers": dict(FAST),
               "afi-safis": {"afi-safi": [{"name": "ipv4-unicast"}]}}
        if s.cloud:
            nbr["policy"] = {"export": {"add-community": [CLOUD_COMMUNITY]}}
        targets = [{"name": f"{SHORT[name]}", "url": f"http://127.0.0.1:{ports[f'{s.name}-{SHORT[name]}']}/metrics",
                    "engine": "vllm", "interval": 500, "timeout": 400, "stale-after": 3000, "service": name}
                   for name in SERVICES]
        listen = sorted({s.lo, self.topo.site_addr(s)})
        return {"global": {"as": AS, "router-id": s.lo, "role": ["edge"], "listen": {"address": listen, "port": 179}},
                "neighbors": {"neighbor": [nbr]}, "services": {"service": svc},
                "scoring": {"profile": [{"id": 1, "name": "demo",
                                         "input": [{"name": "queue", "full": "0", "zero": "20"}]}]},
                "damper": {"half-life": 500, "min-interval": 1, "threshold": "1"},
                "collector": {"target": targets}}

    def start(self):
        say("building the namespaces: client -> ingress -> edge1 (IGP cost 10), edge2 (20), cloud (50)")
        self.topo.build()
        for s in self.topo.sites:
            port_file = os.path.join(s.host.dir, "loadsim.ports")
            self.procs.spawn(f"loadsim {s.name}", [sys.executable, os.path.join(HERE, "..", "loadsim", "loadsim.py"),
                                                   "--listen", f"vllm:0:{s.name}-avatar", "--listen",
                                                   f"vllm:0:{s.name}-t2i", "--control", "0",
                                                   "--port-file", port_file],
                             os.path.join(s.host.dir, "loadsim.log"), ns=s.host.ns)
            ports = wait_for(f"loadsim at {s.name}", lambda: json.load(open(port_file)) if os.path.exists(
                port_file) and os.path.getsize(port_file) > 0 else None, 10, quiet=True)
            self.loadsim[s.name] = ports["control"]
            serve = [f"{p.split('/')[0]}:{name}:{s.name}-{SHORT[name]}" for name, (p, _) in SERVICES.items()]
            self.procs.spawn(f"front end {s.name}", [sys.executable, os.path.join(HERE, "site_server.py"),
                                                     "--site", s.name, "--rtt-ms", str(RTT_MS[s.name]),
                                                     "--loadsim-control", str(ports["control"])] +
                             sum((["--serve", x] for x in serve), []),
                             os.path.join(s.host.dir, "front.log"), ns=s.host.ns)
            front_log = os.path.join(s.host.dir, "front.log")
            wait_for(f"front end at {s.name}", lambda: "ready" in open(front_log).read(), 10, quiet=True)
            self.set_load(s.name, IDLE)
            s.catsd = Catsd(s.host, self.site_config(s, ports["instances"]), ARGS.catsd, ARGS.catsctl,
                            api=f"{s.lo}:50051", name=f"catsd {s.name}").start()
        classes = [{"name": "delay-sensitive", "hold-down": 10}, {"name": "delay-tolerant", "hold-down": 10}]
        if self.frr:
            config = self.topo.controller_config(classes=classes, extra_steering=self.topo.controller_costs())
            name = "catsd controller"
        else:
            config, name = self.topo.ingress_config(classes=classes), "catsd ingress"
        self.topo.ingress.catsd = Catsd(self.topo.ingress, config, ARGS.catsd, ARGS.catsctl,
                                        api=f"{self.topo.peer_lo}:50051", name=name).start()
        if self.frr:
            say("the ingress forwards with FRR (bgpd + zebra); catsd beside it is the controller")
            os.chmod(self.dir, 0o755)  # zebra runs as user frr
            FRR(self.topo.ingress, log_level="warnings", zebra=True, listen=False).start(
                self.topo.frr_ingress_config())
        wait_for("the ingress has both services from all three sites", lambda: all(
            len(self.view(p)["candidates"]) == 3 for p, _ in SERVICES.values()), 30)
        wait_for("the kernel forwards both services", lambda: len(self.kernel_routes()) == 2, 15)
        self.client = self.procs.spawn("client", [sys.executable, os.path.join(HERE, "client.py"), "--rate", "10"] +
                                       sum((["--service", f"{n}={p.split('/')[0]}"] for n, (p, _) in SERVICES.items()),
                                           []),
                                       os.path.join(self.dir, "client.err"), ns=self.topo.client.ns, pipe=True)
        threading.Thread(target=self.read_client, daemon=True).start()
        threading.Thread(target=self.sample, daemon=True).start()
        say("clients: 10 requests/s per service, a new connection each")

    def read_client(self):
        for line in self.client.popen.stdout:
            try:
                self.records.append(json.loads(line))
            except ValueError:
                pass

    def sample(self):
        """The ingress's view every second: L2 per site, the selection per service."""
        while not self.stop_sampling.is_set():
            try:
                j = json.loads(self.ingress().ctl("show", "services", "--json", check_rc=False).stdout or "{}")
                l2, sel = {}, {}
                for v in j.get("services", []):
                    svc = next((n for n, (p, _) in SERVICES.items() if p == v["prefix"]), None)
                    if svc is None:
                        continue
                    l2[svc] = {self.site_of(c["next_hop"]): c.get("l2") for c in v["candidates"]}
                    sel[svc] = [self.site_of(x["next_hop"]) for x in v.get("selected", [])]
                self.samples.append((time.time(), l2, sel))
            except Exception:  # noqa: BLE001 - a sample missed while the ingress is busy
                pass
            self.stop_sampling.wait(1)

    # ---- helpers

    def ingress(self):
        return self.topo.ingress.catsd

    def site_of(self, next_hop):
        for s in self.topo.sites:
            if next_hop in (s.lo, s.link):
                return s.name
        return next_hop

    def view(self, prefix):
        j = json.loads(self.ingress().ctl("show", "services", prefix, "--json").stdout)
        for v in j.get("services", []):
            if v["prefix"] == prefix:
                return v
        raise Failure(f"the ingress shows no service {prefix}")

    def kernel_routes(self):
        out = subprocess.run(["ip", "-n", self.topo.ingress.ns, "-j", "route", "show", "proto", self.route_proto],
                             capture_output=True, text=True).stdout
        return json.loads(out or "[]")

    def set_load(self, site, queue):
        s = self.topo.site(site)
        code = ("import json, urllib.request\n"
                f"for inst in ('{site}-avatar', '{site}-t2i'):\n"
                f"    req = urllib.request.Request('http://127.0.0.1:{self.loadsim[site]}/control', method='POST',\n"
                f"        data=json.dumps({{'instance': inst, 'set': {{'queue': {queue}, 'running': 4}}}}).encode())\n"
                "    urllib.request.urlopen(req, timeout=3).read()\n")
        subprocess.run(["ip", "netns", "exec", s.host.ns, sys.executable, "-c", code], check=True, timeout=10)

    def resolve(self, phase, service, budget):
        r = self.ingress().ctl("resolve", service, "--latency-budget", str(budget), "--json", check_rc=False)
        try:
            j = json.loads(r.stdout)
        except ValueError:
            j = {"verdict": "error", "reason": r.stderr.strip()}
        site = self.site_of(j.get("site", {}).get("next_hop", "")) if j.get("site") else None
        self.resolves.setdefault(phase, []).append({"service": service, "budget_ms": budget,
                                                    "verdict": j.get("verdict"), "site": site,
                                                    "reason": j.get("reason")})
        say(f"  device: resolve {service} within {budget} ms -> {j.get('verdict')}"
            + (f" at {site}" if site else "") + f" ({j.get('reason', '')})")

    def wait(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(min(1.0, end - time.monotonic()))
            if self.client.popen.poll() is not None:
                raise Failure("the client stopped")

    def share(self, service, t0, t1):
        """{site: count} of the answered requests of `service` sent in [t0, t1)."""
        counts = {}
        for r in self.records:
            if r["svc"] == service and t0 <= r["t"] < t1 and r["site"]:
                counts[r["site"]] = counts.get(r["site"], 0) + 1
        return counts

    def mostly(self, service, site, t0, t1, at_least=0.9):
        c = self.share(service, t0, t1)
        total = sum(c.values())
        return total > 0 and c.get(site, 0) / total >= at_least, c

    # ---- the phases

    def phase(self, name, text, run, check):
        say(f"== phase {name}: {text}")
        t0 = time.time()
        notes = run() or {}
        t1 = time.time()
        ok, detail = check(t0, t1, notes)
        say(f"   {'held' if ok else 'DID NOT HOLD'}: {detail}")
        self.phases.append({"name": name, "text": text, "t0": t0, "t1": t1, "ok": ok, "detail": detail})

    def run(self):
        q = 0.5 if self.quick else 1.0
        a_len, b_step, c_len, d_len = 20 * q, 2.5 * q, 25 * q, 25 * q

        def a_run():
            self.wait(a_len)
            self.resolve("a", "live-avatar", 50)

        def a_check(t0, t1, _):
            tail = t1 - a_len / 2
            r = [self.mostly(s, "edge1", tail, t1) for s in SERVICES]
            return all(ok for ok, _ in r), {s: c for s, (_, c) in zip(SERVICES, r)}

        def b_run():
            moved = {}
            for queue in range(2, 20, 2):
                self.set_load("edge1", queue)
                self.wait(b_step)
                now = time.time()
                for s in SERVICES:
                    if s not in moved and self.mostly(s, "edge2", now - b_step, now, 0.5)[0]:
                        moved[s] = (now, queue)
                        say(f"   {s} moved to edge2 at edge1 queue {queue}")
            self.wait(4 * q)
            self.resolve("b", "text-to-image", 50)
            return moved

        def b_check(t0, t1, moved):
            tail = [self.mostly(s, "edge2", t1 - 3 * q, t1) for s in SERVICES]
            order = "text-to-image" in moved and "live-avatar" in moved and \
                moved["text-to-image"][0] < moved["live-avatar"][0]
            return order and all(ok for ok, _ in tail), {
                "moved_at_queue": {s: v[1] for s, v in moved.items()},
                "end": {s: c for s, (_, c) in zip(SERVICES, tail)}}

        def c_run():
            self.set_load("edge1", OVERLOAD)
            self.set_load("edge2", OVERLOAD)
            self.wait(c_len)
            self.resolve("c", "live-avatar", 100)
            self.resolve("c", "live-avatar", 50)

        def c_check(t0, t1, _):
            r = [self.mostly(s, "cloud", t1 - c_len / 3, t1) for s in SERVICES]
            return all(ok for ok, _ in r), {s: c for s, (_, c) in zip(SERVICES, r)}

        def d_run():
            self.set_load("edge1", IDLE)
            self.wait(d_len)
            self.resolve("d", "live-avatar", 50)

        def d_check(t0, t1, _):
            r = [self.mostly(s, "edge1", t1 - d_len / 3, t1) for s in SERVICES]
            # Without flapping: the answering site changes at most twice per service over the phase.
            flips = {}
            for s in SERVICES:
                seq = [x["site"] for x in sorted(self.records, key=lambda x: x["t"])
                       if x["svc"] == s and t0 <= x["t"] < t1 and x["site"]]
                flips[s] = sum(1 for i in range(1, len(seq)) if seq[i] != seq[i - 1])
            return all(ok for ok, _ in r) and all(v <= 2 for v in flips.values()), {
                "end": {s: c for s, (_, c) in zip(SERVICES, r)}, "site_changes": flips}

        def e_run():
            self.set_load("edge1", MEDIUM)
            self.set_load("edge2", IDLE)
            wait_for("text-to-image on edge2, live-avatar on edge1", lambda: self.mostly(
                "text-to-image", "edge2", time.time() - 2, time.time())[0] and self.mostly(
                "live-avatar", "edge1", time.time() - 2, time.time())[0], 40)
            self.resolve("e", "text-to-image", 50)
            kill = time.time()
            say("   killing edge2's catsd (SIGKILL): the kernel closes its sessions, the ingress withdraws at once "
                f"(a hung one would go with the hold time, {HOLD} s)")
            self.topo.site("edge2").catsd.proc.kill9()
            self.wait(HOLD + 6 * q)
            self.resolve("e", "text-to-image", 50)
            return {"kill": kill}

        def e_check(t0, t1, notes):
            kill = notes["kill"]
            last_edge2 = max((x["t"] for x in self.records if x["svc"] == "text-to-image" and
                              x["site"] == "edge2"), default=kill)
            moved_after = last_edge2 - kill
            ok_tail, tail = self.mostly("text-to-image", "edge1", t1 - 3, t1)
            avatar_ok, avatar = self.mostly("live-avatar", "edge1", kill, t1)
            return moved_after <= HOLD + 2 and ok_tail and avatar_ok, {
                "text_to_image_left_edge2_after_s": round(max(0.0, moved_after), 1), "end": tail, "live_avatar": avatar}

        self.phase("a", "all idle: both services on the nearest edge (edge1)", a_run, a_check)
        self.phase("b", "edge1's load rises: text-to-image leaves first, live-avatar later", b_run, b_check)
        self.phase("c", "both edges overloaded: the cloud serves", c_run, c_check)
        self.phase("d", "edge1 recovers: traffic returns, without flapping", d_run, d_check)
        self.phase("e", "edge2's catsd killed: its share moves within the hold time", e_run, e_check)

    # ---- output

    def report(self):
        summary = {"ok": bool(self.phases) and all(p["ok"] for p in self.phases), "phases": []}
        print()
        for p in self.phases:
            recs = [r for r in self.records if p["t0"] <= r["t"] < p["t1"]]
            phase = {"name": p["name"], "ok": p["ok"], "expectation": p["text"], "detail": p["detail"],
                     "requests": {}, "errors": {}, "latency_ms": {}, "resolve": self.resolves.get(p["name"], []),
                     "start": round(p["t0"], 3), "end": round(p["t1"], 3)}
            print(f"phase {p['name']} ({'held' if p['ok'] else 'DID NOT HOLD'}): {p['text']}")
            print(f"  {'service':15} {'edge1':>6} {'edge2':>6} {'cloud':>6} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7}")
            for s in SERVICES:
                mine = [r for r in recs if r["svc"] == s]
                by_site = {}
                for r in mine:
                    if r["site"]:
                        by_site[r["site"]] = by_site.get(r["site"], 0) + 1
                lat = sorted(r["ms"] for r in mine if r["ms"] is not None)
                pct = (lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] if lat else None)
                phase["requests"][s] = by_site
                phase["errors"][s] = sum(1 for r in mine if r["err"])
                phase["latency_ms"][s] = {"p50": pct(0.5), "p99": pct(0.99)}
                print(f"  {s:15} {by_site.get('edge1', 0):6} {by_site.get('edge2', 0):6} {by_site.get('cloud', 0):6}"
                      f" {phase['errors'][s]:6} {str(pct(0.5)):>7} {str(pct(0.99)):>7}")
            summary["phases"].append(phase)
        with open(os.path.join(self.out, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
        with open(os.path.join(self.out, "requests.jsonl"), "w") as f:
            for r in self.records:
                f.write(json.dumps(r) + "\n")
        plotted = self.plot()
        say(f"summary: {'every phase held' if summary['ok'] else 'a phase did not hold'}; "
            f"{os.path.join(self.out, 'summary.json')}"
            + (f", {os.path.join(self.out, 'timeline.png')}" if plotted else ""))
        return summary["ok"]

    def plot(self):
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            say("python3-matplotlib missing: no timeline.png")
            return False
        if not self.records:
            return False
        t_start = min(r["t"] for r in self.records)
        sites = [s.name for s in self.topo.sites]
        colors = {"edge1": "tab:blue", "edge2": "tab:orange", "cloud": "tab:green"}
        fig, axes = plt.subplots(3, 1, figsize=(12, 8), sharex=True)
        ax = axes[0]
        styles = {"edge1": "-", "edge2": "--", "cloud": ":"}
        for site in sites:
            # Gaps where the site advertised nothing (withdrawn, or its catsd gone).
            xs = [t - t_start for t, _, _ in self.samples]
            ys = [l2.get("live-avatar", {}).get(site) for _, l2, _ in self.samples]
            ys = [float("nan") if y is None else y for y in ys]
            ax.step(xs, ys, where="post", label=site, color=colors[site], linestyle=styles[site], linewidth=2)
        ax.set_ylabel("L2 at the ingress\n(gap: not advertised)")
        ax.set_ylim(-0.5, 10.5)
        ax.legend(loc="lower left", ncol=3, fontsize=8)
        for ax, svc in zip(axes[1:], SERVICES):
            bins = int(max(r["t"] for r in self.records) - t_start) + 1
            per = {site: [0] * bins for site in sites}
            tot = [0] * bins
            for r in self.records:
                if r["svc"] != svc or not r["site"]:
                    continue
                b = int(r["t"] - t_start)
                per[r["site"]][b] += 1
                tot[b] += 1
            bottom = [0.0] * bins
            for site in sites:
                frac = [per[site][i] / tot[i] if tot[i] else 0 for i in range(bins)]
                ax.bar(range(bins), frac, bottom=bottom, width=1.0, color=colors[site], label=site, align="edge")
                bottom = [bottom[i] + frac[i] for i in range(bins)]
            ax.set_ylabel(f"{svc}\nshare of requests")
            ax.set_ylim(0, 1)
        for ax in axes:
            for p in self.phases:
                ax.axvline(p["t0"] - t_start, color="black", linestyle=":", linewidth=1)
                if ax is axes[0]:
                    ax.text(p["t0"] - t_start + 0.5, 10.6, f"({p['name']})", fontsize=9)
        axes[-1].set_xlabel("seconds")
        fig.suptitle("CATS steering: L2 per site and where each service's requests went"
                     + (" (FRR ingress, catsd controller)" if self.frr else ""))
        fig.tight_layout()
        fig.savefig(os.path.join(self.out, "timeline.png"), dpi=100)
        plt.close(fig)
        return True

    def close(self, keep_logs):
        with signals_ignored():
            self.stop_sampling.set()
            self.procs.stop_all()
            if keep_logs:
                for h in [self.topo.ingress, self.topo.client] + [s.host for s in self.topo.sites]:
                    if h is not None and os.path.isdir(h.dir):
                        for f in os.listdir(h.dir):
                            if f.endswith(".log"):
                                shutil.copy(os.path.join(h.dir, f), os.path.join(self.out, f"{h.name}-{f}"))
            self.topo.close()
            shutil.rmtree(self.dir, ignore_errors=True)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catsd", required=True)
    ap.add_argument("--catsctl", required=True)
    ap.add_argument("--out", default="demo-out")
    ap.add_argument("--quick", action="store_true", help="shorter phases (the ctest)")
    ap.add_argument("--ingress", choices=("catsd", "frr", "both", "pair"), default="catsd",
                    help="what forwards at the ingress: catsd, or FRR steered by catsd in the controller role; both: "
                         "catsd, then FRR with short phases, its output in OUT/frr-ingress; pair: the two at once, "
                         "each in namespaces of its own, their lines prefixed (the ctest)")
    ARGS = ap.parse_args()
    if os.geteuid() != 0:
        print("demo: needs root (network namespaces, port 179); skipped")
        return 77
    if ARGS.ingress == "pair":
        return run_pair()
    raise_on_signals()
    runs = [("catsd", ARGS.out, ARGS.quick)]
    if ARGS.ingress == "frr":
        runs = [("frr", ARGS.out, ARGS.quick)]
    elif ARGS.ingress == "both":
        runs.append(("frr", os.path.join(ARGS.out, "frr-ingress"), True))
    results = []
    for ingress, out, quick in runs:
        if ingress == "frr":
            say("the same scenario with FRR forwarding at the ingress and catsd as its controller")
        results.append(run_demo(ingress, out, quick))
    if len(results) > 1:
        say("catsd ingress: " + ("every phase held" if results[0] else "a phase did not hold")
            + "; FRR ingress with the catsd controller: " + ("every phase held" if results[1] else "a phase did not hold"))
    return 0 if all(results) else 1


def run_pair():
    """Both ingress variants at once, each a process of this script with its own namespaces (named by PID) and
    output directory. Their phases need seconds of quiet, not the whole machine: a demo keeps a fraction of one
    core busy."""
    raise_on_signals()
    runs = {"catsd": ARGS.out, "frr": os.path.join(ARGS.out, "frr-ingress")}
    procs = {}
    for ingress, out in runs.items():
        cmd = [sys.executable, os.path.abspath(__file__), "--catsd", ARGS.catsd, "--catsctl", ARGS.catsctl,
               "--out", out, "--ingress", ingress] + (["--quick"] if ARGS.quick else [])
        procs[ingress] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def relay(ingress, p):
        for line in p.stdout:
            print(f"[{ingress}] {line}", end="", flush=True)
    relays = [threading.Thread(target=relay, args=item) for item in procs.items()]
    for t in relays:
        t.start()
    try:
        codes = {ingress: p.wait() for ingress, p in procs.items()}
    finally:
        for p in procs.values():  # a signal to this process stops both (each cleans up its namespaces)
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(30)
        for t in relays:
            t.join(5)
    say("; ".join(f"{i} ingress: " + ("every phase held" if c == 0 else f"exit {c}") for i, c in codes.items()))
    return 0 if all(c == 0 for c in codes.values()) else 1


def run_demo(ingress, out, quick):
    os.makedirs(out, exist_ok=True)
    demo = Demo(out, ingress, quick)
    ok = False
    try:
        demo.start()
        demo.run()
    except Exception as e:  # noqa: BLE001 - reported; the summary says what ran
        say(f"demo stopped: {e}")
    finally:
        demo.stop_sampling.set()
        if demo.client is not None:
            demo.client.stop(5, signal.SIGTERM)
        try:
            ok = demo.report()
        finally:
            demo.close(keep_logs=True)
    return ok


if __name__ == "__main__":
    sys.exit(main())
