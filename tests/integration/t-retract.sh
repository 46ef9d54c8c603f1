#!/bin/bash
# Retraction along a chain a - b - c (b and c mirror everything, so each
# holds every file): a publishes a design S (two revisions) whose one
# file it shares with another design K, puts both in a library, then
# retracts S. On all three S and its revisions leave ls, search and the
# library, a lookup says "retracted" with the reason (exit 3), S's own
# chunks are deleted and K's, the shared file included, are kept (K
# still downloads byte for byte). Then a hostile peer offers c S's two
# revisions again (the envelopes c held before) and a retract of K by
# another author: c refuses all three, stores none and closes the peer.
# Last, a comment c wrote on K, deleted with weft comment --delete,
# leaves the comments of all three, and a may not delete c's comment.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

: "${HOSTILE_BIN:=$(dirname "$WEFT_BIN")/tests/hostile/hostile-peer}"
[ -x "$HOSTILE_BIN" ] || fail "no hostile-peer at $HOSTILE_BIN"

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
start_node c --listen 127.0.0.1:0 --peer "$(addr b)"
wait_for 10 connected b 2 || fail "b is not connected to a and c"
w b -q mirror --all >/dev/null || fail "b mirror"
w c -q mirror --all >/dev/null || fail "c mirror"

mkdir -p "$T/s" "$T/k" "$T/s2"
head -c 300000 /dev/urandom >"$T/s/secret.bin"
head -c 200000 /dev/urandom >"$T/s/shared.stl"
cp "$T/s/shared.stl" "$T/k/shared.stl"
echo "cube();" >"$T/k/part.scad"
s=$(w a -q publish "$T/s" --title "Leaky design" --license mit) ||
    fail "publish s"
k=$(w a -q publish "$T/k" --title "Kept design" --license mit) ||
    fail "publish k"
cp "$T/s/"* "$T/s2/" && echo "v2" >"$T/s2/notes.txt"
s2=$(w a -q update "$s" "$T/s2" --message v2) || fail "update s"
lib=$(w a -q library create "Shelf") || fail "library create"
w a -q library add "$lib" "$s" >/dev/null || fail "library add s"
w a -q library add "$lib" "$k" >/dev/null || fail "library add k"

status_of() {
	w "$1" --json status | json 'j["'"$2"'"]' /dev/stdin
}
# complete NAME: the node holds every chunk a holds.
complete() {
	[ "$(status_of "$1" chunk_bytes)" = "$(status_of a chunk_bytes)" ] &&
	    [ "$(w "$1" --json status | json 'j["missing"]["files"]' \
	    /dev/stdin)" = 0 ]
}
for n in b c; do
	wait_for 20 has_all "$n" "$s" "$k" "$s2" "$lib" ||
	    fail "$n lacks a design"
	wait_for 30 complete "$n" || fail "$n did not fetch every file"
done
bytes_before=$(status_of c chunk_bytes)
w c show --raw "$s" >"$T/s.env" || fail "c show --raw"
w c show --raw "$s2" >"$T/s2.env" || fail "c show --raw"

# The retraction, signed on a, reaches b and c.
w a retract "$s" --reason "Published by mistake" >"$T/retract.out" ||
    fail "retract: $(cat "$T/retract.out")"
grep -q "^retracted " "$T/retract.out" || fail "retract said: $(cat \
    "$T/retract.out")"
gone() {
	! has "$1" "$s" && ! has "$1" "$s2"
}
for n in a b c; do
	wait_for 20 gone "$n" || fail "$n still has the retracted design"
