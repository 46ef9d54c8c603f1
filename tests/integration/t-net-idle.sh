#!/bin/bash
# Connection floods that never complete a handshake, from 127.0.0.1 (the
# address honest peers here use too): a thousand held connections, then
# idle and slowloris floods that reopen every connection weftd closes.
# During each flood weftd answers the CLI, keeps its honest peer b, lets
# a NEW honest node that starts during the flood connect and sync a design
# within 10 s (it evicts a flooding connection), keeps its anonymous
# memory within 16 MiB of the start, and logs a bounded number of lines
# whose counts add up to every connection the floods made. The group cap
# is lowered to the 3 honest peers: connections that never complete a
# handshake must not evict any of them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/flood_lib.sh"

export WEFT_HANDSHAKE_TIMEOUT_MS=1500 WEFT_MAX_INBOUND_GROUP=3
flood_setup
before=$(rss_a)
lines0=$(wc -l <"$T/a.log")

# 1. A thousand connections held: the caps close most at once (evicted),
# the rest at the handshake timeout.
/usr/bin/python3 "$WEFT_TESTS/integration/net_flood.py" 127.0.0.1 "$PORT_A" \
    1000 10 >"$T/flood0.out" 2>&1 &
flood=$!
wait_for 10 grep -q opened "$T/flood0.out" || fail "flood did not start"
t0=$(date +%s%N)
w a --json status >"$T/st.json" || fail "status failed under the flood"
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 2000 ] || fail "status took too long"
[ "$(json 'j["conns_in"] <= 33' "$T/st.json")" = True ] ||
    fail "handshake cap exceeded: $(cat "$T/st.json")"
wait "$flood" || fail "connections were left open: $(cat "$T/flood0.out")"
made=$(awk '/^made/ {print $2}' "$T/flood0.out")

# 2. and 3. Floods that reopen what weftd closes; n1 and n2 start during them.
i=0
for mode in idle slowloris; do
	i=$((i + 1))
	/usr/bin/python3 "$WEFT_TESTS/integration/net_flood.py" 127.0.0.1 \
	    "$PORT_A" 128 14 "$mode" >"$T/flood$i.out" 2>&1 &
	flood=$!
	wait_for 10 grep -q opened "$T/flood$i.out" || fail "$mode: no flood"
	sleep 1		# the flood is under way
	ms=$(honest_join "n$i")
	echo "$mode flood: new honest node synced in $ms ms"
	during=$(rss_a)
	b_open || fail "$mode: b was affected: $(cat "$T/peers.json")"
	wait "$flood" || fail "$mode flood failed: $(cat "$T/flood$i.out")"
	grep -q '^made' "$T/flood$i.out" || fail "$mode: $(cat "$T/flood$i.out")"
	made=$((made + $(awk '/^made/ {print $2}' "$T/flood$i.out")))
	echo "RssAnon kB: before $before, during the $mode flood $during"
	rss_within "$before" "$during" || fail "memory grew to $during kB"
done
after=$(rss_a)
rss_within "$before" "$after" || fail "memory kept: $after kB"
b_open || fail "b was affected: $(cat "$T/peers.json")"

# Every flood connection is accounted for once a has let go of them all
# (at most a few handshakes of n1 and n2 more), in few lines: stopping a
# writes the last window's counts.
none_left() { [ "$(w a --json status | json 'j["conns_in"]' /dev/stdin)" = 3 ]; }
wait_for 10 none_left || fail "connections remain: $(w a --json status)"
w a --json peers >"$T/p.json"
[ "$(json 'sorted(p["state"] for p in j)' "$T/p.json")" = \
    "['open', 'open', 'open']" ] || fail "an honest peer was evicted"
stop_node "$PID_A"
tail -n +"$((lines0 + 1))" "$T/a.log" >"$T/flood.log"
events=$(log_events "$T/flood.log")
lines=$(wc -l <"$T/flood.log")
echo "flood connections $made, logged $events in $lines lines"
[ "$events" -ge "$made" ] && [ "$events" -le $((made + 20)) ] ||
    fail "the log accounts for $events of $made connections"
grep -q "evicted [0-9,]* more connections from 127.0.0.1" "$T/flood.log" ||
    fail "no eviction count"
# About 40 s of floods: at most 2 lines per kind per 10 s, and the lines
# of the honest nodes and of stopping.
[ "$lines" -le 60 ] || fail "$lines lines logged"
echo ok
