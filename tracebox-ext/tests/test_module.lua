-- The mptcpscan Lua module and mptcp.lua's per-hop logic on the recorded lab probes
-- (tests/fixtures/README.md). Run by tests/run.sh under every Lua version built:
--   lua5.2 tests/test_module.lua FIXTURE...
local mptcpscan = require("mptcpscan")
MPTCP_LUA_LIBRARY = true
local script = assert(os.getenv("MPTCP_LUA"), "MPTCP_LUA: path of mptcp.lua")
local mptcp = dofile(script)

local failures, checks = 0, 0
local function check(ok, what)
	checks = checks + 1
	if not ok then
		failures = failures + 1
		io.stderr:write("FAIL: " .. what .. "\n")
	end
end

local function errors_with(pattern, f, ...)
	local ok, err = pcall(f, ...)
	return not ok and tostring(err):find(pattern, 1, true) ~= nil, tostring(err)
end

local function bytes_of(s)
	local t = {}
	for i = 1, #s do
		t[i] = s:byte(i)
	end
	return t
end

local fixtures = {}
for i = 1, #arg do
	fixtures[i] = mptcp.load_fixture(arg[i])
end
check(#fixtures > 0, "fixtures given")

for _, fx in ipairs(fixtures) do
	local name = fx.path:match("[^/]*$")
	local probe = mptcp.replay(fx)

	-- Every quote got the verdict the lab's ground truth implies, and no hop is left unchecked.
	for _, q in ipairs(fx.quotes) do
		if probe.reply_ttl == nil or q.ttl < probe.reply_ttl then
			local want = fx.expect_hops[q.ttl]
			local got = probe.hops[q.ttl].kind
			check(want ~= nil, name .. ": hop " .. q.ttl .. " has an expectation")
			check(got == want, string.format("%s: hop %d is %s, expected %s", name, q.ttl,
				tostring(got), tostring(want)))
		end
	end
	for ttl in pairs(fx.expect_hops) do
		check(probe.hops[ttl] ~= nil, name .. ": expected hop " .. ttl .. " was replayed")
	end

	-- The final verdict ("how" may carry a detail: key-rewritten(15 bits)).
	local v = mptcp.verdict(probe)
	local got = mptcp.verdict_text(v)
	local want = assert(fx.expect_final, name .. ": no expect-final")
	check(got == want or got:sub(1, #want + 1) == want .. "(",
		string.format("%s: final %q, expected %q", name, got, want))

	-- The module builds the very option block the lab probe carried (same key, Linux companions).
	local built = mptcpscan.probe_options(fx.version, fx.key)
	check(built == fx.options, name .. ": probe_options matches the recorded probe's options")

	-- tracebox hands over tables of byte values: same answers as for strings.
	for _, q in ipairs(fx.quotes) do
		local a = mptcpscan.compare(fx.sent[q.ttl], q.bytes)
		local b = mptcpscan.compare(bytes_of(fx.sent[q.ttl]), bytes_of(q.bytes))
		check(a.name == b.name and a.tokens == b.tokens and a.changes == b.changes,
			name .. ": table and string inputs agree at hop " .. q.ttl)
	end
	if fx.reply then
		local a = mptcpscan.classify(fx.options, fx.reply.seq, fx.reply.bytes)
		local b = mptcpscan.classify(bytes_of(fx.options), fx.reply.seq, bytes_of(fx.reply.bytes))
		check(a.verdict == b.verdict and a.signals == b.signals and a.key == b.key,
			name .. ": classify agrees on table and string input")
		-- tracebox's answer keeps its Ethernet header: skipped by offset.
		local framed = string.rep("\2", 12) .. "\8\0" .. fx.reply.bytes
		local c = mptcpscan.classify(fx.options, fx.reply.seq, framed, 14)
		check(c.verdict == a.verdict and c.key == a.key, name .. ": classify skips a link header")
		check(errors_with("offset outside the reply", mptcpscan.classify, fx.options,
			fx.reply.seq, fx.reply.bytes, #fx.reply.bytes + 1), name .. ": offset checked")
	end

	-- Text and JSON output carry the final verdict.
	check(mptcp.text(fx.target, fx.port, "p", probe):find("final: " .. got, 1, true) ~= nil,
		name .. ": text output ends with the final verdict")
	check(mptcp.json(fx.target, fx.port, "p", probe):find('"verdict":"' .. v.verdict .. '"', 1,
		true) ~= nil, name .. ": JSON output carries the final verdict")
end

-- The option walk gives what a raw TCPOption needs, and the pieces rebuild the block.
do
	local block = mptcpscan.probe_options(1)
	local parts = {}
	for _, o in ipairs(mptcpscan.options(block)) do
		if o.kind <= 1 then
			parts[#parts + 1] = string.char(o.kind)
		else
			parts[#parts + 1] = string.char(o.kind, o.length) .. o.data
		end
	end
	local rebuilt = table.concat(parts)
	check(block:sub(1, #rebuilt) == rebuilt and block:sub(#rebuilt + 1):match("^%z*$") ~= nil,
		"options() pieces rebuild the v1 block (EOL padding aside)")
	local mpc
	for _, o in ipairs(mptcpscan.options(block)) do
		if o.kind == 30 then
			mpc = o
		end
	end
	check(mpc ~= nil and mpc.length == 4 and mpc.data == "\1\1",
		"v1 MP_CAPABLE is kind 30, length 4, subtype 0 version 1, flags 0x01")
	local v0 = mptcpscan.probe_options(0, "0123456789ABCDEF", "minimal")
	check(v0:find("\30\12\0\129\1\35\69\103\137\171\205\239", 1, true) ~= nil,
		"v0 MP_CAPABLE carries the key, flags 0x81")
end

-- No hop told anything: no change to report.
check(mptcpscan.first_change({}, 3) == nil, "first_change over silent hops is nil")

-- Bad input is an error with a reason, never a crash.
check(errors_with("version must be 0 or 1", mptcpscan.probe_options, 2), "version 2 refused")
check(errors_with("16 hex digits", mptcpscan.probe_options, 0, "xyz"), "short key refused")
check(errors_with("16 hex digits", mptcpscan.probe_options, 0, "0123456789abcdeg"),
	"non-hex key refused")
check(errors_with("invalid option", mptcpscan.probe_options, 1, nil, "plan9"),
	"unknown companions refused")
check(errors_with("mptcpscan.options", mptcpscan.options, "\2\9"), "truncated option refused")
check(errors_with("mptcpscan.compare", mptcpscan.compare, "short", "junk"),
	"a sent packet that is not TCP refused")
check(errors_with("byte value outside 0-255", mptcpscan.compare, { 300 }, ""),
	"byte tables are checked")
check(errors_with("string or table of bytes", mptcpscan.compare, 42, ""), "numbers refused")
check(errors_with("sequence number", mptcpscan.classify, mptcpscan.probe_options(1), -1, ""),
	"negative sequence number refused")
check(errors_with("mptcpscan.classify", mptcpscan.classify, mptcpscan.probe_options(1), 1,
	"\69\0"), "truncated reply refused")
check(errors_with("unknown hop kind", mptcpscan.first_change, { { kind = "teleported" } }, 1),
	"unknown hop kinds refused")
if #fixtures > 0 then
	local fx = fixtures[1]
	local sent = fx.sent[fx.quotes[1].ttl]
	local clean = 0
	for cut = 0, #fx.quotes[1].bytes - 1 do
		-- Every truncation of a real quote is an answer or an error naming the call.
		local ok, res = pcall(mptcpscan.compare, sent, fx.quotes[1].bytes:sub(1, cut))
		if (ok and type(res.kind) == "string") or
			(not ok and tostring(res):find("mptcpscan.compare: ", 1, true)) then
			clean = clean + 1
		end
	end
	check(clean == #fx.quotes[1].bytes, "every truncated quote gets a verdict or a clean error")
end

print(string.format("%s: %d checks, %d failures, %d fixtures", _VERSION, checks, failures,
	#fixtures))
os.exit(failures == 0 and 0 or 1)
