#!/bin/bash
# A thousand TCP connections that never complete a handshake: weftd
# refuses those past its inbound cap at once, closes the rest at the
# handshake timeout, keeps answering the CLI, keeps its real peer, and
# its anonymous memory stays bounded.
. "$(dirname "$0")/lib.sh"

export WEFT_HANDSHAKE_TIMEOUT_MS=1500
start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
start_node b
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)
port=${addr_a##*:}
expect_code 0 w b connect "$addr_a"

rss() { awk '/^RssAnon:/ {print $2}' "/proc/$pid_a/status"; }
before=$(rss)

/usr/bin/python3 "$WEFT_TESTS/integration/net_flood.py" 127.0.0.1 "$port" \
    1000 10 >"$T/flood.out" 2>&1 &
flood=$!
wait_for 10 grep -q opened "$T/flood.out" || fail "flood did not start"

# While the connections are held: status answers quickly.
t0=$(date +%s%N)
w a --json status >"$T/st.json" || fail "status failed under the flood"
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 2000 ] || fail "status took too long"
[ "$(json 'j["conns_in"] <= 128' "$T/st.json")" = True ] ||
    fail "inbound cap exceeded: $(cat "$T/st.json")"
during=$(rss)

wait "$flood" || fail "connections were left open: $(cat "$T/flood.out")"
after=$(rss)
echo "RssAnon kB: before $before, during $during, after $after"
[ "$during" -lt $((before + 16384)) ] || fail "memory grew to $during kB"
[ "$after" -lt $((before + 16384)) ] || fail "memory kept: $after kB"

[ "$(w a --json status | json 'j["conns_in"]' /dev/stdin)" = 1 ] ||
    fail "connections remain: $(w a --json status)"
[ "$(w a --json peers | json '[p["state"] for p in j]' /dev/stdin)" = "['open']" ] ||
    fail "the real peer was affected"
grep -q "refused: 128 inbound connections already" "$T/a.log" ||
    fail "no refusal logged"
grep -q "handshake timed out" "$T/a.log" || fail "no timeout logged"
grep -q "handshake failed" "$T/a.log" || fail "no bad-bytes drop logged"
echo ok
