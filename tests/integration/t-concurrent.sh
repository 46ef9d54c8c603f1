#!/bin/bash
# Several clients at once: four publishes of different sizes run in
# parallel with listings and status calls; all succeed, every design is
# complete and byte-identical.
. "$(dirname "$0")/lib.sh"

start_node a
for i in 1 2 3 4; do
	head -c $((i * 3 * 1024 * 1024 + i)) /dev/urandom >"$T/f$i.bin"
done
pubs=""
for i in 1 2 3 4; do
	w a -q publish "$T/f$i.bin" --title "parallel $i" >"$T/id$i" 2>"$T/e$i" &
	pubs="$pubs $!"
done
for _ in $(seq 20); do
	w a ls >/dev/null || fail "ls failed during publishes"
	w a status >/dev/null || fail "status failed during publishes"
done
wait_all=0
for job in $pubs; do
	wait "$job" || wait_all=1
done
[ "$wait_all" -eq 0 ] || fail "a parallel publish failed: $(cat "$T"/e*)"
for i in 1 2 3 4; do
	w a get "$(cat "$T/id$i")" -o "$T/out$i" >/dev/null
	cmp "$T/f$i.bin" "$T/out$i/f$i.bin" || fail "design $i differs"
done
[ "$(w a -q ls | wc -l)" -eq 4 ] || fail "expected 4 designs"
w a verify >/dev/null || fail "verify failed"
echo ok
