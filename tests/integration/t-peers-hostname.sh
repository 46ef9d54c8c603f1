#!/bin/bash
# Host names wherever the user gives an address: --peer and weft connect
# take NODEID@localhost:PORT, resolve it on every dial and sync over it;
# a name with two addresses, the first where nothing listens, gets the
# second tried at once (a hosts file in a mount namespace of the test's
# own). Malformed names are usage errors (exit 2). A seed is dialled at
# start, tells of other nodes, is in the book as "seed", and is dialled
# again when it comes back only while the node has too few peers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

start_node d --listen 127.0.0.1:0
pid_d=$NODE_PID
port=$(addr d | cut -d: -f2)
node_d=$(node_id d)
design=$(publish_one d "Hinge")

start_node a --listen 127.0.0.1:0 --peer "$node_d@localhost:$port"
wait_for 10 connected a 1 || fail "a did not dial d by name: $(w a peers)"
w a --json peers | grep -q "\"address\":\"localhost:$port\"" ||
    fail "a's peer list: $(w a --json peers)"
wait_secs 10 has a "$design" || fail "a did not sync d's design"

start_node b --listen 127.0.0.1:0
expect_code 0 w b connect "$node_d@LocalHost:$port"
grep -q "connected to $node_d at localhost:$port" "$T/out" ||
    fail "connect printed $(cat "$T/out")"
wait_secs 10 has b "$design" || fail "b did not sync d's design"

for bad in "-bad.example:1" "a..b:1" "1.2.3:5" "x_y.example:1" \
    "host:0" "host:65536" "host:012" "[::1:5" "$(printf 'a%.0s' {1..64}).x:1"; do
	expect_code 2 w b connect "$node_d@$bad"
done

# ::1 first, where nothing listens, then 127.0.0.1.
if unshare -rm true 2>/dev/null; then
	printf '::1 multi.weft.test\n127.0.0.1 multi.weft.test\n' >"$T/hosts"
	unshare -rm sh -c 'mount --bind "$1" /etc/hosts && shift &&
	    exec "$@"' sh "$T/hosts" "$WEFTD_BIN" --home "$T/f" \
	    --peer "$node_d@multi.weft.test:$port" >>"$T/f.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for 20 w f status || fail "weftd 'f' did not come up"
	wait_for 10 connected f 1 || fail "f did not dial d's second address"
	grep -qi "peer .*: cannot connect: connection refused" "$T/f.log" ||
	    fail "f did not try ::1 first"
else
	echo "note: no mount namespace, the second-address dial is untested"
fi

# A name that does not resolve: the dial fails and says so.
expect_code 1 w b connect --timeout 20 "$(node_id a)@no-such-host.invalid:7420"

# A seed: dialled at start, listed as "seed", and it tells of a and b.
w e -q config add seed "$node_d@localhost:$port" || fail "config e"
WEFT_OUT_TARGET=3 start_node e --listen 127.0.0.1:0
wait_for 10 connected e 3 || fail "e did not use its seed: $(w e peers)"
w e --json peers --known >"$T/known.json"
[ "$(json '[e["source"] for e in j if e["node"] == "'"$node_d"'"]' \
    "$T/known.json")" = "['seed']" ] || fail "e's book: $(cat "$T/known.json")"
[ "$(json 'sorted(e["source"] for e in j if e["verified"])' \
    "$T/known.json")" = "['learnt', 'learnt', 'seed']" ] ||
    fail "e's book: $(cat "$T/known.json")"

# f: target 1, a by --peer and the seed; both dialled at start.
w f2 -q config add seed "$node_d@localhost:$port" || fail "config f2"
WEFT_OUT_TARGET=1 start_node f2 --listen 127.0.0.1:0 --peer "$(addr a)"
wait_for 10 connected f2 2 || fail "f2: $(w f2 peers)"
# The seed goes away and comes back: e (2 of 3) redials it, f2 (1 of 1)
# does not.
stop_node "$pid_d"
wait_for 10 connected e 2 || fail "e still sees d"
wait_for 10 connected f2 1 || fail "f2 still sees d"
start_node d --listen "127.0.0.1:$port"
wait_for 5 connected e 3 || fail "e did not redial its seed: $(w e peers)"
sleep 1.5
connected f2 1 || fail "f2 redialled its seed with enough peers"
echo ok
