#!/bin/bash
# Credits over a three-generation remix chain with two parents, made on
# two nodes by two authors: A (CC-BY-4.0) and B (CC-BY-SA-4.0) by a; C a
# remix of both by b; D a remix of C by a. weft credits D lists all four
# with title, author, source, license, their remix edges and every change
# note, in text, Markdown and JSON; --rev picks an earlier revision; weft
# get writes the same Markdown to CREDITS.md (not with --no-credits);
# tree shows both parents.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
wait_for 10 connected a 1 || fail "a and b did not connect"
aauth=$(w a --json id | json 'j["author"]' /dev/stdin)
bauth=$(w b --json id | json 'j["author"]' /dev/stdin)

src() {
	local d="$T/src-$RANDOM$RANDOM"
	mkdir -p "$d"
	printf '%s %s\n' "$1" "$RANDOM" >"$d/part.scad"
	echo "$d"
}
A=$(w a -q publish "$(src base)" --title "Base plate" --license CC-BY-4.0)
w a -q update "$A" "$(src base2)" --message "rounder corners" >/dev/null ||
    fail "update of A"
B=$(w a -q publish "$(src hinge)" --title "Hinge" --license CC-BY-SA-4.0)
wait_for 10 has b "$A" && wait_for 10 has b "$B" || fail "b lacks A or B"
C=$(w b -q fork "$A" --also "$B" --title "Hinged plate") || fail "fork C"
C1=$C
C2=$(w b -q update "$C" "$(src holes)" --message "added screw holes") ||
    fail "update of C"
wait_for 10 has a "$C2" || fail "a lacks C's update"
D=$(w a -q fork "$C" --title "Hinged plate XL") || fail "fork D"
w a -q update "$D" "$(src xl)" --message "scaled to 150%" >/dev/null ||
    fail "update of D"

# b says who b is: credits name b beside b's key.
w b -q profile set --name "Bea Maker" >/dev/null || fail "profile"
wait_for 10 w a profile show "${bauth:0:16}" || fail "a lacks b's profile"

# JSON: four entries, D first, each with its license and notes.
w a --json credits "$D" >"$T/c.json"
chk() {
	[ "$(json "$1" "$T/c.json")" = True ] || fail "credits: $1: $(cat "$T/c.json")"
}
chk 'j["complete"] and len(j["credits"]) == 4'
chk 'j["credits"][0]["design"] == "'"$D"'" and j["credits"][0]["title"] == "Hinged plate XL"'
chk 'sorted(c["title"] for c in j["credits"]) == ["Base plate", "Hinge", "Hinged plate", "Hinged plate XL"]'
chk '{c["title"]: c["license"] for c in j["credits"]} == {"Base plate": "CC-BY-4.0", "Hinge": "CC-BY-SA-4.0", "Hinged plate": "CC-BY-SA-4.0", "Hinged plate XL": "CC-BY-SA-4.0"}'
chk '{c["title"]: c["author"] for c in j["credits"]} == {"Base plate": "'"$aauth"'", "Hinge": "'"$aauth"'", "Hinged plate": "'"$bauth"'", "Hinged plate XL": "'"$aauth"'"}'
chk 'sorted(m["message"] for c in j["credits"] for m in c["changes"]) == ["added screw holes", "rounder corners", "scaled to 150%"]'
chk '[len(c["remix_of"]) for c in j["credits"] if c["title"] == "Hinged plate"] == [2]'
chk '[c["design"] for c in j["credits"] if c["title"] == "Hinged plate"] == ["'"$C"'"]'
chk 'all(c["license_url"].startswith("https://creativecommons.org/") for c in j["credits"])'
chk 'not any(c["license_conflict"] for c in j["credits"])'
chk '{c["title"]: c["name"] for c in j["credits"]}["Hinged plate"] == "Bea Maker"'

# Text and Markdown name everything too.
w a credits "$D" >"$T/c.txt" || fail "credits (text)"
w a credits "$D" --format md >"$T/c.md" || fail "credits (md)"
for f in "$T/c.txt" "$T/c.md"; do
	for s in "Base plate" "Hinge" "Hinged plate" "rounder corners" \
	    "added screw holes" "scaled to 150%" "${aauth:0:16}" \
	    "${bauth:0:16}" "Bea Maker" "weft:$A@" "weft:$B@" "weft:$C@" \
	    "https://creativecommons.org/licenses/by-sa/4.0/"; do
		grep -qF "$s" "$f" || fail "$f lacks '$s': $(cat "$f")"
	done
done
head -1 "$T/c.md" | grep -q '^# Credits' || fail "md heading"

# An earlier revision of C: its later change note is not there yet.
w b --json credits "$C" --rev "$C1" >"$T/c1.json"
[ "$(json 'len(j["credits"]) == 3 and not any(m["message"] == "added screw holes" for c in j["credits"] for m in c["changes"])' "$T/c1.json")" = True ] ||
    fail "credits --rev: $(cat "$T/c1.json")"
expect_code 3 w a credits "$D" --rev "$A"
expect_code 2 w a credits "$D" --format xml

# weft get writes CREDITS.md, unless told not to.
w a -q get "$D" -o "$T/dl" >/dev/null || fail "get"
cmp "$T/c.md" "$T/dl/CREDITS.md" || fail "CREDITS.md differs from credits --format md"
w a -q get "$D" -o "$T/dl2" --no-credits >/dev/null || fail "get --no-credits"
[ ! -e "$T/dl2/CREDITS.md" ] || fail "--no-credits wrote CREDITS.md"

# tree draws both parents of C.
w b --json tree "$C" >"$T/tree.json"
[ "$(json 'sorted(s["design"] for s in j["sources"] if s["depth"] == 1) == sorted(["'"$A"'", "'"$B"'"])' "$T/tree.json")" = True ] ||
    fail "tree: $(cat "$T/tree.json")"
[ "$(json '{s["design"]: s["license"] for s in j["sources"]} == {"'"$A"'": "CC-BY-4.0", "'"$B"'": "CC-BY-SA-4.0"}' "$T/tree.json")" = True ] ||
    fail "tree licenses: $(cat "$T/tree.json")"
w b tree "$C" | grep -q "Hinge  \[CC-BY-SA-4.0\]" || fail "human tree: $(w b tree "$C")"
echo ok
