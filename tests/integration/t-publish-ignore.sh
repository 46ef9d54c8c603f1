#!/bin/bash
# Safe publishing: a git checkout published with the defaults carries no
# .git/ and no dotfiles; .weftignore follows git's rules exactly (checked
# against git itself on generated trees); --exclude, --dry-run, and the
# confirmation that many files or a secret-looking name need.
. "$(dirname "$0")/lib.sh"

# .weftignore against git's own answer on the same trees.
mkdir "$T/cmp"
/usr/bin/python3 "$WEFT_TESTS/integration/ignore_compare.py" "$WEFT_BIN" \
    "$T/cmp" "${WEFT_IGNORE_SEEDS:-200}" || fail "weft and git differ"

start_node a
records() {
	w a --json status >"$T/st.json"
	json 'j["records"]' "$T/st.json"
}

# A git checkout with the usual clutter.
R="$T/laser-box"
mkdir -p "$R/parts" "$R/build" "$R/.vscode"
echo "box" >"$R/box.svg"
echo "lid" >"$R/parts/lid.scad"
echo "tmp" >"$R/build/out.gcode"
echo "mac" >"$R/.DS_Store"
echo "mac" >"$R/parts/.DS_Store"
echo "swp" >"$R/parts/.lid.scad.swp"
echo "bak" >"$R/parts/lid.scad~"
echo "emacs" >"$R/#box.svg#"
echo "thumb" >"$R/Thumbs.db"
echo "{}" >"$R/.vscode/settings.json"
echo "x" >"$R/notes.txt"
git -C "$R" init -q
git -C "$R" -c user.name=t -c user.email=t@example.org add -A
git -C "$R" -c user.name=t -c user.email=t@example.org commit -qm one
git -C "$R" config remote.origin.url https://token@example.org/x.git
[ -f "$R/.git/config" ] || fail "no .git/config to leave out"

n0=$(records)
w a --json publish "$R" --dry-run >"$T/dry.json" || fail "dry-run failed"
[ "$(records)" = "$n0" ] || fail "--dry-run published something"
[ "$(json '[f["path"] for f in j["files"]]' "$T/dry.json")" = \
    "['box.svg', 'build/out.gcode', 'notes.txt', 'parts/lid.scad']" ] ||
    fail "dry-run list: $(cat "$T/dry.json")"
[ "$(json 'j["total"]' "$T/dry.json")" = 14 ] || fail "dry-run total"
json '".git/" in j["skipped"]' "$T/dry.json" | grep -qx True ||
    fail "dry-run does not say .git/ was skipped"
w a publish "$R" --dry-run >"$T/dry.txt"
grep -q '^4 files, 14 bytes' "$T/dry.txt" || fail "human dry-run: $(cat "$T/dry.txt")"

# Published with the defaults: no .git/, no dotfile, no backup.
design=$(w a -q publish "$R" --license MIT)
w a --json show "$design" >"$T/show.json"
paths=$(json '" ".join(f["path"] for f in j["files"])' "$T/show.json")
[ "$paths" = "box.svg build/out.gcode notes.txt parts/lid.scad" ] ||
    fail "published $paths"
case "$paths" in *.git*) fail ".git published" ;; esac

# .weftignore: directory rules, negation, anchoring; --exclude on top.
printf 'build/\n*.txt\n!notes.txt\n!.vscode/\n/parts/*.scad\n' >"$R/.weftignore"
w a --json publish "$R" --dry-run --exclude 'settings.*' >"$T/dry2.json"
[ "$(json '[f["path"] for f in j["files"]]' "$T/dry2.json")" = \
    "['box.svg', 'notes.txt']" ] || fail "rules: $(cat "$T/dry2.json")"
w a --json publish "$R" --dry-run >"$T/dry3.json"
[ "$(json '[f["path"] for f in j["files"]]' "$T/dry3.json")" = \
    "['.vscode/settings.json', 'box.svg', 'notes.txt']" ] ||
    fail "negated dotdir: $(cat "$T/dry3.json")"
# No negation brings back .git.
echo '!.git/' >>"$R/.weftignore"
w a --json publish "$R" --dry-run >"$T/dry4.json"
json '[f for f in j["files"] if f["path"].startswith(".git/")]' \
    "$T/dry4.json" | grep -qx '\[\]' || fail ".git re-included"
rm "$R/.weftignore"

# A secret-looking name, named explicitly, needs --yes without a terminal.
echo "SECRET=1" >"$R/.env"
n0=$(records)
expect_code 1 w a publish "$R/.env" "$R/box.svg" --title s </dev/null
grep -q "looks like a secret" "$T/err" || fail "no secret warning: $(cat "$T/err")"
[ "$(records)" = "$n0" ] || fail "secret published without --yes"
w a -q publish "$R/.env" "$R/box.svg" --title s --yes >/dev/null ||
    fail "--yes refused"
# A key file inside a folder, too.
echo "k" >"$R/parts/deploy.pem"
expect_code 1 w a publish "$R" </dev/null
grep -q "deploy.pem" "$T/err" || fail "pem not named: $(cat "$T/err")"
rm "$R/parts/deploy.pem" "$R/.env"

# More than 200 files need --yes.
mkdir "$T/many"
for i in $(seq 1 201); do echo "$i" >"$T/many/f$i.txt"; done
expect_code 1 w a publish "$T/many" </dev/null
grep -q "201 files" "$T/err" || fail "many: $(cat "$T/err")"
w a -q publish "$T/many" --yes --license MIT >/dev/null || fail "--yes refused"

# Warnings: a 0-byte file, no --license.
mkdir "$T/warn"
: >"$T/warn/empty.stl"
echo x >"$T/warn/part.stl"
w a publish "$T/warn" >/dev/null 2>"$T/werr" || fail "warn publish failed"
grep -q "'empty.stl' is empty" "$T/werr" || fail "no empty warning"
grep -q "no --license" "$T/werr" || fail "no license warning"
# The same files again: refused, naming the design; --yes publishes a copy.
wd=$(w a --json ls | json '[d["design"] for d in j if d["title"] == "warn"][0]' /dev/stdin)
n0=$(records)
expect_code 1 w a publish "$T/warn" --title again --license MIT
grep -q "already your design $wd" "$T/err" || fail "dup: $(cat "$T/err")"
# The message is whole: no error name tacked on after the advice.
grep -q "with --yes\$" "$T/err" || fail "dup message has a tail: $(cat "$T/err")"
grep -q "weft update ${wd:0:8}" "$T/err" || fail "dup hint: $(cat "$T/err")"
[ "$(records)" = "$n0" ] || fail "duplicate published"
w a -q publish "$T/warn" --title again --license MIT --yes >/dev/null ||
    fail "--yes copy refused"
# Everything ignored: says so.
mkdir "$T/dots"
echo x >"$T/dots/.hidden"
expect_code 2 w a publish "$T/dots"
grep -q "ignore rules skip" "$T/err" || fail "all-skipped: $(cat "$T/err")"
echo ok
