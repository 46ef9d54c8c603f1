#!/bin/bash
# Peer address learning: a knows b, b knows c. When a connects, b tells it
# where c listens, and a (under its outbound target) dials c, expecting
# c's node id, and keeps the connection. Designs then reach a from c
# directly. A node with the target at 0 learns but never dials.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

start_node c --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr c)"
wait_for 10 connected c 1 || fail "b did not connect to c"
node_c=$(node_id c)
WEFT_OUT_TARGET=8 start_node a --listen 127.0.0.1:0 --peer "$(addr b)"
WEFT_OUT_TARGET=0 start_node z --listen 127.0.0.1:0 --peer "$(addr b)"

a_has_c() {
	w a --json peers | json '[p["direction"] + p["state"] for p in j if p["node"] == "'"$node_c"'"] == ["outopen"]' /dev/stdin | grep -q True
}
wait_for 15 a_has_c || fail "a did not learn c's address from b: $(w a peers)"
connected a 2 || fail "a does not have two peers"
wait_for 10 connected c 2 || fail "c does not see a"
grep -q "connected (outbound, $(addr c | cut -d@ -f2))" "$T/a.log" ||
    fail "a's log does not show the dial to c"

# z learnt the same addresses but stays at its one configured peer.
wait_for 10 connected b 3 || fail "b does not see a and z"
connected z 1 || fail "z dialled a learnt address with target 0"
echo ok
