#!/bin/bash
# A misbehaving peer (tests/hostile/hostile-peer: a real session over TCP
# with its own node and author keys) pushes to a real weftd, in one sync
# "push", a valid genesis of its own, then a forged record (body changed
# after signing), one signed by a key other than its "author", an entry
# adding a design to a library by a non-maintainer, a maint record
# making the non-maintainer a maintainer, a revision of
# another author's design, and a revision whose file path is
# "../escape.stl". The node keeps the valid record, stores none of the
# others, counts them as rejected, closes the peer (logging why), and
# everything it had is intact: designs, library, log, files, verify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

: "${HOSTILE_BIN:=$(dirname "$WEFT_BIN")/tests/hostile/hostile-peer}"
[ -x "$HOSTILE_BIN" ] || fail "no hostile-peer at $HOSTILE_BIN"

start_node a --listen 127.0.0.1:0
mkdir -p "$T/src"
head -c 200000 /dev/urandom >"$T/src/body.stl"
echo "cube();" >"$T/src/part.scad"
d=$(w a -q publish "$T/src" --title "Honest" --license mit) ||
    fail "publish failed"
lib=$(w a -q library create "Curated") || fail "library create failed"
w a -q library add "$lib" "$d" >/dev/null || fail "library add failed"
w a --json ls >"$T/ls-before.json"
w a --json library ls "$lib" >"$T/lib-before.json"
records_before=$(w a --json status | json 'j["records"]' /dev/stdin)

# The push. hostile-peer prints "MODE ID" per record, then how the
# daemon left: it must close the connection, not time out.
rc=0
"$HOSTILE_BIN" --timeout 20 "$(addr a)" valid forged otherkey \
    "nonmaint=$lib:$d" "otherauthor=$d" badpath "nonmaintchange=$lib" \
    >"$T/hostile.out" \
    2>"$T/hostile.err" || rc=$?
[ "$rc" -eq 0 ] || fail "hostile-peer exited $rc: $(cat "$T/hostile.err" \
    "$T/hostile.out")"
grep -q "^dropped: \|^closed: " "$T/hostile.out" ||
    fail "a did not close the hostile peer: $(cat "$T/hostile.out")"
id_of() {
	awk -v m="$1" '$1 == m { print $2 }' "$T/hostile.out"
}
valid=$(id_of valid)
[ ${#valid} -eq 64 ] || fail "no valid id: $(cat "$T/hostile.out")"

# The valid record of the same push is taken; each invalid one is not.
wait_for 10 has a "$valid" || fail "a lost the valid record of the push"
for m in forged otherkey nonmaint nonmaintchange otherauthor badpath; do
	id=$(id_of "$m")
	[ ${#id} -eq 64 ] || fail "no id for $m"
	expect_code 3 w a show "$id"
done
[ "$(sync_stat a rejected)" = 6 ] ||
    fail "a rejected $(sync_stat a rejected) records, expected 6"
[ "$(sync_stat a stored)" = 1 ] ||
    fail "a stored $(sync_stat a stored) records, expected 1"
grep -q "sync: sent invalid records" "$T/a.log" ||
    fail "a did not log why it closed the peer"
# And why it rejected each record (a few lines per peer are allowed:
# five, so the maint record's line may be skipped).
for m in forged otherkey nonmaint otherauthor badpath; do
	id=$(id_of "$m")
	grep -q "rejected record ${id%"${id#????????????????}"}: " "$T/a.log" ||
	    fail "a did not log why it rejected $m: $(grep rejected "$T/a.log")"
done
wait_for 10 connected a 0 || fail "a still holds the hostile peer"

# Nothing valid was lost or changed.
[ "$(w a --json status | json 'j["records"]' /dev/stdin)" = \
    $((records_before + 1)) ] || fail "record count changed"
w a --json library ls "$lib" >"$T/lib-after.json"
cmp -s "$T/lib-before.json" "$T/lib-after.json" ||
    fail "the library changed: $(cat "$T/lib-after.json")"
[ "$(w a --json log "$d" | json 'len(j["revisions"])' /dev/stdin)" = 1 ] ||
    fail "the design gained a revision: $(w a --json log "$d")"
w a --json ls >"$T/ls-after.json"
[ "$(json '"'"$d"'" in str(j)' "$T/ls-after.json")" = True ] ||
    fail "ls lost the design"
expect_code 0 w a get "$d" -o "$T/got"
cmp "$T/src/body.stl" "$T/got/body.stl" || fail "body.stl differs"
cmp "$T/src/part.scad" "$T/got/part.scad" || fail "part.scad differs"
w a verify >/dev/null || fail "a's store does not verify"
echo ok
