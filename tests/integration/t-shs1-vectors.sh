#!/bin/bash
# Runs the public secret-handshake test suite, npm shs1-test 1.1.1, against
# proto/shs.c through tests/shs1/shs1-client and shs1-server: the suite
# plays the other side with honest and misbehaving peers and checks every
# byte and the derived box-stream keys. Random and fixed seeds. The suite
# is installed by scripts/install-deps; when node or the suite is missing
# this test fails rather than skips, so CI cannot pass without it.
set -eu
: "${WEFT_BIN:?WEFT_BIN must point at the weft binary}"
: "${WEFT_TESTS:=$(cd "$(dirname "$0")/.." && pwd)}"

bindir=${SHS1_BIN_DIR:-$(dirname "$WEFT_BIN")/tests/shs1}
suite=$WEFT_TESTS/shs1/node/node_modules/shs1-test

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

command -v node >/dev/null 2>&1 ||
    fail "node is missing: install nodejs, then run scripts/install-deps"
[ -f "$suite/test-server.js" ] && [ -f "$suite/test-client.js" ] ||
    fail "shs1-test is missing from $suite: run scripts/install-deps"
for role in client server; do
	[ -x "$bindir/shs1-$role" ] ||
	    fail "$bindir/shs1-$role is not built (target shs1-$role)"
done

# An empty seed lets the suite pick one, so each run also tries new keys.
for seed in "" 1 2 3 weft; do
	for role in server client; do
		out=$(node "$suite/test-$role.js" "$bindir/shs1-$role" \
		    $seed 2>&1) || fail "shs1-test $role (seed '$seed'):
$out"
		grep -q "Passed the $role test suite" <<<"$out" ||
		    fail "shs1-test $role (seed '$seed') did not pass:
$out"
		echo "ok: shs1-test $role seed '$seed'"
	done
done
