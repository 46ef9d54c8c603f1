#!/bin/bash
# Soak benchmark (issue 16, item 7): two nodes on 127.0.0.1, L1 publishing
# steadily (a design of one small text file and one random file of
# 1 B..4 KiB, every 10th design also updated) and L2 mirroring everything
# (`weft mirror --all`, --peer L1). Every INTERVAL seconds it samples both
# daemons' RssAnon (from /proc/PID/status: LMDB's map is file-backed and
# not in it), open fds and record counts, and at the end reports each
# node's RssAnon growth per hour after the first WARMUP minutes (least
# squares over those samples), and per 1,000 records received.
# Target: < 1 MiB/h after the first ten minutes. Meant to run by hand for
# an hour; never run by CI.
#
# usage: bench/bench-soak.sh [--minutes N (60)] [--interval S (10)]
#            [--rate DESIGNS_PER_S (20)] [--warmup MIN (10)] [BUILD_DIR]
# KEEP=1 keeps the temporary directory; the samples are printed as a table.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
minutes=60
interval=10
rate=20
warmup=10
while [ $# -gt 0 ]; do
	case $1 in
	--minutes) minutes=$2; shift 2 ;;
	--interval) interval=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	-*) echo "bench-soak: unknown option $1" >&2; exit 2 ;;
	*) build=$1; shift ;;
	esac
done
weft=$build/weft
weftd=$build/weftd
[ -x "$weft" ] && [ -x "$weftd" ] || { echo "bench-soak: build first" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/var/tmp}/weft-soak.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
die() { echo "bench-soak: $*" >&2; exit 1; }
rss() { sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
records() {
	"$weft" --home "$1" --json status 2>/dev/null |
	    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' ||
	    echo 0
}
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
up() {	# HOME: waits until the daemon answers
	for _ in $(seq 200); do
		"$weft" --home "$1" status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

port=$(free_port)
"$weft" --home "$T/l1" -q init >/dev/null
"$weft" --home "$T/l2" -q init >/dev/null
node1=$("$weft" --home "$T/l1" --json id |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["node"])')
"$weftd" --home "$T/l1" --listen "127.0.0.1:$port" 2>"$T/l1.log" &
P1=$!
PIDS="$PIDS $P1"
up "$T/l1" || die "L1 did not start"
# WRAP_L2="heaptrack -o FILE" (say) runs L2 under a tool; its RssAnon is
# then the tool's.
${WRAP_L2:-} "$weftd" --home "$T/l2" --listen 127.0.0.1:0 \
    --peer "$node1@127.0.0.1:$port" 2>"$T/l2.log" &
P2=$!
PIDS="$PIDS $P2"
up "$T/l2" || die "L2 did not start"
"$weft" --home "$T/l2" -q mirror --all >/dev/null

# The publisher: RATE designs a second, paced by the clock.
publisher() {
	local i=0 start now due d
	start=$(date +%s%N)
	mkdir -p "$T/src"
	while :; do
		i=$((i + 1))
		rm -rf "$T/src/d"
		mkdir "$T/src/d"
		echo "design $i of the soak" >"$T/src/d/notes.txt"
		head -c $((RANDOM % 4096 + 1)) /dev/urandom >"$T/src/d/part.bin"
		d=$("$weft" --home "$T/l1" -q publish "$T/src/d" --title "soak $i" \
		    --license MIT 2>>"$T/pub.err") || continue
		if [ $((i % 10)) -eq 0 ]; then
			echo "revision" >>"$T/src/d/notes.txt"
			"$weft" --home "$T/l1" -q update "$d" "$T/src/d" \
			    --message "update $i" >/dev/null 2>>"$T/pub.err" || true
		fi
		due=$((start + i * 1000000000 / rate))
		now=$(date +%s%N)
		[ "$now" -lt "$due" ] &&
		    sleep "$(printf '0.%09d' $((due - now)))" 2>/dev/null || true
	done
}
publisher &
PUB=$!
PIDS="$PIDS $PUB"

echo "soak: $minutes min, a sample every $interval s, $rate designs/s;" \
    "L1 pid $P1, L2 pid $P2; $T"
printf '%6s %9s %9s %5s %5s %9s %9s\n' "t_s" "L1_kB" "L2_kB" "fd1" "fd2" \
    "rec_L1" "rec_L2" | tee "$T/samples"
end=$(( $(date +%s) + minutes * 60 ))
t0=$(date +%s)
while :; do
	t=$(( $(date +%s) - t0 ))
	kill -0 "$P1" 2>/dev/null || die "L1 died: $(tail -3 "$T/l1.log")"
	kill -0 "$P2" 2>/dev/null || die "L2 died: $(tail -3 "$T/l2.log")"
	printf '%6d %9d %9d %5d %5d %9d %9d\n' "$t" "$(rss "$P1")" \
	    "$(rss "$P2")" "$(fds "$P1")" "$(fds "$P2")" \
	    "$(records "$T/l1")" "$(records "$T/l2")" | tee -a "$T/samples"
	[ "$(date +%s)" -ge "$end" ] && break
	sleep "$interval"
done
kill "$PUB" 2>/dev/null || true

/usr/bin/python3 - "$T/samples" "$warmup" <<'EOF'
import sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1]).readlines()[1:]]
warm = int(sys.argv[2]) * 60
after = [r for r in rows if r[0] >= warm]
if len(after) < 3:
    # A short run: fit its second half and say so.
    after = rows[len(rows) // 2:]
    print("note: shorter than the warm-up; fitting the second half "
          "(from t = %d s)" % after[0][0])
def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    d = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / d if d else 0.0
ts = [r[0] for r in after]
for name, col, rec in (("L1 (publisher)", 1, 5), ("L2 (mirror)", 2, 6)):
    kb_s = slope(ts, [r[col] for r in after])
    recs = after[-1][rec] - after[0][rec]
    kb = after[-1][col] - after[0][col]
    print("%-15s RssAnon %5d -> %5d kB over the run; after t = %d s: "
          "%+.2f MiB/h (fit), %+.1f kB per 1,000 records (%d records)" % (
              name, rows[0][col], rows[-1][col], after[0][0],
              kb_s * 3600 / 1024, 1000.0 * kb / recs if recs else 0.0, recs))
print("records at the end: L1 %d, L2 %d" % (rows[-1][5], rows[-1][6]))
EOF
