#!/bin/bash
# The web UI in a real headless browser (Debian's chromium, driven by
# playwright-core from web/package-lock.json): pages show the right
# designs; the 3D view draws a non-blank STL (binary and ASCII), OBJ and
# 3MF (canvas pixels, WebGL through SwiftShader); the zip the browser
# downloads holds exactly what weft get writes; a design with a script
# title, an onerror= file name and a javascript: link runs nothing; a
# form on another origin cannot post to the node. Screenshots go to
# $WEFT_WEB_SHOTS (ctest: build/web-shots) as artifacts.
. "$(dirname "$0")/lib.sh"
[ -x /usr/bin/chromium ] || { echo "SKIP: no chromium"; exit 77; }
command -v node >/dev/null || { echo "SKIP: no node"; exit 77; }
top=$(cd "$WEFT_TESTS/.." && pwd)
shots=${WEFT_WEB_SHOTS:-$T/shots}
mkdir -p "$shots" "$T/dl" "$T/m" "$T/x"

"$top/scripts/build-web" "$T/assets" 2>"$T/build-web.log" ||
    fail "scripts/build-web failed: $(cat "$T/build-web.log")"
port=$((20000 + (RANDOM % 20000)))
WEFT_WEB_ASSETS="$T/assets" start_node a --web "127.0.0.1:$port"
w a status --json >"$T/st"
url="http://$(json 'j["web"]' "$T/st")"

/usr/bin/python3 "$WEFT_TESTS/integration/web_models.py" "$T/m" ||
    fail "cannot write the models"
models=$(w a publish "$T/m" --title 'Model zoo' --tag zoo \
    --description 'Four small models.' | awk '{print $NF}')
printf 'x\n' >"$T/x/\"><img src=x onerror=\"window.__xss=1;alert(3)\">.stl"
xss=$(w a publish "$T/x" --title '<script>alert(1)</script>' \
    --description 'javascript:alert(2) and <a href="javascript:alert(4)">x</a> and https://example.org/ok' |
    awk '{print $NF}')
remix=$(w a fork "$models" --title 'Zoo remix' | awk '{print $NF}')
[ -n "$remix" ] || fail "fork failed"
lib=$(w a library create 'Zoo library' | awk '{print $NF}')
w a library add "$lib" "$models" >/dev/null || fail "library add"
printf '{"xss": "%s", "models": "%s", "lib": "%s", "remix": "%s"}\n' \
    "$xss" "$models" "$lib" "$remix" >"$T/designs.json"

WEFT_WEB_NODE_MODULES="$top/web/node_modules" node \
    "$WEFT_TESTS/integration/web_browser.mjs" "$url" "$T/designs.json" \
    "$shots" "$T/dl" || fail "the browser checks failed"

# /thumb/HEAD: the PNG inside the 3MF, byte for byte; a design without a
# 3MF has none: a redirect to the neutral picture.
curl -sS -D "$T/th" -o "$T/thumb.png" "$url/thumb/$models" ||
    fail "GET /thumb"
grep -qi '^Content-Type: image/png' "$T/th" || fail "thumb: $(cat "$T/th")"
cmp "$T/thumb.png" "$T/cube-thumb.png" || fail "the thumbnail differs"
[ "$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' \
    "$url/thumb/$xss")" = "302 $url/static/nothumb.svg" ] ||
    fail "a design without a 3MF has a thumbnail"
[ "$(curl -sS -o /dev/null -w '%{http_code} %{content_type}' \
    "$url/static/nothumb.svg")" = "200 image/svg+xml" ] ||
    fail "no neutral picture"
w a get "$models" -o "$T/got" >/dev/null || fail "weft get"
mkdir "$T/unz"
/usr/bin/python3 -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    "$T/dl/models.zip" "$T/unz" || fail "the browser's zip does not extract"
diff -r "$T/got" "$T/unz" || fail "the browser's zip differs from weft get"
# The page's like and comment are the author's own records, as the CLI's.
w a --json comments "$models" >"$T/cm" || fail "weft comments"
grep -q 'Printed it in PETG' "$T/cm" || fail "weft comments lacks the page's"
w a like "$models" 2>&1 | grep -qi 'already\|unchanged' ||
    fail "the page's like is not this author's"
echo "PASS (screenshots in $shots)"
