#!/usr/bin/python3
"""Long-lived TCP flows to an anycast echo service (interop/demo/site_server.py --echo): opens --flows connections,
sends a line on each every --interval seconds and reads the answering site's name back, for --seconds.

Prints one JSON line when every flow has had its first answer ({"ready": {flow: site}}), then one at the end:
{"flows": {flow: {"site", "exchanges", "sites" (every site that ever answered), "error" (or null)}}}. A flow whose
packets the network moved to another site is reset by that site (it knows no such connection): its error says so.
"""
import argparse
import json
import selectors
import socket
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True, help="ADDRESS:PORT")
    ap.add_argument("--flows", type=int, default=32)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    host, port = args.target.rsplit(":", 1)
    sel = selectors.DefaultSelector()
    flows = {}
    for i in range(args.flows):
        s = socket.create_connection((host, int(port)), timeout=3)
        s.setblocking(False)
        flows[i] = {"sock": s, "buf": b"", "site": None, "sites": [], "exchanges": 0, "error": None, "waiting": False}
        sel.register(s, selectors.EVENT_READ, i)
    ready_sent = False
    end = time.monotonic() + args.seconds
    next_send = time.monotonic()
    seq = 0
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_send:
            seq += 1
            for i, f in flows.items():
                if f["error"] is None and not f["waiting"]:
                    try:
                        f["sock"].sendall(f"{i}.{seq}\n".encode())
                        f["waiting"] = True
                    except OSError as e:
                        f["error"] = f"send: {e}"
            next_send = now + args.interval
        for key, _ in sel.select(timeout=max(0.0, min(next_send, end) - time.monotonic())):
            f = flows[key.data]
            try:
                data = f["sock"].recv(4096)
                if not data:
                    raise OSError("closed by the far end")
            except OSError as e:
                if f["error"] is None:
                    f["error"] = f"recv: {e}"
                sel.unregister(f["sock"])
                continue
            f["buf"] += data
            while b"\n" in f["buf"]:
                line, f["buf"] = f["buf"].split(b"\n", 1)
                site = line.decode().split(" ", 1)[0]
                f["site"] = site
                if site not in f["sites"]:
                    f["sites"].append(site)
                f["exchanges"] += 1
                f["waiting"] = False
        if not ready_sent and all(f["site"] or f["error"] for f in flows.values()):
            print(json.dumps({"ready": {i: f["site"] for i, f in flows.items()}}), flush=True)
            ready_sent = True
    print(json.dumps({"flows": {i: {k: f[k] for k in ("site", "sites", "exchanges", "error")}
                                for i, f in flows.items()}}), flush=True)
    for f in flows.values():
        f["sock"].close()


if __name__ == "__main__":
    main()
