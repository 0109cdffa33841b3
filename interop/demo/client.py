#!/usr/bin/python3
"""The demo's clients: per service, a steady stream of short HTTP requests (a new connection each, as a device
sending inference tasks) to the service's anycast address; one JSON line per request on stdout:
{"t": unix time, "svc": name, "site": who answered, "ms": latency, "err": text or null}. Runs until SIGTERM.

    client.py --service live-avatar=203.0.113.10 --service text-to-image=203.0.113.20 --rate 10
"""
import argparse
import http.client
import json
import signal
import sys
import threading
import time

OUT_LOCK = threading.Lock()
STOP = threading.Event()


def worker(name, address, period):
    nxt = time.monotonic()
    while not STOP.is_set():
        t0 = time.time()
        m0 = time.monotonic()
        rec = {"t": round(t0, 3), "svc": name, "site": None, "ms": None, "err": None}
        try:
            c = http.client.HTTPConnection(address, 80, timeout=4)
            c.request("GET", "/infer")
            r = c.getresponse()
            body = json.loads(r.read())
            c.close()
            rec["site"] = body["site"]
            rec["ms"] = round((time.monotonic() - m0) * 1000, 1)
        except Exception as e:  # noqa: BLE001 - every failure is a data point
            rec["err"] = type(e).__name__
        with OUT_LOCK:
            print(json.dumps(rec), flush=True)
        nxt += period
        STOP.wait(max(0.0, nxt - time.monotonic()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--service", action="append", required=True, help="NAME=ADDRESS")
    ap.add_argument("--rate", type=float, default=10, help="requests per second per service")
    ap.add_argument("--workers", type=int, default=4, help="per service")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    threads = []
    for spec in args.service:
        name, address = spec.split("=")
        for _ in range(args.workers):
            t = threading.Thread(target=worker, args=(name, address, args.workers / args.rate))
            t.start()
            threads.append(t)
            time.sleep(1 / args.rate)
    while not STOP.is_set():
        STOP.wait(1)
    for t in threads:
        t.join(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
