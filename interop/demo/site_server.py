#!/usr/bin/python3
"""A site's inference front end for the demo: an HTTP server on each anycast service address that answers
{"site", "service", "ms"} after a delay that grows with the site's simulated load (the `queue` loadsim serves for
the service's engine instance), plus the site's network delay (the kernel here has no netem: the RTT is added in
user space). With --echo PORT it also runs a TCP echo server on every address that answers each line with the site
name: a long-lived flow for the resilient-group test. Runs until SIGTERM.

    site_server.py --site edge1 --rtt-ms 2 --serve 203.0.113.10:live-avatar:PORT ... [--loadsim-control PORT]
"""
import argparse
import http.server
import json
import signal
import socketserver
import sys
import threading
import time
import urllib.request

LOAD = {}  # service -> queue
LOCK = threading.Lock()


def poll_load(control_port, instances):
    """Keeps LOAD current from loadsim's /scenario (every 0.2 s)."""
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{control_port}/scenario", timeout=1) as r:
                state = json.load(r)
            with LOCK:
                for service, inst in instances.items():
                    LOAD[service] = float(state["instances"][inst]["values"].get("queue", 0))
        except Exception:  # noqa: BLE001 - loadsim restarting; keep the last values
            pass
        time.sleep(0.2)


def handler_for(site, service, rtt_ms, base_ms):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            with LOCK:
                queue = LOAD.get(service, 0.0)
            ms = rtt_ms + base_ms * (1 + queue / 3)
            time.sleep(ms / 1000)
            body = json.dumps({"site": site, "service": service, "ms": round(ms, 1)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


class Echo(socketserver.StreamRequestHandler):
    site = "?"

    def handle(self):
        for line in self.rfile:
            if not line:
                break
            self.wfile.write(f"{self.site} {line.decode().strip()}\n".encode())


class ThreadingTCP(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--site", required=True)
    ap.add_argument("--rtt-ms", type=float, default=1)
    ap.add_argument("--base-ms", type=float, default=8)
    ap.add_argument("--serve", action="append", default=[], help="ADDRESS:SERVICE:LOADSIM_INSTANCE")
    ap.add_argument("--loadsim-control", type=int)
    ap.add_argument("--echo", type=int, help="TCP echo port on every address")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    instances = {}
    servers = []
    for spec in args.serve:
        address, service, inst = spec.split(":")
        instances[service] = inst
        srv = http.server.ThreadingHTTPServer((address, 80), handler_for(args.site, service, args.rtt_ms,
                                                                          args.base_ms))
        srv.daemon_threads = True
        servers.append(srv)
        if args.echo:
            Echo.site = args.site
            servers.append(ThreadingTCP((address, args.echo), Echo))
    if args.loadsim_control:
        threading.Thread(target=poll_load, args=(args.loadsim_control, instances), daemon=True).start()
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
