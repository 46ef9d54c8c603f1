#!/bin/bash
# `weft ls --json` over a store of N designs (default 100,000), through a
# real weftd: builds the home with bench-ingest (signed records written
# straight into a fresh store), then times five listings and reports each
# and the median, beside the time `cat` takes to copy the same JSON
# document through a pipe (the floor for producing that many bytes).
#
# usage: bench/bench-ls.sh [BUILD_DIR] [DESIGNS]
set -eu
# The benchmark's daemons never announce themselves on the LAN.
export WEFT_LAN_DISCOVERY=off
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
n=${2:-100000}
T=$(mktemp -d "${TMPDIR:-/var/tmp}/weft-bench-ls.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

echo "building a home with $n designs"
"$build/bench/bench-ingest" --designs "$n" --home "$T/home" >/dev/null
"$build/weftd" --home "$T/home" 2>"$T/weftd.log" &
pid=$!
for _ in $(seq 100); do
	"$build/weft" --home "$T/home" status >/dev/null 2>&1 && break
	sleep 0.1
done
"$build/weft" --home "$T/home" --json ls >"$T/ls.json"
count=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/ls.json")
times=()
for _ in 1 2 3 4 5; do
	t0=$(date +%s%N)
	"$build/weft" --home "$T/home" --json ls >/dev/null
	t1=$(date +%s%N)
	times+=($(( (t1 - t0) / 1000000 )))
done
t0=$(date +%s%N)
cat "$T/ls.json" | cat >/dev/null
t1=$(date +%s%N)
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
echo "designs listed:            $count ($(stat -c %s "$T/ls.json") bytes of JSON)"
echo "weft ls --json, 5 runs:    ${times[*]} ms"
echo "median:                    $median ms (target < 250 ms)"
echo "cat of the same JSON:      $(( (t1 - t0) / 1000000 )) ms"
