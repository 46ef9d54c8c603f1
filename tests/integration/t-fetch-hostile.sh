#!/bin/bash
# A peer that serves tampered chunks (tests/hostile/hostile-peer chunk:
# every "want" answered with the right id and the wrong bytes) to a real
# weftd. a learns the record of a three-file design from c, c stops, and
# the hostile peer is a's only peer: a's get fails with one clear line,
# writes nothing, and a closes the peer after its wrong chunks, logging
# why. Once c is back and connected, the same get is byte-identical.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

: "${HOSTILE_BIN:=$(dirname "$WEFT_BIN")/tests/hostile/hostile-peer}"
[ -x "$HOSTILE_BIN" ] || fail "no hostile-peer at $HOSTILE_BIN"

start_node a --listen 127.0.0.1:0
start_node c --listen 127.0.0.1:0
pid_c=$NODE_PID
mkdir -p "$T/src/sub"
head -c 300000 /dev/urandom >"$T/src/big.stl"
echo "cube(10);" >"$T/src/part.scad"
echo "print it flat" >"$T/src/sub/notes.txt"
d=$(w c -q publish "$T/src" --title "Tamper me" --license mit) ||
    fail "publish failed"
expect_code 0 w a connect "$(addr c)"
wait_for 20 has a "$d" || fail "a did not get the record from c"
stop_node "$pid_c"
wait_for 10 connected a 0 || fail "a still lists c"

# The hostile peer connects and serves whatever a asks for, wrongly.
"$HOSTILE_BIN" --timeout 30 "$(addr a)" chunk >"$T/hostile.out" \
    2>"$T/hostile.err" &
hpid=$!
PIDS="$PIDS $hpid"
wait_for 10 connected a 1 || fail "the hostile peer did not connect"

rc=0
w a get --timeout 3 "$d" -o "$T/bad" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] || fail "get of tampered chunks succeeded"
[ "$(wc -l <"$T/err")" -eq 1 ] &&
    grep -q "no progress fetching\|no connected peer" "$T/err" ||
    fail "get error: $(cat "$T/err")"
[ ! -e "$T/bad" ] || fail "a failed get left '$T/bad'"

# a closed the peer for its wrong chunks; the peer saw that.
rc=0
wait "$hpid" || rc=$?
PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$hpid" | tr '\n' ' ')
[ "$rc" -eq 0 ] || fail "hostile-peer exited $rc: $(cat "$T/hostile.err" \
    "$T/hostile.out")"
[ "$(grep -c '^tampered ' "$T/hostile.out")" -ge 3 ] ||
    fail "a asked for too few chunks: $(cat "$T/hostile.out")"
grep -q "^dropped: \|^closed: " "$T/hostile.out" ||
    fail "a did not close the hostile peer: $(cat "$T/hostile.out")"
grep -q "files: sent wrong chunks" "$T/a.log" ||
    fail "a did not log why it closed the peer"
w a verify >/dev/null || fail "a's store does not verify"

# With c back, the same get works and is byte-identical.
start_node c --listen 127.0.0.1:0
expect_code 0 w a connect "$(addr c)"
expect_code 0 w a get --timeout 20 "$d" -o "$T/good"
for f in big.stl part.scad sub/notes.txt; do
	cmp "$T/src/$f" "$T/good/$f" || fail "$f differs"
done
w a verify >/dev/null || fail "a's store does not verify"
echo ok
