#!/bin/bash
# The syscalls of an idle weftd (fresh home, no peers, LAN discovery
# off) over SECS seconds, all threads, by strace -c; and the main
# thread's voluntary context switches. Run two builds side by side to
# compare (docs/BENCHMARKS.md, "Label actions woken, not polled").
#
# usage: bench/bench-idle-syscalls.sh WEFTD WEFT [SECS]   (default 30)
set -eu
weftd=$1 weft=$2 secs=${3:-30}
export WEFT_LAN_DISCOVERY=off
h=$(mktemp -d /tmp/weft-idle.XXXXXX)
"$weftd" --home "$h/home" >"$h/log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$h"' EXIT
for _ in $(seq 1 200); do
	"$weft" --home "$h/home" status >/dev/null 2>&1 && break
	sleep 0.1
done
sleep 2
ctx() {
	awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$pid/task/$pid/status"
}
v0=$(ctx)
timeout -s INT "$secs" strace -c -f -p "$pid" -o "$h/strace" 2>/dev/null || true
v1=$(ctx)
echo "main thread voluntary context switches: $((v1 - v0))"
sort -k4 -n -r "$h/strace" | grep -v -- '------' | head -8
