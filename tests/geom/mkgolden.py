#!/usr/bin/env python3
"""Writes the golden mesh files of tests/unit/test-geom.c (standard
library only): one L-shaped bracket as binary STL, ASCII STL, OBJ and 3MF,
each moved, rotated, scaled, renumbered or split into parts differently,
so that geom-v1 must give them one exact key; a slightly edited bracket;
and hostile files (a lying triangle count, NaN, a zip bomb, a component
loop). Run it from anywhere: usage: mkgolden.py [OUTDIR]"""
import math
import os
import random
import struct
import sys
import zipfile
import zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "golden")

# The L profile, counter-clockwise seen from +z, extruded 15 mm.
PROFILE = [(0, 0), (40, 0), (40, 6), (10, 6), (10, 25), (0, 25)]
HEIGHT = 15


def bracket(profile=PROFILE):
    """Vertices and faces (a hexagon cap each side, quads around)."""
    n = len(profile)
    v = [(x, y, 0.0) for x, y in profile] + \
        [(x, y, float(HEIGHT)) for x, y in profile]
    faces = [list(range(n - 1, -1, -1)), list(range(n, 2 * n))]
    for i in range(n):
        j = (i + 1) % n
        faces.append([i, j, n + j, n + i])
    return v, faces


def fan(face):
    return [(face[0], face[k], face[k + 1]) for k in range(1, len(face) - 1)]


