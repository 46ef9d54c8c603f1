#!/bin/bash
# Clean interrupts (issue 11): SIGINT, SIGTERM and SIGHUP sent to a real
# `weft get` while it writes leave no temporary file and none of the
# directories it created; the same signals during `weft publish` make
# weftd drop the unfinished publish's chunks at once; a get killed with
# SIGKILL leaves temp files that the next get removes, and that next get
# resumes: the chunks already fetched from a peer are not fetched again,
# also after a SIGINT in the middle of the transfer from the peer.
# Signals are sent when the work has reached a point (signal_at.py polls
# the file offset or the temp file's size), never after a sleep.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000
AT="/usr/bin/python3 $WEFT_TESTS/integration/signal_at.py"
MB=$((1024 * 1024))

start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)
stat_a() {
	w a --json status >"$T/st.json"
	json "$1" "$T/st.json"
}
chunks_are() {
	[ "$(stat_a 'j["chunks"]')" = "$1" ]
}

mkdir -p "$T/src/docs"
head -c $((48 * MB)) /dev/urandom >"$T/src/a-big.bin"
echo "read me" >"$T/src/docs/readme.md"
design=$(w a -q publish "$T/src" --title big --license MIT)

# 1. get: a signal while a file is being written.
n=0
for sig in INT TERM HUP; do
	n=$((n + 1))
	out="$T/dl-$sig"
	rc=$($AT "$sig" tmpsize "$out" $MB -- "$WEFT_BIN" --home "$T/a" \
	    get "$design" -o "$out/deep/x" 2>"$T/sig.err") ||
	    fail "SIG$sig: $(cat "$T/sig.err")"
	want=$((128 + $(kill -l "$sig")))
	[ "$rc" = "$want" ] || fail "SIG$sig: exit $rc, not $want: $(cat "$T/sig.err")"
	grep -q "interrupted: removed the partial download" "$T/sig.err" ||
	    fail "SIG$sig: no message: $(cat "$T/sig.err")"
	[ ! -e "$out" ] || fail "SIG$sig left $(find "$out")"
done
# Into an existing folder: that folder stays, only what get made goes.
mkdir "$T/keep"
echo mine >"$T/keep/mine.txt"
rc=$($AT INT tmpsize "$T/keep" $MB -- "$WEFT_BIN" --home "$T/a" \
    get "$design" -o "$T/keep" 2>"$T/sig.err") || fail "$(cat "$T/sig.err")"
[ "$rc" = 130 ] || fail "exit $rc"
[ "$(cd "$T/keep" && find . | sort | tr '\n' ' ')" = ". ./mine.txt " ] ||
    fail "left $(find "$T/keep")"

# 2. publish: a signal while the file is being read and sent.
head -c $((64 * MB)) /dev/urandom >"$T/p.bin"
c0=$(stat_a 'j["chunks"]')
r0=$(stat_a 'j["records"]')
for sig in INT TERM; do
	rc=$($AT "$sig" readpos "$T/p.bin" $((24 * MB)) -- "$WEFT_BIN" \
	    --home "$T/a" publish "$T/p.bin" --license MIT 2>"$T/sig.err") ||
	    fail "publish SIG$sig: $(cat "$T/sig.err")"
	[ "$rc" = $((128 + $(kill -l "$sig"))) ] ||
	    fail "publish SIG$sig: exit $rc: $(cat "$T/sig.err")"
	grep -q "interrupted: the publish was not made" "$T/sig.err" ||
	    fail "publish SIG$sig: $(cat "$T/sig.err")"
	# The chunks it stored are dropped at once, not left for a gc.
	wait_for 20 chunks_are "$c0" ||
	    fail "publish SIG$sig: chunks $(stat_a 'j["chunks"]'), not $c0"
	[ "$(stat_a 'j["records"]')" = "$r0" ] || fail "a record was made"
done
grep -q "a publish failed: removed the" "$T/a.log" ||
    fail "weftd did not say it dropped the chunks"

# 3. SIGKILL: nothing can clean up; the next get does, and resumes.
start_node b --listen 127.0.0.1:0
w b connect "$addr_a" >/dev/null
wait_for 20 w b show "$design" || fail "b did not get the record"
rc=$($AT KILL tmpsize "$T/k" $((8 * MB)) -- "$WEFT_BIN" --home "$T/b" \
    get --timeout 60 "$design" -o "$T/k" 2>"$T/sig.err") ||
    fail "KILL: $(cat "$T/sig.err")"
[ "$rc" = 137 ] || fail "KILL: exit $rc"
[ -n "$(find "$T/k" -name '.weft-get-*.tmp')" ] ||
    fail "SIGKILL left no temp file: the test proves nothing"
w b --json status >"$T/b1.json"
got1=$(json 'j["files"]["received"]' "$T/b1.json")
w b get --timeout 60 --force "$design" -o "$T/k" >/dev/null 2>"$T/err" ||
    fail "rerun: $(cat "$T/err")"
[ -z "$(find "$T/k" -name '.weft-get-*')" ] ||
    fail "stale temp files stay: $(find "$T/k" -name '.weft-get-*')"
cmp "$T/src/a-big.bin" "$T/k/a-big.bin" || fail "a-big.bin differs"
cmp "$T/src/docs/readme.md" "$T/k/docs/readme.md" || fail "readme differs"
w b --json status >"$T/b2.json"
got2=$(json 'j["files"]["received"]' "$T/b2.json")
echo "b received $got1 bytes before the kill, $got2 in all"
[ "$got2" -le $((48 * MB + 4 * MB)) ] ||
    fail "the rerun fetched again: $got2 bytes received for 48 MiB"

# 4. SIGINT while b fetches from a: a is frozen at that moment (SIGSTOP)
# so the transfer is surely unfinished; the rerun fetches only the rest.
mkdir "$T/src2"
head -c $((48 * MB)) /dev/urandom >"$T/src2/other.bin"
design2=$(w a -q publish "$T/src2" --title other --license MIT)
wait_for 20 w b show "$design2" || fail "b did not get record 2"
base=$(json 'j["files"]["received"]' "$T/b2.json")
rc=$(STOP_PID=$pid_a WEFT_BIN="$WEFT_BIN" $AT INT received "$T/b" \
    $((base + 4 * MB)) -- "$WEFT_BIN" --home "$T/b" get --timeout 60 \
    "$design2" -o "$T/r" 2>"$T/sig.err") || rc=none
kill -CONT "$pid_a"	# whatever happened: never leave a stopped weftd
[ "$rc" = 130 ] || fail "mid-fetch SIGINT: exit $rc: $(cat "$T/sig.err")"
[ ! -e "$T/r" ] || fail "mid-fetch SIGINT left $(find "$T/r")"
w b --json status >"$T/b3.json"
got3=$(json 'j["files"]["received"]' "$T/b3.json")
[ $((got3 - base)) -lt $((48 * MB)) ] ||
    fail "the transfer had ended: the test proves nothing"
w b get --timeout 60 "$design2" -o "$T/r" >/dev/null 2>"$T/err" ||
    fail "rerun 2: $(cat "$T/err")"
cmp "$T/src2/other.bin" "$T/r/other.bin" || fail "other.bin differs"
w b --json status >"$T/b4.json"
got4=$(json 'j["files"]["received"]' "$T/b4.json")
echo "b had $((got3 - base)) bytes of design 2 at the SIGINT, $((got4 - base)) in all"
[ $((got4 - base)) -le $((48 * MB + 4 * MB)) ] ||
    fail "the rerun fetched again: $((got4 - base)) bytes for 48 MiB"
echo ok
