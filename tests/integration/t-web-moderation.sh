#!/bin/bash
# The web UI leaves out what moderation hides or blocks, by the rule of
# ls and search (issue 12.5): a design labelled nsfw (hide) or spam
# (block) by a moderator this node trusts is on no list of the web UI
# (home, search, author, API lists) and its pages, API entry and files
# answer 404; a design nobody labelled is shown as before. The node
# trusts its own author as a moderator, so one weftd is enough.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }

port=$((20000 + (RANDOM % 20000)))
start_node a --web "127.0.0.1:$port"
wa=$(w a status --json | json 'j["web"]' /dev/stdin)
U="http://$wa"
ax=$(w a --json id | json 'j["author"]' /dev/stdin)

pub() {
	mkdir -p "$T/$1"
	printf 'solid %s\nendsolid %s\n' "$1" "$1" >"$T/$1/part.stl"
	w a -q publish "$T/$1" --title "$2 gadget"
}
dh=$(pub h Hidden) || fail "publish h"
db=$(pub b Blocked) || fail "publish b"
dk=$(pub k Kept) || fail "publish k"
code() { curl -sS -o /dev/null -w '%{http_code}' "$1"; }
# Before any label the three are everywhere.
curl -sS "$U/" | grep -q "$dh" || fail "home does not list the design"
[ "$(code "$U/d/$dh")" = 200 ] || fail "design page before the label"

w a -q moderators add "$ax" >/dev/null || fail "moderators add"
w a -q label "$dh" nsfw >/dev/null || fail "label nsfw"
w a -q label "$db" spam >/dev/null || fail "label spam"
w a --json ls | grep -q "$dh" && fail "ls lists a hidden design"
w a --json ls | grep -q "$dk" || fail "ls lost the kept design"

for page in "/" "/search" "/search?q=gadget" "/a/$ax" "/api/designs" \
    "/api/search?q=gadget" "/api/designs?author=$ax"; do
	curl -sS -o "$T/body" "$U$page" || fail "GET $page"
	grep -q "$dk" "$T/body" || fail "$page lost the kept design"
	for d in "$dh" "$db"; do
		grep -q "$d" "$T/body" &&
		    fail "$page lists moderated design ${d:0:16}"
	done
done
for d in "$dh" "$db"; do
	for page in "/d/$d" "/api/design/$d" "/zip/$d/x.zip" "/f/$d/0/part.stl"; do
		c=$(code "$U$page")
		[ "$c" = 404 ] || fail "$page answers $c for a moderated design"
	done
done
[ "$(code "$U/d/$dk")" = 200 ] || fail "the kept design's page"
[ "$(code "$U/f/$dk/0/part.stl")" = 200 ] || fail "the kept design's file"
stop_all
