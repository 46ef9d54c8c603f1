#!/bin/bash
# A node on another network key gets nothing: it keeps dialling a node of
# the network and is refused in the handshake, while a node with the
# right key, dialling the same node, receives the designs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

other=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
start_node a --listen 127.0.0.1:0
d0=$(publish_one a "Members only")
start_node x --listen 127.0.0.1:0 --network-key "$other" --peer "$(addr a)"
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
d1=$(publish_one a "Later")
wait_for 10 has_all b "$d0" "$d1" || fail "b did not get the designs"
# x has dialled at least once, and been refused, by now.
wait_for 10 grep -q "handshake failed" "$T/a.log" ||
    fail "a did not refuse x"
[ "$(w x --json status | json 'j["records"]' /dev/stdin)" = 0 ] ||
    fail "x got records"
connected x 0 || fail "x is connected"
[ "$(sync_stat x msgs_in)" = 0 ] || fail "x received sync messages"
has x "$d0" && fail "x has the design"
echo ok
