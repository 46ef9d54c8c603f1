#!/usr/bin/python3
"""Opens many TCP connections to a weftd that never complete a handshake.

Usage: net_flood.py HOST PORT COUNT SECONDS

Opens COUNT connections (some send random bytes, some half a client
hello, most nothing), then waits up to SECONDS for the daemon to close
every one of them. Prints "open N closed M" and exits 0 when all were
closed, 1 otherwise. Meanwhile the caller checks that the daemon still
answers and that its memory stays bounded.
"""
import os
import resource
import select
import socket
import sys
import time


def main():
    host, port, count, secs = (sys.argv[1], int(sys.argv[2]),
                               int(sys.argv[3]), float(sys.argv[4]))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, count + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    socks = []
    for i in range(count):
        s = socket.socket()
        s.setblocking(True)
        s.connect((host, port))
        if i % 10 == 1:
            s.send(os.urandom(200))
        elif i % 10 == 2:
            s.send(os.urandom(40))  # part of a 64-byte client hello
        s.setblocking(False)
        socks.append(s)
    print("opened", len(socks), flush=True)
    open_ = set(socks)
    deadline = time.time() + secs
    while open_ and time.time() < deadline:
        r, _, _ = select.select(list(open_)[:1000], [], [], 0.2)
        for s in r:
            try:
                data = s.recv(4096)
            except (ConnectionResetError, BlockingIOError):
                data = b""
            if not data:
                open_.discard(s)
                s.close()
    print("open", len(open_), "closed", count - len(open_))
    return 0 if not open_ else 1


if __name__ == "__main__":
    sys.exit(main())
