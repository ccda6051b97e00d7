#!/bin/bash
# Builds the plugin against the Wireshark of other distribution releases, to
# catch API changes before a user on that release does:
#
#   check-api.sh [--keep DIR] [RELEASE...]
#
# RELEASE: bookworm (Wireshark 4.0), noble (4.2), trixie (4.4), forky (Debian
# testing, 4.6 in December 2026); all four by default. --keep DIR keeps the
# downloads, the unpacked roots and the plugins built in DIR.
#
# For each release it downloads that release's own packages (libwireshark-dev,
# libglib2.0-dev, the -dev packages they need, and the Wireshark and GLib
# shared libraries) with apt-get against a private apt state in a temporary
# folder: the system's sources, lists and installed packages are never
# touched, and every index is checked against the archive's key as apt always
# does (Ubuntu's key comes from Debian's ubuntu-keyring package). The packages
# are unpacked with dpkg-deb -x into a root of their own, pkg-config is
# pointed at that root (PKG_CONFIG_SYSROOT_DIR), and the plugin is built by
# its own Makefile rule, with the flags of the real build (-Wall -Wextra
# -Werror, and -z defs at the link), so that:
#   - every C file compiles against that release's Wireshark and GLib headers
#     without a warning;
#   - the link against that release's libwireshark, libwsutil and GLib leaves
#     no symbol undefined, and every symbol the plugin imports from them (nm -D)
#     is one they export;
#   - the plugin exports every entry point that release's plugin loader looks
#     up (plugin_version, ..., plugin_describe from 4.4 on).
# The plugin built there is not run: those libraries need that release's C
# library (GLIBC_2.38 for 4.2 to 4.6), newer than bookworm's 2.36.
#
# It downloads, so it is not part of `make test`: `make check-tshark-api` at
# the top runs it. Set DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR or UBUNTU_MIRROR
# to use other mirrors.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
arch=$(dpkg --print-architecture)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
debian_mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
debian_security_mirror=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
case $arch in
amd64 | i386) ubuntu_default=http://archive.ubuntu.com/ubuntu ;;
*) ubuntu_default=http://ports.ubuntu.com/ubuntu-ports ;;
esac
ubuntu_mirror=${UBUNTU_MIRROR:-$ubuntu_default}
debian_keyring=/usr/share/keyrings/debian-archive-keyring.gpg

keep=
releases=()
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) echo "check-api.sh: unknown option $1" >&2; exit 2 ;;
	*) releases+=("$1"); shift ;;
	esac
done
[ ${#releases[@]} -gt 0 ] || releases=(bookworm noble trixie forky)

for release in "${releases[@]}"; do
	case $release in
	bookworm | trixie | forky | noble) ;;
	*) echo "check-api.sh: unknown release $release (bookworm, trixie, forky, noble)" >&2; exit 2 ;;
	esac
done
[ -r "$debian_keyring" ] || { echo "check-api.sh: no $debian_keyring (debian-archive-keyring)" >&2; exit 1; }

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d /tmp/mptcpscan-check-api.XXXXXX)
	trap 'rm -rf "$work"' EXIT
fi
# apt fetches as the unprivileged _apt user when run as root: it must reach the folders.
chmod 755 "$work"

# The options that give apt-get and apt-cache a private state for RELEASE.
apt_opts() {
	local state=$work/apt/$1
	printf '%s\n' -o "Dir::Etc::SourceList=$state/sources.list" -o "Dir::Etc::SourceParts=$state/empty" \
		-o "Dir::Etc::Preferences=$state/empty/preferences" -o "Dir::Etc::PreferencesParts=$state/empty" \
		-o "Dir::State=$state/state" -o "Dir::State::status=$state/status" -o "Dir::Cache=$state/cache" \
		-o "APT::Architecture=$arch" -o "APT::Architectures=$arch" -o Debug::NoLocking=1 \
		-o Acquire::Languages=none -o APT::Get::List-Cleanup=0
}

