#!/usr/bin/python3
"""Load simulator: real HTTP servers serving vLLM-, Triton-, TGI- or
SGLang-style Prometheus /metrics, driven by a scenario (ramps, spikes, noise,
outages) in real or accelerated time. Python 3 standard library only.

  loadsim.py --scenario scenarios/ramp.json [--speed 10] [--control 0] [--port-file F]
  loadsim.py --listen vllm:0 --listen tgi:9100:tgi-b --control 0

On start it prints one JSON line to stdout: {"control": port, "instances":
{name: port}} (ports chosen by the kernel when 0). GET /scenario (control
port, or any instance port while it is up) returns the current and the last
served values: tests compare the collector's figures with them. POST /control
changes an instance at run time. See README.md.
"""

import argparse
import http.server
import json
import math
import os
import random
import signal
import sys
import threading
import time

FIELDS = ("queue", "running", "kv_cache", "gpu_util", "cpu", "latency", "rps")
DEFAULTS = {"queue": 0.0, "running": 0.0, "kv_cache": 0.0, "gpu_util": 0.0, "cpu": 0.0, "latency": 0.5, "rps": 2.0}
FRACTIONS = ("kv_cache", "gpu_util", "cpu")
ENGINES = ("vllm", "triton", "tgi", "sglang")
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ScenarioError(Exception):
    pass


def segment_value(seg, t, rng):
    """Value of one segment at t seconds into it (noise included)."""
    if "from" in seg or "to" in seg:
        a, b = float(seg.get("from", 0)), float(seg.get("to", 0))
        span = float(seg.get("for", 0))
        v = b if span <= 0 else a + (b - a) * min(max(t / span, 0.0), 1.0)
    else:
        v = float(seg.get("value", 0))
    spike = seg.get("spike")
    if spike is not None:
        at, width = float(seg.get("spike_at", 0)), float(seg.get("spike_for", 1))
        if at <= t < at + width:
            v = float(spike)
    noise = float(seg.get("noise", 0))
    if noise > 0:
        v += rng.gauss(0.0, noise)
    return v


class Timeline:
    """Segments of one field; after the last, its end value holds (or it loops)."""

    def __init__(self, segments, loop, where):
        if isinstance(segments, (int, float)):
            segments = [{"value": segments}]
        if not isinstance(segments, list) or not segments:
            raise ScenarioError(f"{where}: a number or a non-empty list of segments")
        for i, s in enumerate(segments):
            if not isinstance(s, dict):
                raise ScenarioError(f"{where}[{i}]: a segment is an object")
            unknown = set(s) - {"for", "value", "from", "to", "spike", "spike_at", "spike_for", "noise"}
            if unknown:
                raise ScenarioError(f"{where}[{i}]: unknown key(s) {sorted(unknown)}")
        self.segments = segments
        self.loop = loop
        self.total = sum(float(s.get("for", 0)) for s in segments)

    def value(self, t, rng):
        if self.loop and self.total > 0:
            t = math.fmod(t, self.total)
        start = 0.0
        for s in self.segments:
            span = float(s.get("for", 0))
            if t < start + span:
                return segment_value(s, t - start, rng)
            start += span
        last = self.segments[-1]
        return segment_value(last, float(last.get("for", 0)), rng)


def clamp(field, v):
    v = max(v, 0.0)
    return min(v, 1.0) if field in FRACTIONS else v


class Instance:
    def __init__(self, spec, seed):
        self.name = spec["name"]
        self.engine = spec.get("engine", "vllm")
        if self.engine not in ENGINES:
            raise ScenarioError(f"instance {self.name}: engine must be one of {ENGINES}")
        self.port = int(spec.get("port", 0))
        self.model = spec.get("model", "meta-llama/Llama-3.1-8B-Instruct")
        loop = bool(spec.get("loop", False))
        unknown = set(spec.get("fields", {})) - set(FIELDS)
        if unknown:
            raise ScenarioError(f"instance {self.name}: unknown field(s) {sorted(unknown)}; known {FIELDS}")
        self.timelines = {
            f: Timeline(spec.get("fields", {}).get(f, DEFAULTS[f]), loop, f"{self.name}/fields/{f}") for f in FIELDS
        }
        self.outages = spec.get("outages", [])
        for o in self.outages:
            if o.get("mode", "refuse") not in ("refuse", "503"):
                raise ScenarioError(f"instance {self.name}: outage mode is refuse or 503")
        self.overrides = {}  # field -> constant, set by POST /control
        self.forced = None  # outage mode forced by /control ("up" forces none)
        self.rng = random.Random(f"{seed}/{self.name}")
        self.lock = threading.Lock()
        # Histogram and counter state, advanced in scenario time.
        self.last_t = None
        self.count = 0.0
        self.sum = 0.0
        self.buckets = [0.0] * len(LATENCY_BUCKETS)
        self.last_served = None
        self.served = 0
        self.server = None

    def mode(self, t):
        if self.forced is not None:
            return None if self.forced == "up" else self.forced
        for o in self.outages:
            if float(o.get("at", 0)) <= t < float(o.get("at", 0)) + float(o.get("for", 0)):
                return o.get("mode", "refuse")
        return None

    def values(self, t, noisy=True):
        out = {}
        for f in FIELDS:
            if f in self.overrides:
                out[f] = float(self.overrides[f])
            else:
                rng = self.rng if noisy else random.Random(0)
                out[f] = clamp(f, self.timelines[f].value(t, rng))
        return out

    def advance(self, t, v):
        """Requests finished since the last scrape feed the latency histogram."""
        if self.last_t is None:
            # Start with some history so the first page looks like a running engine.
            n = 100.0
        else:
            n = max(t - self.last_t, 0.0) * v["rps"]
        self.last_t = t
        self.count += n
        self.sum += n * v["latency"]
        for i, le in enumerate(LATENCY_BUCKETS):
            if v["latency"] <= le:
                self.buckets[i] += n

    def page(self, t):
        with self.lock:
            v = self.values(t)
            self.advance(t, v)
            self.last_served = dict(v, time=t)
            self.served += 1
            return render(self, v)


