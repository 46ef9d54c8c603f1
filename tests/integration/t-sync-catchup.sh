#!/bin/bash
# A node that is down while designs are published, updated and put in a
# library catches up when it comes back (reconciliation on connect, not
# live pushes), and passes what it fetched on to a node that is connected
# to it only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
b_pid=$NODE_PID
wait_for 10 connected a 1 || fail "b did not connect to a"
d0=$(publish_one a "Before")
wait_for 10 has b "$d0" || fail "b did not get the first design"
addr_b=$(addr b)

stop_node "$b_pid"
ids=""
for i in 1 2 3 4 5; do
	ids="$ids $(publish_one a "While down $i")"
done
mkdir -p "$T/upd" && echo v2 >"$T/upd/part.scad"
r2=$(w a -q update "${d0:0:12}" "$T/upd")
lib=$(w a -q library create "Catchup")
w a -q library add "$lib" "$d0" >/dev/null || fail "library add"

# b comes back on the same address; c knows only b.
start_node b --listen "${addr_b#*@}" --peer "$(addr a)"
start_node c --listen 127.0.0.1:0 --peer "$addr_b"
# shellcheck disable=SC2086
wait_for 20 has_all b $ids "$r2" "$lib" || fail "b did not catch up"
# shellcheck disable=SC2086
wait_for 20 has_all c "$d0" $ids "$r2" "$lib" || fail "c did not get them"
want=$(w a --json status | json 'j["records"]' /dev/stdin)
for n in b c; do
	[ "$(w "$n" --json status | json 'j["records"]' /dev/stdin)" = "$want" ] ||
	    fail "$n holds another number of records than a"
done
[ "$(sync_stat b stored)" -ge 8 ] || fail "b's sync counters"
echo ok
