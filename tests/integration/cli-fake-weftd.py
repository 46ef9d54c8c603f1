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
