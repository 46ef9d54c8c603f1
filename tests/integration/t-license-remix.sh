#!/bin/bash
# Licenses on remix (docs/licenses.md), through the real CLI and weftd:
# a designs on node a, remixed by another author on node b. Each refusal
# (no derivatives, all rights reserved, share-alike, non-commercial,
# parents that cannot be combined, relicensing by update, update
# --remix-of) exits 1 with one line saying why and what is allowed; the
# default license is the least restrictive one all parents allow; grants
# (to an author with a license, to anyone) let a refused remix through;
# the head of an updated remix keeps its remix_of; a remix by a stranger
# that breaks the table is stored and listed as a license conflict, and
# stops being one once a grant arrives.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

: "${HOSTILE_BIN:=$(dirname "$WEFT_BIN")/tests/hostile/hostile-peer}"
[ -x "$HOSTILE_BIN" ] || fail "no hostile-peer at $HOSTILE_BIN"

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
wait_for 10 connected a 1 || fail "a and b did not connect"

pub() {	# pub NODE TITLE LICENSE
	local d="$T/src-$RANDOM$RANDOM"
	mkdir -p "$d"
	printf '%s %s\n' "$2" "$RANDOM" >"$d/part.scad"
	w "$1" -q publish "$d" --title "$2" --license "$3"
}
nd=$(pub a "No derivatives" CC-BY-ND-4.0)
arr=$(pub a "Mine alone" all-rights-reserved)
sa=$(pub a "Share alike" CC-BY-SA-4.0)
nc=$(pub a "Not for sale" CC-BY-NC-4.0)
by=$(pub a "Attribution" CC-BY-4.0)
mit=$(pub a "Permissive" MIT)
for d in "$nd" "$arr" "$sa" "$nc" "$by" "$mit"; do
	wait_for 10 has b "$d" || fail "b did not get $d"
done
lic_of() {	# lic_of NODE DESIGN: the license of its newest head
	w "$1" --json ls | json "[x['license'] for x in j if x['design'] == '$2'][0]" /dev/stdin
}
[ "$(lic_of b "$arr")" = LicenseRef-All-Rights-Reserved ] ||
    fail "all rights reserved is not stored as such: $(lic_of b "$arr")"

# No derivatives and all rights reserved: refused, the grant named.
expect_code 1 w b fork "$nd"
grep -q "allows no derivatives" "$T/err" && grep -q "weft grant" "$T/err" ||
    fail "ND refusal does not say why: $(cat "$T/err")"
expect_code 1 w b fork "$arr" --license MIT
grep -q "all rights are reserved" "$T/err" ||
    fail "ARR refusal does not say why: $(cat "$T/err")"

# Share-alike: MIT refused with the allowed list; the default keeps SA.
expect_code 1 w b fork "$sa" --license MIT
grep -q "license 'MIT' is not allowed" "$T/err" &&
    grep -q "allowed: CC-BY-SA-4.0, GPL-3.0-only" "$T/err" ||
    fail "SA refusal: $(cat "$T/err")"
f_sa=$(w b -q fork "$sa") || fail "fork of SA failed"
[ "$(lic_of b "$f_sa")" = CC-BY-SA-4.0 ] || fail "SA fork: $(lic_of b "$f_sa")"
f_gpl=$(w b -q fork "$sa" --license GPL-3.0-only) ||
    fail "the one-way BY-SA 4.0 -> GPLv3 fork was refused"

# Non-commercial: the default is NC; relicensing by update is refused.
f_nc=$(w b -q fork "$nc") || fail "fork of NC failed"
[ "$(lic_of b "$f_nc")" = CC-BY-NC-4.0 ] || fail "NC fork: $(lic_of b "$f_nc")"
mkdir -p "$T/upd" && echo "v2" >"$T/upd/part.scad"
expect_code 1 w b update "$f_nc" "$T/upd" --license CC-BY-4.0
grep -q "non-commercial" "$T/err" || fail "NC relicense: $(cat "$T/err")"
r2=$(w b -q update "$f_nc" "$T/upd" --message "thicker") ||
    fail "update of the NC fork failed"
