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

# A client of another user gets a reply saying why before the close
# (F10), where it used to see only the close.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
    id nobody >/dev/null 2>&1; then
	chmod 0711 "$T" "$T/a"
	chmod 0666 "$T/a/weftd.sock"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    /usr/bin/python3 -c '
import socket, struct, sys, msgpack
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
b = msgpack.packb({"v": 1, "op": "status"})
try:
    s.sendall(struct.pack(">I", len(b)) + b)
except OSError:
    pass
d = b""
while True:
    try:
        x = s.recv(4096)
    except ConnectionResetError:
        break   # weftd closed with our request unread: the reply came first
    if not x:
        break
    d += x
print(msgpack.unpackb(d[4:], raw=False)["error"])' "$T/a/weftd.sock" \
	    >"$T/other.out" 2>&1 || fail "other user: $(cat "$T/other.out")"
	chmod 0700 "$T" "$T/a"
	grep -q "permission denied: weftd runs as another user" \
	    "$T/other.out" || fail "other user got: $(cat "$T/other.out")"
	w a status >/dev/null || fail "weftd stopped serving its own user"
fi

stop_node "$pid"
# The log quotes nothing raw either.
if LC_ALL=C grep -q "$(printf '\033')" "$T/a.log"; then
	fail "raw ESC in the daemon's log"
fi
echo "ok"
