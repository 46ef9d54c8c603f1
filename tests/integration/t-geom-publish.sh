#!/bin/bash
# Geometry at publish, through the real CLI and two weftd nodes: facts of
# a published cube (hand-computed), an open mesh and a malformed file
# (a note; the publish still succeeds) in the author's signed geom
# record; the thumbnail replicates and `show --thumbnail` writes it on
# both nodes; a re-upload of a's bracket by b's author as OBJ (another
# format and scale) is found by `weft similar` on both nodes and noted by
# `show` ("identical geometry to X, published earlier by Y"), the
# original is not flagged, a remix is not flagged; an edited bracket is
# similar, not identical; the fit filters of search and ls.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
g=$WEFT_TESTS/geom/golden

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
wait_for 10 connected a 1 || fail "a and b did not connect"

# A 10 x 20 x 30 mm box (12 triangles, area 2200, volume 6000) and the
# same box without its top (open: 10 triangles).
python3 - "$T/cube" "$T/open" <<'PY'
import os, sys
v = [(x, y, z) for x in (0, 10) for y in (0, 20) for z in (0, 30)]
def q(x, y, z): return v.index((x, y, z))
faces = [  # outward, counter-clockwise
    (q(0,0,0), q(0,20,0), q(10,20,0), q(10,0,0)),     # bottom z=0
    (q(0,0,30), q(10,0,30), q(10,20,30), q(0,20,30)), # top
    (q(0,0,0), q(10,0,0), q(10,0,30), q(0,0,30)),     # y=0
    (q(0,20,0), q(0,20,30), q(10,20,30), q(10,20,0)), # y=20
    (q(0,0,0), q(0,0,30), q(0,20,30), q(0,20,0)),     # x=0
    (q(10,0,0), q(10,20,0), q(10,20,30), q(10,0,30)), # x=10
]
def stl(path, fs):
    with open(path, "w") as f:
        f.write("solid box\n")
        for a, b, c, d in fs:
            for t in ((a, b, c), (a, c, d)):
                f.write(" facet normal 0 0 0\n  outer loop\n")
                for i in t:
                    f.write("   vertex %g %g %g\n" % v[i])
                f.write("  endloop\n endfacet\n")
        f.write("endsolid box\n")
for d in sys.argv[1:]:
    os.makedirs(d)
stl(sys.argv[1] + "/box.stl", faces)
stl(sys.argv[2] + "/lid-less.stl", [faces[0]] + faces[2:])
PY
cp "$g/hostile-nan.stl" "$T/cube/broken.stl"
echo "a note" >"$T/cube/README.txt"

cube=$(w a -q publish "$T/cube" --title "Box" --license MIT) ||
    fail "publish with a malformed mesh failed"
w a --json show "$cube" >"$T/cube.json"
python3 - "$T/cube.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
g = j["geometry"]
fs = {f["path"]: f for f in g["files"]}
assert sorted(fs) == ["box.stl", "broken.stl"], fs
b = fs["box.stl"]
assert b["triangles"] == 12 and b["format"] == "stl", b
assert b["size_mm"] == [10, 20, 30], b
assert b["extents_mm"] == [30, 20, 10], b
assert b["area_mm2"] == 2200 and b["volume_mm3"] == 6000, b
assert b["closed"] is True and b["unit"] == "millimeter", b
assert "note" in fs["broken.stl"] and fs["broken.stl"]["note"], fs
assert g["thumbnail"]["size"] > 100, g
PY
# The independent verifier checks the signed geom record, recomputing
# the box's facts from the file (geomref.py); a changed file fails.
gid=$(json 'j["geometry"]["id"]' "$T/cube.json")
w a show --raw "$gid" >"$T/geom.env"
[ "$(/usr/bin/python3 "$WEFT_TESTS/integration/verify_record.py" --mesh \
    "$T/cube" "$T/geom.env")" = "$gid geom" ] ||
    fail "verify_record.py rejects the geom record"