# The updated head still names its parent.
w b --json show "$r2" >"$T/r2.json"
[ "$(json 'len(j["remix_of"])' "$T/r2.json")" = 1 ] ||
    fail "the updated remix lost its remix_of: $(cat "$T/r2.json")"

# Two parents: BY + SA gives BY-SA; SA + NC cannot be combined.
f_two=$(w b -q fork "$by" --also "$sa") || fail "BY + SA fork failed"
[ "$(lic_of b "$f_two")" = CC-BY-SA-4.0 ] ||
    fail "BY + SA: $(lic_of b "$f_two")"
w b --json show "$f_two" >"$T/two.json"
[ "$(json 'len(j["remix_of"])' "$T/two.json")" = 2 ] ||
    fail "two-parent fork: $(cat "$T/two.json")"
expect_code 1 w b fork "$sa" --also "$nc"
grep -q "cannot be combined" "$T/err" || fail "SA + NC: $(cat "$T/err")"

# update --remix-of: b's own MIT design remixing SA must become SA.
own=$(pub b "Own" MIT)
expect_code 1 w b update "$own" "$T/upd" --remix-of "$sa"
grep -q "share-alike" "$T/err" || fail "remix-of refusal: $(cat "$T/err")"
r_own=$(w b -q update "$own" "$T/upd" --remix-of "$sa" \
    --license CC-BY-SA-4.0) || fail "update --remix-of failed"
w b --json show "$r_own" >"$T/own.json"
[ "$(json 'len(j["remix_of"])' "$T/own.json")" = 1 ] ||
    fail "update --remix-of: $(cat "$T/own.json")"
# Forking one's own design is free of the table.
w b -q fork "$own" --license MIT >/dev/null ||
    fail "forking one's own design with another license was refused"

# Filters by license and class (ls and search).
ids() {	# ids NODE ARGS...: the design ids a listing prints, sorted
	local n=$1
	shift
	w "$n" -q "$@" | sort | tr '\n' ' '
}
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
[ "$(ids a ls --license cc-by-nd-4.0)" = "$(sorted "$nd")" ] ||
    fail "ls --license: $(ids a ls --license cc-by-nd-4.0)"
[ "$(ids a ls --license no-derivatives)" = "$(sorted "$nd" "$arr")" ] ||
    fail "ls --license no-derivatives: $(ids a ls --license no-derivatives)"
w a -q ls --remixable >"$T/remixable"
grep -q "$sa" "$T/remixable" && grep -q "$mit" "$T/remixable" &&
    ! grep -q "$nd" "$T/remixable" && ! grep -q "$arr" "$T/remixable" ||
    fail "ls --remixable: $(cat "$T/remixable")"
w a -q ls --commercial-ok >"$T/commercial"
grep -q "$nd" "$T/commercial" && ! grep -q "$nc" "$T/commercial" &&
    ! grep -q "$f_nc" "$T/commercial" && ! grep -q "$arr" "$T/commercial" ||
    fail "ls --commercial-ok: $(cat "$T/commercial")"
w a -q ls --remixable --commercial-ok >"$T/both"
! grep -q "$nc" "$T/both" && ! grep -q "$nd" "$T/both" &&
    grep -q "$mit" "$T/both" || fail "ls --remixable --commercial-ok"
[ "$(ids a search --license mit permissive)" = "$(sorted "$mit")" ] ||
    fail "search --license"
[ -z "$(ids a search --remixable derivatives)" ] ||
    fail "search --remixable found the ND design"
[ "$(ids a search --license no-derivatives derivatives)" = "$(sorted "$nd")" ] ||
    fail "search --license CLASS"
