#!/bin/bash
# A node with another network key, and a dial that expects the wrong node
# key, are refused during the handshake: the connect fails with a reason,
# the listener logs "peer <addr>: handshake failed", lists no peer, and
# keeps serving a node with the right key.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000
other=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

start_node a --listen 127.0.0.1:0
start_node c --listen 127.0.0.1:0 --network-key "$other"
start_node b --listen 127.0.0.1:0
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)
listen_a=${addr_a#*@}
[ "$(w a --json status | json 'j["network_key_id"]' /dev/stdin)" != \
  "$(w c --json status | json 'j["network_key_id"]' /dev/stdin)" ] ||
    fail "network key ids do not differ"

expect_code 1 w c connect --timeout 10 "$addr_a"
grep -q "handshake" "$T/err" || fail "connect error: $(cat "$T/err")"
grep -q "peer 127.0.0.1:[0-9]*: handshake failed" "$T/a.log" ||
    fail "a did not log the refused handshake"
[ "$(w a --json peers | json 'len(j)' /dev/stdin)" = 0 ] ||
    fail "a lists the node with the wrong key"
w c --json peers >"$T/pc.json"
[ "$(json 'j[0]["state"]' "$T/pc.json")" = waiting ] || fail "c: not waiting"

# b expects a node key that a does not have.
fake=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
expect_code 1 w b connect --timeout 10 "$fake@$listen_a"
grep -q "peer 127.0.0.1:[0-9]*: handshake failed" "$T/a.log" ||
    fail "a did not log the wrong node key"

# The right key still works, and a still counts no one else.
expect_code 0 w b connect "$addr_a"
[ "$(w a --json peers | json 'len(j)' /dev/stdin)" = 1 ] ||
    fail "a lists $(w a --json peers)"
echo ok
