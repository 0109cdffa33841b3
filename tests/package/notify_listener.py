"""A service manager's notification socket (sd_notify's NOTIFY_SOCKET), for
the package test: binds a datagram socket, and writes each message it
receives as one line "<sender pid> <fields separated by spaces>" to a file,
flushed. The sender's pid comes from the kernel (SCM_CREDENTIALS), as systemd
checks NotifyAccess=main. Stops on SIGTERM or after --seconds.

    notify_listener.py SOCKET OUTFILE [--seconds N]
"""
import argparse
import os
import signal
import socket
import struct
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("out")
    ap.add_argument("--seconds", type=float, default=120)
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    s.bind(args.socket)
    os.chmod(args.socket, 0o777)  # the daemon runs as another user
    s.settimeout(args.seconds)
    creds = struct.calcsize("3i")
    with open(args.out, "w", encoding="utf-8") as out:
        print("listening", file=out, flush=True)
        while True:
            try:
                data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(creds))
            except socket.timeout:
                return 0
            pid = 0
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("3i", payload[:creds])[0]
            fields = data.decode("utf-8", "replace").split("\n")
            print(pid, " ".join(f for f in fields if f), file=out, flush=True)


if __name__ == "__main__":
    sys.exit(main())
