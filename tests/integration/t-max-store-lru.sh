#!/bin/bash
# max-store evicts the least recently used files first. b (max-store
# 4 MiB) holds its own design and gets three of a's designs once (kept
# by no policy) in the order D1, D2, D3, then reads D1 again: D2 is now
# the least recently used. A fourth get goes over the cap: b evicts D2
# alone (its log names it), keeps D1, D3 and its own design, and stays
# under the cap. With a stopped, b still gives D1, D3, D4 and its own
# design from its store, and cannot give D2.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000
export WEFT_SYNC_RECONCILE_MS=300
MAX=$((4 * 1024 * 1024))

start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
# Every use is noted (not once a minute): the test reuses within one.
WEFT_USE_STEP_MS=1 WEFT_MAX_STORE=4M start_node b --listen 127.0.0.1:0
pid_b=$NODE_PID
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)

mkdir -p "$T/own"
head -c 400000 /dev/urandom >"$T/own/mine.bin"
own=$(w b --json publish --title "Mine" "$T/own" |
    json 'j["design"]' /dev/stdin) || fail "b publish"

for i in 1 2 3 4; do
	mkdir -p "$T/src/$i"
	head -c 1000000 /dev/urandom >"$T/src/$i/part$i.bin"
	d=$(w a --json publish --title "Design $i" "$T/src/$i" |
	    json 'j["design"]' /dev/stdin) || fail "publish $i"
	eval "d$i=$d"
done

expect_code 0 w b connect "$addr_a"
for d in "$d1" "$d2" "$d3" "$d4"; do
	wait_for 30 w b show "$d" || fail "b did not sync $d"
done

bytes() {
	w b --json status | json 'j["chunk_bytes"]' /dev/stdin
}
# get_once NAME DESIGN: b gets DESIGN once into $T/got/NAME.
get_once() {
	rm -rf "$T/got/$1"
	w b -q get --once "$2" -o "$T/got/$1" --timeout 20
}
get_once 1 "$d1" || fail "get d1"
get_once 2 "$d2" || fail "get d2"
get_once 3 "$d3" || fail "get d3"
before=$(bytes)
[ "$before" -lt "$MAX" ] || fail "three designs already fill b: $before"
# D1 read again (its files are here: nothing is fetched).
get_once 1b "$d1" || fail "get d1 again"
[ "$(bytes)" -eq "$before" ] || fail "the second get of d1 fetched"
grep -q "max-store" "$T/b.log" && fail "max-store reached too early"

# The fourth goes over max-store: the least recently used goes.
get_once 4 "$d4" || fail "get d4"
evicted() {
	grep -q "max-store: evicted the files of design ${d2:0:16}" \
	    "$T/b.log"
}
wait_for 30 evicted || fail "b did not evict d2"
under() {
	[ "$(bytes)" -lt "$MAX" ]
}
wait_for 30 under || fail "b stays over max-store: $(bytes)"
grep "max-store" "$T/b.log" >&2
for d in "$d1" "$d3" "$d4" "$own"; do
	grep -q "evicted the files of design ${d:0:16}" "$T/b.log" &&
	    fail "b evicted $d, used more recently or kept"
done
grep -q "only kept files remain" "$T/b.log" &&
    fail "b says only kept files remain"

# Nothing to fetch from any more: what b holds, it gives.
stop_node "$pid_a"
for i in 1 3 4; do
	get_once "after$i" "$(eval echo "\$d$i")" ||
	    fail "b lost d$i"
	cmp "$T/src/$i/part$i.bin" "$T/got/after$i/part$i.bin" ||
	    fail "d$i differs"
done
get_once own "$own" || fail "b lost its own design"
cmp "$T/own/mine.bin" "$T/got/own/mine.bin" || fail "own design differs"
w b -q get --once "$d2" -o "$T/got/after2" --timeout 3 2>/dev/null &&
    fail "b still holds d2"
stop_node "$pid_b"
echo ok
