#!/bin/bash
# weftd --check-config (-n) refuses each kind of bad config line with its
# file and line number and creates nothing: no keys, no store, no socket,
# no lock, not even the home. A normal start refuses the same way before
# anything is created. A good file is printed back with the environment
# and flags applied over it (flags > environment > file > defaults).
. "$(dirname "$0")/lib.sh"

A=abababababababababababababababababababababababababababababababab
B=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
H=$T/h
mkdir -m 700 "$H"

snapshot() {
	(cd "$H" && find . -printf '%p %m %s\n' | sort && cat config) 2>&1
}

# refuses LINE MESSAGE: a config whose third line is LINE is refused.
refuses() {
	printf '# test\nlisten = 127.0.0.1:0\n%s\n' "$1" >"$H/config"
	local before after
	before=$(snapshot)
	expect_code 1 "$WEFTD_BIN" --home "$H" --check-config
	grep -qF "weftd: $H/config:3: $2" "$T/err" ||
	    fail "'$1': $(cat "$T/err")"
	expect_code 1 "$WEFTD_BIN" --home "$H" -n
	# A normal start stops at the same line, before keys or the listener.
	expect_code 1 "$WEFTD_BIN" --home "$H"
	grep -qF "$H/config:3: $2" "$T/err" || fail "start: $(cat "$T/err")"
	after=$(snapshot)
	[ "$before" = "$after" ] || fail "'$1' changed the home: $after"
}

refuses "port = 1" "unknown key"
refuses "listen = 127.0.0.1:1" "key is set twice"
refuses "listen 127.0.0.1:1" "expected 'key = value'"
refuses "[weft]" "sections ([...]) are not used"
refuses " = 1" "missing key before '='"
refuses "max-inbound =" "missing value after '='"
refuses "network-key = 1234" "network-key must be 64 hex characters"
refuses "peer = $A@" "peer must be NODEID@HOST:PORT"
refuses "peer = $A@host.example" "peer must be NODEID@HOST:PORT"
refuses "seed = nothex@1.2.3.4:1" "seed must be NODEID@HOST:PORT"
refuses "address = 1.2.3.4:0" "address must be HOST:PORT"
refuses "lan-discovery = maybe" "lan-discovery must be on or off"
refuses "idle-timeout-ms = 0" "idle-timeout-ms: expected a number"
refuses "max-outbound = 70000" "max-outbound must be a number"
refuses "send-queue-max = 12X" "send-queue-max must be bytes"
refuses "map-size = 1" "map-size must be bytes"
refuses "follow = $A$A" "follow must be an author id"
refuses "mirror = some" "mirror must be a library id"
refuses "web = localhost:80" "web must be IP:PORT"
refuses "$(printf 'x%.0s' $(seq 1 1100)) = 1" "line is too long"
[ ! -e "$H/node.key" ] && [ ! -e "$H/store" ] && [ ! -e "$H/weftd.sock" ] ||
    fail "something was created: $(ls -a "$H")"

# Values that are each fine but wrong together.
printf 'backoff-min-ms = 5000\nbackoff-max-ms = 1000\n' >"$H/config"
expect_code 1 "$WEFTD_BIN" --home "$H" -n
grep -q "backoff-min-ms (5000) is larger than backoff-max-ms (1000)" \
    "$T/err" || fail "backoff: $(cat "$T/err")"

# Bad flags and environment are usage errors, also before anything.
rm "$H/config"
expect_code 2 "$WEFTD_BIN" --home "$H" --listen 0.0.0.0:0 --peer bogus
grep -q "expected NODEID@HOST:PORT" "$T/err" || fail "flag: $(cat "$T/err")"
WEFT_MAX_INBOUND=lots expect_code 2 "$WEFTD_BIN" --home "$H" -n
grep -q "WEFT_MAX_INBOUND='lots': max-inbound must be" "$T/err" ||
    fail "env: $(cat "$T/err")"
[ -z "$(ls -A "$H")" ] || fail "created: $(ls -A "$H")"

