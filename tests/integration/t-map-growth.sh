#!/bin/bash
# A full LMDB map grows instead of failing: a daemon started with a 1 MiB
# map stores 24 MiB of files (their bytes go to pack files, their index
# to LMDB), four designs of 1,000 files each and many records (these
# fill the map), and keeps them over a restart.
. "$(dirname "$0")/lib.sh"

export WEFT_MAP_SIZE=1048576
start_node a
pid=$NODE_PID
head -c $((24 * 1024 * 1024)) /dev/urandom >"$T/big.bin"
design=$(w a -q publish "$T/big.bin" --title "Too big for the map")
for i in $(seq 1 30); do
	echo "$i" >"$T/f$i.txt"
	w a -q publish "$T/f$i.txt" --title "small $i" >/dev/null ||
	    fail "publish $i failed"
done
for d in 1 2 3 4; do
	mkdir -p "$T/many$d"
	for i in $(seq 1 1000); do
		echo "part $i of many $d" >"$T/many$d/part-$i.txt"
	done
	w a -q publish "$T/many$d" --yes --title "Many parts $d" >/dev/null ||
	    fail "publish many $d failed"
done
w a --json status >"$T/s.json"
[ "$(json 'j["map_size"] > 1048576' "$T/s.json")" = True ] ||
    fail "map did not grow: $(cat "$T/s.json")"
stop_node "$pid"
start_node a
w a get "$design" -o "$T/dl" >/dev/null
cmp "$T/big.bin" "$T/dl/big.bin" || fail "file differs after growth"
[ "$(w a -q ls | wc -l)" -eq 35 ] || fail "designs lost"
w a verify >/dev/null || fail "verify after growth"
echo ok
