#!/bin/bash
# File changes between revisions: "weft log" lists under each revision
# the files it added (A), deleted (D), modified (M) and renamed (R), up
# to 10; "weft diff DESIGN [FROM [TO]]" lists them all, between the head
# and its parent by default, in human and JSON form, with unknown and
# ambiguous revisions refused.
. "$(dirname "$0")/lib.sh"

start_node a
mkdir -p "$T/src"
echo "cube" >"$T/src/cube.stl"
echo "old" >"$T/src/old.txt"
echo "moved" >"$T/src/here.scad"
d=$(w a -q publish "$T/src" --title Cube --license MIT --yes)

# Revision 2: modify, delete, rename, add.
echo "cube v2" >"$T/src/cube.stl"
rm "$T/src/old.txt"
mkdir "$T/src/sub"
mv "$T/src/here.scad" "$T/src/sub/there.scad"
echo "new" >"$T/src/new.txt"
r2=$(w a -q update "$d" "$T/src" --message two --yes) || fail "update"

expect_code 0 w a diff "${d:0:10}"
cat >"$T/want" <<W
from ${d:0:12} to ${r2:0:12}
M  cube.stl (8 bytes)
A  new.txt (4 bytes)
D  old.txt
R  here.scad -> sub/there.scad (6 bytes)
W
# Sorted by the path each change ends at.
diff -u "$T/want" "$T/out" || fail "diff output"

w a --json diff "$d" >"$T/d.json"
[ "$(json 'j["from"]' "$T/d.json")" = "$d" ] || fail "from"
[ "$(json 'j["to"]' "$T/d.json")" = "$r2" ] || fail "to"
[ "$(json '[(c["status"], c["path"], c.get("old_path")) for c in j["changes"]]' "$T/d.json")" = \
    "[('modified', 'cube.stl', None), ('added', 'new.txt', None), ('deleted', 'old.txt', None), ('renamed', 'sub/there.scad', 'here.scad')]" ] ||
    fail "json changes: $(cat "$T/d.json")"

# log shows the same under revision 2, and every file as added under 1.
w a log "$d" >"$T/log"
grep -q "^    R  here.scad -> sub/there.scad (6 bytes)$" "$T/log" ||
    fail "log lacks the rename: $(cat "$T/log")"
grep -q "^    A  old.txt (4 bytes)$" "$T/log" || fail "log of revision 1"
w a --json log "$d" >"$T/log.json"
[ "$(json 'len(j["revisions"][0]["changes"])' "$T/log.json")" = 4 ] ||
    fail "json log changes"
[ "$(json 'len(j["revisions"][1]["changes"])' "$T/log.json")" = 3 ] ||
    fail "json log root changes"

# A metadata-only revision changes no file.
w a -q update "$d" --title "Cube 3" >/dev/null
expect_code 0 w a diff "$d"
grep -qx "no file changes" "$T/out" || fail "$(cat "$T/out")"
# FROM TO across revisions; FROM alone runs to the head.
expect_code 0 w a -q diff "$d" "$d" "$r2"
[ "$(wc -l <"$T/out")" = 4 ] || fail "diff FROM TO: $(cat "$T/out")"
expect_code 0 w a -q diff "$d" "$d"
[ "$(wc -l <"$T/out")" = 4 ] || fail "diff FROM: $(cat "$T/out")"

# log caps its lines; diff does not.
for i in $(seq 1 14); do echo "$i" >"$T/src/f$i.txt"; done
w a -q update "$d" "$T/src" --yes >/dev/null
w a log "$d" >"$T/log"
grep -q "^    \.\.\. and 4 more$" "$T/log" || fail "log cap: $(cat "$T/log")"
expect_code 0 w a -q diff "$d"
[ "$(wc -l <"$T/out")" = 14 ] || fail "diff lists all"

expect_code 3 w a diff "$d" deadbeefdeadbeef
expect_code 2 w a diff "$d" zz
expect_code 2 w a diff
expect_code 3 w a diff 0123456789abcdef
echo ok
