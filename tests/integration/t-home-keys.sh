#!/bin/bash
# The home and key files: weftd creates the home 0700 and keys 0600 on
# first start, refuses a key file readable by others and a home open to
# others, each with one clear line, and `weft` says how to start a daemon
# that is not running (exit 4).
. "$(dirname "$0")/lib.sh"

start_node a
pid=$NODE_PID
[ "$(stat -c %a "$T/a")" = 700 ] || fail "home is not 0700"
[ "$(stat -c %a "$T/a/author.key")" = 600 ] || fail "author.key is not 0600"
[ "$(stat -c %a "$T/a/node.key")" = 600 ] || fail "node.key is not 0600"
[ "$(stat -c %a "$T/a/weftd.sock")" = 600 ] ||
    fail "socket mode $(stat -c %a "$T/a/weftd.sock")"
grep -q "untrusted comment" "$T/a/author.key" || fail "key file format"
author=$(w a --json status | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["author"])')
stop_node "$pid"

expect_code 4 w a status
grep -q "weftd" "$T/err" || fail "no hint on how to start weftd"

chmod 644 "$T/a/author.key"
expect_code 1 "$WEFTD_BIN" --home "$T/a"
grep -q "chmod 600" "$T/err" || fail "no clear key-mode message: $(cat "$T/err")"
chmod 600 "$T/a/author.key"

chmod 755 "$T/a"
expect_code 1 "$WEFTD_BIN" --home "$T/a"
chmod 700 "$T/a"

# Same keys after all that.
start_node a
[ "$(w a --json status | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["author"])')" = "$author" ] ||
    fail "author key changed"
echo ok