mkdir -p "$T/other"
sed 's/vertex 10 /vertex 11 /' "$T/cube/box.stl" >"$T/other/box.stl"
! /usr/bin/python3 "$WEFT_TESTS/integration/verify_record.py" --mesh \
    "$T/other" "$T/geom.env" 2>/dev/null ||
    fail "verify_record.py took the facts of another file"
w a show "$cube" >"$T/cube.txt"
grep -q "size       10 x 20 x 30 mm" "$T/cube.txt" &&
    grep -q "volume     6000.000 mm^3" "$T/cube.txt" &&
    grep -q "not read: " "$T/cube.txt" ||
    fail "show does not print the facts: $(cat "$T/cube.txt")"

open=$(w a -q publish "$T/open" --title "Lidless" --license MIT)
w a show "$open" >"$T/open.txt"
grep -q "volume     none: open mesh: " "$T/open.txt" ||
    fail "open mesh not said: $(cat "$T/open.txt")"

# The thumbnail: a PNG, on a and (replicated eagerly) on b.
w a show --thumbnail "$T/a.png" "$cube" >/dev/null ||
    fail "show --thumbnail failed on a"
[ "$(head -c 8 "$T/a.png" | od -An -tx1 | tr -d ' \n')" = \
    89504e470d0a1a0a ] || fail "the thumbnail is not a PNG"
wait_for 20 w b -q show --thumbnail "$T/b.png" "$cube" ||
    fail "b did not get the thumbnail"
cmp -s "$T/a.png" "$T/b.png" || fail "b's thumbnail differs"
expect_code 3 w a show --thumbnail "$T/x.png" "$(publish_one a Plain)"

# a publishes a bracket; b's author re-uploads it as OBJ (scaled 2.5).
mkdir -p "$T/br" "$T/re" "$T/ed"
cp "$g/bracket.stl" "$T/br/"
cp "$g/bracket.obj" "$T/re/my-bracket.obj"
cp "$g/bracket-edited.stl" "$T/ed/"
orig=$(w a -q publish "$T/br" --title "Bracket" --license MIT)
wait_for 20 has b "$orig" || fail "b did not get the bracket"
wait_for 20 w b -q similar "$orig" || fail "b has no facts of the bracket"
sleep 0.01
copy=$(w b -q publish "$T/re" --title "My bracket" --license MIT)
edit=$(w b -q publish "$T/ed" --title "Bracket, edited" --license MIT)
# A remix: a fork, updated with the same shape in ASCII.
mkdir -p "$T/rx"
cp "$g/bracket-ascii.stl" "$T/rx/bracket.stl"
remix=$(w b -q fork "$orig") || fail "fork failed"
remix_head=$(w b -q update "$remix" "$T/rx" --message "ascii") ||
    fail "update of the fork failed"
for n in a b; do
	wait_for 20 has_all "$n" "$copy" "$edit" "$remix" "$remix_head" ||
	    fail "$n did not get b's designs"
done
a_author=$(w a --json status | json 'j["author"]' /dev/stdin)

for n in a b; do
	wait_for 20 sh -c "'$WEFT_BIN' --home '$T/$n' --json similar '$copy' \
	    >'$T/sim-$n.json' && grep -q '$remix' '$T/sim-$n.json'" ||
	    fail "$n: similar did not list everything: $(cat "$T/sim-$n.json")"
	python3 - "$T/sim-$n.json" "$orig" "$edit" "$remix" "$a_author" <<'PY' ||
