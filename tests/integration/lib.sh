# Shared helpers for integration tests. Each test sources this file, starts
# real weftd processes in temporary homes and drives the real weft binary.
# Environment (set by ctest): WEFT_BIN, WEFTD_BIN, WEFT_TESTS.
# Every daemon started with start_node is stopped on exit, and the
# temporary directory is removed.

set -eu
: "${WEFT_BIN:?WEFT_BIN must point at the weft binary}"
: "${WEFTD_BIN:?WEFTD_BIN must point at the weftd binary}"
: "${WEFT_TESTS:=$(cd "$(dirname "$0")/.." && pwd)}"

# No test daemon announces itself on this machine's real interfaces; only
# t-lan-discovery.sh turns discovery on, inside its own namespaces.
export WEFT_LAN_DISCOVERY=off

T=$(mktemp -d /tmp/weft-test.XXXXXX)
PIDS=""

# Stops every weftd this test started. One started in a subshell (as in
# $(...)) cannot add itself to PIDS, so start_node and start_home also
# note each in $T/.pids. Each gets SIGTERM and 10 s to exit, then
# SIGKILL, so a daemon stuck at shutdown cannot hang the test; our own
# children are then reaped with wait.
stop_all() {
	local all p n
	all="$PIDS $(cat "$T/.pids" 2>/dev/null || true)"
	for p in $all; do
		kill "$p" 2>/dev/null || true
	done
	for p in $all; do
		n=0
		while kill -0 "$p" 2>/dev/null && [ "$n" -lt 200 ]; do
			sleep 0.05
			n=$((n + 1))
		done
		if kill -0 "$p" 2>/dev/null; then
			echo "weftd $p ignored SIGTERM for 10 s: killed" >&2
			kill -KILL "$p" 2>/dev/null || true
		fi
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null || true
	done
}

# Time limits that are targets for the release build stretch by SLOW
# under the sanitizers, whose weftd runs several times slower.
SLOW=1
if grep -qa __asan_init "$WEFTD_BIN" 2>/dev/null; then
	SLOW=3
fi

cleanup() {
	stop_all
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $f" >&2
		tail -n 30 "$f" >&2
	done
	exit 1
}

# wait_for TIMEOUT_SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
	local limit=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -gt $((limit * 20)) ] && return 1
		sleep 0.05
	done
	return 0
}

# start_node NAME [weftd args...]: starts weftd with home $T/NAME and waits
# until it answers; sets NODE_PID.
start_node() {
	local name=$1
	shift
	"$WEFTD_BIN" --home "$T/$name" "$@" >>"$T/$name.log" 2>&1 &
	NODE_PID=$!
	PIDS="$PIDS $NODE_PID"
	echo "$NODE_PID" >>"$T/.pids"
	wait_for 20 "$WEFT_BIN" --home "$T/$name" status ||
	    fail "weftd '$name' did not come up"
}

# stop_node PID: SIGTERM and wait for a clean exit (status 0). A weftd
# that has not exited after 60 s is killed and the test fails, naming
# where it was stuck, rather than hanging until ctest's timeout.
stop_node() {
	local i
	kill -TERM "$1"
	for i in $(seq 1 600); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "weftd $1 ignored SIGTERM for 60 s; stuck in" \
		    "$(cat /proc/"$1"/wchan 2>/dev/null)" >&2
		kill -KILL "$1"
		wait "$1" 2>/dev/null
		fail "weftd $1 did not stop on SIGTERM"
	fi
	wait "$1" || fail "weftd $1 exited with status $?"
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
	sed -i "/^$1\$/d" "$T/.pids" 2>/dev/null || true
}

# w NAME ARGS...: runs weft against node NAME.
w() {
	local name=$1
	shift
	"$WEFT_BIN" --home "$T/$name" "$@"
}

# expect_code CODE COMMAND...: runs COMMAND, checks its exit status, and
# that it wrote exactly one line to stderr when it failed.
expect_code() {
	local want=$1 got=0
	shift
	"$@" >"$T/out" 2>"$T/err" || got=$?
	[ "$got" -eq "$want" ] ||
	    fail "'$*' exited $got, expected $want: $(cat "$T/err")"
	if [ "$want" -ne 0 ]; then
		[ "$(wc -l <"$T/err")" -eq 1 ] ||
		    fail "'$*' wrote not one line to stderr: $(cat "$T/err")"
	fi
}

# json EXPR FILE: evaluates a Python expression on the parsed JSON (as j).
json() {
	/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2"
}

# disk_mount SIZE: mounts a tmpfs of SIZE on $T/fs (a disk that fills up),
# unmounted again on exit; without the right to mount, skips the test
# (exit 77, which ctest reports as skipped).
disk_mount() {
	mkdir -p "$T/fs"
	if ! mount -t tmpfs -o "size=$1,mode=0700" tmpfs "$T/fs" 2>/dev/null; then
		echo "SKIP: cannot mount a tmpfs (needs root)"
		exit 77
	fi
	trap 'cleanup_disk' EXIT
}

cleanup_disk() {
	stop_all
	umount "$T/fs" 2>/dev/null || umount -l "$T/fs" 2>/dev/null || true
	rm -rf "$T"
}

# start_home HOME NAME [weftd args...]: start_node for a home outside $T
# (its log stays in $T/NAME.log); sets NODE_PID.
start_home() {
	local home=$1 name=$2
	shift 2
	"$WEFTD_BIN" --home "$home" "$@" >>"$T/$name.log" 2>&1 &
	NODE_PID=$!
	PIDS="$PIDS $NODE_PID"
	echo "$NODE_PID" >>"$T/.pids"
	wait_for 20 "$WEFT_BIN" --home "$home" status ||
	    fail "weftd '$name' did not come up"
}

b2() {
	b2sum -l 256 "$1" | cut -d' ' -f1
}
