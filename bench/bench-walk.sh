#!/bin/bash
# Where the time of a page walk goes: `weft search --all gear` through a
# real weftd, for this tree and another (OLD, e.g. main), on one HOME,
# alternating the two trees round by round, beside its floors:
#   - end to end: wall (median of ROUNDS), the CLI's CPU and weftd's CPU
#     (from /proc, per run);
#   - the CLI alone: its wall and CPU over a canned stream (weftd's replies
#     recorded once and served by bench/walk_canned.py), and its
#     instructions over it (callgrind), human and --json;
#   - weftd alone: bench-query's last line (the walk with the output
#     discarded), from each tree's build;
#   - `cat all.txt | cat` of the same output.
# HOME is used by both trees' weftd in turn: give a copy (no format
# change may lie between them). Prints the load average with each round.
#
# usage: bench/bench-walk.sh BUILD OLD_BUILD HOME [ROUNDS] [WORK]
set -eu
export WEFT_LAN_DISCOVERY=off
top=$(cd "$(dirname "$0")/.." && pwd)
new=$1
old=$2
home=$3
rounds=${4:-5}
work=${5:-${TMPDIR:-/var/tmp}/weft-bench-walk}
q=gear
mkdir -p "$work"
fake="$work/fake"
mkdir -p "$fake"
chmod 700 "$fake"
pid=
spid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	true
}
trap cleanup EXIT
tck=$(getconf CLK_TCK)
load() { cut -d' ' -f1 /proc/loadavg; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start() {	# start BUILD
	"$1/weftd" --home "$home" --web off 2>"$work/weftd.log" &
	pid=$!
	for _ in $(seq 6000); do
		"$1/weft" --home "$home" status >/dev/null 2>&1 && break
		sleep 0.1
	done
}
stop() {
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
}
# one BUILD [ARGS]: one end-to-end run; prints "wall_ms cli_ms weftd_ms".
one() {
	local b=$1 t0 t1 d0 d1
	shift
	d0=$(ticks "$pid")
	t0=$(date +%s%N)
	/usr/bin/time -f "%U %S" -o "$work/time" "$b/weft" --home "$home" \
	    "$@" search --all "$q" >/dev/null
	t1=$(date +%s%N)
	d1=$(ticks "$pid")
	awk -v w=$(( (t1 - t0) / 1000000 )) -v d=$((d1 - d0)) -v t="$tck" \
	    '{ printf "%d %d %d\n", w, ($1 + $2) * 1000, d * 1000 / t }' \
	    "$work/time"
}
med() { sort -n | sed -n "$(( (rounds + 1) / 2 ))p"; }

start "$new"
"$new/weft" --home "$home" search --all "$q" >"$work/all.txt"
echo "$(wc -l <"$work/all.txt") lines, $(stat -c %s "$work/all.txt") bytes"
# The canned stream: weftd's replies to the human and the --json request.
for mode in txt json; do
	j=""
	[ "$mode" = json ] && j=--json
	rm -f "$fake/weftd.sock"
	python3 "$top/bench/walk_canned.py" record "$fake/weftd.sock" \
	    "$home/weftd.sock" "$work/canned.$mode" &
	spid=$!
	for _ in $(seq 100); do [ -S "$fake/weftd.sock" ] && break; sleep 0.05; done
	# shellcheck disable=SC2086
	"$new/weft" --home "$fake" $j search --all "$q" >/dev/null
	wait "$spid"
	spid=
done
stop

for label in new old; do
	: >"$work/e2e.$label"
	: >"$work/cli.$label"
done
for r in $(seq "$rounds"); do
	for label in new old; do
		b=$new
		[ "$label" = old ] && b=$old
		start "$b"
		one "$b" >/dev/null	# warm
		echo "round $r $label: $(one "$b" | tee -a "$work/e2e.$label")" \
		    "(wall, CLI CPU, weftd CPU in ms; load $(load))"
		stop
	done
done
for label in new old; do
	b=$new
	[ "$label" = old ] && b=$old
	echo "== $label ($b)"
	echo "end to end, median of $rounds: wall $(cut -d' ' -f1 \
	    "$work/e2e.$label" | med) ms, CLI CPU $(cut -d' ' -f2 \
	    "$work/e2e.$label" | med) ms, weftd CPU $(cut -d' ' -f3 \
	    "$work/e2e.$label" | med) ms"
done
# The CLI over the canned stream.
for mode in txt json; do
	j=""
	[ "$mode" = json ] && j=--json
	rm -f "$fake/weftd.sock"
	python3 "$top/bench/walk_canned.py" serve "$fake/weftd.sock" \
	    "$work/canned.$mode" &
	spid=$!
	for _ in $(seq 100); do [ -S "$fake/weftd.sock" ] && break; sleep 0.05; done
	for label in new old; do
		b=$new
		[ "$label" = old ] && b=$old
		: >"$work/cw"
		for _ in $(seq "$rounds"); do
			t0=$(date +%s%N)
			# shellcheck disable=SC2086
			/usr/bin/time -f "%U %S" -o "$work/time" "$b/weft" \
			    --home "$fake" $j search --all "$q" >/dev/null
			t1=$(date +%s%N)
			awk -v w=$(( (t1 - t0) / 1000000 )) \
			    '{ printf "%d %d\n", w, ($1 + $2) * 1000 }' \
			    "$work/time" >>"$work/cw"
		done
		# shellcheck disable=SC2086
		ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		    "$b/weft" --home "$fake" $j search --all "$q" 2>&1 \
		    >/dev/null | awk '/refs:/ { gsub(",", "", $NF); print $NF }')
		echo "CLI alone ($mode, $label): wall $(cut -d' ' -f1 \
		    "$work/cw" | med) ms, CPU $(cut -d' ' -f2 "$work/cw" | \
		    med) ms, $ir instructions (load $(load))"
	done
	kill "$spid"
	wait "$spid" 2>/dev/null || true
	spid=
done
for label in new old; do
	b=$new
	[ "$label" = old ] && b=$old
	if [ -x "$b/bench/bench-query" ]; then
		echo "weftd alone ($label): $("$b/bench/bench-query" \
		    "$home/store" "$rounds" | tail -n 1) (load $(load))"
	fi
done
# weftd's instructions for one walk (callgrind, counters zeroed after
# start and dumped after the walk).
for label in new old; do
	b=$new
	[ "$label" = old ] && b=$old
	rm -f "$work"/cg.weftd.*
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.weftd.%p" \
	    "$b/weftd" --home "$home" --web off 2>"$work/weftd-cg.log" &
	pid=$!
	for _ in $(seq 6000); do
		"$b/weft" --home "$home" status >/dev/null 2>&1 && break
		sleep 0.1
	done
	callgrind_control -z "$pid" >/dev/null
	"$b/weft" --home "$home" search --all "$q" >/dev/null
	callgrind_control -d "$pid" >/dev/null
	ir=$(awk '/^summary:/ { print $2 }' "$work"/cg.weftd.*.1)
	# SIGKILL: one weftd under valgrind (main's, at 1,000,000 designs,
	# after "brk segment overflow") never finished its shutdown.
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	echo "weftd's instructions for one walk ($label): $ir"
done
: >"$work/cw"
for _ in $(seq "$rounds"); do
	t0=$(date +%s%N)
	sh -c "cat \"$work/all.txt\" | cat" >/dev/null
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 100000 )) >>"$work/cw"
done
echo "cat of the same: $(med <"$work/cw" | awk '{ printf "%.1f", $1 / 10 }') ms"