# Makes RELEASE's private apt state and downloads its package lists (once).
apt_state() {
	local release=$1 state=$work/apt/$1 keyring
	[ -f "$state/ready" ] && return 0
	mkdir -p "$state/empty" "$state/state/lists/partial" "$state/cache/archives/partial"
	: > "$state/status"
	case $release in
	bookworm | trixie | forky)
		cat > "$state/sources.list" <<-EOF
			deb [signed-by=$debian_keyring] $debian_mirror $release main
			deb [signed-by=$debian_keyring] $debian_mirror $release-updates main
			deb [signed-by=$debian_keyring] $debian_security_mirror $release-security main
		EOF
		;;
	noble)
		keyring=$(ubuntu_keyring)
		cat > "$state/sources.list" <<-EOF
			deb [signed-by=$keyring] $ubuntu_mirror $release main universe
			deb [signed-by=$keyring] $ubuntu_mirror $release-updates main universe
			deb [signed-by=$keyring] $ubuntu_mirror $release-security main universe
		EOF
		;;
	esac
	chmod -R a+rX "$work/apt"
	mapfile -t opts < <(apt_opts "$release")
	echo "== $release: package lists" >&2
	apt-get "${opts[@]}" -qq update >&2
	touch "$state/ready"
}

# Ubuntu's archive key, from Debian's ubuntu-keyring package (itself checked
# against Debian's key), unless the system has it.
ubuntu_keyring() {
	local system=/usr/share/keyrings/ubuntu-archive-keyring.gpg dir=$work/ubuntu-keyring
	if [ -r "$system" ]; then
		echo "$system"
		return 0
	fi
	if [ ! -r "$dir/root/usr/share/keyrings/ubuntu-archive-keyring.gpg" ]; then
		apt_state trixie
		mkdir -p "$dir/root"
		if [ "$(id -u)" = 0 ] && id _apt > /dev/null 2>&1; then
			chown _apt "$dir"
		fi
		mapfile -t opts < <(apt_opts trixie)
		(cd "$dir" && apt-get "${opts[@]}" -qq download ubuntu-keyring >&2)
		dpkg-deb -x "$dir"/ubuntu-keyring_*.deb "$dir/root"
	fi
	echo "$dir/root/usr/share/keyrings/ubuntu-archive-keyring.gpg"
}

# The packages a user of the release installs to build the plugin
# (libwireshark-dev and libglib2.0-dev, as mk/tshark.mk does: noble's
# libwireshark-dev does not depend on the latter) that hold headers, .pc files,
# or the Wireshark and GLib shared libraries: every -dev package those need,
# directly or not (GLib's .pc files name libmount's, libpcre2's, sysprof's,
# ...), but the C library's, which is the machine's own here. Their names
# change from release to release (libwireshark17t64, libwsutil16,
# libglib2.0-0t64, GLib's headers in libgio-2.0-dev from trixie on), so they
# are read from the release's Depends.
wireshark_packages() {
	mapfile -t opts < <(apt_opts "$1")
	apt-cache "${opts[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances libwireshark-dev libglib2.0-dev |
		grep -Ex '[a-z0-9.+-]+-dev|lib(wireshark|wsutil|wiretap)[0-9]+(t64)?|libglib2\.0-0(t64)?' |
		grep -Evx '(libc6|libcrypt|linux-libc|libnsl|libtirpc)-dev' | sort -u
}

