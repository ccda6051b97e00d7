#!/usr/bin/env bash
# make deb: the Debian packages of packaging/debian/control for the running Debian release, cut
# from the tree `make install PREFIX=/usr DESTDIR=...` stages (so they hold exactly what a system
# install holds), with dpkg's own tools and no debhelper: dpkg-shlibdeps for the shared library
# dependencies, dpkg-gencontrol for the control files, dpkg-deb --root-owner-group for root:root
# archives without fakeroot.
#
#   packaging/debian/build.sh [OUTDIR]      (make deb: OUTDIR is target/deb)
#
# Every staged file goes to exactly one package; a file no package takes stops the build.
# Libraries, the plugin and the Lua module go to the multiarch folder (/usr/lib/<triplet>), which
# Multi-Arch: same needs and where Debian's Lua and Wireshark look.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

MAKE=${MAKE:-make}
out=$(realpath -m "${1:-target/deb}")
LUA_VERSIONS=${LUA_VERSIONS:-5.2 5.3 5.4}
umask 022
fail() { echo "make deb: $*" >&2; exit 1; }

ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
upstream=$(sed -n 's/^version = "\(.*\)"/\1/p' driver/Cargo.toml | head -n 1)
[ -n "$upstream" ] || fail "no version in driver/Cargo.toml"
# A snapshot sorts before the release of the same version (~); the commit is the one
# `mptcpscan --version` prints.
if commit=$(git rev-parse --short=12 HEAD 2>/dev/null); then
	when=$(git log -1 --format=%ct)
	version="$upstream~git$(TZ=UTC date -d "@$when" +%Y%m%d).$commit"
else
	when=$(date +%s)
	version=$upstream
fi
dist=$(. /etc/os-release && echo "${VERSION_CODENAME:-unstable}")
maintainer=$(sed -n 's/^Maintainer: //p' packaging/debian/control)

