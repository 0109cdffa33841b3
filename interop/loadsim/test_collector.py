#!/usr/bin/python3
"""cats-collector against loadsim, as a user runs them.

  test_collector.py --collector build/bin/cats-collector --case once|config-error|ramp

once:         one instance per engine (vLLM, Triton, TGI, SGLang) at constant load, one refusing
              connections; a second service whose instances refuse or answer 503. The --once --json
              snapshot must show the L0 values loadsim served, L1/L2 as the profile defines them
              (recomputed here), the refusing instance drained, one at the zero points of its inputs
              drained for "no capacity", and the dead service withdrawn.
config-error: a bad configuration exits 1 and prints each error as "path: reason".
ramp:         a vLLM queue ramps 0 -> 16 in accelerated time; the running collector's advertised
              L2 follows it down with at most one metric-only advertisement per min-interval.
push:         the running collector streams each advertisement to a catsd gRPC API (a Python
              server here, messages from proto/catsd.proto): announce, change, withdraw.
"""

import argparse
import json
import math
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simtest  # noqa: E402

# The scoring profile of the generated configurations, recomputed in Python.
PROFILE = {
    "queue": ("compute", 0.0, 16.0),
    "memory": ("compute", 0.5, 0.95),
    "accelerator": ("compute", 0.3, 1.0),
    "cpu": ("compute", 0.5, 1.0),
    "latency": ("service", 0.5, 10.0),
}
WEIGHTS = {"compute": 3.0, "service": 1.0}


def profile_yang():
    inputs = [{"name": n, "category": c, "full": str(f), "zero": str(z)} for n, (c, f, z) in PROFILE.items()]
    return {"id": 7, "name": "test", "input": inputs, "weights": {"compute": "3", "service": "1"}}


def input_score(full, zero, x):
    if x <= full:
        return 10.0
    if x >= zero:
        return 0.0
    return 10.0 * (zero - x) / (zero - full)


def expected_scores(l0):
    """L1 per category (min of its inputs) and L2 (weighted mean of the L1s)."""
    by_cat = {}
    for name, (cat, full, zero) in PROFILE.items():
        if name in l0:
            by_cat.setdefault(cat, []).append(input_score(full, zero, l0[name]))
    l1 = {c: min(v) for c, v in by_cat.items()}
    l2 = sum(l1[c] * WEIGHTS[c] for c in l1) / sum(WEIGHTS[c] for c in l1)
    return l1, l2


def round_points(v):
    return 0 if v <= 0 else 10 if v >= 10 else int(math.floor(v + 0.5))


def config(services, targets, damper):
    return {
        "cats-bgp:bgp": {
            "global": {"as": 65001, "router-id": "192.0.2.1", "role": ["edge"]},
            "services": {
                "service": [
                    {"name": s, "prefix": [f"203.0.113.{10 + n}/32"], "profile": 7, "metrics": {"l2-score": 5}}
                    for n, s in enumerate(services)
                ]
            },
            "scoring": {"profile": [profile_yang()]},
            "damper": damper,
            "collector": {"target": targets},
        }
    }


def target(name, port, engine, service, interval=300, timeout=250, **extra):
    t = {"name": name, "url": f"http://127.0.0.1:{port}/metrics", "engine": engine, "interval": interval,
         "timeout": timeout, "stale-after": max(interval * 3, 1000), "service": service}
    t.update(extra)
    return t


# What the engine profile reads from each engine's page, by L0 name: (L0 input, loadsim field).
ENGINE_L0 = {
    "vllm": {"queued": "queue", "running": "running", "memory": "kv_cache", "latency": "latency"},
    "sglang": {"queued": "queue", "running": "running", "memory": "kv_cache", "latency": "latency"},
    "tgi": {"queued": "queue", "running": "running", "latency": "latency"},
    "triton": {"queued": "queue", "accelerator": "gpu_util", "cpu": "cpu", "latency": "latency"},
}
L0_TO_INPUT = {"queued": "queue", "memory": "memory", "accelerator": "accelerator", "cpu": "cpu", "latency": "latency"}
UNITS = {"queued": "requests", "running": "requests", "memory": "ratio", "accelerator": "ratio", "cpu": "ratio",
         "latency": "seconds"}