# Downloads and unpacks RELEASE's Wireshark and GLib packages into
# $work/RELEASE/root; prints the list of packages with their versions.
unpack_release() {
	local release=$1 dir=$work/$1 packages
	apt_state "$release"
	rm -rf "$dir"
	mkdir -p "$dir/debs" "$dir/root"
	chmod 755 "$dir" "$dir/debs"
	# apt-get download writes as _apt when run as root.
	if [ "$(id -u)" = 0 ] && id _apt > /dev/null 2>&1; then
		chown _apt "$dir/debs"
	fi
	mapfile -t packages < <(wireshark_packages "$release")
	mapfile -t opts < <(apt_opts "$release")
	echo "== $release: downloading ${packages[*]}" >&2
	(cd "$dir/debs" && apt-get "${opts[@]}" -qq download "${packages[@]}" >&2)
	for deb in "$dir"/debs/*.deb; do
		dpkg-deb -x "$deb" "$dir/root"
		dpkg-deb -f "$deb" Package Version | paste -sd' ' | sed 's/^Package: \(.*\) Version: /\1 /'
	done
}

failures=0
summary=()
# fail RELEASE-LINE WHAT LIST: one release's check failed; LIST (lines) goes to stderr, indented.
fail() {
	echo "== $1:" >&2
	sed 's/^/     /' <<<"$3" >&2
	failures=$((failures + 1))
	summary+=("$2")
}
for release in "${releases[@]}"; do
	dir=$work/$release
	unpack_release "$release" > "$work/$release.packages"
	root=$dir/root
	version=$(PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$root/usr/lib/$triplet/pkgconfig:$root/usr/share/pkgconfig \
		pkg-config --modversion wireshark)
	echo "== $release: Wireshark $version; packages:" >&2
	sed 's/^/     /' "$work/$release.packages" >&2

	# The Makefile's own rule and flags; only pkg-config looks into the release's root.
	plugin=$dir/mptcpscan.so
	log=$dir/build.log
	# LDFLAGS from the environment, so the Makefile's own are added to it.
	if PKG_CONFIG_SYSROOT_DIR=$root \
		PKG_CONFIG_LIBDIR=$root/usr/lib/$triplet/pkgconfig:$root/usr/share/pkgconfig \
		LDFLAGS="-Wl,-rpath-link,$root/usr/lib/$triplet" \
		make -C "$here" --no-print-directory PLUGIN="$plugin" "$plugin" > "$log" 2>&1; then
		:
	else
		echo "== $release: FAILED to build against Wireshark $version:" >&2
		cat "$log" >&2
		failures=$((failures + 1))
		summary+=("$release Wireshark $version: build failed")
		continue
	fi
	warnings=$(grep -c 'warning:' "$log" || true)

	# What the plugin imports, against what the libraries it needs export: the release's own
	# (Wireshark, GLib) from its root, the C library's and the unwinder's (libmptcpscan.a's) from
	# the machine.
	release_libs=()
	: > "$dir/exported"
	: > "$dir/system"
	for needed in $(readelf -d "$plugin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		if [ -e "$root/usr/lib/$triplet/$needed" ]; then
			release_libs+=("$needed")
			lib=$(readlink -f "$root/usr/lib/$triplet/$needed")
			list=$dir/exported
		else
			# awk reads to the end: leaving early would kill ldconfig with SIGPIPE, which
			# pipefail turns into the script's failure (exit 141).
			lib=$(ldconfig -p | awk -v n="$needed" '$1 == n && lib == "" { lib = $NF } END { print lib }')
			list=$dir/system
		fi
		# A library found nowhere exports nothing: its symbols show as missing below.
		[ -n "$lib" ] || { echo "== $release: the plugin needs $needed, found nowhere" >&2; continue; }
		nm -D --defined-only "$lib" | awk 'NF == 3 { sub(/@.*/, "", $3); print $3 }' >> "$list"
	done
	sort -u -o "$dir/exported" "$dir/exported"
	sort -u -o "$dir/system" "$dir/system"
	nm -D --undefined-only "$plugin" | awk '$1 == "U" { sub(/@.*/, "", $2); print $2 }' | sort -u > "$dir/imported"
	comm -23 "$dir/imported" "$dir/system" > "$dir/imported-release"
	missing=$(comm -23 "$dir/imported-release" "$dir/exported")
	if [ -n "$missing" ]; then
		fail "$release: imported but exported by none of ${release_libs[*]}" \
			"$release Wireshark $version: missing symbols" "$missing"
		continue
	fi
	# The entry points: every one the release's plugin loader (libwsutil) looks up by name.
	nm -D --defined-only "$plugin" | awk '{ print $3 }' | sort -u > "$dir/entry-points"
	strings -a "$(readlink -f "$root/usr/lib/$triplet/libwsutil.so")" |
		grep -Ex 'plugin_(version|want_major|want_minor|register|describe)' | sort -u > "$dir/loader-asks"
	unanswered=$(comm -23 "$dir/loader-asks" "$dir/entry-points")
	if [ -n "$unanswered" ]; then
		fail "$release: Wireshark $version's plugin loader looks for symbols the plugin lacks" \
			"$release Wireshark $version: entry points missing" "$unanswered"
		continue
	fi
	sources=$(make -C "$here" --no-print-directory -s print-SOURCES)
	summary+=("$release Wireshark $version: $(echo "$sources" | wc -w) C file(s), $warnings warning(s), $(wc -l < "$dir/imported-release") symbols imported from ${release_libs[*]}, all exported; entry points $(paste -sd, "$dir/loader-asks")")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
[ "$failures" = 0 ]
