#!/bin/bash
# The LAN announcement vector of docs/proto/lan.md, rebuilt and opened by
# an independent implementation written from that page (lan_vector.py).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
exec /usr/bin/python3 "$top/tests/integration/lan_vector.py" \
    "$top/docs/proto/lan.md"
