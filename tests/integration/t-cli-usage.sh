#!/bin/bash
# The CLI without a daemon: the command list and usage, exit codes of bad
# options and arguments (2), a missing PATH (3), an unreachable daemon (4,
# with a hint how to start it), and init/id, which need no daemon. Every
# failure writes exactly one line to stderr.
source "$(dirname "$0")/lib.sh"

H=$T/a

# Command list and help.
expect_code 2 "$WEFT_BIN"
grep -q '^   publish ' "$T/out" || fail "no command list without a command"
expect_code 0 "$WEFT_BIN" help
grep -q '^   library ' "$T/out" || fail "help lacks library"
expect_code 0 "$WEFT_BIN" --help
expect_code 0 "$WEFT_BIN" --version
grep -q '^weft [0-9]' "$T/out" || fail "no version"
for cmd in init id status publish update fork show log tree ls search get \
    verify peers connect follow unfollow mirror unmirror pins; do
	expect_code 0 "$WEFT_BIN" "$cmd" -h
	grep -q "^usage: weft $cmd" "$T/out" || fail "$cmd -h: $(cat "$T/out")"
	expect_code 0 "$WEFT_BIN" help "$cmd"
done
expect_code 0 "$WEFT_BIN" library -h
expect_code 0 "$WEFT_BIN" library create -h
expect_code 2 "$WEFT_BIN" bogus
grep -q "not a weft command" "$T/err" || fail "bogus: $(cat "$T/err")"
# follow and mirror without an argument list (t-policy-list.sh).
for cmd in unfollow unmirror; do
	expect_code 2 "$WEFT_BIN" "$cmd"
	grep -q "^usage: weft $cmd" "$T/err" || fail "$cmd: $(cat "$T/err")"
done
expect_code 2 "$WEFT_BIN" follow 0123
grep -q "not an author id" "$T/err" || fail "follow 0123: $(cat "$T/err")"
expect_code 2 "$WEFT_BIN" mirror --all LIB
expect_code 2 "$WEFT_BIN" follow --all
expect_code 2 "$WEFT_BIN" pins extra

# Usage errors: exit 2, one line, before the daemon is even asked.
expect_code 2 "$WEFT_BIN" --bogus status
expect_code 2 "$WEFT_BIN" --home
expect_code 2 w a publish
expect_code 2 w a publish --bogus x
grep -q "see 'weft publish -h'" "$T/err" || fail "no hint: $(cat "$T/err")"
expect_code 2 w a publish --title
expect_code 2 w a publish --message m "$T"
expect_code 2 w a status extra
expect_code 2 w a show
expect_code 2 w a show 1234567
expect_code 2 w a show 1234567g
expect_code 2 w a show 12345678 87654321
expect_code 2 w a log zz
expect_code 2 w a get 12345678 --rev nothex
expect_code 2 w a get 12345678 -o ''
expect_code 2 w a fork 12345678 --title ''
expect_code 2 w a update 12345678
expect_code 2 w a update nothex "$T"
expect_code 2 w a ls --author abcd
expect_code 2 w a search
expect_code 2 w a search '  '
expect_code 2 w a library
expect_code 2 w a library frob
expect_code 2 w a library add 12345678
expect_code 2 w a library create ''
expect_code 2 w a init --network-key zz
expect_code 2 w a init --new-network --network-key \
    0000000000000000000000000000000000000000000000000000000000000000

# publish checks its files and metadata before it connects.
mkdir -p "$T/src/sub" "$T/other"
echo one >"$T/src/part.scad"
echo two >"$T/src/sub/part.scad"
echo three >"$T/other/part.scad"
expect_code 3 w a publish "$T/missing"
grep -q "^weft: cannot publish '$T/missing': " "$T/err" ||
    fail "missing path: $(cat "$T/err")"
expect_code 2 w a publish --license NOPE "$T/src"
grep -qF "unknown license 'NOPE': use an SPDX id such as MIT or CC-BY-4.0" \
    "$T/err" || fail "license: $(cat "$T/err")"
