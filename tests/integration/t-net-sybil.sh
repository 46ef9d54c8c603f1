#!/bin/bash
# Slot filling by authenticated peers (the Sybil form: the public network
# key is in the source): 130 peers from 127.0.0.1, each with its own node
# key, started 20 ms apart, complete the handshake and then only answer
# pings. They cannot keep out a new honest node that starts while they
# hold every slot of the group (it evicts the youngest of them; they do
# not come back, as in the red team's reproduction: bench/bench-flood.sh
# measures the form that does), weftd keeps its honest peer b (connected
# first: protected), stays within the per-group cap and 16 MiB.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/flood_lib.sh"

export WEFT_MAX_INBOUND_GROUP=32
flood_setup
before=$(rss_a)
hostile="$(dirname "$WEFT_BIN")/tests/hostile/hostile-peer"
[ -x "$hostile" ] || fail "no $hostile"

"$hostile" --count 130 --stagger 20 --timeout 25 "$ADDR_A" idle >"$T/sybil.out" 2>&1 &
sybil=$!
open_peers() {
	[ "$(w a --json status | json 'j["peers"]' /dev/stdin)" -ge "$1" ]
}
wait_for 20 open_peers 32 || fail "the Sybils did not connect: $(w a status)"
sleep 3		# all 130 have come

ms=$(honest_join n)
echo "Sybils: new honest node synced in $ms ms"
w a --json status >"$T/st.json"
echo "open during: $(json 'j["peers"]' "$T/st.json")"
[ "$(json 'j["peers"] <= 32 and j["conns_in"] <= 40' "$T/st.json")" = True ] ||
    fail "group cap exceeded: $(cat "$T/st.json")"
during=$(rss_a)
b_open || fail "b was evicted: $(cat "$T/peers.json")"
# n got in and stays in.
sleep 1
w a --json peers >"$T/p.json"
[ "$(json '[p["state"] for p in j if p["node"] == "'"$(node_id n)"'"]' \
    "$T/p.json")" = "['open']" ] || fail "n is not connected"
echo "RssAnon kB: before $before, during $during"
rss_within "$before" "$during" || fail "memory grew to $during kB"
wait "$sybil" || true	# those evicted in their handshake exit 1
sed 's/ (.*//' "$T/sybil.out" | sort | uniq -c
grep -q "evicted .*more connections\|evicted for a new connection" \
    "$T/a.log" || fail "no eviction logged"
echo ok
