#!/bin/bash
# Malformed request arguments (issue 16, F7, F8, F10): each gets an error
# reply whose line quotes the client's bytes escaped, nothing leaks (the
# ASan build's LeakSanitizer fails stop_node on a leak: publish used to
# lose the license string when "message" was malformed), and a search
# without words says so.
. "$(dirname "$0")/lib.sh"

start_node a
pid=$NODE_PID
/usr/bin/python3 "$WEFT_TESTS/integration/ctl_args.py" "$T/a/weftd.sock" \
    >"$T/args.log" 2>&1 || fail "$(tail -3 "$T/args.log")"
expect_code 2 w a search "!!! ,,,"
grep -q "the query has no words" "$T/err" || fail "search: $(cat "$T/err")"
stop_node "$pid"
# The log quotes nothing raw either.
if LC_ALL=C grep -q "$(printf '\033')" "$T/a.log"; then
	fail "raw ESC in the daemon's log"
fi
echo "ok"
