#!/usr/bin/env bash
# make test-deb: `make deb`, then the packages installed with apt and each one checked where
# Debian put it, then purged, leaving nothing behind.
#  - mptcpscan: the command runs and names the packaged commit; its man pages and completions
#    are found; a dry-run scan reads the packaged blocklist (/etc/mptcpscan) without -b;
#  - wireshark-mptcpscan-plugin: root's tshark (which reads only the system plugin folder) lists
#    the protocol and gives the verdicts of tests/corpus/expected.tsv on the shared captures;
#  - libmptcpscan0 and -dev: capi/examples/token.c builds with pkg-config, dynamically (linked to
#    the packaged libmptcpscan.so.0) and statically, and both programs give the same answer;
#  - lua-mptcpscan: every Lua finds the module in its default cpath, and mptcp.lua replays a trace;
#  - dpkg -L of each package holds only the files it should.
# It needs root, and refuses to run when an mptcpscan package or a hand-installed copy is already
# in the system folders: it would test that copy, and its purge would remove files it did not put.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

MAKE=${MAKE:-make}
packages=(mptcpscan libmptcpscan0 libmptcpscan-dev wireshark-mptcpscan-plugin lua-mptcpscan)
fail() { echo "test-deb: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (apt-get install, root's tshark)"

ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
plugindir=$(pkg-config --variable=plugindir wireshark)/epan

echo "== nothing of mptcpscan installed yet"
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	case $status in
	'' | not-installed) ;;
	*) fail "package $pkg is $status: purge it first (apt-get purge ${packages[*]})" ;;
	esac
done
shopt -s nullglob
found=(/usr/bin/mptcpscan /usr/local/bin/mptcpscan "$plugindir/mptcpscan.so"
	/usr/lib/"$ma"/libmptcpscan.* /usr/lib/libmptcpscan.* /usr/local/lib/libmptcpscan.*
	/usr/include/mptcpscan.h /usr/local/include/mptcpscan.h
	/usr/lib/"$ma"/pkgconfig/mptcpscan.pc /usr/lib/pkgconfig/mptcpscan.pc
	/usr/local/lib/pkgconfig/mptcpscan.pc /usr/lib/"$ma"/lua/*/mptcpscan.so
	/usr/lib/lua/*/mptcpscan.so /usr/local/lib/lua/*/mptcpscan.so
	/usr/share/man/man1/mptcpscan*.1* /usr/local/share/man/man1/mptcpscan*.1*
	/etc/mptcpscan /usr/local/etc/mptcpscan /usr/share/mptcpscan /usr/local/share/mptcpscan)
shopt -u nullglob
for f in "${found[@]}"; do
	[ -e "$f" ] || [ -L "$f" ] || continue
	fail "$f is already installed (make uninstall PREFIX=... removes a make install): not touching it"
done

echo "== make deb"
"$MAKE" --no-print-directory -s deb >/dev/null
debs=()
for pkg in "${packages[@]}"; do
	deb=(target/deb/"$pkg"_*.deb)
	[ -f "${deb[0]}" ] || fail "make deb wrote no $pkg package"
	debs+=("${deb[0]}")
done

work=$(mktemp -d /tmp/mptcpscan-deb-test.XXXXXX)
installed=0
# Purged on every way out, once apt may have installed anything.
cleanup() {
	if [ "$installed" = 1 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${packages[@]}" >/dev/null 2>&1 ||
			dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# In a folder apt's unprivileged downloader can read.
cp "${debs[@]}" "$work/"
chmod 755 "$work"
chmod 644 "$work"/*.deb

echo "== apt-get install ./*.deb"
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$work"/*.deb >"$work/apt.log" 2>&1 ||
	fail "apt-get install:"$'\n'"$(cat "$work/apt.log")"

echo "== dpkg -L: only the expected files"
# Each package's files (not folders) must match its patterns, and each pattern a file.
expected() {
	case $1 in
	mptcpscan) echo /usr/bin/mptcpscan '/usr/share/man/man1/mptcpscan.1.gz' \
		'/usr/share/man/man1/mptcpscan-*.1.gz' /etc/mptcpscan/blocklist.conf \
		/usr/share/bash-completion/completions/mptcpscan /usr/share/zsh/vendor-completions/_mptcpscan \
		/usr/share/fish/vendor_completions.d/mptcpscan.fish ;;
	libmptcpscan0) echo "/usr/lib/$ma/libmptcpscan.so.0" "/usr/lib/$ma/libmptcpscan.so.0.*" ;;
	libmptcpscan-dev) echo "/usr/lib/$ma/libmptcpscan.so" "/usr/lib/$ma/libmptcpscan.a" \
		"/usr/lib/$ma/pkgconfig/mptcpscan.pc" /usr/include/mptcpscan.h ;;
	wireshark-mptcpscan-plugin) echo "$plugindir/mptcpscan.so" ;;
	lua-mptcpscan) echo "/usr/lib/$ma/lua/5.*/mptcpscan.so" /usr/share/mptcpscan/mptcp.lua ;;
	esac
	echo "/usr/share/doc/$1/copyright" "/usr/share/doc/$1/changelog.gz"
}
all_files=()
for pkg in "${packages[@]}"; do
	read -r -d '' -a patterns < <(expected "$pkg") || true
	files=()
	while IFS= read -r f; do
		[ -d "$f" ] && [ ! -L "$f" ] && continue
		files+=("$f")
		matched=0
		for p in "${patterns[@]}"; do
			# shellcheck disable=SC2053 # the pattern is a glob on purpose
			[[ $f == $p ]] && matched=1 && break
		done
		[ "$matched" = 1 ] || fail "$pkg holds an unexpected file: $f"
	done < <(dpkg -L "$pkg")
	for p in "${patterns[@]}"; do
		matched=0
		for f in "${files[@]}"; do
			# shellcheck disable=SC2053
			[[ $f == $p ]] && matched=1 && break
		done
		[ "$matched" = 1 ] || fail "$pkg holds no $p"
	done
	echo "$pkg: ${#files[@]} files"
	all_files+=("${files[@]}")
