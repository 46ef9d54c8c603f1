#!/bin/bash
# Publish and get a large file through a real weftd, beside libsodium's
# single-core BLAKE2b-256 speed measured in the same run, and weftd's
# anonymous memory (RssAnon from /proc: LMDB's map inflates plain RSS)
# sampled while it works.
#
# It also prints weftd's CPU time (user and system, from /proc) during
# the publish and, where `perf` may count syscall tracepoints (root, or
# perf_event_paranoid <= -1), the syncs and writes weftd issued then:
# fdatasync, fsync, and pwrite64/pwritev/write calls. WEFT_BENCH_PERF=0
# skips the count. weftd's CPU time during the get, and the bytes it
# wrote to the disk during the publish (write_bytes of /proc/PID/io:
# page-cache writeback is counted to who dirtied the pages, a direct
# write when it is issued) are printed too.
#
# usage: bench/bench-publish.sh [BUILD_DIR] [SIZE_MIB]   (defaults: build 1024)
set -eu
# The benchmark's daemons never announce themselves on the LAN.
export WEFT_LAN_DISCOVERY=off
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
mib=${2:-1024}
weft=$build/weft
weftd=$build/weftd
b2speed=$build/bench/b2speed
T=$(mktemp -d "${TMPDIR:-/var/tmp}/weft-bench.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

now() { date +%s.%N; }

# utime + stime of PID, in clock ticks: "user system".
cpu_of() {
	awk '{ print $14, $15 }' "/proc/$1/stat"
}
# Bytes PID caused to be written to the disk so far.
wbytes_of() {
	awk '/^write_bytes:/ { print $2 }' "/proc/$1/io"
}
tck=$(getconf CLK_TCK)
SYSCALLS="fdatasync fsync pwrite64 pwritev write read"
perf_ok=0
if [ "${WEFT_BENCH_PERF:-1}" != 0 ] && command -v perf >/dev/null &&
    perf stat -e syscalls:sys_enter_fdatasync true >/dev/null 2>&1; then
	perf_ok=1
fi

# Samples RssAnon (kB) of PID every 20 ms until the file STOP exists;
# prints the maximum.
sample_rss() {
	local max=0 v
	while [ ! -e "$T/stop" ] && [ -d "/proc/$1" ]; do
		v=$(awk '/^RssAnon:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0)
		[ "${v:-0}" -gt "$max" ] && max=$v
		sleep 0.02
	done
	echo "$max"
}

echo "making a ${mib} MiB file of random bytes"
head -c $((mib * 1024 * 1024)) /dev/urandom >"$T/big.bin"
# Let the writeback of the test file finish before anything is timed.
sync

$weftd --home "$T/home" 2>"$T/weftd.log" &
pid=$!
for _ in $(seq 100); do
	$weft --home "$T/home" status >/dev/null 2>&1 && break
	sleep 0.1
done

b2=$($b2speed)

rm -f "$T/stop"
sample_rss "$pid" >"$T/rss.publish" &
sp=$!
pp=""
if [ "$perf_ok" = 1 ]; then
	ev=""
	for c in $SYSCALLS; do ev="$ev${ev:+,}syscalls:sys_enter_$c"; done
	perf stat -x, -e "$ev" -p "$pid" -o "$T/perf.txt" &
	pp=$!
	sleep 0.3
fi
c0=$(cpu_of "$pid")
w0=$(wbytes_of "$pid")
t0=$(now)
design=$($weft --home "$T/home" -q publish "$T/big.bin" --title bench)
t1=$(now)
c1=$(cpu_of "$pid")
w1=$(wbytes_of "$pid")
if [ -n "$pp" ]; then
	kill -INT "$pp"
	wait "$pp" || true
fi
touch "$T/stop"
wait "$sp"

rm -f "$T/stop"
sample_rss "$pid" >"$T/rss.get" &
sp=$!
c2=$(cpu_of "$pid")
t2=$(now)
$weft --home "$T/home" -q get "$design" -o "$T/out"
t3=$(now)
c3=$(cpu_of "$pid")
touch "$T/stop"
wait "$sp"

cmp "$T/big.bin" "$T/out/big.bin" || { echo "get returned other bytes" >&2; exit 1; }

awk -v mib="$mib" -v b2="$b2" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
    -v t3="$t3" -v rp="$(cat "$T/rss.publish")" -v rg="$(cat "$T/rss.get")" '
BEGIN {
	bytes = mib * 1048576
	pub = bytes / (t1 - t0) / 1e6
	get = bytes / (t3 - t2) / 1e6
	printf "blake2b-256 single core:   %8.1f MB/s\n", b2
	printf "publish %5d MiB:          %8.1f MB/s  (%.0f%% of blake2b)\n", mib, pub, 100 * pub / b2
	printf "get     %5d MiB:          %8.1f MB/s\n", mib, get
	printf "weftd RssAnon max publish: %8.1f MiB\n", rp / 1024
	printf "weftd RssAnon max get:     %8.1f MiB\n", rg / 1024
}'
set -- $c0 $c1
awk -v u=$(($3 - $1)) -v s=$(($4 - $2)) -v t="$tck" 'BEGIN {
	printf "weftd CPU during publish:  %8.2f s user, %.2f s system\n", u / t, s / t
}'
set -- $c2 $c3
awk -v u=$(($3 - $1)) -v s=$(($4 - $2)) -v t="$tck" 'BEGIN {
	printf "weftd CPU during get:      %8.2f s user, %.2f s system\n", u / t, s / t
}'
awk -v w=$((w1 - w0)) 'BEGIN {
	printf "weftd disk writes publish: %8.1f MiB\n", w / 1048576
}'
if [ -f "$T/perf.txt" ]; then
	printf "weftd syscalls during publish:"
	awk -F, '$3 ~ /sys_enter_/ { sub(".*sys_enter_", "", $3);
	    printf " %s %s", $3, $1 }' "$T/perf.txt"
	echo
fi
