#!/bin/bash
# Search and listings over a store of N designs (default 1,000,000)
# through a real weftd, beside the same commands of another tree (OLD,
# e.g. the tree before issue 14) on a store its own bench-ingest built,
# in the same run. Builds each home once with `bench-ingest --designs`
# (kept in WORK for later runs; delete it to rebuild), then times each
# command five times and reports the medians: the first page of a
# common word, a rare word, a three-word query, a filtered and sorted ls
# page, pages sorted by likes (when the tree has them), the whole of a
# query matching ~13% of the designs (--all) beside `cat` of the same
# output, and the store's bytes per design.
#
# usage: bench/bench-search.sh [BUILD_DIR] [DESIGNS] [OLD_BUILD_DIR] [WORK]
set -eu
export WEFT_LAN_DISCOVERY=off
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
n=${2:-1000000}
old=${3:-}
work=${4:-${TMPDIR:-/var/tmp}/weft-bench-search}
mkdir -p "$work"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	true
}
trap cleanup EXIT

# ms COMMAND...: the median of five runs, in ms (output discarded).
ms() {
	local t=() t0 t1
	for _ in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		t+=($(( (t1 - t0) / 100000 )))
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n 3p |
	    awk '{ printf "%.1f", $1 / 10 }'
}

run() {	# run LABEL BUILD NEW(0/1)
	local label=$1 b=$2 new=$3 home="$work/home-$1-$n" pid
	if [ ! -d "$home" ]; then
		echo "building $home ($n designs)" >&2
		"$b/bench/bench-ingest" --designs "$n" --home "$home" \
		    >/dev/null
	fi
	"$b/weftd" --home "$home" 2>"$work/$label.log" &
	pid=$!
	pids="$pids $pid"
	for _ in $(seq 600); do
		"$b/weft" --home "$home" status >/dev/null 2>&1 && break
		sleep 0.1
	done
	W() { "$b/weft" --home "$home" "$@"; }
	lim=""
	all="search"
	# A tree with pages (after issue 14) is timed as the new one.
	if "$b/weft" --home "$home" search --limit 1 gear >/dev/null 2>&1 ||
	    [ $? -eq 3 ]; then
		new=1
	fi
	if [ "$new" -eq 1 ]; then
		lim="--limit 20"
		all="search --all"
	fi
	echo "== $label ($b)"
	echo "weft status (a round trip, the floor of each figure): $(ms W \
	    status) ms"
	echo "first page, common word 'gear': $(ms W search $lim gear) ms" \
	    "($(W $all gear | wc -l) matches)"
	[ "$new" -eq 0 ] &&
	    echo "  same, | head -n 20:          $(ms sh -c \
	    "\"$b/weft\" --home \"$home\" search gear | head -n 20") ms"
	echo "rare word '123457':             $(ms W search $lim 123457) ms"
	echo "three words 'gear hook bracket': $(ms W search $lim gear hook \
	    bracket) ms"
	if [ "$new" -eq 1 ]; then
		echo "ls --tag gear --sort recent --limit 20: $(ms W ls --tag \
		    gear --sort recent --limit 20) ms"
		echo "ls --type stl --limit 20 --page 100: $(ms W ls --type \
		    stl --limit 20 --page 100) ms"
		if W ls --sort likes --limit 1 >/dev/null 2>&1; then
			echo "ls --sort likes --limit 20: $(ms W ls --sort \
			    likes --limit 20) ms"
			echo "ls --tag gear --sort likes --limit 20: $(ms W ls \
			    --tag gear --sort likes --limit 20) ms"
			echo "search --sort likes --limit 20 hook bracket:" \
			    "$(ms W search --sort likes --limit 20 hook \
			    bracket) ms"
		fi
	else
		echo "ls --tag gear (all; no sort, no limit): $(ms W ls --tag \
		    gear) ms"
	fi
	# Every match of a common word (about 130,000 at 1,000,000
	# designs), streamed, beside cat of the same output.
	W $all gear >"$work/all.txt"
	echo "every match of 'gear' ($(wc -l <"$work/all.txt") lines," \
	    "$(stat -c %s "$work/all.txt") bytes): $(ms W $all gear) ms;" \
	    "cat of the same: $(ms sh -c "cat \"$work/all.txt\" | cat") ms"
	echo "store: $(stat -c %s "$home/store/data.mdb") bytes," \
	    "$(( $(du -B1 "$home/store/data.mdb" | cut -f1) / n )) bytes" \
	    "per design on disk"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pids=""
}

run new "$build" 1
[ -n "$old" ] && run old "$old" 0
exit 0
