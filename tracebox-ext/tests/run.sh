#!/usr/bin/env bash
# make test-tracebox: builds the mptcpscan Lua module for Lua 5.2, 5.3 and 5.4 (libmptcpscan.a
# linked in), runs tests/test_module.lua on the recorded lab probes under each (5.2, the version
# tracebox embeds, also under valgrind), and runs mptcp.lua's replay mode as a user would.
set -euo pipefail
cd "$(dirname "$0")/../.."

LIB=target/release/libmptcpscan.a
[ -f "$LIB" ] || { echo "test-tracebox: $LIB missing: run make capi" >&2; exit 1; }

make -s -C tracebox-ext LUA_VERSIONS="5.2 5.3 5.4"

fixtures=(tracebox-ext/tests/fixtures/*.txt)
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
python3 -c 'import json, sys
n = 0
for line in open(sys.argv[1]):
    assert "verdict" in json.loads(line)["final"]; n += 1
assert n == int(sys.argv[2]), n' "$tmp/json" "${#fixtures[@]}"
echo "test-tracebox: ${#fixtures[@]} recorded probes replayed under Lua 5.2, 5.3, 5.4"
