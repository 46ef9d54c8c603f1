#!/bin/bash
# Connection floods against one weftd (issue 16): for each flood - none,
# idle (128 idle connections from 127.0.0.1, each reopened as soon as
# weftd closes it), slowloris (the same, each sending a random byte every
# 2 s), sybil (130 authenticated peers that only answer pings, started
# 20 ms apart, as tests/integration/t-net-sybil.sh) and sybil-churn (the
# same, each replaced by a new one as soon as it is closed) - the time for
# a NEW honest node that starts 2 s into the flood to connect and sync one
# design (target < 10 s; "-" when it did not within 20 s), the target's RssAnon at its highest during the flood against
# its value before (target <= +16 MiB), and the target's CPU during the
# flood, all in the same run. A benchmark, not a test: nothing fails on a
# figure.
#
# usage: bench/bench-flood.sh [BUILD_DIR] [RUNS] [SECONDS]
#        (defaults: build 3 12; BENCH_FLOOD_PHASES="idle sybil" picks)
# "attempts" is the connections the flood made (for the Sybils, the
# peers started). The hostile peer comes from BUILD_DIR/tests/hostile.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
runs=${2:-3}
secs=${3:-12}

if [ "${BENCH_FLOOD_PHASE:-}" = "" ]; then
	printf '%-10s %4s %12s %12s %12s %8s %10s\n' flood run "join ms" \
	    "rss0 kB" "rss max kB" "cpu %" "attempts"
	for phase in ${BENCH_FLOOD_PHASES:-none idle slowloris sybil \
	    sybil-churn}; do
		for r in $(seq 1 "$runs"); do
			BENCH_FLOOD_PHASE=$phase BENCH_FLOOD_RUN=$r \
			    bash "$0" "$build" "$runs" "$secs" 2>/dev/null |
			    tail -n 1
		done
	done
	exit 0
fi

export WEFT_BIN=$build/weft WEFTD_BIN=$build/weftd
export WEFT_TESTS=$top/tests
. "$top/tests/integration/lib.sh"
. "$top/tests/integration/sync_lib.sh"
. "$top/tests/integration/flood_lib.sh"
phase=$BENCH_FLOOD_PHASE

cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID_A/stat"; }
flood_setup
rss0=$(rss_a)
c0=$(cpu_ticks)
t0=$(date +%s%N)
case $phase in
none)	sleep "$secs" & ;;
idle|slowloris)
	/usr/bin/python3 "$top/tests/integration/net_flood.py" 127.0.0.1 \
	    "$PORT_A" 128 "$secs" "$phase" >"$T/flood.out" 2>&1 & ;;
sybil)
	"$build/tests/hostile/hostile-peer" --count 130 --stagger 20 \
	    --timeout "$secs" "$ADDR_A" idle >"$T/flood.out" 2>&1 & ;;
sybil-churn)
	"$build/tests/hostile/hostile-peer" --count 130 --reconnect \
	    --timeout "$secs" "$ADDR_A" idle >"$T/flood.out" 2>&1 & ;;
esac
flood=$!
max=$rss0
sample() {
	local r
	r=$(rss_a)
	[ "$r" -gt "$max" ] && max=$r
	return 0
}
sleep 2
sample
t2=$(date +%s%N)
start_node n --peer "$ADDR_A"
if wait_secs 20 has n "$DESIGN"; then
	ms=$(( ($(date +%s%N) - t2) / 1000000 ))
else
	ms=-
fi
while kill -0 "$flood" 2>/dev/null; do
	sample
	sleep 0.25
done
wait "$flood" || true
t1=$(date +%s%N)
c1=$(cpu_ticks)
hz=$(getconf CLK_TCK)
cpu=$(( (c1 - c0) * 100 * 1000000000 / hz / (t1 - t0) ))
case $phase in
idle|slowloris) n=$(awk '/^made/ {print $2}' "$T/flood.out") ;;
sybil*) n=$(wc -l <"$T/flood.out") ;;
*) n=0 ;;
esac
printf '%-10s %4s %12s %12s %12s %8s %10s\n' "$phase" "$BENCH_FLOOD_RUN" \
    "$ms" "$rss0" "$max" "$cpu" "$n"
