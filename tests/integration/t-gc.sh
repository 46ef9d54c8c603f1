#!/bin/bash
# Local deletion and gc (issue 11.4): a weftd killed in the middle of a
# publish leaves chunks no record refers to; gc spares them while they
# are young (the publish might still commit), then frees exactly them
# and nothing kept, and so does the automatic gc; unwant and gc free a
# got design's files on this node, as gc does after get --once, and rm
# frees even an own design's; du counts what is held,
# while a later get brings them back. The crash is placed by
# signal_at.py at a real moment of the publish, never after a sleep.
. "$(dirname "$0")/lib.sh"

AT="/usr/bin/python3 $WEFT_TESTS/integration/signal_at.py"
MB=$((1024 * 1024))

stat_of() {
	w "$1" --json status >"$T/st.json"
	json "$2" "$T/st.json"
}
chunks_are() {
	[ "$(stat_of "$1" 'j["chunks"]')" = "$2" ]
}
gc_json() {
	local node=$1
	shift
	w "$node" --json gc "$@" >"$T/gc.json" || fail "gc: $(cat "$T/gc.json")"
}

start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
mkdir "$T/src"
head -c $((3 * MB)) /dev/urandom >"$T/src/part.bin"
echo "read me" >"$T/src/readme.md"
design=$(w a -q publish "$T/src" --title kept --license MIT)
c1=$(stat_of a 'j["chunks"]')
b1=$(stat_of a 'j["chunk_bytes"]')

[ "$(stat_of a 'j["reclaimable"]')" = None ] || fail "reclaimable known"
! w a status | grep -q "^reclaimable" || fail "status text"

# 1. Nothing to free: own files (and their young pending rows) stay.
gc_json a
[ "$(json 'j["freed"]' "$T/gc.json")" = 0 ] || fail "gc freed own chunks"
[ "$(json 'j["kept"]' "$T/gc.json")" = "$c1" ] || fail "$(cat "$T/gc.json")"
chunks_are a "$c1" || fail "chunks changed"

# 2. weftd dies (SIGKILL) while a publish streams its file in.
head -c $((48 * MB)) /dev/urandom >"$T/big.bin"
rc=$(STOP_PID=$pid_a $AT KILL readpos "$T/big.bin" $((40 * MB)) -- \
    "$WEFT_BIN" --home "$T/a" publish "$T/big.bin" --license MIT \
    2>"$T/sig.err") || fail "publish: $(cat "$T/sig.err")"
# The stopped weftd dies now. (Once in a loop of runs it had died of a
# SIGHUP already, the kernel's for a stopped process in an orphaned
# process group: a crash all the same, so only a kill that fails for
# that reason is let pass.)
kill -KILL "$pid_a" 2>/dev/null || ! kill -0 "$pid_a" 2>/dev/null ||
    fail "cannot kill weftd"
wait "$pid_a" 2>/dev/null || true
PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$pid_a" | tr '\n' ' ')
sed -i "/^$pid_a\$/d" "$T/.pids"
start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
c2=$(stat_of a 'j["chunks"]')
[ "$c2" -gt "$c1" ] || fail "the crash left no chunk: the test proves nothing"
echo "the crash left $((c2 - c1)) chunks"
[ "$(stat_of a 'j["records"]')" = 1 ] || fail "a record was made"

# Young: spared, and counted as such.
gc_json a
[ "$(json 'j["freed"]' "$T/gc.json")" = 0 ] || fail "young orphans went"
[ "$(json 'j["pending"]' "$T/gc.json")" -ge $((c2 - c1)) ] ||
    fail "pending: $(cat "$T/gc.json")"

# Past the grace: exactly the orphans go; the design is whole.
stop_node "$pid_a"
WEFT_GC_GRACE_MS=1 start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
gc_json a --dry-run
[ "$(json 'j["freed"]' "$T/gc.json")" = $((c2 - c1)) ] ||
    fail "dry run: $(cat "$T/gc.json")"
chunks_are a "$c2" || fail "a dry run deleted"
[ "$(stat_of a 'j["reclaimable"]')" = "$(json 'j["bytes"]' "$T/gc.json")" ] ||
    fail "status: reclaimable $(stat_of a 'j["reclaimable"]')"
w a status | grep -q "^reclaimable  [1-9]" || fail "status text: $(w a status)"
gc_json a
[ "$(json 'j["freed"]' "$T/gc.json")" = $((c2 - c1)) ] ||
    fail "gc: $(cat "$T/gc.json")"
chunks_are a "$c1" || fail "chunks $(stat_of a 'j["chunks"]'), not $c1"
[ "$(stat_of a 'j["reclaimable"]')" = 0 ] || fail "reclaimable after gc"
[ "$(stat_of a 'j["chunk_bytes"]')" = "$b1" ] || fail "chunk_bytes wrong"
w a verify >/dev/null || fail "verify after gc"
w a get "$design" -o "$T/out1" >/dev/null 2>"$T/err" || fail "$(cat "$T/err")"
cmp "$T/src/part.bin" "$T/out1/part.bin" || fail "part.bin differs"

