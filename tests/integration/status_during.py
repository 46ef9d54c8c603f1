#!/usr/bin/python3
"""Times `status` on a weftd's control socket while a mirror runs.

Usage: status_during.py SOCKET WANT_CHUNK_BYTES TIMEOUT_S [idle N]

Sends a status request every 20 ms over a fresh connection, as `weft
status` does, and times each from connect to the whole reply. A sample
counts as taken during the mirror when its reply shows some but not all
of WANT_CHUNK_BYTES in the store. Stops once all are in. Prints JSON:
the number of samples during the mirror and their median, 90th
percentile and largest latency in ms, and whether the mirror completed.
With "idle N" it takes N samples and counts them all (a baseline).
"""
import json
import os
import socket
import struct
import sys
import time

import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_ctl import read_frame  # noqa: E402


def status(path):
    t0 = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    body = msgpack.packb({"v": 1, "op": "status"}, use_bin_type=True)
    s.sendall(struct.pack(">I", len(body)) + body)
    reply = read_frame(s)
    ms = (time.monotonic() - t0) * 1000
    s.close()
    return ms, reply


def main():
    path, want, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    idle = len(sys.argv) > 5 and sys.argv[4] == "idle"
    lat = []
    done = False
    end = time.monotonic() + limit
    while time.monotonic() < end:
        ms, r = status(path)
        have = r.get("chunk_bytes", 0)
        if idle:
            lat.append(ms)
            if len(lat) >= int(sys.argv[5]):
                break
        elif have >= want:
            done = True
            break
        elif have > 0:
            lat.append(ms)
        time.sleep(0.02)
    lat.sort()
    n = len(lat)
    print(json.dumps({
        "samples": n,
        "median": lat[n // 2] if n else 0,
        "p90": lat[min(n - 1, n * 9 // 10)] if n else 0,
        "max": lat[-1] if n else 0,
        "done": done,
    }))


if __name__ == "__main__":
    sys.exit(main())
