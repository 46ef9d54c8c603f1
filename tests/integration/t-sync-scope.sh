#!/bin/bash
# Live pushes go only to peers interested in the record. a wants all; y
# (another author) pushes to a; c wants only a's author and d only a
# library of a's (WEFT_SYNC_INTERESTS). Periodic reconciliation is an
# hour away, so after the rounds on connect only pushes deliver. Records
# are pushed in order on one channel: once the wanted record that was
# published last has arrived, the unwanted ones published before it
# would have arrived too, had they been pushed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
export WEFT_SYNC_RECONCILE_MS=3600000

author_of() {
	w "$1" --json id | json 'j["author"]' /dev/stdin
}

start_node a --listen 127.0.0.1:0
x=$(author_of a)
d0=$(publish_one a "Held")
lib=$(w a -q library create "Shelf") || fail "library create failed"
w a -q library add "$lib" "$d0" >/dev/null || fail "library add failed"

start_node y --peer "$(addr a)"
WEFT_SYNC_INTERESTS="author:$x" start_node c --peer "$(addr a)"
WEFT_SYNC_INTERESTS="lib:$lib" start_node d --peer "$(addr a)"
wait_for 10 connected a 3 || fail "y, c and d did not all connect to a"
# d's round on connect brings the library, its entry and the design.
wait_for 10 has_all d "$lib" "$d0" || fail "d did not reconcile the library"
wait_for 10 has_all c "$d0" "$lib" || fail "c did not reconcile a's records"

# An author c does not want: pushed by y to a, not on to c or d.
ry=$(publish_one y "By Y")
wait_for 10 has a "$ry" || fail "a did not get y's record"
# A design of a's outside the library: c wants it, d does not.
rx=$(publish_one a "Loose")
wait_for 10 has c "$rx" || fail "c did not get a's new design"
has c "$ry" && fail "c got a record of an author it does not want"
# A revision of the held design: d wants it (and c, by author).
mkdir -p "$T/upd" && echo "v2 $RANDOM" >"$T/upd/part.scad"
r2=$(w a -q update "${d0:0:12}" "$T/upd") || fail "update failed"
wait_for 10 has d "$r2" || fail "d did not get the held design's revision"
has d "$ry" && fail "d got a record of another author"
has d "$rx" && fail "d got a design its library does not hold"
wait_for 10 has c "$r2" || fail "c did not get a's revision"
has c "$ry" && fail "c got y's record after all"

# c holds a's five records (the library and its entry are a's too) and
# nothing else; nothing was refused.
[ "$(sync_stat c stored)" = 5 ] ||
    fail "c stored $(sync_stat c stored) records, expected 5"
[ "$(sync_stat c rejected)" = 0 ] || fail "c rejected records"
connected c 1 && connected d 1 || fail "c or d lost its connection"
echo ok