# 3. The automatic gc does the same after another crash, of other
# content. A restart with the default grace shows what the crash left
# before the automatic gc, which runs once the grace is over, frees it.
stop_node "$pid_a"
start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
head -c $((48 * MB)) /dev/urandom >"$T/big2.bin"
rc=$(STOP_PID=$pid_a $AT KILL readpos "$T/big2.bin" $((40 * MB)) -- \
    "$WEFT_BIN" --home "$T/a" publish "$T/big2.bin" --license MIT \
    2>"$T/sig.err") || fail "publish 2: $(cat "$T/sig.err")"
kill -KILL "$pid_a" 2>/dev/null || ! kill -0 "$pid_a" 2>/dev/null ||
    fail "cannot kill weftd"
wait "$pid_a" 2>/dev/null || true
PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$pid_a" | tr '\n' ' ')
sed -i "/^$pid_a\$/d" "$T/.pids"
start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
c3=$(stat_of a 'j["chunks"]')
[ "$c3" -gt "$c1" ] ||
    fail "the second crash left no chunk ($c3): $(cat "$T/sig.err")"
stop_node "$pid_a"
WEFT_GC_GRACE_MS=1 WEFT_GC_INTERVAL_MS=200 start_node a \
    --listen 127.0.0.1:0
pid_a=$NODE_PID
wait_for 30 chunks_are a "$c1" ||
    fail "automatic gc: chunks $(stat_of a 'j["chunks"]'), not $c1"
# The line is logged on the loop after the gc's last commit, which the
# wait above may see first.
wait_for 10 grep -q "automatic gc: freed" "$T/a.log" || fail "no log line"
addr_a=$(stat_of a 'j["address"]')

# 4. b gets the design, unwants it and gc frees its copy; get again.
start_node b
w b connect "$addr_a" >/dev/null
wait_for 20 w b show "$design" || fail "b did not get the record"
w b get --timeout 60 "$design" -o "$T/out2" >/dev/null 2>"$T/err" ||
    fail "get: $(cat "$T/err")"
cb=$(stat_of b 'j["chunks"]')
[ "$cb" = "$c1" ] || fail "b holds $cb chunks, a $c1"

# du: the same bytes on both, kept as own on a and as a pin on b.
size=$((3 * MB + 8))
author_a=$(stat_of a 'j["author"]')
for q in "a policy own" "b policy pin" "b design $design" \
    "b author $author_a" "b library "; do
	set -- $q
	w "$1" --json du --by "$2" >"$T/du.json" || fail "du $q"
	[ "$(json '[r["'"$2"'"] for r in j["rows"]]' "$T/du.json")" = "['${3:-}']" ] ||
	    fail "du $q: $(cat "$T/du.json")"
	[ "$(json 'j["rows"][0]["bytes"], j["rows"][0]["files"], j["total"]' \
	    "$T/du.json")" = "($size, 2, $size)" ] || fail "du $q: $(cat "$T/du.json")"
done
w b du --by policy | grep -q "^ *3.1 MB .* pin$" || fail "du: $(w b du --by policy)"
w b --json unwant "$design" >"$T/u.json" || fail "unwant"
[ "$(json 'j["files"]' "$T/u.json")" = 2 ] || fail "$(cat "$T/u.json")"
chunks_are b "$cb" || fail "unwant deleted"
gc_json b
[ "$(json 'j["freed"]' "$T/gc.json")" = "$cb" ] || fail "$(cat "$T/gc.json")"
chunks_are b 0 || fail "b kept chunks"
# get --once: written, then not kept: gc frees it at once.
w b get --once --timeout 60 "$design" -o "$T/out3" >/dev/null 2>"$T/err" ||
    fail "get --once: $(cat "$T/err")"
cmp "$T/src/part.bin" "$T/out3/part.bin" || fail "part.bin differs on b"
chunks_are b "$cb" || fail "get --once did not fetch"
gc_json b
[ "$(json 'j["freed"]' "$T/gc.json")" = "$cb" ] || fail "--once kept: $(cat "$T/gc.json")"
# A plain get keeps it again.
w b get --timeout 60 "$design" -o "$T/out5" >/dev/null 2>"$T/err" ||
    fail "get again: $(cat "$T/err")"
cmp "$T/src/part.bin" "$T/out5/part.bin" || fail "part.bin differs on b"
gc_json b
[ "$(json 'j["freed"]' "$T/gc.json")" = 0 ] || fail "$(cat "$T/gc.json")"

# 5. rm of an own design frees its files here only.
w a --json rm "$design" >"$T/rm.json" || fail "rm"
[ "$(json 'j["freed"]' "$T/rm.json")" = "$c1" ] || fail "$(cat "$T/rm.json")"
chunks_are a 0 || fail "a kept chunks after rm"
[ "$(stat_of a 'j["records"]')" = 1 ] || fail "rm dropped the record"
chunks_are b "$cb" || fail "b lost its copy"
w a get --timeout 60 "$design" -o "$T/out4" >/dev/null 2>"$T/err" ||
    fail "get back: $(cat "$T/err")"
cmp "$T/src/part.bin" "$T/out4/part.bin" || fail "part.bin differs"
expect_code 3 w a rm 0123456789abcdef
echo ok
