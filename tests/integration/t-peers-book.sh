#!/bin/bash
# Peers that last (docs/proto/store.md, "peers"): a's verified peers are
# written to its store and dialled again at start, so a restarted node
# (and a network where every node restarted) reconnects within 5 s with
# no --peer. An address learnt from a peer is listed but not verified,
# and not kept. weft forget and weft disconnect take a node out of the
# book and the dials, for good or for this run; unknown nodes exit 3.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

# c learns of d from b, but with the target at 0 a never dials it.
start_node d --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr d)"
pid_b=$NODE_PID
start_node c --listen 127.0.0.1:0
pid_c=$NODE_PID
start_node a --listen 127.0.0.1:0 --peer "$(addr b)"
pid_a=$NODE_PID
expect_code 0 w a connect "$(addr c)"
wait_for 10 connected a 2 || fail "a is not connected to b and c"
node_b=$(node_id b)
node_c=$(node_id c)
node_d=$(node_id d)
listen_b=$(addr b | cut -d@ -f2)
listen_c=$(addr c | cut -d@ -f2)
listen_d=$(addr d | cut -d@ -f2)

known() {
	w a --json peers --known >"$T/known.json"
}
# entry NODE KEY...: the values of KEYs in NODE's book entry, or "none".
entry() {
	local node=$1
	shift
	known
	/usr/bin/python3 -c 'import json,sys
j = [e for e in json.load(open(sys.argv[1])) if e["node"] == sys.argv[2]]
print(" ".join(str(j[0][k]) for k in sys.argv[3:]) if j else "none")' \
	    "$T/known.json" "$node" "$@"
}
learnt_d() { [ "$(entry "$node_d" source)" = learnt ]; }
wait_for 10 learnt_d || fail "a did not learn d: $(cat "$T/known.json")"
[ "$(entry "$node_d" verified)" = False ] ||
    fail "a learnt address is verified: $(cat "$T/known.json")"
[ "$(entry "$node_b" verified source address)" = \
  "True config $listen_b" ] || fail "b: $(cat "$T/known.json")"
[ "$(entry "$node_c" verified source fails)" = "True connect 0" ] ||
    fail "c: $(cat "$T/known.json")"
[ "$(entry "$node_c" last_seen)" != None ] || fail "c has no last_seen"
w a peers --known | grep -q "^$node_c verified .*$listen_c.*from connect" ||
    fail "human list: $(w a peers --known)"

# Restart a with no --peer: b and c again within 5 s, from the store.
stop_node "$pid_a"
start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
wait_for 5 connected a 2 || fail "a did not reconnect: $(w a peers)"
grep -q "address book: 2 known peers" "$T/a.log" ||
    fail "a did not load two peers (the learnt one is not kept)"
[ "$(entry "$node_d" verified)" != True ] ||
    fail "d became verified without a handshake"

# Every node restarted, b and c on their old ports: a finds them again.
stop_node "$pid_a"
stop_node "$pid_b"
stop_node "$pid_c"
start_node b --listen "$listen_b"
start_node c --listen "$listen_c"
start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
wait_for 5 connected a 2 || fail "after a full restart: $(w a peers)"

# forget: by a prefix, out of the book and the dials; 3 when unknown.
expect_code 0 w a forget "${node_c:0:8}"
grep -q "$node_c" "$T/out" || fail "forget printed $(cat "$T/out")"
[ "$(entry "$node_c" node)" = none ] || fail "c still in the book"
expect_code 3 w a forget "${node_c:0:12}"
expect_code 3 w a forget 0000000000000000
expect_code 2 w a forget 12ab
w a --json peers | grep -q "\"node\":\"$node_c\",[^}]*\"state\":\"waiting\"" &&
    fail "c is still dialled"
stop_node "$pid_a"
start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
wait_for 5 connected a 1 || fail "a did not reconnect to b"
grep -q "address book: 1 known peer$" "$T/a.log" ||
    fail "the forgotten node came back"

# disconnect: closed, and not dialled again in this run.
expect_code 0 w a disconnect "$node_b"
wait_for 5 connected a 0 || fail "a still connected to b"
n0=$(grep -c "connected (outbound" "$T/a.log")
sleep 1.5
[ "$(grep -c "connected (outbound" "$T/a.log")" = "$n0" ] ||
    fail "a dialled b again after disconnect"
expect_code 3 w a disconnect "$node_b"
[ "$(entry "$node_b" verified)" = True ] ||
    fail "disconnect dropped b from the book"
# connect lifts it.
expect_code 0 w a connect "$(addr b)"
echo ok
