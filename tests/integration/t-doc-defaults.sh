#!/bin/bash
# What docs/proto/store.md says the default map size is, a fresh weftd
# uses (issue 16, F11: the page said 1 GiB, the code used 16 GiB).
. "$(dirname "$0")/lib.sh"

doc="$WEFT_TESTS/../docs/proto/store.md"
gib=$(sed -n 's/^| map size | .*default \([0-9]*\) GiB.*/\1/p' "$doc")
[ -n "$gib" ] || fail "store.md names no default map size"
unset WEFT_MAP_SIZE
start_node a
pid=$NODE_PID
w a --json status >"$T/status.json"
got=$(json 'j["map_size"]' "$T/status.json")
[ "$got" -eq $((gib << 30)) ] ||
    fail "store.md says $gib GiB, weftd uses $got bytes"
stop_node "$pid"
echo "ok"
