#!/bin/bash
# The installed tree: 'cmake --install' of this build into a temporary
# prefix holds both programs, the man pages (each rendered by 'man -l'
# without a warning, and 'man weft' finds the page through MANPATH), the
# bash completion, the systemd units (naming the installed weftd, checked
# by 'systemd-analyze verify' when it is installed) and the sysusers.d
# entry.
source "$(dirname "$0")/lib.sh"

BUILD=$(dirname "$WEFT_BIN")
P=$T/prefix
cmake --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1 ||
    fail "cmake --install failed: $(tail -5 "$T/install.log")"

for f in bin/weft bin/weftd; do
	[ -x "$P/$f" ] || fail "$f not installed"
done
"$P/bin/weft" --version | grep -q '^weft [0-9]' || fail "installed weft"
"$P/bin/weftd" --version | grep -q '^weftd [0-9]' || fail "installed weftd"

# Man pages.
for page in man1/weft.1 man8/weftd.8 man5/weft-config.5; do
	f=$P/share/man/$page
	[ -s "$f" ] || fail "$page not installed"
	if command -v man >/dev/null; then
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$f" \
		    >"$T/man.out" 2>"$T/man.err" || fail "man -l $page failed"
		[ -s "$T/man.err" ] && fail "man -l $page warns: $(head -5 "$T/man.err")"
		grep -q '^NAME' "$T/man.out" || fail "$page has no NAME section"
	fi
done
if command -v man >/dev/null; then
	[ "$(MANPATH=$P/share/man man -w weft)" = "$P/share/man/man1/weft.1" ] ||
	    fail "man -w weft does not find the installed page"
	[ "$(MANPATH=$P/share/man man -w 8 weftd)" = "$P/share/man/man8/weftd.8" ] ||
	    fail "man -w 8 weftd"
	# weft(1) covers every command of 'weft help'.
	MANWIDTH=200 man -l "$P/share/man/man1/weft.1" 2>/dev/null >"$T/weft.txt"
	for c in $("$P/bin/weft" help | sed -n '/^commands:/,/^$/s/^   \([a-z]*\) .*/\1/p'); do
		grep -Eq "^   ($c|.*, $c)( |,|\$)" "$T/weft.txt" ||
		    fail "weft(1) has no section for '$c'"
	done
else
	echo "man is not installed: pages not rendered" >&2
fi

# Completion.
for f in weft weftd; do
	[ -s "$P/share/bash-completion/completions/$f" ] ||
	    fail "completion $f not installed"
done

# systemd units and the service user.
sys=$P/lib/systemd/system/weftd.service
usr=$P/lib/systemd/user/weftd.service
[ -s "$sys" ] && [ -s "$usr" ] || fail "units not installed"
for u in "$sys" "$usr"; do
	grep -q "^ExecStart=$P/bin/weftd" "$u" || fail "$u: ExecStart: $(grep ExecStart "$u")"
	grep -qx "Type=notify" "$u" || fail "$u is not Type=notify"
done
for k in "User=weft" "StateDirectory=weft" "ProtectSystem=strict" \
    "ProtectHome=yes" "NoNewPrivileges=yes" "PrivateTmp=yes" \
    "PrivateDevices=yes" "MemoryDenyWriteExecute=yes" "LockPersonality=yes" \
    "SystemCallFilter=@system-service" \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"; do
	grep -qx "$k" "$sys" || fail "system unit lacks $k"
done
grep -q '^ExecStart=.* --home /var/lib/weft$' "$sys" || fail "system unit home"
grep -q '^u weft ' "$P/lib/sysusers.d/weft.conf" || fail "no sysusers entry"
if command -v systemd-analyze >/dev/null; then
	mkdir -m 700 "$T/xdg"
	for u in "$sys" "$usr"; do
		mode=""
		[ "$u" = "$usr" ] && mode=--user
		XDG_RUNTIME_DIR=$T/xdg MANPATH=$P/share/man \
		    systemd-analyze $mode verify "$u" >"$T/verify.out" 2>&1 ||
		    fail "systemd-analyze verify $u: $(cat "$T/verify.out")"
		[ -s "$T/verify.out" ] &&
		    fail "systemd-analyze verify $u warns: $(cat "$T/verify.out")"
	done
	# The system unit's sandbox, as systemd scores it (0 best, 100
	# worst; "1.4 OK" when this was written): fail above 2.5.
	MANPATH=$P/share/man systemd-analyze security --offline=yes \
	    --threshold=25 "$sys" >"$T/security.out" 2>&1 ||
	    fail "system unit exposure: $(tail -1 "$T/security.out")"
	tail -1 "$T/security.out"
else
	echo "systemd-analyze is not installed: units not verified" >&2
fi
echo ok
