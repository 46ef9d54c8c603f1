#!/bin/bash
# Malformed and oversized control messages: the daemon answers with an
# error or drops that client, keeps serving the others, and its store is
# unchanged.
. "$(dirname "$0")/lib.sh"

start_node a
pid=$NODE_PID
printf 'hello\n' >"$T/f.txt"
design=$(w a -q publish "$T/f.txt" --title "kept")
w a --json status >"$T/before.json"

/usr/bin/python3 "$WEFT_TESTS/integration/ctl_garbage.py" "$T/a/weftd.sock" \
    >"$T/garbage.log" 2>&1 || fail "hostile client: $(tail -3 "$T/garbage.log")"

kill -0 "$pid" || fail "weftd died"
w a --json status >"$T/after.json"
[ "$(json 'j["records"]' "$T/after.json")" = \
  "$(json 'j["records"]' "$T/before.json")" ] || fail "records changed"
w a show "$design" >/dev/null || fail "design lost"
w a verify >/dev/null || fail "verify failed after hostile client"
stop_node "$pid"
echo "ok"
