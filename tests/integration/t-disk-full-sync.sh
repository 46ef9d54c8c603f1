#!/bin/bash
# Record sync into a disk that fills up (issue 16, must-have 2): b syncs
# 10,000 designs from a onto a 64 MiB tmpfs that a filler leaves too
# small. b pauses ingest (status and log say so) instead of fetching the
# same records again and again: once its queue is full, its sync bytes
# in stay flat while paused.
# Once the filler is deleted, b holds every record within 30 s (the
# records a full disk refused were kept, and what was dropped meanwhile
# is found by new rounds; 90 s under the sanitizers).
. "$(dirname "$0")/lib.sh"

ingest="$(dirname "$WEFT_BIN")/bench/bench-ingest"
[ -x "$ingest" ] || { echo "SKIP: no $ingest"; exit 77; }
export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000
export WEFT_STORE_RESERVE=$((1024 * 1024))

disk_mount 64m
"$ingest" --designs 10000 --home "$T/a" >/dev/null 2>&1 || fail "bench-ingest"
start_node a --listen 127.0.0.1:0
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)
total=$(w a --json status | json 'j["records"]' /dev/stdin)

hb="$T/fs/b"
"$WEFT_BIN" --home "$hb" init >/dev/null || fail "init b"
start_home "$hb" b --listen 127.0.0.1:0
avail=$(df -B1 --output=avail "$T/fs" | tail -n 1)
head -c $((avail - 12 * 1024 * 1024)) /dev/zero >"$T/fs/filler" ||
    fail "filler"

bst() {
	"$WEFT_BIN" --home "$hb" --json status >"$T/st.json" &&
	    json "$1" "$T/st.json"
}
"$WEFT_BIN" --home "$hb" -q connect "$addr_a" || fail "connect"
paused() {
	[ "$(bst 'j["disk"]["paused"]')" = True ]
}
wait_for 60 paused || fail "b did not pause: $(cat "$T/st.json")"
got=$(bst 'j["records"]')
[ "$got" -lt "$total" ] || fail "everything fitted ($got records)"
# The queue fills once (it holds what was asked for; slowly under ASan,
# where a loaded machine can stall the stream for a second), then
# nothing more comes: wait for three seconds in a row without bytes in.
in0=$(bst 'j["sync"]["bytes_in"]')
still=0
for i in $(seq 1 $((30 * ${SLOW:-1}))); do
	sleep 1
	prev=$in0
	in0=$(bst 'j["sync"]["bytes_in"]')
	if [ "$in0" -eq "$prev" ]; then
		still=$((still + 1))
		[ "$still" -ge 3 ] && break
	else
		still=0
	fi
done
[ "$still" -ge 3 ] ||
    fail "b kept fetching while paused for $((30 * ${SLOW:-1})) s"
sleep 5
in1=$(bst 'j["sync"]["bytes_in"]')
echo "paused at $got of $total records; sync bytes in $in0 -> $in1"
[ $((in1 - in0)) -lt $((512 * 1024)) ] ||
    fail "b kept fetching while paused: $((in1 - in0)) bytes in 5 s"
"$WEFT_BIN" --home "$hb" status | grep -q "store full" ||
    fail "status does not say the disk is full"

rm -f "$T/fs/filler"
freed=$(date +%s)
done_all() {
	[ "$(bst 'j["records"]')" -ge "$total" ]
}
wait_for $((30 * SLOW)) done_all ||
    fail "b has $(bst 'j["records"]') of $total records $((30 * SLOW)) s after space returned"
echo "all $total records $(($(date +%s) - freed)) s after space returned"
grep -q "fetching and ingest resumed" "$T/b.log" || fail "no resume line"
"$WEFT_BIN" --home "$hb" -q verify || fail "verify"
echo ok
