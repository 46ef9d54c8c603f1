# Helpers for the flood tests (t-net-idle.sh, t-net-sybil.sh,
# t-net-nonreader.sh) and bench/bench-flood, on top of lib.sh and
# sync_lib.sh: a target node "a" holding one design, an honest peer "b"
# connected to it before any flood, and honest nodes that join during one.

# flood_setup: starts a (listening) and b (dialling a), publishes a design
# on a and waits until b has it. Sets PID_A, PORT_A, ADDR_A, DESIGN.
flood_setup() {
	start_node a --listen 127.0.0.1:0
	PID_A=$NODE_PID
	ADDR_A=$(addr a)
	PORT_A=${ADDR_A##*:}
	DESIGN=$(publish_one a "Flood target")
	start_node b --peer "$ADDR_A"
	wait_for 10 has b "$DESIGN" || fail "b did not sync before the flood"
	NODE_B=$(node_id b)
}

# A weftd built with AddressSanitizer keeps freed memory in quarantine
# (256 MiB by default): memory bounds are checked in plain builds only.
if grep -qa __asan_init "$WEFTD_BIN"; then
	SANITIZED=1
else
	SANITIZED=0
fi

# rss_within BEFORE NOW: NOW is within 16 MiB of BEFORE (kB), or sanitized.
rss_within() {
	[ "$SANITIZED" = 1 ] || [ "$2" -lt $(($1 + 16384)) ]
}

# rss_a: a's RssAnon in kB.
rss_a() {
	awk '/^RssAnon:/ {print $2}' "/proc/$PID_A/status"
}

# b_open: b is still an open peer of a, on its first connection.
b_open() {
	w a --json peers >"$T/peers.json"
	[ "$(json '[p["state"] for p in j if p["node"] == "'"$NODE_B"'"]' \
	    "$T/peers.json")" = "['open']" ] || return 1
	! grep -q "evicted" "$T/b.log"
}

# honest_join NAME: starts NAME dialling a and waits up to 10 s until it
# holds a's design; prints the milliseconds it took, fails after 10 s.
honest_join() {
	local t0 t1
	t0=$(date +%s%N)
	start_node "$1" --peer "$ADDR_A"
	wait_secs 10 has "$1" "$DESIGN" ||
	    fail "$1 did not sync a design within 10 s of starting"
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}

# log_events FILE: the inbound connections a's log accounts for: lines for
# one not-yet-identified peer (named by its address) plus the counts of
# the rate limit's summaries.
log_events() {
	local one sum
	one=$(grep -cE 'weftd: peer 127\.0\.0\.1:[0-9]+: ' "$1" || true)
	sum=$(grep -oE '(refused|evicted)? ?[0-9,]+ more (connections|handshakes)' \
	    "$1" | grep -oE '[0-9,]+' | tr -d , | awk '{s += $1} END {print s + 0}')
	echo $((one + sum))
}