expect_code 2 w a ls --license no-such-thing

# Grants. To b, with a license: the ND fork goes through under it only.
bauthor=$(w b --json id | json 'j["author"]' /dev/stdin)
g=$(w a -q grant "$nd" --to "${bauthor:0:10}" --license CC-BY-4.0) ||
    fail "grant failed"
wait_for 10 has b "$g" || fail "b did not get the grant"
expect_code 1 w b fork "$nd" --license MIT
grep -q "allowed: CC-BY-4.0" "$T/err" || fail "granted ND: $(cat "$T/err")"
f_nd=$(w b -q fork "$nd") || fail "fork of ND with a grant failed"
[ "$(lic_of b "$f_nd")" = CC-BY-4.0 ] || fail "granted ND: $(lic_of b "$f_nd")"
w b --json grants "$nd" >"$T/grants.json"
[ "$(json 'j["grants"][0]["to"] == "'"$bauthor"'" and j["grants"][0]["license"] == "CC-BY-4.0" and j["grants"][0]["valid"]' "$T/grants.json")" = True ] ||
    fail "grants: $(cat "$T/grants.json")"
w b grants "$nd" | grep -q "license CC-BY-4.0" || fail "human grants"
# Only the author can grant.
expect_code 1 w b grant "$arr" --anyone
# To anyone, without terms: ARR may then be remixed under anything.
g2=$(w a -q grant "$arr" --anyone) || fail "grant --anyone failed"
wait_for 10 has b "$g2" || fail "b did not get the second grant"
w b -q fork "$arr" --license MIT >/dev/null ||
    fail "fork of ARR with a grant to anyone failed"

# A stranger's remix that breaks the table: stored, flagged, not dropped.
rc=0
"$HOSTILE_BIN" --timeout 3 "$(addr a)" "remix=$nc" >"$T/hostile.out" \
    2>"$T/hostile.err" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] ||
    fail "hostile-peer exited $rc: $(cat "$T/hostile.err")"
bad=$(awk '$1 == "remix" { print $2 }' "$T/hostile.out")
[ ${#bad} -eq 64 ] || fail "no remix id: $(cat "$T/hostile.out")"
wait_for 10 has a "$bad" || fail "a dropped the conflicting remix"
w a ls | grep "^${bad:0:8}" | grep -q "\[license conflict\]" ||
    fail "ls does not flag the conflict: $(w a ls)"
[ "$(w a --json ls | json "[x['license_conflict'] for x in j if x['design'] == '$bad'][0]" /dev/stdin)" = True ] ||
    fail "ls --json does not flag the conflict"
w a show "$bad" | grep -q "license conflict" ||
    fail "show does not flag the conflict: $(w a show "$bad")"
# And so do the web pages: the design page and the lists.
if command -v curl >/dev/null; then
	web=$(w a --json status | json 'j["web"]' /dev/stdin)
	curl -sS "http://$web/d/$bad" | grep -q "license conflict" ||
	    fail "the design page does not flag the conflict"
	curl -sS "http://$web/" | grep -q "license conflict" ||
	    fail "the home page's list does not flag the conflict"
fi
# A conflicting design is in no class, whatever its license says.
w a -q ls --license MIT | grep -q "$bad" || fail "ls --license MIT lost it"
w a -q ls --remixable | grep -q "$bad" &&
    fail "ls --remixable lists the conflicting remix"
# Every other remix is clean (b has the stranger's remix too, by now).
w b ls | grep -v "^${bad:0:8}" | grep -q "license conflict" &&
    fail "b lists a conflict: $(w b ls)"
# A grant to anyone for the parent clears the flag.
w a -q grant "$nc" --anyone >/dev/null || fail "grant for nc failed"
wait_for 10 sh -c "! '$WEFT_BIN' --home '$T/a' ls | grep -q 'license conflict'" ||
    fail "the grant did not clear the conflict: $(w a ls)"
echo ok
