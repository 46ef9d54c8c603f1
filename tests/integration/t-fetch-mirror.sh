#!/bin/bash
# A mirror of a library of 100 designs: a publishes 100 small designs and
# adds them to a library; b mirrors the library and connects; every file
# of every design ends up in b's store, and `weft get` on b of each one,
# with a stopped, gives byte-identical files.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000

start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
start_node b --listen 127.0.0.1:0
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)

lib=$(w a --json library create "Hundred" | json 'j["id"]' /dev/stdin)
mkdir -p "$T/src"
for i in $(seq 1 100); do
	mkdir -p "$T/src/$i"
	head -c $((20000 + i * 997)) /dev/urandom >"$T/src/$i/part.bin"
	echo "design $i" >"$T/src/$i/README"
	d=$(w a --json publish --title "Design $i" "$T/src/$i" |
	    json 'j["design"]' /dev/stdin) || fail "publish $i"
	echo "$i $d" >>"$T/designs"
	w a -q library add "$lib" "$d" >/dev/null || fail "library add $i"
done

expect_code 0 w b connect "$addr_a"
wait_for 30 w b show "$lib" || fail "b did not get the library"
expect_code 0 w b mirror "$lib"
# Complete when b holds as many chunk bytes as a.
want=$(w a --json status | json 'j["chunk_bytes"]' /dev/stdin)
wait_for 60 sh -c "[ \$('$WEFT_BIN' --home '$T/b' --json status |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"chunk_bytes\"])') -ge $want ]" ||
    fail "mirror incomplete"
stop_node "$pid_a"
mkdir -p "$T/got"
while read -r i d; do
	expect_code 0 w b get "$d" -o "$T/got/$i"
	cmp "$T/src/$i/part.bin" "$T/got/$i/part.bin" || fail "$i differs"
	cmp "$T/src/$i/README" "$T/got/$i/README" || fail "$i README"
done <"$T/designs"
echo ok
