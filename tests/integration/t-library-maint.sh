#!/bin/bash
# weft library maintainers (docs/proto/records.md, "maint"): a adds b's
# author as a maintainer of its library; b, which follows only that
# library, gets the change live and adds a design of its own; a removes
# b while b is away, b (not knowing) adds another, and once they meet
# again both nodes agree: the entry from before the removal counts, the
# one from after does not, whatever order each node got them in.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

author_of() {
	w "$1" --json id | json 'j["author"]' /dev/stdin
}

# maints NAME LIB: the maintainers' keys, sorted, one line.
maints() {
	w "$1" -q library maintainers "$2" | sort | tr '\n' ' '
}

# nmaint NAME LIB: the maintainers `library ls` (every library) counts.
nmaint() {
	w "$1" --json library ls | json \
	    '[x["maintainers"] for x in j if x["lib"] == "'"$2"'"][0]' /dev/stdin
}

# holds NAME LIB DESIGN: the library lists the design on node NAME.
holds() {
	w "$1" --json library ls "$2" | json \
	    'any(d["design"] == "'"$3"'" for d in j["designs"])' /dev/stdin |
	    grep -qx True
}

start_node a --listen 127.0.0.1:0
pa=$NODE_PID
xa=$(author_of a)
d0=$(publish_one a "Held")
lib=$(w a -q library create "Shelf") || fail "library create failed"
w a -q library add "$lib" "$d0" >/dev/null || fail "library add failed"
[ "$(maints a "$lib")" = "$xa " ] || fail "a is not the only maintainer"
[ "$(nmaint a "$lib")" = 1 ] || fail "library ls: $(nmaint a "$lib")"

WEFT_SYNC_INTERESTS="lib:$lib" start_node b --peer "$(addr a)"
pb=$NODE_PID
xb=$(author_of b)
wait_for 10 connected a 1 || fail "b did not connect"
wait_for 10 has_all b "$lib" "$d0" || fail "b did not get the library"

# Usage: a node id is not an author; nor is a bad verb; b may not change
# a library it does not keep; the last maintainer stays.
expect_code 2 w a library maintainers "$lib" add "$(node_id b)"
expect_code 2 w a library maintainers "$lib" grant "$xb"
expect_code 1 w b library maintainers "$lib" add "$xb"
expect_code 1 w a library maintainers "$lib" rm "$xa"
expect_code 3 w a library maintainers "$lib" rm "$xb"
expect_code 3 w a library maintainers "${d0:0:12}"

# a adds b (by its whole key: a has no record of b's yet); b hears it
# live, in its library scope.
m1=$(w a -q library maintainers "$lib" add "$xb") || fail "add failed"
expect_code 1 w a library maintainers "$lib" add "$xb"
want=$(printf '%s\n%s\n' "$xa" "$xb" | sort | tr '\n' ' ')
[ "$(maints a "$lib")" = "$want" ] || fail "a does not list b"
# library ls counts the maintainers in force, not the lib record's.
[ "$(nmaint a "$lib")" = 2 ] || fail "library ls counts $(nmaint a "$lib")"
wait_for 10 has b "$m1" || fail "b did not get the maint record"
[ "$(maints b "$lib")" = "$want" ] || fail "b does not list b"
w a library maintainers "$lib" | grep -q "^${xb:0:8}  (no profile)$" ||
    fail "a's listing does not show b's key"
w b -q profile set --name "Bea" >/dev/null || fail "profile set failed"
wait_for 10 sh -c "'$WEFT_BIN' --home '$T/a' library maintainers $lib |
    grep -q '^${xb:0:8}  Bea\$'" || fail "a does not show b's name"

# b, a maintainer now, adds a design of its own: it counts on both.
d1=$(publish_one b "Bee's")
e1=$(w b -q library add "$lib" "$d1") || fail "b could not add"
wait_for 10 has a "$e1" || fail "a did not get b's entry"
holds a "$lib" "$d1" || fail "a's library does not hold b's design"
holds b "$lib" "$d1" || fail "b's library does not hold its design"

# b goes away; a removes b and goes away too; b, not knowing, adds
# another design; then a comes back on the same address.
stop_node "$pb"
m2=$(w a -q library maintainers "$lib" rm "${xb:0:12}") ||
    fail "rm by prefix failed"
[ "$(maints a "$lib")" = "$xa " ] || fail "b is still listed on a"
[ "$(nmaint a "$lib")" = 1 ] || fail "library ls counts a removed one"
port=$(addr a)
port=${port##*:}
stop_node "$pa"
WEFT_SYNC_INTERESTS="lib:$lib" start_node b
pb=$NODE_PID
d2=$(publish_one b "After")
e2=$(w b -q library add "$lib" "$d2") || fail "offline add failed"
holds b "$lib" "$d2" || fail "b's own entry does not count on b yet"
start_node a --listen "127.0.0.1:$port"
pa=$NODE_PID

# They meet: a keeps e2 but it does not count; b hears of m2 and judges
# e2 again. e1 (before the removal) stays on both.
wait_for 20 has_all a "$e2" "$d2" || fail "a did not get b's late entry"
wait_for 20 has b "$m2" || fail "b did not get the removal"
[ "$(maints b "$lib")" = "$xa " ] || fail "b is still listed on b"
holds a "$lib" "$d2" && fail "a counts an entry by a removed maintainer"
wait_for 10 sh -c "! '$WEFT_BIN' --home '$T/b' --json library ls $lib |
    grep -q $d2" || fail "b still counts its entry after the removal"
holds a "$lib" "$d1" || fail "a dropped the entry from before"
holds b "$lib" "$d1" || fail "b dropped the entry from before"
holds a "$lib" "$d0" || fail "a dropped a's own entry"
expect_code 1 w b library add "$lib" "$d2"
# Nothing was refused: a removed maintainer's late entry is kept, inert.
[ "$(sync_stat a rejected)" = 0 ] || fail "a rejected records"
[ "$(sync_stat b rejected)" = 0 ] || fail "b rejected records"
[ "$(w a --json show "$m2" | json 'j["type"]' /dev/stdin)" = maint ] ||
    fail "show does not name the maint type"
w a --json show "$m2" | json 'j["key"]' /dev/stdin | grep -qx "$xb" ||
    fail "show does not give the removed key"

stop_node "$pb"
stop_node "$pa"
echo ok
