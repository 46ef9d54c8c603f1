#!/bin/bash
# The CLI against a real weftd: publish a directory (symlinks skipped,
# paths relative and sorted), show/log/tree/ls/search/library/verify in
# human and JSON form, get the files back byte for byte (hashes as b2sum
# computes them), update and get an older revision, refuse to overwrite
# without --force, never write through a symlink planted in the target,
# and report unknown ids (3) and ambiguous ones (2).
source "$(dirname "$0")/lib.sh"

w a -q init
start_node a

mkdir -p "$T/src/parts/deep" "$T/outside"
printf 'cube([10,10,10]);\n' >"$T/src/main.scad"
head -c 3000000 /dev/urandom >"$T/src/parts/body.stl"
: >"$T/src/parts/deep/empty.txt"
printf 'B' >"$T/src/B.md"
ln -s /etc/passwd "$T/src/passwd-link"

# publish: one warning for the symlink, the id on stdout.
expect_code 0 w a publish "$T/src" --title "Red Bracket" --license mit \
    --tag bracket --tag red --description "A bracket.
Two lines."
grep -q "skipping '$T/src/passwd-link': symbolic link" "$T/err" ||
    fail "no symlink warning: $(cat "$T/err")"
d=$(sed -n 's/^published \([0-9a-f]\{64\}\)$/\1/p' "$T/out")
[ -n "$d" ] || fail "publish printed '$(cat "$T/out")'"

# show: every field, the signature re-checked by the CLI.
expect_code 0 w a --json show "${d:0:12}"
[ "$(json 'j["id"]' "$T/out")" = "$d" ] || fail "show id"
[ "$(json 'j["design"]' "$T/out")" = "$d" ] || fail "show design"
[ "$(json 'j["license"]' "$T/out")" = "MIT" ] || fail "license not canonical"
[ "$(json 'j["tags"]' "$T/out")" = "['bracket', 'red']" ] || fail "tags"
[ "$(json '[f["path"] for f in j["files"]]' "$T/out")" = \
    "['B.md', 'main.scad', 'parts/body.stl', 'parts/deep/empty.txt']" ] ||
    fail "paths: $(json '[f["path"] for f in j["files"]]' "$T/out")"
[ "$(json '[f["hash"] for f in j["files"] if f["path"]=="parts/body.stl"][0]' \
    "$T/out")" = "$(b2 "$T/src/parts/body.stl")" ] || fail "hash != b2sum"
[ "$(json 'j["verified"]' "$T/out")" = True ] || fail "not verified"
expect_code 0 w a show "$d"
grep -q '^signature    good$' "$T/out" || fail "human show: $(cat "$T/out")"
grep -q '^             Two lines.$' "$T/out" || fail "description lines"
w a show --raw "$d" >"$T/raw" || fail "show --raw"
[ "$(/usr/bin/python3 "$WEFT_TESTS/integration/verify_record.py" "$T/raw")" = \
    "$d rev" ] || fail "raw envelope does not verify independently"
# On a terminal --raw refuses to write binary (script gives it a tty).
script -qec "'$WEFT_BIN' --home '$T/a' show --raw $d" /dev/null \
    >"$T/tty" 2>&1 && fail "show --raw wrote to a terminal"
grep -q "redirect it to a file" "$T/tty" || fail "tty: $(cat "$T/tty")"

# get: into the slug of the title, byte for byte, then refuse to overwrite.
cd "$T"
expect_code 0 w a get "$d"
for f in main.scad parts/body.stl parts/deep/empty.txt B.md; do
	cmp -s "$T/src/$f" "$T/red-bracket/$f" || fail "get: $f differs"
done
[ ! -e "$T/red-bracket/passwd-link" ] || fail "symlink was published"
echo changed >"$T/red-bracket/main.scad"
expect_code 1 w a get "$d"
grep -q "already exists: use --force" "$T/err" || fail "$(cat "$T/err")"
[ "$(cat "$T/red-bracket/main.scad")" = changed ] || fail "overwritten"
expect_code 0 w a -q get "$d" --force
[ "$(cat "$T/out")" = red-bracket ] || fail "get -q: $(cat "$T/out")"
cmp -s "$T/src/main.scad" "$T/red-bracket/main.scad" || fail "--force"

