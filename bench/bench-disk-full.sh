#!/bin/bash
# Record sync into a full disk, against a fresh sync, in the same run
# (issue 16, must-have 2). Needs root (it mounts tmpfs).
#
#   bench/bench-disk-full.sh [BUILD_DIR] [DESIGNS] [FULL_S]
#
# A peer holds DESIGNS designs (bench-ingest). (1) A fresh node on a
# tmpfs with room syncs them: time to all records. (2) A node on a tmpfs
# a filler file leaves with 16 MiB free syncs them; after FULL_S seconds
# the filler is deleted: records stored and sync bytes in while full, the
# node's CPU time while full, time from freeing to all records, and sync
# bytes in at the end against (1)'s.
set -eu
B=$(cd "${1:-build}" && pwd)
N=${2:-30000}
FULL=${3:-20}
T=$(mktemp -d /tmp/bench-disk-full.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	umount "$T/f1" "$T/f2" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
export WEFT_OUT_TARGET=0 WEFT_STORE_RESERVE=$((1024 * 1024))
j() {
	/usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}
now() {
	date +%s.%N
}
"$B/bench/bench-ingest" --designs "$N" --home "$T/a" >/dev/null 2>&1
"$B/weftd" --home "$T/a" --listen 127.0.0.1:0 >"$T/a.log" 2>&1 &
PIDS="$PIDS $!"
until "$B/weft" --home "$T/a" status >/dev/null 2>&1; do sleep 0.05; done
addr=$("$B/weft" --home "$T/a" --json status | j 'j["address"]')
total=$("$B/weft" --home "$T/a" --json status | j 'j["records"]')

# run DIR FILLER: starts a node on a fresh tmpfs DIR, connects it.
run() {
	mkdir -p "$1"
	mount -t tmpfs -o size=512m,mode=0700 tmpfs "$1"
	"$B/weft" --home "$1/h" init >/dev/null
	"$B/weftd" --home "$1/h" --listen 127.0.0.1:0 >"$1.log" 2>&1 &
	PID=$!
	PIDS="$PIDS $PID"
	until "$B/weft" --home "$1/h" status >/dev/null 2>&1; do
		sleep 0.05
	done
	if [ "$2" = filler ]; then
		avail=$(df -B1 --output=avail "$1" | tail -n 1)
		head -c $((avail - 16 * 1024 * 1024)) /dev/zero >"$1/filler"
	fi
	"$B/weft" --home "$1/h" -q connect "$addr"
}
st() {
	"$B/weft" --home "$1/h" --json status | j "j['records'], j['sync']['bytes_in']"
}
wait_all() {
	until [ "$("$B/weft" --home "$1/h" --json status |
	    j 'j["records"]')" -ge "$total" ]; do
		sleep 0.2
	done
}
ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

t0=$(now)
run "$T/f1" none
wait_all "$T/f1"
t1=$(now)
read -r _ fresh_in <<<"$(st "$T/f1" | tr -d '(),')"
echo "fresh sync of $total records: $(echo "$t1 - $t0" | bc) s," \
    "$fresh_in sync bytes in"

run "$T/f2" filler
c0=$(ticks "$PID")
sleep "$FULL"
c1=$(ticks "$PID")
echo "full for $FULL s: records, bytes in = $(st "$T/f2");" \
    "CPU $(( (c1 - c0) * 100 / FULL / $(getconf CLK_TCK) ))% of a core"
rm -f "$T/f2/filler"
t0=$(now)
wait_all "$T/f2"
t1=$(now)
read -r _ in2 <<<"$(st "$T/f2" | tr -d '(),')"
echo "after freeing: all records in $(echo "$t1 - $t0" | bc) s;" \
    "sync bytes in $in2 ($(echo "scale=2; $in2 / $fresh_in" | bc)x the" \
    "fresh sync's)"
