#!/bin/bash
# The community records between real weftd (issue 12): along a chain
# a - b - c, a profile, comments (a reply, an edit), and likes made on
# one end reach the other; the edit replaces the comment's text
# everywhere, an unlike takes the like back everywhere, a name shows
# with its key prefix and escaped. A node that wants only one library
# (WEFT_SYNC_INTERESTS) gets the comments and likes on the designs the
# library holds, by reconciliation and by live push, and none on others,
# also for a design the library adds after it was commented on (by the
# next reconciliation: pushes carry only new records).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync_lib.sh"

author_of() {
	w "$1" --json id | json 'j["author"]' /dev/stdin
}
# likes NODE DESIGN / ncomments NODE DESIGN
likes() {
	w "$1" --json show "$2" | json 'j["likes"]' /dev/stdin
}
known_peer() {
	w "$1" --json peers --known | grep -q "$2"
}
ncomments() {
	w "$1" --json comments "$2" | json 'len(j["comments"])' /dev/stdin
}

start_node a --listen 127.0.0.1:0
start_node b --listen 127.0.0.1:0 --peer "$(addr a)"
start_node c --listen 127.0.0.1:0 --peer "$(addr b)"
wait_for 10 connected b 2 || fail "b is not connected to a and c"
ax=$(author_of a)
cx=$(author_of c)

d1=$(publish_one a "Gear")
wait_for 10 has c "$d1" || fail "c did not get a's design"

# A profile on a: c shows it by a key prefix, with the name escaped in
# comments (names cannot hold control characters at all).
expect_code 2 w a profile set --name "Ada" --link "javascript:alert(1)"
expect_code 2 w a profile set --name "$(printf 'Ada\033[31m')"
w a -q profile set --name "Ada Lövelace" --bio "Gears." \
    --link https://example.org/ada >/dev/null || fail "profile set"
profile_on_c() {
	w c --json profile show "${ax:0:8}" | json 'j["name"]' /dev/stdin |
	    grep -qx "Ada Lövelace"
}
wait_for 10 profile_on_c || fail "c did not get a's profile"
# A newer profile wins.
w a -q profile set --name "Ada L." >/dev/null || fail "profile set 2"
newer_on_c() {
	w c --json profile show "${ax:0:8}" | json 'j["name"]' /dev/stdin |
	    grep -qx "Ada L."
}
wait_for 10 newer_on_c || fail "c did not get a's newer profile"
expect_code 3 w c profile show 0123456789abcdef
# An avatar with GPS EXIF: published without it, fetched by c.
python3 - "$T/face.jpg" <<'PY'
import sys
app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
exif = b"Exif\x00\x00GPSLatitude 52.5200N GPSLongitude 13.4050E serial 1234"
app1 = b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
scan = b"\xff\xda\x00\x04\x01\x02" + bytes(range(256)) * 40 + b"\xff\xd9"
open(sys.argv[1], "wb").write(b"\xff\xd8" + app0 + app1 + scan)
open(sys.argv[1] + ".clean", "wb").write(b"\xff\xd8" + app0 + scan)
PY
w a profile set --name "Ada L." --avatar "$T/face.jpg" 2>"$T/err" >/dev/null ||
    fail "avatar: $(cat "$T/err")"
grep -q "removed 1 metadata block .* from '$T/face.jpg'" "$T/err" ||
    fail "no word on the metadata: $(cat "$T/err")"
wait_for 10 w c profile show "${ax:0:8}" --avatar "$T/got.jpg" ||
    fail "c did not get the avatar"
grep -q "GPS" "$T/got.jpg" && fail "the avatar still holds GPS data"
cmp -s "$T/face.jpg.clean" "$T/got.jpg" ||
    fail "the avatar is not the picture without its EXIF"
expect_code 2 w a profile set --name x --avatar /etc/passwd
grep -q "not a JPEG, PNG or WebP" "$T/err" || fail "$(cat "$T/err")"

