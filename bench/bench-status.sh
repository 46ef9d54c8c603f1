#!/bin/bash
# `status` latency while a mirror runs (issue 17: under 50 ms), for this
# build and, with BEFORE=DIR, another one in the same run. Node A of each
# build serves MIB MiB (default 200) in 4 MiB files; in each round a fresh
# node B of that build mirrors everything while tests/integration/
# status_during.py sends `status` to B's control socket every 20 ms and
# times each reply (connect to the whole reply, as `weft status` does
# without the process start). Prints the idle figures, then the median,
# 90th percentile and largest latency during each mirror. Nothing
# listens on or dials anything but 127.0.0.1.
#
# usage: bench/bench-status.sh [BUILD_DIR] [MIB]   (ROUNDS=N, default 3)
set -eu
export WEFT_LAN_DISCOVERY=off
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
mib=${2:-200}
before=${BEFORE:-}
probe=$top/tests/integration/status_during.py
T=$(mktemp -d "${TMPDIR:-/var/tmp}/weft-status.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
die() { echo "bench-status: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
wait_until() {	# SECONDS CMD...
	local end
	end=$(python3 -c "import time; print(time.time() + $1)")
	shift
	until "$@" >/dev/null 2>&1; do
		python3 -c "import time,sys; sys.exit(time.time() > $end)" ||
		    return 1
		sleep 0.05
	done
}
start() {	# NAME BUILD: sets pid
	"$2/weftd" --home "$T/$1" --listen 127.0.0.1:0 >>"$T/$1.log" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	wait_until 20 "$2/weft" --home "$T/$1" status || die "weftd $1 did not start"
}

mkdir -p "$T/src"
for i in $(seq 1 $((mib / 4))); do
	mkdir -p "$T/src/$i"
	head -c $((4 << 20)) /dev/urandom >"$T/src/$i/part.bin"
done
start a "$build"
apid=$pid
printf '%s\n' "$T"/src/* | xargs -P 4 -I{} sh -c \
    '"$0" --home "$1" -q publish --title "s$(basename "$2")" "$2"/* >/dev/null' \
    "$build/weft" "$T/a" {} || die "publish"
want=$("$build/weft" --home "$T/a" --json status | json 'j["chunk_bytes"]')
builds="after:$build:a"
if [ -n "$before" ]; then
	kill "$apid"; wait "$apid" 2>/dev/null || true
	cp -a "$T/a" "$T/a0"
	rm -f "$T/a0/weftd.sock"
	start a "$build"
	start a0 "$before"
	builds="$builds before:$before:a0"
fi

for r in $(seq 1 "${ROUNDS:-3}"); do
	for spec in $builds; do
		tag=${spec%%:*} rest=${spec#*:}
		bd=${rest%:*} src=${rest##*:}
		b=b$r$tag
		start "$b" "$bd"
		bp=$pid
		idle=$(/usr/bin/python3 "$probe" "$T/$b/weftd.sock" "$want" 30 idle 20)
		"$bd/weft" --home "$T/$b" -q mirror --all || die "mirror"
		addr=$("$bd/weft" --home "$T/$src" --json status | json 'j["address"]')
		"$bd/weft" --home "$T/$b" -q connect "$addr" >/dev/null || die "connect"
		during=$(/usr/bin/python3 "$probe" "$T/$b/weftd.sock" "$want" 600)
		echo "$r $tag $idle $during" | python3 -c '
import json, sys
r, tag, rest = sys.stdin.read().split(" ", 2)
d = json.JSONDecoder()
idle, i = d.raw_decode(rest)
during, _ = d.raw_decode(rest[i:].strip())
print("round %s %-6s idle median %5.1f ms | during the mirror (%d samples): median %5.1f ms, p90 %5.1f ms, max %6.1f ms%s" % (
    r, tag, idle["median"], during["samples"], during["median"], during["p90"], during["max"],
    "" if during["done"] else " (mirror did not complete)"))'
		kill "$bp"; wait "$bp" 2>/dev/null || true
		rm -rf "${T:?}/$b"
	done
done
