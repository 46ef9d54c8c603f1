#!/usr/bin/python3
"""Propagation of one new design across N real weftd on loopback.

Usage: propagate.py BUILD_DIR [NODES] [DEGREE] [RUNS]

Starts NODES weftd (peer address learning off, so the graph stays as
built), links them in a random connected graph of average degree DEGREE
(a ring plus random chords), waits until every link is open and the
first reconciliations are over, then publishes one design on a random
node RUNS times. For each run it reports the time from the publish
reply until every node stores the design (each node's control socket
polled in turn over one open connection, about 0.2 ms a request), and
the sync messages sent per node (status "sync" counters, before and
after). Prints a summary line per run and the median.
"""
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

import msgpack


class Ctl:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)

    def call(self, op, **kw):
        req = {"v": 1, "op": op}
        req.update(kw)
        body = msgpack.packb(req, use_bin_type=True)
        self.s.sendall(struct.pack(">I", len(body)) + body)
        return self._frame()

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            b = self.s.recv(n - len(buf))
            if not b:
                raise EOFError("weftd closed the control connection")
            buf += b
        return buf

    def _frame(self):
        (n,) = struct.unpack(">I", self._read(4))
        return msgpack.unpackb(self._read(n), raw=False)


def wait(cond, secs, what):
    end = time.monotonic() + secs
    while not cond():
        if time.monotonic() > end:
            sys.exit("bench-propagate: timed out waiting for " + what)
        time.sleep(0.02)


def main():
    build = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    degree = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    weft, weftd = os.path.join(build, "weft"), os.path.join(build, "weftd")
    tmp = tempfile.mkdtemp(prefix="weft-prop.", dir=os.environ.get(
        "TMPDIR", "/var/tmp"))
    env = dict(os.environ, WEFT_OUT_TARGET="0", WEFT_BACKOFF_MIN_MS="100",
               WEFT_BACKOFF_MAX_MS="1000", WEFT_LAN_DISCOVERY="off")
    procs = []
    try:
        for i in range(n):
            home = os.path.join(tmp, "n%d" % i)
            log = open(home + ".log", "w")
            procs.append(subprocess.Popen(
                [weftd, "--home", home, "--listen", "127.0.0.1:0"],
                stdout=log, stderr=subprocess.STDOUT, env=env))
        ctl = [None] * n
        for i in range(n):
            sock = os.path.join(tmp, "n%d" % i, "weftd.sock")
            wait(lambda: os.path.exists(sock), 20, "weftd n%d" % i)
            ctl[i] = Ctl(sock)
        addr = [c.call("status")["address"] for c in ctl]

        # A ring plus random chords: connected, average degree `degree`.
        rnd = random.Random(int(os.environ.get("SEED", "1")))
        edges = set()
        for i in range(n):
            edges.add((min(i, (i + 1) % n), max(i, (i + 1) % n)))
        while len(edges) < n * degree // 2:
            a, b = rnd.sample(range(n), 2)
            edges.add((min(a, b), max(a, b)))
        deg = [0] * n
        for a, b in edges:
            r = ctl[a].call("connect", peer=addr[b])
            if r["status"] != 0:
                sys.exit("connect failed: %r" % r)
            deg[a] += 1
            deg[b] += 1
        wait(lambda: all(c.call("status")["peers"] == deg[i]
                         for i, c in enumerate(ctl)), 60, "the graph")
        # The rounds on connect are over when the counters stand still.
        def msgs():
            return [c.call("status")["sync"] for c in ctl]
        prev = None
        while True:
            cur = [s["msgs_out"] for s in msgs()]
            if cur == prev:
                break
            prev = cur
            time.sleep(0.3)

        src = os.path.join(tmp, "src")
        os.mkdir(src)
        times = []
        for run in range(runs):
            with open(os.path.join(src, "part.scad"), "w") as f:
                f.write("cube(%d);\n" % run)
            before = msgs()
            origin = rnd.randrange(n)
            t0 = time.monotonic()
            out = subprocess.run(
                [weft, "--home", os.path.join(tmp, "n%d" % origin), "-q",
                 "publish", src, "--title", "Run %d" % run, "--license",
                 "mit"], env=env, check=True, capture_output=True,
                text=True).stdout.strip()
            t1 = time.monotonic()
            want = run + 1
            pending = set(range(n)) - {origin}
            last = t1
            while pending:
                for i in list(pending):
                    if ctl[i].call("status")["designs"] >= want:
                        pending.discard(i)
                        last = time.monotonic()
                if time.monotonic() - t1 > 30:
                    sys.exit("run %d: %d nodes never got %s" %
                             (run, len(pending), out))
            after = msgs()
            sent = sum(a["msgs_out"] - b["msgs_out"]
                       for a, b in zip(after, before))
            nbytes = sum(a["bytes_out"] - b["bytes_out"]
                         for a, b in zip(after, before))
            ms = (last - t1) * 1000
            times.append(ms)
            print("run %d: %d nodes, degree %.1f, origin n%d: all have it "
                  "%.1f ms after the publish reply (%.1f ms after the "
                  "command started); %.2f sync messages and %.0f bytes "
                  "sent per node" % (run, n, 2 * len(edges) / n, origin,
                                     ms, (last - t0) * 1000, sent / n,
                                     nbytes / n))
            sys.stdout.flush()
        times.sort()
        print("median %.1f ms over %d runs (target < 300 ms)" %
              (times[len(times) // 2], runs))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
