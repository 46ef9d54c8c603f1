#!/bin/bash
# Two nodes that dial each other at the same moment end up with exactly
# one connection, the same one on both sides: the one dialled by the
# node with the smaller node id.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=400
ports=$(/usr/bin/python3 -c '
import socket
a=socket.socket(); a.bind(("127.0.0.1",0))
b=socket.socket(); b.bind(("127.0.0.1",0))
print(a.getsockname()[1], b.getsockname()[1])')
set -- $ports
pa=$1 pb=$2

# Make the keys first, so that each node can name the other.
start_node a --listen "127.0.0.1:$pa"
pid=$NODE_PID
node_a=$(w a --json status | json 'j["node"]' /dev/stdin)
stop_node "$pid"
start_node b --listen "127.0.0.1:$pb"
pid=$NODE_PID
node_b=$(w b --json status | json 'j["node"]' /dev/stdin)
stop_node "$pid"

dups=0
for round in 1 2 3 4; do
	: >"$T/a.log"
	: >"$T/b.log"
	start_node a --listen "127.0.0.1:$pa"
	pid_a=$NODE_PID
	start_node b --listen "127.0.0.1:$pb"
	pid_b=$NODE_PID
	# Both dial at once; usually both connections open, and the rule
	# must pick the same one on both sides.
	w a connect "$node_b@127.0.0.1:$pb" >/dev/null 2>&1 &
	c1=$!
	w b connect "$node_a@127.0.0.1:$pa" >/dev/null 2>&1 &
	c2=$!
	wait "$c1" "$c2" || true
	one_each() {
		[ "$(w a --json peers 2>/dev/null | json '[p["state"] for p in j]' /dev/stdin)" = "['open']" ] &&
		[ "$(w b --json peers 2>/dev/null | json '[p["state"] for p in j]' /dev/stdin)" = "['open']" ]
	}
	wait_for 10 one_each || fail "round $round: not one open connection each"
	sleep 0.3
	one_each || fail "round $round: the connection did not last"
	dir_a=$(w a --json peers | json 'j[0]["direction"]' /dev/stdin)
	dir_b=$(w b --json peers | json 'j[0]["direction"]' /dev/stdin)
	[ "$dir_a" != "$dir_b" ] || fail "round $round: both sides say $dir_a"
	if grep -q "duplicate connection" "$T/a.log" "$T/b.log"; then
		dups=$((dups + 1))
		if [[ "$node_a" < "$node_b" ]]; then want=out; else want=in; fi
		[ "$dir_a" = "$want" ] ||
		    fail "round $round: kept the connection a sees as $dir_a"
	fi
	stop_node "$pid_a"
	stop_node "$pid_b"
done
echo "ok ($dups of 4 rounds had two connections to choose from)"
