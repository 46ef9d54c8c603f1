#!/bin/sh
# Fails when a daemon source includes a header of a layer above its own
# (docs/DESIGN.md, "Layers"): base < store < repl < net < ctl < the
# wiring in daemon/ itself. base holds the log and the clock, which every
# layer may use; headers outside daemon/ (include/weft, util/) are below
# every layer.
#
# Tangles not yet undone are listed in tests/layers/known-tangles, one
# "FILE HEADER" per line. A tangle that appears and is not listed fails
# the check, and so does a listed one that no longer exists, so that the
# list only ever shrinks.
#
# daemon/ctl/ may include one header of the net, netstats.h.
#
# usage: check-layers.sh [SOURCE_DIR]
set -eu
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
known=tests/layers/known-tangles

rank() {
	case "$1" in
	daemon/base/*) echo -1 ;;
	daemon/store/*) echo 0 ;;
	daemon/repl/*) echo 1 ;;
	daemon/net/*) echo 2 ;;
	daemon/ctl/*) echo 3 ;;
	daemon/web/*) echo 4 ;;
	daemon/*) echo 5 ;;
	*) echo -1 ;;
	esac
}

# where HEADER: the daemon folder that holds it, or nothing.
where() {
	for d in daemon/base daemon/store daemon/repl daemon/net daemon/ctl \
	    daemon/web daemon; do
		if [ -f "$d/$1" ]; then
			echo "$d/$1"
			return
		fi
	done
}

found=$(mktemp)
trap 'rm -f "$found"' EXIT
bad=0
for f in $(find daemon -name '*.[ch]' | sort); do
	r=$(rank "$f")
	for h in $(sed -n 's/^#include "\([^"/]*\.h\)".*/\1/p' "$f"); do
		p=$(where "$h")
		[ -n "$p" ] || continue
		hr=$(rank "$p")
		[ "$hr" -le "$r" ] && continue
		echo "$f $h" >>"$found"
		if ! grep -qxF "$f $h" "$known"; then
			echo "check-layers: $f includes $p, a higher layer" >&2
			bad=1
		fi
	done
done
# ctl reads the net through netstats.h only: the net's counters and
# tables come as plain structs, never as its connections or dials.
for f in $(find daemon/ctl -name '*.[ch]' | sort); do
	for h in $(sed -n 's/^#include "\([^"/]*\.h\)".*/\1/p' "$f"); do
		[ -f "daemon/net/$h" ] && [ "$h" != netstats.h ] || continue
		echo "check-layers: $f includes daemon/net/$h; ctl reads" \
		    "the net through netstats.h only" >&2
		bad=1
	done
done
grep -v '^#' "$known" | grep -v '^$' | while read -r f h; do
	if ! grep -qxF "$f $h" "$found"; then
		echo "check-layers: '$f $h' is untangled: remove it from" \
		    "$known" >&2
		exit 1
	fi
done || bad=1
n=$(wc -l <"$found")
echo "check-layers: $n known tangles, no new ones"
[ "$bad" -eq 0 ]
