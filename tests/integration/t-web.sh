#!/bin/bash
# The web UI over real HTTP (curl): two nodes asked for the same port
# get two ports; weft status shows each; pages list the right designs
# with every stranger-written string escaped; the JSON API; a zip (with
# CREDITS.md) and a single file download equal what weft get writes;
# foreign Host headers
# and state changes without a token or from another Origin are refused;
# --web off serves nothing.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }

# A port nobody else is likely to use, and the one after it.
port=$((20000 + (RANDOM % 20000)))
start_node a --web "127.0.0.1:$port"
start_node b --web "127.0.0.1:$port"
w a status --json >"$T/sa"
w b status --json >"$T/sb"
wa=$(json 'j["web"]' "$T/sa")
wb=$(json 'j["web"]' "$T/sb")
[ "$wa" = "127.0.0.1:$port" ] || fail "a's web address is '$wa'"
[ "$wb" != "$wa" ] && [ "${wb%:*}" = 127.0.0.1 ] ||
    fail "b's web address is '$wb'"
grep -q "port $port is taken" "$T/b.log" || fail "b did not log the taken port"
w a status | grep -q "^web  *http://$wa/" || fail "weft status shows no web"
U="http://$wa"

# A design whose title, description and file names attack the page.
mkdir -p "$T/d/sub"
printf 'solid t\nendsolid t\n' >"$T/d/\"><img src=x onerror=alert(1)>.stl"
head -c 700000 /dev/urandom >"$T/d/sub/big.bin"
printf 'hello\n' >"$T/d/a b.txt"
w a publish "$T/d" --title '<script>alert(1)</script>' \
    --description 'javascript:alert(2) and https://example.org/x <b>bold</b>' \
    --tag xss --license CC-BY-4.0 >"$T/pub" || fail "publish failed"
design=$(awk '{print $NF}' "$T/pub")
mkdir -p "$T/d2"
printf 'cube\n' >"$T/d2/cube.scad"
w a publish "$T/d2" --title 'Plain cube' --tag box >/dev/null

get() { curl -sS -o "$T/body" -D "$T/head" "$@"; }
code() { awk 'NR==1 {print $2}' "$T/head"; }

get "$U/"
[ "$(code)" = 200 ] || fail "home: $(code)"
grep -q "Content-Security-Policy: default-src 'none'; script-src 'self'" \
    "$T/head" || fail "no CSP on the home page"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/body" ||
    fail "home does not show the escaped title"
grep -q '<script>alert' "$T/body" && fail "home shows a raw script tag"
grep -q 'Plain cube' "$T/body" || fail "home lacks the second design"
# Newest first: the cube was published last.
first=$(grep -o 'class="title" href="/d/[0-9a-f]*">[^<]*' "$T/body" | head -1)
case "$first" in *'Plain cube') ;; *) fail "home starts with '$first'" ;; esac

get "$U/d/$design"
[ "$(code)" = 200 ] || fail "design page: $(code)"
grep -q '<script>alert\|<img src=x\|<b>bold' "$T/body" &&
    fail "the design page shows raw markup"
grep -q 'href="javascript' "$T/body" && fail "a javascript: link"
grep -q 'href="https://example.org/x"' "$T/body" ||
    fail "the http(s) link in the description is not a link"
grep -q '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.stl' "$T/body" ||
    fail "the file name is not shown escaped"
grep -q 'remix and sell, crediting the author' "$T/body" ||
    fail "the license's meaning is missing"
# No 3D view installed here: the page says so, and so did the log, once.
grep -q 'The 3D view is not installed on this node' "$T/body" ||
    fail "the design page does not say the 3D view is missing"
