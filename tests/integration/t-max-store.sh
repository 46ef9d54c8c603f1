#!/bin/bash
# max-store and rm --records. b mirrors a library of a's designs larger than its max-store.
# b stops fetching at the limit (plus at most what was on its way: one
# store batch of 8 MiB), says so in its log and in weft status, keeps
# its own published design, and fetches the rest once restarted with a
# raised limit. Then rm --records of one of a's designs on b: its records
# are gone from ls and show, and the next sync rounds (which do bring a
# design a publishes after it) do not fetch it again.
. "$(dirname "$0")/lib.sh"

export WEFT_BACKOFF_MIN_MS=100 WEFT_BACKOFF_MAX_MS=1000
export WEFT_SYNC_RECONCILE_MS=300
MAX=$((4 * 1024 * 1024))
SLACK=$((8 * 1024 * 1024))

start_node a --listen 127.0.0.1:0
pid_a=$NODE_PID
WEFT_MAX_STORE=4M start_node b --listen 127.0.0.1:0
pid_b=$NODE_PID
addr_a=$(w a --json status | json 'j["address"]' /dev/stdin)

# b's own design, published before anything is fetched.
mkdir -p "$T/own"
head -c 1500000 /dev/urandom >"$T/own/mine.bin"
own=$(w b --json publish --title "Mine" "$T/own" |
    json 'j["design"]' /dev/stdin) || fail "b publish"

lib=$(w a --json library create "Big" | json 'j["id"]' /dev/stdin)
for i in $(seq 1 8); do
	mkdir -p "$T/src/$i"
	head -c 3000000 /dev/urandom >"$T/src/$i/part.bin"
	d=$(w a --json publish --title "Design $i" "$T/src/$i" |
	    json 'j["design"]' /dev/stdin) || fail "publish $i"
	w a -q library add "$lib" "$d" >/dev/null || fail "library add $i"
	echo "$d" >>"$T/designs"
done
total_a=$(w a --json status | json 'j["chunk_bytes"]' /dev/stdin)

# A design outside the library that b got and then unwanted: its chunks
# stay, kept by nothing, until the gc that max-store runs.
mkdir -p "$T/loose"
head -c 2000000 /dev/urandom >"$T/loose/loose.bin"
loose=$(w a --json publish --title "Loose" "$T/loose" |
    json 'j["design"]' /dev/stdin) || fail "publish loose"

expect_code 0 w b connect "$addr_a"
wait_for 30 w b show "$loose" || fail "b did not get the loose design"
expect_code 0 w b get "$loose" -o "$T/got-loose"
expect_code 0 w b unwant "$loose"
wait_for 30 w b show "$lib" || fail "b did not get the library"
expect_code 0 w b mirror "$lib"

at_max() {
	w b --json status | json 'j["disk"].get("at_max") is True' \
	    /dev/stdin | grep -q True
}
wait_for 60 at_max || fail "b never reached max-store"
grep -q "only kept files remain" "$T/b.log" ||
    fail "no max-store line in b's log"
grep -q "automatic gc: freed" "$T/b.log" ||
    fail "max-store did not free the unkept chunks first"
w b status | grep -q "store at max-store" ||
    fail "weft status does not say max-store"
# Let what was on its way land, then b must stay at the limit.
sleep 2
used=$(w b --json status | json 'j["chunk_bytes"]' /dev/stdin)
echo "b holds $used of $total_a chunk bytes at max-store $MAX" >&2
[ "$used" -le $((MAX + SLACK)) ] ||
    fail "b holds $used chunk bytes, over $MAX + $SLACK"
[ "$used" -lt "$total_a" ] || fail "b fetched everything ($used)"
at_max || fail "b left max-store by itself"
mkdir -p "$T/got"
expect_code 0 w b get "$own" -o "$T/got/own"
cmp "$T/own/mine.bin" "$T/got/own/mine.bin" || fail "own design lost"

# A raised limit, after a restart: fetching resumes and completes.
stop_node "$pid_b"
WEFT_MAX_STORE=256M start_node b --listen 127.0.0.1:0
expect_code 0 w b connect "$addr_a"
want=$((total_a + 1500000))
full() {
	[ "$(w b --json status | json 'j["chunk_bytes"]' /dev/stdin)" \
	    -ge "$want" ]
}
wait_for 60 full || fail "b did not resume after the limit was raised"
at_max && fail "b still says max-store"
grep "max-store" "$T/b.log" >&2

# rm --records: the first of a's designs leaves b.
gone=$(head -n 1 "$T/designs")
w b show "$gone" >/dev/null || fail "b lacks $gone before rm"
w b --json ls --all | grep -q "$gone" || fail "ls lacks $gone before rm"
w b --json rm --records "$gone" >"$T/rm.json" || fail "rm --records"
[ "$(json 'j["records"]' "$T/rm.json")" = True ] ||
    fail "rm --records JSON: $(cat "$T/rm.json")"
w b show "$gone" 2>"$T/show.err" && fail "b still shows $gone"
grep -q "removed here" "$T/show.err" ||
    fail "show does not say removed here: $(cat "$T/show.err")"
# Nobody retracted it: the line must not say so.
grep -q "retracted" "$T/show.err" &&
    fail "show says retracted: $(cat "$T/show.err")"
w b --json ls --all >"$T/ls.json"
grep -q "$gone" "$T/ls.json" && fail "b still lists $gone"
# A design a publishes now reaches b; the removed one does not come back.
mkdir -p "$T/after"
echo later >"$T/after/README"
after=$(w a --json publish --title "After" "$T/after" |
    json 'j["design"]' /dev/stdin) || fail "publish after"
rounds=$(w b --json status | json 'j["sync"]["rounds"]' /dev/stdin)
wait_for 30 w b show "$after" >/dev/null || fail "b did not sync $after"
more_rounds() {
	[ "$(w b --json status | json 'j["sync"]["rounds"]' /dev/stdin)" \
	    -ge $((rounds + 3)) ]
}
wait_for 30 more_rounds || fail "no more sync rounds"
w b show "$gone" >/dev/null 2>&1 && fail "b fetched $gone again"
w b --json ls --all | grep -q "$gone" && fail "b lists $gone again"
stop_node "$pid_a"
echo ok
