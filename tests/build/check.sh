#!/usr/bin/env bash
# make test-build: what the build itself must get right (issue 15's build hygiene).
#  1. The libraries build without "output filename collision" (the core crate and the C ABI
#     share the name mptcpscan; only capi/lib may produce libmptcpscan.{a,so}).
#  2. The release binary is stripped, carries no debug info and stays small.
#  3. A second `make` of the tshark plugin relinks nothing.
#  4. `make test` runs each Rust suite once: `cargo test --workspace` (test-core) runs every test
#     that is not #[ignore]d, so no other rule may run one of them again by `--test NAME` without
#     `--ignored` (another feature set is another build, so it may).
set -euo pipefail
cd "$(dirname "$0")/../.."

CARGO=${CARGO:-cargo}
MAKE=${MAKE:-make}
# The release binary was 37 MB with debug info; stripped it is about 5 MB.
MAX_BINARY_BYTES=$((12 * 1024 * 1024))

echo "== no output filename collision"
log=$("$CARGO" build --release -p mptcpscan -p mptcpscan-capi -p libmptcpscan 2>&1)
if grep -i -B2 -A6 'collision' <<<"$log"; then
	echo "test-build: cargo reports an output filename collision" >&2
	exit 1
fi

echo "== release binary stripped and small"
"$CARGO" build --release -p mptcpscan-driver
bin=target/release/mptcpscan
size=$(stat -c %s "$bin")
if readelf -S "$bin" | grep -q '\.debug_\|\.symtab'; then
	echo "test-build: $bin has debug info or a symbol table" >&2
	exit 1
fi
if [ "$size" -gt "$MAX_BINARY_BYTES" ]; then
	echo "test-build: $bin is $size bytes, more than $MAX_BINARY_BYTES" >&2
	exit 1
fi
echo "$bin: $size bytes"

echo "== the tshark plugin is not relinked when nothing changed"
"$MAKE" --no-print-directory -s -C tshark-plugin CARGO="$CARGO" >/dev/null
before=$(stat -c %Y.%y tshark-plugin/mptcpscan.so)
"$MAKE" --no-print-directory -s -C tshark-plugin CARGO="$CARGO" >/dev/null
after=$(stat -c %Y.%y tshark-plugin/mptcpscan.so)
if [ "$before" != "$after" ]; then
	echo "test-build: a second make relinked tshark-plugin/mptcpscan.so" >&2
	exit 1
fi

echo "== make test runs each suite once"
# From make's database (-p; nothing is run: the goal does not exist): the recipes of the test
# rules, then the lines of them that name a cargo test target without --ignored.
db=$("$MAKE" --no-print-directory -pq -- __no_such_goal__ 2>/dev/null || true)
rules=" test-core $(sed -n 's/^TEST_TARGETS := //p' <<<"$db") "
again=$(awk -v rules="$rules" '
	/^[^#\t ][^:=]*:/ { split($0, t, ":"); rule = t[1]; next }
	/^\t/ && index(rules, " " rule " ") && / test / && /--test / && !/--ignored|--no-default-features|--features/ {
		print rule ":" $0
	}
' <<<"$db")
if [ -n "$again" ]; then
	echo "test-build: these rules run again what cargo test --workspace already ran:" >&2
	echo "$again" >&2
	exit 1
fi
echo "test-build: ok"
