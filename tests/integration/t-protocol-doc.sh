#!/bin/bash
# docs/PROTOCOL.md is the assembly of docs/proto/*.md: a change to a
# section without running scripts/mkprotocol fails here.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sh "$top/scripts/mkprotocol" "$tmp"
diff -u "$top/docs/PROTOCOL.md" "$tmp" >&2 ||
    { echo "FAIL: docs/PROTOCOL.md is stale: run scripts/mkprotocol" >&2; exit 1; }
echo ok
