#!/bin/bash
# Replication along a chain a - b - c, a and c never connected: a design
# published on a reaches c and one published on c reaches a, then an
# update, a fork, a library with an entry and its removal, each made on
# one end and found on the other. Records travel by live push and are
# forwarded once by b; sync counters show up in weft status.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
start_node c --listen 127.0.0.1:0 --peer "$(addr b)"
wait_for 10 connected b 2 || fail "b is not connected to a and c"
connected a 1 || fail "a has other peers"
connected c 1 || fail "c has other peers"

d1=$(publish_one a "From A")
wait_for 10 has c "$d1" || fail "c did not get a's design"
d2=$(publish_one c "From C")
wait_for 10 has a "$d2" || fail "a did not get c's design"

# An update on a, a fork of it on c.
mkdir -p "$T/upd" && echo "thicker" >"$T/upd/part.scad"
r2=$(w a -q update "${d1:0:12}" "$T/upd" --message thicker)
wait_for 10 has c "$r2" || fail "c did not get the update"
[ "$(w c --json log "$d1" | json 'len(j["revisions"])' /dev/stdin)" = 2 ] ||
    fail "c's log of d1: $(w c --json log "$d1")"
f=$(w c -q fork "$d1" --title "Fork on C")
wait_for 10 has a "$f" || fail "a did not get c's fork"

# A library on a with c's design, then its removal.
lib=$(w a -q library create "Chain" --description "both ends")
w a -q library add "$lib" "$d2" >/dev/null || fail "library add"
lib_has() {
	w "$1" --json library ls "$lib" | json "'$2' in [x['design'] if isinstance(x, dict) else x for x in j['designs']]" /dev/stdin | grep -q True
}
wait_for 10 lib_has c "$d2" || fail "c does not see the library entry"
w a -q library remove "$lib" "$d2" >/dev/null || fail "library remove"
lib_empty() {
	[ "$(w c --json library ls "$lib" | json 'len(j["designs"])' /dev/stdin)" = 0 ]
}
wait_for 10 lib_empty || fail "c still lists the removed entry"

# Everything on both ends, nothing rejected, a and c still apart.
for n in a b c; do
	has_all "$n" "$d1" "$d2" "$r2" "$f" "$lib" || fail "$n lacks a record"
	[ "$(sync_stat "$n" rejected)" = 0 ] || fail "$n rejected records"
done
[ "$(w a --json status | json 'j["records"]' /dev/stdin)" = \
    "$(w c --json status | json 'j["records"]' /dev/stdin)" ] ||
    fail "a and c hold different record counts"
connected a 1 && connected c 1 || fail "a and c connected to each other"
[ "$(sync_stat c stored)" -ge 3 ] || fail "c's sync counters"
w c status | grep -q '^sync *1 peers' || fail "human status: $(w c status)"
echo ok
