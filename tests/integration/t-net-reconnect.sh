#!/bin/bash
# a keeps dialling b (--peer): when b stops, a notices, and when b starts
# again on the same address, a reconnects on its own (backoff with
# jitter, shortened for the test).
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=400
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

start_node b --listen "127.0.0.1:$port"
pid_b=$NODE_PID
node_b=$(w b --json status | json 'j["node"]' /dev/stdin)
start_node a --listen 127.0.0.1:0 --peer "$node_b@127.0.0.1:$port"

state_b() {
	w a --json peers | json '"".join(p["state"] for p in j if p["node"] == "'"$node_b"'")' /dev/stdin
}
is_open() { [ "$(state_b)" = open ]; }
is_waiting() { [ "$(state_b)" = waiting ]; }

wait_for 10 is_open || fail "a did not connect to b"
stop_node "$pid_b"
wait_for 10 is_waiting || fail "a did not notice b stopping: $(state_b)"
grep -q "peer [0-9A-F]*: closed by the peer: shutting down" "$T/a.log" ||
    fail "a did not log b's goodbye"
sleep 0.5
start_node b --listen "127.0.0.1:$port"
wait_for 10 is_open || fail "a did not reconnect to b: $(state_b)"
[ "$(w b --json peers | json 'j[0]["direction"]' /dev/stdin)" = in ] ||
    fail "b does not see a's connection"
echo ok