done
# purged NAME: S's own bytes (300 kB and more) left the store.
purged() {
	[ "$(status_of "$1" chunk_bytes)" -le $((bytes_before - 300000)) ]
}
for n in a b c; do
	wait_for 20 purged "$n" || fail "$n kept the files: \
$(status_of "$n" chunk_bytes) of $bytes_before bytes"
	for id in "$s" "$s2"; do
		rc=0
		w "$n" show "$id" >/dev/null 2>"$T/show.err" || rc=$?
		[ "$rc" = 3 ] || fail "$n: show of a retracted id exited $rc"
		grep -q "reason: Published by mistake): retracted" \
		    "$T/show.err" || fail "$n: show said $(cat "$T/show.err")"
	done
	# The web page and API say so too: 410, with the reason.
	if command -v curl >/dev/null; then
		u="http://$(status_of "$n" web)"
		code=$(curl -sS -o "$T/page" -w '%{http_code}' "$u/d/$s")
		[ "$code" = 410 ] && grep -q "retracted (reason: Published by \
mistake)" "$T/page" || fail "$n: web page of a retracted design: $code"
		code=$(curl -sS -o "$T/page" -w '%{http_code}' \
		    "$u/api/design/${s2:0:12}")
		[ "$code" = 410 ] && grep -q '"retracted (reason: Published' \
		    "$T/page" || fail "$n: API of a retracted revision: $code"
	fi
	w "$n" --json ls >"$T/ls.json"
	[ "$(json '"'"$s"'" in str(j)' "$T/ls.json")" = False ] ||
	    fail "$n still lists the retracted design"
	[ "$(json '"'"$k"'" in str(j)' "$T/ls.json")" = True ] ||
	    fail "$n lost the kept design"
	w "$n" --json library ls "$lib" >"$T/lib.json" ||
	    fail "$n: library ls failed after the retraction"
	[ "$(json '"'"$s"'" in str(j)' "$T/lib.json")" = False ] &&
	    [ "$(json '"'"$k"'" in str(j)' "$T/lib.json")" = True ] ||
	    fail "$n: the library lists $(cat "$T/lib.json")"
	w "$n" --json search leaky >"$T/search.json"
	[ "$(json '"'"$s"'" in str(j)' "$T/search.json")" = False ] ||
	    fail "$n still finds the design: $(cat "$T/search.json")"
	w "$n" --json search kept >"$T/search.json"
	[ "$(json '"'"$k"'" in str(j)' "$T/search.json")" = True ] ||
	    fail "$n no longer finds the kept design"
	rm -rf "$T/got-$n"
	expect_code 0 w "$n" get "$k" -o "$T/got-$n"
	cmp "$T/k/shared.stl" "$T/got-$n/shared.stl" ||
	    fail "$n: the shared file of the kept design differs"
	w "$n" verify >/dev/null || fail "$n's store does not verify"
done
# Nothing of the secret file is left on c: its one chunk list is gone.
[ "$(status_of c chunk_bytes)" = "$(status_of a chunk_bytes)" ] ||
    fail "a and c hold different bytes after the purge"

# A hostile peer offers c the retracted revisions again, and a retract
# of a's kept design by its own author: all refused, the peer closed.
rejected_before=$(sync_stat c rejected)
rc=0
"$HOSTILE_BIN" --timeout 20 "$(addr c)" "envfile=$T/s.env" \
    "envfile=$T/s2.env" "retract=$k" \
    >"$T/hostile.out" 2>"$T/hostile.err" || rc=$?
[ "$rc" -eq 0 ] || { grep -i "reject\|peer" "$T/c.log" | tail -5; fail "hostile-peer exited $rc: $(cat "$T/hostile.err" \
    "$T/hostile.out")"; }
grep -q "^dropped: \|^closed: " "$T/hostile.out" ||
    fail "c did not close the hostile peer: $(cat "$T/hostile.out")"
forged=$(awk '$1 == "retract" { print $2 }' "$T/hostile.out")
[ ${#forged} -eq 64 ] || fail "no retract id: $(cat "$T/hostile.out")"
[ "$(sync_stat c rejected)" = $((rejected_before + 3)) ] ||
    fail "c rejected $(sync_stat c rejected) records, expected \
$((rejected_before + 3))"
expect_code 3 w c show "$s"
expect_code 3 w c show "$forged"
has c "$k" || fail "a stranger's retract took the kept design from c"
grep -q "rejected record ${s:0:16}: .*retracted" "$T/c.log" ||
    fail "c did not log why it refused the offer: $(grep rejected \
"$T/c.log")"

# A comment made on c, then deleted there, leaves every node.
cm=$(w c -q comment "$k" "a comment to take back") || fail "comment"
for n in a b; do
	wait_for 20 has "$n" "$cm" || fail "$n did not get the comment"
done
w c -q comment --delete "$cm" >/dev/null || fail "comment --delete"
no_comment() {
	[ "$(w "$1" --json comments "$k" | json 'len(j["comments"])' \
	    /dev/stdin)" = 0 ] && ! has "$1" "$cm"
}
for n in a b c; do
	wait_for 20 no_comment "$n" || fail "$n still shows the comment: \
$(w "$n" --json comments "$k")"
done
# Not another author's: a may not delete c's comment (it has none now,
# so take a's own design's comment by c: refused before signing).
cm2=$(w c -q comment "$k" "stays") || fail "comment 2"
wait_for 20 has a "$cm2" || fail "a did not get the second comment"
expect_code 1 w a comment --delete "$cm2"
has c "$cm2" || fail "c lost the comment a may not delete"
echo ok
