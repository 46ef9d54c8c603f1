#!/usr/bin/python3
"""Sends one control request to a weftd and prints the reply as JSON.

Usage: net_ctl.py SOCKET OP [KEY=VALUE]...

VALUE is an integer when it is all digits, true/false for booleans, else
a string. List replies are gathered into one {"items": [...]} document.
bin values are printed as hex. Exits 0 when the status is 0, 1 otherwise
(the reply is printed either way).
"""
import json
import socket
import struct
import sys

import msgpack


def read_frame(s):
    buf = b""
    while len(buf) < 4:
        b = s.recv(4 - len(buf))
        if not b:
            raise EOFError("daemon closed the connection")
        buf += b
    (n,) = struct.unpack(">I", buf)
    body = b""
    while len(body) < n:
        b = s.recv(n - len(body))
        if not b:
            raise EOFError("truncated reply")
        body += b
    return msgpack.unpackb(body, raw=False)


def plain(v):
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def main():
    path, op = sys.argv[1], sys.argv[2]
    req = {"v": 1, "op": op}
    for arg in sys.argv[3:]:
        k, v = arg.split("=", 1)
        if v.isdigit():
            v = int(v)
        elif v in ("true", "false"):
            v = v == "true"
        req[k] = v
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    body = msgpack.packb(req, use_bin_type=True)
    s.sendall(struct.pack(">I", len(body)) + body)
    r = read_frame(s)
    if "items" in r:
        items = list(r["items"])
        while r.get("more"):
            r = read_frame(s)
            items += r["items"]
        r["items"] = items
        r.pop("more", None)
    print(json.dumps(plain(r)))
    return 0 if r.get("status") == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