expect_code 2 w a publish --title '' "$T/src"
grep -q "title must not be empty" "$T/err" || fail "title: $(cat "$T/err")"
expect_code 2 w a publish --tag '' "$T/src"
expect_code 2 w a publish "$T/src/part.scad" "$T/other"
grep -q "'part.scad' is given twice" "$T/err" || fail "dup: $(cat "$T/err")"
mkdir "$T/empty"
ln -s /etc/passwd "$T/empty/link"
expect_code 2 w a -q publish "$T/empty"
grep -q "nothing to publish" "$T/err" || fail "empty: $(cat "$T/err")"

# No daemon: exit 4 and say how to start one.
expect_code 4 w a status
grep -qF "weft: cannot reach weftd at '$H/weftd.sock': " "$T/err" ||
    fail "status: $(cat "$T/err")"
grep -qF "start it with 'weftd --home $H'" "$T/err" ||
    fail "no hint: $(cat "$T/err")"
for args in "ls" "search x" "show 12345678" "log 12345678" "tree 12345678" \
    "get 12345678" "fork 12345678" "verify" "library ls 12345678"; do
	# shellcheck disable=SC2086
	expect_code 4 w a $args
done
expect_code 4 w a publish "$T/src"
long=$T/$(printf 'x%.0s' $(seq 1 120))
expect_code 4 "$WEFT_BIN" --home "$long" status
grep -q "socket path too long" "$T/err" || fail "long: $(cat "$T/err")"

# init: keys 0600 in a 0700 home, a config with the public network key.
expect_code 0 w a --json init
author=$(json 'j["author"]' "$T/out")
node=$(json 'j["node"]' "$T/out")
[ "${#author}" -eq 64 ] || fail "author id '$author'"
[ "$(json 'sorted(j["created"])' "$T/out")" = "['author.key', 'node.key']" ] ||
    fail "created: $(cat "$T/out")"
[ "$(stat -c %a "$H")" = 700 ] || fail "home mode $(stat -c %a "$H")"
[ "$(stat -c %a "$H/author.key")" = 600 ] || fail "author.key mode"
[ "$(stat -c %a "$H/node.key")" = 600 ] || fail "node.key mode"
grep -q '^network-key = [0-9a-f]\{64\}$' "$H/config" || fail "config"
cp "$H/author.key" "$T/author.key.orig"

# id reads the key files.
expect_code 0 w a id
grep -qx "author  $author" "$T/out" || fail "id: $(cat "$T/out")"
grep -qx "node    $node" "$T/out" || fail "id: $(cat "$T/out")"
expect_code 0 w a -q id
[ "$(cat "$T/out")" = "$author" ] || fail "id -q: $(cat "$T/out")"
expect_code 0 w a id --json
[ "$(json 'j["node"]' "$T/out")" = "$node" ] || fail "id --json"

# A second init refuses; a network key change keeps the keys.
expect_code 1 w a init
grep -q "exist already" "$T/err" || fail "re-init: $(cat "$T/err")"
expect_code 0 w a -q init --new-network
key=$(cat "$T/out")
[[ $key =~ ^[0-9a-f]{64}$ ]] || fail "new network key '$key'"
grep -qx "network-key = $key" "$H/config" || fail "config: $(cat "$H/config")"
cmp -s "$H/author.key" "$T/author.key.orig" || fail "author key changed"
key2=1111111111111111111111111111111111111111111111111111111111111111
expect_code 0 w a init --network-key "$key2"
grep -qx "network-key = $key2" "$H/config" || fail "config: $(cat "$H/config")"

# An author key copied from another device is kept; the node key is new.
mkdir -m 700 "$T/b"
cp "$H/author.key" "$T/b/author.key"
expect_code 0 w b --json init
[ "$(json 'j["author"]' "$T/out")" = "$author" ] || fail "author not kept"
[ "$(json 'j["created"]' "$T/out")" = "['node.key']" ] || fail "created"

# A key file others may read is refused with a hint.
chmod 644 "$T/b/node.key"
expect_code 1 w b id
grep -q "chmod 600" "$T/err" || fail "mode hint: $(cat "$T/err")"
echo "t-cli-usage: ok"
