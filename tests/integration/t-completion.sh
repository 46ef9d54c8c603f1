#!/bin/bash
# bash completion (contrib/bash-completion/weft): it registers for weft
# and weftd, completes commands, each command's options and subcommands
# from the binary's own help, and design, author and node ids from the
# running daemon; with no daemon it offers no ids, quickly and silently.
source "$(dirname "$0")/lib.sh"

COMP=$WEFT_TESTS/../contrib/bash-completion/weft
BIN=$(dirname "$WEFT_BIN")

# comp WORDS...: what completing the last word offers, one per line.
comp() {
	PATH=$BIN:$PATH bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		case $1 in weftd) _weftd ;; *) _weft ;; esac
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' comp "$COMP" "$@" 2>"$T/comp.err"
	[ -s "$T/comp.err" ] && fail "completion wrote to stderr: $(cat "$T/comp.err")"
	return 0
}
has() {	# has WORD: the last comp output offers WORD
	grep -qx -- "$1" "$T/c" || fail "completion lacks '$1': $(tr '\n' ' ' <"$T/c")"
}

PATH=$BIN:$PATH bash -c 'source "$1"; complete -p weft; complete -p weftd' \
    comp "$COMP" >"$T/c" || fail "complete -p"
grep -q -- "-F _weft .*weft$" "$T/c" || fail "weft not registered: $(cat "$T/c")"
grep -q -- "-F _weftd .*weftd$" "$T/c" || fail "weftd not registered"

comp weft pu >"$T/c"; has publish
[ "$(wc -l <"$T/c")" -eq 1 ] || fail "pu offers more than publish"
comp weft "" >"$T/c"; has status; has stop; has library; has help
comp weft --home /x st >"$T/c"; has status; has stop
comp weft publish -- >"$T/c"; has --title; has --license; has --tag; has --json
comp weft get - >"$T/c"; has -o; has --output; has --force; has --timeout
comp weft stop --t >"$T/c"; has --timeout
comp weft library "" >"$T/c"; has create; has add; has remove; has ls
comp weft help pe >"$T/c"; has peers
comp weftd -- >"$T/c"; has --home; has --listen; has --peer; has --network-key

# No daemon: no ids, no noise, no wait.
start=$(date +%s%N)
comp weft --home "$T/a" show "" >"$T/c"
[ -s "$T/c" ] && fail "ids offered without a daemon: $(cat "$T/c")"
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 2000 ] || fail "slow without daemon"

# With a daemon: design ids for show/get/log, the author for follow.
start_node a
echo cube >"$T/cube.scad"
design=$(w a -q publish "$T/cube.scad")
author=$(w a id --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["author"])')
for c in show get log tree fork; do
	comp weft --home "$T/a" "$c" "${design:0:6}" >"$T/c"; has "$design"
done
comp weft --home "$T/a" update "" >"$T/c"; has "$design"
comp weft --home "$T/a" follow "" >"$T/c"; has "$author"
comp weft --home "$T/a" ls --author "${author:0:4}" >"$T/c"; has "$author"
comp weft --home "$T/a" show ffffffffff >"$T/c"
[ -s "$T/c" ] && fail "a prefix nothing has offered: $(cat "$T/c")"
echo ok
