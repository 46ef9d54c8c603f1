#!/usr/bin/python3
"""Spawns a weftd and times it: prints the milliseconds from the spawn to
its control socket answering "status", and to its "peers" listing an open
connection to NODE. For bench-lan.sh. Polls every 2 ms; gives up (exit 1)
after 20 s. The weftd is stopped (SIGTERM) before it returns.

usage: lan_wait.py HOME NODE COMMAND...
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import time

import msgpack


def call(path, op):
    """One request; the items of a list reply, or the reply map."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        body = msgpack.packb({"v": 1, "op": op}, use_bin_type=True)
        s.sendall(struct.pack(">I", len(body)) + body)
        items = []
        while True:
            hdr = b""
            while len(hdr) < 4:
                b = s.recv(4 - len(hdr))
                if not b:
                    raise EOFError
                hdr += b
            (n,) = struct.unpack(">I", hdr)
            buf = b""
            while len(buf) < n:
                b = s.recv(n - len(buf))
                if not b:
                    raise EOFError
                buf += b
            r = msgpack.unpackb(buf, raw=False)
            if r.get("status") != 0:
                raise EOFError
            if "items" not in r:
                return r
            items += r["items"]
            if not r.get("more"):
                return items
    finally:
        s.close()


def main():
    home, node = sys.argv[1], bytes.fromhex(sys.argv[2])
    sock = os.path.join(home, "weftd.sock")
    log = open(home + ".log", "a")
    t0 = time.monotonic()
    p = subprocess.Popen(sys.argv[3:], stdout=log, stderr=subprocess.STDOUT)
    t_up = t_conn = None
    try:
        while time.monotonic() - t0 < 20:
            try:
                if t_up is None:
                    call(sock, "status")
                    t_up = time.monotonic()
                peers = call(sock, "peers")
                if any(x.get("node") == node and x.get("state") == "open"
                       for x in peers):
                    t_conn = time.monotonic()
                    break
            except (OSError, EOFError):
                pass
            time.sleep(0.002)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait()
    if t_conn is None:
        sys.exit("no connection to %s within 20 s" % sys.argv[2])
    print("%.1f %.1f" % ((t_up - t0) * 1000, (t_conn - t0) * 1000))


main()
