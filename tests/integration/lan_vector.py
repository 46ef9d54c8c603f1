#!/usr/bin/python3
"""Checks the LAN announcement test vector of docs/proto/lan.md from that
page alone, with python3-nacl and hashlib: derives k_lan, builds the
datagram from the stated inputs, compares both with the printed bytes, and
opens the printed datagram as a receiver would.

usage: lan_vector.py DOCS/proto/lan.md
"""
import hashlib
import re
import struct
import sys

import nacl.exceptions
import nacl.secret
import nacl.signing


def printed(doc):
    klan = re.search(r"k_lan\s+([0-9a-f]{64})", doc).group(1)
    m = re.search(r"datagram \((\d+) bytes\)\n((?:    [0-9a-f]+\n)+)", doc)
    data = bytes.fromhex("".join(m.group(2).split()))
    assert len(data) == int(m.group(1)), "length does not match"
    return bytes.fromhex(klan), data


def open_datagram(d, klan):
    assert d[:4] == b"weft" and d[4] == 1 and len(d) == 174
    plain = nacl.secret.SecretBox(klan).decrypt(d[29:], d[5:29])
    assert len(plain) == 65 + 64
    body, sig = plain[:65], plain[65:]
    node, n = body[:32], body[56]
    slots = struct.unpack(">4H", body[57:65])
    assert 1 <= n <= 4
    assert all(p != 0 for p in slots[:n]) and all(p == 0 for p in slots[n:])
    nacl.signing.VerifyKey(node).verify(b"weft/lan/v1" + body, sig)
    ts = struct.unpack(">Q", body[32:40])[0]
    return node, ts, body[40:56], slots[:n]


def main():
    doc = open(sys.argv[1]).read()
    klan_doc, data_doc = printed(doc)
    netkey = bytes(range(32))
    klan = hashlib.blake2b(b"", digest_size=32, key=netkey,
                           salt=struct.pack("<Q", 1) + bytes(8),
                           person=b"weft-lan" + bytes(8)).digest()
    assert klan == klan_doc, "k_lan differs"
    sk = nacl.signing.SigningKey(bytes([1] * 32))
    body = (bytes(sk.verify_key) + struct.pack(">Q", 1800000000000) +
            bytes(range(0xa0, 0xb0)) + bytes([1]) +
            struct.pack(">4H", 7400, 0, 0, 0))
    sig = sk.sign(b"weft/lan/v1" + body).signature
    nonce = bytes([0x24] * 24)
    box = nacl.secret.SecretBox(klan).encrypt(body + sig, nonce).ciphertext
    assert b"weft\x01" + nonce + box == data_doc, "datagram differs"
    node, ts, rand, ports = open_datagram(data_doc, klan)
    assert node == bytes(sk.verify_key) and ts == 1800000000000
    assert ports == (7400,)
    # Another network's key does not open it.
    other = hashlib.blake2b(b"", digest_size=32, key=bytes(32),
                            salt=struct.pack("<Q", 1) + bytes(8),
                            person=b"weft-lan" + bytes(8)).digest()
    try:
        open_datagram(data_doc, other)
        raise AssertionError("opened under another network's key")
    except nacl.exceptions.CryptoError:
        pass
    print("ok")


main()
