#!/usr/bin/env python3
"""An independent model of the geom-v1 exact key (docs/proto/geom.md),
written from the spec with the standard library only, to pin the format:
another implementation that follows the page gets the same key.

usage: geomref.py FILE.stl             prints the two keys
       geomref.py --check FILE.stl KEY0 KEY1
Reads binary and ASCII STL."""
import hashlib
import math
import struct
import sys

GRID = 8192.0
GAP_MIN = 1e-4
SKEW_MIN = 1e-3


def read_stl(data):
    if len(data) >= 84:
        n = struct.unpack_from("<I", data, 80)[0]
        if len(data) == 84 + 50 * n:
            tris = []
            for i in range(n):
                f = struct.unpack_from("<12f", data, 84 + 50 * i)
                tris.append((f[3:6], f[6:9], f[9:12]))
            return tris
    words = data.decode().split()
    pts = []
    for i, w in enumerate(words):
        if w == "vertex":
            pts.append(tuple(float(x) for x in words[i + 1:i + 4]))
    return [tuple(pts[i:i + 3]) for i in range(0, len(pts), 3)]


def weld(tris):
    index, v, t = {}, [], []
    for tri in tris:
        ids = []
        for p in tri:
            p = tuple(x + 0.0 for x in p)      # -0 becomes +0
            if p not in index:
                index[p] = len(v)
                v.append(p)
            ids.append(index[p])
        if len(set(ids)) == 3:
            t.append(tuple(ids))
    return v, t


def sub(a, b):
    return [a[0] - b[0], a[1] - b[1], a[2] - b[2]]


def cross(a, b):
    return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0]]


def dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def area(a, b, c):
    n = cross(sub(b, a), sub(c, a))
    return 0.5 * math.sqrt(dot(n, n))


def jacobi(m):
    a = [row[:] for row in m]
    v = [[1.0 if i == j else 0.0 for j in range(3)] for i in range(3)]
    for _ in range(64):
        off = sum(a[p][q] ** 2 for p, q in ((0, 1), (0, 2), (1, 2)))
        if off < 1e-40 * sum(a[i][i] ** 2 for i in range(3)):
            break
        for p, q in ((0, 1), (0, 2), (1, 2)):
            if a[p][q] == 0:
                continue
            th = (a[q][q] - a[p][p]) / (2 * a[p][q])
            t = (1 if th >= 0 else -1) / (abs(th) + math.sqrt(th * th + 1))
            c = 1 / math.sqrt(t * t + 1)
            s = t * c
            # a = J^T a J, v = v J (J rotates columns p and q)
            for k in range(3):
                akp, akq = a[k][p], a[k][q]
                a[k][p], a[k][q] = c * akp - s * akq, s * akp + c * akq
            for k in range(3):
                apk, aqk = a[p][k], a[q][k]
                a[p][k], a[q][k] = c * apk - s * aqk, s * apk + c * aqk
            for k in range(3):
                vkp, vkq = v[k][p], v[k][q]
                v[k][p], v[k][q] = c * vkp - s * vkq, s * vkp + c * vkq
    order = sorted(range(3), key=lambda i: -a[i][i])
    eig = [a[i][i] for i in order]
    axes = []
    for i in order:
        col = [v[k][i] for k in range(3)]
        n = math.sqrt(dot(col, col))
        axes.append([x / n for x in col])
    return eig, axes


def keys(v, t):
    A, c = 0.0, [0.0, 0.0, 0.0]
    for tri in t:
        p = [v[i] for i in tri]
        a = area(*p)
        A += a
        for k in range(3):
            c[k] += a * (p[0][k] + p[1][k] + p[2][k]) / 3
    c = [x / A for x in c]
    cov = [[0.0] * 3 for _ in range(3)]
    for tri in t:
        p = [v[i] for i in tri]
        a = area(*p)
        d = [sub(q, c) for q in p]
        s = [d[0][k] + d[1][k] + d[2][k] for k in range(3)]
        for r in range(3):
            for col in range(3):
                cov[r][col] += a / 12 * (s[r] * s[col] + sum(
                    d[j][r] * d[j][col] for j in range(3)))
    cov = [[x / A for x in row] for row in cov]
    eig, axes = jacobi(cov)
    if (eig[0] - eig[1]) / eig[0] < GAP_MIN or \
            (eig[1] - eig[2]) / eig[0] < GAP_MIN:
        return None
    skew = []
    for ax in range(2):
        m3 = 0.0
        for tri in t:
            p = [v[i] for i in tri]
            f = [dot(sub(q, c), axes[ax]) for q in p]
            h3 = sum(f[i] * f[j] * f[k] for i in range(3)
                     for j in range(i, 3) for k in range(j, 3))
            m3 += area(*p) / 10 * h3
        skew.append(m3 / (A * eig[ax] ** 1.5))
    scale = 1 / math.sqrt(sum(eig))
    best = [None, None]
    for s0 in (1, -1):
        for s1 in (1, -1):
            signs = []
            for ax, sg in ((0, s0), (1, s1)):
                if abs(skew[ax]) >= SKEW_MIN:
                    if sg < 0:
                        break
                    signs.append(-1 if skew[ax] < 0 else 1)
                else:
                    signs.append(sg)
            if len(signs) < 2:
                continue
            e0 = [signs[0] * x for x in axes[0]]
            e1 = [signs[1] * x for x in axes[1]]
            e = [e0, e1, cross(e0, e1)]
            for grid in (0, 1):
                k = key(v, t, c, e, scale, grid)
                if best[grid] is None or k < best[grid]:
                    best[grid] = k
    return best


def key(v, t, c, e, scale, grid):
    off = 0.5 * grid
    q = [tuple(math.floor(dot(sub(p, c), e[k]) * scale * GRID + off)
               for k in range(3)) for p in v]
    tris = set()
    for a, b, d in t:
        a, b, d = q[a], q[b], q[d]
        if a == b or b == d or a == d:
            continue
        tris.add((a, b, d))
    pos = sorted({p for tri in tris for p in tri})
    num = {p: i for i, p in enumerate(pos)}
    out = set()
    for a, b, d in tris:
        a, b, d = num[a], num[b], num[d]
        m = min(a, b, d)
        while a != m:
            a, b, d = b, d, a
        out.add((a, b, d))
    h = hashlib.blake2b(digest_size=32)
    h.update(b"weft-geom-v1" + bytes([grid]))
    h.update(struct.pack("<Q", len(pos)))
    for p in pos:
        h.update(struct.pack("<3q", *p))
    h.update(struct.pack("<Q", len(out)))
    for tri in sorted(out):
        h.update(struct.pack("<3I", *tri))
    return h.hexdigest()


def main():
    args = sys.argv[1:]
    check = args[:1] == ["--check"]
    if check:
        args = args[1:]
    with open(args[0], "rb") as f:
        v, t = weld(read_stl(f.read()))
    k = keys(v, t)
    if k is None:
        print("no key: symmetric")
        sys.exit(1 if check else 0)
    print(k[0])
    print(k[1])
    if check and k != args[1:3]:
        print("geomref: keys differ from", args[1:3], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
