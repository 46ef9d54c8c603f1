#!/usr/bin/python3
"""A scripted stand-in for weftd, for testing how weft handles replies
that a correct daemon never sends (bad hashes, hostile paths, truncated
streams) and for timing large lists without building a large store.

usage: cli-fake-weftd.py HOME SCENARIO [ARG]

Listens on HOME/weftd.sock, writes HOME/fake.ready once listening, and
answers every request of every connection by SCENARIO until killed.
Needs python3-msgpack (Debian's /usr/bin/python3).
"""
import hashlib
import os
import socket
import struct
import sys

import msgpack

ENOTFOUND = -32003


def b2(data):
    return hashlib.blake2b(data, digest_size=32).digest()


def frame(obj):
    body = msgpack.packb(obj, use_bin_type=True)
    return struct.pack(">I", len(body)) + body


def read_frame(conn):
    hdr = b""
    while len(hdr) < 4:
        b = conn.recv(4 - len(hdr))
        if not b:
            return None
        hdr += b
    (n,) = struct.unpack(">I", hdr)
    body = b""
    while len(body) < n:
        b = conn.recv(n - len(body))
        if not b:
            return None
        body += b
    return msgpack.unpackb(body, raw=False)


def summary(i):
    return {
        "design": b2(b"d%d" % i), "head": b2(b"h%d" % i),
        "author": b2(b"author"), "title": "design number %d" % i,
        "license": "MIT", "tags": ["bulk", "t%d" % (i % 10)],
        "created": 1700000000000 + i, "updated": 1700000000000 + i,
        "revs": 1, "heads": 1,
    }


def get_reply(files, data_frames, final):
    """files: [(path, content, announced_hash or None)]"""
    out = [frame({"status": 0, "rev": b2(b"rev"), "design": b2(b"design"),
                  "title": "Fake Design", "files": [
                      {"path": p, "size": len(c),
                       "hash": h if h is not None else b2(c)}
                      for p, c, h in files]})]
    for d in data_frames:
        out.append(frame({"status": 0, "data": d}))
    out.append(frame(final))
    return b"".join(out)


DONE = {"status": 0, "done": True}


def newer_status():
    """A status reply as a newer daemon might send it: every key weft
    knows (LAN on, the disk paused, two addresses), in another order, and
    keys weft does not know at every level."""
    node = b"\xbb" * 32
    hexnode = node.hex()
    return {
        "zz_future": {"a": [1, None, b"x"]}, "status": 0,
        "lan": {"sent": 8, "on": True, "port": 7400, "nodes": 1,
                "received": 9, "rejected": 2, "opened4": 7, "opened6": 0,
                "accepted": 3, "future": "x"},
        "sync": {"peers": 2, "stored": 5, "dups": 1, "rejected": 3,
                 "held": 4, "queued": 0, "rounds": 6, "msgs_in": 7,
                 "msgs_out": 8, "bytes_in": 900, "bytes_out": 1000,
                 "future": 11},
        "version": "9.9.9", "author": b"\xaa" * 32, "node": node,
        "home": "/srv/weft", "records": 10, "designs": 3, "libs": 1,
        "chunks": 20, "chunk_bytes": 2500000, "map_size": 1 << 30,
        "map_used": 4 << 20, "uptime_ms": 90061000,
        "address": hexnode + "@10.0.0.2:7420",
        "addresses": [hexnode + "@10.0.0.2:7420",
                      hexnode + "@[fd00::2]:7420"],
        "listen": "0.0.0.0:7420", "network_key_id": "0123456789ABCDEF",
        "peers": 2, "conns_in": 1, "conns_out": 1, "netkey_mismatch": 1,
        "disk": {"paused": True, "error": "store full", "free": 3100000,
                 "reserve": 67108864, "failures": 2, "future": True},
        "files": {"received": 100, "stored": 90, "served": 80, "x": 1},
        "missing": {"records": 1, "files": 2, "designs": 1,
                    "bytes": 1500000, "future": 5},
        "future_list": [{"k": 1}],
    }


def newer_peer():
    return {"node": b"\xcc" * 32, "address": "10.0.0.3:7420",
            "direction": "out", "state": "waiting", "bytes_in": 0,
            "bytes_out": 0, "since": 0, "listen": None, "sw": None,
            "error": "connection refused", "retry_ms": 900,
            "future": {"x": 1}}


