#!/bin/bash
# weftd as a service: 'weft stop' stops a real daemon cleanly (exit 0 once
# it has exited, 4 when none runs), readiness and shutdown are sent to a
# NOTIFY_SOCKET (a path and an abstract name) as sd_notify(3) describes,
# and log lines carry a time on a plain stderr but the "<N>" priority and
# no time when stderr is the stream $JOURNAL_STREAM names.
source "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# weft stop, and the daemon's clean exit.
start_node a
pid=$NODE_PID
expect_code 0 w a stop
grep -qx "weftd stopped" "$T/out" || fail "stop said: $(cat "$T/out")"
# weft stop returns once the store is closed and the home's lock is free
# (the process may still be exiting: a sanitizer's leak check, say).
[ -e "$T/a/weftd.sock" ] && fail "socket left behind"
flock -n -s "$T/a/weftd.lock" true || fail "home still locked after weft stop"
wait "$pid" || fail "weftd exited with status $? after weft stop"
PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
grep -q "asked to stop, shutting down" "$T/a.log" || fail "no stop log line"
grep -q "stopped$" "$T/a.log" || fail "no 'stopped' log line"
expect_code 4 w a stop
grep -q "cannot reach weftd" "$T/err" || fail "stop without daemon: $(cat "$T/err")"
expect_code 0 w a stop -h
grep -q -- "--timeout" "$T/out" || fail "stop -h lacks --timeout"
# JSON, and a restart right after: the home's lock is free.
start_node a
pid=$NODE_PID
expect_code 0 w a stop --json
[ "$(json 'j["pid"]' "$T/out")" = "$pid" ] || fail "stop --json: $(cat "$T/out")"
wait "$pid" || fail "weftd exited with status $?"
PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')

# Readiness: READY=1 once the socket answers, STOPPING=1 on the way out.
notify_test() {
	local sock=$1 out=$2 lpid
	"$PY" "$WEFT_TESTS/integration/notify_listen.py" "$sock" "$out" &
	lpid=$!
	PIDS="$PIDS $lpid"
	wait_for 10 test -e "$out.ready" || fail "notify listener did not start"
	NOTIFY_SOCKET=$sock start_node b
	wait_for 10 grep -qx "READY=1" "$out" ||
	    fail "no READY=1 on $sock: $(cat "$out" 2>/dev/null)"
	grep -q "^STATUS=" "$out" || fail "no STATUS= on $sock"
	grep -q "STOPPING=1" "$out" && fail "STOPPING=1 before the stop"
	stop_node "$NODE_PID"
	wait_for 10 grep -qx "STOPPING=1" "$out" || fail "no STOPPING=1 on $sock"
	kill "$lpid"
	wait "$lpid" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$lpid" | tr '\n' ' ')
}
notify_test "$T/notify.sock" "$T/notify-path.txt"
notify_test "@weft-test-notify-$$" "$T/notify-abstract.txt"
# No NOTIFY_SOCKET: nothing is sent and nothing fails.
start_node c
grep -q "notify" "$T/c.log" && fail "notify complaint without NOTIFY_SOCKET"
stop_node "$NODE_PID"

# Logs: a time on a plain stderr...
ts='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z weftd: '
grep -Eq "${ts}serving " "$T/c.log" || fail "no time stamp: $(head -3 "$T/c.log")"
# ...and the priority, no time, when stderr is the journal's stream.
: >"$T/d.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/d.log") start_node d
stop_node "$NODE_PID"
grep -q "^<6>weftd: serving " "$T/d.log" || fail "no <6> prefix: $(head -3 "$T/d.log")"
grep -q "^<6>weftd: stopped$" "$T/d.log" || fail "no <6> stopped line"
grep -Eq "^[0-9]{4}-" "$T/d.log" && fail "time stamps under journald"
grep -vq "^<[0-7]>weftd: " "$T/d.log" && fail "a line without priority: $(grep -v '^<' "$T/d.log" | head -2)"
# A JOURNAL_STREAM that names another file is not the journal.
: >"$T/e.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/d.log") start_node e
stop_node "$NODE_PID"
grep -Eq "${ts}serving " "$T/e.log" || fail "JOURNAL_STREAM of another file was trusted"
# Warnings get <4>: a second weftd on a locked home.
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/d.log") start_node d
if JOURNAL_STREAM=$(stat -c '%d:%i' "$T/d2.log" 2>/dev/null || echo 0:0) \
    "$WEFTD_BIN" --home "$T/d" 2>>"$T/d.log"; then
	fail "a second weftd on one home started"
fi
stop_node "$NODE_PID"
echo ok
