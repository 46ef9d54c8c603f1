#!/bin/bash
# Labels that block, and latest wins per label (issue 12.5), between real
# weftd. b, a community mirror, trusts moderator m. m labels a's author
# "spam": b deletes a's records (design, comment, geometry record) and
# the files it held, and three reconciliation rounds with a, which still
# holds them, fetch none of them. m retracts the label: b gets them back
# by sync. The same with a label on the design. Then one moderator key signs two labels of one name on one
# target on two nodes (p, then q, with a newer reason); x meets q first,
# y meets p first: both keep the newer label alone in force.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

export WEFT_SYNC_RECONCILE_MS=300
author_of() {
	w "$1" --json id | json 'j["author"]' /dev/stdin
}
rounds_at_least() {
	[ "$(sync_stat "$1" rounds)" -ge "$2" ]
}
rounds_pass() {
	wait_for 30 rounds_at_least "$1" $(($(sync_stat "$1" rounds) + $2))
}
has_none() {
	local n=$1 id
	shift
	for id in "$@"; do
		has "$n" "$id" && return 1
	done
	return 0
}

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
start_node m --peer "$(addr b)"
wait_for 10 connected b 2 || fail "a and m did not connect to b"
ax=$(author_of a)
mx=$(author_of m)

# A design with a mesh (so a geometry record), a comment on it.
mkdir -p "$T/box"
python3 - "$T/box/box.stl" <<'PY'
import sys
v = [(x, y, z) for x in (0, 10) for y in (0, 20) for z in (0, 30)]
def q(x, y, z): return v.index((x, y, z))
faces = [
    (q(0,0,0), q(0,20,0), q(10,20,0), q(10,0,0)),
    (q(0,0,30), q(10,0,30), q(10,20,30), q(0,20,30)),
    (q(0,0,0), q(10,0,0), q(10,0,30), q(0,0,30)),
    (q(0,20,0), q(0,20,30), q(10,20,30), q(10,20,0)),
    (q(0,0,0), q(0,0,30), q(0,20,30), q(0,20,0)),
    (q(10,0,0), q(10,20,0), q(10,20,30), q(10,0,30)),
]
with open(sys.argv[1], "w") as f:
    f.write("solid box\n")
    for a, b, c, d in faces:
        for t in ((a, b, c), (a, c, d)):
            f.write(" facet normal 0 0 0\n  outer loop\n")
            for i in t:
                f.write("   vertex %g %g %g\n" % v[i])
            f.write("  endloop\n endfacet\n")
    f.write("endsolid box\n")
PY
d1=$(w a -q publish "$T/box" --title "Box" --license MIT) || fail "publish"
g1=$(w a --json show "$d1" | json 'j["geometry"]["id"]' /dev/stdin)
[ -n "$g1" ] || fail "no geometry record"
c1=$(w a -q comment "$d1" "a's words") || fail "comment"
wait_for 10 has_all b "$d1" "$g1" "$c1" || fail "b did not get a's records"
w b -q get "$d1" -o "$T/out-b" >/dev/null || fail "b could not get the files"
w b -q moderators add "$mx" >/dev/null || fail "moderators add"

# The label: a's records and files leave b.
lid=$(w m -q label "$ax" spam --author --reason "bulk uploads") ||
    fail "label"
wait_for 10 has b "$lid" || fail "b did not get m's label"
wait_for 10 has_none b "$d1" "$g1" "$c1" ||
    fail "b still stores a's records under m's block label"
grep -q "moderation: author ${ax:0:16} blocked by moderator ${mx:0:16}'s label spam: records deleted [1-9][0-9]*, files no longer kept [1-9]" \
    "$T/b.log" || fail "b did not log the purge: $(grep moderation "$T/b.log")"
w b -q get "$d1" -o "$T/out-b2" >/dev/null 2>&1 &&
    fail "b still serves the blocked design's files"
bl=$(sync_stat b blocked)
rounds_pass b 3 || fail "b ran no three rounds"
[ "$(sync_stat b blocked)" = "$bl" ] ||
    fail "b fetched and refused records of the labelled author"
has_none b "$d1" "$g1" "$c1" || fail "a's records came back while labelled"

# The label taken back: everything comes back by sync.
w m -q retract "$lid" >/dev/null || fail "retract the label"
wait_for 30 has_all b "$d1" "$g1" "$c1" ||
    fail "a's records did not come back after the label was retracted"

# A design label: the design, its geometry record and the comment go;
# a's other design stays. Retracted, they come back.
d2=$(publish_one a "Other")
wait_for 10 has_all m "$d1" "$d2" || fail "m does not hold a's designs"
wait_for 10 has b "$d2" || fail "b did not get d2"
ld=$(w m -q label "$d1" stolen-design --design) || fail "design label"
wait_for 10 has_none b "$d1" "$g1" "$c1" ||
    fail "b still stores the labelled design's records"
has b "$d2" || fail "a design label took another design"
w m -q retract "$ld" >/dev/null || fail "retract the design label"
wait_for 30 has_all b "$d1" "$g1" "$c1" ||
    fail "the design did not come back after its label was retracted"

# Latest wins: one moderator key on two nodes, p then q.
start_node p --listen 127.0.0.1:0
mkdir -m 700 "$T/q" && cp -p "$T/p/author.key" "$T/q/author.key"
start_node q --listen 127.0.0.1:0
[ "$(author_of p)" = "$(author_of q)" ] || fail "p and q have two keys"
px=$(author_of p)
l1=$(w p -q label "$px" org.example/review --author --reason "first") ||
    fail "label on p"
sleep 0.05
l2=$(w q -q label "$px" org.example/review --author --reason "second") ||
    fail "label on q"
in_force() {
	w "$1" --json reports --all >"$T/rep-$1.json" || return 1
	python3 - "$T/rep-$1.json" "$2" "$3" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
items = j if isinstance(j, list) else j.get("labels", j.get("reports", []))
ids = [i.get("id") for i in items]
sys.exit(0 if sys.argv[2] in ids and sys.argv[3] not in ids else 1)
PY
}
start_node x --peer "$(addr q)"
start_node y --peer "$(addr p)"
wait_for 10 has x "$l2" || fail "x did not get q's label"
wait_for 10 has y "$l1" || fail "y did not get p's label"
w x -q connect "$(addr p)" >/dev/null || fail "x connect p"
w y -q connect "$(addr q)" >/dev/null || fail "y connect q"
wait_for 10 has x "$l1" || fail "x did not get p's older label"
wait_for 10 has y "$l2" || fail "y did not get q's newer label"
in_force x "$l2" "$l1" || fail "x: not the newer label alone: $(cat "$T/rep-x.json")"
in_force y "$l2" "$l1" || fail "y: not the newer label alone: $(cat "$T/rep-y.json")"
exit 0
