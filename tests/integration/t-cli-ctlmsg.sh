#!/bin/bash
# weft reads the typed replies (docs/proto/control.md, "Typed replies")
# of a daemon newer than itself: cli-fake-weftd.py answers status, peers
# and peers --known with every key weft knows (LAN on, the disk paused,
# two addresses: lines no real test daemon shows) in another order, plus
# keys weft does not know at every level. weft prints what it knows,
# exactly, and nothing of the rest. Then replies that lack a key, give
# one the wrong type or pass a limit: exit 1 with one line, nothing on
# stdout.
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
	wait_for 20 test -e "$H/fake.ready" || fail "fake weftd did not start"
}

b64=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
c64=cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc

fake ctlmsg-newer
expect_code 0 "$WEFT_BIN" --home "$H" status
cat >"$T/want" <<END
version      9.9.9
home         /srv/weft
author       aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
node         $b64
address      $b64@10.0.0.2:7420
address      $b64@[fd00::2]:7420
network key  0123456789ABCDEF
peers        2
unreachable  1 dialled node: network key mismatch (or not a weft node); see 'weft peers'
sync         2 peers, 5 records received, 4 held, 3 rejected
lan          on, 1 node heard (UDP port 7400)
records      10
designs      3
libraries    1
chunks       20 (2.5 MB)
store        4.2 MB used of 1073.7 MB
disk         store full: 3.1 MB free, fetching paused (store full)
missing      records 1, files 2, designs 1, bytes 1.5 MB
uptime       1d 01:01:01
END
diff "$T/want" "$T/out" >&2 || fail "status differs"

expect_code 0 "$WEFT_BIN" --home "$H" --json status
/usr/bin/python3 - "$T/out" <<'END' || fail "status --json: $(cat "$T/out")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["node"] == "bb" * 32 and j["home"] == "/srv/weft", j
assert j["listen"] == "0.0.0.0:7420" and len(j["addresses"]) == 2, j
assert j["lan"] == {"on": True, "port": 7400, "nodes": 1, "received": 9,
    "rejected": 2, "opened4": 7, "opened6": 0, "accepted": 3, "sent": 8}
assert list(j["lan"]) == ["on", "port", "nodes", "received", "rejected",
    "opened4", "opened6", "accepted", "sent"], list(j["lan"])
assert j["disk"] == {"paused": True, "error": "store full",
    "free": 3100000, "reserve": 67108864, "failures": 2}, j["disk"]
assert j["files"] == {"received": 100, "stored": 90, "served": 80}
assert j["missing"] == {"records": 1, "files": 2, "designs": 1,
    "bytes": 1500000}, j["missing"]
assert len(j["sync"]) == 11 and j["sync"]["bytes_out"] == 1000, j["sync"]
assert not any("future" in k for k in j), list(j)
END

expect_code 0 "$WEFT_BIN" --home "$H" peers
[ "$(cat "$T/out")" = "$c64 out waiting    10.0.0.3:7420  (connection refused)" ] ||
    fail "peers: $(cat "$T/out")"
expect_code 0 "$WEFT_BIN" --home "$H" --json peers
[ "$(cat "$T/out")" = '[{"node":"'$c64'","address":"10.0.0.3:7420","direction":"out","state":"waiting","bytes_in":0,"bytes_out":0,"since":null,"listen":null,"sw":null,"error":"connection refused"}]' ] ||
    fail "peers --json: $(cat "$T/out")"
expect_code 0 "$WEFT_BIN" --home "$H" peers --known
[ "$(cat "$T/out")" = "$c64 verified   seed.example.org:7420  never seen  fails 2  from config" ] ||
    fail "known: $(cat "$T/out")"
expect_code 0 "$WEFT_BIN" --home "$H" --json peers --known
[ "$(cat "$T/out")" = '[{"node":"'$c64'","address":"seed.example.org:7420","verified":true,"connected":false,"last_seen":null,"fails":2,"source":"config"}]' ] ||
    fail "known --json: $(cat "$T/out")"

# A key missing, a key of the wrong type, a string over its limit.
fake ctlmsg-bad
expect_code 1 "$WEFT_BIN" --home "$H" status
grep -qx "weft: malformed status reply: malformed message" "$T/err" ||
    fail "status: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "status printed: $(cat "$T/out")"
expect_code 1 "$WEFT_BIN" --home "$H" --json peers
grep -qx "weft: weftd sent a bad reply to 'peers': malformed message" \
    "$T/err" || fail "peers: $(cat "$T/err")"
# With --json, stdout holds the error document and nothing else.
[ "$(cat "$T/out")" = '{"error":{"message":"weftd sent a bad reply to '"'"'peers'"'"': malformed message","exit":1}}' ] ||
    fail "peers printed: $(cat "$T/out")"
expect_code 1 "$WEFT_BIN" --home "$H" peers --known
grep -qx "weft: weftd sent a bad reply to 'known': size limit exceeded" \
    "$T/err" || fail "known: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "known printed: $(cat "$T/out")"
echo ok
