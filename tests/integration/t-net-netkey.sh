#!/bin/bash
# A node with another network key, and a dial that expects the wrong node
# key, are refused during the handshake: the connect fails with a reason
# ("network key mismatch" for the other key, which the dialler sees as a
# close right after its first message), the listener logs "peer <addr>:
# handshake failed" (saying "network key mismatch" for the first), lists
# no peer, and keeps serving a node with the right key. The dialler with
# the other key redials with a growing interval, not at one pace.
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
grep -q "network key mismatch (or not a weft node)" "$T/err" ||
    fail "connect error: $(cat "$T/err")"
# a logs its side when its handshake ends, which may be just after c's
# connect has returned.
a_logged() {
	grep -q "peer 127.0.0.1:[0-9]*: handshake failed: network key mismatch" \
	    "$T/a.log"
}
wait_for 10 a_logged || fail "a did not log the refused handshake"
w c --json peers | grep -q '"error":"network key mismatch' ||
    fail "c's peers: $(w c --json peers)"
[ "$(w c --json status | json 'j["netkey_mismatch"]' /dev/stdin)" = 1 ] ||
    fail "c's status: $(w c --json status)"
w c status | grep -q "^unreachable  1 dialled node: network key mismatch" ||
    fail "c's status: $(w c status)"

# Redials back off: with a 100 ms minimum doubling to 1 s, 4 s hold at
# most ~10 attempts (one pace would make 40).
mismatches() { grep -c "network key mismatch" "$T/c.log"; }
at_least() { [ "$(mismatches)" -ge "$1" ]; }
wait_for 10 at_least 4 || fail "c stopped redialling a"
n0=$(mismatches)
sleep 4
n1=$(mismatches)
[ $((n1 - n0)) -le 12 ] || fail "c redialled $((n1 - n0)) times in 4 s"
[ "$(w a --json peers | json 'len(j)' /dev/stdin)" = 0 ] ||
    fail "a lists the node with the wrong key"
# Between redials c's entry waits; it is dialling only for moments.
c_waits() {
	w c --json peers >"$T/pc.json"
	[ "$(json 'j[0]["state"]' "$T/pc.json")" = waiting ]
}
wait_for 10 c_waits || fail "c: not waiting: $(cat "$T/pc.json")"

# b expects a node key that a does not have (c's: a valid key, where
# random bytes are often no curve point and fail before any dial).
fake=$(w c --json status | json 'j["node"]' /dev/stdin)
expect_code 1 w b connect --timeout 10 "$fake@$listen_a"
# Failed inbound handshakes are rate-limited (one in full per 10 s, then
# a count): c's redials came first, so b's failure is in the count.
summed() { grep -q "more handshakes failed from 127.0.0.1" "$T/a.log"; }
wait_for 15 summed || fail "a did not count the failed handshakes"

# The right key still works, and a still counts no one else.
expect_code 0 w b connect "$addr_a"
[ "$(w a --json peers | json 'len(j)' /dev/stdin)" = 1 ] ||
    fail "a lists $(w a --json peers)"
echo ok
