#!/bin/bash
# The syncs and writes of a mirror's receiving node, counted with perf's
# syscall tracepoints (root, or perf_event_paranoid <= -1): node A (the
# first build) publishes DESIGNS designs of 1-3 random files (20-400 KB),
# then a fresh node B of the first build and one of the second mirror it
# in turn (twice each, alternating), on 127.0.0.1 only. Prints each B's
# time to hold every file, and its fdatasync, fsync, pwrite64 and pwritev
# calls, and checks B with `weft verify`.
#
# usage: bench/bench-mirror-syscalls.sh NEW_BUILD OLD_BUILD [DESIGNS]
set -u
export WEFT_LAN_DISCOVERY=off
N=$1
O=$2
designs=${3:-200}
command -v perf >/dev/null || { echo "no perf" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/var/tmp}/weft-msc.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/src"
python3 - "$T/src" "$designs" <<'PY'
import os, random, sys
r = random.Random(7)
for i in range(int(sys.argv[2])):
    d = os.path.join(sys.argv[1], "d%04d" % i)
    os.makedirs(d)
    for f in range(r.randint(1, 3)):
        with open(os.path.join(d, "p%d.bin" % f), "wb") as fh:
            fh.write(os.urandom(r.randint(20000, 400000)))
PY
st() {	# BUILD HOME EXPR
	"$1/weft" --home "$2" --json status |
	    python3 -c "import json,sys; j=json.load(sys.stdin); print($3)"
}
"$N/weftd" --home "$T/a" --listen 127.0.0.1:0 >"$T/a.log" 2>&1 &
pids="$pids $!"
sleep 2
printf '%s\n' "$T"/src/d* | xargs -P 4 -I{} sh -c \
    '"$0" --home "$1" -q publish --title x "$2"/* >/dev/null' "$N/weft" \
    "$T/a" {}
addr=$(st "$N" "$T/a" 'j["address"]')
want=$(st "$N" "$T/a" 'j["chunk_bytes"]')
echo "$designs designs, $want bytes of chunks"
k=0
for b in N O N O; do
	k=$((k + 1))
	bin=${!b}
	h="$T/b$k"
	"$bin/weftd" --home "$h" --listen 127.0.0.1:0 >"$h.log" 2>&1 &
	bpid=$!
	pids="$pids $bpid"
	sleep 2
	"$bin/weft" --home "$h" -q mirror --all
	perf stat -x, -o "$T/perf$k" -p "$bpid" -e \
	    syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync,syscalls:sys_enter_pwrite64,syscalls:sys_enter_pwritev &
	pp=$!
	sleep 0.5
	t0=$(date +%s.%N)
	"$bin/weft" --home "$h" -q connect "$addr" >/dev/null
	for _ in $(seq 1500); do
		got=$(st "$N" "$h" 'j["chunk_bytes"], j["missing"]["files"]')
		[ "${got% *}" -ge "$want" ] && [ "${got#* }" = 0 ] && break
		sleep 0.2
	done
	t1=$(date +%s.%N)
	kill -INT "$pp"
	wait "$pp"
	printf '%s (%s): %s s,' "$b" "$bin" \
	    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
	awk -F, '$3 ~ /sys_enter_/ { sub(".*sys_enter_", "", $3);
	    printf " %s %s", $3, $1 } END { print "" }' "$T/perf$k"
	"$N/weft" --home "$h" verify 2>&1 | tail -1
	kill "$bpid"
	wait "$bpid" 2>/dev/null
done
