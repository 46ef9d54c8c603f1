#!/bin/bash
# Damage on disk is found, not served: a chunk whose bytes were altered in
# the LMDB file makes `weft verify` and `weft get` exit 5, a record whose
# bytes were altered makes `weft verify` and `weft show` exit 5, and the
# undamaged design is still served.
. "$(dirname "$0")/lib.sh"

# Files with a recognisable pattern, so the test can find them in data.mdb.
/usr/bin/python3 -c '
import sys
sys.stdout.buffer.write(b"WEFT-CORRUPT-ME-" * 4096)' >"$T/victim.bin"
printf 'fine\n' >"$T/fine.txt"

start_node a
pid=$NODE_PID
victim=$(w a -q publish "$T/victim.bin" --title "Victim")
fine=$(w a -q publish "$T/fine.txt" --title "Untouchable title XYZZY")
w a verify >/dev/null || fail "fresh store does not verify"
stop_node "$pid"

# Flip one byte of the chunk and one byte of the other record's title.
/usr/bin/python3 - "$T/a/store/data.mdb" <<'PY'
import sys
p = sys.argv[1]
data = bytearray(open(p, "rb").read())
i = data.find(b"WEFT-CORRUPT-ME-")
assert i >= 0, "chunk not found"
data[i] ^= 0x01
j = data.find(b"Untouchable title XYZZY")
assert j >= 0, "record not found"
data[j] ^= 0x01
open(p, "r+b").write(data)
PY

start_node a
expect_code 5 w a verify
expect_code 5 w a get "$victim" -o "$T/dl"
[ ! -e "$T/dl/victim.bin" ] || fail "damaged file was written"
expect_code 5 w a show "$fine"
w a --json verify >"$T/v.json" 2>/dev/null || true
[ "$(json 'len(j["bad"])' "$T/v.json")" -eq 2 ] || fail "expected 2 bad items"
echo ok