# A full good file is accepted and printed; a missing home stays missing.
cat >"$H/config" <<CONF
# every key
network_key = $B
listen = 127.0.0.1:0
address = node.example.org:7420
peer = $A@example.org:7420
peer = $A@[::1]:7420
seed = $B@10.0.0.1:7420
lan-discovery = off
handshake-timeout-ms = 1500
ping-interval-ms = 2000
idle-timeout-ms = 30000
backoff-min-ms = 100
backoff-max-ms = 400
max-inbound = 10
max-outbound = 11
out-target = 3
send-queue-max = 4M
map-size = 64M
follow = $A
mirror = all
mirror = $B
web = 127.0.0.1:8080
CONF
before=$(snapshot)
expect_code 0 "$WEFTD_BIN" --home "$H" --check-config
want="home = $H
network-key-id = 0123456789ABCDEF
listen = 127.0.0.1:0
address = node.example.org:7420
peer = $A@example.org:7420
peer = $A@[::1]:7420
seed = $B@10.0.0.1:7420
lan-discovery = off
handshake-timeout-ms = 1500
ping-interval-ms = 2000
idle-timeout-ms = 30000
backoff-min-ms = 100
backoff-max-ms = 400
max-inbound = 10
max-inbound-per-group = 32
max-handshakes = 32
max-handshakes-per-group = 8
max-outbound = 11
out-target = 3
send-queue-max = 4194304
map-size = 67108864
max-store = (none)
follow = $A
mirror = all
mirror = $B
web = 127.0.0.1:8080
web-password = (none)
web-link-ms = 600000
configuration OK"
[ "$(cat "$T/out")" = "$want" ] ||
    fail "printed: $(diff <(echo "$want") "$T/out")"
[ "$before" = "$(snapshot)" ] || fail "check-config changed the home"

# Flags over environment over file; --peer adds to the file's peers.
WEFT_MAX_INBOUND=7 WEFT_LAN_DISCOVERY=on expect_code 0 "$WEFTD_BIN" \
    --home "$H" -n --listen '[::1]:9' --peer "$B@flag.example:1"
grep -qx "max-inbound = 7" "$T/out" || fail "env: $(cat "$T/out")"
grep -qx "lan-discovery = on" "$T/out" || fail "env lan: $(cat "$T/out")"
grep -qx "listen = \[::1\]:9" "$T/out" || fail "flag: $(cat "$T/out")"
grep -qx "peer = $B@flag.example:1" "$T/out" || fail "--peer: $(cat "$T/out")"
[ "$(grep -c '^peer = ' "$T/out")" = 3 ] || fail "peers: $(cat "$T/out")"
expect_code 0 "$WEFTD_BIN" --home "$H" -n --web off
grep -qx "web = off" "$T/out" || fail "--web off: $(cat "$T/out")"

# Defaults, and a home that does not exist is not created.
expect_code 0 "$WEFTD_BIN" --home "$T/none" -n
grep -qx "network-key-id = 2BA951E5E6697CA1 (the public network)" \
    "$T/out" || fail "default key: $(cat "$T/out")"
grep -qx "max-inbound = 128" "$T/out" || fail "default: $(cat "$T/out")"
grep -qx "listen = (none)" "$T/out" || fail "no listen: $(cat "$T/out")"
[ ! -e "$T/none" ] || fail "the home was created"

# Key files and the home are checked, not changed.
rm "$H/config"
start_node h --listen 127.0.0.1:0
stop_node "$NODE_PID"
chmod 644 "$H/node.key"
expect_code 1 "$WEFTD_BIN" --home "$H" -n
grep -q "chmod 600 $H/node.key" "$T/err" || fail "key mode: $(cat "$T/err")"
chmod 600 "$H/node.key"
chmod 755 "$H"
expect_code 1 "$WEFTD_BIN" --home "$H" -n
grep -q "chmod 700 $H" "$T/err" || fail "home mode: $(cat "$T/err")"
chmod 700 "$H"
expect_code 0 "$WEFTD_BIN" --home "$H" -n
echo ok