# Author arguments take prefixes; node ids are refused, saying so.
expect_code 0 w c follow "${ax:0:8}"
expect_code 2 w c follow "$(node_id c)"
grep -q "is a node id, not an author id" "$T/err" || fail "$(cat "$T/err")"
wait_for 10 known_peer c "$(node_id b)" || fail "c does not keep b"
expect_code 2 w c follow "$(node_id b)"
expect_code 2 w c profile show "$(node_id b)"
# A node id's prefix is named as such, and ls and search take prefixes.
nb=$(node_id b)
expect_code 2 w c follow "${nb:0:10}"
grep -q "is a node id, not an author id" "$T/err" || fail "$(cat "$T/err")"
expect_code 2 w c ls --author "${nb:0:10}"
grep -q "is a node id, not an author id" "$T/err" || fail "$(cat "$T/err")"
[ "$(w c -q ls --author "${ax:0:8}" | sort)" = \
    "$(w c -q ls --author "$ax" | sort)" ] && [ -n "$(w c -q ls --author "$ax")" ] ||
    fail "ls --author by prefix: $(w c ls --author "${ax:0:8}")"
w c -q search --author "${ax:0:8}" --all gear | grep -q "$d1" ||
    fail "search --author by prefix: $(w c search --author "${ax:0:8}" gear)"
expect_code 3 w c ls --author 00000000

# A comment on c, a reply on a, an edit on c.
c1=$(w c -q comment "$d1" "Printed it: fine at 0.2 mm") || fail "comment"
wait_for 10 has a "$c1" || fail "a did not get c's comment"
r1=$(w a -q comment "$d1" --reply-to "$c1" "Thanks!") || fail "reply"
e1=$(echo "Printed it: fine at 0.16 mm too" | w c -q comment "$d1" - \
    --edit "$c1") || fail "edit"
expect_code 1 w a comment "$d1" "not mine" --edit "$c1"
grep -q "only your own comments" "$T/err" || fail "edit: $(cat "$T/err")"
edited_on() {
	w "$1" --json comments "$d1" >"$T/cm.json" &&
	json '[ (x["text"], x["edited"]) for x in j["comments"]]' \
	    "$T/cm.json" | grep -q "('Printed it: fine at 0.16 mm too', True)"
}
wait_for 10 edited_on a || fail "a does not show the edit"
wait_for 10 has c "$r1" || fail "c did not get the reply"
edited_on c || fail "c does not show its own edit"
[ "$(ncomments a "$d1")" = 2 ] || fail "a: edits must not add comments"
w a comments "$d1" >"$T/thread" || fail "comments"
grep -q "^Ada L\. (${ax:0:8})" "$T/thread" && fail "a's comment not indented"
grep -q "^    Ada L\. (${ax:0:8})" "$T/thread" || fail "thread: $(cat "$T/thread")"
grep -q "^${cx:0:8} .* (edited)$" "$T/thread" || fail "thread: $(cat "$T/thread")"

# Likes: b and c like, c likes again (nothing new), c takes it back.
w b -q like "$d1" >/dev/null || fail "like on b"
w c -q like "$d1" >/dev/null || fail "like on c"
expect_code 0 w c like "$d1"
grep -q "already" "$T/out" || fail "like twice: $(cat "$T/out")"
likes_are() { [ "$(likes "$1" "$d1")" = "$2" ]; }
wait_for 10 likes_are a 2 || fail "a counts $(likes a "$d1") likes"
w c -q unlike "$d1" >/dev/null || fail "unlike"
wait_for 10 likes_are a 1 || fail "a counts $(likes a "$d1") after unlike"
wait_for 10 likes_are b 1 || fail "b counts $(likes b "$d1") after unlike"
w a show "$d1" | grep -q "^comments  *2$" || fail "show: no comment count"

# A make on b, with a GPS-tagged photo, published without the EXIF; c,
# which follows a, keeps the photos of makes of a's designs.
python3 - "$T/print.png" <<'PY'
import sys
sig = b"\x89PNG\r\n\x1a\n"
def chunk(t, d):
    return len(d).to_bytes(4, "big") + t + d + b"\0\0\0\0"
exif = b"MM\0*GPS 48.8584N 2.2945E camera serial 987654"
body = chunk(b"IHDR", bytes(13)) + chunk(b"eXIf", exif) + \
    chunk(b"IDAT", bytes(range(256)) * 8) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(sig + body)
