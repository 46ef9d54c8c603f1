#!/bin/bash
# A peer that completes the handshake and then never reads: what weftd
# queues for it grows to the send-queue cap, where weftd closes it; the
# node answers the CLI meanwhile, keeps its honest peer b, a new honest
# node that starts while the queue fills syncs a design within 10 s, and
# memory stays within 16 MiB of the start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/flood_lib.sh"

export WEFT_SENDQ_MAX=$((4 * 1024 * 1024))
flood_setup
before=$(rss_a)
hostile="$(dirname "$WEFT_BIN")/tests/hostile/hostile-peer"

"$hostile" --timeout 60 "$ADDR_A" noread >"$T/noread.out" 2>&1 &
nr=$!
other() {
	w a --json peers >"$T/p.json"
	json '[p["node"] for p in j if p["node"] != "'"$NODE_B"'" and p["state"] == "open"][0]' "$T/p.json"
}
wait_for 10 other || fail "the non-reader did not connect"
node_nr=$(other)
push() {
	/usr/bin/python3 "$WEFT_TESTS/integration/net_ctl.py" "$T/a/weftd.sock" \
	    push "node=$node_nr" "bytes=$1" burst=true
}
mib=$((1024 * 1024))
closed=0
for i in $(seq 1 16); do
	if ! push $mib >"$T/push.out"; then
		closed=$i
		break
	fi
	[ "$i" = 2 ] && ms=$(honest_join n)
	t0=$(date +%s%N)
	w a status >/dev/null || fail "status failed"
	t1=$(date +%s%N)
	[ $(( (t1 - t0) / 1000000 )) -lt 2000 ] || fail "status took too long"
done
[ "$closed" -gt 2 ] || fail "the non-reader was not closed at its cap ($closed)"
echo "non-reader closed at push $closed; new honest node synced in $ms ms"
grep -q "send queue over its cap" "$T/a.log" || fail "no cap logged"
wait "$nr" || fail "non-reader: $(cat "$T/noread.out")"
grep -q "dropped: closed while we did not read" "$T/noread.out" ||
    fail "non-reader: $(cat "$T/noread.out")"
b_open || fail "b was affected: $(cat "$T/peers.json")"
during=$(rss_a)
echo "RssAnon kB: before $before, after $during"
rss_within "$before" "$during" || fail "memory grew to $during kB"
echo ok
