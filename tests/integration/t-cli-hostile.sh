#!/bin/bash
# The CLI against a daemon that lies (cli-fake-weftd.py): a file whose
# bytes do not match its hash (exit 5), paths that climb out of the target
# or are absolute, a chunk missing at the end (3), too many or too few
# bytes, a garbage frame, a record with a forged signature (5). Nothing may
# be left behind after a failed get. Then 100,000 summaries: `ls --json`
# must be one valid document, its CPU time linear in the designs.
source "$(dirname "$0")/lib.sh"

FAKE=$WEFT_TESTS/integration/cli-fake-weftd.py
H=$T/h
mkdir -m 700 "$H"
FAKE_PID=

fake() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID"
		wait "$FAKE_PID" 2>/dev/null || true
	fi
	rm -f "$H/fake.ready"
	/usr/bin/python3 "$FAKE" "$H" "$@" >>"$T/fake.log" 2>&1 &
	FAKE_PID=$!
	PIDS="$PIDS $FAKE_PID"
	# ls_cpu runs in $(...): stop_all finds it through .pids.
	echo "$FAKE_PID" >>"$T/.pids"
	wait_for 20 test -e "$H/fake.ready" || fail "fake weftd did not start"
}

# get_fails CODE SCENARIO: get must fail with CODE and leave nothing.
get_fails() {
	fake "$2"
	rm -rf "$T/got"
	expect_code "$1" "$WEFT_BIN" --home "$H" get 12345678 -o "$T/got"
	[ ! -e "$T/got" ] || fail "$2: left $(find "$T/got")"
	[ ! -e "$T/evil.txt" ] && [ ! -e /tmp/evil.txt ] ||
	    fail "$2: wrote outside the target"
}

cd "$T"
fake get-ok
expect_code 0 "$WEFT_BIN" --home "$H" get 12345678
[ "$(cat "$T/fake-design/a.txt")" = hello ] || fail "get-ok a.txt"
[ "$(cat "$T/fake-design/d/e/b.txt")" = 'world!' ] || fail "get-ok b.txt"
[ -f "$T/fake-design/empty" ] && [ ! -s "$T/fake-design/empty" ] ||
    fail "get-ok empty file"

get_fails 5 get-badhash
grep -q "^weft: cannot get '$T/got/b.txt': content does not match" "$T/err" ||
    fail "badhash: $(cat "$T/err")"
get_fails 1 get-traversal
grep -q "bad path '../evil.txt'" "$T/err" || fail "$(cat "$T/err")"
get_fails 1 get-absolute
get_fails 3 get-missing
grep -q "chunk 1234abcd is missing" "$T/err" || fail "$(cat "$T/err")"
get_fails 1 get-extra
get_fails 1 get-short
get_fails 1 garbage

# An existing target keeps what it had when the fetch fails.
mkdir "$T/keep"
echo mine >"$T/keep/mine.txt"
fake get-badhash
expect_code 5 "$WEFT_BIN" --home "$H" get 12345678 -o "$T/keep"
[ "$(ls -A "$T/keep")" = mine.txt ] || fail "keep: $(ls -A "$T/keep")"

# The daemon gives up in the middle of a publish: its reason is reported.
head -c 20000000 /dev/zero >"$T/big.stl"
fake publish-fail
expect_code 1 "$WEFT_BIN" --home "$H" publish "$T/big.stl"
grep -qx "weft: cannot publish: store is full" "$T/err" ||
    fail "publish-fail: $(cat "$T/err")"

# A record whose signature does not verify: show exits 5, --raw passes it.
w a -q init
start_node a
echo x >"$T/x.stl"
r=$(w a -q publish "$T/x.stl") || fail "publish"
w a show --raw "$r" >"$T/good.env"
/usr/bin/python3 - "$T/good.env" "$T/bad.env" <<'EOF'
import sys
env = bytearray(open(sys.argv[1], "rb").read())
env[-1] ^= 1    # the last byte of the signature
open(sys.argv[2], "wb").write(env)
EOF
fake show "$T/bad.env"
expect_code 5 "$WEFT_BIN" --home "$H" show 12345678
grep -q "does not verify: signature verification failed" "$T/err" ||
    fail "badsig: $(cat "$T/err")"
expect_code 0 "$WEFT_BIN" --home "$H" show --raw 12345678
cmp -s "$T/out" "$T/bad.env" || fail "--raw changed the bytes"
fake show "$T/good.env"
expect_code 0 "$WEFT_BIN" --home "$H" show 12345678

# 100,000 designs: one JSON document, streamed. The CPU time is compared
# with that of 10,000 designs in the same run, so that a machine under
# load or the sanitizers' cost cannot fail the test, but output that grows
# faster than the input (buffering the document, quadratic escaping) does:
# linear is a ratio of 10, quadratic 100.
ls_cpu() {
	fake ls-many "$1"
	"$WEFT_BIN" --home "$H" --json ls >/dev/null || fail "ls warm-up"
	# CPU in microseconds from the child's rusage: /usr/bin/time prints
	# hundredths, and a small run of 0.00 s made the bound 50 ms.
	python3 - "$T/ls.json" "$WEFT_BIN" --home "$H" --json ls <<'PY' ||
import resource, subprocess, sys
with open(sys.argv[1], "wb") as out:
    if subprocess.run(sys.argv[2:], stdout=out).returncode != 0:
        sys.exit(1)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(int((r.ru_utime + r.ru_stime) * 1000) + 1)
PY
	    fail "ls --json"
	[ "$(json 'len(j)' "$T/ls.json")" -eq "$1" ] || fail "ls count"
}
small=$(ls_cpu 10000)
big=$(ls_cpu 100000)
[ "$(json 'j[99999]["title"]' "$T/ls.json")" = "design number 99999" ] ||
    fail "ls last item"
echo "ls --json: 10000 designs ${small} ms of CPU, 100000 designs ${big} ms"
[ "$big" -lt $((small * 30 + 50)) ] ||
    fail "ls --json grows faster than its input: ${small} ms, ${big} ms"
expect_code 0 "$WEFT_BIN" --home "$H" ls
[ "$(wc -l <"$T/out")" -eq 100000 ] || fail "ls lines"
echo "t-cli-hostile: ok"
