#!/usr/bin/python3
"""An eavesdropper on the LAN for t-lan-discovery.sh: captures the first
LAN announcement sent from FROM_IP to UDP PORT and broadcasts the very
same bytes COUNT times to BCAST from its own address, the way an attacker
would replay a member's announcement to steer dials to itself. Then
flips one byte of it and broadcasts that COUNT times too, and last sends
one datagram of 2000 bytes that starts like an announcement. Prints how
many it sent; exits 1 when nothing from FROM_IP came within 20 s.

usage: lan_replay.py FROM_IP BCAST PORT COUNT
"""
import socket
import sys
import time


def main():
    src, bcast, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.bind(("0.0.0.0", port))
    s.settimeout(1)
    end = time.monotonic() + 20
    while time.monotonic() < end:
        try:
            data, (ip, _) = s.recvfrom(2048)
        except socket.timeout:
            continue
        if ip == src:
            break
    else:
        sys.exit("nothing from %s" % src)
    for _ in range(count):
        s.sendto(data, (bcast, port))
        time.sleep(0.01)
    bad = bytearray(data)
    bad[-1] ^= 1
    for _ in range(count):
        s.sendto(bytes(bad), (bcast, port))
        time.sleep(0.01)
    s.sendto(bytes(data[:5]) + bytes(1995), (bcast, port))
    print("sent %d" % (2 * count + 1))


main()
