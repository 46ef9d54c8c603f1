#!/bin/bash
# Search and listings as a user meets them (issue 14): ranked results
# with Unicode folding and prefixes, file names and types indexed,
# filters, pages with a count on a terminal (script(1) gives the CLI a
# tty), "no designs match", short ids that fit 80 columns, --json with
# full ids, and sorts by likes and remixes (issue 12) with the author's
# name and the counts on each line and in the tree.
source "$(dirname "$0")/lib.sh"

w a -q init
start_node a

pub() {	# pub DIR TITLE [publish args...]
	local dir=$1 title=$2
	shift 2
	expect_code 0 w a publish "$dir" --title "$title" "$@"
	sed -n 's/^published \([0-9a-f]\{64\}\)$/\1/p' "$T/out"
}
mkdir -p "$T/g" "$T/b" "$T/s" "$T/l"
printf 'g' >"$T/g/gear_v2.STL"
printf 'b' >"$T/b/box.scad"
printf 's' >"$T/s/shelf.3mf"
printf 'l' >"$T/l/notes.txt"
g=$(pub "$T/g" "Zahnrad für Wand" --tag Gear --license MIT)
b=$(pub "$T/b" "Gearbox housing" --license CC0-1.0)
s=$(pub "$T/s" "Shelf bracket" --description "Holds a gear")
longtitle=$(printf 'Long title %.0s' $(seq 12))
l=$(pub "$T/l" "$longtitle gear")

# Folding: the issue's example, both ways.
expect_code 0 w a -q search zahnrad fur wand
[ "$(cat "$T/out")" = "$g" ] || fail "folded search: $(cat "$T/out")"
expect_code 0 w a -q search ZAHNRAD FÜR
[ "$(cat "$T/out")" = "$g" ] || fail "folded search 2: $(cat "$T/out")"
# File names and types are words; --type filters by extension.
expect_code 0 w a -q search stl
[ "$(cat "$T/out")" = "$g" ] || fail "search stl: $(cat "$T/out")"
expect_code 0 w a -q ls --type scad
[ "$(cat "$T/out")" = "$b" ] || fail "ls --type: $(cat "$T/out")"
expect_code 0 w a -q search --type 3mf gear
[ "$(cat "$T/out")" = "$s" ] || fail "search --type: $(cat "$T/out")"
expect_code 0 w a -q search --license CC0-1.0 gea
[ "$(cat "$T/out")" = "$b" ] || fail "search --license: $(cat "$T/out")"
# Ranked: the exact title word first, the description's later.
expect_code 0 w a -q search gear
[ "$(wc -l <"$T/out")" -eq 4 ] || fail "gear: $(cat "$T/out")"
[ "$(tail -n 1 "$T/out")" = "$b" ] ||
    fail "gearbox (a prefix only) ranks last: $(cat "$T/out")"
expect_code 0 w a -q search --sort recent gea
[ "$(head -n 1 "$T/out")" = "$l" ] || fail "recent: $(cat "$T/out")"
expect_code 0 w a -q ls --sort recent --limit 1
[ "$(cat "$T/out")" = "$l" ] || fail "ls recent: $(cat "$T/out")"
# Pages walk everything once.
all=$(w a -q ls)
pages=""
for p in 1 2 3 4 5; do
	pages="$pages$(w a -q ls --limit 1 --page $p)
"
done
[ "$(printf '%s' "$pages" | sed '/^$/d')" = "$all" ] ||
    fail "pages: $pages / $all"

# A terminal: 20 by default, a line with the count and what next, short
# ids, lines within 80 columns, "no designs match".
tty() { script -qec "$WEFT_BIN --home $T/a $*" /dev/null | tr -d '\r'; }
tty search --limit 2 gea >"$T/tty"
[ "$(wc -l <"$T/tty")" -eq 3 ] || fail "tty page: $(cat "$T/tty")"
grep -q '^-- 1-2 of .*4; next: --page 2, or --all$' "$T/tty" ||
    fail "no count line: $(cat "$T/tty")"
awk 'length($0) > 80 { exit 1 }' "$T/tty" || fail "wide: $(cat "$T/tty")"
tty ls >"$T/tty"
grep -q "^${l:0:8}  .*\.\.\.$" "$T/tty" || fail "long title: $(cat "$T/tty")"
awk 'length($0) > 80 { exit 1 }' "$T/tty" || fail "wide: $(cat "$T/tty")"
if grep -q "${g:0:20}" "$T/tty"; then fail "full id on a tty"; fi
tty search nothingmatches >"$T/tty"
[ "$(cat "$T/tty")" = "no designs match" ] || fail "empty: $(cat "$T/tty")"
# Not a terminal: everything, no count line; --json keeps full ids.
expect_code 0 w a search gea
[ "$(wc -l <"$T/out")" -eq 4 ] || fail "pipe: $(cat "$T/out")"
expect_code 0 w a --json search --limit 1 zahnrad
[ "$(json 'j[0]["design"]' "$T/out")" = "$g" ] || fail "json id"

# Counts: a like puts b first by likes, a fork puts s first by remixes;
# lines say who made a design and its counts above 0.
expect_code 0 w a profile set --name "Ada Maker"
expect_code 0 w a like "$b"
expect_code 0 w a -q ls --sort likes --limit 1
[ "$(cat "$T/out")" = "$b" ] || fail "ls likes: $(cat "$T/out")"
expect_code 0 w a -q search --sort likes gea
[ "$(head -n 1 "$T/out")" = "$b" ] || fail "search likes: $(cat "$T/out")"
expect_code 0 w a -q fork "$s" --title "Shelf bracket, wider"
f=$(cat "$T/out")
expect_code 0 w a -q ls --sort remixes --limit 1
[ "$(cat "$T/out")" = "$s" ] || fail "ls remixes: $(cat "$T/out")"
tty ls --sort likes --limit 1 >"$T/tty"
grep -q "^${b:0:8}.* Gearbox housing  by Ada Maker  1L$" "$T/tty" ||
    fail "counts on a line: $(cat "$T/tty")"
expect_code 0 w a tree "$s"
grep -q "Shelf bracket  by Ada Maker  1R$" "$T/out" ||
    fail "tree counts: $(cat "$T/out")"
grep -q "${f}  Shelf bracket, wider.*  by Ada Maker$" "$T/out" ||
    fail "tree remix line: $(cat "$T/out")"
expect_code 0 w a --json ls --sort likes --limit 1
[ "$(json 'j[0]["likes"]' "$T/out")" = 1 ] || fail "json likes"
[ "$(json 'j[0]["author_name"]' "$T/out")" = "Ada Maker" ] ||
    fail "json name: $(cat "$T/out")"
expect_code 0 w a show "$s"
grep -q "^remixes  *1$" "$T/out" || fail "show remixes: $(cat "$T/out")"

# Refusals: exit 2, one line.
expect_code 2 w a search --sort bogus gear
grep -q "unknown sort" "$T/err" || fail "bogus: $(cat "$T/err")"
expect_code 2 w a ls --since 2026-13-01
expect_code 2 w a ls --all --limit 3
expect_code 2 w a ls --type 'st l'

stop_all
