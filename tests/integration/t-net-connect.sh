#!/bin/bash
# Three real weftd on 127.0.0.1: b connects to a with `weft connect`, c is
# started with --peer a. Each HELLO arrives (peers shows the other side's
# listen address and software), `weft peers` lists both directions on
# both sides with byte counts, `weft status` shows NODEID@HOST:PORT, and
# a second connect to a connected node opens no second connection.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0
w a --json status >"$T/a.json"
w b --json status >"$T/b.json"
addr_a=$(json 'j["address"]' "$T/a.json")
node_a=$(json 'j["node"]' "$T/a.json")
node_b=$(json 'j["node"]' "$T/b.json")
listen_a=$(json 'j["listen"]' "$T/a.json")
listen_b=$(json 'j["listen"]' "$T/b.json")
case "$addr_a" in
"$node_a"@127.0.0.1:*) ;;
*) fail "status address '$addr_a' is not NODEID@HOST:PORT" ;;
esac
[ "$(json 'len(j["network_key_id"])' "$T/a.json")" = 16 ] ||
    fail "status has no network key id"
w a status | grep -q "^address *$addr_a\$" || fail "human status lacks address"

expect_code 0 w b connect "$addr_a"
grep -q "connected to $node_a" "$T/out" || fail "connect said: $(cat "$T/out")"

w b --json peers >"$T/pb.json"
[ "$(json 'len(j)' "$T/pb.json")" = 1 ] || fail "b lists $(cat "$T/pb.json")"
[ "$(json 'j[0]["node"]' "$T/pb.json")" = "$node_a" ] || fail "b: wrong node"
[ "$(json 'j[0]["direction"]' "$T/pb.json")" = out ] || fail "b: not out"
[ "$(json 'j[0]["state"]' "$T/pb.json")" = open ] || fail "b: not open"
[ "$(json 'j[0]["listen"]' "$T/pb.json")" = "$listen_a" ] ||
    fail "b did not get a's HELLO"
[ "$(json 'j[0]["sw"]' "$T/pb.json")" = weft/0.1.0 ] || fail "b: no sw"
[ "$(json 'j[0]["bytes_in"] > 0 and j[0]["bytes_out"] > 0' "$T/pb.json")" = True ] ||
    fail "b: no byte counts"
[ "$(json 'j[0]["since"] is not None' "$T/pb.json")" = True ] ||
    fail "b: no since"

w a --json peers >"$T/pa.json"
[ "$(json 'len(j)' "$T/pa.json")" = 1 ] || fail "a lists $(cat "$T/pa.json")"
[ "$(json 'j[0]["node"]' "$T/pa.json")" = "$node_b" ] || fail "a: wrong node"
[ "$(json 'j[0]["direction"]' "$T/pa.json")" = in ] || fail "a: not in"
[ "$(json 'j[0]["listen"]' "$T/pa.json")" = "$listen_b" ] ||
    fail "a did not get b's HELLO"
w a peers | grep -q "^$node_b in  open" || fail "human peers: $(w a peers)"
[ "$(w a -q peers)" = "$node_b" ] || fail "peers -q"

# Connecting again to a connected node keeps the one connection.
expect_code 0 w b connect "$addr_a"
expect_code 0 w a connect "$node_b@$listen_b"
sleep 0.3
[ "$(w a --json peers | json 'len(j)' /dev/stdin)" = 1 ] ||
    fail "a has two connections to b"
[ "$(w b --json peers | json 'len(j)' /dev/stdin)" = 1 ] ||
    fail "b has two connections to a"

# A third node dials a from its command line.
start_node c --listen 127.0.0.1:0 --peer "$addr_a"
node_c=$(w c --json status | json 'j["node"]' /dev/stdin)
open_c() {
	w a --json peers | json '[p["state"] for p in j if p["node"] == "'"$node_c"'"] == ["open"]' /dev/stdin | grep -q True
}
wait_for 10 open_c || fail "c did not connect to a"
[ "$(w a --json status | json 'j["peers"]' /dev/stdin)" = 2 ] ||
    fail "a does not count two peers"
[ "$(w c --json peers | json 'j[0]["direction"]' /dev/stdin)" = out ] ||
    fail "c: not out"

# Bad addresses are usage errors.
expect_code 2 w b connect "nothex@127.0.0.1:1"
expect_code 2 w b connect "$node_b@127.0.0.1:1"
grep -q "peer .*: connected (inbound" "$T/a.log" || fail "no connect log line"
echo ok
