#!/bin/bash
# Mirror from three peers at once: DESIGNS designs (default 999) with MIB
# MiB of random files (default 200) are published a third each on nodes
# A1, A2 and A3; in each round a fresh node mirrors `--all` from A1 alone
# (the single-peer rate: A1's bytes over the time), then another fresh
# node from all three at once (all the bytes over the time). Target
# (issue 17): the three-peer rate >= 1.5x the single-peer rate.
# With BEFORE=DIR the same rounds also run with the weftd and weft of
# another build (three more source nodes of that build serve copies of
# the homes), so both builds are measured in the same run. Nothing listens
# on or dials anything but 127.0.0.1.
# Every copy starts from pristine sources: a round's three-peer node
# pushes every record to each source it meets and tells each of the
# other two, so a source that served it would hand the next one-peer
# node all 999 records (of which it holds a third of the files) and the
# other sources' addresses (docs/BENCHMARKS.md, "Stop 14 on a quiet
# machine"). So the homes as published are kept aside, and before each
# copy the sources it uses are stopped (by PID), replaced by fresh
# copies of those homes and started again, waited for until they answer.
# Every node also runs with out-target 0: it dials only what it is told
# to (`weft connect`), never what peers tell it of. Each copy is
# checked: the receiver must end with exactly the records and chunk
# bytes of the sources it was told of, from that many peers, or the
# script stops.
#
# usage: bench/bench-mirror3.sh [BUILD_DIR] [DESIGNS] [MIB]   (ROUNDS=N,
# default 3; KEEP=1 keeps the temporary directory)
set -eu
export WEFT_LAN_DISCOVERY=off
# No node dials what peers tell it of (see above).
export WEFT_OUT_TARGET=0
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
designs=${2:-999}
mib=${3:-200}
before=${BEFORE:-}
T=$(mktemp -d "${TMPDIR:-/var/tmp}/weft-mirror3.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
now() { date +%s.%N; }
die() { echo "bench-mirror3: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
wait_until() {	# SECONDS CMD...: polls every 50 ms
	local end
	end=$(python3 -c "import time; print(time.time() + $1)")
	shift
	until "$@" >/dev/null 2>&1; do
		python3 -c "import time,sys; sys.exit(time.time() > $end)" ||
		    return 1
		sleep 0.05
	done
}
cpu_of() {	# PID: its CPU seconds so far (user + system)
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
	    "/proc/$1/stat"
}

echo "generating $designs designs, $mib MiB, a third for each of 3 nodes"
python3 - "$T/src" "$designs" "$mib" <<'PY'
import os, random, sys
root, n, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
total = mib << 20
rng = random.Random(4)
sizes = [rng.randint(1, 3) for _ in range(n)]
weights = [[rng.random() + 0.1 for _ in range(k)] for k in sizes]
s = sum(sum(w) for w in weights)
for i, ws in enumerate(weights):
    d = os.path.join(root, str(i % 3 + 1), "d%04d" % i)
    os.makedirs(d)
    for f, w in enumerate(ws):
        with open(os.path.join(d, "part-%d.stl" % f), "wb") as fh:
            fh.write(os.urandom(int(total * w / s)))
PY
sync

start() {	# NAME BUILD: sets pid
	"$2/weftd" --home "$T/$1" --listen 127.0.0.1:0 >>"$T/$1.log" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	wait_until 20 "$2/weft" --home "$T/$1" status || die "weftd $1 did not start"
}
for i in 1 2 3; do
	start "a$i" "$build"
	eval "apid$i=$pid"
done
echo "publishing"
for i in 1 2 3; do
	printf '%s\n' "$T/src/$i"/d* | xargs -P 4 -I{} sh -c \
	    '"$0" --home "$1" -q publish --title "$(basename "$2")" "$2"/* >/dev/null' \
	    "$build/weft" "$T/a$i" {} || die "publish"
done
recs=0 cbytes=0
for i in 1 2 3; do
	st=$("$build/weft" --home "$T/a$i" --json status)
	r=$(echo "$st" | json 'j["records"]')
	c=$(echo "$st" | json 'j["chunk_bytes"]')
	eval "recs$i=$r cbytes$i=$c"
	recs=$((recs + r)) cbytes=$((cbytes + c))
done
# The homes as published, kept aside: every copy's sources start from
# fresh copies of them.
for i in 1 2 3; do
	eval "kill \$apid$i; wait \$apid$i 2>/dev/null || true; apid$i="
	mv "$T/a$i" "$T/p$i"
	rm -f "$T/p$i/weftd.sock" "$T/p$i/weftd.pid"
done
builds=$build
[ -z "$before" ] || builds="$build $before"
fresh() {	# NAME I BUILD: starts source NAME from pristine home I; sets pid
	rm -rf "${T:?}/$1"
	cp -a "$T/p$2" "$T/$1"
	start "$1" "$3"
}
addr_of() {	# HOME BUILD
	"$2/weft" --home "$1" --json status | json 'j["address"]'
}

b_wait() {	# WEFT HOME RECORDS CHUNK_BYTES: prints when everything was in
	python3 - "$@" <<'PY'
import json, subprocess, sys, time
weft, home, recs, cbytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
end = time.time() + 1800
while time.time() < end:
    r = subprocess.run([weft, "--home", home, "--json", "status"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if r.returncode == 0:
        j = json.loads(r.stdout)
        m = j.get("missing", {})
        miss = sum(v for k, v in (m.items() if isinstance(m, dict) else [])) + \
            sum(v for k, v in j.items() if k.startswith("missing_"))
        if j["records"] >= recs and j["chunk_bytes"] >= cbytes and miss == 0:
            print("%.6f" % time.time())
            sys.exit(0)
    time.sleep(0.02)
sys.exit(1)
PY
}

# mirror ROUND BUILD SRC NPEERS: writes "seconds MB/s CPU-of-B" to
# $T/res (not run in a subshell, so that every PID it starts is known to
# cleanup and a failed check stops the script with its message)
mirror() {
	local b=m$1-$3-$4 src=$3 n=$4 t0 t1 c0 r=$recs1 c=$cbytes1 bp i
	local spids=""
	for i in $(seq 1 "$n"); do
		fresh "$src$i" "$i" "$2"
		spids="$spids $pid"
	done
	start "$b" "$2"
	bp=$pid
	"$2/weft" --home "$T/$b" -q mirror --all || die "mirror --all"
	[ "$n" = 3 ] && r=$recs c=$cbytes
	local addrs=""
	for i in $(seq 1 "$n"); do
		addrs="$addrs $(addr_of "$T/$src$i" "$2")"
	done
	sync
	c0=$(cpu_of "$bp")
	t0=$(now)
	for a in $addrs; do
		"$2/weft" --home "$T/$b" -q connect "$a" >/dev/null || die "connect"
	done
	t1=$(b_wait "$2/weft" "$T/$b" "$r" "$c") || die "$b did not complete"
	# A valid round: exactly these sources' records and bytes, from
	# exactly these peers.
	local got
	got=$("$2/weft" --home "$T/$b" --json status |
	    json '"%d %d %d" % (j["records"], j["chunk_bytes"], j["peers"])')
	[ "$got" = "$r $c $n" ] ||
	    die "round $1, $b: records, chunk bytes, peers $got, not $r $c $n"
	awk -v c="$c" -v t0="$t0" -v t1="$t1" -v cb="$(cpu_of "$bp")" -v c0="$c0" \
	    'BEGIN { printf "%.3f %.1f %.2f\n", t1 - t0, c / (t1 - t0) / 1e6, cb - c0 }' \
	    >"$T/res"
	for i in $bp $spids; do
		kill "$i" || die "round $1: weftd $i exited during the copy"
		wait "$i" 2>/dev/null || true
	done
	[ -n "${KEEP:-}" ] || rm -rf "${T:?}/$b"
}

rounds=${ROUNDS:-3}
out=""
for r in $(seq 1 "$rounds"); do
	for bd in $builds; do
		src=a
		[ "$bd" = "$build" ] || src=c
		mirror "$r" "$bd" "$src" 1
		one=$(cat "$T/res")
		mirror "$r" "$bd" "$src" 3
		three=$(cat "$T/res")
		tag=after
		[ "$bd" = "$build" ] || tag=before
		echo "$r $tag $one $three" |
		    awk '{ printf "round %s %s: one peer %.2f s %.1f MB/s (CPU of B %.2f s), three peers %.2f s %.1f MB/s (CPU %.2f s): %.2fx\n", $1, $2, $3, $4, $5, $6, $7, $8, $7 / $4 }'
		out="$out $tag $(echo "$one" | cut -d' ' -f2) $(echo "$three" | cut -d' ' -f2)"
	done
done
echo "$out" | awk -v mib="$mib" -v d="$designs" '
function median(a, k,    i, j, t) {
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
{
	for (i = 1; i <= NF; i += 3) {
		k[$i]++
		one[$i, k[$i]] = $(i + 1); three[$i, k[$i]] = $(i + 2)
		q[$i, k[$i]] = $(i + 2) / $(i + 1)
	}
}
END {
	printf "%d designs, %d MiB on 3 nodes; medians of the rounds:\n", d, mib
	for (t in k) {
		n = k[t]
		for (i = 1; i <= n; i++) { a[i] = one[t, i]; b[i] = three[t, i]; c[i] = q[t, i] }
		printf "%-6s one peer %.1f MB/s, three peers %.1f MB/s: %.2fx (target 1.5x)\n", t, median(a, n), median(b, n), median(c, n)
	}
}'