done

echo "== mptcpscan: the command, man pages, completions, default blocklist"
version=$(dpkg-query -W -f='${Version}' mptcpscan)
printed=$(/usr/bin/mptcpscan --version)
commit=${version##*.}
if [[ $version == *~git* ]]; then
	[ "$printed" = "mptcpscan ${version%%~*} (commit $commit)" ] ||
		fail "--version says '$printed', the package is $version"
else
	[[ $printed == "mptcpscan $version "* ]] || fail "--version says '$printed', the package is $version"
fi
for page in mptcpscan mptcpscan-scan mptcpscan-dissect; do
	[ "$(man -w "$page")" = "/usr/share/man/man1/$page.1.gz" ] || fail "man -w $page: $(man -w "$page" 2>&1)"
done
bash -c 'source /usr/share/bash-completion/completions/mptcpscan && complete -p mptcpscan' >/dev/null ||
	fail "the bash completion does not register"
# The lab's prefix with --allow-lab, nothing sent: the metadata names the blocklist read.
/usr/bin/mptcpscan scan 198.18.1.0/30 --allow-lab -S 198.18.0.2 -p 80 --dryrun -q -o /dev/null \
	-m "$work/meta.json"
python3 - "$work/meta.json" <<'EOF' || fail "the dry run did not read /etc/mptcpscan/blocklist.conf"
import json, sys
files = json.load(open(sys.argv[1]))["blocklist_filenames"]
sys.exit(files != ["/etc/mptcpscan/blocklist.conf"])
EOF
dpkg-query -W -f='${Conffiles}' mptcpscan | grep -q '^ /etc/mptcpscan/blocklist.conf ' ||
	fail "/etc/mptcpscan/blocklist.conf is not a conffile"

echo "== wireshark-mptcpscan-plugin: root's tshark"
unset WIRESHARK_PLUGIN_DIR
tshark -G protocols 2>/dev/null | awk -F'\t' '$3 == "mptcpscan" { found = 1 } END { exit !found }' ||
	fail "tshark -G protocols does not list mptcpscan"
if [ -d "$repo/../shared/captures" ]; then
	shared=$repo/../shared/captures
elif [ -d /work/shared/captures ]; then
	shared=/work/shared/captures
else
	fail "no shared captures in $repo/../shared or /work/shared"
fi
# Each corpus entry names its capture and the answer's frame; expected.tsv gives its verdict.
checked=0
for entry in tests/corpus/captures/*.txt; do
	read -r capture answer < <(sed -n '1s/^# \([^,]*\), frames [0-9]* (SYN) and \([0-9]*\) (answer)$/\1 \2/p' "$entry")
	[ -n "${answer:-}" ] || fail "$entry: no capture and answer frame in its first line"
	verdict=$(awk -F'\t' -v e="$entry" '$1 == e { print $2 }' tests/corpus/expected.tsv)
	got=$(tshark -r "$shared/$capture" -Y "frame.number == $answer" -T fields -e mptcpscan.verdict 2>/dev/null)
	[ "$got" = "$verdict" ] || fail "tshark on $capture frame $answer: verdict '$got', expected.tsv says '$verdict'"
	checked=$((checked + 1))
done
echo "$checked verdicts as expected.tsv says"

echo "== libmptcpscan0, libmptcpscan-dev: token.c with pkg-config"
expect='v1 token 55c53f5d idsn 570762cd38be9818'
# shellcheck disable=SC2046 # pkg-config prints words
cc -std=c99 -Wall -Werror capi/examples/token.c $(pkg-config --cflags --libs mptcpscan) -o "$work/token"
loaded=$(ldd "$work/token" | awk '$1 == "libmptcpscan.so.0" { print $3 }')
[ -n "$loaded" ] && [ "$(readlink -f "$loaded")" = "$(readlink -f "/usr/lib/$ma/libmptcpscan.so.0")" ] ||
	fail "token does not load /usr/lib/$ma/libmptcpscan.so.0: $(ldd "$work/token")"
"$work/token" 0123456789abcdef | grep -qx "$expect" || fail "token (dynamic) is wrong"
# shellcheck disable=SC2046
# glibc's linker warnings (getaddrinfo, getpwuid_r in a static program) are shown only on failure.
cc -std=c99 -Wall -Werror -static capi/examples/token.c $(pkg-config --static --cflags --libs mptcpscan) \
	-o "$work/token-static" 2>"$work/cc.log" || fail "static link:"$'\n'"$(cat "$work/cc.log")"
readelf -d "$work/token-static" 2>/dev/null | grep -q NEEDED && fail "token-static needs shared libraries"
"$work/token-static" 0123456789abcdef | grep -qx "$expect" || fail "token (static) is wrong"

echo "== lua-mptcpscan: every Lua's default cpath"
luas=0
for module in /usr/lib/"$ma"/lua/*/mptcpscan.so; do
	v=$(basename "$(dirname "$module")")
	command -v "lua$v" >/dev/null || fail "lua$v is not installed, but the package has its module"
	env -u LUA_CPATH -u "LUA_CPATH_${v/./_}" -u LUA_INIT -u "LUA_INIT_${v/./_}" "lua$v" -e "
		local m = require 'mptcpscan'
		assert(m.version())
		assert(package.searchpath('mptcpscan', package.cpath) == '$module')"
	luas=$((luas + 1))
done
echo "$luas Lua versions"
fixture=tracebox-ext/tests/fixtures/strip-nop-v0.txt
conclusion=$(awk -F'\t' -v e="$fixture" '$1 == e { print $5 }' tests/corpus/expected.tsv)
env -u LUA_CPATH -u LUA_CPATH_5_2 lua5.2 /usr/share/mptcpscan/mptcp.lua --replay "$fixture" >"$work/replay.txt" ||
	fail "mptcp.lua --replay $fixture with the installed module"
grep -qF "$conclusion" "$work/replay.txt" ||
	fail "mptcp.lua --replay $fixture does not conclude '$conclusion':"$'\n'"$(cat "$work/replay.txt")"

echo "== apt-get purge leaves nothing"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${packages[@]}" >"$work/apt.log" 2>&1 ||
	fail "apt-get purge:"$'\n'"$(cat "$work/apt.log")"
installed=0
for f in "${all_files[@]}" /etc/mptcpscan /usr/share/mptcpscan "${packages[@]/#//usr/share/doc/}"; do
	if [ -e "$f" ] || [ -L "$f" ]; then fail "left behind by apt-get purge: $f"; fi
done
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	case $status in '' | not-installed) ;; *) fail "$pkg is $status after the purge" ;; esac
done
echo "test-deb: ok"
