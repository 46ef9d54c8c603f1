#!/bin/bash
# A block takes out what is stored (issue 12.5), between real weftd a - b:
# b holds a's designs, a's comment and c's comment on a's design, and
# b's own comment on it. b blocks a's author: every record of a's, and
# what is on a's designs, leaves b's store; three reconciliation rounds
# with a, which still holds them, fetch none of them (b refuses nothing
# because it asks for nothing), and a's design published after the block
# is refused once and never asked for again. Unblocked, the records come
# back by sync. A design block takes out that design and what is on it
# and leaves the author's other designs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

export WEFT_SYNC_RECONCILE_MS=300
author_of() {
	w "$1" --json id | json 'j["author"]' /dev/stdin
}
# rounds_pass NAME N: waits for N more reconciliation rounds on NAME.
rounds_at_least() {
	[ "$(sync_stat "$1" rounds)" -ge "$2" ]
}
rounds_pass() {
	wait_for 30 rounds_at_least "$1" $(($(sync_stat "$1" rounds) + $2))
}
blocked_above() {
	[ "$(sync_stat "$1" blocked)" -gt "$2" ]
}

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
wait_for 10 connected b 1 || fail "b is not connected to a"
ax=$(author_of a)

d1=$(publish_one a "Gear")
d2=$(publish_one a "Wheel")
d0=$(publish_one b "Own")
wait_for 10 has_all b "$d1" "$d2" || fail "b did not get a's designs"
wait_for 10 has a "$d0" || fail "a did not get b's design"
c1=$(w a -q comment "$d1" "a's words") || fail "comment a"
c2=$(w b -q comment "$d1" "b's words") || fail "comment b"
c3=$(w a -q comment "$d0" "a on b's design") || fail "comment a on b"
l1=$(w b -q like "$d1") || fail "like b"
wait_for 10 has_all b "$c1" "$c3" || fail "b did not get a's comments"
wait_for 10 has_all a "$c2" "$l1" || fail "a did not get b's comment, like"
recs0=$(w b --json status | json 'j["records"]' /dev/stdin)

# The block: a's designs, a's comments, and b's own comment on a's
# design leave b's store; b's design stays.
w b -q block "$ax" >/dev/null || fail "block"
for id in "$d1" "$d2" "$c1" "$c2" "$c3" "$l1"; do
	has b "$id" && fail "b still stores ${id:0:16} of a blocked author"
done
has b "$d0" || fail "b lost its own design"
grep -q "moderation: author blocked: records deleted [1-9]" "$T/b.log" ||
    fail "b did not log the records it deleted"
[ "$(w b --json status | json 'j["records"]' /dev/stdin)" -lt "$recs0" ] ||
    fail "b's record count did not fall"

# Three rounds with a, which holds them all: nothing is fetched.
bl=$(sync_stat b blocked)
st=$(sync_stat b stored)
rounds_pass b 3 || fail "b ran no three rounds"
[ "$(sync_stat b blocked)" = "$bl" ] ||
    fail "b fetched and refused $(($(sync_stat b blocked) - bl)) blocked records in three rounds"
[ "$(sync_stat b stored)" = "$st" ] || fail "b stored records of a"
for id in "$d1" "$c1"; do
	has b "$id" && fail "${id:0:16} came back while blocked"
done

# A new design of a's is refused once (pushed), then never asked for.
d3=$(publish_one a "Pulley")
wait_for 10 blocked_above b "$bl" ||
    fail "b was not offered a's new design"
bl=$(sync_stat b blocked)
rounds_pass b 3 || fail "b ran no three rounds after d3"
[ "$(sync_stat b blocked)" = "$bl" ] ||
    fail "b asked again for a blocked design it had refused"
has b "$d3" && fail "b stored a blocked author's new design"
# Nor does anyone's new comment on a's design, which b no longer has.
start_node c --listen 127.0.0.1:0 --peer "$(addr a)"
wait_for 10 has c "$d1" || fail "c did not get a's design"
bl=$(sync_stat b blocked)
c4=$(w c -q comment "$d1" "c's words") || fail "comment c"
wait_for 10 blocked_above b "$bl" || fail "b was not offered c's comment"
has b "$c4" && fail "b stored a comment on a blocked author's design"

# Unblocked: everything comes back by sync.
w b -q unblock "$ax" >/dev/null || fail "unblock"
wait_for 30 has_all b "$d1" "$d2" "$d3" "$c1" "$c2" "$c3" "$l1" ||
    fail "a's records did not come back after the unblock"

# A design block: d1 and what is on it go, d2 stays.
w b -q block "$d1" >/dev/null || fail "block design"
w b blocks | grep -q "design $d1" || fail "blocks does not list d1"
for id in "$d1" "$c1" "$c2" "$l1"; do
	has b "$id" && fail "b still stores ${id:0:16} of a blocked design"
done
has_all b "$d2" "$d3" "$c3" || fail "a design block took other records"
bl=$(sync_stat b blocked)
rounds_pass b 3 || fail "b ran no three rounds after the design block"
[ "$(sync_stat b blocked)" = "$bl" ] ||
    fail "b fetched records of a blocked design"
w b -q unblock "$d1" >/dev/null || fail "unblock design"
wait_for 30 has_all b "$d1" "$c1" "$c2" "$l1" ||
    fail "d1 did not come back after the unblock"
exit 0
