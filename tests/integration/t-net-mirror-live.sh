#!/bin/bash
# A real mirror of large files between two weftd, and what must hold
# while it runs (issue 17.1):
# - `status` on the receiving node answers within 50 ms (median; plus
#   the idle median on a slow build) while the mirror runs, sampled on
#   the control socket: were status to wait for the mirror, it would
#   take the mirror's time, seconds;
# - a goodbye in the middle of the mirror frees nothing still in use
#   (run under ASan), and after reconnecting the files arrive
#   byte-identical;
# - both ends stopping in the middle of a mirror exit cleanly.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000
MIB=$((96 / SLOW))

start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
start_node b --listen 127.0.0.1:0
pid_b=$NODE_PID
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)
node_a=$(w a --json status | json 'j["node"]' /dev/stdin)

mkdir -p "$T/src"
for i in 1 2 3 4; do
	mkdir -p "$T/src/$i"
	head -c $((MIB * 262144)) /dev/urandom >"$T/src/$i/part.bin"
	d=$(w a --json publish --title "Big $i" "$T/src/$i" |
	    json 'j["design"]' /dev/stdin) || fail "publish $i"
	echo "$i $d" >>"$T/designs"
done
want=$(w a --json status | json 'j["chunk_bytes"]' /dev/stdin)

idle=$(/usr/bin/python3 "$WEFT_TESTS/integration/status_during.py" \
    "$T/b/weftd.sock" "$want" 30 idle 20) || fail "idle status"
expect_code 0 w b mirror --all
expect_code 0 w b connect "$addr_a"
during=$(/usr/bin/python3 "$WEFT_TESTS/integration/status_during.py" \
    "$T/b/weftd.sock" "$want" $((120 * SLOW))) || fail "status during"
echo "status idle: $idle"
echo "status during the mirror: $during"

/usr/bin/python3 - "$idle" "$during" "$SLOW" <<'PY' || fail "status was slow during the mirror"
import json, sys
idle, during, slow = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
assert during["done"], "the mirror did not complete"
assert during["samples"] >= 5, "too few samples during the mirror: %d" % during["samples"]
bound = 50 + (idle["median"] if slow > 1 else 0)
assert during["median"] < bound, "median %.1f ms >= %.1f ms" % (during["median"], bound)
PY

# A goodbye in the middle of a mirror.
start_node c --listen 127.0.0.1:0
expect_code 0 w c mirror --all
expect_code 0 w c connect "$addr_a"
wait_for 60 sh -c "[ \$('$WEFT_BIN' --home '$T/c' --json status |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"chunk_bytes\"])') -gt 0 ]" ||
    fail "c did not start the mirror"
expect_code 0 w c disconnect "$node_a"
w c --json status >/dev/null || fail "c died after the goodbye"
w a --json status >/dev/null || fail "a died after the goodbye"
expect_code 0 w c connect "$addr_a"
wait_for $((120 * SLOW)) sh -c "[ \$('$WEFT_BIN' --home '$T/c' --json status |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"chunk_bytes\"])') -ge $want ]" ||
    fail "c did not complete the mirror after reconnecting"

# Both daemons stop (SIGTERM) in the middle of a mirror:
# stop_node fails unless each exits 0 (an ASan report aborts).
start_node d --listen 127.0.0.1:0
pid_d=$NODE_PID
expect_code 0 w d mirror --all
expect_code 0 w d connect "$addr_a"
wait_for 60 sh -c "[ \$('$WEFT_BIN' --home '$T/d' --json status |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"chunk_bytes\"])') -gt 0 ]" ||
    fail "d did not start the mirror"
stop_node "$pid_a"
stop_node "$pid_d"
mkdir -p "$T/got"
while read -r i d; do
	expect_code 0 w b get "$d" -o "$T/got/b$i"
	cmp "$T/src/$i/part.bin" "$T/got/b$i/part.bin" || fail "b: $i differs"
	expect_code 0 w c get "$d" -o "$T/got/c$i"
	cmp "$T/src/$i/part.bin" "$T/got/c$i/part.bin" || fail "c: $i differs"
done <"$T/designs"
echo ok
