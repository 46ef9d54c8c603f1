#!/bin/bash
# The answers of two trees' weftd over one store, byte for byte: runs the
# commands below (search and ls: words, prefixes, pages, sorts, filters,
# --all, show) with --json and as the human output, first with OLD's
# weftd and weft on HOME, then with NEW's on the same HOME (which NEW's
# weftd may upgrade at open: run OLD first), and diffs each pair. Prints
# one line per command and the differing ones; exits 1 if any differ.
#
# usage: bench/compare-answers.sh OLD_BUILD NEW_BUILD HOME [WORK]
set -u
export WEFT_LAN_DISCOVERY=off
old=$1
new=$2
home=$3
work=${4:-${TMPDIR:-/var/tmp}/weft-compare-answers}
mkdir -p "$work/old" "$work/new"
pid=

cmds=(
	"search gear"
	"search gea"
	"search br"
	"search hoo"
	"search gear hook"
	"search gear hook bracket"
	"search --exact gear"
	"search --limit 20 --page 50 gear"
	"search --sort recent --limit 20 gear hook"
	"search --sort likes --limit 20 hook bracket"
	"search --type stl --limit 30 gear"
	"search --tag gear --limit 30 hook"
	"search --license MIT --limit 30 gear"
	"search --license CC-BY-4.0 --limit 30 --page 2 gear"
	"search --remixable --limit 30 bracket"
	"search --commercial-ok --limit 30 --page 3 hook"
	"search --all gear"
	"search --all hook bracket"
	"search --all --sort recent gear"
	"search -q --all gear"
	"ls --all --tag gear"
	"ls --all"
	"ls --limit 20"
	"ls --limit 20 --page 3"
	"ls --sort recent --limit 50"
	"ls --tag gear --sort recent --limit 20"
	"ls --type stl --limit 20 --page 100"
	"ls --sort likes --limit 20"
	"ls --tag gear --sort likes --limit 20"
	"ls --license MIT --limit 40"
	"ls --license CC-BY-4.0 --sort recent --limit 40"
	"ls --remixable --limit 40 --page 2"
	"ls --commercial-ok --sort recent --limit 40"
	"ls --limit 500 --page 7"
)

# The index of "ls --limit 20" (its short ids name the designs to show).
for ls_i in "${!cmds[@]}"; do
	[ "${cmds[$ls_i]}" = "ls --limit 20" ] && break
done

# serve BUILD LABEL: starts BUILD's weftd on HOME, runs every command.
serve() {
	local b=$1 label=$2 i=0 first t0 tck
	t0=$(date +%s%N)
	"$b/weftd" --home "$home" --web off 2>"$work/$label.log" &
	pid=$!
	for _ in $(seq 6000); do
		"$b/weft" --home "$home" status >/dev/null 2>&1 && break
		sleep 0.1
	done
	# Open (with any upgrade) to the first answer: wall, and weftd's CPU.
	tck=$(getconf CLK_TCK)
	echo "$label: weftd up after $(( ($(date +%s%N) - t0) / 1000000 )) ms," \
	    "$(awk -v t="$tck" '{ printf "%.2f", ($14 + $15) / t }' \
	    "/proc/$pid/stat") s CPU"
	for c in "${cmds[@]}"; do
		# shellcheck disable=SC2086
		"$b/weft" --home "$home" --json $c >"$work/$label/$i.json" \
		    2>&1
		# shellcheck disable=SC2086
		"$b/weft" --home "$home" $c >"$work/$label/$i.txt" 2>&1
		i=$((i + 1))
	done
	# show of the first designs ls lists (short ids from the old run).
	for first in $(head -n 3 "$work/old/$ls_i.txt" | awk '{ print $1 }'); do
		"$b/weft" --home "$home" --json show "$first" \
		    >"$work/$label/show-$first.json" 2>&1
		"$b/weft" --home "$home" show "$first" \
		    >"$work/$label/show-$first.txt" 2>&1
	done
	kill "$pid"
	wait "$pid" 2>/dev/null
	pid=
}
trap '[ -n "$pid" ] && kill "$pid"' EXIT

serve "$old" old
serve "$new" new
bad=0
i=0
for c in "${cmds[@]}"; do
	for ext in json txt; do
		if cmp -s "$work/old/$i.$ext" "$work/new/$i.$ext"; then
			echo "same ($(stat -c %s "$work/old/$i.$ext") B, $ext): $c"
		else
			echo "DIFFERENT ($ext): $c"
			bad=1
		fi
	done
	i=$((i + 1))
done
for f in "$work"/old/show-*; do
	n=$(basename "$f")
	if cmp -s "$f" "$work/new/$n"; then
		echo "same ($(stat -c %s "$f") B): $n"
	else
		echo "DIFFERENT: $n"
		bad=1
	fi
done
exit $bad
