#!/bin/bash
# Mirror benchmark: DESIGNS designs (default 1,000) with MIB MiB of random
# files in total (default 200) published on node A; a fresh node B runs
# `weft mirror --all`, connects to A, and is timed until it holds every
# record and file. In the same run the same files are copied over
# loopback by rsync over ssh (a throwaway sshd on 127.0.0.1) and by
# Syncthing (two throwaway instances on 127.0.0.1, no discovery, no
# relays). Nothing listens on or dials anything but 127.0.0.1.
# Target (issue 4): weft >= 2.5x rsync/ssh and >= 3x Syncthing.
# weft and rsync run ROUNDS times (default 4), in alternating order; the
# result is the medians. bench-floor adds what box-stream and the chunk checks
# alone cost for these bytes, then with the bytes written into a file:
# no weft could be faster than that.
#
# usage: bench/bench-mirror.sh [BUILD_DIR] [DESIGNS] [MIB]   (KEEP=1 keeps
# the temporary directory for inspection, ROUNDS=N; WEFT_ONLY=1 runs weft
# alone, no rsync, Syncthing or floor: to compare two builds of weft;
# BEFORE=DIR also mirrors with the weftd and weft of another build (a
# second node A of that build serves a copy of A's home) in every round,
# so both builds are measured in the same run; NO_SYNCTHING=1 skips
# Syncthing; WRITER=1 runs a disk writer during every copy: a loop of dd
# writing 256 MiB files into the same filesystem, each fsynced, as
# another job on the machine would)
set -eu
# The benchmark's daemons never announce themselves on the LAN.
export WEFT_LAN_DISCOVERY=off
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
designs=${2:-1000}
mib=${3:-200}
weft=$build/weft
weftd=$build/weftd
T=$(mktemp -d "${TMPDIR:-/var/tmp}/weft-mirror.XXXXXX")
PIDS=""
cleanup() {
	[ -z "${wpid:-}" ] || kill "$wpid" 2>/dev/null || true
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
now() { date +%s.%N; }
die() { echo "bench-mirror: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_until() {	# SECONDS CMD...: polls every 50 ms
	local end
	end=$(python3 -c "import time; print(time.time() + $1)")
	shift
	until "$@" >/dev/null 2>&1; do
		python3 -c "import time,sys; sys.exit(time.time() > $end)" ||
		    return 1
		sleep 0.05
	done
}

only=${WEFT_ONLY:-}
need=""
[ -n "$only" ] || {
command -v rsync >/dev/null || need="$need rsync"
[ -x /usr/sbin/sshd ] || need="$need openssh-server"
command -v syncthing >/dev/null || need="$need syncthing"
}
if [ -n "$need" ]; then
	echo "installing$need"
	apt-get install -y $need >/dev/null
fi

# ---- the files: DESIGNS folders of 1-3 random files, MIB MiB in all ----
echo "generating $designs designs, $mib MiB"
python3 - "$T/src" "$designs" "$mib" <<'PY'
import os, random, sys
root, n, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
total = mib << 20
rng = random.Random(4)
sizes = [rng.randint(1, 3) for _ in range(n)]
weights = [[rng.random() + 0.1 for _ in range(k)] for k in sizes]
s = sum(sum(w) for w in weights)
left = total
for i, ws in enumerate(weights):
    d = os.path.join(root, "d%04d" % i)
    os.makedirs(d)
    for f, w in enumerate(ws):
        size = int(total * w / s) if left > 0 else 0
        if i == n - 1 and f == len(ws) - 1:
            size = left
        size = min(size, left)
        left -= size
        with open(os.path.join(d, "part-%d.stl" % f), "wb") as fh:
            fh.write(os.urandom(size))
PY
bytes=$(find "$T/src" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
sync

# ---- weft ----
before=${BEFORE:-}
start() {	# NAME [WEFTD WEFT]
	"${2:-$weftd}" --home "$T/$1" --listen 127.0.0.1:0 >>"$T/$1.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_until 20 "${3:-$weft}" --home "$T/$1" status ||
	    die "weftd $1 did not start"
}
start a
apid=${PIDS##* }
echo "publishing on A"
# Four CLIs at a time: weftd hashes and stores them on its thread pool.
tp0=$(now)
printf '%s\n' "$T"/src/d* | xargs -P 4 -I{} sh -c \
    '"$0" --home "$1" -q publish --title "$(basename "$2")" "$2"/* >/dev/null' \
    "$weft" "$T/a" {} || die "publish"
tp1=$(now)
st_a=$("$weft" --home "$T/a" --json status)
recs=$(echo "$st_a" | json 'j["records"]')
cbytes=$(echo "$st_a" | json 'j["chunk_bytes"]')
addr=$(echo "$st_a" | json 'j["address"]')
if [ -n "$before" ]; then
	# The same files, published on a node A0 of the other build (a copy
	# of A's home may be of a store format that build cannot read).
	start a0 "$before/weftd" "$before/weft"
	a0pid=${PIDS##* }
	echo "publishing on A0 (BEFORE)"
	printf '%s\n' "$T"/src/d* | xargs -P 4 -I{} sh -c \
	    '"$0" --home "$1" -q publish --title "$(basename "$2")" "$2"/* >/dev/null' \
	    "$before/weft" "$T/a0" {} || die "publish on A0"
	addr0=$("$before/weft" --home "$T/a0" --json status | json 'j["address"]')
fi
# ---- rsync over ssh: a throwaway sshd ----
if [ -z "$only" ]; then
sshp=$(free_port)
mkdir -p "$T/ssh"
ssh-keygen -q -t ed25519 -N "" -f "$T/ssh/host" >/dev/null
ssh-keygen -q -t ed25519 -N "" -f "$T/ssh/user" >/dev/null
cp "$T/ssh/user.pub" "$T/ssh/authorized_keys"
chmod 600 "$T/ssh/authorized_keys"
mkdir -p /run/sshd
/usr/sbin/sshd -D -e -p "$sshp" -o ListenAddress=127.0.0.1 \
    -h "$T/ssh/host" -o AuthorizedKeysFile="$T/ssh/authorized_keys" \
    -o PasswordAuthentication=no -o StrictModes=no \
    -o PidFile="$T/ssh/pid" 2>"$T/sshd.log" &
PIDS="$PIDS $!"
sshc="ssh -p $sshp -i $T/ssh/user -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
wait_until 10 $sshc 127.0.0.1 true || die "sshd did not start"
fi

# One poller process for the whole wait (a python3 per poll would take
# CPU from the daemons being measured): `weft status` every 20 ms.
b_wait() {	# HOME [WEFT]: prints the time the records, then everything, were in
	python3 - "${2:-$weft}" "$1" "$recs" "$cbytes" <<'PY'
import json, subprocess, sys, time
weft, home, recs, cbytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
end = time.time() + 1800
t_recs = None
while time.time() < end:
    r = subprocess.run([weft, "--home", home, "--json", "status"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if r.returncode == 0:
        j = json.loads(r.stdout)
        m = j.get("missing", {})
        miss = sum(v for k, v in (m.items() if isinstance(m, dict) else [])) + \
            sum(v for k, v in j.items() if k.startswith("missing_"))
        if t_recs is None and j["records"] >= recs:
            t_recs = time.time()
        if j["records"] >= recs and j["chunk_bytes"] >= cbytes and miss == 0:
            print("%.6f %.6f" % (t_recs, time.time()))
            sys.exit(0)
    time.sleep(0.02)
sys.exit(1)
PY
}

# Rounds of weft and rsync, each into a fresh node or directory, so each
# ratio compares runs seconds apart on a shared, noisy machine (rsync
# alone varied 0.9-3 s between runs). Each copy starts with nothing dirty
# in the page cache.
cpu_of() {	# PID: its CPU seconds so far (user + system)
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
	    "/proc/$1/stat"
}
sys_of() {	# PID: its system CPU seconds so far
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", $15 / hz }' \
	    "/proc/$1/stat"
}
wpid=""
writer_start() {
	[ -n "${WRITER:-}" ] || return 0
	( while :; do
		dd if=/dev/zero of="$T/writer.bin" bs=1M count=256 \
		    conv=fsync status=none 2>/dev/null || break
		rm -f "$T/writer.bin"
	done ) &
	wpid=$!
	sleep 0.5	# the writer is under way before the copy starts
}
writer_stop() {
	[ -n "$wpid" ] || return 0
	kill "$wpid" 2>/dev/null || true
	wait "$wpid" 2>/dev/null || true
	wpid=""
	rm -f "$T/writer.bin"
	sync
}
run_weft() {	# ROUND [before]: sets t0, tr, t1, and cpua, cpub (CPU-s of A and B)
	local wd=$weftd w=$weft ap=$apid ad=$addr b=b$1
	if [ -n "${2:-}" ]; then
		wd=$before/weftd w=$before/weft ap=$a0pid ad=$addr0 b=b0$1
	fi
	start "$b" "$wd" "$w"
	bpid=${PIDS##* }
	"$w" --home "$T/$b" -q mirror --all || die "mirror --all"
	sync
	writer_start
	ca=$(cpu_of "$ap")
	cb=$(cpu_of "$bpid")
	sb=$(sys_of "$bpid")
	t0=$(now)
	"$w" --home "$T/$b" -q connect "$ad" >/dev/null || die "connect"
	tw=$(b_wait "$T/$b" "$w") || die "B did not complete the mirror"
	tr=${tw% *}
	t1=${tw#* }
	cpua=$(awk -v x="$(cpu_of "$ap")" -v y="$ca" 'BEGIN { printf "%.2f", x - y }')
	cpub=$(awk -v x="$(cpu_of "$bpid")" -v y="$cb" 'BEGIN { printf "%.2f", x - y }')
	sysb=$(awk -v x="$(sys_of "$bpid")" -v y="$sb" 'BEGIN { printf "%.2f", x - y }')
	writer_stop
	kill "$bpid" 2>/dev/null || true
	wait "$bpid" 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "${T:?}/$b"
}
run_before() {	# ROUND: the other build's weft, sets tb0, tb1, cpua0, cpub0
	if [ -z "$before" ]; then
		tb0=0 tb1=1
		return
	fi
	local s0=$t0 sr=$tr s1=$t1 sa=$cpua sbb=$cpub ss=$sysb
	run_weft "$1" before
	tb0=$t0 tb1=$t1 cpua0=$cpua cpub0=$cpub sysb0=$sysb
	t0=$s0 tr=$sr t1=$s1 cpua=$sa cpub=$sbb sysb=$ss
	awk -v b="$bytes" -v r="$1" -v t0="$tb0" -v t1="$tb1" -v ca="$cpua0" -v cb="$cpub0" -v sy="$sysb0" 'BEGIN {
		printf "round %d: before: weft %.2f s %.1f MB/s (CPU A %.2f s, B %.2f s, %.2f s of it system)\n", r, t1 - t0, b / (t1 - t0) / 1e6, ca, cb, sy
	}'
}
run_rsync() {	# ROUND: sets t2, t3
	if [ -n "$only" ]; then
		t2=0 t3=1
		return
	fi
	sync
	writer_start
	t2=$(now)
	rsync -a -e "$sshc" "$T/src/" "127.0.0.1:$T/rsync$1/"
	t3=$(now)
	writer_stop
	diff -r "$T/src" "$T/rsync$1" >/dev/null || die "rsync copy differs"
	rm -rf "$T/rsync$1"
}
# Whichever copy runs second is slowed by the first's writes, which the
# disk is still absorbing after sync returns (rsync right after weft
# took 1.7-3 s, alone 1.3-1.5 s): the order alternates between rounds.
rounds=${ROUNDS:-4}
res=""
for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		run_weft "$r"
		run_rsync "$r"
		run_before "$r"
	else
		run_before "$r"
		run_rsync "$r"
		run_weft "$r"
	fi
	res="$res $t0 $tr $t1 $t2 $t3"
	resb="${resb:-} $tb0 $tb1"
	awk -v b="$bytes" -v r="$r" -v t0="$t0" -v tr="$tr" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v ca="$cpua" -v cb="$cpub" -v sy="$sysb" -v only="$only" 'BEGIN {
		w = b / (t1 - t0) / 1e6; s = b / (t3 - t2) / 1e6
		if (only != "") {
			printf "round %d: weft %.2f s %.1f MB/s (records in after %.2f s; CPU A %.2f s, B %.2f s, %.2f s of it system)\n", r, t1 - t0, w, tr - t0, ca, cb, sy
			exit
		}
		printf "round %d: weft %.2f s %.1f MB/s (records in after %.2f s; CPU A %.2f s, B %.2f s, %.2f s of it system), rsync/ssh %.2f s %.1f MB/s: %.2fx\n", r, t1 - t0, w, tr - t0, ca, cb, sy, t3 - t2, s, w / s
	}'
done

# ---- Syncthing ----
t4=0 t5=0
if [ -z "$only" ] && [ -z "${NO_SYNCTHING:-}" ]; then
st_home() {	# NAME PORT GUIPORT
	syncthing generate --home "$T/st$1" >/dev/null 2>&1 ||
	    syncthing -generate="$T/st$1" >/dev/null 2>&1
	python3 - "$T/st$1/config.xml" "$2" "$3" <<'PY'
import re, sys
p, port, gui = sys.argv[1], sys.argv[2], sys.argv[3]
x = open(p).read()
x = re.sub(r"<listenAddress>.*?</listenAddress>", "", x)
x = x.replace("<options>", "<options><listenAddress>tcp://127.0.0.1:%s</listenAddress>" % port, 1)
for k, v in (("globalAnnounceEnabled", "false"), ("localAnnounceEnabled", "false"),
             ("relaysEnabled", "false"), ("natEnabled", "false"),
             ("urAccepted", "-1"), ("autoUpgradeIntervalH", "0"),
             ("crashReportingEnabled", "false"), ("startBrowser", "false")):
    x = re.sub(r"<%s>.*?</%s>" % (k, k), "<%s>%s</%s>" % (k, v, k), x)
x = re.sub(r'<gui enabled="true" tls="false"[^>]*>\s*<address>.*?</address>',
    lambda m: m.group(0).split("<address>")[0] + "<address>127.0.0.1:%s</address>" % gui, x)
x = re.sub(r'<folder id="default".*?</folder>', "", x, flags=re.S)
open(p, "w").write(x)
PY
}
sta=$(free_port); stb=$(free_port); gua=$(free_port); gub=$(free_port)
st_home a "$sta" "$gua"
st_home b "$stb" "$gub"
ida=$(syncthing --home "$T/sta" --device-id 2>/dev/null || syncthing -home="$T/sta" -device-id)
idb=$(syncthing --home "$T/stb" --device-id 2>/dev/null || syncthing -home="$T/stb" -device-id)
keya=$(sed -n 's:.*<apikey>\(.*\)</apikey>.*:\1:p' "$T/sta/config.xml")
keyb=$(sed -n 's:.*<apikey>\(.*\)</apikey>.*:\1:p' "$T/stb/config.xml")
mkdir -p "$T/stsync"
for s in a b; do
	STNOUPGRADE=1 syncthing serve --home "$T/st$s" --no-browser \
	    --no-restart >"$T/st$s.log" 2>&1 &
	PIDS="$PIDS $!"
done
api() {	# a|b METHOD PATH [JSON]
	local port key
	if [ "$1" = a ]; then port=$gua key=$keya; else port=$gub key=$keyb; fi
	curl -sf -X "$2" -H "X-API-Key: $key" ${4:+-d "$4"} \
	    "http://127.0.0.1:$port$3"
}
wait_until 30 api a GET /rest/system/ping || die "syncthing A did not start"
wait_until 30 api b GET /rest/system/ping || die "syncthing B did not start"
api a POST /rest/config/devices "{\"deviceID\":\"$idb\",\"addresses\":[\"tcp://127.0.0.1:$stb\"]}" >/dev/null
api b POST /rest/config/devices "{\"deviceID\":\"$ida\",\"addresses\":[\"tcp://127.0.0.1:$sta\"]}" >/dev/null
api a POST /rest/config/folders "{\"id\":\"bench\",\"path\":\"$T/src\",\"type\":\"sendonly\",\"devices\":[{\"deviceID\":\"$idb\"}]}" >/dev/null
wait_until 120 sh -c "api() { :; }; curl -sf -H 'X-API-Key: $keya' 'http://127.0.0.1:$gua/rest/db/status?folder=bench' | python3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(not (j[\"state\"]==\"idle\" and j[\"localBytes\"]>=$bytes))'" ||
    die "syncthing A did not scan"
sync
t4=$(now)
api b POST /rest/config/folders "{\"id\":\"bench\",\"path\":\"$T/stsync\",\"type\":\"receiveonly\",\"devices\":[{\"deviceID\":\"$ida\"}]}" >/dev/null
# The same kind of poller as for weft: one process, every 20 ms.
python3 - "$gub" "$keyb" "$bytes" <<'PY' || die "syncthing B did not complete"
import json, sys, time, urllib.request
port, key, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
req = urllib.request.Request("http://127.0.0.1:%s/rest/db/status?folder=bench" % port,
    headers={"X-API-Key": key})
end = time.time() + 1800
while time.time() < end:
    try:
        j = json.load(urllib.request.urlopen(req, timeout=10))
        if j["localBytes"] >= want and j["needBytes"] == 0 and j["state"] == "idle":
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.02)
sys.exit(1)
PY
t5=$(now)
diff -r "$T/src" "$T/stsync" -x .stfolder >/dev/null || die "syncthing copy differs"
fi

# What the protocol's crypto alone costs for these bytes (box-stream
# seal + open, BLAKE2b chunk check), on 2 cores with nothing else done.
floor=""
wfloor=""
if [ -z "$only" ] && [ -x "$build/bench/bench-floor" ]; then
	fl=$(TMPDIR="$T" "$build/bench/bench-floor" --mib "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')")
	floor=$(echo "$fl" | sed -n 's/^floor for.*at best \([0-9.]*\) s.*/\1/p')
	wfloor=$(echo "$fl" | sed -n 's/^writing into a file.*at best \([0-9.]*\) s.*/\1/p')
fi

awk -v b="$bytes" -v n="$designs" -v fl="$floor" -v wfl="$wfloor" -v tp0="$tp0" -v tp1="$tp1" \
    -v t4="$t4" -v t5="$t5" -v res="$res" -v only="$only" \
    -v resb="${resb:-}" -v before="$before" '
function median(a, k,    i, j, t) {	# sorts a[1..k] in place
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
BEGIN {
	m = split(res, v, " ")
	k = m / 5
	for (i = 0; i < k; i++) {
		tw[i + 1] = v[5 * i + 3] - v[5 * i + 1]
		trec[i + 1] = v[5 * i + 2] - v[5 * i + 1]
		ts[i + 1] = v[5 * i + 5] - v[5 * i + 4]
		q[i + 1] = ts[i + 1] / tw[i + 1]
	}
	w = median(tw, k); rs = median(ts, k); rq = median(q, k); rr = median(trec, k)
	st = t5 - t4
	printf "%d designs, %.1f MiB of files (published in %.2f s)\n", n, b / 1048576, tp1 - tp0
	printf "medians of %d rounds:\n", k
	printf "weft mirror --all: %7.2f s %8.1f MB/s  (records in after %.2f s)\n", w, b / w / 1e6, rr
	if (before != "") {
		split(resb, u, " ")
		for (i = 0; i < k; i++) {
			tbw[i + 1] = u[2 * i + 2] - u[2 * i + 1]
			bq[i + 1] = tbw[i + 1] / tw[i + 1]
		}
		wb = median(tbw, k)
		printf "  before (%s): %7.2f s %8.1f MB/s  (after/before %.2fx, median of the rounds)\n", before, wb, b / wb / 1e6, median(bq, k)
	}
	if (only != "")
		exit
	printf "rsync over ssh:    %7.2f s %8.1f MB/s  (weft %.2fx, median of the rounds; target 2.5x)\n", rs, b / rs / 1e6, rq
	if (t5 > t4)
		printf "Syncthing:         %7.2f s %8.1f MB/s  (weft %.2fx, one run; target 3x)\n", st, b / st / 1e6, st / w
	if (fl != "")
		printf "crypto floor:      %7.2f s %8.1f MB/s  (%.2fx rsync: the most any weft could reach here; weft at %.0f%%)\n", fl, b / fl / 1e6, rs / fl, 100 * fl / w
	if (wfl != "")
		printf "  + writing a file: %6.2f s %8.1f MB/s  (%.2fx rsync; weft at %.0f%%, target 75%%)\n", wfl, b / wfl / 1e6, rs / wfl, 100 * wfl / w
	if (wfl != "" && before != "")
		printf "  before at %.0f%% of the floor with writes\n", 100 * wfl / wb
}'
