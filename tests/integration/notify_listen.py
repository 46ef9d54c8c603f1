# notify_listen.py SOCKET OUT: a stand-in for systemd's notify socket. Binds
# a Unix datagram socket (a path, or an abstract name given as "@name"),
# appends each datagram it receives to OUT as its own lines, and exits
# after 60 s at the latest (the test kills it sooner).
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
s.settimeout(0.5)
open(out + ".ready", "w").close()
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        data = s.recv(4096)
    except socket.timeout:
        continue
    with open(out, "ab") as f:
        f.write(data + b"\n")
        f.flush()
        os.fsync(f.fileno())
