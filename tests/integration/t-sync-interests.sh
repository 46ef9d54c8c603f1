#!/bin/bash
# Interests follow policies on a live connection. b wants only a's author
# (WEFT_SYNC_INTERESTS); y, another author, publishes through a. After
# `weft follow Y` on b, y's records already on a arrive at b without a
# reconnection (b announces its interests, a reconciles at once), and
# later ones are pushed; after `weft unfollow Y` they are not pushed any
# more. Periodic reconciliation is an hour away throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
export WEFT_SYNC_RECONCILE_MS=3600000

# rounds_over N: a has completed more than N reconciliation rounds.
rounds_over() {
	[ "$(sync_stat a rounds)" -gt "$1" ]
}

author_of() {
	w "$1" --json id | json 'j["author"]' /dev/stdin
}

start_node a --listen 127.0.0.1:0
x=$(author_of a)
start_node y --peer "$(addr a)"
yk=$(author_of y)
WEFT_SYNC_INTERESTS="author:$x" start_node b --peer "$(addr a)"
wait_for 10 connected a 2 || fail "y and b did not connect to a"

ry1=$(publish_one y "Y one")
ry2=$(publish_one y "Y two")
wait_for 10 has_all a "$ry1" "$ry2" || fail "a did not get y's records"
rx=$(publish_one a "X one")
wait_for 10 has b "$rx" || fail "b did not get a's record"
has b "$ry1" && fail "b got y's record before following y"

w b follow "$yk" || fail "follow failed"
wait_for 10 has_all b "$ry1" "$ry2" ||
    fail "b did not get y's records after following y"
# Pushed from now on.
ry3=$(publish_one y "Y three")
wait_for 10 has b "$ry3" || fail "b did not get y's new record"

# a starts a round as it reads b's new interests: once one more round
# is done, a has them.
rounds=$(sync_stat a rounds)
w b unfollow "$yk" || fail "unfollow failed"
wait_for 10 rounds_over "$rounds" || fail "a did not reconcile after unfollow"
ry4=$(publish_one y "Y four")
wait_for 10 has a "$ry4" || fail "a did not get y's fourth record"
rx2=$(publish_one a "X two")
wait_for 10 has b "$rx2" || fail "b did not get a's second record"
has b "$ry4" && fail "b got y's record after unfollowing y"

# One connection all along, and no protocol error on either side.
[ "$(grep -c ': connected (' "$T/b.log")" = 1 ] ||
    fail "b reconnected: $(grep ': connected (' "$T/b.log")"
grep -q "bad sync message" "$T/a.log" "$T/b.log" &&
    fail "a sync message was refused"
connected b 1 || fail "b lost its connection"
echo ok
