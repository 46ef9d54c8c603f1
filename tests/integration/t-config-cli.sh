#!/bin/bash
# weft config set/get/list/add/unset edit HOME/config in place: comments,
# blank lines and order survive, values are checked with weftd's checker
# (a refused edit leaves the file as it was), the file stays 0600, and
# weftd --check-config accepts what weft config wrote.
. "$(dirname "$0")/lib.sh"

A=abababababababababababababababababababababababababababababababab
B=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
H=$T/a
expect_code 0 w a init
cat >"$H/config" <<CONF
# my node
network_key = $B

; limits
max-inbound = 5   
# peers below
peer = $A@one.example:1
# end
CONF

expect_code 0 w a config set max-inbound 12
grep -q "restart" "$T/out" || fail "no restart note: $(cat "$T/out")"
expect_code 0 w a config set listen 127.0.0.1:7420
expect_code 0 w a config add peer "$A@[::1]:2"
expect_code 0 w a config add peer "$A@[::1]:2"
grep -q "already" "$T/out" || fail "add twice: $(cat "$T/out")"
expect_code 0 w a config add seed "$B@10.1.2.3:3"
expect_code 0 w a config unset peer "$A@one.example:1"
expect_code 0 w a config set lan-discovery off
expect_code 0 w a config set network-key "$A"

want="# my node
network-key = $A

; limits
max-inbound = 12
# peers below
peer = $A@[::1]:2
# end
listen = 127.0.0.1:7420
seed = $B@10.1.2.3:3
lan-discovery = off"
[ "$(cat "$H/config")" = "$want" ] ||
    fail "file: $(diff <(echo "$want") "$H/config")"
[ "$(stat -c %a "$H/config")" = 600 ] || fail "mode"
[ ! -e "$H/config.tmp" ] || fail "config.tmp left"

# get: the file's values, or the default; --json.
expect_code 0 w a config get max-inbound
[ "$(cat "$T/out")" = 12 ] || fail "get: $(cat "$T/out")"
expect_code 0 w a config get max-outbound
[ "$(cat "$T/out")" = 32 ] || fail "default: $(cat "$T/out")"
expect_code 0 w a config get network_key
[ "$(cat "$T/out")" = "$A" ] || fail "alias: $(cat "$T/out")"
expect_code 0 w a --json config get peer
[ "$(json 'j["values"]' "$T/out")" = "['$A@[::1]:2']" ] ||
    fail "json get: $(cat "$T/out")"
[ "$(json 'j["default"]' "$T/out")" = False ] || fail "json default"
# follow has no value and no default.
expect_code 3 w a config get follow

# list: what the file sets; --all: every key.
expect_code 0 w a config list
want="network-key = $A
listen = 127.0.0.1:7420
peer = $A@[::1]:2
seed = $B@10.1.2.3:3
lan-discovery = off
max-inbound = 12"
[ "$(cat "$T/out")" = "$want" ] ||
    fail "list: $(diff <(echo "$want") "$T/out")"
expect_code 0 w a --json config list
[ "$(json 'j["max-inbound"]' "$T/out")" = "['12']" ] || fail "json list"
expect_code 0 w a config list --all
grep -qx "out-target = 8	(default)" "$T/out" || fail "all: $(cat "$T/out")"

# Refused edits change nothing.
cp "$H/config" "$T/before"
expect_code 2 w a config set max-inbound lots
grep -q "max-inbound must be a number" "$T/err" || fail "$(cat "$T/err")"
expect_code 2 w a config set peer "$A@x.example:1"
expect_code 2 w a config add listen 1.2.3.4:5
expect_code 2 w a config set nosuchkey 1
expect_code 2 w a config add seed "$A@bad host:1"
expect_code 3 w a config unset follow
expect_code 3 w a config unset peer "$A@never.example:1"
expect_code 2 w a config
cmp -s "$H/config" "$T/before" || fail "a refused edit changed the file"

# A file broken elsewhere is not made worse, and says where.
printf 'bogus = 1\n' >>"$H/config"
expect_code 1 w a config set max-inbound 13
grep -q "line 12" "$T/err" || fail "broken: $(cat "$T/err")"
expect_code 1 w a config get max-inbound
grep -q "config:12" "$T/err" || fail "get broken: $(cat "$T/err")"
sed -i '$d' "$H/config"

# What weft config wrote, weftd accepts.
expect_code 0 "$WEFTD_BIN" --home "$H" --check-config
grep -qx "max-inbound = 12" "$T/out" || fail "weftd: $(cat "$T/out")"
grep -qx "lan-discovery = off" "$T/out" || fail "weftd: $(cat "$T/out")"

# unset of a single key; a fresh home gets a file.
expect_code 0 w a config unset listen
grep -q "^listen" "$H/config" && fail "listen not removed"
expect_code 0 w b config set out-target 2
[ "$(stat -c %a "$T/b")" = 700 ] || fail "fresh home mode"
grep -qx "out-target = 2" "$T/b/config" || fail "fresh: $(cat "$T/b/config")"
echo ok
