#!/usr/bin/python3
"""loadsim by itself: pages per engine, /scenario truth, ramps in accelerated
time, outages (connection refused, HTTP 503) and POST /control."""

import json
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simtest  # noqa: E402

NAMES = {
    "vllm": ["vllm:num_requests_waiting", "vllm:num_requests_running", "vllm:kv_cache_usage_perc",
             "vllm:e2e_request_latency_seconds_count"],
    "triton": ["nv_inference_pending_request_count", "nv_inference_queue_duration_us", "nv_inference_count",
               "nv_gpu_utilization", "nv_cpu_utilization"],
    "tgi": ["tgi_queue_size", "tgi_batch_current_size", "tgi_request_duration_sum"],
    "sglang": ["sglang:num_queue_reqs", "sglang:num_running_reqs", "sglang:token_usage",
               "sglang:e2e_request_latency_seconds_sum"],
}


def get(port, path="/metrics"):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, None, ""
    except urllib.error.URLError as e:
        return str(e.reason), None, ""


def sample(page, name):
    for line in page.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def main():
    check = simtest.Check()
    scenario = {"instances": [
        {"name": e, "engine": e, "fields": {"queue": 3, "running": 5, "kv_cache": 0.5, "gpu_util": 0.4, "cpu": 0.2}}
        for e in NAMES
    ] + [
        {"name": "ramp", "engine": "tgi", "fields": {"queue": [{"for": 100, "from": 0, "to": 100}]}},
        {"name": "flaky", "engine": "vllm",
         "outages": [{"at": 0, "for": 20, "mode": "refuse"}, {"at": 20, "for": 20, "mode": "503"}]},
    ]}
    with simtest.tmpdir() as tmp:
        sim = simtest.LoadSim(scenario, tmp, speed=20)
        try:
            for engine, names in NAMES.items():
                status, ctype, page = get(sim.ports[engine])
                check(status == 200 and ctype.startswith("text/plain; version=0.0.4"), f"{engine}: {status} {ctype}")
                for n in names:
                    check(sample(page, n) is not None, f"{engine} page has {n}")
            check(sample(get(sim.ports["vllm"])[2], "vllm:num_requests_waiting") == 3.0, "vllm queue value")
            check(sample(get(sim.ports["triton"])[2], "nv_gpu_utilization") == 0.4, "triton gpu value")
            truth = sim.truth()
            check(truth["instances"]["vllm"]["last_served"]["queue"] == 3.0, "truth: last served")
            # Ramp: 1 queue per scenario second, 20 scenario seconds per real second.
            q1 = sample(get(sim.ports["ramp"])[2], "tgi_queue_size")
            time.sleep(0.5)
            q2 = sample(get(sim.ports["ramp"])[2], "tgi_queue_size")
            check(q1 is not None and q2 is not None and 7 <= q2 - q1 <= 14, f"ramp moved {q1} -> {q2} in 0.5 s")
            # Outages: refused during scenario 0..20 s (1 s real), then 503 until 40 s.
            status = get(sim.ports["flaky"])[0]
            check("refused" in str(status), f"refuse outage: {status}")
            check(sim.truth()["instances"]["flaky"]["state"] == "refuse", "truth names the outage")
            while sim.truth()["time"] < 21:
                time.sleep(0.05)
            time.sleep(0.1)  # the supervisor rebinds within 20 ms
            check(get(sim.ports["flaky"])[0] == 503, "503 outage")
            while sim.truth()["time"] < 41:
                time.sleep(0.05)
            check(get(sim.ports["flaky"])[0] == 200, "back after the outages")
            # Control: override a value, force an outage, clear both.
            sim.set("vllm", queue=9)
            check(sample(get(sim.ports["vllm"])[2], "vllm:num_requests_waiting") == 9.0, "control sets the queue")
            req = urllib.request.Request(f"http://127.0.0.1:{sim.control}/control", method="POST",
                                         data=json.dumps({"instance": "vllm", "outage": "503",
                                                          "clear": ["queue"]}).encode())
            urllib.request.urlopen(req, timeout=2).read()
            check(get(sim.ports["vllm"])[0] == 503, "control forces 503")
            bad = urllib.request.Request(f"http://127.0.0.1:{sim.control}/control", method="POST",
                                         data=b'{"instance": "nope"}')
            try:
                urllib.request.urlopen(bad, timeout=2)
                check(False, "unknown instance rejected")
            except urllib.error.HTTPError as e:
                check(e.code == 400, f"unknown instance: {e.code}")
        finally:
            rc, _, err = sim.stop()
            check(rc == 0, f"loadsim exit {rc}: {err}")
    return check.done("loadsim")


if __name__ == "__main__":
    sys.exit(main())
