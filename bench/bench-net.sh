#!/bin/bash
# Bulk bytes through the encrypted transport between two weftd on
# loopback, beside libsodium's raw box-stream seal+open speed measured
# in the same run (target: at least 60% of it), and secret handshakes
# per second against one weftd (target: at least 1,500/s).
#
# The bytes go on a "bench" channel (control op push): the sender keeps
# its queue full, the receiver discards them; the time is taken until
# the receiver has read them all.
#
# usage: bench/bench-net.sh [BUILD_DIR] [MIB] [HS_SECONDS]
#        (defaults: build 1024 5)
set -eu
# The benchmark's daemons never announce themselves on the LAN.
export WEFT_LAN_DISCOVERY=off
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
mib=${2:-1024}
hs_secs=${3:-5}
weft=$build/weft
weftd=$build/weftd
bench=$build/bench/bench-net
ctl=$top/tests/integration/net_ctl.py
T=$(mktemp -d "${TMPDIR:-/var/tmp}/weft-bench.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT

now() { date +%s.%N; }
st() { $weft --home "$T/$1" --json status | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
up() {
	for _ in $(seq 100); do
		$weft --home "$T/$1" status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "weftd $1 did not start" >&2
	exit 1
}

$weftd --home "$T/a" --listen 127.0.0.1:0 2>"$T/a.log" &
pids="$pids $!"
$weftd --home "$T/b" --listen 127.0.0.1:0 2>"$T/b.log" &
pids="$pids $!"
up a
up b
addr_a=$(st a address)
node_a=${addr_a%@*}
node_b=$(st b node)
$weft --home "$T/b" -q connect "$addr_a"

raw=$($bench raw 512 | awk '{print $2}')

bytes=$((mib * 1024 * 1024))
got() {
	$weft --home "$T/a" --json peers | /usr/bin/python3 -c "import json,sys; print([p['bytes_in'] for p in json.load(sys.stdin) if p['node'] == '$node_b'][0])"
}
base=$(got)
t0=$(now)
/usr/bin/python3 "$ctl" "$T/b/weftd.sock" push "node=$node_a" "bytes=$bytes" >/dev/null
while [ "$(got)" -lt $((base + bytes)) ]; do sleep 0.02; done
t1=$(now)
mbps=$(echo "$bytes / ($t1 - $t0) / 1000000" | bc -l)

hs=$($bench hs "$addr_a" "$hs_secs" 2 | awk '/handshakes_per_s/ {print $2}')

printf 'raw box-stream seal+open (one core)  %8.1f MB/s\n' "$raw"
printf 'transport, %d MiB between two weftd  %8.1f MB/s  (%.0f%% of raw; target 60%%)\n' \
    "$mib" "$mbps" "$(echo "100 * $mbps / $raw" | bc -l)"
printf 'handshakes against one weftd         %8.1f /s    (target 1500/s)\n' "$hs"