work=$(mktemp -d /tmp/mptcpscan-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
stage=$work/stage
"$MAKE" --no-print-directory -s install PREFIX=/usr LIBDIR="/usr/lib/$ma" \
	LUA_CMODDIR="/usr/lib/$ma/lua" LUA_VERSIONS="$LUA_VERSIONS" DESTDIR="$stage" >/dev/null

# dpkg-gencontrol and dpkg-shlibdeps read debian/control and debian/changelog from the current
# folder: $work/debian is a source tree's debian/ folder, with each package's tree beside it.
mkdir -p "$work/debian"
cp packaging/debian/control "$work/debian/control"
cat >"$work/debian/changelog" <<EOF
mptcpscan ($version) $dist; urgency=medium

  * Snapshot${commit:+ of commit $commit}, packaged by make deb.

 -- $maintainer  $(TZ=UTC date -R -d "@$when")
EOF

# take PACKAGE PATH...: moves staged files or folders (paths under the staging root) into a
# package's tree.
take() {
	local pkg=$1 path
	shift
	for path in "$@"; do
		[ -e "$stage/$path" ] || [ -L "$stage/$path" ] || fail "make install staged no /$path"
		mkdir -p "$work/debian/$pkg/$(dirname "$path")"
		mv "$stage/$path" "$work/debian/$pkg/$path"
	done
}
plugindir=$(pkg-config --variable=plugindir wireshark)
take mptcpscan usr/bin/mptcpscan usr/share/man/man1 etc/mptcpscan \
	usr/share/bash-completion/completions/mptcpscan usr/share/zsh/vendor-completions/_mptcpscan \
	usr/share/fish/vendor_completions.d/mptcpscan.fish
take libmptcpscan0 "usr/lib/$ma/libmptcpscan.so.0" "usr/lib/$ma/libmptcpscan.so.$upstream"
take libmptcpscan-dev "usr/lib/$ma/libmptcpscan.so" "usr/lib/$ma/libmptcpscan.a" \
	"usr/lib/$ma/pkgconfig/mptcpscan.pc" usr/include/mptcpscan.h
take wireshark-mptcpscan-plugin "${plugindir#/}/epan/mptcpscan.so"
for v in $LUA_VERSIONS; do
	take lua-mptcpscan "usr/lib/$ma/lua/$v/mptcpscan.so"
done
take lua-mptcpscan usr/share/mptcpscan/mptcp.lua
left=$(find "$stage" ! -type d)
[ -z "$left" ] || fail "staged by make install but in no package:"$'\n'"$left"

# The plugin loads only into the Wireshark series (major.minor) whose plugin folder it is in, and
# links the libwireshark of that series: it depends on that library package, from the version it
# was built against to the next series.
plugin=$work/debian/wireshark-mptcpscan-plugin/${plugindir#/}/epan/mptcpscan.so
series=$(basename "$plugindir")
soname=$(readelf -d "$plugin" | sed -n 's/.*(NEEDED).*\[\(libwireshark\.so\.[0-9]*\)\]/\1/p')
[ -n "$soname" ] || fail "the plugin does not link libwireshark"
abi_pkg=$(dpkg-query -S "/usr/lib/$ma/$soname" | sed -n '1s/:.*//p')
abi_version=$(dpkg-query -W -f='${Version}' "$abi_pkg")
next_series="${series%.*}.$((${series#*.} + 1))~"

read -r -a luas <<<"$LUA_VERSIONS"
provides=$(printf 'lua%s-mptcpscan, ' "${luas[@]}")
lua_versions=${luas[-1]}
if [ ${#luas[@]} -gt 1 ]; then
	lua_versions="$(printf '%s, ' "${luas[@]:0:${#luas[@]}-1}" | sed 's/, $//') and $lua_versions"
fi

rm -rf "$out"
mkdir -p "$out"
cd "$work"
for pkg in mptcpscan libmptcpscan0 libmptcpscan-dev wireshark-mptcpscan-plugin lua-mptcpscan; do
	root=debian/$pkg
	# What dh_strip does: no debug info, no .comment; shared objects lose their local symbols
	# too. Shared objects are not executable (Debian policy 10.2).
	elves=()
	while IFS= read -r -d '' f; do
		case $(head -c 4 "$f" | od -An -c | tr -d ' ') in
		'177ELF')
			elves+=("$f")
			if [[ $f == *.so || $f == *.so.* ]]; then
				strip --remove-section=.comment --remove-section=.note --strip-unneeded "$f"
				chmod 644 "$f"
			else
				strip --remove-section=.comment --remove-section=.note "$f"
			fi
			;;
		'!<ar')
			strip --strip-debug --remove-section=.comment --remove-section=.note \
				--enable-deterministic-archives "$f"
			;;
		esac
	done < <(find "$root" -type f -print0)
	if [ -d "$root/usr/share/man" ]; then
		find "$root/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9n {} +
	fi

	doc=$root/usr/share/doc/$pkg
	install -d "$doc" "$root/DEBIAN"
	install -m 644 "$repo/packaging/debian/copyright" "$doc/copyright"
	# A native package (the packaging lives in the source tree): changelog.gz, not changelog.Debian.gz.
	gzip -9n <debian/changelog >"$doc/changelog.gz"
	chmod 644 "$doc/changelog.gz"

	: >"debian/$pkg.substvars"
	if [ ${#elves[@]} -gt 0 ]; then
		# The Lua module takes Lua's own symbols from the interpreter that loads it: dpkg-shlibdeps
		# must not warn that no library holds them (--warnings value 1).
		warnings=7
		[ "$pkg" = lua-mptcpscan ] && warnings=6
		dpkg-shlibdeps --warnings=$warnings -T"debian/$pkg.substvars" "${elves[@]}"
	fi
	case $pkg in
	mptcpscan)
		echo /etc/mptcpscan/blocklist.conf >"$root/DEBIAN/conffiles"
		;;
	libmptcpscan0)
		# A snapshot cannot tell which earlier one first had a symbol: users of the library
		# depend on this build or a later one.
		echo "libmptcpscan 0 libmptcpscan0 (>= $version)" >"$root/DEBIAN/shlibs"
		dpkg-gensymbols -q -p"$pkg" -P"$root" -v"$version" -O"$root/DEBIAN/symbols"
		sed -i '1a * Build-Depends-Package: libmptcpscan-dev' "$root/DEBIAN/symbols"
		echo "activate-noawait ldconfig" >"$root/DEBIAN/triggers"
		;;
	esac
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
		xargs -0 -r md5sum | grep -v ' etc/' || true) >"$root/DEBIAN/md5sums"
	chmod 644 "$root"/DEBIAN/*
	dpkg-gencontrol -p"$pkg" -P"$root" -T"debian/$pkg.substvars" -fdebian/files \
		-V"wireshark:Depends=$abi_pkg (>= $abi_version), $abi_pkg (<< $next_series)" \
		-V"wireshark:Series=$series" -V"lua:Provides=${provides%, }" -V"lua:Versions=$lua_versions"
	dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
done
ls -l "$out"/*.deb
