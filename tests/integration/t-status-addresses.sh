#!/bin/bash
# weft status prints addresses others can dial: the listen address when
# it is specific, and for 0.0.0.0 (or [::]) the machine's interface
# addresses of that family with the port (no loopback unless there is
# nothing else, no IPv6 link-local), never 0.0.0.0. Nothing is dialled.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

start_node a --listen 127.0.0.1:0
node_a=$(node_id a)
w a --json status >"$T/s.json"
port=$(json 'j["listen"].rsplit(":", 1)[1]' "$T/s.json")
[ "$(json 'j["addresses"]' "$T/s.json")" = \
  "['$node_a@127.0.0.1:$port']" ] || fail "a: $(cat "$T/s.json")"

# ifaces FAMILY: the addresses `ip` lists, loopback only if alone.
ifaces() {
	local all
	all=$(ip -o "-$1" addr show | awk '{print $4}' | cut -d/ -f1 |
	    grep -v '^fe80' | sort)
	if [ -n "$(echo "$all" | grep -vx -e '127\..*' -e '::1')" ]; then
		echo "$all" | grep -vx -e '127\..*' -e '::1'
	else
		echo "$all"
	fi
}

for l in 0.0.0.0 "[::]"; do
	start_node "b$l" --listen "$l:0"
	w "b$l" --json status >"$T/s.json"
	node=$(json 'j["node"]' "$T/s.json")
	port=$(json 'j["listen"].rsplit(":", 1)[1]' "$T/s.json")
	json '"\n".join(j["addresses"])' "$T/s.json" >"$T/addrs"
	[ -s "$T/addrs" ] || fail "$l: no addresses: $(cat "$T/s.json")"
	grep -v "^$node@" "$T/addrs" && fail "$l: not NODEID@: $(cat "$T/addrs")"
	grep -q -e "@0\.0\.0\.0:" -e "@\[::\]:" "$T/addrs" &&
	    fail "$l: unspecified address listed"
	grep -v ":$port$" "$T/addrs" && fail "$l: wrong port"
	[ "$(json 'j["address"]' "$T/s.json")" = "$(head -1 "$T/addrs")" ] ||
	    fail "$l: address is not the first of addresses"
	# The human lines, escaped as ever, one per address.
	[ "$(w "b$l" status | grep -c "^address      $node@")" = \
	  "$(wc -l <"$T/addrs")" ] || fail "$l: human: $(w "b$l" status)"
	if command -v ip >/dev/null; then
		sed -e "s/^$node@//" -e "s/:$port$//" -e 's/^\[//' \
		    -e 's/\]$//' "$T/addrs" | sort >"$T/got"
		{ ifaces 4; [ "$l" = "[::]" ] && ifaces 6; } | sort >"$T/want"
		diff "$T/want" "$T/got" >/dev/null ||
		    fail "$l: $(cat "$T/got") but ip lists $(cat "$T/want")"
	fi
done
echo ok
