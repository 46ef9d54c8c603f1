#!/bin/bash
# weft get LIB -o DIR downloads a whole library, one folder per design
# (named by title; two designs of one title get their id prefix), each
# folder exactly what weft get DESIGN writes, credits included; on a
# second node the files come from the first. Without -o the folder is
# named after the library; --json is one document; --rev is refused; a
# design removed from the library is not fetched (issue 14, part 5).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"

mk() {	# mk NAME TITLE: a design of two files, one in a folder
	mkdir -p "$T/src/$1/sub"
	head -c 300000 /dev/urandom >"$T/src/$1/sub/body.bin"
	printf '%s\n' "$2" >"$T/src/$1/note.txt"
	w a -q publish "$T/src/$1" --title "$2" --license CC-BY-4.0
}
d1=$(mk one "Wall hook") || fail "publish 1"
d2=$(mk two "Wall hook") || fail "publish 2"
d3=$(mk three "Cable clip") || fail "publish 3"
d4=$(mk four "Gone") || fail "publish 4"
lib=$(w a -q library create "Hooks & clips") || fail "library create"
for d in "$d1" "$d2" "$d3" "$d4"; do
	w a -q library add "$lib" "$d" >/dev/null || fail "library add $d"
done
w a -q library remove "$lib" "$d4" >/dev/null || fail "library remove"

lib_on_b() {
	[ "$(w b --json library ls "$lib" |
	    json 'len(j["designs"])' /dev/stdin)" = 3 ]
}
wait_for 30 lib_on_b || fail "b does not see the library's 3 designs"

# On b, whose store has none of the files: they come from a.
w b get "$lib" -o "$T/libdir" >"$T/log" || fail "get LIB failed: $(cat "$T/log")"
grep -q "got 3 of the 3 designs of library 'Hooks & clips'" "$T/log" ||
    fail "summary: $(cat "$T/log")"
ls "$T/libdir" | sort >"$T/dirs"
# The first "Wall hook" keeps the plain name; which one is first is the
# library's order, so accept either.
{ [ "$(sed -n 1p "$T/dirs")" = cable-clip ] &&
  [ "$(sed -n 2p "$T/dirs")" = wall-hook ] &&
  grep -qx "wall-hook-${d1:0:8}\|wall-hook-${d2:0:8}" "$T/dirs" &&
  [ "$(wc -l <"$T/dirs")" = 3 ]; } || fail "folders: $(cat "$T/dirs")"
for d in "$d1" "$d2" "$d3"; do
	w b get "$d" -o "$T/one-${d:0:8}" >/dev/null || fail "get $d"
	found=""
	for f in "$T/libdir"/*; do
		diff -r "$T/one-${d:0:8}" "$f" >/dev/null 2>&1 && found=$f
	done
	[ -n "$found" ] || fail "no folder equals weft get $d"
	[ -f "$found/CREDITS.md" ] || fail "no CREDITS.md in $found"
done
grep -rq "Gone" "$T/libdir" && fail "the removed design was fetched"

# Without -o: a folder named after the library; --json, one document.
(cd "$T" && w b --json get "$lib" >"$T/json") || fail "get LIB --json"
[ -d "$T/hooks-clips" ] || fail "default folder: $(ls "$T")"
[ "$(json 'j["lib"]' "$T/json")" = "$lib" ] || fail "json lib"
[ "$(json 'len(j["designs"])' "$T/json")" = 3 ] || fail "json designs"
[ "$(json 'j["designs"][0]["dir"].startswith("hooks-clips/")' \
    "$T/json")" = True ] || fail "json dir: $(cat "$T/json")"

expect_code 2 w b get "$lib" --rev "$d1" -o "$T/x"
[ -e "$T/x" ] && fail "--rev with a library made a folder"
# A design id still gets the design alone.
w b get "$d3" -o "$T/single" >/dev/null || fail "get DESIGN"
[ -f "$T/single/note.txt" ] || fail "get DESIGN wrote no files"
echo "OK"
