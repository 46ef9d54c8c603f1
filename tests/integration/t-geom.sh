#!/bin/bash
# weft geom as a user runs it (no daemon): one key for the golden bracket
# in four formats, another for an edit, refusals with a reason and exit
# code 1 while the other files are still read, thumbnails (a 3MF's own,
# else a deterministic rendering), -q and --json, usage errors.
. "$(dirname "$0")/lib.sh"
g=$WEFT_TESTS/geom/golden
py=python3

key0=191012e665f509f0435d4b120dff622297faf00abb520ba52ee153a685acd3bc

"$WEFT_BIN" --json geom "$g/bracket.stl" "$g/bracket-ascii.stl" \
    "$g/bracket.obj" "$g/bracket.3mf" "$g/bracket-edited.stl" >"$T/all.json"
$py - "$T/all.json" "$key0" <<'PY'
import json, sys
docs = json.load(open(sys.argv[1]))
assert len(docs) == 5, docs
for d in docs[:4]:
    assert d["key"][0] == sys.argv[2], d
    assert d["triangles"] == 20 and d["vertices"] == 12, d
    assert d["closed"] is True and d["version"] == 1, d
assert abs(docs[0]["volume"] - 6450) < 1e-6, docs[0]
assert abs(docs[0]["area"] - 3380) < 1e-6, docs[0]
assert docs[0]["size"] == [40, 25, 15], docs[0]
assert docs[0]["encoding"] == "binary" and docs[1]["encoding"] == "ascii"
assert docs[3]["format"] == "3mf" and docs[3]["unit"] == "millimeter"
assert abs(docs[2]["volume"] - 6450 * 2.5 ** 3) < 1e-3, docs[2]
assert docs[4]["key"][0] != sys.argv[2]
assert sum(docs[0]["d2"]) == 16384
PY

# Human output names the key; -q prints only it.
"$WEFT_BIN" geom "$g/bracket.obj" >"$T/human"
grep -q "key        $key0" "$T/human"
grep -q "volume     100781" "$T/human"
[ "$("$WEFT_BIN" -q geom "$g/bracket.3mf")" = "$key0" ]

# A plate of three copies: each part gets its own key, the bracket's.
"$WEFT_BIN" geom "$g/plate.3mf" >"$T/plate"
grep -q "60 triangles, 36 vertices, 3 parts" "$T/plate"
[ "$(grep -c "^  part .* 20 triangles, key $key0\$" "$T/plate")" -eq 3 ]
"$WEFT_BIN" --json geom "$g/plate.3mf" >"$T/plate.json"
$py - "$T/plate.json" "$key0" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))[0]
assert d["parts"] == 3, d
assert d["key"] is None or d["key"][0] != sys.argv[2], d
assert [p["key"] for p in d["part_keys"]] == [sys.argv[2]] * 3, d
PY

# A hostile file is refused with why; the others are still read.
rc=0
"$WEFT_BIN" -q geom "$g/hostile-nan.stl" "$g/bracket.stl" \
    "$g/hostile-bomb.3mf" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: exit $rc, not 1" >&2; exit 1; }
[ "$(cat "$T/out")" = "$key0" ]
grep -q "hostile-nan.stl' refused: a coordinate is not a finite number" \
    "$T/err"
grep -q "hostile-bomb.3mf' refused: the package inflates too much" "$T/err"
[ "$(wc -l <"$T/err")" -eq 2 ]

# Missing files and non-meshes fail with 1, usage errors with 2.
rc=0; "$WEFT_BIN" geom "$T/nonesuch.stl" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ]
grep -q "cannot read" "$T/err"
printf 'hello\n' >"$T/hello.txt"
rc=0; "$WEFT_BIN" geom "$T/hello.txt" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ]
grep -q "refused: not a mesh format" "$T/err"
rc=0; "$WEFT_BIN" geom 2>/dev/null || rc=$?
[ "$rc" -eq 2 ]
rc=0; "$WEFT_BIN" geom --thumbnail "$T/x.png" "$g/bracket.stl" \
    "$g/bracket.obj" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ]
rc=0; "$WEFT_BIN" geom --size 9 "$g/bracket.stl" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ]

# Thumbnails: the 3MF's own PNG, byte for byte; an STL is rendered, the
# same bytes every time.
"$WEFT_BIN" -q geom --thumbnail "$T/3mf.png" "$g/bracket.3mf" >/dev/null
$py - "$g/bracket.3mf" "$T/3mf.png" <<'PY'
import sys, zipfile
want = zipfile.ZipFile(sys.argv[1]).read("Metadata/thumbnail.png")
assert open(sys.argv[2], "rb").read() == want
PY
"$WEFT_BIN" -q geom --thumbnail "$T/a.png" --size 96 "$g/bracket.stl" \
    >/dev/null
"$WEFT_BIN" -q geom --thumbnail "$T/b.png" --size 96 "$g/bracket.stl" \
    >/dev/null
cmp "$T/a.png" "$T/b.png"
$py - "$T/a.png" <<'PY'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n"
w, h, depth, ctype = struct.unpack(">IIBB", b[16:26])
assert (w, h, depth, ctype) == (96, 96, 8, 6), (w, h, depth, ctype)
# Some pixels are drawn and some are transparent.
data, i = b"", 8
while i < len(b):
    n, kind = struct.unpack(">I4s", b[i:i + 8])
    if kind == b"IDAT":
        data += b[i + 8:i + 8 + n]
    i += 12 + n
raw = zlib.decompress(data)
alpha = [raw[y * (1 + 4 * w) + 1 + 4 * x + 3] for y in range(h)
         for x in range(w)]
assert 0 < sum(1 for a in alpha if a == 255) < w * h
PY
echo ok
