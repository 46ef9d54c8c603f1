#!/bin/bash
# The Debian package: scripts/build-deb builds it (dpkg-buildpackage -b,
# no tests) and lintian reports no error; the .deb holds the programs,
# the man pages, the completion, both units and the sysusers.d entry, and
# the extracted weft runs. About a minute here. Skipped (77) when the
# build tools are missing and cannot be installed (not root).
source "$(dirname "$0")/lib.sh"

SRC=$(cd "$WEFT_TESTS/.." && pwd)
for t in dpkg-buildpackage dh lintian fakeroot; do
	if ! command -v "$t" >/dev/null && [ "$(id -u)" -ne 0 ]; then
		echo "skipped: $t is missing" >&2
		exit 77
	fi
done
sh "$SRC/scripts/build-deb" "$T/out" >"$T/deb.log" 2>&1 ||
    fail "build-deb failed: $(tail -20 "$T/deb.log")"
deb=$(ls "$T"/out/weft_*_*.deb)
grep -q '^E: ' "$T/out/lintian.txt" && fail "lintian: $(grep '^E: ' "$T/out/lintian.txt")"
dpkg -c "$deb" | awk '{ print $6 }' >"$T/files"
for f in ./usr/bin/weft ./usr/bin/weftd ./usr/share/man/man1/weft.1.gz \
    ./usr/share/man/man8/weftd.8.gz ./usr/share/man/man5/weft-config.5.gz \
    ./usr/share/bash-completion/completions/weft \
    ./usr/share/bash-completion/completions/weftd \
    ./lib/systemd/system/weftd.service ./usr/lib/systemd/user/weftd.service \
    ./usr/lib/sysusers.d/weft.conf; do
	grep -qx -- "$f" "$T/files" || fail "$f is not in the package"
done
dpkg-deb -e "$deb" "$T/ctl"
grep -q "systemd-sysusers.*weft.conf" "$T/ctl/postinst" ||
    fail "postinst does not create the weft user"
dpkg-deb -x "$deb" "$T/root"
"$T/root/usr/bin/weft" --version | grep -q '^weft ' || fail "packaged weft"
grep -q '^ExecStart=/usr/bin/weftd --home /var/lib/weft$' \
    "$T/root/lib/systemd/system/weftd.service" || fail "packaged unit ExecStart"
cat "$T/out/lintian.txt"
echo ok
