#!/bin/bash
# Moderation between real weftd (issue 12.5), along a chain a - b - c:
# b blocks a's author: a's new design never enters b's store nor, through
# b, c's, and a's old one leaves b's ls and its files b's disk; unblocked, it flows again. A
# label by a hides a design on c, which trusts a as a moderator, and on
# no other node; b lists it as a report. b blocks c's node: c is dropped
# and refused when it dials again. A hostile peer's label is stored but
# changes nothing on a node that does not trust it; its forged label
# (reason changed after signing) is rejected and counts against it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

: "${HOSTILE_BIN:=$(dirname "$WEFT_BIN")/tests/hostile/hostile-peer}"
[ -x "$HOSTILE_BIN" ] || fail "no hostile-peer at $HOSTILE_BIN"

author_of() {
	w "$1" --json id | json 'j["author"]' /dev/stdin
}
# listed NODE DESIGN: ls on NODE shows DESIGN.
listed() {
	w "$1" --json ls | grep -q "$2"
}

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
# c's config makes one namespaced label hide (by default they do nothing).
mkdir -m 700 "$T/c"
printf 'label-action = org.example/needs-review:hide\n' >"$T/c/config"
mkdir -m 700 "$T/bad"
for v in nsfw:shout Spam:block nsfw org/x:hide; do
	printf 'label-action = %s\n' "$v" >"$T/bad/config"
	expect_code 1 "$WEFTD_BIN" --home "$T/bad" --check-config
done
start_node c --listen 127.0.0.1:0 --peer "$(addr b)"
wait_for 10 connected b 2 || fail "b is not connected to a and c"
ax=$(author_of a)

d1=$(publish_one a "Gear")
wait_for 10 has c "$d1" || fail "c did not get a's design"
listed b "$d1" || fail "b does not list d1"

# b holds d1's files (a get keeps them): the block deletes them at once.
chunks() {
	w "$1" --json status | json 'j["chunks"]' /dev/stdin
}
c0=$(chunks b)
w b -q get "$d1" -o "$T/b-d1" >/dev/null || fail "b cannot get d1"
[ "$(chunks b)" -gt "$c0" ] || fail "b holds no chunk of d1"

# Blocking a's author on b: at once out of b's ls.
expect_code 2 w b block
expect_code 3 w b block 0123456789abcdef
w b -q block "${ax:0:12}" --reason "spam flood" >/dev/null ||
    fail "block"
w b blocks | grep -q "author $ax" || fail "blocks does not list a"
w b blocks | grep -q "spam flood" || fail "blocks lost the reason"
[ "$(chunks b)" -eq "$c0" ] ||
    fail "b kept a blocked author's files: $(chunks b) chunks, was $c0"
grep -q "moderation: author blocked: files no longer kept 1," "$T/b.log" ||
    fail "b did not log the deleted files"
listed b "$d1" && fail "b still lists a blocked author's design"
# d1 was deleted with its author's other records: show says why.
expect_code 3 w b show "$d1"
w b show "$d1" 2>&1 | grep -q "not kept here: blocked here (author ${ax:0:16})" ||
    fail "b's show does not say d1's author is blocked: $(w b show "$d1" 2>&1)"
# b's own author cannot be blocked on b.
expect_code 2 w b block "$(author_of b)"

# a's new design is refused by b, so c never gets it either: c's
# design after it goes round to a through b, so b has seen a's push.
d2=$(publish_one a "Blocked gear")
d3=$(publish_one c "Bracket")
wait_for 10 has a "$d3" || fail "c's design did not reach a through b"
has b "$d2" && fail "b stored a blocked author's design"
has c "$d2" && fail "c got a blocked author's design through b"
# Nor does a comment of a's on c's design enter b.
w a -q comment "$d3" "blocked words" >/dev/null || fail "comment"
d4=$(publish_one c "Clip")
wait_for 10 has a "$d4" || fail "c's second design did not reach a"
[ "$(w b --json comments "$d3" | json 'len(j["comments"])' /dev/stdin)" = 0 ] ||
    fail "b stored a blocked author's comment"

# Unblocked, a's records come in again.
expect_code 3 w b unblock 0123456789abcdef
w b -q unblock "${ax:0:8}" >/dev/null || fail "unblock"
[ -z "$(w b -q blocks)" ] || fail "blocks not empty after unblock"
wait_for 30 has c "$d2" || fail "d2 did not reach c after the unblock"
wait_for 10 listed b "$d1" || fail "b does not list d1 after the unblock"

