"""Writes small test models into DIR: a binary STL cube, an ASCII STL
pyramid, an OBJ prism and a 3MF cube (the minimal core-spec package,
with a 12x8 PNG as Metadata/thumbnail.png, also written beside DIR as
cube-thumb.png)."""
import os
import struct
import sys
import zipfile
import zlib


def png(w, h, rgb):
    """A w x h PNG of one colour."""
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\0" + bytes(rgb) * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


d = sys.argv[1]
V = [(0, 0, 0), (20, 0, 0), (20, 20, 0), (0, 20, 0),
     (0, 0, 20), (20, 0, 20), (20, 20, 20), (0, 20, 20)]
T = [(0, 2, 1), (0, 3, 2), (4, 5, 6), (4, 6, 7), (0, 1, 5), (0, 5, 4),
     (1, 2, 6), (1, 6, 5), (2, 3, 7), (2, 7, 6), (3, 0, 4), (3, 4, 7)]

with open(d + "/cube-binary.stl", "wb") as f:
    f.write(b"binary cube".ljust(80, b" "))
    f.write(struct.pack("<I", len(T)))
    for t in T:
        f.write(struct.pack("<3f", 0, 0, 0))
        for i in t:
            f.write(struct.pack("<3f", *V[i]))
        f.write(b"\0\0")

P = [(0, 0, 0), (30, 0, 0), (30, 30, 0), (0, 30, 0), (15, 15, 25)]
PT = [(0, 2, 1), (0, 3, 2), (0, 1, 4), (1, 2, 4), (2, 3, 4), (3, 0, 4)]
with open(d + "/pyramid-ascii.stl", "w") as f:
    f.write("solid pyramid\n")
    for t in PT:
        f.write(" facet normal 0 0 0\n  outer loop\n")
        for i in t:
            f.write("   vertex %g %g %g\n" % P[i])
        f.write("  endloop\n endfacet\n")
    f.write("endsolid pyramid\n")

with open(d + "/prism.obj", "w") as f:
    f.write("# a triangular prism\n")
    for v in [(0, 0, 0), (10, 0, 0), (5, 8, 0), (0, 0, 30), (10, 0, 30),
              (5, 8, 30)]:
        f.write("v %g %g %g\n" % v)
    for t in [(1, 3, 2), (4, 5, 6), (1, 2, 5, 4), (2, 3, 6, 5),
              (3, 1, 4, 6)]:
        f.write("f " + " ".join(str(i) for i in t) + "\n")

model = ['<?xml version="1.0" encoding="UTF-8"?>',
         '<model unit="millimeter" xml:lang="en-US" '
         'xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">',
         '<resources><object id="1" type="model"><mesh><vertices>']
model += ['<vertex x="%g" y="%g" z="%g"/>' % v for v in V]
model += ['</vertices><triangles>']
model += ['<triangle v1="%d" v2="%d" v3="%d"/>' % t for t in T]
model += ['</triangles></mesh></object></resources>',
          '<build><item objectid="1"/></build></model>']
with zipfile.ZipFile(d + "/cube.3mf", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml",
               '<?xml version="1.0" encoding="UTF-8"?><Types xmlns='
               '"http://schemas.openxmlformats.org/package/2006/content-types">'
               '<Default Extension="rels" ContentType="application/'
               'vnd.openxmlformats-package.relationships+xml"/>'
               '<Default Extension="model" ContentType="application/'
               'vnd.ms-package.3dmanufacturing-3dmodel+xml"/></Types>')
    z.writestr("_rels/.rels",
               '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
               '"http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Target="/3D/3dmodel.model" Id="rel0" Type='
               '"http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>'
               '</Relationships>')
    z.writestr("3D/3dmodel.model", "\n".join(model))
    thumb = png(12, 8, (200, 40, 40))
    z.writestr("Metadata/thumbnail.png", thumb)
with open(os.path.join(os.path.dirname(os.path.abspath(d)),
                       "cube-thumb.png"), "wb") as f:
    f.write(thumb)
