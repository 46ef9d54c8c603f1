#!/bin/bash
# weft talks only to its own user's weftd (issue 16, F6): a socket in a
# home that others can write, a symlinked or foreign socket, and a server
# of another user are refused with one line and exit 1, before a byte of
# the request (here a file's contents) is sent.
. "$(dirname "$0")/lib.sh"

IPIDS=""
stop_impostors() {
	for p in $IPIDS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	IPIDS=""
}
trap 'stop_impostors; cleanup' EXIT

# impostor SOCKET LOG [setpriv args...]: starts a fake server.
impostor() {
	local sock=$1 log=$2
	shift 2
	"$@" /usr/bin/python3 "$WEFT_TESTS/integration/impostor.py" "$sock" \
	    "$log" 2>>"$T/impostor.err" &
	IPIDS="$IPIDS $!"
	wait_for 10 test -e "$log.ready" || fail "impostor did not start"
}

printf "secret design notes\n" >"$T/secret.scad"

# 1. A world-writable home: someone else's socket could be in it.
mkdir -m 0777 "$T/shared"
chmod 0777 "$T/shared"
impostor "$T/shared/weftd.sock" "$T/i1.log"
expect_code 1 "$WEFT_BIN" --home "$T/shared" publish "$T/secret.scad" \
    --title s
grep -q "open to others (mode 0777)" "$T/err" ||
    fail "no reason given: $(cat "$T/err")"
expect_code 1 "$WEFT_BIN" --home "$T/shared" status
[ ! -s "$T/i1.log" ] || fail "impostor got a connection: $(cat "$T/i1.log")"

# 2. A 0700 home whose socket is a symbolic link to someone's socket.
mkdir -m 0700 "$T/h2" "$T/elsewhere"
impostor "$T/elsewhere/s" "$T/i2.log"
ln -s "$T/elsewhere/s" "$T/h2/weftd.sock"
expect_code 1 "$WEFT_BIN" --home "$T/h2" publish "$T/secret.scad" --title s
grep -q "is a symbolic link" "$T/err" || fail "no reason: $(cat "$T/err")"
[ ! -s "$T/i2.log" ] || fail "impostor got a connection: $(cat "$T/i2.log")"

# 3. Not a socket at all.
mkdir -m 0700 "$T/h3"
: >"$T/h3/weftd.sock"
expect_code 1 "$WEFT_BIN" --home "$T/h3" status
grep -q "not a socket" "$T/err" || fail "no reason: $(cat "$T/err")"

# 4. No daemon at all is still "unreachable" (exit 4), as DESIGN.md says.
mkdir -m 0700 "$T/h4"
expect_code 4 "$WEFT_BIN" --home "$T/h4" status

# 5 and 6 need a second user: root can make one act as nobody.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
    id nobody >/dev/null 2>&1; then
	nobody=$(id -u nobody)
	# 5. A home owned by another user: "owned by uid N".
	mkdir -m 0700 "$T/h5"
	chown nobody "$T/h5"
	expect_code 1 "$WEFT_BIN" --home "$T/h5" status
	grep -q "owned by uid $nobody" "$T/err" ||
	    fail "no owner named: $(cat "$T/err")"

	# 6. A server of another user behind a socket file that looks right
	# (ours, in our 0700 home): SO_PEERCRED gives it away.
	mkdir -m 0777 "$T/drop"
	chmod 0777 "$T/drop"
	chmod 0755 "$T"
	impostor "$T/drop/s" "$T/drop/i6.log" setpriv --reuid=nobody \
	    --regid="$(id -g nobody)" --clear-groups
	mkdir -m 0700 "$T/h6"
	chown "$(id -u)" "$T/drop/s"
	mv "$T/drop/s" "$T/h6/weftd.sock"
	expect_code 1 "$WEFT_BIN" --home "$T/h6" publish "$T/secret.scad" \
	    --title s
	grep -q "runs as uid $nobody" "$T/err" ||
	    fail "server's uid not named: $(cat "$T/err")"
	wait_for 10 grep -q conn "$T/drop/i6.log" ||
	    fail "impostor did not see the connection end"
	[ "$(cat "$T/drop/i6.log")" = "conn 0" ] ||
	    fail "impostor received bytes: $(cat "$T/drop/i6.log")"
	chmod 0700 "$T"
else
	echo "skipping the other-user cases (not root)"
fi

# 7. The real daemon is still accepted.
start_node a
pid=$NODE_PID
w a -q publish "$T/secret.scad" --title s >/dev/null || fail "real publish"
stop_node "$pid"
stop_impostors
echo "ok"