# A moderator's label: c trusts a, b does not.
w c -q moderators add "$ax" >/dev/null || fail "moderators add"
w c -q moderators | grep -q "$ax" || fail "moderators ls"
expect_code 2 w a label "$d4" not-a-label
lab=$(w a -q label "$d4" nsfw --reason "not for work") || fail "label"
wait_for 10 has c "$lab" || fail "c did not get the label"
wait_for 10 has b "$lab" || fail "b did not get the label"
listed c "$d4" && fail "c lists a design its moderator hid"
w c show "$d4" | grep -q "^moderation .*hidden: labelled nsfw by moderator ${ax:0:16} (on the design)" ||
    fail "c's show does not say why d4 is hidden: $(w c show "$d4")"
[ "$(w c --json show "$d4" | json 'j["moderation"][:6]' /dev/stdin)" = hidden ] ||
    fail "c's show --json lacks moderation"
w b show "$d4" | grep -q "^moderation" && fail "b's show says d4 is hidden"
w c --json search Clip | grep -q "$d4" && fail "c finds a hidden design"
listed b "$d4" || fail "b hides a design though it trusts no moderator"
listed a "$d4" || fail "a hides a design though it trusts no moderator"
w b -q reports | grep -q "$lab" || fail "b does not list the report"
w c -q reports | grep -q "$lab" && fail "c lists its moderator's label as a report"
# A node interested only in c's designs gets a's labels on them once it
# trusts a: the moderator's scope joins its interests at once.
cx=$(author_of c)
WEFT_SYNC_INTERESTS="author:$cx" start_node d --listen 127.0.0.1:0 \
    --peer "$(addr b)"
wait_for 10 has d "$d4" || fail "d did not get c's design"
listed d "$d4" || fail "d hides d4 before trusting anyone"
w d -q moderators add "$ax" >/dev/null || fail "d: moderators add"
wait_for 20 has d "$lab" || fail "d did not get its moderator's label"
listed d "$d4" && fail "d lists a design its moderator hid"

# The config's label-action: a namespaced label hides on c only.
listed c "$d3" || fail "c does not list its own d3"
nr=$(w a -q label "$d3" org.example/needs-review) || fail "label ns"
wait_for 10 has c "$nr" || fail "c did not get the namespaced label"
listed c "$d3" && fail "c lists a design its config hides by label"
wait_for 10 has b "$nr" || fail "b did not get the namespaced label"
listed b "$d3" || fail "b hides a design by a namespaced label"
# Dropping the moderator drops the effect of their labels.
w c -q moderators rm "$ax" >/dev/null || fail "moderators rm"
expect_code 3 w c moderators rm "$ax"
wait_for 10 listed c "$d4" || fail "c still hides after dropping a"

# A stranger's label and a forged one, pushed to a with two other bad
# records: the label is stored (a report) and hides nothing; the forged
# label is rejected like the others and the peer closed for them.
rej=$(sync_stat a rejected)
rc=0
"$HOSTILE_BIN" --timeout 20 "$(addr a)" "label=$d4" "forgedlabel=$d4" \
    forged otherkey >"$T/hostile.out" 2>"$T/hostile.err" || rc=$?
[ "$rc" -eq 0 ] || fail "hostile-peer exited $rc: $(cat "$T/hostile.err")"
grep -q "^dropped: \|^closed: " "$T/hostile.out" ||
    fail "a did not close the hostile peer: $(cat "$T/hostile.out")"
hl=$(awk '$1 == "label" { print $2 }' "$T/hostile.out")
fl=$(awk '$1 == "forgedlabel" { print $2 }' "$T/hostile.out")
wait_for 10 has a "$hl" || fail "a did not store the stranger's label"
expect_code 3 w a show "$fl"
[ "$(sync_stat a rejected)" = $((rej + 3)) ] ||
    fail "a rejected $(sync_stat a rejected) records, expected $((rej + 3))"
grep -q "rejected record ${fl:0:16}: " "$T/a.log" ||
    fail "a did not log why it rejected the forged label"
listed a "$d4" || fail "a stranger's spam label hid a design"
w a -q reports | grep -q "$hl" || fail "a does not list the stranger's report"

# A blocked node is dropped at once and refused at its next handshake.
# open_with NODE ID: NODE has an open connection with node ID.
open_with() {
	w "$1" --json peers | json 'any(p["node"] == "'"$2"'" and
	    p["state"] == "open" for p in j)' /dev/stdin | grep -qx True
}
cn=$(node_id c)
open_with b "$cn" || fail "b is not connected to c"
w b -q block --node "$cn" >/dev/null || fail "block node"
open_with b "$cn" && fail "b did not drop the blocked node"
w c -q connect "$(addr b)" >/dev/null 2>&1 || true
wait_for 10 grep -q "node is blocked here" "$T/b.log" ||
    fail "b did not refuse the blocked node at its handshake"
open_with b "$cn" && fail "b let the blocked node in"
exit 0
