#!/usr/bin/python3
"""Requests with malformed arguments to a weftd control socket, and what
their error replies must look like.

usage: ctl_args.py SOCKET

Each request goes on a fresh connection; the reply must be an error
whose "error" line holds no control character (a client prints it as
it is). Exits 0 when every case holds, 1 with a message otherwise.
"""
import socket
import struct
import sys

import msgpack


def call(path, req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    body = msgpack.packb(req, use_bin_type=True)
    s.sendall(struct.pack(">I", len(body)) + body)
    hdr = b""
    while len(hdr) < 4:
        b = s.recv(4 - len(hdr))
        if not b:
            raise AssertionError("no reply to %r" % (req,))
        hdr += b
    (n,) = struct.unpack(">I", hdr)
    data = b""
    while len(data) < n:
        b = s.recv(n - len(data))
        if not b:
            raise AssertionError("truncated reply")
        data += b
    s.close()
    return msgpack.unpackb(data, raw=False)


def expect_error(path, req, want=None):
    r = call(path, req)
    err = r.get("error", "")
    if r.get("status", 0) == 0:
        raise AssertionError("no error for %r: %r" % (req, r))
    for ch in err:
        if ord(ch) < 0x20 or ord(ch) == 0x7f or 0x80 <= ord(ch) <= 0x9f:
            raise AssertionError("raw control character in %r" % err)
    if want is not None and want not in err:
        raise AssertionError("%r not in %r" % (want, err))
    return err


def main():
    path = sys.argv[1]
    pub = {"v": 1, "op": "publish", "title": "t", "license": "MIT",
           "files": []}
    # F7: a malformed message after a license leaked the license string.
    for m in (5, "m" * 9000, [1, 2], b"bin"):
        expect_error(path, dict(pub, message=m))
    # A file with a path but no valid size leaked the path (found by the
    # fuzz-ctl harness).
    for f in ([{"path": "a"}], [{"path": "a", "size": "x"}],
              [{"path": "a", "size": 1}, {"path": "b"}]):
        expect_error(path, dict(pub, files=f))
    for d in (5, "d" * 20000):
        expect_error(path, dict(pub, description=d))
    # F8: what the client sent is quoted escaped.
    expect_error(path, dict(pub, license="no\nsuch\x1b[31m"),
                 "license 'no\\x0asuch\\x1b[31m'")
    expect_error(path, {"v": 1, "op": "show", "id": "abcdefab\nx"},
                 "\\x0a")
    expect_error(path, {"v": 1, "op": "show", "id": "abcdefab\u009b2J"},
                 "\\xc2\\x9b")
    # F10: a search with nothing to look for says so.
    for q in ("", "  ", "!!! ,,,"):
        expect_error(path, {"v": 1, "op": "search", "query": q},
                     "the query has no words")
    print("ok")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL: %s" % e)
        sys.exit(1)
