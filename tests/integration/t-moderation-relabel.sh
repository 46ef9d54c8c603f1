#!/bin/bash
# Label policy changes and removal labels (issue 12.5) between real
# weftd. b and c trust moderator m; b dials a (the publisher), m, c and
# u. m labels a's design nsfw: hidden on b and c, still stored. b
# restarted with "label-action = nsfw:block" purges the stored design;
# restarted with nsfw:hide again it gets it back by sync, still hidden.
# A removal label by u (no moderator) changes nothing; a forged removal
# label in m's name is rejected; m's own removal lists the design again
# on b and c. Then m labels it spam (b and c delete it) and withdraws
# that with a removal: it comes back on both by sync.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

: "${HOSTILE_BIN:=$(dirname "$WEFT_BIN")/tests/hostile/hostile-peer}"
[ -x "$HOSTILE_BIN" ] || fail "no hostile-peer at $HOSTILE_BIN"

export WEFT_SYNC_RECONCILE_MS=300
author_of() {
	w "$1" --json id | json 'j["author"]' /dev/stdin
}
# listed NODE DESIGN: ls on NODE shows DESIGN.
listed() {
	w "$1" --json ls | grep -q "$2"
}
not_listed() {
	! listed "$@"
}
both_listed() {
	listed b "$1" && listed c "$1"
}
gone() {
	! has "$1" "$2"
}
# above NODE KEY N: the node's sync counter KEY is above N.
above() {
	[ "$(sync_stat "$1" "$2")" -gt "$3" ]
}

start_node a --listen 127.0.0.1:0
start_node m --listen 127.0.0.1:0
start_node c --listen 127.0.0.1:0
start_node u --listen 127.0.0.1:0
peers="--peer $(addr a) --peer $(addr m) --peer $(addr c) --peer $(addr u)"
# shellcheck disable=SC2086
start_node b --listen 127.0.0.1:0 $peers
bpid=$NODE_PID
wait_for 10 connected b 4 || fail "b did not connect to a, m, c and u"
mx=$(author_of m)
w b -q moderators add "$mx" >/dev/null || fail "moderators add on b"
w c -q moderators add "$mx" >/dev/null || fail "moderators add on c"

d=$(publish_one a "Labelled") || fail "publish"
wait_for 10 has_all b "$d" || fail "b did not get the design"
wait_for 10 has_all c "$d" || fail "c did not get the design"
wait_for 10 has_all m "$d" || fail "m did not get the design"

# nsfw hides by default: stored, not listed.
ln=$(w m -q label "$d" nsfw --design) || fail "label nsfw"
wait_for 10 has b "$ln" || fail "b did not get the label"
wait_for 10 has c "$ln" || fail "c did not get the label"
wait_for 10 not_listed b "$d" || fail "b lists a design m hides"
wait_for 10 not_listed c "$d" || fail "c lists a design m hides"
has b "$d" || fail "a hide label deleted the design on b"

# Restarted with nsfw blocking: the stored design goes.
stop_node "$bpid"
printf 'label-action = nsfw:block\n' >"$T/b/config"
# shellcheck disable=SC2086
start_node b --listen 127.0.0.1:0 $peers
bpid=$NODE_PID
wait_for 10 gone b "$d" || fail "b kept a design its new policy blocks"
grep -q "moderation: the label policy changed: 1 labels to act on again" \
    "$T/b.log" || fail "b did not log the policy change"
grep -q "moderation: design ${d:0:16} blocked by moderator ${mx:0:16}'s label nsfw: records deleted [1-9]" \
    "$T/b.log" || fail "b did not log the purge: $(grep moderation "$T/b.log")"
has c "$d" || fail "c lost the design: its policy did not change"
wait_for 10 connected b 4 || fail "b did not reconnect"
rounds=$(sync_stat b rounds)
wait_for 30 above b rounds $((rounds + 2)) ||
    fail "b ran no three rounds"
has b "$d" && fail "the blocked design came back on b"

# Restarted with nsfw hiding again: it comes back by sync, hidden.
stop_node "$bpid"
printf 'label-action = nsfw:hide\n' >"$T/b/config"
# shellcheck disable=SC2086
start_node b --listen 127.0.0.1:0 $peers
bpid=$NODE_PID
wait_for 30 has b "$d" ||
    fail "the design did not come back when nsfw hid again"