PY
# b follows a too, so that c can fetch a's files from b.
w b -q follow "${ax:0:8}" >/dev/null || fail "b follow"
w b make "$d1" --photo "$T/print.png" --printer "Prusa MK4" \
    --material "PLA" --note "Came out clean" >"$T/out" 2>"$T/err" ||
    fail "make: $(cat "$T/err")"
grep -q "removed 1 metadata block" "$T/err" || fail "make: $(cat "$T/err")"
m1=$(awk '{ print $2 }' "$T/out")
wait_for 10 has c "$m1" || fail "c did not get the make"
makes_on_c() {
	w c --json makes "$d1" >"$T/mk.json" &&
	json 'j["makes"][0]["printer"]' "$T/mk.json" | grep -qx "Prusa MK4"
}
wait_for 10 makes_on_c || fail "c does not list the make"
[ "$(w a --json show "$d1" | json 'j["makes"]' /dev/stdin)" = 1 ] ||
    fail "a does not count the make"
# c follows a (above): it keeps the photos of makes of a's designs.
photo_kept() {
	[ "$(w c --json status | json 'j["missing"]["files"]' /dev/stdin)" = 0 ] &&
	[ "$(w c --json status | json 'j["chunks"]' /dev/stdin)" -ge 6 ]
}
wait_for 10 photo_kept || fail "c did not fetch the photo: $(w c --json status | json "j['missing'], j['chunks']" /dev/stdin)"
expect_code 2 w b make "$d1" --photo /etc/passwd
expect_code 2 w b make "$d1"

# Two followed authors with one name: c is told, with both keys.
w b -q profile set --name "Ada L." >/dev/null || fail "b's profile"
bx=$(author_of b)
b_named() {
	w c --json profile show "${bx:0:8}" | json 'j["name"]' /dev/stdin |
	    grep -qx "Ada L."
}
wait_for 10 b_named || fail "c lacks b's profile"
w c follow "${bx:0:8}" >/dev/null 2>"$T/err" || fail "follow b"
grep -q "'Ada L.' is also the name of ${ax:0:8}, whom you follow" "$T/err" ||
    fail "no same-name note: $(cat "$T/err")"

# A library scope: d wants only a's library "Shelf". Comments on a held
# design reach d (by reconciliation on connect, then by push); those on
# another design do not, until the library adds that design.
d2=$(publish_one a "Loose")
wait_for 10 has b "$d2" || fail "b did not get d2"
x2=$(w b -q comment "$d2" "On the loose one") || fail "comment d2"
lib=$(w a -q library create "Shelf") || fail "library create"
w a -q library add "$lib" "$d1" >/dev/null || fail "library add"
wait_for 10 has a "$x2" || fail "a did not get b's comment on d2"
WEFT_SYNC_RECONCILE_MS=3600000 WEFT_SYNC_INTERESTS="lib:$lib" \
    start_node d --peer "$(addr a)"
wait_for 10 has_all d "$d1" "$c1" "$r1" "$e1" || fail "d lacks d1's comments"
wait_for 10 likes_are d 1 || fail "d counts $(likes d "$d1") likes"
has d "$x2" && fail "d got a comment on a design outside its library"
# Pushed live: a new comment on d1 from c.
c2=$(w c -q comment "$d1" "Second print") || fail "comment 2"
wait_for 10 has d "$c2" || fail "d did not get the pushed comment"
has d "$x2" && fail "d got the comment on d2 after all"
# The library adds d2: its revisions and the comment on it join the
# library's scope, so a node that reconciles the library now gets them.
w a -q library add "$lib" "$d2" >/dev/null || fail "library add d2"
WEFT_SYNC_INTERESTS="lib:$lib" start_node e --peer "$(addr a)"
wait_for 10 has_all e "$d2" "$x2" "$c1" "$c2" || fail "e lacks d2's comment"
[ "$(sync_stat d rejected)" = 0 ] || fail "d rejected records"
for n in a b c; do
	[ "$(sync_stat "$n" rejected)" = 0 ] || fail "$n rejected records"
done
stop_all