def case_once(collector, tmp):
    check = simtest.Check()
    forever = [{"at": 0, "for": 100000, "mode": "refuse"}]
    scenario = {"instances": [
        {"name": "vllm-a", "engine": "vllm", "fields": {"queue": 4, "running": 8, "kv_cache": 0.6, "latency": 1.2}},
        {"name": "triton-a", "engine": "triton", "model": "llama3_trtllm",
         "fields": {"queue": 2, "gpu_util": 0.65, "cpu": 0.7, "latency": 0.05, "rps": 50}},
        {"name": "tgi-a", "engine": "tgi", "fields": {"queue": 8, "running": 16, "latency": 2.0}},
        {"name": "sglang-a", "engine": "sglang", "fields": {"queue": 12, "running": 30, "kv_cache": 0.8,
                                                             "latency": 3.0}},
        {"name": "vllm-out", "engine": "vllm", "outages": forever},
        # Queue, KV cache and latency at or past the profile's zero points: L2 0, no capacity.
        {"name": "vllm-full", "engine": "vllm", "fields": {"queue": 16, "running": 8, "kv_cache": 1.0,
                                                             "latency": 12}},
        {"name": "gone-refuse", "engine": "tgi", "outages": forever},
        {"name": "gone-503", "engine": "sglang", "outages": [{"at": 0, "for": 100000, "mode": "503"}]},
    ]}
    sim = simtest.LoadSim(scenario, tmp)
    try:
        p = sim.ports
        targets = [
            target("vllm-a", p["vllm-a"], "vllm", "chat"),
            target("triton-a", p["triton-a"], "triton", "chat"),
            target("tgi-a", p["tgi-a"], "tgi", "chat", **{"instance-id": "10.0.0.13"}),
            target("sglang-a", p["sglang-a"], "sglang", "chat"),
            target("vllm-out", p["vllm-out"], "vllm", "chat"),
            target("vllm-full", p["vllm-full"], "vllm", "chat"),
            target("gone-refuse", p["gone-refuse"], "tgi", "gone"),
            target("gone-503", p["gone-503"], "sglang", "gone"),
        ]
        cfg = config(["chat", "gone"], targets, {"l1": True, "per-instance": True})
        path = os.path.join(tmp, "collector.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        rc, out, err = simtest.run([collector, "--config", path, "--once", "--json", "--answers", "2"], 15)
        truth = sim.truth()["instances"]
    finally:
        sim.stop()
    if not check(rc == 0, f"--once exit status {rc}, stderr:\n{err}"):
        return check.done("once")
    snap = json.loads(out)
    services = {s["service"]: s for s in snap["services"]}
    check(set(services) == {"chat", "gone"}, f"services {sorted(services)}")
    chat = services["chat"]
    by_target = {i["target"]: i for i in chat["instances"]}
    healthy_l2 = []
    for name in ("vllm-a", "triton-a", "tgi-a", "sglang-a"):
        inst = by_target.get(name)
        if not check(inst is not None, f"instance of target {name}"):
            continue
        engine = truth[name]["engine"]
        served = truth[name]["last_served"]
        check(inst["health"] == "healthy" and not inst["drained"], f"{name} healthy: {inst['health']}")
        got = {k: v["value"] for k, v in inst["l0"].items()}
        want = {}
        for l0_name, field in ENGINE_L0[engine].items():
            v = served[field]
            want[l0_name] = v
            tol = 0.02 * v if l0_name == "latency" else 1e-9  # latency: a histogram mean over the interval
            check.near(got.get(l0_name), v, tol, f"{name} ({engine}) L0 {l0_name}")
            check(inst["l0"].get(l0_name, {}).get("unit") == UNITS[l0_name], f"{name} unit of {l0_name}")
        check(set(got) == set(want), f"{name} L0 inputs {sorted(got)} want {sorted(want)}")
        l1, l2 = expected_scores({L0_TO_INPUT[k]: v for k, v in want.items() if k in L0_TO_INPUT})
        for cat, v in l1.items():
            check.near(inst["l1"].get(cat, {}).get("exact"), v, 0.05, f"{name} L1 {cat}")
        check(set(inst["l1"]) == set(l1), f"{name} L1 categories {sorted(inst['l1'])}")
        check.near(inst["l2"]["exact"], l2, 0.05, f"{name} L2")
        check(inst["l2"]["points"] == round_points(inst["l2"]["exact"]), f"{name} L2 points")
        healthy_l2.append(inst["l2"]["exact"])
    check(by_target.get("tgi-a", {}).get("id") == "10.0.0.13", "instance-id names the tgi instance")
    out_inst = by_target.get("vllm-out", {})
    check(out_inst.get("health") == "down" and out_inst.get("drained") is True,
          f"refusing instance drained: {out_inst.get('health')}")
    check((out_inst.get("reason") or "").startswith("connect:"), f"reason of the refusing instance: {out_inst}")
    full = by_target.get("vllm-full", {})
    check(full.get("health") == "drained" and full.get("drained") is True and full.get("reason") == "no capacity",
          f"instance at the zero point drained for no capacity: {full}")
    check((full.get("l2") or {}).get("exact") == 0, f"its L2 is 0: {full.get('l2')}")
    site = chat["site"]
    check(site["verdict"] == "advertise" and site["healthy"] == 4, f"chat site {site}")
    site_l2 = sum(healthy_l2) / len(healthy_l2) if healthy_l2 else None
    check.near(site["l2"]["exact"], site_l2, 0.05, "chat site L2 (mean of healthy instances)")
    ad = chat["advertise"]
    check(ad["withdraw"] is False and ad["sent"] is True and ad["reason"] == "announce" and ad["sequence"] == 1,
          f"chat advertisement {ad}")
    check(ad["l2"] == round_points(site["l2"]["exact"]), f"advertised L2 {ad['l2']} vs site {site['l2']}")
    check(ad["l1"].get("compute") == site["l1"]["compute"]["points"], "advertised L1 compute")
    drained = [i for i in ad["instances"] if i["drained"]]
    check(len(drained) == 2 and all(i["l2"] == 0 for i in drained),
          f"advertised instances: two drained {ad['instances']}")
    check(len(ad["instances"]) == 6, f"advertised instances {len(ad['instances'])}")

    gone = services["gone"]
    check(gone["site"]["verdict"] == "withdraw" and gone["site"]["healthy"] == 0, f"gone site {gone['site']}")
    check(gone["advertise"]["withdraw"] is True and gone["advertise"]["sent"] is False, f"gone {gone['advertise']}")
    reasons = sorted((i["reason"] or "").split(":")[0] for i in gone["instances"])
    check(reasons == ["connect", "http-status"], f"gone reasons {reasons}")
    t503 = [i for i in gone["instances"] if i["target"] == "gone-503"]
    check(bool(t503) and "HTTP 503" in (t503[0]["reason"] or ""), f"503 reason {t503}")
    targets_view = {t["name"]: t for t in snap["targets"]}
    check(targets_view["gone-503"]["failures"].get("http-status", 0) >= 2, "503 counted as http-status")
    check(targets_view["vllm-a"]["good"] >= 2 and targets_view["vllm-a"]["stale"] is False, "vllm-a counters")
    return check.done("once")


def case_config_error(collector, tmp):
    check = simtest.Check()
    cfg = config(["chat"], [target("x", 9, "nope", "chat"), target("y", 10, "vllm", "chat", interval=100,
                                                                   timeout=200)], {})
    path = os.path.join(tmp, "bad.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    rc, out, err = simtest.run([collector, "--config", path, "--once", "--json"], 10)
    check(rc == 1, f"exit status {rc}")
    check(out == "", f"nothing on stdout: {out!r}")
    check("/cats-bgp:bgp/collector/target[name='y']/timeout: timeout (200 ms) must not exceed interval (100 ms)"
          in err, f"semantic error as path: reason, got:\n{err}")
    # YANG-valid and semantically fine, but no such engine profile: the collector's own check.
    cfg = config(["chat"], [target("x", 9, "nope", "chat")], {})
    with open(path, "w") as f:
        json.dump(cfg, f)
    rc, out, err = simtest.run([collector, "--config", path, "--once"], 10)
    check(rc == 1, f"exit status {rc}")
    check("/cats-bgp:bgp/collector/target[name='x']/engine: unknown engine \"nope\"" in err, f"got:\n{err}")
    rc, out, err = simtest.run([collector, "--config", os.path.join(tmp, "missing.json"), "--once"], 10)
    check(rc == 1 and "missing.json: cannot open" in err, f"missing file: {rc} {err}")
    rc, out, err = simtest.run([collector, "--once"], 10)
    check(rc == 2 and "usage:" in err, f"usage: {rc} {err}")
    return check.done("config-error")


def case_ramp(collector, tmp):
    check = simtest.Check()
    speed, flat, ramp, top = 8.0, 4.0, 40.0, 16.0  # scenario seconds: queue 0 for 4, then 0 -> 16 over 40
    scenario = {"instances": [{"name": "ramp", "engine": "vllm", "fields": {
        "queue": [{"for": flat, "value": 0}, {"for": ramp, "from": 0, "to": top}, {"for": 100000, "value": top}],
        "kv_cache": 0.1, "latency": 0.2}}]}
    min_interval = 1.0
    damper = {"half-life": 300, "min-interval": int(min_interval), "threshold": "1", "band": "0.5"}
    run_for = 8.0  # real seconds: the ramp ends at (4 + 40) / 8 = 5.5 s
    sim = simtest.LoadSim(scenario, tmp, speed=speed)
    try:
        t0 = time.time() - sim.truth()["time"] / speed  # wall time of scenario time 0
        cfg = config(["chat"], [target("ramp", sim.ports["ramp"], "vllm", "chat", interval=100, timeout=80)], damper)
        path = os.path.join(tmp, "collector.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        col = simtest.Proc([collector, "--config", path, "--json"])
        time.sleep(run_for)
        rc, out, err = col.stop(signal.SIGTERM)
    finally:
        sim.stop()
    check(rc == 0, f"collector exit status after SIGTERM {rc}, stderr:\n{err[-2000:]}")
    check("stopping" in err, "logs the stop")
    ads = [json.loads(line) for line in out.splitlines() if line.strip()]
    if not check(len(ads) >= 4, f"at least 4 advertisements along the ramp, got {len(ads)}: {out}"):
        return check.done("ramp")

    def truth_l2(wall_ms):
        st = (wall_ms / 1000.0 - t0) * speed
        q = 0.0 if st < flat else min((st - flat) / ramp, 1.0) * top
        return expected_scores({"queue": q, "memory": 0.1, "latency": 0.2})[1]

    check(ads[0]["reason"] == "announce" and ads[0]["l2"] == 10, f"first {ads[0]}")
    check([a["sequence"] for a in ads] == list(range(1, len(ads) + 1)), "sequence counts up by one")
    l2s = [a["l2"] for a in ads]
    check(all(b <= a for a, b in zip(l2s, l2s[1:])), f"L2 only falls along the ramp: {l2s}")
    final = expected_scores({"queue": top, "memory": 0.1, "latency": 0.2})[1]
    check(l2s[-1] == round_points(final), f"last L2 {l2s[-1]} is the top-of-ramp score {final:.2f}")
    # At most one metric-only advertisement per min-interval (plus the announcement and toggles).
    limit = 1 + math.ceil(run_for / min_interval)
    check(len(ads) <= limit, f"{len(ads)} advertisements in {run_for} s, at most {limit}")
    for a, b in zip(ads, ads[1:]):
        if b["reason"] == "change":
            gap = (b["time_ms"] - a["time_ms"]) / 1000.0
            check(gap >= min_interval - 0.05, f"change {b['sequence']} only {gap:.3f} s after the previous")
    for a in ads:
        check.near(a["l2"], truth_l2(a["time_ms"]), 3.0, f"advertisement {a['sequence']} follows the ramp")
    print("advertised L2:", l2s, flush=True)
    return check.done("ramp")


def fake_catsd(proto, tmp):
    """A Catsd PushMetrics server in Python: messages generated from the proto, generic handler."""
    import subprocess
    from concurrent import futures

    import grpc

    subprocess.run(["protoc", f"--proto_path={os.path.dirname(proto)}", f"--python_out={tmp}", proto], check=True)
    sys.path.insert(0, tmp)
    import catsd_pb2

    received = []

    def push(requests, context):
        n = 0
        for r in requests:
            received.append((time.time(), r))
            n += 1
        return catsd_pb2.PushMetricsReply(accepted=n)

    handler = grpc.method_handlers_generic_handler("cats.api.v1.Catsd", {
        "PushMetrics": grpc.stream_unary_rpc_method_handler(
            push, request_deserializer=catsd_pb2.MetricReport.FromString,
            response_serializer=catsd_pb2.PushMetricsReply.SerializeToString)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port, received


def case_push(collector, tmp, proto):
    check = simtest.Check()
    server, port, received = fake_catsd(proto, tmp)
    scenario = {"instances": [{"name": "v", "engine": "vllm", "fields": {"queue": 0, "kv_cache": 0.1}}]}
    sim = simtest.LoadSim(scenario, tmp)
    col = None
    try:
        t = target("v", sim.ports["v"], "vllm", "chat", interval=100, timeout=80)
        t["stale-after"] = 400
        cfg = config(["chat"], [t], {"half-life": 0, "min-interval": 1, "l1": True})
        path = os.path.join(tmp, "collector.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        col = simtest.Proc([collector, "--config", path, "--json", "--push", f"127.0.0.1:{port}"])
        time.sleep(1.0)
        sim.set("v", queue=8)  # L2 10 -> 5: a change after min-interval
        time.sleep(1.5)
        sim.proc.stop()  # the endpoint dies: stale after 400 ms, no healthy instance, withdraw
        time.sleep(1.2)
        rc, out, err = col.stop(signal.SIGTERM)
        col = None
    finally:
        if col:
            col.stop(signal.SIGKILL)
        sim.stop()
        deadline = time.time() + 3
        while time.time() < deadline and len(received) < 3:
            time.sleep(0.05)
        server.stop(0)
    check(rc == 0, f"collector exit {rc}: {err[-1500:]}")
    ads = [json.loads(line) for line in out.splitlines() if line.strip()]
    reports = [r for _, r in received]
    print("advertised:", [(a["reason"], a["l2"]) for a in ads], flush=True)
    print("pushed:", [(r.service, r.l2 if r.HasField("l2") else None, r.withdraw) for r in reports], flush=True)
    # Timing on a loaded machine may add a change (e.g. a late first rate); the
    # order and the content of every report are what matter.
    reasons = [a["reason"] for a in ads]
    check(len(ads) >= 3 and reasons[0] == "announce" and reasons[-1] == "withdraw"
          and all(r == "change" for r in reasons[1:-1]), f"announce, change(s), withdraw: {reasons}")
    check(any(a["reason"] == "change" and a["l2"] < ads[0]["l2"] for a in ads),
          "the queue change advertised a lower L2")
    check(len(reports) == len(ads), f"{len(reports)} reports pushed for {len(ads)} advertisements")
    for a, r in zip(ads, reports):
        check(r.service == "chat", "report names the service")
        check(r.withdraw == a["withdraw"], f"withdraw of report {a['sequence']}")
        if not a["withdraw"]:
            check(r.HasField("l2") and r.l2 == a["l2"], f"l2 of report {a['sequence']}: {r.l2} vs {a['l2']}")
            check({x.category: x.score for x in r.l1} == a["l1"], f"l1 of report {a['sequence']}")
            check(r.HasField("drain") and r.drain is False, "drain flag")
        else:
            check(not r.HasField("l2"), "a withdraw carries no l2")
    return check.done("push")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--collector", required=True)
    ap.add_argument("--case", required=True, choices=["once", "config-error", "ramp", "push"])
    ap.add_argument("--proto", help="proto/catsd.proto, for --case push")
    args = ap.parse_args()
    with simtest.tmpdir() as tmp:
        if args.case == "push":
            return case_push(args.collector, tmp, args.proto)
        cases = {"once": case_once, "config-error": case_config_error, "ramp": case_ramp}
        return cases[args.case](args.collector, tmp)


if __name__ == "__main__":
    sys.exit(main())
