-- The mptcpscan Lua module and mptcp.lua's per-hop logic on the recorded lab probes
-- (tests/fixtures/README.md). Run by tests/run.sh under every Lua version built:
--   lua5.2 tests/test_module.lua FIXTURE...
local mptcpscan = require("mptcpscan")
MPTCP_LUA_LIBRARY = true
local script = assert(os.getenv("MPTCP_LUA"), "MPTCP_LUA: path of mptcp.lua")
local mptcp = dofile(script)
local crafter = dofile(script:gsub("mptcp%.lua$", "tests/crafter.lua"))

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

	-- The final verdict, the core's conclusion (the detail of what a hop did aside, as in
	-- key-rewritten(15 bits): the expectations come from the ground truth, which lacks it).
	local v = mptcp.verdict(probe)
	local got = v.text
	local want = assert(fx.expect_final, name .. ": no expect-final")
	check(got:gsub("(%(%a[%a-]*)%b()", "%1") == want,
		string.format("%s: final %q, expected %q", name, got, want))

	-- What tracebox hands over: a recorded packet (quote, answer, our own probe) is reproduced
	-- exactly by the libcrafter double from the wire bytes the script rebuilt, and a wire
	-- recording goes through the double and back to the same bytes.
	for _, pk in ipairs(fx.packets) do
		local seen = mptcp.view(crafter.packet(pk.bytes, pk.link, pk.kind == "sent"))
		if pk.view then
			check(mptcp.view_words(seen) == pk.view.words, string.format(
				"%s: the double re-crafts the %s as tracebox did", name, pk.kind))
		end
		check(mptcp.wire(seen) == pk.bytes,
			string.format("%s: the %s is rebuilt as it was on the wire", name, pk.kind))
	end

	-- JSON says what the text says.
	local json_final = mptcp.json(fx.target, fx.port, "p", probe):match('"final":(%b{})')
	check(json_final ~= nil and json_final:find('"text":"' .. v.text .. '"', 1, true) ~= nil
		and json_final:find('"outcome":"' .. v.outcome .. '"', 1, true) ~= nil
		and (v.hop == nil or json_final:find('"hop":' .. v.hop, 1, true) ~= nil),
		name .. ": JSON carries the text's final verdict")

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
		local ip = fx.reply.bytes:sub(fx.reply.link + 1)
		local a = mptcpscan.classify(fx.options, fx.reply.seq, ip)
		local b = mptcpscan.classify(bytes_of(fx.options), fx.reply.seq, bytes_of(ip))
		check(a.verdict == b.verdict and a.signals == b.signals and a.key == b.key,
			name .. ": classify agrees on table and string input")
		-- tracebox's answer keeps its Ethernet header: skipped by offset.
		local framed = string.rep("\2", 12) .. "\8\0" .. ip
		local c = mptcpscan.classify(fx.options, fx.reply.seq, framed, 14)
		check(c.verdict == a.verdict and c.key == a.key, name .. ": classify skips a link header")
		check(errors_with("mptcpscan.classify: argument 4: offset outside the reply",
			mptcpscan.classify, fx.options, fx.reply.seq, ip, #ip + 1), name .. ": offset checked")
	end

	-- Text output ends with the final verdict.
	check(mptcp.text(fx.target, fx.port, "p", probe):find("final: " .. got, 1, true) ~= nil,
		name .. ": text output ends with the final verdict")
end

-- The recordings carry libcrafter's re-encoding: read as tracebox hands them over, without the
-- script's rebuild, the v1 quotes lose their MP_CAPABLE (the bug this rebuild fixes).
do
	local misread, v1 = 0, 0
	for _, fx in ipairs(fixtures) do
		if fx.version == 1 and fx.packets[1].view then
			v1 = v1 + 1
			local sent = {}
			for _, pk in ipairs(fx.packets) do
				if pk.kind == "sent" then
					sent[#sent + 1] = pk
				end
			end
			for _, pk in ipairs(fx.packets) do
				if pk.kind == "quote" then
					local raw = mptcpscan.compare(sent[1].bytes, pk.view.bytes)
					if raw.kind == "removed" then
						misread = misread + 1
						break
					end
				end
			end
		end
	end
	check(v1 == 0 or misread > 0, "v1 recordings through tracebox carry the re-encoding")
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

-- The baseline (no MP_CAPABLE) gets no final verdict, in JSON as in text: it used to say
-- "unreachable" in JSON although the target had answered.
do
	local fx = fixtures[1]
	local base = mptcp.new_probe(nil, nil, 0)
	for _, q in ipairs(fx.quotes) do
		mptcp.hop(base, q.ttl, q.router, fx.sent[q.ttl], q.bytes)
	end
	if fx.reply then
		mptcp.reply(base, fx.reply.ttl, fx.reply.bytes, fx.reply.link)
	end
	check(not mptcp.json(fx.target, fx.port, "baseline", base):find('"final"', 1, true)
		and not mptcp.text(fx.target, fx.port, "baseline", base):find("final:", 1, true),
		"the baseline has no final verdict in JSON or text")
end

-- The core's conclusion: its rules, not the script's.
do
	local removed = { kind = "removed", hamming = 0, sent_len = 12, quoted_len = 0 }
	local intact = { kind = "intact", hamming = 0, sent_len = 12, quoted_len = 12 }
	local c = mptcpscan.conclude({}, 3)
	check(c.outcome == "unreachable" and c.text == "unreachable" and c.hop == nil
		and c.interference == "none", "no answer, no change: unreachable")
	c = mptcpscan.conclude({ intact, removed }, 2)
	check(c.outcome == "middlebox-affected" and c.hop == 2 and c.last_intact == 1
		and c.text == "middlebox-affected at hop 2 (removed)" and c.interference == "stripped",
		"a changed path is middlebox-affected, answer or not; a removed option, a stripper")
	c = mptcpscan.conclude({ intact }, 1, { verdict = "rst" })
	check(c.outcome == "closed", "a reset: closed")
	c = mptcpscan.conclude({ intact }, 1, { verdict = "mirrored" })
	check(c.outcome == "mirrored" and c.text == "mirrored", "a mirror: mirrored")
	check(mptcpscan.most_telling("truly-mptcp", "middlebox-affected") == "middlebox-affected"
		and mptcpscan.most_telling("unreachable", "not-mptcp") == "not-mptcp",
		"most_telling ranks a path change first, no answer last")
	check(mptcp.host_verdict({ mptcpscan.conclude({}, 1),
		mptcpscan.conclude({ intact }, 1, { verdict = "mptcp-v1" }) }).outcome == "truly-mptcp",
		"the host line takes the most telling probe")
end

-- Bad input is an error with a reason in the module's one form, never a crash.
local function refused(prefix, what, f, ...)
	local ok, err = pcall(f, ...)
	check(not ok and tostring(err):sub(1, #prefix) == prefix,
		string.format("%s (error %q, expected to start %q)", what, tostring(err), prefix))
end
refused("mptcpscan.probe_options: argument 1: version must be 0 or 1", "version 2 refused",
	mptcpscan.probe_options, 2)
refused("mptcpscan.probe_options: argument 1: number expected", "a version that is no number",
	mptcpscan.probe_options, "one")
refused("mptcpscan.probe_options: argument 2: key must be 16 hex digits", "short key refused",
	mptcpscan.probe_options, 0, "xyz")
refused("mptcpscan.probe_options: argument 2: key must be 16 hex digits", "non-hex key refused",
	mptcpscan.probe_options, 0, "0123456789abcdeg")
refused("mptcpscan.probe_options: argument 2: key must be 16 hex digits", "missing v0 key",
	mptcpscan.probe_options, 0)
refused("mptcpscan.probe_options: argument 3: companions must be", "unknown companions refused",
	mptcpscan.probe_options, 1, nil, "plan9")
refused("mptcpscan.options: ", "truncated option refused", mptcpscan.options, "\2\9")
refused("mptcpscan.compare: ", "a sent packet that is not TCP refused", mptcpscan.compare,
	"short", "junk")
refused("mptcpscan.compare: argument 1: byte value outside 0-255", "byte tables are checked",
	mptcpscan.compare, { 300 }, "")
refused("mptcpscan.compare: argument 1: string or table of bytes", "numbers refused",
	mptcpscan.compare, 42, "")
refused("mptcpscan.classify: argument 2: sequence number", "negative sequence number refused",
	mptcpscan.classify, mptcpscan.probe_options(1), -1, "")
refused("mptcpscan.classify: ", "truncated reply refused", mptcpscan.classify,
	mptcpscan.probe_options(1), 1, "\69\0")
refused("mptcpscan.first_change: unknown hop kind", "unknown hop kinds refused",
	mptcpscan.first_change, { { kind = "teleported" } }, 1)
refused("mptcpscan.conclude: argument 3: unknown reply verdict", "unknown reply verdicts refused",
	mptcpscan.conclude, {}, 0, { verdict = "maybe" })
refused("mptcpscan.conclude: argument 2: 0 to 255 hops", "too many hops refused",
	mptcpscan.conclude, {}, 256)
refused("mptcpscan.most_telling: argument 2: not a trace outcome", "unknown outcomes refused",
	mptcpscan.most_telling, "closed", "lost")
refused("mptcpscan.address: argument 1: not an IPv4 or IPv6 address", "a name is no address",
	mptcpscan.address, "example.org")
refused("mptcpscan.address: argument 1: not an IPv4 or IPv6 address", "198.18.1.256 refused",
	mptcpscan.address, "198.18.1.256")

-- Addresses compare as addresses, not as spellings.
do
	local a4, f4 = mptcpscan.address("198.18.1.1")
	local a6, f6 = mptcpscan.address("2001:db8:1:5::0")
	check(a4 == "\198\18\1\1" and f4 == 4, "IPv4 address parsed")
	check(#a6 == 16 and f6 == 6, "IPv6 address parsed")
	check(mptcp.same_address("2001:db8:1:5::0", "2001:DB8:1:5:0:0:0:0"), "IPv6 spellings agree")
	check(not mptcp.same_address("2001:db8:1:5::", "2001:db8:1:5::1"), "IPv6 addresses differ")
	check(not mptcp.same_address("198.18.1.1", "not-an-address"), "a name matches nothing")
end

-- The script's arguments: a bad one is an error with its reason, never a silent default.
do
	local function args(...)
		return mptcp.parse_args({ ... })
	end
	local o = args("2001:db8:1:1::1", "443", "json", "key=0123456789abcdef", "max-ttl=8")
	check(o and o.family == 6 and o.port == 443 and o.json and o.max_ttl == 8
		and o.key == "0123456789abcdef", "all options parsed")
	o = args("198.18.1.1")
	check(o and o.family == 4 and o.port == 80 and o.max_ttl == 30 and not o.json,
		"defaults: port 80, max-ttl 30, text")
	local bad = {
		{ { "198.18.1.1", "http" }, "PORT must be a number from 1 to 65535: http" },
		{ { "198.18.1.1", "70000" }, "PORT must be a number from 1 to 65535: 70000" },
		{ { "198.18.1.1", "0" }, "PORT must be a number from 1 to 65535: 0" },
		{ { "198.18.1.1", "80", "443" }, "unexpected argument: 443" },
		{ { "198.18.1.1", "max-ttl=abc" }, "max-ttl must be a number from 1 to 255: abc" },
		{ { "198.18.1.1", "max-ttl=0" }, "max-ttl must be a number from 1 to 255: 0" },
		{ { "198.18.1.1", "key=12" }, "key must be 16 hex digits: 12" },
		{ { "198.18.1.1", "ttl=3" }, "unknown option: ttl=3" },
		{ { "198.18.1.1", "-v" }, "unknown option: -v" },
		{ { "example.org" }, "TARGET must be an IPv4 or IPv6 address: example.org" },
		{ {}, "no target given" },
		{ { "--replay" }, "--replay needs fixture files" },
	}
	for _, case in ipairs(bad) do
		local opts, err = mptcp.parse_args(case[1])
		check(opts == nil and err == case[2], string.format("arguments %s: %q, expected %q",
			table.concat(case[1], " "), tostring(err), case[2]))
	end
end

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
