#!/bin/bash
# Three nodes: a sends to b and c. b stops reading (SIGSTOP): what a
# queues for it grows until the per-peer send cap, where a closes b with
# a logged reason, while c keeps receiving everything a sends it.
. "$(dirname "$0")/lib.sh"

export WEFT_SENDQ_MAX=$((4 * 1024 * 1024))
export WEFT_IDLE_TIMEOUT_MS=60000
start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0
pid_b=$NODE_PID
start_node c --listen 127.0.0.1:0
node_a=$(w a --json status | json 'j["node"]' /dev/stdin)
addr_b=$(w b --json status | json 'j["address"]' /dev/stdin)
addr_c=$(w c --json status | json 'j["address"]' /dev/stdin)
node_b=${addr_b%@*}
node_c=${addr_c%@*}
expect_code 0 w a connect "$addr_b"
expect_code 0 w a connect "$addr_c"

push() {
	/usr/bin/python3 "$WEFT_TESTS/integration/net_ctl.py" "$T/a/weftd.sock" \
	    push "node=$1" "bytes=$2" burst=true
}
bytes_in() {
	w "$1" --json peers | json '[p["bytes_in"] for p in j if p["node"] == "'"$node_a"'"][0]' /dev/stdin
}
state_b() {
	w a --json peers | json '"".join(p["state"] for p in j if p["node"] == "'"$node_b"'")' /dev/stdin
}

kill -STOP "$pid_b"
mib=$((1024 * 1024))
closed=0
for i in $(seq 1 12); do
	push "$node_c" $mib >/dev/null || fail "push to c failed"
	if ! push "$node_b" $mib >"$T/push.out"; then
		closed=$i
		break
	fi
done
[ "$closed" -gt 1 ] || fail "b was not closed at its cap ($closed)"
grep -q "peer [0-9A-F]*: send queue over its cap" "$T/a.log" ||
    fail "a did not log the cap"
[ "$(state_b)" != open ] || fail "a still lists b as open"

# c received everything pushed to it (12 MiB at most, allow the wire
# overhead), and is still connected.
c_got() { [ "$(bytes_in c)" -ge $((closed * mib)) ]; }
wait_for 20 c_got || fail "c got $(bytes_in c) bytes"
expect_code 0 w a connect "$addr_c"
kill -CONT "$pid_b"
echo "ok (b closed at push $closed)"
