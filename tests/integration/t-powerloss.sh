#!/bin/bash
# Power loss, not only process crashes (issue 16, must-have 10). kill -9
# keeps the page cache; a power cut loses every write not yet synced. A
# weftd publishing (node a) and one ingesting a sync (node b) run with
# the shim tests/powerloss/wlog.c preloaded, which logs their writes and
# syncs of the store's files, data.mdb and the chunk packs; the test
# appends a marker to the same log whenever a record is acknowledged
# (publish printed its id; status counted the records stored).
# tests/powerloss/replay.py then rebuilds the files as a cut could have
# left them at each sync and between syncs (ALICE's and CrashMonkey's
# crash states: each file up to its last completed sync, plus a prefix
# or any subset of the 4 KiB pages written since) and checks each:
# weftd starts, `weft verify` passes, every acknowledged record is there
# and every acknowledged design's files can be written out. A pack that
# were not synced before the commit indexing it fails here (checked by
# hand: 14 of 20 states fail with that fdatasync left out). WEFT_POWERLOSS_STATES (default 20 per
# log) and WEFT_POWERLOSS_DESIGNS (default 300) make a run by hand bigger.
. "$(dirname "$0")/lib.sh"

so=${WEFT_WLOG_SO:-}
[ -f "$so" ] || { echo "SKIP: no wlog shim (WEFT_WLOG_SO)"; exit 77; }
ingest="$(dirname "$WEFT_BIN")/bench/bench-ingest"
[ -x "$ingest" ] || { echo "SKIP: no $ingest"; exit 77; }
states=${WEFT_POWERLOSS_STATES:-20}
replay="$WEFT_TESTS/powerloss/replay.py"
# The ASan weftd wants its runtime first; the shim is not instrumented.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export WEFT_OUT_TARGET=0

# Where $T's file system takes O_DIRECT, weftd writes packs with it
# (issue 17.3): the replay then also checks that the log holds those
# writes (whole 4 KiB blocks), so the shim saw and replays them.
direct=$(/usr/bin/python3 -c '
import mmap, os, sys
p = os.path.join(sys.argv[1], "dio-probe")
try:
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
    try:
        os.write(fd, mmap.mmap(-1, 4096))
        print("--direct")
    finally:
        os.close(fd)
        os.unlink(p)
except OSError:
    pass' "$T")

# Publish: five small designs, each id logged once acknowledged.
LD_PRELOAD="$so" WEFT_WLOG="$T/pub.wlog" start_node a
pid_a=$NODE_PID
for i in 1 2 3 4 5; do
	mkdir -p "$T/src/$i"
	head -c $((i * 37000)) /dev/urandom >"$T/src/$i/part.bin"
	id=$(w a -q publish --title "design $i" "$T/src/$i") ||
	    fail "publish $i"
	[ ${#id} -eq 64 ] || fail "publish printed '$id'"
	printf 'A%s\n' "$id" >>"$T/pub.wlog"
done
stop_node "$pid_a"
/usr/bin/python3 "$replay" --log "$T/pub.wlog" --home "$T/a" \
    --weft "$WEFT_BIN" --weftd "$WEFTD_BIN" --states "$states" $direct \
    >"$T/pub.out" || { cat "$T/pub.out";
    fail "a power cut during publish loses or breaks something"; }
cat "$T/pub.out"
if [ -n "$direct" ]; then
	grep -q "pack writes: [1-9][0-9]* of whole" "$T/pub.out" ||
	    fail "no direct writes of the packs in the log"
fi
# The checker itself: the last id acknowledged before anything was
# written must be found missing.
{ printf 'A%s\n' "$id"; cat "$T/pub.wlog"; } >"$T/bad.wlog"
if /usr/bin/python3 "$replay" --log "$T/bad.wlog" --home "$T/a" \
    --weft "$WEFT_BIN" --weftd "$WEFTD_BIN" --states 3 >"$T/bad.out"; then
	fail "replay.py missed a lost record: $(cat "$T/bad.out")"
fi
grep -q "acknowledged record $id missing" "$T/bad.out" ||
    fail "replay.py: $(cat "$T/bad.out")"

# Ingest: b syncs 300 designs from p; its record count logged as it grows.
"$ingest" --designs "${WEFT_POWERLOSS_DESIGNS:-300}" --home "$T/p" \
    >/dev/null 2>&1 || fail "bench-ingest"
start_node p --listen 127.0.0.1:0
pid_p=$NODE_PID
addr_p=$(w p --json status | json 'j["address"]' /dev/stdin)
total=$(w p --json status | json 'j["records"]' /dev/stdin)
LD_PRELOAD="$so" WEFT_WLOG="$T/ingest.wlog" start_node b
pid_b=$NODE_PID
w b -q connect "$addr_p" || fail "connect"
got=0
for i in $(seq 1 600); do
	got=$(w b --json status | json 'j["records"]' /dev/stdin)
	printf 'N%020d\n' "$got" >>"$T/ingest.wlog"
	[ "$got" -ge "$total" ] && break
	sleep 0.05
done
[ "$got" -ge "$total" ] || fail "b has $got of $total records"
stop_node "$pid_b"
stop_node "$pid_p"
/usr/bin/python3 "$replay" --log "$T/ingest.wlog" --home "$T/b" \
    --weft "$WEFT_BIN" --weftd "$WEFTD_BIN" --states "$states" $direct ||
    fail "a power cut during ingest loses or breaks something"
echo ok
