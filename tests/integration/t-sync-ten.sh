#!/bin/bash
# Ten nodes in a ring (each dials the next), each publishes a design at
# the same time: all ten converge on all ten designs, every record
# reaching the far side of the ring through four or five hops.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

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
echo ok
