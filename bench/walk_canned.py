#!/usr/bin/env python3
"""A canned control stream, to time the weft CLI without weftd.

  walk_canned.py record SOCK REAL_SOCK FILE
      listens on SOCK, forwards one client's connection to REAL_SOCK
      (a weftd's control socket) and writes weftd's side of it to FILE.
  walk_canned.py serve SOCK FILE
      listens on SOCK and answers each client, whatever it sends, with
      FILE's bytes in one write (the replies weftd gave to that request),
      until killed.

Used by bench/bench-walk.sh: the CLI's part of `weft search --all` is
then its CPU over a stream that costs nothing to produce.
"""
import os
import socket
import sys
import threading


def listen(path):
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o600)
    s.listen(8)
    return s


def record(path, real, out):
    s = listen(path)
    c, _ = s.accept()
    d = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    d.connect(real)

    def up():
        while True:
            b = c.recv(65536)
            if not b:
                break
            d.sendall(b)
        d.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=up, daemon=True)
    t.start()
    with open(out, "wb") as f:
        while True:
            b = d.recv(1 << 20)
            if not b:
                break
            f.write(b)
            try:
                c.sendall(b)
            except OSError:
                break
    c.close()
    d.close()
    s.close()
    os.unlink(path)


def serve(path, canned):
    with open(canned, "rb") as f:
        data = f.read()
    s = listen(path)
    while True:
        c, _ = s.accept()
        c.recv(65536)   # the request (one frame; its content is not read)
        try:
            c.sendall(data)
        except OSError:
            pass
        c.close()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "record":
        record(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
