#!/bin/bash
# Help that explains: every command in weft's command table has a help
# entry (usage, a paragraph), 'weft help CMD', 'weft CMD --help' and -h
# print the same, and every option a cli/cmd_*.c or daemon/main.c accepts
# in its getopt tables is explained in the help of its command(s).
# Misspelt commands and license ids get a "did you mean".
source "$(dirname "$0")/lib.sh"

SRC=$(cd "$WEFT_TESTS/.." && pwd)

expect_code 0 "$WEFT_BIN" help
cmds=$(sed -n '/^commands:/,/^$/p' "$T/out" | awk 'NF > 1 { print $1 }')
[ "$(echo "$cmds" | wc -w)" -ge 20 ] || fail "short command list: $cmds"
for c in $cmds; do
	expect_code 0 "$WEFT_BIN" help "$c"
	cp "$T/out" "$T/help-$c"
	sed -n '/^options:/,/^$/p' "$T/out" >"$T/opts-$c"
	grep -q "^usage: weft $c" "$T/help-$c" || fail "help $c: no usage line"
	# A paragraph: some line after the usage that is not an option.
	[ "$(sed -n '/^$/,$p' "$T/help-$c" | grep -c '^[A-Z]')" -ge 1 ] ||
	    fail "help $c: no explanation"
	expect_code 0 "$WEFT_BIN" "$c" --help
	cmp -s "$T/out" "$T/help-$c" || fail "'$c --help' differs from 'help $c'"
	expect_code 0 "$WEFT_BIN" "$c" -h
	cmp -s "$T/out" "$T/help-$c" || fail "'$c -h' differs from 'help $c'"
done
expect_code 0 "$WEFT_BIN" library create --help
cmp -s "$T/out" "$T/help-library" || fail "library create --help"
# Options after the command but before '--' ask for help; after it not.
expect_code 0 "$WEFT_BIN" ls --tag x -h
cmp -s "$T/out" "$T/help-ls" || fail "ls --tag x -h"

# Every option a command's getopt accepts is in its help, short form
# included. The candidates are the option names in each cli/cmd_*.c; a
# file may hold several commands (cmd_ls.c: ls and search), so each of
# them is asked whether it accepts the option (anything but "unknown
# option"; without a daemon nothing runs) and, if so, must explain it.
probe() {	# probe CMD OPT: whether CMD accepts OPT
	! timeout 10 "$WEFT_BIN" --home "$T/probe" "$1" "$2" x </dev/null \
	    2>&1 >/dev/null | grep -q "unknown option"
}
nopts=0
for f in "$SRC"/cli/cmd_*.c; do
	own=$(sed -n 's/^cmd_\([a-z_]*\)(struct weft_cli.*/\1/p' "$f")
	[ -n "$own" ] || fail "$f defines no command"
	longs=$(sed -n 's/.*{[[:space:]]*"\([a-z][a-z-]*\)",[[:space:]]*[a-z]*_argument.*/\1/p' "$f")
	shorts=$(grep -A1 'getopt_long(argc, argv' "$f" | grep -o '"[^"]*"' |
	    tr -d '":' | fold -w1 | sort -u | grep -vx '[hq]' || true)
	for c in $own; do
		c=${c//_/-}	# cmd_web_password: web-password
		echo "$cmds" | grep -qx "$c" ||
		    fail "$c (in $f) is not in the command list"
		for o in $longs; do
			probe "$c" "--$o" || continue
			grep -Eq -- "--$o([ ,=]|\$)" "$T/opts-$c" ||
			    fail "'weft $c' accepts --$o, its help lacks it"
			nopts=$((nopts + 1))
		done
		for o in $shorts; do
			probe "$c" "-$o" || continue
			grep -Eq -- "(^| )-$o," "$T/opts-$c" ||
			    fail "'weft $c' accepts -$o, its help lacks it"
			nopts=$((nopts + 1))
		done
	done
done
echo "$nopts options checked"
[ "$nopts" -ge 25 ] || fail "found only $nopts options in cli/cmd_*.c"
# The global options.
expect_code 0 "$WEFT_BIN" help
for o in --home --json -q --version; do
	grep -q -- "$o" "$T/out" || fail "'weft help' lacks $o"
done

# weftd --help names the config file, its man page and every option.
expect_code 0 "$WEFTD_BIN" --help
grep -q "HOME/config" "$T/out" || fail "weftd --help does not name HOME/config"
grep -q "man 5 weft-config" "$T/out" || fail "weftd --help lacks weft-config(5)"
n=0
for o in $(sed -n 's/.*{[[:space:]]*"\([a-z][a-z-]*\)",[[:space:]]*[a-z]*_argument.*/\1/p' \
    "$SRC/daemon/main.c"); do
	grep -Eq -- "--$o([ ,=]|\$)" "$T/out" || fail "weftd --help lacks --$o"
	n=$((n + 1))
done
[ "$n" -ge 6 ] || fail "found only $n weftd options"

# Did you mean.
expect_code 2 "$WEFT_BIN" publsh
grep -q "did you mean 'publish'" "$T/err" || fail "publsh: $(cat "$T/err")"
expect_code 2 "$WEFT_BIN" help stauts
grep -q "did you mean 'status'" "$T/err" || fail "help stauts: $(cat "$T/err")"
expect_code 2 "$WEFT_BIN" xyzzy
grep -q "did you mean" "$T/err" && fail "xyzzy got a suggestion: $(cat "$T/err")"
echo cube >"$T/cube.scad"
expect_code 2 "$WEFT_BIN" --home "$T/h" publish "$T/cube.scad" --license CC-BY-4
grep -q "did you mean 'CC-BY-4.0'?" "$T/err" || fail "CC-BY-4: $(cat "$T/err")"
expect_code 2 "$WEFT_BIN" --home "$T/h" publish "$T/cube.scad" --license gpl-3.0
grep -q "did you mean 'GPL-3.0-only' or 'GPL-3.0-or-later'?" "$T/err" ||
    fail "gpl-3.0: $(cat "$T/err")"
expect_code 2 "$WEFT_BIN" --home "$T/h" publish "$T/cube.scad" --license mti
grep -q "did you mean 'MIT'" "$T/err" || fail "mti: $(cat "$T/err")"
expect_code 2 "$WEFT_BIN" --home "$T/h" update 0123456789 "$T/cube.scad" \
    --license CC-BY-SA
grep -q "did you mean 'CC-BY-SA-4.0'" "$T/err" || fail "update: $(cat "$T/err")"
echo ok
