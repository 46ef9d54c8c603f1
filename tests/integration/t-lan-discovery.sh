#!/bin/bash
# LAN discovery between real weftd in network namespaces the test creates
# (and always removes): a, b and c hang off one bridge with IPv4 and
# IPv6 link-local addresses; d and e off a second bridge with IPv6
# link-local addresses only. Nobody is given a --peer.
#  - a and b (same network key) find each other, connect and sync a
#    design, and both heard the other over IPv4 broadcast and over IPv6
#    multicast;
#  - c (another network key) hears their announcements and opens none:
#    it connects to nobody, knows no node, never logs their ids, and
#    neither a nor b ever sees a connection from it;
#  - d and e find each other over IPv6 multicast alone and connect at
#    their link-local addresses;
#  - f, which does not listen on TCP, announces nothing but still dials
#    the nodes it hears;
#  - an eavesdropper in c's namespace that rebroadcasts a's announcement
#    from its own address (and a damaged copy) makes b act on nothing.
# Needs root and `ip netns`; without them the test fails, it never skips.
# Every address lives inside the test's namespaces; the machine's own
# interfaces never see an announcement.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

[ "$(id -u)" = 0 ] || fail "t-lan-discovery needs root (network namespaces)"
command -v ip >/dev/null || fail "t-lan-discovery needs iproute2 ('ip')"

run=wl$$
NS_BR=weft-$run-br
NSS=""
for n in a b c d e f; do
	eval "NS_$n=weft-$run-$n"
done

