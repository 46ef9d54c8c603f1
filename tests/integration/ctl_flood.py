#!/usr/bin/python3
"""Many clients each sending all but the last byte of a 2 MiB request.

usage: ctl_flood.py SOCKET PID CLIENTS OUT

Opens CLIENTS connections to SOCKET one after another; each announces a
2 MiB body and sends all of it but one byte (the daemon may close some
of them: that is the cap at work). Then writes to OUT the weftd PID's
peak RssAnon in kB seen while the clients were open, and how many were
still open, and closes them all.
"""
import socket
import struct
import sys

FRAME = 2 * 1024 * 1024


def rss_anon(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise AssertionError("no RssAnon")


def main():
    path, pid, n, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        sys.argv[4]
    body = b"\x90" * (FRAME - 1)
    conns, closed, peak = [], 0, 0
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(20)
        s.connect(path)
        try:
            s.sendall(struct.pack(">I", FRAME) + body)
            conns.append(s)
        except OSError:
            closed += 1
            s.close()
        peak = max(peak, rss_anon(pid))
    # Give the daemon time to read what is in the socket buffers: wait
    # until RssAnon stops rising (bounded).
    import time
    last = -1
    for _ in range(50):
        cur = rss_anon(pid)
        peak = max(peak, cur)
        if cur == last:
            break
        last = cur
        time.sleep(0.1)
    with open(out, "w") as f:
        f.write("%d %d %d\n" % (peak, len(conns), closed))
    for s in conns:
        s.close()


if __name__ == "__main__":
    main()
