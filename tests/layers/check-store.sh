#!/bin/sh
# Fails when a call inside daemon/store/ points up (docs/DESIGN.md, "The
# store inside"). Three levels, each calling only its own and lower ones:
#
#   kernel   store.c (environment, transactions, cursors, base rows),
#            store_pack.c (chunk bytes in pack files) and store_hold.c
#            (the chunks publishes under way hold)
#   modules  every other store_*.c not named below (the index modules:
#            store_index.c, store_recon.c, store_files.c, ...)
#   upper    store_ingest.c, store_open.c, store_disk.c, store_progress.c,
#            store_gc.c, store_blockpurge.c, store_latest.c
#
# A module may call the kernel and itself, but no other module and
# nothing upper; the kernel calls nothing of either and does not include
# store_mods.h. A call is a use of a function name another file defines
# (a line "weft_x(" or "weft__x(" at column 0, KNF), comments removed.
#
# usage: check-store.sh [SOURCE_DIR]
set -eu
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top/daemon/store"
cc=${CC:-cc}

upper="store_ingest.c store_open.c store_disk.c store_progress.c store_gc.c"
upper="$upper store_blockpurge.c store_latest.c"
kernel="store.c store_pack.c store_hold.c"
modules=
for f in store_*.c; do
	case " $upper $kernel " in
	*" $f "*) ;;
	*) modules="$modules $f" ;;
	esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

defs() {
	[ -f "$1" ] || return 0
	sed -n 's/^\(weft_[a-z0-9_]*\)(.*/\1/p' "$1"
}

# uses FILE NAMES...: the NAMES that FILE uses, comments stripped.
uses() {
	f=$1
	shift
	"$cc" -fpreprocessed -dD -E -P "$f" 2>/dev/null >"$tmp/src" ||
	    cp "$f" "$tmp/src"
	for n in "$@"; do
		grep -qw "$n" "$tmp/src" && echo "$n"
	done
	return 0
}

bad=0
fail() {
	echo "check-store: $*" >&2
	bad=1
}

# The kernel: nothing of the modules or the upper level.
if grep -q '^#include "store_mods.h"' $kernel store_impl.h; then
	fail "the kernel includes store_mods.h"
fi
above=
for f in $modules $upper; do
	above="$above $(defs "$f")"
done
for k in $kernel; do
	for n in $(uses "$k" $above); do
		fail "$k (kernel) calls $n, defined above it"
	done
done

# The modules: the kernel and themselves.
for f in $modules; do
	others=
	for g in $modules $upper; do
		[ "$g" = "$f" ] && continue
		others="$others $(defs "$g")"
	done
	for n in $(uses "$f" $others); do
		fail "$f (index module) calls $n, not of the kernel"
	done
done

[ "$bad" -eq 0 ] && echo "check-store: kernel <- modules <- ingest, no call up"
[ "$bad" -eq 0 ]
