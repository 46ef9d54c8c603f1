#!/usr/bin/python3
"""A stand-in for weftd put where weft looks for it by someone else.

usage: impostor.py SOCKET LOG

Listens on SOCKET, writes LOG.ready once listening, and appends to LOG one
line per connection when it ends: "conn BYTES" (how many bytes the client
sent). It answers nothing. weft must refuse to send it anything.
"""
import os
import socket
import sys


def main():
    path, log = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(8)
    open(log + ".ready", "w").close()
    while True:
        conn, _ = s.accept()
        conn.settimeout(5)
        n = 0
        try:
            while True:
                b = conn.recv(65536)
                if not b:
                    break
                n += len(b)
        except OSError:
            pass
        conn.close()
        with open(log, "a") as f:
            f.write("conn %d\n" % n)
            f.flush()
            os.fsync(f.fileno())


if __name__ == "__main__":
    main()