def newer_known():
    return {"future": [1], "connected": False, "source": "config",
            "fails": 2, "last_seen": 0, "verified": True,
            "address": "seed.example.org:7420", "node": b"\xcc" * 32}


def answer(scenario, arg, req):
    op = req.get("op")
    if scenario == "get-ok" and op == "get":
        files = [("a.txt", b"hello", None), ("d/e/b.txt", b"world!", None),
                 ("empty", b"", None)]
        return get_reply(files, [b"hellowor", b"ld!"], DONE)
    if scenario == "get-badhash" and op == "get":
        files = [("a.txt", b"hello", None),
                 ("b.txt", b"world", b2(b"other"))]
        return get_reply(files, [b"helloworld"], DONE)
    if scenario == "get-traversal" and op == "get":
        return get_reply([("../evil.txt", b"evil", None)], [b"evil"], DONE)
    if scenario == "get-absolute" and op == "get":
        return get_reply([("/tmp/evil.txt", b"evil", None)], [b"evil"],
                         DONE)
    if scenario == "get-missing" and op == "get":
        files = [("a.txt", b"hello", None), ("b.txt", b"world", None)]
        return get_reply(files, [b"hello"], {
            "status": ENOTFOUND, "error": "chunk 1234abcd is missing"})
    if scenario == "get-extra" and op == "get":
        return get_reply([("a.txt", b"hello", None)], [b"hello!!"], DONE)
    if scenario == "get-short" and op == "get":
        return get_reply([("a.txt", b"hello", None)], [b"hel"], DONE)
    if scenario == "show" and op == "show":
        with open(arg, "rb") as f:
            env = f.read()
        body = msgpack.unpackb(env, raw=True)[0]
        return frame({"status": 0, "id": b2(body), "type": "rev",
                      "record": env, "design": b2(body)})
    if scenario == "ls-many" and op in ("ls", "search"):
        n = int(arg)
        out = []
        per = 2000
        for start in range(0, n, per):
            items = [summary(i) for i in range(start, min(n, start + per))]
            out.append(frame({"status": 0, "items": items,
                              "more": start + per < n}))
        if n == 0:
            out.append(frame({"status": 0, "items": [], "more": False}))
        return b"".join(out)
    if scenario == "ctlmsg-newer" and op == "status":
        return frame(newer_status())
    if scenario == "ctlmsg-newer" and op == "peers":
        return frame({"status": 0, "items": [newer_peer()], "more": False,
                      "future": 1})
    if scenario == "ctlmsg-newer" and op == "known":
        return frame({"status": 0, "items": [newer_known()], "more": False})
    if scenario == "ctlmsg-bad" and op == "status":
        st = newer_status()
        del st["home"]
        return frame(st)
    if scenario == "ctlmsg-bad" and op == "peers":
        p = newer_peer()
        p["bytes_in"] = "many"
        return frame({"status": 0, "items": [p], "more": False})
    if scenario == "ctlmsg-bad" and op == "known":
        k = newer_known()
        k["address"] = "a" * 1025
        return frame({"status": 0, "items": [k], "more": False})
    if scenario == "publish-fail" and op == "publish":
        return frame({"status": 0})
    if scenario == "garbage":
        return struct.pack(">I", 5) + b"\xc1\xc1\xc1\xc1\xc1"
    return frame({"status": -32019, "error": "fake weftd: unexpected op"})


def main():
    home, scenario = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else None
    path = os.path.join(home, "weftd.sock")
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    # Precomputing big replies keeps the client's timing honest.
    cache = {}
    open(os.path.join(home, "fake.ready"), "w").close()
    while True:
        conn, _ = srv.accept()
        try:
            while True:
                req = read_frame(conn)
                if req is None:
                    break
                if req.get("op") == "data":
                    if scenario != "publish-fail":
                        continue
                    # Fail mid-stream, as a daemon whose store is full.
                    conn.sendall(frame({"status": -32005,
                                        "error": "store is full"}))
                    break
                key = req.get("op")
                if key not in cache:
                    cache[key] = answer(scenario, arg, req)
                conn.sendall(cache[key])
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    main()
