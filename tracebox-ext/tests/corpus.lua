-- corpus.lua: "one corpus, every host", the Lua module's part. Replays each corpus entry (a
-- recorded probe or handshake, tracebox-ext/tests/fixtures/README.md format) through mptcp.lua
-- and the mptcpscan module exactly as under tracebox, and prints one tab-separated row per entry:
-- path, verdict, signals, optionstext, conclusion. tests/run.sh compares the rows with
-- tests/corpus/expected.tsv, which the driver, the ZMap harness and the tshark plugin must match
-- too.
--
--   MPTCP_LUA=tracebox-ext/mptcp.lua lua5.2 tracebox-ext/tests/corpus.lua FILE...

MPTCP_LUA_LIBRARY = true
local M = dofile(assert(os.getenv("MPTCP_LUA"), "MPTCP_LUA: path of mptcp.lua"))

for _, path in ipairs(arg) do
	local probe = M.replay(M.load_fixture(path))
	local r = probe.reply
	local row = { path, "-", "", "-" }
	if r then
		row = { path, r.verdict, r.signals, r.optionstext or "(no options found)" }
	end
	row[#row + 1] = M.verdict(probe).text
	print(table.concat(row, "\t"))
end
