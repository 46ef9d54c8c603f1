#!/bin/bash
# weft library ls without a library lists the libraries a node knows of,
# its own and those heard of from peers, with how many designs each holds
# now; --search keeps those whose name or description contains a text,
# letters compared without case (issue 14, must-have 5).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

start_node a --listen 127.0.0.1:0
start_node b --peer "$(addr a)"
l1=$(w a -q library create "Calibration prints" \
    --description "Models for tuning printers") || fail "create 1"
l2=$(w a -q library create "Wall hooks") || fail "create 2"
d1=$(publish_one a "Cube")
d2=$(publish_one a "Tower")
w a -q library add "$l1" "$d1" >/dev/null || fail "add 1"
w a -q library add "$l1" "$d2" >/dev/null || fail "add 2"
w a -q library remove "$l1" "$d2" >/dev/null || fail "remove"

# b heard of both, and counts what l1 holds now: one design.
libs_on_b() {
	[ "$(w b --json library ls | json 'len(j)' /dev/stdin)" = 2 ] &&
	[ "$(w b --json library ls |
	    json '[x["designs"] for x in j if x["lib"] == "'"$l1"'"][0]' \
	    /dev/stdin)" = 1 ]
}
wait_for 20 libs_on_b || fail "b lists: $(w b --json library ls)"
w b library ls >"$T/out" || fail "library ls"
grep -q "^${l2:0:12}  *0 designs  Wall hooks$" "$T/out" ||
    fail "human list: $(cat "$T/out")"
grep -q "^${l1:0:12}  *1 design   Calibration prints$" "$T/out" ||
    fail "human list: $(cat "$T/out")"
# --search: in the description, without case; nothing for another word.
[ "$(w b --json library ls --search TUNING | json '[x["lib"] for x in j]' \
    /dev/stdin)" = "['$l1']" ] || fail "search tuning"
[ "$(w b --json library ls --search gears | json 'len(j)' /dev/stdin)" = 0 ] ||
    fail "search gears"
expect_code 2 w b library ls "$l1" --search x
# With a library, as before: its designs.
w b --json library ls "$l1" | json '[x["design"] for x in j["designs"]]' \
    /dev/stdin | grep -q "$d1" || fail "library ls LIB"
stop_all