# A symlink planted in the target must not redirect a write.
mkdir "$T/trap"
ln -s "$T/outside" "$T/trap/parts"
expect_code 1 w a get "$d" -o "$T/trap" --force
[ -z "$(ls -A "$T/outside")" ] || fail "wrote through a symlink"
ls -A "$T/trap" | grep -q weft-get && fail "temp files left behind"

# update, log newest first, get the older revision by --rev.
echo v2 >"$T/src/main.scad"
expect_code 0 w a -q update "${d:0:8}" "$T/src" --message "thicker walls"
r2=$(cat "$T/out")
[[ $r2 =~ ^[0-9a-f]{64}$ ]] && [ "$r2" != "$d" ] || fail "update: $r2"
expect_code 0 w a --json log "$d"
[ "$(json '[r["id"] for r in j["revisions"]]' "$T/out")" = \
    "['$r2', '$d']" ] || fail "log order: $(cat "$T/out")"
[ "$(json 'j["heads"]' "$T/out")" = "['$r2']" ] || fail "heads"
[ "$(json 'j["revisions"][0]["message"]' "$T/out")" = "thicker walls" ] ||
    fail "message"
expect_code 0 w a log "$d"
head -1 "$T/out" | grep -qx "revision $r2 (head)" || fail "log: $(cat "$T/out")"
expect_code 0 w a get "$d" --rev "$d" -o "$T/old"
cmp -s "$T/old/main.scad" "$T/red-bracket/main.scad" || fail "--rev"
expect_code 0 w a get "$d" -o "$T/new"
[ "$(cat "$T/new/main.scad")" = v2 ] || fail "newest head"

# fork and tree.
expect_code 0 w a -q fork "$d" --title "Blue Bracket"
f=$(cat "$T/out")
expect_code 0 w a --json tree "$f"
[ "$(json '[(s["design"], s["depth"]) for s in j["sources"]]' "$T/out")" = \
    "[('$d', 1)]" ] || fail "tree sources: $(cat "$T/out")"
expect_code 0 w a tree "$d"
grep -q "^  $f  Blue Bracket  \[MIT\]$" "$T/out" || fail "tree: $(cat "$T/out")"

# ls, search, library.
expect_code 0 w a --json ls
[ "$(json 'sorted(x["design"] for x in j)' "$T/out")" = \
    "$(printf "%s\n" "$d" "$f" | sort | /usr/bin/python3 -c \
    'import sys; print(sorted(sys.stdin.read().split()))')" ] ||
    fail "ls: $(cat "$T/out")"
expect_code 0 w a --json ls --tag red
[ "$(json 'len(j)' "$T/out")" -eq 2 ] || fail "ls --tag"
expect_code 0 w a ls
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "ls lines: $(cat "$T/out")"
expect_code 0 w a -q search blue
[ "$(cat "$T/out")" = "$f" ] || fail "search: $(cat "$T/out")"
expect_code 0 w a --json search nothing-like-this
[ "$(json 'j' "$T/out")" = "[]" ] || fail "empty search"
expect_code 0 w a -q library create "Brackets" --description "All of them"
lib=$(cat "$T/out")
expect_code 0 w a library add "$lib" "$f"
expect_code 0 w a --json library ls "$lib"
[ "$(json '[x["design"] for x in j["designs"]]' "$T/out")" = "['$f']" ] ||
    fail "library ls: $(cat "$T/out")"
[ "$(json 'j["name"]' "$T/out")" = Brackets ] || fail "library name"
expect_code 0 w a library remove "$lib" "$f"
expect_code 0 w a --json library ls "$lib"
[ "$(json 'j["designs"]' "$T/out")" = "[]" ] || fail "library remove"

# status and verify.
expect_code 0 w a --json status
[ "$(json 'j["designs"]' "$T/out")" -eq 2 ] || fail "status designs"
expect_code 0 w a verify
grep -q ": 0 bad$" "$T/out" || fail "verify: $(cat "$T/out")"

# Unknown ids are "not found"; a too short prefix is a usage error.
expect_code 3 w a show 0000000000000000
expect_code 3 w a get 0000000000000000
expect_code 3 w a -q update 0000000000000000 "$T/src"
expect_code 2 w a show 0000000
expect_code 2 w a -q publish --license NOT-A-LICENSE "$T/src"
echo "t-cli-roundtrip: ok"
