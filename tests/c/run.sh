#!/usr/bin/env bash
# The C side of the C ABI tests (make test-capi), or its micro-benchmark (make bench-capi):
#  1. installs libmptcpscan into a temporary prefix (make install-capi PREFIX=...);
#  2. compiles the C programs against the installed header through pkg-config with
#     gcc -std=c99 -Wall -Wextra -Werror -pedantic, linked once statically and once dynamically;
#  3. runs every test binary under valgrind (--error-exitcode=1: zero errors allowed);
#  4. compiles the installed header as C++;
#  5. runs the libloading symbol test against the installed shared library.
# With --bench it builds bench_capi.c the same way (-O2) and prints its figures instead.
set -euo pipefail
cd "$(dirname "$0")/../.."

CARGO=${CARGO:-cargo}
MAKE=${MAKE:-make}
CC=${CC:-gcc}
CXX=${CXX:-g++}
CFLAGS_STRICT=(-std=c99 -Wall -Wextra -Werror -pedantic -O2 -g)

tmp=$(mktemp -d /tmp/mptcpscan-capi.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$MAKE" --no-print-directory -s install-capi PREFIX="$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
libdir=$(pkg-config --variable=libdir mptcpscan)
cflags=$(pkg-config --cflags mptcpscan)
read -r -a libs_dynamic <<<"$(pkg-config --libs mptcpscan)"
# The static link takes libmptcpscan.a by path, then the system libraries it needs.
read -r -a libs_private <<<"$(pkg-config --static --libs-only-l mptcpscan | sed 's/-lmptcpscan//')"

# build NAME LINKAGE: compiles tests/c/NAME.c into $tmp/NAME-LINKAGE.
build() {
	local name=$1 linkage=$2 out="$tmp/$1-$2"
	if [ "$linkage" = static ]; then
		"$CC" "${CFLAGS_STRICT[@]}" $cflags "tests/c/$name.c" -o "$out" \
			"$libdir/libmptcpscan.a" "${libs_private[@]}"
		if readelf -d "$out" | grep -q 'libmptcpscan'; then
			echo "$out: static build still needs libmptcpscan.so" >&2
			exit 1
		fi
	else
		"$CC" "${CFLAGS_STRICT[@]}" $cflags "tests/c/$name.c" -o "$out" \
			"${libs_dynamic[@]}" -Wl,-rpath,"$libdir"
		if ! readelf -d "$out" | grep -q 'NEEDED.*\[libmptcpscan\.so\.0\]'; then
			echo "$out: dynamic build does not load libmptcpscan.so.0 by its SONAME" >&2
			exit 1
		fi
	fi
	echo "$out"
}

if [ "${1:-}" = --bench ]; then
	for linkage in static dynamic; do
		"$(build bench_capi "$linkage")"
	done
	exit 0
fi

soname=$(readelf -d "$libdir/libmptcpscan.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libmptcpscan.so.0 ] || { echo "SONAME is '$soname', want libmptcpscan.so.0" >&2; exit 1; }

for name in test_capi test_hostile; do
	for linkage in static dynamic; do
		bin=$(build "$name" "$linkage")
		echo "== $name ($linkage, valgrind)"
		valgrind --quiet --error-exitcode=1 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect "$bin"
	done
done
# The benchmark must at least build cleanly; make bench-capi runs it.
build bench_capi dynamic >/dev/null

echo "== header as C++"
"$CXX" -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c++ $cflags \
	"$(pkg-config --variable=includedir mptcpscan)/mptcpscan.h"

# The README's example, linked the way a fully static tool is: `cc -static` with everything
# pkg-config --static gives. Expected values: SHA-1 and SHA-256 of the key's 8 bytes (Python's
# hashlib), token = first 4 bytes, IDSN = last 8.
echo "== capi/examples/token.c, cc -static \$(pkg-config --static --libs mptcpscan)"
read -r -a libs_static <<<"$(pkg-config --static --libs mptcpscan)"
"$CC" "${CFLAGS_STRICT[@]}" -static $cflags capi/examples/token.c -o "$tmp/token-static" \
	"${libs_static[@]}" 2>&1 | { grep -v "statically linked applications requires at runtime\|in function" || true; }
if readelf -d "$tmp/token-static" | grep -q NEEDED; then
	echo "$tmp/token-static: not fully static" >&2
	exit 1
fi
diff <("$tmp/token-static" 0123456789abcdef) - <<'EOF'
v0 token 0ca2eadb idsn e3df8ee121f10547
v1 token 55c53f5d idsn 570762cd38be9818
EOF

echo "== libloading symbol test (installed library)"
MPTCPSCAN_SO="$libdir/libmptcpscan.so.0" "$CARGO" test -q -p mptcpscan-capi --test symbols