listed b "$d" && fail "b lists the design nsfw still hides"
# The same policy again: nothing to redo.
n=$(grep -c "the label policy changed" "$T/b.log")
stop_node "$bpid"
# shellcheck disable=SC2086
start_node b --listen 127.0.0.1:0 $peers
bpid=$NODE_PID
[ "$(grep -c "the label policy changed" "$T/b.log")" = "$n" ] ||
    fail "b acted again on an unchanged policy"
wait_for 10 connected b 4 || fail "b did not reconnect"

# A removal label by u, who is nobody's moderator: a report.
ur=$(w u -q label "$d" nsfw --design --remove) || fail "u's removal"
wait_for 10 has b "$ur" || fail "b did not get u's removal label"
wait_for 10 has c "$ur" || fail "c did not get u's removal label"
w b -q reports | grep -q "${ur:0:16}\|weft.not/nsfw" ||
    fail "b does not list u's removal as a report"
listed b "$d" && fail "u's removal label showed the design on b"
listed c "$d" && fail "u's removal label showed the design on c"

# A removal label in m's name, forged: m's nsfw label with its value
# made weft.not/nsfw and the old signature kept.
w m show --raw "$ln" >"$T/ln.env" || fail "show --raw"
/usr/bin/python3 - "$T/ln.env" "$T/forged.env" <<'PY'
import sys
import msgpack
body, sig = msgpack.unpackb(open(sys.argv[1], "rb").read())
old = b"\xa5label\xa4nsfw"
assert body.count(old) == 1
body = body.replace(old, b"\xa5label\xadweft.not/nsfw")
open(sys.argv[2], "wb").write(msgpack.packb([body, sig], use_bin_type=True))
PY
rej=$(sync_stat b rejected)
rc=0
# One bad record is below the penalty that closes a peer: the peer
# stays until its timeout (exit 3) or is closed (0).
"$HOSTILE_BIN" --timeout 5 "$(addr b)" "envfile=$T/forged.env" \
    >"$T/hostile.out" 2>"$T/hostile.err" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] ||
    fail "hostile-peer exited $rc: $(cat "$T/hostile.err")"
fid=$(awk '$1 == "envfile" { print $2 }' "$T/hostile.out")
[ -n "$fid" ] || fail "hostile-peer sent nothing: $(cat "$T/hostile.out")"
wait_for 10 above b rejected "$rej" ||
    fail "b did not reject the forged removal label"
expect_code 3 w b show "$fid"
listed b "$d" && fail "a forged removal label showed the design"

# What has no removal label: a removal, a label past 55 bytes; a report.
expect_code 2 w m label "$d" weft.not/nsfw --design --remove
long=org.example/$(printf 'x%.0s' $(seq 1 44))
expect_code 2 w m label "$d" "$long" --design --remove
expect_code 2 w m report "$d" --label nsfw --design --remove

# m's own removal: listed again on b and c.
mr=$(w m -q label "$d" nsfw --design --remove --reason "reviewed") ||
    fail "m's removal"
w m --json show "$mr" | grep -q '"weft.not/nsfw"' ||
    fail "m's removal is not the label weft.not/nsfw"
wait_for 10 both_listed "$d" ||
    fail "m's removal label did not list the design on b and c"

# A label that blocks, withdrawn: back on b and c by sync.
ls_=$(w m -q label "$d" spam --design) || fail "label spam"
wait_for 10 gone b "$d" || fail "b kept the design m labelled spam"
wait_for 10 gone c "$d" || fail "c kept the design m labelled spam"
ms=$(w m -q label "$d" spam --design --remove) || fail "m withdraws spam"
wait_for 10 has b "$ms" || fail "b did not get m's removal of spam"
wait_for 30 has b "$d" || fail "the design did not come back on b"
wait_for 30 has c "$d" || fail "the design did not come back on c"
wait_for 10 both_listed "$d" || fail "the design is not listed again"
has b "$ls_" || fail "the spam label itself is gone from b"
exit 0
