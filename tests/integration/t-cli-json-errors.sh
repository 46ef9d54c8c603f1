#!/bin/bash
# With --json a failure prints one JSON document on stdout,
# {"error": {"message", "exit"}}, beside the line on stderr, so a script
# that parses stdout learns why (new-user walkthrough, m10).
. "$(dirname "$0")/lib.sh"

# json_error CODE: $T/out is one JSON error document whose "exit" is CODE
# and whose message is the stderr line without "weft: ".
json_error() {
	python3 - "$T/out" "$T/err" "$1" <<'PY' || fail "json error: $(cat "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
err = doc["error"]
assert err["exit"] == int(sys.argv[3]), err
line = open(sys.argv[2]).read().rstrip("\n")
assert line == "weft: " + err["message"], (line, err)
PY
}

# Usage errors, before and after the command name.
expect_code 2 "$WEFT_BIN" --home "$T/a" --json show zzzz
json_error 2
expect_code 2 "$WEFT_BIN" --home "$T/a" show --json zzzz
json_error 2
# No daemon: exit 4, said in JSON too.
expect_code 4 "$WEFT_BIN" --home "$T/a" --json ls
json_error 4
grep -q "start it with" "$T/err" || fail "no hint: $(cat "$T/err")"
# Without --json, stdout stays empty.
expect_code 4 "$WEFT_BIN" --home "$T/a" ls
[ ! -s "$T/out" ] || fail "stdout without --json: $(cat "$T/out")"

start_node a
# Not found: exit 3.
expect_code 3 w a --json show 0123456789abcdef
json_error 3
# Success prints the document and no error.
expect_code 0 w a --json status
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "error" not in d' \
    "$T/out" || fail "status: $(cat "$T/out")"
stop_all