import json, sys
j = json.load(open(sys.argv[1]))
by = {x["design"]: x for x in j}
o = by[sys.argv[2]]
assert o["identical"] and o["score"] == 1 and o["author"] == sys.argv[5], o
assert o["title"] == "Bracket", o
assert j[0]["identical"], j
e = by[sys.argv[3]]
assert not e["identical"] and 0.85 <= e["score"] < 1, e
PY
	    fail "$n: similar is wrong: $(cat "$T/sim-$n.json")"
	w "$n" show "$copy" >"$T/copy-$n.txt"
	grep -q "identical geometry to ${orig:0:8}[0-9a-f]*, published earlier by" \
	    "$T/copy-$n.txt" || fail "$n: no re-upload note: $(cat "$T/copy-$n.txt")"
	w "$n" show "$orig" >"$T/orig-$n.txt"
	! grep -q "identical geometry" "$T/orig-$n.txt" ||
	    fail "$n: the original is flagged: $(cat "$T/orig-$n.txt")"
	w "$n" show "$remix" >"$T/remix-$n.txt"
	! grep -q "published earlier" "$T/remix-$n.txt" &&
	    grep -q "a remix: not flagged" "$T/remix-$n.txt" ||
	    fail "$n: the remix: $(cat "$T/remix-$n.txt")"
done
w a similar "$orig" >"$T/sim.txt"
grep -q "a remix of this one (not a re-upload)" "$T/sim.txt" ||
    fail "similar does not say remix: $(cat "$T/sim.txt")"
# Ids as ls shortens them, authors by their 8 digits as comments show.
grep -q "^identical  ${copy:0:8}[0-9a-f]*  My bracket$" "$T/sim.txt" &&
    grep -q "^ *by $(w b --json status | json 'j["author"]' /dev/stdin |
    cut -c1-8), first published" "$T/sim.txt" ||
    fail "similar's ids: $(cat "$T/sim.txt")"
# The thumbnails are kept as metadata, of no design.
w b du --by policy | grep -q " metadata$" &&
    w b du | grep -q " (thumbnails, avatars)$" ||
    fail "du: $(w b du --by policy; w b du)"
w a --json show "$copy" >"$T/copy.json"
[ "$(json 'j["identical_earlier"]["design"]' "$T/copy.json")" = "$orig" ] ||
    fail "show --json has no identical_earlier"

# Fit filters: the box's extents are 30 x 20 x 10 in some orientation.
fits() {	# fits NODE ARGS...: the design ids listed
	w "$1" -q search "${@:2}" | sort | tr '\n' ' '
}
res=$(fits a --fits 12x32x22)
case " $res " in *" $cube "*) ;; *) fail "--fits 12x32x22 misses the box: $res";; esac
res=$(fits a --fits 25x25x25)
case " $res " in *" $cube "*) fail "--fits 25x25x25 lists the box";; esac
res=$(fits a --max-volume 6500)
case " $res " in *" $cube "*) ;; *) fail "--max-volume 6500 misses the box: $res";; esac
case " $res " in *" $open "*) fail "--max-volume lists the open mesh";; esac
res=$(fits a --max-volume 5999)
case " $res " in *" $cube "*) fail "--max-volume 5999 lists the box";; esac
res=$(fits a --min-size 31)
case " $res " in *" $cube "*) fail "--min-size 31 lists the box";; esac
res=$(fits a --triangles 12)
case " $res " in *" $cube "*) ;; *) fail "--triangles 12 misses the box: $res";; esac
res=$(fits a --triangles 13-)
case " $res " in *" $cube "*) fail "--triangles 13- lists the box";; esac
# With words: only the box among "box" matches that fit.
res=$(fits a --fits 12x32x22 box)
[ "$res" = "$cube " ] || fail "search box --fits: '$res'"
res=$(fits a --fits 5x5x5 box)
[ -z "$res" ] || fail "search box --fits 5x5x5: '$res'"
res=$(w a -q ls --fits 220x220x250 | sort | tr '\n' ' ')
case " $res " in *" $cube "*) ;; *) fail "ls --fits misses the box: $res";; esac
expect_code 2 w a search --fits 220x220 box
expect_code 2 w a search --max-volume lots box
stop_all
