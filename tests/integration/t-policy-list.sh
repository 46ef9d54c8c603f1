#!/bin/bash
# What a node keeps, listed (issue 11, must-have 7): `weft follow` and
# `weft mirror` without arguments list the policies in force with their
# progress (designs held / known, bytes held / wanted), and it moves from
# nothing to complete as b fetches from a; `weft pins` lists a design a
# one-off get keeps; unfollow / unmirror of what is not in force is
# "not found" (exit 3).
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000

start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
start_node b --listen 127.0.0.1:0
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)
author_a=$(w a --json id | json 'j["author"]' /dev/stdin)
start_node c --listen 127.0.0.1:0
author_c=$(w c --json id | json 'j["author"]' /dev/stdin)
addr_c=$(w c --json status | json 'j["address"]' /dev/stdin)

mkdir -p "$T/s1" "$T/s2" "$T/s3"
head -c 300000 /dev/urandom >"$T/s1/one.bin"
head -c 200000 /dev/urandom >"$T/s2/two.bin"
echo "lid" >"$T/s2/lid.scad"
head -c 50000 /dev/urandom >"$T/s3/three.bin"
d1=$(w a -q publish "$T/s1" --license MIT)
d2=$(w a -q publish "$T/s2" --license MIT)
lib=$(w a --json library create "Box" | json 'j["id"]' /dev/stdin)
w a -q library add "$lib" "$d2" >/dev/null
d3=$(w c -q publish "$T/s3" --license MIT)

# Empty lists.
[ "$(w b follow)" = "not following anyone" ] || fail "follow: $(w b follow)"
[ "$(w b mirror)" = "not mirroring anything" ] || fail "mirror: $(w b mirror)"
[ "$(w b --json follow)" = "[]" ] || fail "follow --json"
# Not in force: not found.
expect_code 3 w b unfollow "$author_a"
grep -q "not followed" "$T/err" || fail "$(cat "$T/err")"
expect_code 3 w b unmirror --all

# b hears the records, then a stops: b follows a with nothing held.
w b connect "$addr_a" >/dev/null
wait_for 20 w b show "$lib" || fail "b did not get the records"
wait_for 20 w b show "$d1" || fail "b did not get d1"
stop_node "$pid_a"
w b -q follow "$author_a"
w b -q mirror "$lib"
w b --json follow >"$T/f.json"
[ "$(json 'len(j)' "$T/f.json")" = 1 ] || fail "follow list $(cat "$T/f.json")"
[ "$(json 'j[0]["id"]' "$T/f.json")" = "$author_a" ] || fail "author id"
[ "$(json '(j[0]["designs"], j[0]["designs_held"])' "$T/f.json")" = "(2, 0)" ] ||
    fail "follow before: $(cat "$T/f.json")"
[ "$(json 'j[0]["bytes"]' "$T/f.json")" = 500004 ] ||
    fail "wanted bytes: $(cat "$T/f.json")"
[ "$(json 'j[0]["bytes_held"]' "$T/f.json")" = 0 ] || fail "held before"
w b --json mirror >"$T/m.json"
[ "$(json '(j[0]["kind"], j[0]["id"], j[0]["designs"], j[0]["bytes"])' \
    "$T/m.json")" = "('mirror', '$lib', 1, 200004)" ] ||
    fail "mirror list: $(cat "$T/m.json")"

# a comes back: both policies complete.
start_node a --listen "${addr_a#*@}"
w b connect "$addr_a" >/dev/null 2>&1 || true
held() {
	w b --json follow >"$T/f2.json" &&
	    [ "$(json 'j[0]["bytes_held"]' "$T/f2.json")" = 500004 ]
}
wait_for 30 held || fail "follow never complete: $(cat "$T/f2.json")"
[ "$(json 'j[0]["designs_held"]' "$T/f2.json")" = 2 ] || fail "designs held"
w b mirror >"$T/m.txt"
grep -q "^mirror $lib  designs 1/1  200.0 kB / 200.0 kB" "$T/m.txt" ||
    fail "human mirror: $(cat "$T/m.txt")"
w b mirror --all >/dev/null
w b mirror >"$T/m2.txt"
grep -q "^mirror everything " "$T/m2.txt" || fail "mirror all: $(cat "$T/m2.txt")"
w b -q unmirror --all
w b follow >"$T/f.txt"
grep -q "^follow $author_a  designs 2/2" "$T/f.txt" || fail "human follow: $(cat "$T/f.txt")"

# Pins: a get of c's design, which no policy covers.
[ "$(w b --json pins)" = "[]" ] || fail "pins not empty"
w b connect "$addr_c" >/dev/null
wait_for 20 w b show "$d3" || fail "b did not get d3"
w b get "$d3" -o "$T/g3" >/dev/null || fail "get d3"
w b --json pins >"$T/p.json"
[ "$(json '[(p["design"], p["bytes"], p["bytes_held"]) for p in j]' \
    "$T/p.json")" = "[('$d3', 50000, 50000)]" ] || fail "pins: $(cat "$T/p.json")"
w b pins | grep -q "^$d3  50.0 kB / 50.0 kB  complete" || fail "human pins"
# Once a policy keeps it, it is no pin.
w b -q follow "$author_c"
[ "$(w b --json pins)" = "[]" ] || fail "followed design still a pin"
w b -q unfollow "$author_c"
[ "$(json 'len(j)' <(w b --json pins))" = 1 ] || fail "pin back after unfollow"
echo ok
