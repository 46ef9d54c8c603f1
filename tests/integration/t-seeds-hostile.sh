#!/bin/bash
# Forged seed receipts from a real peer (tests/hostile/hostile-peer, with
# its own node key) pushed to a real weftd in one push: a valid receipt
# of its node for design d1, one whose expiry was changed after signing,
# one naming d1 with a revision of d2, and a forged revision. The node
# keeps the valid receipt (weft seeds counts the peer's node), rejects
# the other three, and closes the peer at its third invalid record.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

: "${HOSTILE_BIN:=$(dirname "$WEFT_BIN")/tests/hostile/hostile-peer}"
[ -x "$HOSTILE_BIN" ] || fail "no hostile-peer at $HOSTILE_BIN"

start_node a --listen 127.0.0.1:0
d1=$(publish_one a "Seeded one")
d2=$(publish_one a "Seeded two")

rc=0
"$HOSTILE_BIN" --timeout 20 "$(addr a)" "receipt=$d1" \
    "forgedreceipt=$d1" "receipt=$d1:$d2" forged >"$T/hostile.out" \
    2>"$T/hostile.err" || rc=$?
[ "$rc" -eq 0 ] || fail "hostile-peer exited $rc: $(cat "$T/hostile.err" \
    "$T/hostile.out")"
grep -q "^dropped: \|^closed: " "$T/hostile.out" ||
    fail "a did not close the hostile peer: $(cat "$T/hostile.out")"

others() {
	[ "$(w a -q seeds "$1")" = "$2" ]
}
wait_for 10 others "$d1" 1 || fail "a does not count the valid receipt"
others "$d2" 0 || fail "a counts a seed of d2"
[ "$(sync_stat a rejected)" = 3 ] ||
    fail "a rejected $(sync_stat a rejected) records, expected 3"
grep -q "sync: sent invalid records" "$T/a.log" ||
    fail "a did not log why it closed the peer"
wait_for 10 connected a 0 || fail "a still holds the hostile peer"
echo ok
