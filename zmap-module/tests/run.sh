#!/usr/bin/env bash
# make test-zmap: builds module_mptcp_synscan.c outside ZMap against
# zmap_probe_api.h (-Wall -Wextra -Werror), links it with the ZMap double and
# libmptcpscan.a, runs the harness under valgrind (zero errors, no leaks), and
# has tshark decode the probes the harness wrote.
set -euo pipefail
cd "$(dirname "$0")/../.."

CC=${CC:-gcc}
LIB=target/release/libmptcpscan.a
[ -f "$LIB" ] || { echo "test-zmap: $LIB missing: run make capi" >&2; exit 1; }
# Its system libraries, from the one list (capi/mptcpscan.pc.in).
read -r -a LIB_SYSTEM <<<"$(sed -n 's/^Libs.private: *//p' capi/mptcpscan.pc.in)"

tmp=$(mktemp -d /tmp/mptcpscan-zmap.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# ZMap's own warning flags (its CMakeLists.txt) and C dialect, plus -Werror.
"$CC" -std=gnu11 -Wall -Wextra -Werror -pedantic -Wformat=2 -Wno-format-nonliteral \
	-Wfloat-equal -Wundef -Wwrite-strings -Wredundant-decls -Wnested-externs \
	-Wbad-function-cast -Winit-self -Wmissing-noreturn -O2 -g \
	-DMPTCP_SYNSCAN_STANDALONE -Iinclude -Izmap-module -Izmap-module/tests \
	zmap-module/module_mptcp_synscan.c zmap-module/tests/zmap_double.c \
	zmap-module/tests/test_module.c \
	-o "$tmp/test_module" "$LIB" "${LIB_SYSTEM[@]}"

valgrind -q --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --trace-children=yes \
	"$tmp/test_module" "$tmp/probes.pcap" "$tmp/expected.tsv" \
	zmap-module/tests/fixtures/tumi8-ipv6

tshark -r "$tmp/probes.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
	-T fields -e ip.checksum.status -e tcp.checksum.status -e tcp.srcport \
	-e tcp.flags -e tcp.options.mptcp.version -e tcp.options.mptcp.sendkey \
	>"$tmp/tshark.tsv" 2>"$tmp/tshark.err" ||
	{ cat "$tmp/tshark.err" >&2; exit 1; }
if ! diff -u "$tmp/expected.tsv" "$tmp/tshark.tsv"; then
	echo "test-zmap: tshark reads the probes differently (diff above)" >&2
	exit 1
fi
echo "test-zmap: $(wc -l <"$tmp/expected.tsv") probes decoded by tshark as the harness expects"

# One corpus, every host: the module's verdict, signals and optionstext for the recorded answers
# of tests/corpus (the first four columns of tests/corpus/expected.tsv; ZMap does no trace).
"$CC" -std=gnu11 -Wall -Wextra -Werror -pedantic -O2 -g -DMPTCP_SYNSCAN_STANDALONE \
	-Iinclude -Izmap-module -Izmap-module/tests zmap-module/module_mptcp_synscan.c \
	zmap-module/tests/zmap_double.c zmap-module/tests/test_corpus.c \
	-o "$tmp/test_corpus" "$LIB" -lgcc_s -lutil -lrt -lpthread -lm -ldl
mapfile -t corpus < <(printf '%s\n' tracebox-ext/tests/fixtures/*.txt tests/corpus/captures/*.txt |
	LC_ALL=C sort)
valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	"$tmp/test_corpus" "${corpus[@]}" >"$tmp/corpus.tsv"
cut -f1-4 tests/corpus/expected.tsv | LC_ALL=C sort >"$tmp/corpus-expected.tsv"
differ=$(LC_ALL=C sort "$tmp/corpus.tsv" | LC_ALL=C comm -23 - "$tmp/corpus-expected.tsv")
rows=$(wc -l <"$tmp/corpus.tsv")
if [ -n "$differ" ] || [ "$rows" -lt 30 ]; then
	printf 'test-zmap: rows not in tests/corpus/expected.tsv:\n%s\n' "$differ" >&2
	echo "test-zmap: $rows corpus rows" >&2
	exit 1
fi
echo "test-zmap: $rows of ${#corpus[@]} corpus entries as tests/corpus/expected.tsv"
