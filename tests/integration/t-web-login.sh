#!/bin/bash
# The web UI on a non-loopback address (inside a network namespace the
# test creates, on a veth pair): without web-password it is
# read-only; with one, a browser that logs in (Origin checked, wrong
# passwords refused) gets an HttpOnly SameSite=Strict session cookie
# and may act, until it logs out. Needs root and `ip netns`; it never
# skips.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
[ "$(id -u)" = 0 ] || fail "t-web-login needs root (network namespaces)"
command -v ip >/dev/null || fail "t-web-login needs iproute2 ('ip')"

NS=weft-wl$$-web
login_cleanup() {
	cleanup
	ip netns del "$NS" 2>/dev/null || true
}
trap login_cleanup EXIT
ip netns add "$NS" || fail "cannot create network namespace '$NS'"
ip -n "$NS" link set lo up
ip -n "$NS" link add v0 type veth peer name v1 ||
    fail "cannot create a veth pair"
ip -n "$NS" addr add 10.77.9.1/24 dev v0
ip -n "$NS" link set v0 up
ip -n "$NS" link set v1 up
A=10.77.9.1:7421
U="http://$A"

# start_ns NAME: weftd inside the namespace, its web UI on $A.
start_ns() {
	ip netns exec "$NS" "$WEFTD_BIN" --home "$T/$1" --listen 127.0.0.1:0 \
	    --web "$A" >>"$T/$1.log" 2>&1 &
	NODE_PID=$!
	PIDS="$PIDS $NODE_PID"
	wait_for 20 "$WEFT_BIN" --home "$T/$1" status ||
	    fail "weftd '$1' did not come up"
}
# get ARGS...: curl inside the namespace.
get() {
	ip netns exec "$NS" curl -sS -o "$T/body" -D "$T/head" "$@"
}
code() { awk 'NR==1 {print $2}' "$T/head"; }
token() { grep -o 'name="token" value="[0-9a-f]*"' "$T/body" | head -1 |
    sed 's/.*value="//; s/"$//'; }

me=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

# No password: read-only, no login link, a POST is refused.
start_ns a
w a status --json >"$T/s"
[ "$(json 'j["web"]' "$T/s")" = "$A" ] || fail "web is not on $A"
grep -q 'read-only: not a loopback address' "$T/a.log" ||
    fail "the log does not say read-only"
get "$U/"
[ "$(code)" = 200 ] || fail "home: $(code)"
grep -q 'id="login"' "$T/body" && fail "a login link without a password"
grep -q 'class="act"' "$T/body" && fail "action buttons on a read-only UI"
get "$U/login"
grep -q 'read-only' "$T/body" || fail "/login does not say read-only"
get -X POST -H "Origin: $U" --data "password=whatever1" "$U/login"
[ "$(code)" = 403 ] || fail "a login without web-password got $(code)"
stop_node "$NODE_PID"

# A password: only its hash in the config.
printf 'correct horse\n' | w a web-password >/dev/null ||
    fail "weft web-password failed"
grep -q '^web-password = \$argon2id\$' "$T/a/config" ||
    fail "no Argon2id hash in the config"
grep -q 'correct horse' "$T/a/config" && fail "the password is in the config"
start_ns a
get "$U/"
grep -q 'id="login"' "$T/body" || fail "no login link"
tok=$(token)
[ -z "$tok" ] || fail "a token on a page before login"
get "$U/login"
grep -q 'type="password"' "$T/body" || fail "no login form"

# Refused: a login from another Origin, a wrong password.
get -X POST -H "Origin: http://evil.example" \
    --data "password=correct+horse" "$U/login"
[ "$(code)" = 403 ] || fail "a login from another Origin got $(code)"
grep -qi 'set-cookie' "$T/head" && fail "a cookie for another Origin"
get -X POST -H "Origin: $U" --data "password=wrong+horse" "$U/login"
[ "$(code)" = 303 ] || fail "a wrong password got $(code)"
grep -qi 'set-cookie' "$T/head" && fail "a cookie for a wrong password"
grep -qi '^location: /login?failed=1' "$T/head" ||
    fail "a wrong password is not sent back to the form"
grep -q 'a login with a wrong password' "$T/a.log" ||
    fail "the log does not note the wrong password"

# Without a session an action is refused even with the page's token.
get "$U/a/$me"
get -X POST -H "Origin: $U" --data "token=x&id=$me" "$U/act/follow"
[ "$(code)" = 403 ] || fail "an action without login got $(code)"
grep -q 'log in first' "$T/body" || fail "the refusal does not say log in"

# The right password: a session cookie, HttpOnly and SameSite=Strict.
get -X POST -H "Origin: $U" --data "password=correct+horse" "$U/login"
[ "$(code)" = 303 ] || fail "the right password got $(code)"
ck=$(grep -i '^set-cookie:' "$T/head" | tr -d '\r')
case "$ck" in *"weft_session="*"HttpOnly"*"SameSite=Strict"*) ;;
*) fail "the session cookie is '$ck'" ;; esac
sess=$(echo "$ck" | sed 's/^[^=]*: weft_session=\([0-9a-f]*\);.*/\1/')
[ "${#sess}" = 64 ] || fail "session '$sess'"
C="weft_session=$sess"
grep -q 'a browser logged in' "$T/a.log" || fail "the login is not logged"
grep -q "$sess" "$T/a.log" && fail "the session cookie is in the log"

get -b "$C" "$U/a/$me"
grep -q 'id="logout"' "$T/body" || fail "no log out button when logged in"
tok=$(token)
[ -n "$tok" ] || fail "no token on a page when logged in"
# The cookie alone is not enough (token), nor from another Origin.
get -b "$C" -X POST -H "Origin: $U" --data "token=0&id=$me" "$U/act/follow"
[ "$(code)" = 403 ] || fail "an action without the token got $(code)"
get -b "$C" -X POST -H "Origin: http://evil.example" \
    --data "token=$tok&id=$me" "$U/act/follow"
[ "$(code)" = 403 ] || fail "an action from another Origin got $(code)"
w a follow | grep -q "$me" && fail "followed after refused actions"
get -b "$C" -X POST -H "Origin: $U" --data "token=$tok&id=$me" \
    "$U/act/follow"
[ "$(code)" = 303 ] || fail "a logged-in action got $(code)"
w a follow | grep -q "${me:0:8}" || fail "the follow did not happen"

# A made-up session is nobody.
get -b "weft_session=$(printf '%064d' 0)" -X POST -H "Origin: $U" \
    --data "token=$tok&id=$me" "$U/act/follow"
[ "$(code)" = 403 ] || fail "a made-up session got $(code)"

# Log out: the cookie is cleared and no longer counts.
get -b "$C" -X POST -H "Origin: $U" --data "token=$tok" "$U/logout"
[ "$(code)" = 303 ] || fail "logout got $(code)"
grep -qi '^set-cookie: weft_session=;.*Max-Age=0' "$T/head" ||
    fail "logout does not clear the cookie"
get -b "$C" -X POST -H "Origin: $U" --data "token=$tok&id=$me" \
    "$U/act/follow"
[ "$(code)" = 403 ] || fail "an action after logout got $(code)"
stop_node "$NODE_PID"

# --off: read-only again.
w a web-password --off >/dev/null || fail "web-password --off failed"
grep -q '^web-password' "$T/a/config" && fail "--off left the hash"
echo "OK"