[ "$(grep -c "3D view's files are not installed" "$T/a.log")" = 1 ] ||
    fail "the log does not say once that the 3D view is missing"
get "$U/d/${design:0:10}"
[ "$(code)" = 200 ] || fail "a prefix of the design id: $(code)"

get "$U/search?q=cube"
grep -q 'Plain cube' "$T/body" || fail "search does not find the cube"
grep -q 'alert' "$T/body" && fail "search shows a design it should not"
get "$U/search?tag=xss"
grep -q 'script&gt;alert' "$T/body" || fail "tag filter lost the design"
grep -q 'Plain cube' "$T/body" && fail "tag filter kept the cube"
# Words and filters together (the store's search_page takes both).
get "$U/search?q=cube&tag=xss"
grep -q 'Plain cube' "$T/body" && fail "search with a tag kept the cube"
get "$U/search?q=cube&tag=box"
grep -q 'Plain cube' "$T/body" || fail "search with its tag lost the cube"
get "$U/status"
[ "$(code)" = 200 ] || fail "status page: $(code)"

# The JSON API.
get "$U/api/search?q=cube"
json 'j["items"][0]["title"]' "$T/body" | grep -qx 'Plain cube' ||
    fail "api/search: $(cat "$T/body")"
get "$U/api/search?q=cube&tag=xss"
[ "$(json 'len(j["items"])' "$T/body")" = 0 ] ||
    fail "api/search ignores the tag: $(cat "$T/body")"
get "$U/api/search?q=cube&limit=1&page=1"
[ "$(json 'len(j["items"]), j["more"]' "$T/body")" = '(0, False)' ] ||
    fail "api/search's second page: $(cat "$T/body")"
get "$U/api/search?q=cube&author=nothex"
[ "$(code)" = 400 ] || fail "api/search with a bad author: $(code)"
# An author by a key prefix, as the CLI takes one: in the API, on the
# author page and in a search filter.
ak=$(w a --json status | json 'j["author"]' /dev/stdin)
get "$U/api/search?q=cube&author=${ak:0:10}"
[ "$(code)" = 200 ] &&
    json 'j["items"][0]["title"]' "$T/body" | grep -qx 'Plain cube' ||
    fail "api/search by an author prefix: $(code) $(cat "$T/body")"
get "$U/a/${ak:0:8}"
[ "$(code)" = 200 ] && grep -q 'Plain cube' "$T/body" ||
    fail "author page by a prefix: $(code)"
get "$U/a/00000000"
[ "$(code)" = 404 ] || fail "author page of nobody: $(code)"
get "$U/api/design/$design"
[ "$(json 'j["title"]' "$T/body")" = '<script>alert(1)</script>' ] ||
    fail "api/design title"
[ "$(json 'len(j["revisions"][0]["files"])' "$T/body")" = 3 ] ||
    fail "api/design files"
get "$U/api/status"
[ "$(json 'j["designs"]' "$T/body")" = 2 ] || fail "api/status designs"
get "$U/api/design/00000000"
[ "$(code)" = 404 ] || fail "api of an unknown design: $(code)"

# Downloads equal weft get's files, byte for byte, CREDITS.md too (the
# text of weft credits --format md).
w a get "$design" -o "$T/got" >/dev/null || fail "weft get failed"
[ -s "$T/got/CREDITS.md" ] || fail "weft get wrote no CREDITS.md"
w a credits "$design" --format md >"$T/credits.md"
cmp "$T/credits.md" "$T/got/CREDITS.md" || fail "weft get's credits differ"
get "$U/zip/$design/design.zip"
[ "$(code)" = 200 ] || fail "zip: $(code)"
grep -qi '^Content-Type: application/zip' "$T/head" || fail "zip type"
mkdir "$T/unz"
/usr/bin/python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; z.extractall(sys.argv[2])' \
    "$T/body" "$T/unz" || fail "the zip does not extract"
diff -r "$T/got" "$T/unz" || fail "the zip differs from weft get"
cmp "$T/credits.md" "$T/unz/CREDITS.md" || fail "the zip's CREDITS.md differs"
grep -q 'licensed under CC-BY-4.0' "$T/unz/CREDITS.md" ||
    fail "the zip's CREDITS.md lacks the license"
get "$U/f/$design/1/big.bin"
[ "$(code)" = 404 ] || [ "$(code)" = 200 ] || fail "file: $(code)"
n=$(/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print([f["path"] for f in j["revisions"][0]["files"]].index("sub/big.bin"))' \
    <(curl -sS "$U/api/design/$design"))
get "$U/f/$design/$n/big.bin"
cmp "$T/body" "$T/got/sub/big.bin" || fail "a single file differs"
grep -qi '^Content-Disposition: attachment; filename="big.bin"' "$T/head" ||
    fail "no attachment name"
get -I "$U/f/$design/$n/big.bin"
grep -qi '^Content-Length: 700000' "$T/head" || fail "HEAD length"

# Refusals.
get -H 'Host: evil.example:'"${wa#*:}" "$U/"
[ "$(code)" = 421 ] || fail "a foreign Host got $(code)"
grep -q 'Plain cube' "$T/body" && fail "a foreign Host saw the designs"
get -X POST -d 'token=x' "$U/act/get"
[ "$(code)" = 403 ] || fail "a POST without Origin got $(code)"
get -X POST -H 'Origin: http://evil.example' -d 'token=x' "$U/act/get"
[ "$(code)" = 403 ] || fail "a foreign Origin got $(code)"
get -X POST -H "Origin: $U" -d 'token=0123' "$U/act/get"
[ "$(code)" = 403 ] || fail "a wrong token got $(code)"
get -X DELETE "$U/"
[ "$(code)" = 405 ] || fail "DELETE got $(code)"
get "$U/static/../../etc/passwd" --path-as-is
[ "$(code)" = 404 ] || fail "a path out of static got $(code)"
# An oversized request head is refused with 431, not read on.
/usr/bin/python3 - "${wa%:*}" "${wa#*:}" >"$T/big" <<'PY' || fail "oversized"
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
host = ("%s:%s" % (sys.argv[1], sys.argv[2])).encode()
s.sendall(b"GET / HTTP/1.1\r\nHost: " + host + b"\r\nX: " + b"a" * 70000)
data = b""
while True:
    try:
        d = s.recv(4096)
    except ConnectionResetError:
        break
    if not d:
        break
    data += d
print(data.split(b"\r\n")[0].decode())
PY
grep -q '^HTTP/1.1 431' "$T/big" || fail "oversized head: $(cat "$T/big")"

# Slicer hand-off: a POST from our own page mints a capability URL for
# one file, handed to the slicer's scheme; the URL serves exactly that
# file; a made-up token is refused.
get "$U/d/$design"
tok=$(grep -o 'name="token" value="[0-9a-f]*"' "$T/body" | head -1 |
    sed 's/.*value="//; s/"$//')
[ ${#tok} -eq 32 ] || fail "no session token in the design page's forms"
get -X POST -H "Origin: $U" \
    --data "token=$tok&rev=$design&n=$n&name=big.bin&slicer=orca" \
    "$U/act/handoff"
[ "$(code)" = 303 ] || fail "handoff: $(code)"
loc=$(sed -n 's/^Location: orcaslicer:\/\/open?file=//p' "$T/head" | tr -d '\r')
[ -n "$loc" ] || fail "handoff went to: $(grep -i ^Location "$T/head")"
cap=$(/usr/bin/python3 -c 'import sys,urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$loc")
case "$cap" in "$U/h/"*/big.bin) ;; *) fail "capability URL '$cap'" ;; esac
get "$cap"
cmp "$T/body" "$T/got/sub/big.bin" || fail "the capability URL's file differs"
# One use: the same URL again is refused.
get "$cap"
[ "$(code)" = 404 ] || fail "a capability URL served twice ($(code))"
grep -q 'expired' "$T/body" || fail "a spent capability says: $(cat "$T/body")"
get "$U/h/0123456789abcdef0123456789abcdef/big.bin"
[ "$(code)" = 404 ] || fail "a made-up capability got $(code)"

# A link unused expires: on a node whose links live 3 s (web-link-ms),
# a HEAD (which does not spend it) finds it, then no longer does.
mint() {	# mint WEB_URL: a capability URL for design's file n
	get -X POST -H "Origin: $1" \
	    --data "token=$2&rev=$3&n=0&name=x.stl&slicer=cura" \
	    "$1/act/handoff"
	[ "$(code)" = 303 ] || fail "handoff on $1: $(code)"
	/usr/bin/python3 -c 'import sys,urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' \
	    "$(sed -n 's/^Location: cura:\/\/open?file=//p' "$T/head" | tr -d '\r')"
}
pid_b=$NODE_PID
WEFT_WEB_LINK_MS=3000 start_node e --web 127.0.0.1:0
UE="http://$(w e --json status | json 'j["web"]' /dev/stdin)"
mkdir -p "$T/de"
printf 'solid x\nendsolid x\n' >"$T/de/x.stl"
de=$(w e -q publish "$T/de" --title 'Short link' --license MIT) ||
    fail "publish on e"
get "$UE/d/$de"
tokE=$(grep -o 'name="token" value="[0-9a-f]*"' "$T/body" | head -1 |
    sed 's/.*value="//; s/"$//')
capE=$(mint "$UE" "$tokE" "$de")
head_code() { curl -sS -o /dev/null -I -w '%{http_code}' "$1"; }
[ "$(head_code "$capE")" = 200 ] || fail "a fresh link is not there"
gone() { [ "$(head_code "$capE")" = 404 ]; }
wait_for 15 gone || fail "a 3 s link still served after 15 s"
get "$capE"
[ "$(code)" = 404 ] || fail "an expired link served a GET ($(code))"
stop_node "$NODE_PID"
NODE_PID=$pid_b
get -X POST --data "token=$tok&rev=$design&n=0&name=x.stl&slicer=orca" \
    "$U/act/handoff"
[ "$(code)" = 403 ] || fail "a handoff without Origin got $(code)"

# --web off: no listener, status says null.
stop_node "$NODE_PID"
start_node c --web off
w c status --json >"$T/sc"
[ "$(json 'j["web"]' "$T/sc")" = None ] || fail "--web off still serves"
# --web 127.0.0.1:0: the kernel picks a port; status shows the one in use.
start_node p0 --web 127.0.0.1:0
w p0 status --json >"$T/sp0"
wp0=$(json 'j["web"]' "$T/sp0")
case "$wp0" in 127.0.0.1:0|127.0.0.1:) fail "port 0 shown as '$wp0'" ;;
127.0.0.1:[1-9]*) ;; *) fail "port 0 gave '$wp0'" ;; esac
get "http://$wp0/"
[ "$(code)" = 200 ] || fail "the picked port does not serve: $(code)"
stop_node "$NODE_PID"

echo "PASS"
