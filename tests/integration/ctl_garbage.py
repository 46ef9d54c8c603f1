#!/usr/bin/python3
"""Sends malformed and hostile frames to a weftd control socket.

Usage: ctl_garbage.py SOCKET

For each case a fresh client sends bad bytes; the daemon must answer with
an error reply or close that client, and must keep serving a well-formed
status request from another client that is connected all along. Exits 0
when every case holds, 1 with a message otherwise.
"""
import socket
import struct
import sys

import msgpack

FRAME_MAX = 2 * 1024 * 1024


def frame(body):
    return struct.pack(">I", len(body)) + body


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s


def read_frame(s):
    hdr = b""
    while len(hdr) < 4:
        b = s.recv(4 - len(hdr))
        if not b:
            return None
        hdr += b
    (n,) = struct.unpack(">I", hdr)
    if n == 0 or n > FRAME_MAX:
        raise AssertionError("reply frame length %d" % n)
    body = b""
    while len(body) < n:
        b = s.recv(n - len(body))
        if not b:
            raise AssertionError("truncated reply")
        body += b
    return msgpack.unpackb(body, raw=False)


def status(s):
    s.sendall(frame(msgpack.packb({"v": 1, "op": "status"})))
    r = read_frame(s)
    if r is None or r.get("status") != 0 or "records" not in r:
        raise AssertionError("status request failed: %r" % (r,))


def drained(s):
    """Reads until the daemon closes; returns the replies seen."""
    replies = []
    try:
        while True:
            r = read_frame(s)
            if r is None:
                return replies
            replies.append(r)
    except (ConnectionResetError, BrokenPipeError):
        return replies


CASES = [
    ("random bytes", b"\x8f\x13\xfe\x00garbage\xff" * 50),
    ("zero length", struct.pack(">I", 0)),
    ("oversized length", struct.pack(">I", FRAME_MAX + 1) + b"\x80"),
    ("huge length", b"\xff\xff\xff\xff"),
    ("not msgpack", frame(b"\xc1\xc1\xc1")),
    ("not a map", frame(msgpack.packb([1, 2, 3]))),
    ("array header of 4 billion", frame(b"\xdd\xff\xff\xff\xff")),
    ("map header of 4 billion", frame(b"\xdf\xff\xff\xff\xff")),
    ("str32 header past end", frame(b"\x81\xa2op\xdb\x7f\xff\xff\xff")),
    ("deep nesting", frame(b"\x91" * 100 + b"\xc0")),
    ("trailing bytes", frame(msgpack.packb({"v": 1, "op": "status"}) + b"\x00")),
    ("float", frame(msgpack.packb({"v": 1.5, "op": "status"}))),
    ("duplicate keys", frame(b"\x83\xa1v\x01\xa2op\xa6status\xa1v\x01")),
    ("no op", frame(msgpack.packb({"v": 1}))),
    ("unknown op", frame(msgpack.packb({"v": 1, "op": "format-disk"}))),
    ("wrong version", frame(msgpack.packb({"v": 99, "op": "status"}))),
    ("op not a string", frame(msgpack.packb({"v": 1, "op": 7}))),
    ("truncated frame", struct.pack(">I", 1000) + b"\x80" * 10),
    ("publish with bad files", frame(msgpack.packb(
        {"v": 1, "op": "publish", "title": "x", "files": [{"path": "../x", "size": 1}]}))),
    ("publish then too much data", frame(msgpack.packb(
        {"v": 1, "op": "publish", "title": "x", "files": [{"path": "a", "size": 1}]}))
        + frame(msgpack.packb({"op": "data", "data": b"xy"}))),
    ("publish then garbage data", frame(msgpack.packb(
        {"v": 1, "op": "publish", "title": "x", "files": [{"path": "a", "size": 5}]}))
        + frame(msgpack.packb({"op": "data", "data": "not bin"}))),
    ("show with non-hex id", frame(msgpack.packb({"v": 1, "op": "show", "id": "zzzzzzzzzz"}))),
    ("show with short id", frame(msgpack.packb({"v": 1, "op": "show", "id": "abc"}))),
    ("show with bin id", frame(msgpack.packb({"v": 1, "op": "show", "id": b"\x00" * 32}))),
]


def main():
    path = sys.argv[1]
    keeper = connect(path)
    status(keeper)
    for name, data in CASES:
        s = connect(path)
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if name == "truncated frame":
            s.shutdown(socket.SHUT_WR)
        replies = drained(s) if name not in (
            "publish with bad files", "show with non-hex id",
            "show with short id", "show with bin id") else [read_frame(s)]
        s.close()
        for r in replies:
            if not isinstance(r, dict) or "status" not in r:
                raise AssertionError("%s: reply without status: %r" % (name, r))
        errs = [r for r in replies if r["status"] != 0]
        if name not in ("truncated frame",) and not errs:
            raise AssertionError("%s: no error reply: %r" % (name, replies))
        for r in errs:
            if not isinstance(r.get("error"), str) or "\n" in r["error"]:
                raise AssertionError("%s: bad error text %r" % (name, r))
        # The daemon still serves the client connected all along, and new ones.
        status(keeper)
        s2 = connect(path)
        status(s2)
        s2.close()
        print("ok: %s" % name)
    keeper.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
