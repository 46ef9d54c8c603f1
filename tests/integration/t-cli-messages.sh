#!/bin/bash
# Error lines say what is wrong, in one line, with nothing raw from the
# outside in them (issue 16, F8, F10, F11): names with a newline or an
# escape sequence, too many files, a name that is not UTF-8, a missing
# parent of `get -o`, a license id with control characters.
. "$(dirname "$0")/lib.sh"

ESC=$(printf '\033')

# no_raw FILE: FILE has no ESC, no other control character but the final
# newline, and is one line.
no_raw() {
	[ "$(wc -l <"$1")" -eq 1 ] || fail "not one line: $(cat -A "$1")"
	if LC_ALL=C grep -q "[[:cntrl:]]" "$1"; then
		fail "raw control character: $(cat -A "$1")"
	fi
}

start_node a
pid=$NODE_PID

# A folder from elsewhere with a hostile file name.
mkdir -p "$T/evil"
printf x >"$T/evil/ok.txt"
printf x >"$T/evil/$(printf 'a\nb%s[31mRED' "$ESC")"
expect_code 2 w a publish "$T/evil" --title evil
no_raw "$T/err"
grep -q 'a\\x0ab\\x1b\[31mRED' "$T/err" || fail "not escaped: $(cat "$T/err")"
grep -q "contains a control character" "$T/err" || fail "why: $(cat "$T/err")"
rm "$T/evil/a"*

# A name that is not UTF-8.
printf x >"$T/evil/$(printf 'bad\377name')"
expect_code 2 w a publish "$T/evil" --title evil
no_raw "$T/err"
grep -q "is not valid UTF-8" "$T/err" || fail "utf-8: $(cat "$T/err")"
rm "$T/evil/bad"*

# A symbolic link with an escape sequence in its name: the warning too.
ln -s /etc/passwd "$T/evil/$(printf 'l%s]0;pwned\a' "$ESC")"
w a -q publish "$T/evil" --title evil >/dev/null 2>"$T/err" ||
    fail "publish with a link: $(cat "$T/err")"
w a publish "$T/evil" --title evil --license MIT --yes >/dev/null 2>"$T/err" ||
    fail "publish: $(cat "$T/err")"
no_raw "$T/err"
rm "$T/evil/l"*

# A license id and an id with control characters.
expect_code 2 w a publish "$T/evil" --license "$(printf 'no\nsuch%s[31m' "$ESC")"
no_raw "$T/err"
expect_code 2 w a show "$(printf 'abcdefab\nx')"
no_raw "$T/err"

# A tag with a space: says a tag is one word, and offers one.
expect_code 2 w a publish "$T/evil" --title evil --tag "wall mount"
grep -q "tag 'wall mount' has a space.*'wall-mount'" "$T/err" ||
    fail "tag: $(cat "$T/err")"

# More files than a design may hold: says so.
mkdir "$T/many"
for i in $(seq 1 1025); do : >"$T/many/f$i"; done
expect_code 1 w a publish "$T/many" --title many
grep -q "more than 1024 files" "$T/err" || fail "1025: $(cat "$T/err")"

# get -o with missing parents creates them (weft.1), and a failed get
# leaves none behind.
printf 'hello\n' >"$T/one.txt"
design=$(w a -q publish "$T/one.txt" --title one)
( cd "$T" && "$WEFT_BIN" --home "$T/a" -q get "$design" -o got/deep/dir ) ||
    fail "get -o got/deep/dir"
cmp "$T/one.txt" "$T/got/deep/dir/one.txt" || fail "get wrote wrong bytes"
expect_code 3 w a get 00000000deadbeef -o "$T/gone/x/y"
[ ! -e "$T/gone" ] || fail "a failed get left its parents behind"

stop_node "$pid"

# weftd on a home of another user names the owner.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -m 0700 "$T/foreign"
	chown nobody "$T/foreign"
	"$WEFTD_BIN" --home "$T/foreign" >"$T/foreign.log" 2>&1 &&
	    fail "weftd used a foreign home"
	grep -q "owned by uid $(id -u nobody)" "$T/foreign.log" ||
	    fail "weftd: $(cat "$T/foreign.log")"
	expect_code 1 "$WEFT_BIN" --home "$T/foreign" init
	grep -q "owned by uid $(id -u nobody)" "$T/err" ||
	    fail "init: $(cat "$T/err")"
fi
echo "ok"
