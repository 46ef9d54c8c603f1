#!/bin/bash
# Metadata-only updates: "weft update DESIGN --license/--title/..."
# without PATHs makes a revision that keeps the files; "weft show DESIGN"
# shows the newest head (not the first revision) and keeps "remix of"
# visible there. --raw still gives the exact record of the id asked.
. "$(dirname "$0")/lib.sh"

start_node a
mkdir -p "$T/src"
echo "cube" >"$T/src/cube.stl"
head -c 300000 /dev/urandom >"$T/src/big.bin"
orig=$(w a -q publish "$T/src" --title Cube --license CC-BY-4.0)
fork=$(w a -q fork "$orig" --title "Cube remix")
w a --json show "$fork" >"$T/g.json"

# Nothing to change is a usage error.
expect_code 2 w a update "$fork"
grep -q "nothing to update" "$T/err" || fail "$(cat "$T/err")"

w a --json update "$fork" --license CC-BY-SA-4.0 --title "Cube remix v2" \
    --tag cube --message relicensed >"$T/u.json" || fail "update failed"
rev=$(json 'j["id"]' "$T/u.json")
[ "$(json 'j["design"]' "$T/u.json")" = "$fork" ] || fail "design id"
[ "$rev" != "$fork" ] || fail "no new revision"

w a --json show "$fork" >"$T/s.json"
[ "$(json 'j["id"]' "$T/s.json")" = "$rev" ] || fail "show is not the head"
[ "$(json 'j["license"]' "$T/s.json")" = CC-BY-SA-4.0 ] || fail "license"
[ "$(json 'j["title"]' "$T/s.json")" = "Cube remix v2" ] || fail "title"
[ "$(json 'j["tags"]' "$T/s.json")" = "['cube']" ] || fail "tags"
[ "$(json 'j["prev"]' "$T/s.json")" = "['$fork']" ] || fail "prev"
[ "$(json 'j["files"]' "$T/s.json")" = "$(json 'j["files"]' "$T/g.json")" ] ||
    fail "files changed"
[ "$(json 'j["design_remix_of"]' "$T/s.json")" = "['$orig']" ] ||
    fail "remix of lost at the head"
w a show "$fork" >"$T/s.txt"
grep -q "^remix of *$orig" "$T/s.txt" || fail "human remix of: $(cat "$T/s.txt")"
grep -q "^license *CC-BY-SA-4.0" "$T/s.txt" || fail "human license"

# The first revision is still there, by --raw and by log.
w a show --raw "$fork" >"$T/raw.bin"
w a --json show "$rev" >"$T/r.json"
[ "$(json 'j["id"]' "$T/r.json")" = "$rev" ] || fail "show REV"
cmp -s "$T/raw.bin" <(w a show --raw "$rev") && fail "--raw gave the head"
w a --json log "$fork" >"$T/log.json"
[ "$(json 'len(j["revisions"])' "$T/log.json")" = 2 ] || fail "log"

# The files of the head come back byte for byte.
w a get "$fork" -o "$T/dl" >/dev/null 2>"$T/gerr" || fail "get: $(cat "$T/gerr")"
cmp "$T/src/big.bin" "$T/dl/big.bin" || fail "big.bin differs"
cmp "$T/src/cube.stl" "$T/dl/cube.stl" || fail "cube.stl differs"

# Only one field given: the others are kept from the head.
w a -q update "$fork" --description "now with a lid" >/dev/null
w a --json show "$fork" >"$T/s2.json"
[ "$(json 'j["license"]' "$T/s2.json")" = CC-BY-SA-4.0 ] || fail "license kept"
[ "$(json 'j["description"]' "$T/s2.json")" = "now with a lid" ] ||
    fail "description"
# Another author's design cannot be updated, with or without files.
start_node b
expect_code 3 w b update "$fork" --title x
echo ok
