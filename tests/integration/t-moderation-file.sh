#!/bin/bash
# Labels on a file's content hash take effect (issue 12.5), between real
# weftd a - b, where b trusts a as a moderator: a's nsfw label on a file
# hides on b every design holding that file (two here) and no other;
# a's spam label on another file makes b refuse a design published
# with it afterwards, and hides the one stored before; a node that does
# not trust a (a itself) lists them all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

author_of() {
	w "$1" --json id | json 'j["author"]' /dev/stdin
}
listed() {
	w "$1" --json ls | grep -q "$2"
}
# pub NAME TITLE CONTENT...: a design of one file per CONTENT.
pub() {
	local d="$T/src-$1" i=0 c
	mkdir -p "$d"
	shift
	local title=$1
	shift
	for c in "$@"; do
		printf 'solid %s\nendsolid\n' "$c" >"$d/part$i.stl"
		i=$((i + 1))
	done
	w a -q publish "$d" --title "$title" --license mit
}
hash_of() {
	w a --json show "$1" | json 'j["files"][0]["hash"]' /dev/stdin
}

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
wait_for 10 connected b 1 || fail "b is not connected to a"
ax=$(author_of a)
w b -q moderators add "$ax" >/dev/null || fail "moderators add"

d1=$(pub 1 "One" shared) || fail "publish d1"
d2=$(pub 2 "Two" other shared) || fail "publish d2"
d3=$(pub 3 "Three" own) || fail "publish d3"
d4=$(pub 4 "Four" spammy) || fail "publish d4"
wait_for 10 has_all b "$d1" "$d2" "$d3" "$d4" || fail "b did not get them"
for d in "$d1" "$d2" "$d3" "$d4"; do
	listed b "$d" || fail "b does not list ${d:0:16} before any label"
done

hs=$(hash_of "$d1")
l1=$(w a -q label "$hs" nsfw --file) || fail "label the file"
wait_for 10 has b "$l1" || fail "b did not get the file label"
listed b "$d1" && fail "b lists a design holding a labelled file"
listed b "$d2" && fail "b lists the other design holding the file"
listed b "$d3" || fail "b hides a design without the file"
w b show "$d1" | grep -q "^moderation .*hidden: labelled nsfw .*(on the file)" ||
    fail "b's show does not say why: $(w b show "$d1")"
w b --json search Two | grep -q "$d2" && fail "b's search finds d2"
listed a "$d1" || fail "a hides though it trusts no moderator"

# spam blocks: the stored design is hidden, a new one refused.
hp=$(hash_of "$d4")
l2=$(w a -q label "$hp" spam --file) || fail "label spam"
wait_for 10 has b "$l2" || fail "b did not get the spam label"
listed b "$d4" && fail "b lists a design holding a spam file"
bl=$(sync_stat b blocked)
d5=$(pub 5 "Five" spammy more) || fail "publish d5"
d6=$(pub 6 "Six" fine) || fail "publish d6"
wait_for 10 has b "$d6" || fail "b did not get d6"
has b "$d5" && fail "b stored a design holding a file its moderator blocks"
[ "$(sync_stat b blocked)" -gt "$bl" ] || fail "b did not count the refusal"
listed b "$d6" || fail "b hides d6"
exit 0
