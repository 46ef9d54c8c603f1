#!/bin/bash
# An invite from `weft init --new-network` is all a newcomer needs: `weft
# init --join INVITE` sets up a node (network key and a seed line in its
# config, nothing on its command line) that connects to the inviter and
# receives its designs. A mangled invite is refused and changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

# The inviter's port must be known before it starts: ask the kernel for a
# free one (a race with other programs is possible, but harmless here).
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

expect_code 0 w a --json init --new-network --address "127.0.0.1:$port"
inv=$(json 'j["invite"]' "$T/out")
net=$(json 'j["network_key"]' "$T/out")
[[ $inv == weft-invite1:* ]] || fail "invite '$inv'"
expect_code 0 w a config set listen "127.0.0.1:$port"
grep -qx "address = 127.0.0.1:$port" "$T/a/config" || fail "address line"

# weft invite prints the same line again, from the config and node key.
expect_code 0 w a invite
[ "$(cat "$T/out")" = "$inv" ] || fail "weft invite: $(cat "$T/out")"

# Mangled invites: one changed character, cut short, a line break.
bad="${inv:0:30}$( [ "${inv:30:1}" = A ] && echo B || echo A)${inv:31}"
expect_code 2 w b init --join "$bad"
grep -q "damaged" "$T/err" || fail "mangled: $(cat "$T/err")"
expect_code 2 w b init --join "${inv:0:${#inv}-3}"
grep -q "damaged" "$T/err" || fail "short: $(cat "$T/err")"
expect_code 2 w b init --join "${inv:0:40}
${inv:40}"
grep -q "one line" "$T/err" || fail "broken line: $(cat "$T/err")"
expect_code 2 w b init --join "$net"
grep -q "not a weft invite" "$T/err" || fail "a key: $(cat "$T/err")"
[ ! -e "$T/b" ] || fail "a refused invite created the home"

expect_code 0 w b init --join "$inv"
grep -qx "network-key = $net" "$T/b/config" || fail "b: $(cat "$T/b/config")"
anode=$(w a --json id | json 'j["node"]' /dev/stdin)
grep -qx "seed = $anode@127.0.0.1:$port" "$T/b/config" ||
    fail "b seed: $(cat "$T/b/config")"

# Joining twice adds nothing; joining one's own invite is refused.
cp "$T/b/config" "$T/b.config"
expect_code 0 w b init --join "$inv"
cmp -s "$T/b/config" "$T/b.config" || fail "second join changed the config"
expect_code 2 w a init --join "$inv"
grep -q "this very node" "$T/err" || fail "self join: $(cat "$T/err")"

# Two real nodes: a from its config, b with no flags at all. b's config
# also asks to mirror everything, so it fetches the files as well.
expect_code 0 w b config add mirror all
start_node a
d0=$(publish_one a "Invited design")
start_node b
wait_for 20 connected b 1 || fail "b did not connect to its seed"
wait_for 20 has b "$d0" || fail "b did not get the design"
chunk_bytes() {
	w "$1" --json status | json 'j["chunk_bytes"]' /dev/stdin
}
want=$(chunk_bytes a)
[ "$want" -gt 0 ] || fail "a holds no chunks"
b_has_files() {
	[ "$(chunk_bytes b)" -ge "$want" ]
}
wait_secs 20 b_has_files ||
    fail "b did not mirror the files ($(chunk_bytes b) of $want bytes)"

# A peer line written with weft config is dialled at start, too.
expect_code 0 w c init --network-key "$net"
expect_code 0 w c config add peer "$anode@127.0.0.1:$port"
start_node c
wait_for 20 has c "$d0" || fail "c did not get the design from its peer"
echo ok
