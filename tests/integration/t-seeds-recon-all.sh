#!/bin/bash
# Seed receipts in scope all (issue 12 part 7): three nodes that mirror
# everything reconcile scope all alone. c, started after a published a
# design and b signed its receipt for it, learns b's receipt (and a's)
# from a by reconciling that scope: no one pushes it (receipts live
# 10 min here, so neither b nor a refreshes it during the test).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
export WEFT_RECEIPT_TTL_MS=600000 WEFT_RECEIPT_SWEEP_MS=300

start_node a --listen 127.0.0.1:0
start_node b --peer "$(addr a)"
wait_for 10 connected a 1 || fail "b did not connect to a"

d=$(publish_one a "Everywhere")
wait_for 10 has b "$d" || fail "b did not get the design"
w b -q get "$d" -o "$T/out-b" >/dev/null || fail "b could not get the files"
bnode=$(w b --json id | json 'j["node"]' /dev/stdin)
anode=$(w a --json id | json 'j["node"]' /dev/stdin)
sees() {
	w "$1" --json seeds "$d" | grep -q "$2"
}
wait_for 10 sees a "$bnode" || fail "a did not get b's receipt"

# c comes late, interested in everything (the default): scope all only.
start_node c --peer "$(addr a)"
wait_for 10 connected a 2 || fail "c did not connect to a"
wait_for 10 has c "$d" || fail "c did not get the design"
wait_for 10 sees c "$bnode" ||
    fail "c did not learn b's receipt by reconciliation"
sees c "$anode" || fail "c did not learn a's receipt"
w c seeds "$d" | grep -q "held complete by 2 other nodes" ||
    fail "c's human output: $(w c seeds "$d")"
echo ok