lan_cleanup() {
	local ns
	cleanup
	for ns in $NSS; do
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap lan_cleanup EXIT

mkns() {
	ip netns add "$1" || fail "cannot create network namespace '$1'"
	NSS="$NSS $1"
	ip -n "$1" link set lo up
	# Link-local addresses usable at once (no duplicate detection).
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 >/dev/null
}

# attach NS BRIDGE [IPV4/PREFIX]: a veth "eth0" in NS, its peer on BRIDGE.
attach() {
	local ns=$1 br=$2 v4=${3:-} port=p${1##*-}
	ip -n "$ns" link add eth0 type veth peer name "$port" netns "$NS_BR" ||
	    fail "cannot create a veth pair in '$ns'"
	ip -n "$NS_BR" link set "$port" master "$br" up
	[ -z "$v4" ] || ip -n "$ns" addr add "$v4" dev eth0
	ip -n "$ns" link set eth0 up
}

mkns "$NS_BR"
for br in br4 br6; do
	ip -n "$NS_BR" link add "$br" type bridge mcast_snooping 0 ||
	    fail "cannot create bridge $br"
	ip -n "$NS_BR" link set "$br" up
done
for n in a b c d e f; do
	eval "mkns \$NS_$n"
done
attach "$NS_a" br4 10.77.0.1/24
attach "$NS_b" br4 10.77.0.2/24
attach "$NS_c" br4 10.77.0.3/24
attach "$NS_f" br4 10.77.0.6/24
attach "$NS_d" br6
attach "$NS_e" br6
# d and e really have no IPv4 address.
! ip -n "$NS_d" -4 addr show dev eth0 | grep -q inet ||
    fail "d has an IPv4 address"

# start_lan_node NAME NS [weftd args...]: weftd inside NS, discovery on.
start_lan_node() {
	local name=$1 ns=$2
	shift 2
	WEFT_LAN_DISCOVERY=on WEFT_LAN_INTERVAL_MS=500 \
	    ip netns exec "$ns" "$WEFTD_BIN" --home "$T/$name" "$@" \
	    >>"$T/$name.log" 2>&1 &
	NODE_PID=$!
	PIDS="$PIDS $NODE_PID"
	wait_for 20 "$WEFT_BIN" --home "$T/$name" status ||
	    fail "weftd '$name' did not come up"
}

other=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
start_lan_node c "$NS_c" --listen 0.0.0.0:7400 --network-key "$other"
start_lan_node a "$NS_a" --listen 0.0.0.0:7400
start_lan_node b "$NS_b" --listen 0.0.0.0:7400
start_lan_node d "$NS_d" --listen '[::]:7400'
start_lan_node e "$NS_e" --listen '[::]:7400'

node() { w "$1" --json status | json 'j["node"]' /dev/stdin; }
keyid() { node "$1" | cut -c1-16 | tr a-f A-F; }
lan() { w "$1" --json status | json "j['lan']['$2']" /dev/stdin; }
# peer_open NAME NODEID: NAME has an open connection to NODEID.
peer_open() {
	w "$1" --json peers | json \
	    "any(p['node'] == '$2' and p['state'] == 'open' for p in j)" \
	    /dev/stdin | grep -qx True
}
lan_ge() { [ "$(lan "$1" "$2")" -ge "$3" ]; }

na=$(node a) nb=$(node b) nc=$(node c) nd=$(node d) ne=$(node e)
[ "$(lan a on)" = True ] || fail "a: LAN discovery is not on"
[ "$(lan a port)" = 7420 ] || fail "a: LAN port $(lan a port)"

# a and b find each other and replicate.
wait_secs 20 peer_open a "$nb" || fail "a did not connect to b"
wait_secs 20 peer_open b "$na" || fail "b did not connect to a"
grep -q "lan: found node $(keyid b) at 10.77.0.2:7400" "$T/a.log" ||
    fail "a did not log finding b"
echo "a LAN design" >"$T/file.txt"
w a publish "$T/file.txt" --title "found on the LAN" >/dev/null
wait_secs 20 designs_are b 1 || fail "b did not receive a's design"
w b ls | grep -q "found on the LAN" || fail "b lists: $(w b ls)"

# Both paths delivered: IPv4 broadcast and IPv6 multicast.
for n in a b; do
	wait_secs 10 lan_ge "$n" opened4 2 || fail "$n: no IPv4 announcement"
	wait_secs 10 lan_ge "$n" opened6 2 || fail "$n: no IPv6 announcement"
done
[ "$(lan a nodes)" = 1 ] || fail "a heard $(lan a nodes) nodes"
w a status | grep -qx "lan          on, 1 node heard (UDP port 7420)" ||
    fail "a status: $(w a status)"

# c heard several rounds of a's and b's announcements and opened none;
# a and b heard c's and opened none.
wait_secs 20 lan_ge c rejected 8 || fail "c: $(lan c rejected) rejected"
wait_secs 20 lan_ge a rejected 4 || fail "a: $(lan a rejected) rejected"
wait_secs 20 lan_ge b rejected 4 || fail "b: $(lan b rejected) rejected"
[ "$(lan c nodes)" = 0 ] || fail "c knows $(lan c nodes) nodes"
[ "$(w c --json peers | json 'len(j)' /dev/stdin)" = 0 ] ||
    fail "c has peers: $(w c --json peers)"
cs=$(w c --json status)
[ "$(echo "$cs" | json 'j["conns_in"] + j["conns_out"]' /dev/stdin)" = 0 ] ||
    fail "c has connections: $cs"
for id in "$na" "$nb" "$(keyid a)" "$(keyid b)" "$(echo "$na" | tr a-f A-F)"; do
	! grep -qi "$id" "$T/c.log" || fail "c logged a node id: $id"
done
! grep -q "lan: found" "$T/c.log" || fail "c found a node"
for n in a b; do
	w "$n" --json peers | json '[p["node"] for p in j]' /dev/stdin \
	    >"$T/peers-$n"
	! grep -q "$nc" "$T/peers-$n" || fail "$n lists c"
	! grep -q "10.77.0.3" "$T/$n.log" || fail "$n saw a connection from c"
	! grep -qi "$(keyid c)" "$T/$n.log" || fail "$n logged c's id"
done

# A replay of a's announcement from c's address, a damaged copy and an
# oversized datagram: b opens the replays but acts on none, rejects the
# rest, and never dials c's address.
before=$(lan b accepted)
opened=$(lan b opened4)
rejected=$(lan b rejected)
ip netns exec "$NS_c" /usr/bin/python3 "$WEFT_TESTS/integration/lan_replay.py" \
    10.77.0.1 10.77.0.255 7420 30 >"$T/replay.out" ||
    fail "the replay did not run: $(cat "$T/replay.out")"
wait_secs 10 lan_ge b opened4 $((opened + 30)) ||
    fail "b opened $(( $(lan b opened4) - opened )) of the 30 replays"
wait_secs 10 lan_ge b rejected $((rejected + 31)) ||
    fail "b rejected $(( $(lan b rejected) - rejected )) of 31 bad ones"
after=$(lan b accepted)
# a's own announcements go on meanwhile (every 0.5-1 s): a few, not 30.
[ $((after - before)) -lt 10 ] ||
    fail "b acted on $((after - before)) announcements during the replay"
! grep -q "10.77.0.3" "$T/b.log" || fail "b dialled c's address"
w b --json peers | json '[p["address"] for p in j]' /dev/stdin >"$T/pb"
! grep -q "10.77.0.3" "$T/pb" || fail "b lists c's address: $(cat "$T/pb")"

# d and e: IPv6 link-local only.
wait_secs 20 peer_open d "$ne" || fail "d did not connect to e"
wait_secs 20 peer_open e "$nd" || fail "e did not connect to d"
[ "$(lan d opened4)" = 0 ] || fail "d opened IPv4 announcements"
lan_ge d opened6 1 || fail "d opened no IPv6 announcement"
grep -q "lan: found node $(keyid e) at \[fe80::[0-9a-f:]*%eth0\]:7400" \
    "$T/d.log" || fail "d did not log e's link-local address"
# The IPv6 bridge is its own LAN: d never heard a, b or c.
[ "$(lan d nodes)" = 1 ] || fail "d heard $(lan d nodes) nodes"

# f does not listen: it sends nothing, a never hears it, yet f dials a.
start_lan_node f "$NS_f"
nf=$(node f)
wait_secs 20 peer_open f "$na" || fail "f did not connect to a"
wait_secs 20 lan_ge f rejected 2 || fail "f heard no announcement of c"
[ "$(lan f sent)" = 0 ] || fail "f sent $(lan f sent) announcements"
[ "$(lan a nodes)" = 1 ] || fail "a heard $(lan a nodes) nodes, not only b"
grep -q "peer $(keyid f): connected (inbound, 10.77.0.6:" "$T/a.log" ||
    fail "a did not log f's inbound connection"

# A node with discovery off says so, and a bad setting is refused.
WEFT_LAN_DISCOVERY=off ip netns exec "$NS_c" "$WEFTD_BIN" --home "$T/off" \
    >>"$T/off.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 20 "$WEFT_BIN" --home "$T/off" status || fail "off did not start"
w off status | grep -qx "lan          off" || fail "off: $(w off status)"
code=0
WEFT_LAN_DISCOVERY=maybe "$WEFTD_BIN" --home "$T/bad" 2>"$T/bad.err" ||
    code=$?
[ "$code" = 2 ] || fail "WEFT_LAN_DISCOVERY=maybe: exit $code"
grep -q "WEFT_LAN_DISCOVERY='maybe': lan-discovery must be on or off" \
    "$T/bad.err" || fail "bad setting: $(cat "$T/bad.err")"
echo ok
