#!/bin/bash
# Actions from the web UI, through the same store calls as the control
# socket's get and follow: b, connected to a, has a's design record but
# not its files; the design page's "keep the files" form (token and
# Origin as a browser sends them) makes b fetch them, after which b's
# zip equals a's files. Following a's author from b's page makes b keep
# the files of a's next design without being asked. A POST with a
# stale token changes nothing.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000

port=$((20000 + (RANDOM % 20000)))
start_node a --listen 127.0.0.1:0 --web "127.0.0.1:$port"
start_node b --listen 127.0.0.1:0 --web "127.0.0.1:$((port + 40))"
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)
U="http://$(w b --json status | json 'j["web"]' /dev/stdin)"

mkdir -p "$T/src"
head -c 3000000 /dev/urandom >"$T/src/big.bin"
echo hello >"$T/src/small.txt"
w a --json publish --title "Fetch me" "$T/src" >"$T/pub.json" ||
    fail "publish failed"
design=$(json 'j["design"]' "$T/pub.json")
author=$(w a --json status | json 'j["author"]' /dev/stdin)
expect_code 0 w b connect "$addr_a"
wait_for 20 w b show "$design" || fail "b did not get the record"

code() { curl -sS -o "$T/body" -D "$T/head" -w '%{http_code}' "$@"; }
[ "$(code "$U/zip/$design/x.zip")" = 409 ] ||
    fail "b serves files it does not hold"

[ "$(code "$U/d/$design")" = 200 ] || fail "b's design page"
tok=$(grep -o 'name="token" value="[0-9a-f]*"' "$T/body" | head -1 |
    sed 's/.*value="//; s/"$//')
[ ${#tok} -eq 32 ] || fail "no token in the page's forms"
grep -q 'action="/act/get"' "$T/body" || fail "no get form"

# A stale token: refused, nothing wanted.
[ "$(code -X POST -H "Origin: $U" --data "token=0000$tok&id=$design" \
    "$U/act/get")" = 403 ] || fail "a stale token was taken"
[ "$(code -X POST -H "Origin: $U" --data "token=$tok&id=$design" \
    "$U/act/get")" = 303 ] || fail "get: $(cat "$T/body")"
grep -qi "^Location: /d/$design" "$T/head" || fail "get went elsewhere"
wait_for 30 sh -c "curl -sf -o /dev/null '$U/zip/$design/x.zip'" ||
    fail "b did not fetch the files after the web's get"
code "$U/zip/$design/x.zip" >/dev/null
mkdir "$T/unz"
/usr/bin/python3 -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    "$T/body" "$T/unz" || fail "zip"
# The zip adds CREDITS.md (t-web checks its text).
grep -q '^# Credits' "$T/unz/CREDITS.md" || fail "b's zip has no CREDITS.md"
rm "$T/unz/CREDITS.md"
diff -r "$T/src" "$T/unz" || fail "b's zip differs from a's files"

# Follow: a's next design's files come to b by themselves.
[ "$(code -X POST -H "Origin: $U" --data "token=$tok&id=$author" \
    "$U/act/follow")" = 303 ] || fail "follow: $(cat "$T/body")"
grep -qi "^Location: /a/$author" "$T/head" || fail "follow went elsewhere"
mkdir -p "$T/src2"
head -c 200000 /dev/urandom >"$T/src2/next.bin"
w a --json publish --title "Next one" "$T/src2" >"$T/pub2.json"
design2=$(json 'j["design"]' "$T/pub2.json")
wait_for 30 sh -c "curl -sf -o /dev/null '$U/zip/$design2/x.zip'" ||
    fail "b did not keep the followed author's new files"

# Mirror all: accepted, back to the status page.
[ "$(code -X POST -H "Origin: $U" --data "token=$tok&id=all" \
    "$U/act/mirror")" = 303 ] || fail "mirror: $(cat "$T/body")"
grep -qi "^Location: /status" "$T/head" || fail "mirror went elsewhere"

# Like and comment from b's page: b's author signs them (as weft like
# and weft comment do), and a hears of both. No token, or another
# Origin: refused, nothing signed.
[ "$(code -X POST -H "Origin: $U" --data "id=$design" "$U/act/like")" = 403 ] ||
    fail "a like without a token was taken"
[ "$(code -X POST -H "Origin: http://evil.example" \
    --data "token=$tok&id=$design&text=hi" "$U/act/comment")" = 403 ] ||
    fail "a comment from another Origin was taken"
[ "$(code -X POST -H "Origin: $U" --data "token=$tok&id=$design" \
    "$U/act/like")" = 303 ] || fail "like: $(cat "$T/body")"
grep -qi "^Location: /d/$design#counts" "$T/head" || fail "like went elsewhere"
[ "$(code -X POST -H "Origin: $U" --data "token=$tok&id=$design&text=" \
    "$U/act/comment")" = 400 ] || fail "an empty comment was taken"
[ "$(code -X POST -H "Origin: $U" \
    --data "token=$tok&id=$design&text=Nice+%3Cb%3Ework%3C%2Fb%3E%0Athanks" \
    "$U/act/comment")" = 303 ] || fail "comment: $(cat "$T/body")"
w b like "$design" | grep -q 'already' || fail "b's author does not like it"
a_heard() {
	w a --json comments "$design" | grep -q 'Nice <b>work</b>\\nthanks' &&
	[ "$(w a --json show "$design" | json 'j["likes"]' /dev/stdin)" \
	    = 1 ]
}
wait_for 20 a_heard || fail "a did not hear of b's comment: $(w a --json \
    comments "$design")"
code "$U/d/$design" >/dev/null
grep -q 'Nice &lt;b&gt;work&lt;/b&gt;' "$T/body" ||
    fail "b's page does not show the comment escaped"
grep -q 'class="act-unlike"' "$T/body" || fail "b's page offers no unlike"
echo "PASS"
