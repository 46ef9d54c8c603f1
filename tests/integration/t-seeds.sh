#!/bin/bash
# Seed receipts: a node that holds a design's files complete signs a
# receipt with its node key, and the publisher's `weft seeds` counts it;
# so does c, which follows only the publisher's author (the receipt is
# signed by b's node, yet pushed to c for its design's author); a node
# that stops confirming drops off once its receipt expires. Receipts
# live 6 s here and are swept every 300 ms.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
export WEFT_RECEIPT_TTL_MS=6000 WEFT_RECEIPT_SWEEP_MS=300

# others NODE DESIGN N: NODE's `weft seeds` counts N other nodes.
others() {
	[ "$(w "$1" -q seeds "$2" 2>/dev/null)" = "$3" ]
}

start_node a --listen 127.0.0.1:0
start_node b --peer "$(addr a)"
bpid=$NODE_PID
author_of() {
	w "$1" --json id | json 'j["author"]' /dev/stdin
}
x=$(author_of a)
WEFT_SYNC_INTERESTS="author:$x" start_node c --peer "$(addr a)"
wait_for 10 connected a 2 || fail "b and c did not connect to a"

d=$(publish_one a "Seeded")
wait_for 10 has b "$d" || fail "b did not get the design"
# The publisher holds its own files: its own receipt, no other node.
wait_for 10 eval 'w a --json seeds "$d" | grep -q "\"self\":true"' ||
    fail "a did not sign its own receipt"
others a "$d" 0 || fail "a counts another node before b holds the files"

w b -q get "$d" -o "$T/out-b" >/dev/null || fail "b could not get the files"
wait_for 10 others a "$d" 1 || fail "a did not learn that b holds the files"
bnode=$(w b --json id | json 'j["node"]' /dev/stdin)
w a --json seeds "$d" | json '[s["node"] for s in j["seeds"] if not s["self"]][0]' /dev/stdin >"$T/seen"
[ "$(cat "$T/seen")" = "$bnode" ] || fail "the seed is not b: $(cat "$T/seen")"
w a seeds "$d" | grep -q "held complete by 1 other node" ||
    fail "human output: $(w a seeds "$d")"
c_sees_b() {
	w c --json seeds "$d" | grep -q "$bnode"
}
wait_for 10 c_sees_b || fail "c, a follower, did not get b's receipt"

# b refreshes its receipt when half its life is gone.
confirmed() {
	w a --json seeds "$d" |
	    json '[s["confirmed"] for s in j["seeds"] if not s["self"]][0]' \
	    /dev/stdin
}
c1=$(confirmed)
wait_for 10 eval '[ "$(confirmed)" != "$c1" ]' ||
    fail "b did not refresh its receipt"
others a "$d" 1 || fail "b counts twice after a refresh"

# b goes away: its last receipt expires and a stops counting it.
stop_node "$bpid"
wait_for 15 others a "$d" 0 || fail "b's expired receipt still counts"
echo ok
