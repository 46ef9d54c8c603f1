#!/bin/bash
# Propagate one new design across 32 real weftd on loopback (a random
# connected graph of average degree 4): time until every node has it,
# and sync messages per node. See bench/propagate.py.
#
# usage: bench/bench-propagate.sh [BUILD_DIR] [NODES] [DEGREE] [RUNS]
#   (defaults: build 32 4 5; SEED=n picks another graph)
set -eu
# The benchmark's daemons never announce themselves on the LAN.
export WEFT_LAN_DISCOVERY=off
top=$(cd "$(dirname "$0")/.." && pwd)
exec /usr/bin/python3 "$top/bench/propagate.py" "${1:-$top/build}" \
    "${2:-32}" "${3:-4}" "${4:-5}"
