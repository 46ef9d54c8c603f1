#!/bin/bash
# verify_record.py against the known-answer vectors: each stored envelope
# verifies to its stored id and type; a flipped byte, a truncation, a
# trailing byte and a correctly signed but non-canonical body all fail.
# Needs no daemon: it checks the independent verifier itself.
set -euo pipefail

tests=${WEFT_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
py=/usr/bin/python3
script=$tests/integration/verify_record.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "t-verify-script: $*" >&2
	exit 1
}

# Vector field as binary file: unhex KEY VECTOR OUT
unhex() {
	"$py" - "$1" "$2" "$3" <<'EOF'
import sys
key, vec, out = sys.argv[1:]
for line in open(vec):
    if line.startswith(key + " "):
        open(out, "wb").write(bytes.fromhex(line.split()[1]))
        break
else:
    sys.exit("no %s in %s" % (key, vec))
EOF
}

# expect_fail FILE WHAT: the script must exit 1 with a message.
expect_fail() {
	local rc=0
	"$py" "$script" "$1" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$2: exit $rc, want 1"
	[ -s "$tmp/err" ] || fail "$2: no message on stderr"
	[ ! -s "$tmp/out" ] || fail "$2: printed an id"
}

n=0
all=()
for vec in "$tests"/vectors/record-*.txt; do
	name=$(basename "$vec" .txt)
	env=$tmp/$name.env
	unhex envelope "$vec" "$env"
	id=$(sed -n 's/^id //p' "$vec")
	type=${name#record-}
	type=${type%%-*}
	got=$("$py" "$script" "$env") || fail "$name: rejected"
	[ "$got" = "$id $type" ] || fail "$name: got '$got', want '$id $type'"
	all+=("$env")

	size=$(stat -c %s "$env")
	# A flipped byte in the body, in the signature, in the header.
	for off in 1 $((size / 2)) $((size - 1)); do
		cp "$env" "$tmp/bad"
		"$py" - "$tmp/bad" "$off" <<'EOF'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
b[off] ^= 0x01
open(p, "wb").write(b)
EOF
		expect_fail "$tmp/bad" "$name: byte $off flipped"
	done
	head -c $((size - 1)) "$env" >"$tmp/bad"
	expect_fail "$tmp/bad" "$name: truncated"
	{ cat "$env"; printf '\300'; } >"$tmp/bad"
	expect_fail "$tmp/bad" "$name: trailing byte"
	n=$((n + 1))
done
[ "$n" -ge 8 ] || fail "only $n vectors found in $tests/vectors"

# Several files at once: one line each, in order.
[ "$("$py" "$script" "${all[@]}" | wc -l)" -eq "$n" ] ||
    fail "multiple files: wrong line count"
# One bad file among good ones fails the run but still prints the others.
rc=0
"$py" "$script" "${all[0]}" "$tmp/bad" >"$tmp/out" 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] ||
    fail "mixed files: exit $rc"
expect_fail "$tmp/missing" "missing file"

# Validly signed by the author, but ts as uint64 where a fixint fits: the
# signature is fine, the body is not canonical.
unhex seed "$tests/vectors/record-entry.txt" "$tmp/seed"
unhex body "$tests/vectors/record-entry.txt" "$tmp/body"
"$py" - "$tmp/seed" "$tmp/body" "$tmp/wide.env" "$tmp/ok.env" <<'EOF'
import sys
import msgpack
import nacl.signing
seed, body, wide, ok = sys.argv[1:]
sk = nacl.signing.SigningKey(open(seed, "rb").read())
pairs = msgpack.unpackb(open(body, "rb").read(), object_pairs_hook=list)
def envelope(b):
    sig = sk.sign(b"weft/record/v1" + b).signature
    return msgpack.packb([b, sig], use_bin_type=True)
def body_with_ts(ts_bytes):
    out = bytearray()
    out.append(0x80 | len(pairs))
    for k, v in pairs:
        out += msgpack.packb(k, use_bin_type=True)
        out += ts_bytes if k == "ts" else msgpack.packb(v, use_bin_type=True)
    return bytes(out)
open(wide, "wb").write(envelope(body_with_ts(b"\xcf" + (5).to_bytes(8, "big"))))
open(ok, "wb").write(envelope(body_with_ts(b"\x05")))
EOF
"$py" "$script" "$tmp/ok.env" >/dev/null || fail "re-signed entry rejected"
expect_fail "$tmp/wide.env" "non-canonical ts"
grep -q canonical "$tmp/err" || fail "non-canonical ts: $(cat "$tmp/err")"

# The removal label vector withdraws the label of label-ns
# (docs/proto/records.md, `label`), by the verifier's own reading.
unhex body "$tests/vectors/record-label-remove.txt" "$tmp/rm.body"
unhex body "$tests/vectors/record-label-ns.txt" "$tmp/ns.body"
"$py" - "$script" "$tmp/rm.body" "$tmp/ns.body" <<'EOF' ||
import sys, os
import msgpack
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import verify_record as v
rm = dict(msgpack.unpackb(open(sys.argv[2], "rb").read(), raw=False))
ns = dict(msgpack.unpackb(open(sys.argv[3], "rb").read(), raw=False))
assert v.label_base(rm["label"]) == (ns["label"], True), rm["label"]
assert rm["author"] == ns["author"] and rm["target"] == ns["target"]
assert v.label_base(ns["label"]) == (ns["label"], False)
assert v.label_base("weft.not/spam") == ("spam", True)
assert v.label_base("weft.not/weft.not_spam") == ("weft.not/weft.not_spam",
                                                  False)
assert v.label_base("weft.not/spamx") == ("weft.not/spamx", False)
EOF
    fail "label-remove: not the removal of label-ns"

echo "t-verify-script: $n vectors ok"
