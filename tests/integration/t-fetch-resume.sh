#!/bin/bash
# Fetching resumes after a restart: b starts `weft get` of a 100 MB file
# from a and is stopped as soon as part of it has arrived; restarted and
# connected again, b finishes the file in the background (the wanted set
# is in its store), with no new get, and a get with a stopped then gives
# byte-identical content.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000

start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
start_node b --listen 127.0.0.1:0
pid_b=$NODE_PID
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)

mkdir -p "$T/src"
head -c 100000000 /dev/urandom >"$T/src/big.bin"
design=$(w a --json publish --title "Resume me" "$T/src" |
    json 'j["design"]' /dev/stdin) || fail "publish failed"

w b -q connect "$addr_a" >/dev/null || fail "b cannot connect"
wait_for 20 w b show "$design" || fail "b did not get the record"

chunks() {
	w b --json status | json 'j["chunks"]' /dev/stdin
}
some_chunks() {
	[ "$(chunks)" -gt 0 ]
}
w b -q get "$design" -o "$T/first" >/dev/null 2>&1 &
get_pid=$!
wait_for 20 some_chunks || fail "nothing arrived"
partial=$(chunks)
stop_node "$pid_b"
wait "$get_pid" 2>/dev/null || true

start_node b --listen 127.0.0.1:0
w b -q connect "$addr_a" >/dev/null || fail "b cannot connect again"
complete() {
	[ "$(w b --json status | json 'j["missing"]["bytes"]' /dev/stdin)" = 0 ]
}
wait_for 60 complete || fail "b did not finish in the background"

stop_node "$pid_a"
expect_code 0 w b get "$design" -o "$T/got"
cmp "$T/src/big.bin" "$T/got/big.bin" || fail "content differs"
w b verify >/dev/null || fail "b's store does not verify"
echo "ok (stopped at $partial chunks)"
