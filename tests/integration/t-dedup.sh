#!/bin/bash
# Content-defined chunking at the store: a revision that changes 1 MiB in
# the middle of a 64 MiB file adds only a few new chunks, and both
# revisions come back byte for byte with the hashes b2sum computes.
. "$(dirname "$0")/lib.sh"

head -c $((64 * 1024 * 1024)) /dev/urandom >"$T/big.bin"
start_node a
design=$(w a -q publish "$T/big.bin" --title "Big part")
w a --json status >"$T/s1.json"
c1=$(json 'j["chunks"]' "$T/s1.json")
b1=$(json 'j["chunk_bytes"]' "$T/s1.json")
# 64 MiB in chunks of 16..256 KiB averaging near 64 KiB, plus one index.
[ "$c1" -ge 200 ] && [ "$c1" -le 4100 ] || fail "odd chunk count $c1"

cp "$T/big.bin" "$T/v1.bin"
head -c $((1024 * 1024)) /dev/urandom |
    dd of="$T/big.bin" bs=1M seek=32 conv=notrunc status=none
rev2=$(w a --json update "$design" "$T/big.bin" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
w a --json status >"$T/s2.json"
c2=$(json 'j["chunks"]' "$T/s2.json")
b2=$(json 'j["chunk_bytes"]' "$T/s2.json")
new=$((c2 - c1))
echo "chunks: $c1 then $c2 ($new new, $(( (b2 - b1) / 1024 )) KiB)"
# 1 MiB of new bytes is about 16 chunks of 64 KiB, plus the two chunks
# around its edges and the new chunk list.
[ "$new" -le 40 ] || fail "$new new chunks for a 1 MiB change"
[ $((b2 - b1)) -le $((3 * 1024 * 1024)) ] || fail "stored $((b2 - b1)) new bytes"

w a get "$design" -o "$T/out2" >/dev/null
cmp "$T/big.bin" "$T/out2/big.bin" || fail "head differs"
w a get "$design" --rev "$design" -o "$T/out1" >/dev/null
cmp "$T/v1.bin" "$T/out1/big.bin" || fail "first revision differs"
w a --json show "$rev2" >"$T/show.json"
[ "$(json 'j["files"][0]["hash"]' "$T/show.json")" = "$(b2 "$T/big.bin")" ] ||
    fail "record hash is not b2sum -l 256"
echo ok