def rot(axis, deg):
    x, y, z = axis
    n = math.sqrt(x * x + y * y + z * z)
    x, y, z = x / n, y / n, z / n
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    t = 1 - c
    return [[t * x * x + c, t * x * y - s * z, t * x * z + s * y],
            [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
            [t * x * z - s * y, t * y * z + s * x, t * z * z + c]]


def xf(v, r, scale=1.0, move=(0, 0, 0)):
    return [tuple(scale * sum(r[i][k] * p[k] for k in range(3)) + move[i]
                  for i in range(3)) for p in v]


def stl_binary(path, v, tris, count=None):
    with open(path, "wb") as f:
        f.write(b"solid but binary: weft geom golden file".ljust(80, b" "))
        f.write(struct.pack("<I", len(tris) if count is None else count))
        for t in tris:
            f.write(struct.pack("<3f", 0, 0, 0))
            for i in t:
                f.write(struct.pack("<3f", *v[i]))
            f.write(b"\0\0")


def stl_ascii(path, v, tris):
    with open(path, "w") as f:
        f.write("solid bracket\n")
        for t in tris:
            f.write("  facet normal 0 0 0\n    outer loop\n")
            for i in t:
                f.write("      vertex %r %r %r\n" % v[i])
            f.write("    endloop\n  endfacet\n")
        f.write("endsolid bracket\n")


def zput(z, name, data):
    """Adds an entry with a fixed date, so the files are reproducible."""
    info = zipfile.ZipInfo(name, date_time=(2026, 12, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def png(w, h):
    """A tiny valid RGB PNG."""
    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + \
            struct.pack(">I", zlib.crc32(c) & 0xffffffff)
    raw = b"".join(b"\0" + bytes([200, 80, 40]) * w for _ in range(h))
    return b"\x89PNG\r\n\x1a\n" + \
        chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


CT = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
 <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
 <Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>
 <Default Extension="png" ContentType="image/png"/>
</Types>
"""
RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
 <Relationship Target="/3D/3dmodel.model" Id="rel0" Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>
%s</Relationships>
"""
THUMB_REL = (' <Relationship Target="/Metadata/thumbnail.png" Id="rel1" '
             'Type="http://schemas.openxmlformats.org/package/2006/'
             'relationships/metadata/thumbnail"/>\n')
CORE = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
PROD = "http://schemas.microsoft.com/3dmanufacturing/production/2015/06"


def mesh_xml(v, tris):
    s = "   <mesh>\n    <vertices>\n"
    for p in v:
        s += '     <vertex x="%r" y="%r" z="%r"/>\n' % p
    s += "    </vertices>\n    <triangles>\n"
    for t in tris:
        s += '     <triangle v1="%d" v2="%d" v3="%d"/>\n' % t
    return s + "    </triangles>\n   </mesh>\n"


def tf(r, move):
    m = [r[0][0], r[1][0], r[2][0], r[0][1], r[1][1], r[2][1],
         r[0][2], r[1][2], r[2][2], move[0], move[1], move[2]]
    return " ".join(repr(float(x)) for x in m)


def threemf(path, v, tris, thumb=True):
    """Bambu-style: the mesh in 3D/Objects/object_1.model (in cm), placed
    by a component of the root part's object (in mm) and a build item."""
    part = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<model unit="centimeter" xml:lang="en-US" xmlns="%s">\n'
            ' <resources>\n  <object id="7" type="model">\n' % CORE +
            mesh_xml([tuple(c / 10 for c in p) for p in v], tris) +
            '  </object>\n </resources>\n <build/>\n</model>\n')
    r1 = rot((0, 0, 1), 30)
    r2 = rot((1, 0, 0), -90)
    root = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<model unit="millimeter" xml:lang="en-US" xmlns="%s" '
            'xmlns:p="%s" requiredextensions="p">\n'
            ' <resources>\n  <object id="1" type="model">\n'
            '   <components>\n    <component p:path="/3D/Objects/'
            'object_1.model" objectid="7" transform="%s"/>\n'
            '   </components>\n  </object>\n </resources>\n'
            ' <build>\n  <item objectid="1" transform="%s"/>\n </build>\n'
            '</model>\n') % (CORE, PROD, tf(r1, (5, -3, 2)),
                              tf(r2, (128, 128, 0)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        zput(z, "[Content_Types].xml", CT)
        zput(z, "_rels/.rels", RELS % (THUMB_REL if thumb else ""))
        zput(z, "3D/3dmodel.model", root)
        zput(z, "3D/Objects/object_1.model", part)
        if thumb:
            zput(z, "Metadata/thumbnail.png", png(4, 3))


def obj(path, v, faces, order, scale_note):
    """Vertices in a shuffled order, faces shuffled, some negative."""
    with open(path, "w") as f:
        f.write("# weft geom golden file: %s\n" % scale_note)
        f.write("o bracket\n")
        inv = {}
        for k, i in enumerate(order):
            inv[i] = k + 1
            f.write("v %r %r %r\n" % v[i])
        f.write("vn 0 0 1\n")
        for n, face in enumerate(faces):
            if n % 2:
                idx = ["%d" % (inv[i] - len(v) - 1) for i in face]
            else:
                idx = ["%d//1" % inv[i] for i in face]
            f.write("f %s\n" % " ".join(idx))


def main():
    os.makedirs(OUT, exist_ok=True)
    rnd = random.Random(18)
    v, faces = bracket()
    tris = [t for face in faces for t in fan(face)]

    stl_binary(os.path.join(OUT, "bracket.stl"), v, tris)

    # ASCII: rotated about a skew axis, moved, triangles shuffled and
    # each started at another corner (same winding).
    va = xf(v, rot((1, 2, 3), 37), 1.0, (100.5, -20.25, 7))
    ta = [t[k:] + t[:k] for t, k in
          zip(tris, [rnd.randrange(3) for _ in tris])]
    rnd.shuffle(ta)
    stl_ascii(os.path.join(OUT, "bracket-ascii.stl"), va, ta)

    # OBJ: scaled 2.5 and rotated, vertices and faces renumbered.
    vo = xf(v, rot((0, 1, 0), 110), 2.5, (-3, 4, 5))
    order = list(range(len(v)))
    rnd.shuffle(order)
    fo = faces[:]
    rnd.shuffle(fo)
    obj(os.path.join(OUT, "bracket.obj"), vo, fo, order, "scaled 2.5")

    threemf(os.path.join(OUT, "bracket.3mf"), v, tris)

    # Edited: the upright is 1.5 mm taller.
    prof = list(PROFILE)
    prof[4] = (10, 26.5)
    prof[5] = (0, 26.5)
    ve, fe = bracket(prof)
    stl_binary(os.path.join(OUT, "bracket-edited.stl"), ve,
               [t for face in fe for t in fan(face)])

    # Mirrored: a different shape for a printer (and a different key).
    vm = [(-x, y, z) for x, y, z in v]
    stl_binary(os.path.join(OUT, "bracket-mirror.stl"), vm,
               [(a, c, b) for a, b, c in tris])

    # A plate: the bracket placed three times (three parts, one key each).
    part = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<model unit="millimeter" xmlns="%s">\n <resources>\n'
            '  <object id="3" type="model">\n' % CORE +
            mesh_xml(v, tris) + '  </object>\n </resources>\n <build>\n' +
            "".join('  <item objectid="3" transform="%s"/>\n' %
                    tf(rot((0, 0, 1), a), (x, 50, 0))
                    for a, x in ((0, 0), (90, 60), (200, 120))) +
            ' </build>\n</model>\n')
    with zipfile.ZipFile(os.path.join(OUT, "plate.3mf"), "w") as z:
        zput(z, "[Content_Types].xml", CT)
        zput(z, "_rels/.rels", RELS % "")
        zput(z, "3D/3dmodel.model", part)

    # Hostile files.
    stl_binary(os.path.join(OUT, "hostile-count.stl"), v, tris,
               count=1000000)
    vn = list(v)
    vn[3] = (float("nan"), 6.0, 0.0)
    stl_binary(os.path.join(OUT, "hostile-nan.stl"), vn, tris)
    with open(os.path.join(OUT, "hostile-inf.obj"), "w") as f:
        f.write("v 0 0 0\nv 1 0 0\nv 1e999 1 0\nf 1 2 3\n")
    with zipfile.ZipFile(os.path.join(OUT, "hostile-bomb.3mf"), "w",
                         zipfile.ZIP_DEFLATED) as z:
        zput(z, "[Content_Types].xml", CT)
        zput(z, "_rels/.rels", RELS % "")
        zput(z, "3D/3dmodel.model", '<?xml version="1.0"?>\n<model '
                   'xmlns="%s">%s</model>\n' % (CORE, "<!--x-->" * (10 << 20)))
    with zipfile.ZipFile(os.path.join(OUT, "hostile-token.3mf"), "w",
                         zipfile.ZIP_DEFLATED) as z:
        zput(z, "[Content_Types].xml", CT)
        zput(z, "_rels/.rels", RELS % "")
        zput(z, "3D/3dmodel.model", '<?xml version="1.0"?>\n<model '
                   'xmlns="%s"><!--%s--></model>\n' % (CORE, " " * (8 << 20)))
    loop = ('<?xml version="1.0"?>\n<model unit="millimeter" xmlns="%s">'
            '<resources><object id="1"><components><component '
            'objectid="2"/></components></object><object id="2">'
            '<components><component objectid="1"/></components></object>'
            '</resources><build><item objectid="1"/></build></model>\n'
            % CORE)
    with zipfile.ZipFile(os.path.join(OUT, "hostile-loop.3mf"), "w",
                         zipfile.ZIP_DEFLATED) as z:
        zput(z, "[Content_Types].xml", CT)
        zput(z, "_rels/.rels", RELS % "")
        zput(z, "3D/3dmodel.model", loop)


if __name__ == "__main__":
    main()
