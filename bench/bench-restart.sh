#!/bin/bash
# Time from weftd start to the first synced record when the node has 8
# known peers in its store (no --peer), against a cold start given the
# same 8 peers by --peer, in the same run. See bench/restart.py.
#
# usage: bench/bench-restart.sh [BUILD_DIR] [RUNS]   (defaults: build 5)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
exec /usr/bin/python3 "$top/bench/restart.py" "${1:-$top/build}" "${2:-5}"