def fmt(x):
    return repr(float(x))


def histogram(name, labels, inst):
    lines = [f"# HELP {name} Request latency in seconds.", f"# TYPE {name} histogram"]
    sep = "," if labels else ""
    for le, c in zip(LATENCY_BUCKETS, inst.buckets):
        lines.append(f'{name}_bucket{{{labels}{sep}le="{le}"}} {fmt(c)}')
    lines.append(f'{name}_bucket{{{labels}{sep}le="+Inf"}} {fmt(inst.count)}')
    braces = f"{{{labels}}}" if labels else ""
    lines.append(f"{name}_sum{braces} {fmt(inst.sum)}")
    lines.append(f"{name}_count{braces} {fmt(inst.count)}")
    return lines


def gauge(name, help_text, labels, value):
    braces = f"{{{labels}}}" if labels else ""
    return [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name}{braces} {fmt(value)}"]


def render(inst, v):
    """One /metrics page in the engine's style (metric names from each project's docs)."""
    lines = []
    if inst.engine == "vllm":
        lb = f'engine="0",model_name="{inst.model}"'
        lines += gauge("vllm:num_requests_running", "Number of requests in model execution batches.", lb,
                       round(v["running"]))
        lines += gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", lb,
                       round(v["queue"]))
        lines += gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", lb, v["kv_cache"])
        lines += histogram("vllm:e2e_request_latency_seconds", lb, inst)
    elif inst.engine == "sglang":
        lb = f'model_name="{inst.model}",tp_rank="0",pp_rank="0"'
        lines += gauge("sglang:num_running_reqs", "The number of running requests.", lb, round(v["running"]))
        lines += gauge("sglang:num_queue_reqs", "The number of requests in the waiting queue.", lb, round(v["queue"]))
        lines += gauge("sglang:token_usage", "The token usage.", lb, v["kv_cache"])
        lines += histogram("sglang:e2e_request_latency_seconds", f'model_name="{inst.model}"', inst)
    elif inst.engine == "tgi":
        lines += gauge("tgi_queue_size", "Current queue size.", "", round(v["queue"]))
        lines += gauge("tgi_batch_current_size", "Current batch size.", "", round(v["running"]))
        lines += histogram("tgi_request_duration", "", inst)
    elif inst.engine == "triton":
        lb = f'model="{inst.model}",version="1"'
        lines += ["# HELP nv_inference_count Number of inferences performed", "# TYPE nv_inference_count counter",
                  f"nv_inference_count{{{lb}}} {fmt(inst.count)}"]
        lines += ["# HELP nv_inference_queue_duration_us Cumulative inference queuing duration in microseconds",
                  "# TYPE nv_inference_queue_duration_us counter",
                  f"nv_inference_queue_duration_us{{{lb}}} {fmt(inst.sum * 1e6)}"]
        lines += gauge("nv_inference_pending_request_count", "Instantaneous number of pending requests", lb,
                       round(v["queue"]))
        lines += gauge("nv_gpu_utilization", "GPU utilization rate [0.0 - 1.0)",
                       'gpu_uuid="GPU-00000000-0000-0000-0000-000000000000"', v["gpu_util"])
        lines += gauge("nv_cpu_utilization", "CPU utilization rate [0.0 - 1.0]", "", v["cpu"])
    return "\n".join(lines) + "\n"


