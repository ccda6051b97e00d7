#!/usr/bin/env bash
# make test-install: `make install PREFIX=/usr DESTDIR=<tmp>` then every piece checked where it
# landed, then `make uninstall` with the same variables must leave no file behind.
#  - the command runs and its --version names the commit;
#  - the library links (pkg-config, dynamically) and the header compiles;
#  - the man pages are roff pages, one per visible subcommand; the completions parse;
#  - tshark (as nobody: root ignores plugin folders other than the system one) loads the plugin
#    from the staged system plugin folder;
#  - every Lua finds the module in the staged cpath folder;
#  - the default blocklist is in etc/mptcpscan.
set -euo pipefail
cd "$(dirname "$0")/../.."

MAKE=${MAKE:-make}
stage=$(mktemp -d /tmp/mptcpscan-install.XXXXXX)
trap 'rm -rf "$stage"' EXIT
vars=(PREFIX=/usr DESTDIR="$stage")
fail() { echo "test-install: $*" >&2; exit 1; }

"$MAKE" --no-print-directory -s install "${vars[@]}" >/dev/null

echo "== the command"
"$stage/usr/bin/mptcpscan" --version | grep -Eq '^mptcpscan [0-9.]+ \((commit [0-9a-f]{12}|unknown commit)\)$' ||
	fail "--version: $("$stage/usr/bin/mptcpscan" --version)"

echo "== the library, header and pkg-config file"
pc="$stage/usr/lib/pkgconfig/mptcpscan.pc"
[ -f "$pc" ] || fail "no $pc"
grep -qx 'libdir=/usr/lib' "$pc" || fail "$pc: libdir is not /usr/lib"
cc -std=c99 -Wall -Werror -I"$stage/usr/include" capi/examples/token.c -o "$stage/token" \
	-L"$stage/usr/lib" -lmptcpscan -Wl,-rpath,"$stage/usr/lib"
"$stage/token" 0123456789abcdef | grep -qx 'v1 token 55c53f5d idsn 570762cd38be9818' ||
	fail "capi/examples/token.c against the staged library"

echo "== man pages and completions"
pages=("$stage"/usr/share/man/man1/*.1)
for sub in scan trace chain report dissect lab; do
	[ -f "$stage/usr/share/man/man1/mptcpscan-$sub.1" ] || fail "no mptcpscan-$sub.1"
done
for page in "${pages[@]}"; do
	grep -q '^\.TH ' "$page" || fail "$page is not a man page"
done
bash -n "$stage/usr/share/bash-completion/completions/mptcpscan"
grep -q 'complete -c mptcpscan' "$stage/usr/share/fish/vendor_completions.d/mptcpscan.fish"
grep -q '^#compdef mptcpscan' "$stage/usr/share/zsh/vendor-completions/_mptcpscan"
echo "${#pages[@]} man pages"

echo "== the tshark plugin in the system plugin folder"
plugindir=$(pkg-config --variable=plugindir wireshark)
[ -f "$stage$plugindir/epan/mptcpscan.so" ] || fail "no plugin in $plugindir/epan"
chmod -R a+rX "$stage"
# WIRESHARK_PLUGIN_DIR takes the folder holding <version>/epan; the system one is <that>/<version>.
setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$stage" \
	WIRESHARK_PLUGIN_DIR="$stage$(dirname "$plugindir")" tshark -G plugins |
	grep -q 'mptcpscan\.so' || fail "tshark does not load the staged plugin"

echo "== the Lua module"
for v in 5.2 5.3 5.4; do
	LUA_CPATH="$stage/usr/lib/lua/$v/?.so" "lua$v" -e 'local m = require "mptcpscan"; assert(m.version())'
done
[ -f "$stage/usr/share/mptcpscan/mptcp.lua" ] || fail "no mptcp.lua"

echo "== the default blocklist"
[ -f "$stage/etc/mptcpscan/blocklist.conf" ] ||
	fail "no blocklist.conf"

echo "== make uninstall leaves nothing"
rm -f "$stage/token"
"$MAKE" --no-print-directory -s uninstall "${vars[@]}" >/dev/null
left=$(find "$stage" -type f -o -type l)
[ -z "$left" ] || fail "left behind by make uninstall:"$'\n'"$left"
echo "test-install: ok"
