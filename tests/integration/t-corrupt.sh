#!/bin/bash
# Damage on disk is found, not served: a chunk whose bytes were altered in
# its pack file makes `weft verify` and `weft get` exit 5, a record whose
# bytes were altered makes `weft verify` and `weft show` exit 5, and the
# undamaged design is still served.
. "$(dirname "$0")/lib.sh"

# Files with a recognisable pattern, so the test can find them in a pack.
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

# Flip one byte of the chunk (in a pack) and one byte of the other
# record's title (in data.mdb).
/usr/bin/python3 - "$T/a/store" <<'PY'
import glob, os, sys
def flip(paths, pat, what):
    for p in paths:
        data = bytearray(open(p, "rb").read())
        i = data.find(pat)
        if i >= 0:
            data[i] ^= 0x01
            open(p, "r+b").write(data)
            return
    raise SystemExit(what + " not found")
d = sys.argv[1]
flip(sorted(glob.glob(os.path.join(d, "pack-*"))), b"WEFT-CORRUPT-ME-",
     "chunk")
flip([os.path.join(d, "data.mdb")], b"Untouchable title XYZZY", "record")
PY

start_node a
expect_code 5 w a verify
expect_code 5 w a get "$victim" -o "$T/dl"
[ ! -e "$T/dl/victim.bin" ] || fail "damaged file was written"
expect_code 5 w a show "$fine"
w a --json verify >"$T/v.json" 2>/dev/null || true
[ "$(json 'len(j["bad"])' "$T/v.json")" -eq 2 ] || fail "expected 2 bad items"
echo ok
