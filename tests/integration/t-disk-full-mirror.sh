#!/bin/bash
# A mirror into a disk that fills up (issue 16, must-have 2): b mirrors
# everything from a into a 64 MiB tmpfs that a filler file leaves too
# small for a's designs. b must pause fetching (status says the disk is
# full, the log says so once) instead of asking a for the same chunks
# again and again: the chunk bytes b receives stay under 3x what the
# designs hold. Once the filler is deleted, the mirror completes within
# 30 s, and the log says fetching resumed.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000
export WEFT_STORE_RESERVE=$((4 * 1024 * 1024))

disk_mount 64m
start_node a --listen 127.0.0.1:0
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)
mkdir -p "$T/src"
for i in 1 2 3; do
	mkdir -p "$T/src/$i"
	head -c $((10 * 1024 * 1024)) /dev/urandom >"$T/src/$i/part.bin"
	w a -q publish --title "big $i" "$T/src/$i" >/dev/null ||
	    fail "publish $i"
done
held=$(w a --json status | json 'j["chunk_bytes"]' /dev/stdin)

hb="$T/fs/b"
"$WEFT_BIN" --home "$hb" init >/dev/null || fail "init b"
start_home "$hb" b --listen 127.0.0.1:0
pid_b=$NODE_PID
# Leave about 14 MiB: room for a part of the 30 MiB only.
avail=$(df -B1 --output=avail "$T/fs" | tail -n 1)
head -c $((avail - 14 * 1024 * 1024)) /dev/zero >"$T/fs/filler" ||
    fail "filler"

bst() {
	"$WEFT_BIN" --home "$hb" --json status >"$T/st.json" &&
	    json "$1" "$T/st.json"
}
"$WEFT_BIN" --home "$hb" -q mirror --all || fail "mirror"
"$WEFT_BIN" --home "$hb" -q connect "$addr_a" || fail "connect"

wait_for 30 sh -c "[ \"\$(cd '$T' && WEFT_BIN='$WEFT_BIN' \
    /usr/bin/python3 -c 'import json,subprocess,sys
r = subprocess.run([sys.argv[1], \"--home\", sys.argv[2], \"--json\",
    \"status\"], capture_output=True, text=True)
print(json.loads(r.stdout)[\"disk\"][\"paused\"])' '$WEFT_BIN' '$hb')\" = True ]" ||
    fail "b did not pause: $(cat "$T/st.json")"
# Paused for 10 s: nothing asked again in a loop, no busy CPU.
ticks() {
	awk '{ print $14 + $15 }' "/proc/$pid_b/stat"
}
t0=$(ticks)
sleep 10
cpu=$(($(ticks) - t0))
echo "paused: $cpu CPU ticks in 10 s"
[ "$cpu" -lt 200 ] || fail "b used $cpu CPU ticks in 10 s while paused"
rec=$(bst 'j["files"]["received"]')
[ "$rec" -lt $((3 * held)) ] ||
    fail "received $rec bytes while paused, designs hold $held"
"$WEFT_BIN" --home "$hb" status >"$T/human" || fail "status"
grep -q "store full: .* MB free, fetching paused" "$T/human" ||
    fail "status does not say the disk is full: $(cat "$T/human")"
[ "$(grep -c "fetching and ingest paused" "$T/b.log")" -ge 1 ] ||
    fail "no log line says fetching paused"
[ "$(grep -c "fetching and ingest paused" "$T/b.log")" -le 3 ] ||
    fail "the pause is logged again and again"

rm -f "$T/fs/filler"
freed=$(date +%s)
wait_for 30 sh -c "[ \$('$WEFT_BIN' --home '$hb' --json status |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"chunk_bytes\"])') -ge $held ]" ||
    fail "mirror incomplete 30 s after space returned: $(bst 'j')"
echo "complete $(($(date +%s) - freed)) s after space returned"
rec=$(bst 'j["files"]["received"]')
[ "$rec" -lt $((3 * held)) ] ||
    fail "received $rec bytes in all, designs hold $held"
[ "$(bst 'j["disk"]["paused"]')" = False ] || fail "still paused"
grep -q "fetching and ingest resumed" "$T/b.log" || fail "no resume line"
"$WEFT_BIN" --home "$hb" -q verify || fail "verify"
echo "ok: received $rec bytes for $held"
