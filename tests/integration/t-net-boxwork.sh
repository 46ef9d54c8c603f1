#!/bin/bash
# Box-stream crypto on the thread pool (daemon/net/boxwork.c) during a
# real mirror of large files between two weftd:
# - the pool threads of both daemons do the crypto (their CPU time, read
#   from /proc, is at least a fifth of the main thread's; 0 on the
#   sender when the loop did it);
# - `status` on the receiving node answers within 50 ms (median; plus
#   the idle median on a slow build) while the mirror runs, sampled on
#   the control socket: were status to wait for the mirror, it would
#   take the mirror's time, seconds;
# - a goodbye in the middle of the mirror, with jobs in flight, frees
#   nothing a worker still uses (run under ASan), and after reconnecting
#   the files arrive byte-identical;
# - both ends stopping in the middle of a mirror exit cleanly.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000
MIB=$((96 / SLOW))

start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
start_node b --listen 127.0.0.1:0
pid_b=$NODE_PID
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)
node_a=$(w a --json status | json 'j["node"]' /dev/stdin)

mkdir -p "$T/src"
for i in 1 2 3 4; do
	mkdir -p "$T/src/$i"
	head -c $((MIB * 262144)) /dev/urandom >"$T/src/$i/part.bin"
	d=$(w a --json publish --title "Big $i" "$T/src/$i" |
	    json 'j["design"]' /dev/stdin) || fail "publish $i"
	echo "$i $d" >>"$T/designs"
done
want=$(w a --json status | json 'j["chunk_bytes"]' /dev/stdin)

# CPU seconds of a process's main thread and of all its other threads.
cpu_split() {
	local hz main=0 rest=0 t v
	hz=$(getconf CLK_TCK)
	for t in /proc/"$1"/task/*; do
		v=$(awk '{ print $14 + $15 }' "$t/stat")
		if [ "${t##*/}" = "$1" ]; then
			main=$((main + v))
		else
			rest=$((rest + v))
		fi
	done
	echo "$main $rest $hz"
}

idle=$(/usr/bin/python3 "$WEFT_TESTS/integration/status_during.py" \
    "$T/b/weftd.sock" "$want" 30 idle 20) || fail "idle status"
ca0=$(cpu_split "$pid_a")
cb0=$(cpu_split "$pid_b")
expect_code 0 w b mirror --all
expect_code 0 w b connect "$addr_a"
during=$(/usr/bin/python3 "$WEFT_TESTS/integration/status_during.py" \
    "$T/b/weftd.sock" "$want" $((120 * SLOW))) || fail "status during"
ca1=$(cpu_split "$pid_a")
cb1=$(cpu_split "$pid_b")
echo "status idle: $idle"
echo "status during the mirror: $during"
echo "CPU ticks (main, pool, hz) a: $ca0 -> $ca1, b: $cb0 -> $cb1"

/usr/bin/python3 - "$idle" "$during" "$SLOW" <<'PY' || fail "status was slow during the mirror"
import json, sys
idle, during, slow = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
assert during["done"], "the mirror did not complete"
assert during["samples"] >= 5, "too few samples during the mirror: %d" % during["samples"]
bound = 50 + (idle["median"] if slow > 1 else 0)
assert during["median"] < bound, "median %.1f ms >= %.1f ms" % (during["median"], bound)
PY

# The pool did the crypto: on each side its threads took at least a
# fifth as much CPU as the loop (half or more in a release build; under
# ASan the loop's own code is slower while libsodium is not). With the
# crypto on the loop, the sender's pool took 0 ticks.
/usr/bin/python3 - "$ca0" "$ca1" "$cb0" "$cb1" <<'PY' || fail "the crypto ran on the loop"
import sys
def d(a, b):
    a, b = [int(x) for x in a.split()], [int(x) for x in b.split()]
    return b[0] - a[0], b[1] - a[1]
for name, (a, b) in (("a", sys.argv[1:3]), ("b", sys.argv[3:5])):
    main, pool = d(a, b)
    assert pool * 5 >= main and pool > 0, "%s: main %d ticks, pool %d" % (name, main, pool)
PY

# A goodbye in the middle of a mirror: jobs are in flight both ways.
start_node c --listen 127.0.0.1:0
expect_code 0 w c mirror --all
expect_code 0 w c connect "$addr_a"
wait_for 60 sh -c "[ \$('$WEFT_BIN' --home '$T/c' --json status |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"chunk_bytes\"])') -gt 0 ]" ||
    fail "c did not start the mirror"
expect_code 0 w c disconnect "$node_a"
w c --json status >/dev/null || fail "c died after the goodbye"
w a --json status >/dev/null || fail "a died after the goodbye"
expect_code 0 w c connect "$addr_a"
wait_for $((120 * SLOW)) sh -c "[ \$('$WEFT_BIN' --home '$T/c' --json status |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"chunk_bytes\"])') -ge $want ]" ||
    fail "c did not complete the mirror after reconnecting"

# Both daemons stop (SIGTERM) in the middle of a mirror, jobs in flight:
# stop_node fails unless each exits 0 (an ASan report aborts).
start_node d --listen 127.0.0.1:0
pid_d=$NODE_PID
expect_code 0 w d mirror --all
expect_code 0 w d connect "$addr_a"
wait_for 60 sh -c "[ \$('$WEFT_BIN' --home '$T/d' --json status |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"chunk_bytes\"])') -gt 0 ]" ||
    fail "d did not start the mirror"
stop_node "$pid_a"
stop_node "$pid_d"
mkdir -p "$T/got"
while read -r i d; do
	expect_code 0 w b get "$d" -o "$T/got/b$i"
	cmp "$T/src/$i/part.bin" "$T/got/b$i/part.bin" || fail "b: $i differs"
	expect_code 0 w c get "$d" -o "$T/got/c$i"
	cmp "$T/src/$i/part.bin" "$T/got/c$i/part.bin" || fail "c: $i differs"
done <"$T/designs"
echo ok
