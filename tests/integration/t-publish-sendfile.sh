#!/bin/bash
# Whole data frames of a file go to weftd by sendfile(), the rest through
# the CLI's buffer; with WEFT_NO_SENDFILE the fallback (read and send)
# carries them. Both must give weftd the same bytes: files of odd sizes
# around the 1 MiB frame, published each way and got back byte for byte.
source "$(dirname "$0")/lib.sh"

w a -q init
start_node a
pa=$NODE_PID

for way in sendfile fallback; do
	mkdir -p "$T/$way"
	# A small file first, so the big ones start with a part-filled buffer.
	printf 'x' >"$T/$way/a.txt"
	head -c $((1024 * 1024)) /dev/urandom >"$T/$way/b.bin"
	head -c $((3 * 1024 * 1024 + 12345)) /dev/urandom >"$T/$way/c.bin"
	head -c $((2 * 1024 * 1024)) /dev/urandom >"$T/$way/d.bin"
	if [ "$way" = fallback ]; then
		WEFT_NO_SENDFILE=1 expect_code 0 w a -q publish "$T/$way" \
		    --title "$way" --license mit
	else
		expect_code 0 w a -q publish "$T/$way" --title "$way" \
		    --license mit
	fi
	d=$(cat "$T/out")
	[ ${#d} -eq 64 ] || fail "$way: publish printed '$d'"
	expect_code 0 w a get "$d" -o "$T/got-$way"
	for f in a.txt b.bin c.bin d.bin; do
		cmp -s "$T/$way/$f" "$T/got-$way/$f" ||
		    fail "$way: $f came back different"
	done
done
stop_node "$pa"
