#!/usr/bin/python3
"""Floods a weftd with TCP connections that never complete a handshake.

Usage: net_flood.py HOST PORT COUNT SECONDS [MODE]

MODE hold (the default): opens COUNT connections (some send random
bytes, some half a client hello, most nothing), then waits up to SECONDS
for the daemon to close every one of them; exits 0 when all were
closed, 1 otherwise.

MODE idle or slowloris: keeps COUNT connections open for SECONDS,
opening a new one as soon as the daemon closes one (slowloris: each
sends one random byte every 2 s), then closes them all; exits 0.

Prints "opened N" once the first COUNT are open, and at the end "made M
closed K": M connections made in all, K of them closed by the daemon.
Meanwhile the caller checks that the daemon still answers, lets honest
peers in and keeps its memory bounded.
"""
import os
import resource
import select
import socket
import sys
import time


def connect(host, port):
    s = socket.socket()
    s.setblocking(True)
    try:
        s.connect((host, port))
    except OSError:
        s.close()
        return None
    return s


def hold(host, port, count, secs):
    socks = []
    for i in range(count):
        s = connect(host, port)
        if s is None:
            continue
        try:
            if i % 10 == 1:
                s.send(os.urandom(200))
            elif i % 10 == 2:
                s.send(os.urandom(40))  # part of a 64-byte client hello
        except OSError:
            pass
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
    print("made", len(socks), "closed", len(socks) - len(open_))
    return 0 if not open_ else 1


def churn(host, port, count, secs, slow):
    made = closed = 0
    socks = {}
    def add():
        nonlocal made
        s = connect(host, port)
        if s is not None:
            made += 1
            s.setblocking(False)
            socks[s] = time.time()
    for _ in range(count):
        add()
    print("opened", len(socks), flush=True)
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select(list(socks)[:1000], [], [], 0.05)
        for s in r:
            try:
                data = s.recv(4096)
            except (ConnectionResetError, BlockingIOError, OSError):
                data = b""
            if not data:
                del socks[s]
                s.close()
                closed += 1
        if slow:
            now = time.time()
            for s, t in list(socks.items()):
                if now - t >= 2:
                    try:
                        s.send(os.urandom(1))
                    except OSError:
                        pass
                    socks[s] = now
        while len(socks) < count and time.time() < end:
            add()
    for s in socks:
        s.close()
    print("made", made, "closed", closed, flush=True)
    return 0


def main():
    host, port, count, secs = (sys.argv[1], int(sys.argv[2]),
                               int(sys.argv[3]), float(sys.argv[4]))
    mode = sys.argv[5] if len(sys.argv) > 5 else "hold"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, count + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if mode == "hold":
        return hold(host, port, count, secs)
    return churn(host, port, count, secs, mode == "slowloris")


if __name__ == "__main__":
    sys.exit(main())
