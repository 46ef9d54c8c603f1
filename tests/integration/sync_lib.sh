# Helpers for the replication tests (t-sync-*.sh), on top of lib.sh.
# Peer address learning is off unless a test turns it on, so that the
# topology is the one the test builds.
export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000
# lib.sh turns LAN discovery off; so does this file, should it be used alone.
export WEFT_LAN_DISCOVERY=off
: "${WEFT_OUT_TARGET:=0}"
export WEFT_OUT_TARGET

# wait_secs SECONDS COMMAND...: like wait_for, but bounded by the clock,
# for conditions that take a while to evaluate.
wait_secs() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.05
	done
	return 0
}

# designs_are NAME COUNT: the node holds COUNT designs.
designs_are() {
	[ "$(w "$1" --json status | json 'j["designs"]' /dev/stdin)" = "$2" ]
}

# addr NAME: NODEID@HOST:PORT of a running node.
addr() {
	w "$1" --json status | json 'j["address"]' /dev/stdin
}

# node_id NAME
node_id() {
	w "$1" --json status | json 'j["node"]' /dev/stdin
}

# has NAME ID: the node stores the record.
has() {
	w "$1" -q show "$2" >/dev/null 2>&1
}

# has_all NAME ID...: the node stores every record.
has_all() {
	local n=$1 id
	shift
	for id in "$@"; do
		has "$n" "$id" || return 1
	done
}

# connected NAME COUNT: the node has COUNT open connections.
connected() {
	[ "$(w "$1" --json status | json 'j["peers"]' /dev/stdin)" = "$2" ]
}

# sync_stat NAME KEY: one of the status "sync" counters.
sync_stat() {
	w "$1" --json status | json 'j["sync"]["'"$2"'"]' /dev/stdin
}

# publish_one NAME TITLE: publishes a small design, prints its id.
publish_one() {
	local d="$T/src-$1-$RANDOM$RANDOM"
	mkdir -p "$d"
	printf '%s %s\n' "$2" "$RANDOM" >"$d/part.scad"
	w "$1" -q publish "$d" --title "$2" --license mit
}
