#!/bin/bash
# Ten nodes in a ring (each dials the next), each publishes a design at
# the same time: all ten converge on all ten designs, every record
# reaching the far side of the ring through four or five hops. Then a
# comment, a like and a make of n0's design, each made on another node,
# reach all ten, and a seed receipt of n1, which fetched the design's
# files, reaches n5 across the ring.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"
export WEFT_RECEIPT_SWEEP_MS=300

N=10
for i in $(seq 0 $((N - 1))); do
	start_node "n$i" --listen 127.0.0.1:0
done
for i in $(seq 0 $((N - 1))); do
	w "n$i" -q connect "$(addr "n$(( (i + 1) % N ))")" >/dev/null ||
	    fail "n$i cannot connect to its neighbour"
done
for i in $(seq 0 $((N - 1))); do
	wait_for 10 connected "n$i" 2 || fail "n$i is not in the ring"
done

ids="" pubs=""
for i in $(seq 0 $((N - 1))); do
	publish_one "n$i" "Ring $i" >"$T/id$i" &
	pubs="$pubs $!"
done
# Only the publishers: a bare wait would wait for the daemons too.
# shellcheck disable=SC2086
wait $pubs
for i in $(seq 0 $((N - 1))); do
	id=$(cat "$T/id$i")
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "n$i published '$id'"
	ids="$ids $id"
done
for i in $(seq 0 $((N - 1))); do
	wait_secs 20 designs_are "n$i" "$N" || fail "n$i did not converge"
	# shellcheck disable=SC2086
	has_all "n$i" $ids || fail "n$i holds other designs"
	[ "$(sync_stat "n$i" rejected)" = 0 ] || fail "n$i rejected records"
done

# The community records of one design, from three corners of the ring.
d0=$(cat "$T/id0")
python3 - "$T/print.png" <<'PY'
import sys
sig = b"\x89PNG\r\n\x1a\n"
def chunk(t, d):
    return len(d).to_bytes(4, "big") + t + d + b"\0\0\0\0"
body = chunk(b"IHDR", bytes(13)) + chunk(b"IDAT", bytes(range(256))) + \
    chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(sig + body)
PY
w n3 -q comment "$d0" "Printed it on n3" >/dev/null || fail "comment on n3"
w n6 -q like "$d0" >/dev/null || fail "like on n6"
w n8 -q make "$d0" --photo "$T/print.png" --note "n8's print" \
    >/dev/null 2>&1 || fail "make on n8"
social_all() {
	w "$1" --json show "$d0" >"$T/show-$1.json" &&
	    [ "$(json '(j["comments"], j["likes"], j["makes"])' \
	    "$T/show-$1.json")" = "(1, 1, 1)" ]
}
for i in $(seq 0 $((N - 1))); do
	wait_for 20 social_all "n$i" ||
	    fail "n$i: $(cat "$T/show-n$i.json")"
done
# n1, next to n0, fetches the files; its receipt crosses the ring to n5.
w n1 -q get "$d0" -o "$T/out-n1" >/dev/null || fail "n1 could not get d0"
n1node=$(w n1 --json id | json 'j["node"]' /dev/stdin)
seeded() {
	w n5 --json seeds "$d0" | grep -q "$n1node"
}
wait_for 20 seeded || fail "n5 does not see n1's receipt: $(w n5 seeds "$d0")"
for i in $(seq 0 $((N - 1))); do
	[ "$(sync_stat "n$i" rejected)" = 0 ] || fail "n$i rejected records"
done
echo ok
