#!/usr/bin/env bash
# make test-tracebox: builds the mptcpscan Lua module for Lua 5.2, 5.3 and 5.4 (libmptcpscan.a
# linked in), runs tests/test_module.lua on the recorded lab probes under each (5.2, the version
# tracebox embeds, also under valgrind), and runs mptcp.lua's replay mode as a user would. The
# probes are of two sets (tests/fixtures/README.md): recorded through a real tracebox, as the
# script receives them, and recorded on the wire, fed through tests/crafter.lua (libcrafter's
# re-encoding); no tracebox is needed.
set -euo pipefail
cd "$(dirname "$0")/../.."

LIB=target/release/libmptcpscan.a
[ -f "$LIB" ] || { echo "test-tracebox: $LIB missing: run make capi" >&2; exit 1; }

make -s -C tracebox-ext LUA_VERSIONS="5.2 5.3 5.4"

fixtures=(tracebox-ext/tests/fixtures/tracebox/*.txt tracebox-ext/tests/fixtures/*.txt)
export MPTCP_LUA=tracebox-ext/mptcp.lua
for v in 5.2 5.3 5.4; do
	LUA_CPATH="tracebox-ext/build/lua$v/?.so" "lua$v" tracebox-ext/tests/test_module.lua \
		"${fixtures[@]}"
done

LUA_CPATH="tracebox-ext/build/lua5.2/?.so" valgrind -q --error-exitcode=1 \
	lua5.2 tracebox-ext/tests/test_module.lua "${fixtures[@]}" >/dev/null

# The script itself, outside tracebox: one final verdict line per fixture, JSON that parses.
tmp=$(mktemp -d /tmp/mptcpscan-tracebox.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
LUA_CPATH="tracebox-ext/build/lua5.2/?.so" lua5.2 tracebox-ext/mptcp.lua --replay \
	"${fixtures[@]}" >"$tmp/text"
LUA_CPATH="tracebox-ext/build/lua5.2/?.so" lua5.2 tracebox-ext/mptcp.lua --replay --json \
	"${fixtures[@]}" >"$tmp/json"
finals=$(grep -c '^  final: ' "$tmp/text")
[ "$finals" -eq "${#fixtures[@]}" ] ||
	{ echo "test-tracebox: $finals final verdicts for ${#fixtures[@]} fixtures" >&2; exit 1; }
# Bad arguments: exit status 2, the reason and the usage line.
if LUA_CPATH="tracebox-ext/build/lua5.2/?.so" lua5.2 tracebox-ext/mptcp.lua --replay --jsn \
	"${fixtures[0]}" >"$tmp/out" 2>"$tmp/err"; then
	echo "test-tracebox: an unknown option was accepted" >&2; exit 1
fi
grep -q '^mptcp.lua: unknown option: --jsn$' "$tmp/err" && grep -q '^usage: ' "$tmp/err" ||
	{ echo "test-tracebox: no reason or usage for a bad option" >&2; cat "$tmp/err" >&2; exit 1; }
python3 -c 'import json, sys
n = 0
for line in open(sys.argv[1]):
    assert "outcome" in json.loads(line)["final"]; n += 1
# The text says the same: one "final:" line per probe, in the same order.
texts = [l.split("final: ", 1)[1].strip() for l in open(sys.argv[3]) if "  final: " in l]
finals = [json.loads(l)["final"] for l in open(sys.argv[1])]
for t, j in zip(texts, finals):
    assert t == j["text"], (t, j)
assert n == int(sys.argv[2]), n' "$tmp/json" "${#fixtures[@]}" "$tmp/text"
# One corpus, every host: the module gives the rows the driver, the ZMap harness and the tshark
# plugin give (tests/corpus/expected.tsv).
mapfile -t corpus < <(printf '%s\n' tracebox-ext/tests/fixtures/*.txt tests/corpus/captures/*.txt |
	LC_ALL=C sort)
LUA_CPATH="tracebox-ext/build/lua5.2/?.so" lua5.2 tracebox-ext/tests/corpus.lua "${corpus[@]}" \
	>"$tmp/corpus.tsv"
if ! diff -u tests/corpus/expected.tsv "$tmp/corpus.tsv"; then
	echo "test-tracebox: the Lua module answers the corpus differently (diff above)" >&2
	exit 1
fi
echo "test-tracebox: ${#fixtures[@]} recorded probes replayed under Lua 5.2, 5.3, 5.4;" \
	"${#corpus[@]} corpus entries as tests/corpus/expected.tsv"
