-- mptcp.lua: hop-by-hop MPTCP classification of one target, for tracebox.
--
--   tracebox -s mptcp.lua TARGET [PORT] [json] [key=HEX16] [max-ttl=N]
--   lua5.2 mptcp.lua --replay FIXTURE... [--json]     (recorded probes, no tracebox needed)
--
-- Probes TARGET with a SYN without options (baseline), an MP_CAPABLE v0 SYN and an MP_CAPABLE v1
-- SYN. Each router's quote is handed to the mptcpscan module, which names what the hop did to the
-- MP_CAPABLE; the target's answer is classified by the module too. The script only gathers bytes,
-- keeps per-hop results and prints them: every decision is the module's (libmptcpscan).
--
-- Per probe the final verdict is one of
--   truly-mptcp                       the answer carries an MP_CAPABLE of its own, path intact
--   middlebox-affected HOP HOW        the quote of hop HOP first shows our MP_CAPABLE changed
--   mirrored HOP                      the answer (from hop HOP) copies our probe back
--   not-mptcp, closed                 a plain SYN-ACK, a reset
--   unreachable                       no answer
-- The module must be on Lua's cpath: LUA_CPATH='tracebox-ext/build/lua5.2/?.so;;'.

local mptcpscan = require("mptcpscan")

local M = {}

-- A probe's record: what was sent and what each hop showed.
function M.new_probe(version, options, seq)
	return { version = version, options = options, seq = seq, hops = {}, routers = {},
		max_ttl = 0 }
end

-- One router's quote of the probe sent with `ttl` (sent and quote from the IP header on).
function M.hop(probe, ttl, router, sent, quote)
	if ttl > probe.max_ttl then
		probe.max_ttl = ttl
	end
	probe.routers[ttl] = router
	if probe.options == nil then
		-- The baseline carries no MP_CAPABLE: only tracebox's field tokens are of interest.
		probe.hops[ttl] = { kind = "no-information", name = "no-information",
			tokens = mptcpscan.compare(sent, quote).tokens }
		return probe.hops[ttl]
	end
	probe.hops[ttl] = mptcpscan.compare(sent, quote)
	return probe.hops[ttl]
end

-- The target's answer to the probe sent with `ttl`: an IP packet starting `offset` bytes into
-- `packet` (0 unless a link-layer header precedes it).
function M.reply(probe, ttl, packet, offset)
	probe.reply_ttl = ttl
	if probe.options == nil then
		probe.answered = true
		return nil
	end
	probe.reply = mptcpscan.classify(probe.options, probe.seq, packet, offset or 0)
	return probe.reply
end

local reply_verdicts = {
	["mptcp-v0"] = "truly-mptcp",
	["mptcp-v1"] = "truly-mptcp",
	["rst"] = "closed",
}

-- The probe's final verdict: { verdict = ..., hop = ..., how = ... }.
function M.verdict(probe)
	local last = probe.reply_ttl and probe.reply_ttl - 1 or probe.max_ttl
	local change = mptcpscan.first_change(probe.hops, last)
	if change then
		return { verdict = "middlebox-affected", hop = change.hop, how = change.name,
			last_intact = change.last_intact }
	end
	if probe.reply == nil then
		return { verdict = "unreachable" }
	end
	if probe.reply.verdict == "mirrored" then
		return { verdict = "mirrored", hop = probe.reply_ttl }
	end
	return { verdict = reply_verdicts[probe.reply.verdict] or "not-mptcp",
		reply = probe.reply.verdict }
end

function M.verdict_text(v)
	local s = v.verdict
	if v.hop then
		s = s .. " " .. v.hop
	end
	if v.how then
		s = s .. " " .. v.how
	end
	return s
end

local function json_string(s)
	return '"' .. tostring(s):gsub('[%c"\\]', function(c)
		return string.format("\\u%04x", c:byte())
	end) .. '"'
end

