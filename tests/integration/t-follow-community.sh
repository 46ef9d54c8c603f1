#!/bin/bash
# A follower gets what others made of the followed author's designs
# (issue 12.7): f follows only a (its interests name a's scope alone),
# through a hub h that keeps everything. c comments on and likes a's
# design: f gets both, by push and by reconciliation (f joins after they
# were made, so a round brings what it missed); c's own design, not a's,
# does not reach f.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

export WEFT_SYNC_RECONCILE_MS=500
author_of() {
	w "$1" --json id | json 'j["author"]' /dev/stdin
}

start_node h --listen 127.0.0.1:0
start_node a --listen 127.0.0.1:0 --peer "$(addr h)"
start_node c --listen 127.0.0.1:0 --peer "$(addr h)"
wait_for 10 connected h 2 || fail "h is not connected to a and c"
ax=$(author_of a)

d1=$(publish_one a "Gear")
wait_for 10 has c "$d1" || fail "c did not get a's design"
c1=$(w c -q comment "$d1" "nice gear") || fail "comment"
l1=$(w c -q like "$d1") || fail "like"
dc=$(publish_one c "Other")
wait_for 10 has_all h "$c1" "$l1" "$dc" || fail "h did not get c's records"

# f comes late: a round over a's scope brings the comment and the like.
WEFT_SYNC_INTERESTS="author:$ax" start_node f --listen 127.0.0.1:0 \
    --peer "$(addr h)"
w f -q follow "$ax" >/dev/null || fail "follow"
wait_for 20 has f "$d1" || fail "f did not get the followed design"
wait_for 20 has_all f "$c1" "$l1" ||
    fail "f did not get c's comment and like on a's design"
# And by push: a new comment reaches f without a round's wait.
c2=$(w c -q comment "$d1" "still nice") || fail "comment 2"
wait_for 20 has f "$c2" || fail "f did not get c's new comment"
has f "$dc" && fail "f got a design of an author it does not follow"
[ "$(w f --json comments "$d1" | json 'len(j["comments"])' /dev/stdin)" = 2 ] ||
    fail "f does not list the two comments"
exit 0
