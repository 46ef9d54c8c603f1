#!/bin/bash
# Files between real weftd on 127.0.0.1: a publishes a design of several
# files (one of several MiB, one empty, one in a subdirectory); b, which
# is connected to a, gets the record by sync and then `weft get` fetches
# the missing chunks from a and writes byte-identical files. A second get
# on b needs no peer: a is stopped first. A get of files no connected
# peer has fails with exit 3 after 5 s and leaves nothing behind.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000

start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
start_node b --listen 127.0.0.1:0
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)

mkdir -p "$T/src/sub"
head -c 5000000 /dev/urandom >"$T/src/big.bin"
echo hello >"$T/src/sub/small.txt"
: >"$T/src/empty"
w a --json publish --title "Fetch me" "$T/src" >"$T/pub.json" ||
    fail "publish failed"
design=$(json 'j["design"]' "$T/pub.json")

# Without a peer b knows nothing of the design.
expect_code 3 w b get "$design" -o "$T/none"

expect_code 0 w b connect "$addr_a"
wait_for 20 w b show "$design" || fail "b did not get the record"
# On a terminal: the peers' line, then the writing bar timed on its own
# (from 0, not averaged over the wait for peers).
script -qefc "'$WEFT_BIN' --home '$T/b' get --timeout 20 $design -o '$T/got'" \
    /dev/null >"$T/tty.out" </dev/null || fail "get: $(cat -A "$T/tty.out")"
python3 - "$T/tty.out" <<'PY' || fail "progress: $(cat -A "$T/tty.out")"
import sys
out = open(sys.argv[1], "rb").read().decode()
i = out.rfind("from peers")
assert i >= 0, "no peers line"
assert "writing   0% 0.0 MB / 5.0 MB  0.0 MB/s" in out[i:], "no fresh bar"
assert "fetching" not in out
PY
for f in big.bin sub/small.txt empty; do
	cmp "$T/src/$f" "$T/got/$f" || fail "$f differs"
done
# The summary names the revision as ls names ids: it fits 80 columns.
rev=$(json 'j["id"]' "$T/pub.json")
grep -q "fetched 3 files (5.0 MB) of revision ${rev:0:8}[0-9a-f]* into" \
    "$T/tty.out" && ! grep -q "$rev" "$T/tty.out" ||
    fail "summary: $(tail -n 1 "$T/tty.out")"

# A second design reaches b as a record only, then a goes away.
mkdir -p "$T/src2"
head -c 300000 /dev/urandom >"$T/src2/other.bin"
design2=$(w a --json publish --title "Gone" "$T/src2" |
    json 'j["design"]' /dev/stdin) || fail "publish 2 failed"
wait_for 20 w b show "$design2" || fail "b did not get record 2"

# The chunks are b's now.
stop_node "$pid_a"
expect_code 3 w b get "$design2" -o "$T/gone"
grep -q "no connected peer" "$T/err" || fail "no-peer error: $(cat "$T/err")"
[ ! -e "$T/gone" ] || fail "a failed get left '$T/gone'"
expect_code 0 w b get "$design" -o "$T/again"
cmp "$T/src/big.bin" "$T/again/big.bin" || fail "second get differs"
w b verify >/dev/null || fail "b's store does not verify"
echo ok
