#!/bin/bash
# Time for a node that starts on a LAN to be connected to the node already
# there, found by LAN discovery (target: under 2 s after start, given the
# announcement at start), beside the same start with the other node named
# by --peer and discovery off, measured in the same run on the same
# namespaces.
#
# Two network namespaces on a bridge (in a third), made here and removed
# on exit; needs root. In each run node a starts first (not timed), then
# the clock starts as node b's weftd is spawned (bench/lan_wait.py) and
# stops when b's control socket lists an open connection to a, polled
# every 2 ms. Fresh homes every run, so key creation and store setup are
# in both figures alike; the time from b answering on its control socket
# to the connection is printed too.
#
# usage: bench/bench-lan.sh [BUILD_DIR] [RUNS]   (defaults: build 10)
set -eu
# Only the daemons inside this benchmark's namespaces announce anything.
export WEFT_LAN_DISCOVERY=off
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
runs=${2:-10}
weft=$build/weft
weftd=$build/weftd
[ "$(id -u)" = 0 ] || { echo "bench-lan needs root (namespaces)" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/var/tmp}/weft-bench.XXXXXX")
run=wb$$
NS_BR=weft-$run-br NS_A=weft-$run-a NS_B=weft-$run-b
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	for ns in $NS_A $NS_B $NS_BR; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT

for ns in $NS_BR $NS_A $NS_B; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 >/dev/null
done
ip -n "$NS_BR" link add br0 type bridge mcast_snooping 0
ip -n "$NS_BR" link set br0 up
i=1
for ns in $NS_A $NS_B; do
	ip -n "$ns" link add eth0 type veth peer name "p$i" netns "$NS_BR"
	ip -n "$NS_BR" link set "p$i" master br0 up
	ip -n "$ns" addr add "10.78.0.$i/24" dev eth0
	ip -n "$ns" link set eth0 up
	i=$((i + 1))
done

now() { date +%s%N; }
up() {
	for _ in $(seq 200); do
		$weft --home "$1" status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "weftd $1 did not start" >&2
	exit 1
}
stop() {
	kill "$1"
	wait "$1" 2>/dev/null || true
	pids=$(echo "$pids" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}
# one MODE N: starts a, then spawns b and prints b's times (ms) to answer
# on its control socket and to be connected to a (lan_wait.py).
one() {
	local mode=$1 n=$2 ha=$T/$1-$2-a hb=$T/$1-$2-b lan pa node_a
	lan=off
	[ "$mode" = lan ] && lan=on
	WEFT_LAN_DISCOVERY=$lan ip netns exec "$NS_A" "$weftd" --home "$ha" \
	    --listen 0.0.0.0:7400 2>>"$T/a.log" &
	pa=$!
	pids="$pids $pa"
	up "$ha"
	node_a=$($weft --home "$ha" --json status | /usr/bin/python3 -c \
	    "import json,sys; print(json.load(sys.stdin)['node'])")
	if [ "$mode" = lan ]; then
		WEFT_LAN_DISCOVERY=on /usr/bin/python3 "$top/bench/lan_wait.py" \
		    "$hb" "$node_a" ip netns exec "$NS_B" "$weftd" --home "$hb" \
		    --listen 0.0.0.0:7400
	else
		/usr/bin/python3 "$top/bench/lan_wait.py" "$hb" "$node_a" \
		    ip netns exec "$NS_B" "$weftd" --home "$hb" \
		    --listen 0.0.0.0:7400 --peer "$node_a@10.78.0.1:7400"
	fi
	stop "$pa"
}

for n in $(seq "$runs"); do
	echo "lan $(one lan "$n")"
	echo "peer $(one peer "$n")"
done >"$T/times"

/usr/bin/python3 - "$T/times" <<'EOF'
import statistics, sys
up = {"lan": [], "peer": []}
conn = {"lan": [], "peer": []}
for line in open(sys.argv[1]):
    k, u, c = line.split()
    up[k].append(float(u))
    conn[k].append(float(c))
med = statistics.median
print("ms from b's start (median, min-max over %d runs):" % len(up["lan"]))
print("%-28s %10s %18s %18s" % ("", "answering", "connected to a",
                                "connected - answering"))
for k, name in (("lan", "found by LAN discovery"),
                ("peer", "given --peer (no discovery)")):
    d = [c - u for u, c in zip(up[k], conn[k])]
    print("%-28s %10.0f %8.0f (%.0f-%.0f) %8.1f (%.1f-%.1f)" %
          (name, med(up[k]), med(conn[k]), min(conn[k]), max(conn[k]),
           med(d), min(d), max(d)))
print("connected: LAN discovery / --peer = %.2f (target: LAN under 2000 ms)"
      % (med(conn["lan"]) / med(conn["peer"])))
EOF
