#!/usr/bin/python3
"""Time from weftd start to the first synced record, with 8 known peers.

Usage: restart.py BUILD_DIR [RUNS]

Starts 8 peer weftd on loopback, each with a design. Node R connects to
all 8 once (weft connect: verified addresses, written to its store) and
stops. Then, RUNS times, alternating:

  known: a new design is published on one peer while R is down; R is
         started with no --peer and must find its peers in its store.
  flags: node F (its home made once, its book kept empty with weft
         forget) is restarted with the 8 peers as --peer flags: the
         comparison, everything given on the command line.
  cold:  a fresh node with an empty home, the 8 peers as --peer flags
         (also creates its keys and store).

For each start it reports the time from spawning weftd until the node
stores a record it did not have (R: the new design; cold: any record)
and until all 8 connections are open, polling the control socket (about
0.3 ms a request). Prints a line per run and the medians. Peer address
learning is off (WEFT_OUT_TARGET=0), so only the book and the flags
count.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

import msgpack

PEERS = 8


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

    def close(self):
        self.s.close()


def wait(cond, secs, what):
    end = time.monotonic() + secs
    while not cond():
        if time.monotonic() > end:
            sys.exit("bench-restart: timed out waiting for " + what)
        time.sleep(0.002)


def connect_ctl(sock, secs=20):
    end = time.monotonic() + secs
    while True:
        try:
            return Ctl(sock)
        except OSError:
            if time.monotonic() > end:
                sys.exit("bench-restart: no control socket " + sock)
            time.sleep(0.001)


def main():
    build = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    weft, weftd = os.path.join(build, "weft"), os.path.join(build, "weftd")
    tmp = tempfile.mkdtemp(prefix="weft-restart.", dir=os.environ.get(
        "TMPDIR", "/var/tmp"))
    env = dict(os.environ, WEFT_OUT_TARGET="0", WEFT_BACKOFF_MIN_MS="100",
               WEFT_BACKOFF_MAX_MS="1000")
    procs = []

    def spawn(name, *args):
        home = os.path.join(tmp, name)
        log = open(home + ".log", "a")
        p = subprocess.Popen([weftd, "--home", home] + list(args),
                             stdout=log, stderr=subprocess.STDOUT, env=env)
        procs.append(p)
        return p

    def stop(p):
        p.terminate()
        if p.wait() != 0:
            sys.exit("bench-restart: weftd exited %d" % p.returncode)
        procs.remove(p)

    src = os.path.join(tmp, "src")
    os.mkdir(src)
    serial = [0]

    def publish(i):
        serial[0] += 1
        with open(os.path.join(src, "part.scad"), "w") as f:
            f.write("cube(%d);\n" % serial[0])
        subprocess.run([weft, "--home", os.path.join(tmp, "p%d" % i), "-q",
                        "publish", src, "--title", "D%d" % serial[0],
                        "--license", "mit"], env=env, check=True,
                       capture_output=True)

    def measure(name, args, before):
        """Spawns weftd; ms until records > before and until 8 peers."""
        t0 = time.monotonic()
        p = spawn(name, *args)
        c = connect_ctl(os.path.join(tmp, name, "weftd.sock"))
        t_rec = t_all = None
        while t_rec is None or t_all is None:
            st = c.call("status")
            now = time.monotonic()
            if t_rec is None and st["records"] > before:
                t_rec = now
            if t_all is None and st["peers"] == PEERS:
                t_all = now
            if now - t0 > 30:
                sys.exit("bench-restart: %s: nothing after 30 s" % name)
            time.sleep(0.001)
        c.close()
        return p, (t_rec - t0) * 1000, (t_all - t0) * 1000

    try:
        addrs = []
        for i in range(PEERS):
            spawn("p%d" % i, "--listen", "127.0.0.1:0")
        for i in range(PEERS):
            c = connect_ctl(os.path.join(tmp, "p%d" % i, "weftd.sock"))
            addrs.append(c.call("status")["address"])
            c.close()
            publish(i)
        # R meets its peers once, and keeps them in its store.
        r = spawn("r")
        c = connect_ctl(os.path.join(tmp, "r", "weftd.sock"))
        for a in addrs:
            if c.call("connect", peer=a)["status"] != 0:
                sys.exit("bench-restart: connect failed")
        wait(lambda: c.call("status")["peers"] == PEERS and
             c.call("status")["records"] >= PEERS, 30, "R's peers")
        c.close()
        stop(r)

        # F: a home of its own, started once.
        f = spawn("f")
        connect_ctl(os.path.join(tmp, "f", "weftd.sock")).close()
        stop(f)
        f_records = 0
        flags = []
        for a in addrs:
            flags += ["--peer", a]

        res = {"known": [], "flags": [], "cold": []}
        for run in range(runs):
            # known: R restarts with no flags after a new design appeared.
            publish(run % PEERS)
            r_home = os.path.join(tmp, "r")
            before = res.get("r_records", PEERS)
            p, rec, allc = measure("r", [], before)
            # Let R catch everything, then stop it for the next run.
            c = connect_ctl(os.path.join(r_home, "weftd.sock"))
            wait(lambda: c.call("status")["records"] >= PEERS + 2 * run + 1,
                 30, "R's catch-up")
            res["r_records"] = c.call("status")["records"]
            c.close()
            stop(p)
            res["known"].append((rec, allc))
            # flags: F with the 8 peers as flags, then its book emptied.
            publish((run + 1) % PEERS)
            p, rec3, allc3 = measure("f", flags, f_records)
            c = connect_ctl(os.path.join(tmp, "f", "weftd.sock"))
            wait(lambda: c.call("status")["records"] >= PEERS + 2 * run + 2,
                 30, "F's catch-up")
            f_records = c.call("status")["records"]
            for a in addrs:
                c.call("forget", node=a.split("@")[0])
            c.close()
            stop(p)
            res["flags"].append((rec3, allc3))
            # cold: a fresh home, the 8 peers as flags.
            p, rec2, allc2 = measure("cold%d" % run, flags, 0)
            stop(p)
            res["cold"].append((rec2, allc2))
            print("run %d: first record / 8 connected, ms: known peers "
                  "from the store %.1f / %.1f; same home with 8 --peer "
                  "%.1f / %.1f; fresh home with 8 --peer %.1f / %.1f" %
                  (run, rec, allc, rec3, allc3, rec2, allc2))
            sys.stdout.flush()
        for k in ("known", "flags", "cold"):
            recs = sorted(x[0] for x in res[k])
            alls = sorted(x[1] for x in res[k])
            print("%s: median first record %.1f ms (%.1f-%.1f), median 8 "
                  "connected %.1f ms, over %d runs" %
                  (k, recs[len(recs) // 2], recs[0], recs[-1],
                   alls[len(alls) // 2], runs))
        print("target: first record < 1000 ms with 8 known peers")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