local function json_value(v)
	local t = type(v)
	if t == "table" then
		local keys = {}
		for k in pairs(v) do
			keys[#keys + 1] = k
		end
		if #keys > 0 and #keys == #v then
			local items = {}
			for i = 1, #v do
				items[i] = json_value(v[i])
			end
			return "[" .. table.concat(items, ",") .. "]"
		end
		table.sort(keys, function(a, b)
			return tostring(a) < tostring(b)
		end)
		local items = {}
		for _, k in ipairs(keys) do
			items[#items + 1] = json_string(k) .. ":" .. json_value(v[k])
		end
		return "{" .. table.concat(items, ",") .. "}"
	elseif t == "string" then
		return json_string(v)
	elseif t == "boolean" or t == "number" then
		return tostring(v)
	end
	return "null"
end

-- One probe as a JSON object (a line of output).
function M.json(target, port, label, probe)
	local hops = {}
	for ttl = 1, probe.max_ttl do
		local h = probe.hops[ttl]
		if h then
			hops[#hops + 1] = { ttl = ttl, router = probe.routers[ttl], mptcp = h.name,
				tokens = h.tokens }
		end
	end
	return json_value({ target = target, port = port, probe = label, hops = hops,
		reply = probe.reply, reply_ttl = probe.reply_ttl, final = M.verdict(probe) })
end

-- One probe as text: a line per hop, then the final verdict.
function M.text(target, port, label, probe)
	local lines = { string.format("%s:%s %s", target, port, label) }
	local last = probe.reply_ttl and probe.reply_ttl - 1 or probe.max_ttl
	for ttl = 1, last do
		local h = probe.hops[ttl]
		if h then
			lines[#lines + 1] = string.format("  %2d %-16s %-28s %s", ttl,
				probe.routers[ttl] or "*", h.name, h.tokens)
		else
			lines[#lines + 1] = string.format("  %2d *", ttl)
		end
	end
	if probe.reply_ttl then
		local r = probe.reply
		lines[#lines + 1] = string.format("  %2d %-16s reply %s", probe.reply_ttl, target,
			r and (r.verdict .. (r.signals ~= "" and " [" .. r.signals .. "]" or "")) or "")
	end
	if probe.options then
		lines[#lines + 1] = "  final: " .. M.verdict_text(M.verdict(probe))
	end
	return table.concat(lines, "\n")
end

-- The host's verdict over its probes: a path change first, then a mirror, then MPTCP answers.
function M.host_verdict(probes)
	local rank = { ["middlebox-affected"] = 1, mirrored = 2, ["truly-mptcp"] = 3,
		["not-mptcp"] = 4, closed = 5, unreachable = 6 }
	local best
	for _, p in ipairs(probes) do
		if p.options then
			local v = M.verdict(p)
			if best == nil or rank[v.verdict] < rank[best.verdict] then
				best = v
			end
		end
	end
	return best
end

local function hex_bytes(hex)
	return (hex:gsub("%x%x", function(b)
		return string.char(tonumber(b, 16))
	end))
end

-- Reads a recorded probe (tests/fixtures/README.md describes the format).
function M.load_fixture(path)
	local f = assert(io.open(path, "r"))
	local fx = { sent = {}, quotes = {}, expect_hops = {}, path = path }
	for line in f:lines() do
		local w = {}
		for word in line:gmatch("%S+") do
			w[#w + 1] = word
		end
		local k = w[1]
		if k == nil or k:sub(1, 1) == "#" then
			-- comment or blank
		elseif k == "class" then
			fx.class = w[2]
		elseif k == "target" then
			fx.target, fx.port = w[2], tonumber(w[3])
		elseif k == "version" then
			fx.version = tonumber(w[2])
		elseif k == "key" then
			fx.key = w[2]
		elseif k == "options" then
			fx.options = hex_bytes(w[2])
		elseif k == "sent" then
			fx.sent[tonumber(w[2])] = hex_bytes(w[3])
		elseif k == "quote" then
			fx.quotes[#fx.quotes + 1] = { ttl = tonumber(w[2]), router = w[3],
				bytes = hex_bytes(w[4]) }
		elseif k == "reply" then
			fx.reply = { ttl = tonumber(w[2]), seq = tonumber(w[3]), bytes = hex_bytes(w[4]) }
		elseif k == "expect-hop" then
			fx.expect_hops[tonumber(w[2])] = w[3]
		elseif k == "expect-final" then
			fx.expect_final = table.concat(w, " ", 2)
		else
			f:close()
			error(path .. ": unknown line '" .. k .. "'")
		end
	end
	f:close()
	return fx
end

-- Feeds a recorded probe through the same calls tracebox's callback makes.
function M.replay(fx)
	local seq = fx.reply and fx.reply.seq or 0
	local probe = M.new_probe(fx.version, fx.options, seq)
	for ttl in pairs(fx.sent) do
		if ttl > probe.max_ttl then
			probe.max_ttl = ttl
		end
	end
	for _, q in ipairs(fx.quotes) do
		M.hop(probe, q.ttl, q.router, fx.sent[q.ttl], q.bytes)
	end
	if fx.reply then
		M.reply(probe, fx.reply.ttl, fx.reply.bytes)
	end
	return probe
end

local function parse_args(args)
	local opts = { files = {}, port = 80, max_ttl = 30 }
	local i = 1
	while i <= #args do
		-- tracebox's getopt takes every "-" word for its own: under tracebox, write the
		-- script's options without dashes (json, key=HEX16, max-ttl=N).
		local a = args[i]:gsub("^%-%-", "")
		local name, value = a:match("^([%w-]+)=(.*)$")
		if name then
			a = name
			table.insert(args, i + 1, value)
		end
		if a == "json" then
			opts.json = true
		elseif a == "replay" then
			opts.replay = true
		elseif a == "key" then
			i = i + 1
			opts.key = args[i]
		elseif a == "max-ttl" then
			i = i + 1
			opts.max_ttl = tonumber(args[i])
		elseif opts.replay then
			opts.files[#opts.files + 1] = a
		elseif opts.target == nil then
			opts.target = a
		else
			opts.port = tonumber(a)
		end
		i = i + 1
	end
	return opts
end

local function random_key()
	local t = {}
	for i = 1, 16 do
		t[i] = string.format("%x", math.random(0, 15))
	end
	return table.concat(t)
end

local function byte_table(s)
	local t = {}
	for i = 1, #s do
		t[i] = s:byte(i)
	end
	return t
end

-- Under tracebox: builds the three probes and runs tracebox on each.
local function run_tracebox(opts)
	if opts.target == nil then
		io.stderr:write("usage: tracebox -s mptcp.lua TARGET [PORT] [json] [key=HEX16] [max-ttl=N]\n")
		return 1
	end
	math.randomseed(os.time())
	local key = opts.key or random_key()
	local probes = {
		{ label = "baseline" },
		{ label = "mptcp-v0", version = 0, options = mptcpscan.probe_options(0, key) },
		{ label = "mptcp-v1", version = 1, options = mptcpscan.probe_options(1) },
	}
	set_ttl_range({ min_ttl = 1, max_ttl = opts.max_ttl })
	for _, p in ipairs(probes) do
		local seq = math.random(0, 2147483647)
		local pkt = ip({ dst = opts.target }) / tcp({ dst = opts.port, seq = seq, flags = 2 })
		if p.options then
			-- Each option as a raw TCPOption: tracebox has no v1 MP_CAPABLE of its own.
			for _, o in ipairs(mptcpscan.options(p.options)) do
				if o.kind == 0 then
					pkt = pkt / eol()
				elseif o.kind == 1 then
					pkt = pkt / nop()
				else
					pkt = pkt / TCPOption.new({ kind = o.kind, length = o.length,
						data = byte_table(o.data) })
				end
			end
		end
		local record = M.new_probe(p.version, p.options, seq)
		p.record = record
		_G.mptcp_callback = function(ttl, router, mods)
			if router == nil then
				return 0
			end
			if router == opts.target then
				return 0
			end
			-- Packet:bytes() gives tables of byte values: the module takes them as they are.
			M.hop(record, ttl, router, mods:original():bytes(), mods:received():bytes())
			return 0
		end
		local answer = tracebox(pkt, { callback = "mptcp_callback" })
		if answer then
			-- tracebox returns the answer as captured: on an Ethernet interface its first
			-- layer is the 14-byte Ethernet header (tostring lists the layers).
			local link = tostring(answer):find("^%s*< Ethernet") and 14 or 0
			M.reply(record, record.max_ttl + 1, answer:bytes(), link)
		end
		if opts.json then
			print(M.json(opts.target, opts.port, p.label, record))
		else
			print(M.text(opts.target, opts.port, p.label, record))
		end
	end
	local recs = {}
	for i, p in ipairs(probes) do
		recs[i] = p.record
	end
	local host = M.host_verdict(recs)
	if opts.json then
		print(json_value({ target = opts.target, port = opts.port, final = host }))
	else
		print(string.format("%s:%s final: %s", opts.target, opts.port, M.verdict_text(host)))
	end
	return 0
end

local function run_replay(opts)
	for _, path in ipairs(opts.files) do
		local fx = M.load_fixture(path)
		local probe = M.replay(fx)
		local label = "mptcp-v" .. fx.version
		if opts.json then
			print(M.json(fx.target, fx.port, label, probe))
		else
			print(M.text(fx.target, fx.port, label, probe))
		end
	end
	return 0
end

if MPTCP_LUA_LIBRARY then
	return M
end
if tracebox then
	return run_tracebox(parse_args(argv or {}))
end
local opts = parse_args(arg or {})
if not opts.replay then
	io.stderr:write("mptcp.lua runs under tracebox (tracebox -s mptcp.lua TARGET), "
		.. "or with --replay FIXTURE...\n")
	os.exit(2)
end
os.exit(run_replay(opts))
