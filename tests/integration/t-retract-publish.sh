#!/bin/bash
# A publish under way loses nothing to a deletion that races it (issue
# 11 part 3): design X holds shared.bin; a publish of a folder holding
# the same shared.bin and a big file is frozen (SIGSTOP, sent by
# signal_at.py once the CLI has read well into the big file, so weftd
# has stored shared.bin's chunks); X is then taken out (weft retract,
# then in a second round weft rm --records, then weft rm); the publish
# resumes (SIGCONT), commits, and its design downloads byte for byte
# and the store verifies. Without the holds, the purge deleted the
# shared chunks and the publish committed a revision whose files were
# gone.
. "$(dirname "$0")/lib.sh"

AT="/usr/bin/python3 $WEFT_TESTS/integration/signal_at.py"
MB=$((1024 * 1024))
at_pid=
cli_pid=

# The frozen CLI and its signal_at are ours to end, whatever happens.
ours_stop() {
	if [ -n "$cli_pid" ]; then
		kill -CONT "$cli_pid" 2>/dev/null || true
		kill "$cli_pid" 2>/dev/null || true
	fi
	if [ -n "$at_pid" ]; then
		kill "$at_pid" 2>/dev/null || true
		wait "$at_pid" 2>/dev/null || true
	fi
	cleanup
}
trap ours_stop EXIT

start_node a
stopped() {
	[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = T ]
}

round() {
	local how=$1 x y out rc
	rm -rf "$T/x" "$T/y" "$T/out"
	mkdir -p "$T/x" "$T/y"
	head -c $((12 * MB)) /dev/urandom >"$T/x/shared.bin"
	cp "$T/x/shared.bin" "$T/y/shared.bin"
	head -c $((96 * MB)) /dev/urandom >"$T/y/z-big.bin"
	x=$(w a -q publish "$T/x" --title "x $how" --license MIT) ||
	    fail "publish x"

	# The publish of y, frozen once 48 MiB of the big file are read.
	$AT STOP readpos "$T/y/z-big.bin" $((48 * MB)) -- "$WEFT_BIN" \
	    --home "$T/a" -q publish "$T/y" --title "y $how" \
	    --license MIT >"$T/at.out" 2>"$T/at.err" &
	at_pid=$!
	wait_for 60 sh -c "pgrep -P $at_pid >/dev/null" ||
	    fail "$how: no publish started: $(cat "$T/at.err")"
	cli_pid=$(pgrep -P "$at_pid")
	wait_for 60 stopped "$cli_pid" ||
	    fail "$how: the publish was not frozen: $(cat "$T/at.err")"

	# x goes while y's publish holds shared.bin's chunks.
	case $how in
	retract)
		w a -q retract "$x" >/dev/null || fail "retract x" ;;
	records)
		w a -q rm --records "$x" >/dev/null || fail "rm --records x" ;;
	rm)
		w a -q rm "$x" >/dev/null || fail "rm x" ;;
	esac

	kill -CONT "$cli_pid"
	wait "$at_pid" || fail "$how: signal_at: $(cat "$T/at.err")"
	at_pid=
	cli_pid=
	rc=$(cat "$T/at.out")
	[ "$rc" = 0 ] || fail "$how: the publish exited $rc: $(cat "$T/at.err")"
	y=$(grep -Eo '^[0-9a-f]{64}$' "$T/at.err" | tail -n 1)
	[ ${#y} -eq 64 ] || fail "$how: no design id: $(cat "$T/at.err")"

	w a -q get "$y" -o "$T/out" >/dev/null 2>"$T/get.err" ||
	    fail "$how: get y: $(cat "$T/get.err")"
	cmp -s "$T/out/shared.bin" "$T/y/shared.bin" ||
	    fail "$how: shared.bin differs"
	cmp -s "$T/out/z-big.bin" "$T/y/z-big.bin" ||
	    fail "$how: z-big.bin differs"
	w a verify >"$T/verify.out" ||
	    fail "$how: the store does not verify: $(cat "$T/verify.out")"
}

round retract
round records
round rm
echo ok