class Sim:
    def __init__(self, instances, speed):
        self.instances = {i.name: i for i in instances}
        self.speed = speed
        self.start = time.monotonic()
        self.control_port = None
        self.stopping = threading.Event()

    def now(self):
        return (time.monotonic() - self.start) * self.speed

    def truth(self):
        t = self.now()
        out = {"time": t, "speed": self.speed, "instances": {}}
        for name, i in self.instances.items():
            with i.lock:
                out["instances"][name] = {
                    "engine": i.engine,
                    "port": i.port,
                    "model": i.model,
                    "state": i.mode(t) or "up",
                    "values": i.values(t, noisy=False),
                    "last_served": i.last_served,
                    "served": i.served,
                    "overrides": dict(i.overrides),
                }
        return out

    def control(self, req):
        name = req.get("instance")
        if name not in self.instances:
            raise ScenarioError(f"no instance {name!r}")
        inst = self.instances[name]
        with inst.lock:
            for f, val in req.get("set", {}).items():
                if f not in FIELDS:
                    raise ScenarioError(f"unknown field {f!r}")
                inst.overrides[f] = float(val)
            for f in req.get("clear", []):
                inst.overrides.pop(f, None)
            if "outage" in req:
                mode = req["outage"]
                if mode not in (None, "up", "refuse", "503"):
                    raise ScenarioError("outage is null (scenario), up, refuse or 503")
                inst.forced = mode


def json_reply(handler, code, obj):
    body = (json.dumps(obj) + "\n").encode()
    handler.send_response(code)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def make_handler(sim, inst):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/scenario":
                return json_reply(self, 200, sim.truth())
            if inst is None or path != "/metrics":
                return json_reply(self, 404, {"error": "not found"})
            if inst.mode(sim.now()) == "503":
                return json_reply(self, 503, {"error": "simulated outage"})
            body = inst.page(sim.now()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            if self.path != "/control":
                return json_reply(self, 404, {"error": "not found"})
            try:
                n = int(self.headers.get("Content-Length", "0"))
                sim.control(json.loads(self.rfile.read(n) or b"{}"))
            except (ValueError, ScenarioError) as e:
                return json_reply(self, 400, {"error": str(e)})
            return json_reply(self, 200, sim.truth())

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(port, handler):
    srv = Server(("127.0.0.1", port), handler)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return srv


def supervise(sim):
    """Outages of mode refuse close the listening socket: connection refused."""
    while not sim.stopping.wait(0.02):
        t = sim.now()
        for inst in sim.instances.values():
            refuse = inst.mode(t) == "refuse"
            if refuse and inst.server is not None:
                inst.server.shutdown()
                inst.server.server_close()
                inst.server = None
            elif not refuse and inst.server is None:
                try:
                    inst.server = serve(inst.port, make_handler(sim, inst))
                except OSError as e:  # port taken meanwhile: try again next round
                    print(f"loadsim: rebind {inst.name}:{inst.port}: {e}", file=sys.stderr)


def parse_listen(text, n):
    parts = text.split(":")
    if len(parts) not in (2, 3) or parts[0] not in ENGINES:
        raise ScenarioError(f"--listen {text!r}: ENGINE:PORT[:NAME], ENGINE one of {ENGINES}")
    name = parts[2] if len(parts) == 3 else f"{parts[0]}-{n}"
    return {"name": name, "engine": parts[0], "port": int(parts[1])}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", help="scenario JSON file")
    ap.add_argument("--listen", action="append", default=[], help="ENGINE:PORT[:NAME], constant default values")
    ap.add_argument("--speed", type=float, default=None, help="scenario seconds per real second (default 1)")
    ap.add_argument("--control", type=int, default=None, metavar="PORT", help="control server port (0: any)")
    ap.add_argument("--port-file", help="also write the start line (ports) to this file")
    ap.add_argument("--seed", type=int, default=1, help="noise seed")
    ap.add_argument("--duration", type=float, default=None, help="exit after this many real seconds")
    args = ap.parse_args()

    try:
        specs, speed = [], 1.0
        if args.scenario:
            with open(args.scenario) as f:
                doc = json.load(f)
            specs = doc.get("instances", [])
            speed = float(doc.get("speed", 1.0))
        specs += [parse_listen(x, n) for n, x in enumerate(args.listen)]
        if not specs:
            raise ScenarioError("no instance: give --scenario or --listen")
        if args.speed is not None:
            speed = args.speed
        names = [s.get("name") for s in specs]
        if None in names or len(set(names)) != len(names):
            raise ScenarioError("every instance needs a unique name")
        sim = Sim([Instance(s, args.seed) for s in specs], speed)
    except (OSError, ValueError, ScenarioError) as e:
        print(f"loadsim: {e}", file=sys.stderr)
        return 2

    for inst in sim.instances.values():
        inst.server = serve(inst.port, make_handler(sim, inst))
        inst.port = inst.server.server_address[1]  # a refuse outage rebinds the same port
        if inst.mode(0) == "refuse":  # down from the start: the port is known, nothing listens
            inst.server.shutdown()
            inst.server.server_close()
            inst.server = None
    if args.control is not None:
        ctl = serve(args.control, make_handler(sim, None))
        sim.control_port = ctl.server_address[1]
    start = {"control": sim.control_port, "instances": {n: i.port for n, i in sim.instances.items()}}
    line = json.dumps(start)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(line + "\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    print(line, flush=True)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: sim.stopping.set())
    threading.Thread(target=supervise, args=(sim,), daemon=True).start()
    sim.stopping.wait(args.duration)
    sim.stopping.set()
    return 0


if __name__ == "__main__":
    sys.exit(main())
