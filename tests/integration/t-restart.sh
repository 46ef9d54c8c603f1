#!/bin/bash
# Everything survives a restart: designs, revisions, forks, libraries and
# files are found again after SIGTERM and after SIGINT. A second weftd on
# the same home refuses to start with a clear message. Every record the
# node holds verifies with the independent script, from the spec alone.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/src/parts"
printf 'cube([10,10,10]);\n' >"$T/src/model.scad"
head -c 200000 /dev/urandom >"$T/src/parts/base.stl"
: >"$T/src/parts/empty.txt"

start_node a
pid=$NODE_PID

# A second daemon on the same home: exit 1, one clear line, first one fine.
expect_code 1 "$WEFTD_BIN" --home "$T/a"
grep -q "already running" "$T/err" || fail "no clear message: $(cat "$T/err")"
w a status >/dev/null || fail "first weftd hurt by the second"

design=$(w a -q publish "$T/src" --title "Calibration cube" --license MIT \
    --tag calibration --tag cube --description "A 10 mm cube")
printf 'cube([20,20,20]);\n' >"$T/src/model.scad"
rev2=$(w a --json update "$design" "$T/src" --message "bigger" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
fork=$(w a -q fork "$design" --title "Cube with a hole")
lib=$(w a --json library create "Calibration prints" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
w a -q library add "$lib" "$design" >/dev/null
w a -q library add "$lib" "$fork" >/dev/null
w a --json status >"$T/s1.json"

stop_node "$pid"
start_node a
pid=$NODE_PID

w a --json status >"$T/s2.json"
for k in records designs libs chunks chunk_bytes; do
	[ "$(json "j['$k']" "$T/s1.json")" = "$(json "j['$k']" "$T/s2.json")" ] ||
	    fail "$k differs after restart"
done
# 6, and the geom records (notes: base.stl is noise) of the publish, the
# update and the fork.
[ "$(json 'j["records"]' "$T/s2.json")" -eq 9 ] || fail "expected 9 records"
[ "$(json 'j["designs"]' "$T/s2.json")" -eq 2 ] || fail "expected 2 designs"

w a --json log "$design" >"$T/log.json"
[ "$(json 'len(j["revisions"])' "$T/log.json")" -eq 2 ] || fail "log lost a revision"
[ "$(json 'j["heads"][0]' "$T/log.json")" = "$rev2" ] || fail "head is not the update"
w a --json library ls "$lib" >"$T/lib.json"
[ "$(json 'len(j["designs"]) if isinstance(j, dict) and "designs" in j else len(j["items"]) if isinstance(j, dict) and "items" in j else len(j)' "$T/lib.json")" -eq 2 ] ||
    fail "library lost an entry: $(cat "$T/lib.json")"
w a --json tree "$fork" >"$T/tree.json"
grep -q "$design" "$T/tree.json" || fail "fork lost its source"
w a -q search cube | grep -qx "$design" || fail "search index lost"

w a get "$design" -o "$T/dl" >/dev/null
cmp "$T/src/model.scad" "$T/dl/model.scad" || fail "model differs"
cmp "$T/src/parts/base.stl" "$T/dl/parts/base.stl" || fail "stl differs"
[ -f "$T/dl/parts/empty.txt" ] && [ ! -s "$T/dl/parts/empty.txt" ] ||
    fail "empty file not restored"
w a get "$fork" -o "$T/fork" >/dev/null
diff -r -x CREDITS.md "$T/dl" "$T/fork" >/dev/null || fail "a fork shares its source head's files"
w a verify >/dev/null || fail "verify failed"

# Every record, fetched raw, verifies with the independent script.
for id in "$design" "$rev2" "$fork" "$lib"; do
	w a show "$id" --raw >"$T/$id.env"
	/usr/bin/python3 "$WEFT_TESTS/integration/verify_record.py" "$T/$id.env" \
	    >"$T/v.out" || fail "record $id rejected by the script"
	[ "$(cut -d' ' -f1 "$T/v.out")" = "$id" ] || fail "script computed another id"
done

# SIGINT stops it cleanly too, and the store opens again.
kill -INT "$pid"
wait "$pid" || fail "weftd exited $? on SIGINT"
PIDS=""
[ ! -e "$T/a/weftd.sock" ] || fail "socket left behind"
start_node a
w a show "$rev2" >/dev/null || fail "revision lost after SIGINT"
echo ok
