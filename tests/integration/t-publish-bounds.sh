#!/bin/bash
# Publish's pipeline (daemon/ctl/publish.c) must finish whatever its
# bounds: frames held, batch size, batches queued. Until stop 15 a queue
# of two batches (PUB_READY 2, weftd's now) or one never started the
# chunk job and every publish stalled for good. WEFTD_PUB_BINS names
# weftd builds with other bounds
# (tests/CMakeLists.txt): each, and the default weftd, publishes files of
# every shape (several MiB, a frame exactly, tiny, empty, only empty
# files) within a time limit, and gives them back byte for byte.
source "$(dirname "$0")/lib.sh"

: "${WEFTD_PUB_BINS:?WEFTD_PUB_BINS must list the weftd variants}"

mkdir -p "$T/src/sub" "$T/empty"
head -c $((5 * 1024 * 1024 + 777)) /dev/urandom >"$T/src/big.bin"
head -c $((1024 * 1024)) /dev/urandom >"$T/src/frame.bin"
printf 'x' >"$T/src/a.txt"
for i in 1 2 3 4 5 6 7 8; do
	: >"$T/src/sub/e$i.txt"
	head -c $((i * 5000)) /dev/urandom >"$T/src/sub/s$i.bin"
done
: >"$T/empty/one.txt"
: >"$T/empty/two.txt"

default=$WEFTD_BIN
n=0
for bin in $default ${WEFTD_PUB_BINS//:/ }; do
	n=$((n + 1))
	name=$(basename "$bin")
	WEFTD_BIN=$bin
	w "n$n" -q init
	start_node "n$n"
	pid=$NODE_PID
	# A stalled publish never returns: the limit makes it a failure.
	expect_code 0 timeout $((60 * SLOW)) "$WEFT_BIN" --home "$T/n$n" -q \
	    publish "$T/src" --title "bounds $n" --license mit
	d=$(cat "$T/out")
	[ ${#d} -eq 64 ] || fail "$name: publish printed '$d'"
	expect_code 0 w "n$n" get "$d" -o "$T/got$n"
	diff -r -x CREDITS.md "$T/src" "$T/got$n" >/dev/null ||
	    fail "$name: the files came back different"
	expect_code 0 timeout $((60 * SLOW)) "$WEFT_BIN" --home "$T/n$n" -q \
	    publish "$T/empty" --title "empty $n" --license mit
	d=$(cat "$T/out")
	expect_code 0 w "n$n" get "$d" -o "$T/gotempty$n"
	diff -r -x CREDITS.md "$T/empty" "$T/gotempty$n" >/dev/null ||
	    fail "$name: the empty files came back different"
	stop_node "$pid"
	echo "$name: ok"
done
WEFTD_BIN=$default
[ "$n" -eq 4 ] || fail "ran $n weftd builds, expected 4"
