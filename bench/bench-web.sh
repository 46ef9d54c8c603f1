#!/bin/bash
# The web UI's server time and download rate, through a real weftd.
#
# 1. Pages: a home of N designs (default 1,000,000) built by bench-ingest;
#    the median of 100 requests (connect to last byte, one connection
#    each) for a design page, the first search page (HTML and JSON) and
#    the home page, beside a static file (style.css) from the same
#    server in the same run: the floor of one request.
# 2. Downloads: a design of MIB MiB (default 200) in 4 random files; the
#    time of `weft get -o DIR` beside a zip of the same revision from
#    the web UI written to a file (curl), both from the node's own store,
#    each with the CPU time weftd spent on it (/proc/PID/stat).
#
# usage: bench/bench-web.sh [BUILD_DIR] [DESIGNS] [MIB]   (DESIGNS 0: downloads only)
# HOME_FROM=DIR uses a copy of a home bench-ingest built before (of
# DESIGNS designs) instead of building one: a million takes long.
set -eu
export WEFT_LAN_DISCOVERY=off
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
n=${2:-1000000}
mib=${3:-200}
T=$(mktemp -d "${TMPDIR:-/var/tmp}/weft-bench-web.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

start() {
	local home=$1
	port=$((20000 + (RANDOM % 20000)))
	"$build/weftd" --home "$home" --web "127.0.0.1:$port" \
	    2>"$T/weftd.log" &
	pid=$!
	for _ in $(seq 200); do
		"$build/weft" --home "$home" status >/dev/null 2>&1 && break
		sleep 0.1
	done
	web=$("$build/weft" --home "$home" --json status |
	    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["web"])')
}
stop() {
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
}

if [ "$n" -gt 0 ]; then
if [ -n "${HOME_FROM:-}" ]; then
	echo "copying the home of $n designs in $HOME_FROM"
	cp -a "$HOME_FROM" "$T/home"
else
	echo "building a home with $n designs"
	t0=$(date +%s)
	"$build/bench/bench-ingest" --designs "$n" --home "$T/home" >/dev/null
	echo "built in $(( $(date +%s) - t0 )) s"
fi
start "$T/home"
id=$(curl -sS "http://$web/api/search?q=bracket&limit=1" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["design"])')
echo "pages, 100 requests each (server $web, design ${id:0:12}):"
/usr/bin/python3 "$top/bench/web_time.py" "$web" 100 /static/style.css \
    "/d/$id" "/search?q=bracket" "/api/search?q=bracket" \
    "/api/design/$id" /status
echo "home (the newest 20 designs), 100 requests:"
/usr/bin/python3 "$top/bench/web_time.py" "$web" 100 /
stop
rm -rf "$T/home"
fi

echo "downloads: a design of $mib MiB in 4 files"
mkdir -p "$T/d"
for i in 1 2 3 4; do
	head -c $((mib * 1024 * 1024 / 4)) /dev/urandom >"$T/d/part$i.bin"
done
start "$T/h2"
"$build/weft" --home "$T/h2" publish "$T/d" --title big -q >"$T/pub"
design=$(awk '{print $NF}' "$T/pub")
rm -rf "$T/d"
sync
# Each timed run starts after a sync, so that neither pays for the other's
# dirty pages; the order alternates.
# weftd's user + system CPU time in ms.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' \
	    "/proc/$pid/stat"
}
get_ms() {
	rm -rf "$T/got"
	sync
	c0=$(cpu_ms)
	t0=$(date +%s%N)
	"$build/weft" --home "$T/h2" get "$design" -o "$T/got" >/dev/null
	echo "$(( ($(date +%s%N) - t0) / 1000000 )) $(( $(cpu_ms) - c0 ))"
}
zip_ms() {
	rm -f "$T/z.zip"
	sync
	c0=$(cpu_ms)
	t0=$(date +%s%N)
	curl -sS -o "$T/z.zip" "http://$web/zip/$design/big.zip"
	echo "$(( ($(date +%s%N) - t0) / 1000000 )) $(( $(cpu_ms) - c0 ))"
}
for round in 1 2 3 4 5; do
	if [ $((round % 2)) -eq 1 ]; then
		read -r g gc <<<"$(get_ms)"
		read -r z zc <<<"$(zip_ms)"
	else
		read -r z zc <<<"$(zip_ms)"
		read -r g gc <<<"$(get_ms)"
	fi
	echo "round $round: weft get $g ms ($(( mib * 1000 / g )) MiB/s," \
	    "weftd CPU $gc ms), zip $z ms ($(( mib * 1000 / z )) MiB/s," \
	    "weftd CPU $zc ms), zip/get rate $(( g * 100 / z ))%"
done
# The server alone: the zip read to /dev/null (no file written).
for round in 1 2 3; do
	c0=$(cpu_ms)
	t0=$(date +%s%N)
	curl -sS -o /dev/null "http://$web/zip/$design/big.zip"
	z=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "zip to /dev/null: $z ms ($(( mib * 1000 / z )) MiB/s," \
	    "weftd CPU $(( $(cpu_ms) - c0 )) ms)"
done
stop
