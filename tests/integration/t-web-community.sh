#!/bin/bash
# The design page shows what people made of a design (issue 15 with
# issue 12's records): the author's display name with the key prefix,
# the counts of likes, comments and makes, the comments with an edit in
# place, and the makes, every string a stranger wrote escaped.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }

port=$((20000 + (RANDOM % 20000)))
start_node a --web "127.0.0.1:$port"
wa=$(w a status --json | json 'j["web"]' /dev/stdin)
U="http://$wa"
ax=$(w a --json id | json 'j["author"]' /dev/stdin)

mkdir -p "$T/d"
printf 'solid t\nendsolid t\n' >"$T/d/part.stl"
design=$(w a -q publish "$T/d" --title "Hook") || fail "publish"
w a -q profile set --name '<b>Ada</b> & co' >/dev/null || fail "profile"
c1=$(w a -q comment "$design" '<img src=x onerror=alert(1)> nice') ||
    fail "comment"
w a -q comment "$design" --edit "$c1" 'fixed: <script>x</script>' \
    >/dev/null || fail "edit"
w a -q like "$design" >/dev/null || fail "like"
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\10\0\0\0\0\1\2\3\4\0\0\0\0IEND\xaeB`\x82' \
    >"$T/p.png"
w a -q make "$design" --photo "$T/p.png" --printer '<i>MK4</i>' \
    --note 'clean' >/dev/null || fail "make"

curl -sS -o "$T/page" "$U/d/$design" || fail "design page"
grep -q '&lt;b&gt;Ada&lt;/b&gt; &amp; co <code>'"${ax:0:10}" "$T/page" ||
    grep -q '&lt;b&gt;Ada&lt;/b&gt; &amp; co <code>' "$T/page" ||
    fail "no escaped name: $(grep -o 'class="who"[^<]*' "$T/page" | head -3)"
grep -q '<b>Ada' "$T/page" && fail "the name is not escaped"
grep -q '1 like &middot; 1 comment &middot; 1 make' "$T/page" ||
    fail "counts: $(grep -o 'id="counts">[^<]*' "$T/page")"
grep -q 'fixed: &lt;script&gt;x&lt;/script&gt;' "$T/page" ||
    fail "the edit is not shown escaped"
grep -q 'onerror' "$T/page" && fail "the replaced comment is shown"
grep -q '<script>x' "$T/page" && fail "a comment is not escaped"
grep -q 'edited' "$T/page" || fail "the edit is not marked"
grep -q '&lt;i&gt;MK4&lt;/i&gt;' "$T/page" || fail "the make is not shown"
grep -q 'Photos: p.png' "$T/page" || fail "the make's photo is not named"
stop_all
