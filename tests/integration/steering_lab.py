#!/usr/bin/python3
"""Steering with real catsd processes in network namespaces (interop/labkit/sites.py): an ingress, two edges and a
cloud site, BGP between loopbacks reached through static routes (the IGP), metrics set at the sites with
`catsctl inject`. Each scenario checks the ingress's selection through `catsctl show services --json` and the
Resolve API through python3-grpcio, as a device would.

    steering_lab.py --catsd build/bin/catsd --catsctl build/bin/catsctl --proto proto/catsd.proto \\
        --plugin /usr/bin/grpc_python_plugin --scenario NAME

Needs root (namespaces); exit 77 when not root. Every namespace and process is removed by name and PID at the end.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "interop"))
from labkit.check import Failure, check, wait_for  # noqa: E402
from labkit.proc import Procs, print_tail, raise_on_signals, signals_ignored  # noqa: E402
from labkit.frr import FRR  # noqa: E402
from labkit.sites import SERVICES, Topology  # noqa: E402

ARGS = None
HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "..", "interop", "demo")
AVATAR, T2I = SERVICES["live-avatar"][0], SERVICES["text-to-image"][0]
# Short hold-downs so that returns happen within a test.
CLASSES = [{"name": "delay-sensitive", "hold-down": 3}, {"name": "delay-tolerant", "hold-down": 3}]


def selected(ingress, prefix):
    """The next hops the ingress selected for `prefix`, in order."""
    j = json.loads(ingress.ctl("show", "services", prefix, "--json").stdout)
    views = [v for v in j.get("services", []) if v["prefix"] == prefix]
    if not views:
        return []
    return [s["next_hop"] for s in views[0].get("selected", [])]


def view(ingress, prefix):
    j = json.loads(ingress.ctl("show", "services", prefix, "--json").stdout)
    for v in j.get("services", []):
        if v["prefix"] == prefix:
            return v
    raise Failure(f"no service view for {prefix} yet")


def inject(site, *args):
    for name in SERVICES:
        site.catsd.ctl("inject", name, *args)


def wait_selected(lab, prefix, site, what, timeout=15):
    nh = lab.topo.site_addr(lab.site(site))
    try:
        return wait_for(f"{what}: {prefix} on {site}", lambda: selected(lab.ingress.catsd, prefix) == [nh], timeout)
    except Failure:
        print(json.dumps(view(lab.ingress.catsd, prefix), indent=1)[:3000])
        raise


class Resolver:
    """The Resolve API from python3-grpcio, with stubs protoc makes at run time (a device's client)."""

    def __init__(self, workdir, api):
        subprocess.run(["protoc", f"--proto_path={os.path.dirname(os.path.dirname(ARGS.proto))}",
                        f"--python_out={workdir}", f"--grpc_out={workdir}", f"--plugin=protoc-gen-grpc={ARGS.plugin}",
                        ARGS.proto], check=True)
        sys.path.insert(0, workdir)
        import grpc
        from proto import catsd_pb2, catsd_pb2_grpc
        self.grpc, self.pb = grpc, catsd_pb2
        self.api = api
        self.catsd_pb2_grpc = catsd_pb2_grpc

    def resolve(self, ns, service, budget=None, service_class=""):
        # The channel lives in the ingress namespace: this process is not, so resolve through a child there.
        code = ("import sys, json; sys.path.insert(0, %r)\n"
                "import grpc\nfrom proto import catsd_pb2 as pb, catsd_pb2_grpc as rpc\n"
                "from google.protobuf import json_format\n"
                "stub = rpc.CatsdStub(grpc.insecure_channel(%r))\n"
                "req = pb.ResolveRequest(service=%r, service_class=%r)\n"
                "%s"
                "print(json_format.MessageToJson(stub.Resolve(req, timeout=5), preserving_proto_field_name=True))\n"
                % (sys.path[0], self.api, service, service_class,
                   f"req.latency_budget_ms = {budget}\n" if budget is not None else ""))
        r = subprocess.run(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", code], capture_output=True, text=True,
                           timeout=20)
        if r.returncode != 0:
            raise Failure(f"resolve {service}: {r.stderr.strip()[-400:]}")
        return json.loads(r.stdout)


# ---- scenarios

def scenario_nearest_overloaded(lab):
    """Both edges idle: the nearer edge1 serves both services; edge1 overloaded (L2 2): both move to edge2 at once;
    edge1 recovers: they return after the hold-down."""
    for p in (AVATAR, T2I):
        wait_selected(lab, p, "edge1", "idle edges, the nearest")
    v = view(lab.ingress.catsd, T2I)
    costs = {c["next_hop"]: c.get("network_cost") for c in v["candidates"]}
    check(costs == {"10.255.1.1": "10", "10.255.2.1": "20", "10.255.9.1": "50"},
          f"network cost = the kernel route metric to each next hop: {costs}")
    check(v["service_class"] == "delay-tolerant" and v["service"] == "text-to-image", "class from the binding")
    inject(lab.site("edge1"), "--l2", "2")
    for p in (AVATAR, T2I):
        wait_selected(lab, p, "edge2", "edge1 at L2 2", timeout=5)
    check("below leave-threshold" in view(lab.ingress.catsd, AVATAR)["reason"], "the reason names the threshold")
    inject(lab.site("edge1"), "--l2", "9")
    for p in (AVATAR, T2I):
        wait_selected(lab, p, "edge1", "edge1 recovered: back after the hold-down", timeout=10)


def scenario_classes(lab):
    """edge1 at L2 5: the delay-tolerant service (leave-threshold 6) moves, the delay-sensitive one (3) stays."""
    for p in (AVATAR, T2I):
        wait_selected(lab, p, "edge1", "idle")
    inject(lab.site("edge1"), "--l2", "5")
    wait_selected(lab, T2I, "edge2", "edge1 at 5, delay-tolerant leaves")
    time.sleep(1)
    check(selected(lab.ingress.catsd, AVATAR) == [lab.site("edge1").lo], "delay-sensitive stays on edge1 at 5")
    inject(lab.site("edge1"), "--l2", "2")
    wait_selected(lab, AVATAR, "edge2", "edge1 at 2, delay-sensitive leaves too")


def scenario_cloud_and_local(lab):
    """Both edges at L2 0: the cloud serves; Resolve: cloud within 100 ms, local with a 50 ms budget; the cloud gone
    too: the plain BGP best path keeps forwarding, Resolve says local."""
    res = Resolver(lab.tmp("stubs"), f"{lab.ingress.v4}:50051")
    r = res.resolve(lab.ingress.ns, "live-avatar", budget=50)
    check(r["verdict"] == "edge" and r["site"]["next_hop"] == lab.site("edge1").lo, f"resolve idle: edge1 ({r})")
    for e in ("edge1", "edge2"):
        inject(lab.site(e), "--l2", "0")
    for p in (AVATAR, T2I):
        wait_selected(lab, p, "cloud", "no edge eligible: cloud")
    check(view(lab.ingress.catsd, AVATAR)["tier"] == "cloud", "tier cloud")
    r = res.resolve(lab.ingress.ns, "live-avatar", budget=100)
    check(r["verdict"] == "cloud" and r["site"]["next_hop"] == lab.site("cloud").lo, f"resolve: cloud ({r['reason']})")
    r = res.resolve(lab.ingress.ns, AVATAR.split("/")[0], budget=50)
    check(r["verdict"] == "local", f"resolve with 50 ms: local ({r['reason']})")
    inject(lab.site("cloud"), "--withdraw")
    wait_for("cloud withdrawn: the BGP best path",
             lambda: view(lab.ingress.catsd, AVATAR)["outcome"] == "bgp-best", 10)
    check(len(selected(lab.ingress.catsd, AVATAR)) == 1, "still one site to forward to (never a blackhole)")
    r = res.resolve(lab.ingress.ns, "live-avatar")
    check(r["verdict"] == "local", f"resolve without cloud: local ({r['reason']})")


def scenario_next_hop_unreachable(lab):
    """The ingress loses its route to edge1's loopback (the next hop): edge1 is excluded at once, not after the
    hold timer; the route back: edge1 reachable again."""
    for p in (AVATAR, T2I):
        wait_selected(lab, p, "edge1", "idle")
    edge1 = lab.site("edge1")
    t0 = time.monotonic()
    lab.topo.site_route(edge1, "del")
    wait_selected(lab, T2I, "edge2", "route to edge1's next hop deleted", timeout=3)
    took = time.monotonic() - t0
    check(took < 3, f"excluded within one route event ({took * 1000:.0f} ms, hold time 9 s)")
    cand = next(c for c in view(lab.ingress.catsd, T2I)["candidates"] if c["next_hop"] == edge1.lo)
    check(not cand["reachable"] and not cand["eligible"], "edge1's path: next hop unreachable, not eligible")
    lab.topo.site_route(edge1, "add")
    wait_for("route back: edge1 reachable", lambda: next(
        c for c in view(lab.ingress.catsd, T2I)["candidates"] if c["next_hop"] == edge1.lo)["reachable"], 5)


def scenario_noise(lab):
    """edge1 and edge2 equally near (the same IGP cost), edge1's L2 alternating 7/8 200 times, every 100 ms or as
    fast as catsctl goes (about 20 s; longer in a sanitizer build), edge2 at 8: the selection of either class moves
    at most twice."""
    edge1, edge2 = lab.site("edge1"), lab.site("edge2")
    lab.topo.site_route(edge2, "del")
    edge2.cost = edge1.cost
    lab.topo.site_route(edge2, "add")
    inject(edge2, "--l2", "8")
    inject(edge1, "--l2", "8")
    time.sleep(2)
    watch = subprocess.Popen(["ip", "netns", "exec", lab.ingress.ns, ARGS.catsctl, "--server",
                              f"{lab.ingress.v4}:50051", "watch", "services", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        time.sleep(1)
        t0 = time.monotonic()
        n = 0
        # A count, not a duration: under ASan and a loaded machine catsctl itself takes tens of ms.
        while n < 200 and time.monotonic() - t0 < 90:
            for name in SERVICES:
                edge1.catsd.ctl("inject", name, "--l2", "7" if n % 2 == 0 else "8")
            n += 1
            time.sleep(0.1)
        seconds = time.monotonic() - t0
        time.sleep(1)
        # A real step, on the same stream: the watch does see changes.
        inject(edge1, "--l2", "2")
        inject(edge2, "--l2", "8")
        time.sleep(2)
    finally:
        watch.terminate()
        out, _ = watch.communicate(timeout=10)
    changes = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    step = changes[-2:]
    changes = changes[:-2]
    check(len(step) == 2 and all(c["selected"][0]["next_hop"] == edge2.lo for c in step if c.get("selected")),
          "the step 8 -> 2 at edge1 moves both services at once (seen on the watch)")
    per = {p: sum(1 for c in changes if c["prefix"] == p) for p in (AVATAR, T2I)}
    check(n == 200, f"{n} metric changes at edge1 in {seconds:.0f} s")
    check(all(v <= 2 for v in per.values()), f"selection changes over {seconds:.0f} s: {per} (at most 2 each)")
    print(f"  result: noise {n} changes in {seconds:.0f} s -> selection changes {per} "
          f"({max(per.values()) * 60 / seconds:.1f} per minute at most)", flush=True)


def scenario_drain_restore(lab):
    """edge1 drained (D flag): never chosen while edge2 is eligible; restored: back after the hold-down."""
    for p in (AVATAR, T2I):
        wait_selected(lab, p, "edge1", "idle")
    inject(lab.site("edge1"), "--drain")
    for p in (AVATAR, T2I):
        wait_selected(lab, p, "edge2", "edge1 drained", timeout=5)
    cand = next(c for c in view(lab.ingress.catsd, AVATAR)["candidates"] if c["next_hop"] == lab.site("edge1").lo)
    check(cand["drain"] and not cand["eligible"], "drained: not eligible")
    inject(lab.site("edge1"), "--no-drain")
    for p in (AVATAR, T2I):
        wait_selected(lab, p, "edge1", "restored", timeout=10)


def kernel_routes(lab):
    """The ingress's routes of protocol 201: {prefix: group id}."""
    out = subprocess.run(["ip", "-n", lab.ingress.ns, "-j", "route", "show", "proto", "201"], capture_output=True,
                         text=True, check=True).stdout
    return {r["dst"] + ("" if "/" in r["dst"] else "/32"): r.get("nhid") for r in json.loads(out or "[]")}


def group_members(lab, gid):
    """{gateway: weight} of a resilient next-hop group, and its type."""
    j = json.loads(subprocess.run(["ip", "-n", lab.ingress.ns, "-j", "nexthop", "show", "id", str(gid)],
                                  capture_output=True, text=True, check=True).stdout)[0]
    members = {}
    for m in j.get("group", []):
        nh = json.loads(subprocess.run(["ip", "-n", lab.ingress.ns, "-j", "nexthop", "show", "id", str(m["id"])],
                                       capture_output=True, text=True, check=True).stdout)[0]
        members[nh["gateway"]] = m.get("weight", 1)
    return members, j.get("type")


def scenario_fib(lab):
    """The selection in the kernel: a route of protocol 201 per service prefix to a resilient group through the
    resolved gateway; it follows the selection, weighted mode gives weighted members; catsd's routes go when it
    stops, and a stale one left from before is removed at start."""
    routes = wait_for("both service routes programmed", lambda: (lambda r: r if len(r) == 2 else None)(
        kernel_routes(lab)), 10)
    members, kind = group_members(lab, routes[AVATAR])
    check(kind == "resilient" and members == {lab.site("edge1").link: 1},
          f"live-avatar: resilient group via edge1's link {members}")
    fib = json.loads(lab.ingress.catsd.ctl("show", "fib", "--json").stdout)
    check(fib["scope"] == "services" and all(r["state"] == "installed" for r in fib["routes"]),
          f"show fib: {len(fib['routes'])} routes installed")
    inject(lab.site("edge1"), "--l2", "2")
    wait_for("live-avatar's group follows the selection to edge2", lambda: group_members(
        lab, kernel_routes(lab)[AVATAR])[0] == {lab.site("edge2").link: 1}, 10)
    # A leftover of an earlier run, then a restart of the ingress with the weighted class.
    run_ip = ["ip", "-n", lab.ingress.ns]
    lab.ingress.catsd.stop()
    check(kernel_routes(lab) == {}, "clean stop: catsd's routes removed")
    nh = subprocess.run(run_ip + ["-j", "nexthop", "show"], capture_output=True, text=True).stdout
    check(all(n.get("protocol") != "201" and n.get("protocol") != 201 for n in json.loads(nh or "[]")),
          "and its next-hop objects")
    subprocess.run(run_ip + ["route", "add", "198.51.100.77/32", "via", lab.site("edge1").link, "proto", "201"],
                   check=True)
    lab.ingress.catsd.config = lab.topo.ingress_config(
        classes=[{"name": "delay-tolerant", "mode": "weighted", "leave-threshold": 1, "hold-down": 3}])
    # This time unprivileged after the start (--user): the FIB's worker keeps CAP_NET_ADMIN.
    lab.ingress.catsd.start(extra=["--user", "nobody", "--group", "nogroup"])
    check("running as user nobody group nogroup" in lab.ingress.catsd.log(), "the restarted ingress runs as nobody")
    inject(lab.site("edge1"), "--l2", "4")
    inject(lab.site("edge2"), "--l2", "9")
    wait_for("text-to-image weighted 4:9 over both edges", lambda: group_members(
        lab, kernel_routes(lab)[T2I])[0] == {lab.site("edge1").link: 4, lab.site("edge2").link: 9}, 15)
    check("198.51.100.77/32" not in kernel_routes(lab), "the stale route of protocol 201 was removed at start")
    lab.ingress.catsd.stop()
    check(kernel_routes(lab) == {}, "as nobody too, a clean stop removes catsd's routes")


def scenario_fib_unprivileged(lab):
    """Without CAP_NET_ADMIN the kernel refuses (EPERM): show fib says so, catsd retries and keeps running, the
    selection is still made."""
    wait_selected(lab, T2I, "edge1", "selection made without the FIB")
    fib = wait_for("show fib reports the error", lambda: (lambda f: f if f.get("routes") and all(
        "not permitted" in r["error"] for r in f["routes"]) else None)(
        json.loads(lab.ingress.catsd.ctl("show", "fib", "--json").stdout)), 10)
    check(all(r["state"] == "error" for r in fib["routes"]), "routes in state error")
    first = max(r["attempts"] for r in fib["routes"])
    wait_for("retried with back-off", lambda: max(r["attempts"] for r in json.loads(
        lab.ingress.catsd.ctl("show", "fib", "--json").stdout)["routes"]) > first, 10)
    check(lab.ingress.catsd.proc.alive(), "catsd still running")
    check(kernel_routes(lab) == {}, "nothing in the kernel")


def scenario_flow_survives(lab):
    """Weighted multipath through a resilient group: 32 long-lived TCP flows spread over edge1 and edge2; the weights
    change three times (8:8, 8:4, 4:8) while both sites stay eligible: every flow keeps its site and never breaks."""
    lab.ingress.catsd.stop()
    lab.ingress.catsd.config = lab.topo.ingress_config(
        classes=[{"name": "delay-tolerant", "mode": "weighted", "leave-threshold": 1, "hold-down": 3,
                  "weighted-band": "10"}])
    lab.ingress.catsd.start()
    edge1, edge2 = lab.site("edge1"), lab.site("edge2")
    address = T2I.split("/")[0]
    for s in (edge1, edge2):
        log = os.path.join(s.host.dir, "echo.log")
        lab.procs.spawn(f"echo {s.name}", ["/usr/bin/python3", os.path.join(DEMO, "site_server.py"), "--site", s.name,
                                           "--serve", f"{address}:text-to-image:-", "--echo", "7000"], log,
                        ns=s.host.ns)
        wait_for(f"echo server at {s.name}", lambda: "ready" in open(log).read(), 10, quiet=True)

    def weights(w1, w2, what):
        inject(edge1, "--l2", str(w1))
        inject(edge2, "--l2", str(w2))
        wait_for(f"{what}: text-to-image weighted {w1}:{w2} in the kernel", lambda: group_members(
            lab, kernel_routes(lab)[T2I])[0] == {edge1.link: w1, edge2.link: w2}, 15)

    weights(8, 8, "both edges at L2 8")
    client = lab.procs.spawn("flows", ["/usr/bin/python3", os.path.join(HERE, "long_flows.py"), "--target",
                                       f"{address}:7000", "--flows", "32", "--seconds", "14"],
                             os.path.join(lab.dir, "flows.err"), ns=lab.topo.client.ns, pipe=True)
    ready = json.loads(client.popen.stdout.readline() or "{}").get("ready")
    check(ready is not None, "32 flows open and answered")
    spread = {site: sum(1 for v in ready.values() if v == site) for site in set(ready.values())}
    check(set(spread) == {"edge1", "edge2"}, f"the flows are spread over both edges: {spread}")
    weights(8, 4, "edge2 busier")
    time.sleep(2)
    weights(4, 8, "edge1 busier")
    time.sleep(2)
    weights(8, 8, "even again")
    end = json.loads(client.popen.stdout.readline() or "{}").get("flows", {})
    check(len(end) == 32, "the client reported every flow")
    broken = {i: f["error"] for i, f in end.items() if f["error"]}
    moved = {i: f["sites"] for i, f in end.items() if len(f["sites"]) != 1 or f["sites"][0] != ready[i]}
    check(not broken, f"no flow broke over three weight changes ({broken})")
    check(not moved, f"every flow stayed on its first site ({moved})")
    least = min(f["exchanges"] for f in end.values())
    check(least >= 40, f"every flow kept exchanging (at least {least} answers each over 14 s)")


def frr_route(lab, prefix):
    """FRR's kernel route (zebra, protocol bgp) for `prefix` at the ingress: {gateway: weight}."""
    out = subprocess.run(["ip", "-n", lab.ingress.ns, "-j", "route", "show", "proto", "bgp", prefix],
                         capture_output=True, text=True, check=True).stdout
    routes = json.loads(out or "[]")
    if not routes:
        return {}
    r = routes[0]
    if "nexthops" in r:
        return {nh["gateway"]: nh.get("weight", 1) for nh in r["nexthops"]}
    return {r["gateway"]: 1} if "gateway" in r else {}


def scenario_controller_frr(lab):
    """Controller mode: catsd selects beside an unmodified FRR (bgpd + zebra) at the ingress and sends it the
    selection as plain BGP; FRR's kernel route follows it (best mode), then carries the weights (weighted mode, Link
    Bandwidth over ADD-PATH). (What goes to FRR byte by byte: tests/rde/golden/controller_export.)"""
    edge1, edge2 = lab.site("edge1"), lab.site("edge2")
    for s in (edge1, edge2):
        inject(s, "--l2", "8")
    wait_selected(lab, T2I, "edge1", "both edges idle, edge1 nearer")
    wait_for("FRR's kernel route to text-to-image via edge1", lambda: frr_route(lab, T2I) == {edge1.link: 1}, 15)
    inject(edge1, "--l2", "2")
    wait_selected(lab, T2I, "edge2", "edge1 overloaded")
    wait_for("FRR's kernel route follows to edge2", lambda: frr_route(lab, T2I) == {edge2.link: 1}, 15)
    paths = lab.frr.route(T2I).get("paths", [])
    check(len(paths) == 1, f"best mode: FRR has one path for text-to-image ({len(paths)})")
    # Weighted: every selected site's path with its Link Bandwidth; FRR weighs its multipath route by them.
    lab.ingress.catsd.stop()
    lab.ingress.catsd.config = lab.topo.controller_config(
        classes=[{"name": "delay-tolerant", "mode": "weighted", "leave-threshold": 1, "hold-down": 3,
                  "weighted-band": "10"}], extra_steering=lab.topo.controller_costs(), add_path=True)
    lab.ingress.catsd.start()
    inject(edge1, "--l2", "4")
    inject(edge2, "--l2", "8")

    def weighted():
        r = frr_route(lab, T2I)
        return r if set(r) == {edge1.link, edge2.link} else None

    r = wait_for("FRR's kernel route over both edges, weighted", lambda: (lambda x: x if x and x[edge2.link] >
                                                                         x[edge1.link] else None)(weighted()), 20)
    ratio = r[edge2.link] / r[edge1.link]
    check(1.7 <= ratio <= 2.3, f"kernel weights {r[edge1.link]}:{r[edge2.link]} follow the selection's 4:8")
    inject(edge1, "--l2", "8")
    inject(edge2, "--l2", "4")
    r = wait_for("weights swapped", lambda: (lambda x: x if x and x[edge1.link] > x[edge2.link] else None)(
        weighted()), 15)
    check(1.7 <= r[edge1.link] / r[edge2.link] <= 2.3, f"kernel weights {r[edge1.link]}:{r[edge2.link]} for 8:4")
    lbs = [p.get("extendedCommunity", {}).get("string", "") for p in lab.frr.route(T2I).get("paths", [])]
    check(len(lbs) == 2 and all("LB:" in x for x in lbs), f"FRR's two paths carry Link Bandwidth: {lbs}")


SCENARIOS = {name[len("scenario_"):]: fn for name, fn in globals().items() if name.startswith("scenario_")}


class Lab:
    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix=f"catsd-steer-{name}-")
        self.procs = Procs()
        self.controller = name.startswith("controller")
        self.topo = Topology(f"st{os.getpid()}-", self.dir, self.procs, controller=self.controller)
        self.ingress = None
        self.frr = None

    def tmp(self, name):
        p = os.path.join(self.dir, name)
        os.makedirs(p, exist_ok=True)
        return p

    def site(self, name):
        return self.topo.site(name)

    def start(self, unprivileged=False):
        self.topo.build()
        self.ingress = self.topo.ingress
        # setpriv: the ingress without CAP_NET_ADMIN (netlink writes refused), still able to bind port 179.
        wrap = ["setpriv", "--bounding-set", "-net_admin"] if unprivileged else []
        config = (self.topo.controller_config(classes=CLASSES, extra_steering=self.topo.controller_costs(), add_path=True)
                  if self.controller else self.topo.ingress_config(classes=CLASSES))
        self.topo.start_catsd(ARGS.catsd, ARGS.catsctl, config, ingress_wrap=wrap)
        if self.controller:
            # FRR forwards; port 179 of the namespace is catsd's, so bgpd only connects out. zebra runs as user
            # frr: the directories above its own must be searchable.
            os.chmod(self.dir, 0o755)
            self.frr = FRR(self.ingress, log_level="warnings", zebra=True, listen=False).start(
                self.topo.frr_ingress_config())
        wait_for("ingress sees every site", lambda: len(view(self.ingress.catsd, AVATAR)["candidates"]) == 3, 20)

    def close(self, failed):
        with signals_ignored():
            self.procs.stop_all()
            if failed:
                for h in [self.topo.ingress] + [s.host for s in self.topo.sites]:
                    if h is not None and os.path.exists(os.path.join(h.dir, "catsd.log")):
                        print_tail(os.path.join(h.dir, "catsd.log"), f"{h.name} log", 30)
            self.topo.close()
            shutil.rmtree(self.dir, ignore_errors=True)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catsd")
    ap.add_argument("--catsctl")
    ap.add_argument("--proto")
    ap.add_argument("--plugin", default="/usr/bin/grpc_python_plugin")
    ap.add_argument("--scenario", action="append")
    ap.add_argument("--list", action="store_true")
    ARGS = ap.parse_args()
    if ARGS.list:
        for name, fn in SCENARIOS.items():
            print(f"{name}: {fn.__doc__.split(';')[0].strip()}")
        return 0
    if os.geteuid() != 0:
        print("steering_lab: needs root (network namespaces); skipped")
        return 77
    raise_on_signals()
    failed = []
    for name in ARGS.scenario or list(SCENARIOS):
        print(f"== {name}", flush=True)
        lab = Lab(name)
        ok = False
        try:
            lab.start(unprivileged=name.endswith("unprivileged"))
            SCENARIOS[name](lab)
            ok = True
        except Exception as e:  # noqa: BLE001 - a scenario's failure is reported, the next one runs
            print(f"  FAIL: {e}", flush=True)
            if not isinstance(e, Failure):
                traceback.print_exc()
        finally:
            lab.close(not ok)
        if not ok:
            failed.append(name)
    print(f"{len(ARGS.scenario or SCENARIOS) - len(failed)} passed, {len(failed)} failed"
          + (f": {' '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
