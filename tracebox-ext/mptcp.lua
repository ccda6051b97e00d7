-- mptcp.lua: hop-by-hop MPTCP classification of one target, for tracebox.
--
--   tracebox -s mptcp.lua TARGET [PORT] [json] [key=HEX16] [max-ttl=N] [record=PREFIX]
--   lua5.2 mptcp.lua --replay FIXTURE... [--json]     (recorded probes, no tracebox needed)
--
-- Probes TARGET (an IPv4 or IPv6 address) with a SYN without options (baseline), an MP_CAPABLE
-- v0 SYN and an MP_CAPABLE v1 SYN. Each router's quote is handed to the mptcpscan module, which
-- names what the hop did to the MP_CAPABLE; the target's answer is classified by the module too,
-- and the probe's outcome is the core's conclusion on both (the one `mptcpscan trace` reaches).
-- The script only gathers bytes from tracebox, keeps them per hop and prints what it is given.
--
-- The module must be on Lua's cpath: LUA_CPATH='tracebox-ext/build/lua5.2/?.so;;'.

local mptcpscan = require("mptcpscan")

local M = {}

M.usage = "usage: tracebox -s mptcp.lua TARGET [PORT] [json] [key=HEX16] [max-ttl=N] "
	.. "[record=PREFIX]\n       lua5.2 mptcp.lua --replay FIXTURE... [--json]"

-- Packets as tracebox hands them over ------------------------------------------------------------
--
-- tracebox's Packet:bytes() re-crafts the packet with libcrafter: lengths and checksums are
-- recomputed from the layers libcrafter decoded. An option libcrafter cannot decode (a 4-byte
-- MP_CAPABLE v1: it knows only the 12-byte one) ends the option layers and stays a raw layer, so
-- the re-crafted TCP data offset is too short (11 -> 10) and the checksum is computed anew. The
-- layers keep the values parsed from the wire until bytes() is called: M.view reads them first,
-- and M.wire writes them back, giving the packet as it was on the wire.

-- A field's parsed value, as libcrafter prints the layer ("CheckSum = 0x1411").
local function printed(layer, field)
	local v = tostring(layer):match(field .. " = (0x%x+)")
	return v and tonumber(v:sub(3), 16)
end

-- What the script reads of a tracebox Packet: {bytes = {...} (re-crafted), link = bytes before
-- the IP header, ip = {start, version, payload_len, checksum}, tcp = {start, offset, checksum}}.
function M.view(pkt)
	local v = { link = 0 }
	local at = 0
	for name, size in tostring(pkt):gmatch("< (%w+) %((%d+) bytes%)") do
		if name == "TCP" then
			v.tcp = { start = at }
			break
		end
		if (name == "IP" or name == "IPv6") and v.ip == nil then
			v.ip = { start = at, version = name == "IP" and 4 or 6 }
		end
		at = at + tonumber(size)
		if v.ip == nil then
			v.link = at
		end
	end
	if v.ip then
		local ip = pkt:iplayer()
		v.ip.payload_len = ip:payloadlen()
		if v.ip.version == 4 then
			v.ip.checksum = printed(ip, "CheckSum")
		end
	end
	if v.tcp then
		local tcp = pkt:tcp()
		v.tcp.offset = tcp:offset()
		v.tcp.checksum = printed(tcp, "CheckSum")
	end
	v.bytes = pkt:bytes()
	return v
end

local function put16(b, at, value)
	b[at + 1] = math.floor(value / 256)
	b[at + 2] = value % 256
end

-- The packet of a view as it was on the wire (a string): the parsed lengths, data offset and
-- checksums written back over libcrafter's recomputed ones.
function M.wire(v)
	local b = {}
	for i = 1, #v.bytes do
		b[i] = v.bytes[i]
	end
	if v.ip then
		local s = v.ip.start
		if #b < s + (v.ip.version == 4 and 20 or 40) then
			error("mptcp.lua: packet shorter than its IP header")
		end
		if v.ip.version == 4 then
			put16(b, s + 2, v.ip.payload_len + (b[s + 1] % 16) * 4)
			put16(b, s + 10, v.ip.checksum)
		else
			put16(b, s + 4, v.ip.payload_len)
		end
	end
	if v.tcp then
		local t = v.tcp.start
		if #b < t + 20 then
			error("mptcp.lua: packet shorter than its TCP header")
		end
		b[t + 13] = v.tcp.offset * 16 + b[t + 13] % 16
		put16(b, t + 16, v.tcp.checksum)
	end
	local parts = {}
	for i = 1, #b, 4096 do
		parts[#parts + 1] = string.char((table.unpack or unpack)(b, i, math.min(i + 4095, #b)))
	end
	return table.concat(parts)
end

-- Probes, hops and verdicts ----------------------------------------------------------------------

-- A probe's record: what was sent and what each hop showed.
function M.new_probe(version, options, seq)
	return { version = version, options = options, seq = seq, hops = {}, routers = {},
		max_ttl = 0 }
end

-- The TCP window of a SYN (a string from its IP header on), or nil if it is too short.
local function syn_window(sent)
	if sent == nil or #sent < 1 then
		return nil
	end
	local tcp = math.floor(sent:byte(1) / 16) == 6 and 40 or (sent:byte(1) % 16) * 4
	if #sent < tcp + 16 then
		return nil
	end
	return sent:byte(tcp + 15) * 256 + sent:byte(tcp + 16)
end

-- One router's quote of the probe sent with `ttl` (sent and quote from the IP header on).
function M.hop(probe, ttl, router, sent, quote)
	if ttl > probe.max_ttl then
		probe.max_ttl = ttl
	end
	-- Every TTL's SYN has the same window: the answer is compared with it (M.reply).
	probe.window = probe.window or syn_window(sent)
	probe.routers[ttl] = router
	-- For the baseline, which carries no MP_CAPABLE, the library says "no-information":
	-- only tracebox's field tokens are of interest there.
	local diff = mptcpscan.compare(sent, quote)
	probe.hops[ttl] = diff
	return diff
end

-- The target's answer to the probe sent with `ttl`: an IP packet starting `offset` bytes into
-- `packet` (0 unless a link-layer header precedes it).
function M.reply(probe, ttl, packet, offset)
	probe.reply_ttl = ttl
	if probe.options == nil then
		return nil
	end
	probe.reply = mptcpscan.classify(probe.options, probe.seq, packet, offset or 0,
		probe.window)
	return probe.reply
end

-- The last TTL whose quote counts: the hops before the answer, or every TTL probed.
local function last_hop(probe)
	return probe.reply_ttl and probe.reply_ttl - 1 or probe.max_ttl
end

-- The probe's final verdict, the core's conclusion on these hops and this answer (the one
-- `mptcpscan trace` prints): { outcome = ..., text = ..., and for a middlebox hop = ...,
-- kind = ..., name = ..., last_intact = ... }.
function M.verdict(probe)
	return mptcpscan.conclude(probe.hops, last_hop(probe), probe.reply)
end

-- Of a host's probes' verdicts, the one the core calls most telling.
function M.host_verdict(verdicts)
	local best = verdicts[1]
	for i = 2, #verdicts do
		if mptcpscan.most_telling(best.outcome, verdicts[i].outcome) ~= best.outcome then
			best = verdicts[i]
		end
	end
	return best
end

-- Output -----------------------------------------------------------------------------------------

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

-- One probe as a JSON object (a line of output): the same hops and verdict as M.text.
function M.json(target, port, label, probe)
	local hops = {}
	for ttl = 1, last_hop(probe) do
		local h = probe.hops[ttl]
		if h then
			hops[#hops + 1] = { ttl = ttl, router = probe.routers[ttl], mptcp = h.name,
				tokens = h.tokens }
		else
			hops[#hops + 1] = { ttl = ttl }
		end
	end
	return json_value({ target = target, port = port, probe = label, hops = hops,
		reply = probe.reply, reply_ttl = probe.reply_ttl,
		final = probe.options and M.verdict(probe) or nil })
end

-- One probe as text: a line per hop, then the final verdict (none for the baseline, which has
-- no MP_CAPABLE to judge).
function M.text(target, port, label, probe)
	local lines = { string.format("%s %s", M.endpoint(target, port), label) }
	for ttl = 1, last_hop(probe) do
		local h = probe.hops[ttl]
		if h then
			lines[#lines + 1] = string.format("  %2d %-16s %-28s %s", ttl,
				probe.routers[ttl] or "*", h.name, h.tokens):gsub("%s+$", "")
		else
			lines[#lines + 1] = string.format("  %2d *", ttl)
		end
	end
	if probe.reply_ttl then
		local r = probe.reply
		lines[#lines + 1] = string.format("  %2d %-16s reply %s", probe.reply_ttl, target,
			r and (r.verdict .. (r.signals ~= "" and " [" .. r.signals .. "]" or "")) or "")
			:gsub("%s+$", "")
	end
	if probe.options then
		lines[#lines + 1] = "  final: " .. M.verdict(probe).text
	end
	return table.concat(lines, "\n")
end

-- TARGET:PORT, with brackets around an IPv6 address.
function M.endpoint(target, port)
	if target:find(":", 1, true) then
		return string.format("[%s]:%d", target, port)
	end
	return string.format("%s:%d", target, port)
end

-- Fixtures (tests/fixtures/README.md describes the format) ---------------------------------------

local function hex_bytes(hex)
	if hex:find("[^%x]") or #hex % 2 ~= 0 then
		error("mptcp.lua: not hex bytes: " .. hex:sub(1, 20))
	end
	return (hex:gsub("%x%x", function(b)
		return string.char(tonumber(b, 16))
	end))
end

local function bytes_hex(b)
	local t = {}
	for i = 1, #b do
		t[i] = string.format("%02x", type(b) == "string" and b:byte(i) or b[i])
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

-- A view as fixture words: HEX link=N [ip=START:VERSION:PAYLOADLEN[:CHECKSUM]]
-- [tcp=START:OFFSET:CHECKSUM] (numbers decimal, as read from tracebox).
function M.view_words(v)
	local w = { bytes_hex(v.bytes), "link=" .. v.link }
	if v.ip then
		w[#w + 1] = string.format("ip=%d:%d:%d", v.ip.start, v.ip.version, v.ip.payload_len)
			.. (v.ip.checksum and ":" .. v.ip.checksum or "")
	end
	if v.tcp then
		w[#w + 1] = string.format("tcp=%d:%d:%d", v.tcp.start, v.tcp.offset, v.tcp.checksum)
	end
	return table.concat(w, " ")
end

-- The packet of a fixture line's words from index i: a view (recorded through tracebox) or the
-- wire bytes alone (recorded with tcpdump). Returns the wire bytes, the link header length and
-- the view (nil for a wire recording).
local function fixture_packet(w, i, path)
	local bytes = hex_bytes(assert(w[i], path .. ": packet bytes missing"))
	if w[i + 1] == nil then
		return bytes, 0, nil
	end
	local v = { bytes = byte_table(bytes), words = table.concat(w, " ", i) }
	for j = i + 1, #w do
		local key, value = w[j]:match("^(%a+)=(.*)$")
		local n = {}
		for x in (value or ""):gmatch("[^:]+") do
			n[#n + 1] = tonumber(x)
		end
		if key == "link" and n[1] then
			v.link = n[1]
		elseif key == "ip" and #n >= 3 then
			v.ip = { start = n[1], version = n[2], payload_len = n[3], checksum = n[4] }
		elseif key == "tcp" and #n == 3 then
			v.tcp = { start = n[1], offset = n[2], checksum = n[3] }
		else
			error(path .. ": bad packet word '" .. w[j] .. "'")
		end
	end
	return M.wire(v), v.link or 0, v
end

-- Reads a recorded probe.
function M.load_fixture(path)
	local f = assert(io.open(path, "r"))
	local fx = { sent = {}, quotes = {}, expect_hops = {}, path = path, packets = {} }
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
		elseif k == "family" then
			fx.family = tonumber(w[2])
		elseif k == "target" then
			fx.target, fx.port = w[2], tonumber(w[3])
		elseif k == "version" then
			fx.version = tonumber(w[2])
		elseif k == "key" then
			fx.key = w[2]
		elseif k == "options" then
			fx.options = hex_bytes(w[2])
		elseif k == "sent" then
			local ttl = tonumber(w[2])
			local bytes, _, view = fixture_packet(w, 3, path)
			fx.sent[ttl] = bytes
			fx.packets[#fx.packets + 1] = { kind = k, bytes = bytes, link = 0, view = view }
		elseif k == "quote" then
			local bytes, _, view = fixture_packet(w, 4, path)
			fx.quotes[#fx.quotes + 1] = { ttl = tonumber(w[2]), router = w[3], bytes = bytes }
			fx.packets[#fx.packets + 1] = { kind = k, bytes = bytes, link = 0, view = view }
		elseif k == "reply" then
			local bytes, link, view = fixture_packet(w, 4, path)
			fx.reply = { ttl = tonumber(w[2]), seq = tonumber(w[3]), bytes = bytes,
				link = link }
			fx.packets[#fx.packets + 1] = { kind = k, bytes = bytes, link = link, view = view }
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
		probe.window = probe.window or syn_window(fx.sent[fx.reply.ttl])
		M.reply(probe, fx.reply.ttl, fx.reply.bytes, fx.reply.link)
	end
	return probe
end

-- Arguments --------------------------------------------------------------------------------------

-- A whole number in [lo, hi] written in decimal digits, or nil.
local function number_in(s, lo, hi)
	if s == nil or not s:match("^%d+$") then
		return nil
	end
	local n = tonumber(s)
	if n < lo or n > hi then
		return nil
	end
	return n
end

-- The script's options, or nil and the reason. Under tracebox the options have no dashes
-- (tracebox's getopt takes every "-" word for its own); --json and --replay are for replay.
function M.parse_args(args)
	local opts = { files = {}, port = 80, max_ttl = 30 }
	local positional = {}
	for i = 1, #args do
		local a = args[i]
		local name, value = a:gsub("^%-%-", ""):match("^([%a-]+)=(.*)$")
		local word = a:gsub("^%-%-", "")
		if word == "json" then
			opts.json = true
		elseif word == "replay" then
			opts.replay = true
		elseif name == "key" then
			if not value:match("^%x+$") or #value ~= 16 then
				return nil, "key must be 16 hex digits: " .. value
			end
			opts.key = value
		elseif name == "max-ttl" then
			opts.max_ttl = number_in(value, 1, 255)
			if opts.max_ttl == nil then
				return nil, "max-ttl must be a number from 1 to 255: " .. value
			end
		elseif name == "record" then
			if value == "" then
				return nil, "record needs a file name prefix"
			end
			opts.record = value
		elseif name or a:sub(1, 1) == "-" then
			return nil, "unknown option: " .. a
		else
			positional[#positional + 1] = a
		end
	end
	if opts.replay then
		if #positional == 0 then
			return nil, "--replay needs fixture files"
		end
		opts.files = positional
		return opts
	end
	if #positional == 0 then
		return nil, "no target given"
	end
	if #positional > 2 then
		return nil, "unexpected argument: " .. positional[3]
	end
	opts.target = positional[1]
	local ok, _, family = pcall(mptcpscan.address, opts.target)
	if not ok then
		return nil, "TARGET must be an IPv4 or IPv6 address: " .. opts.target
	end
	opts.family = family
	if positional[2] then
		opts.port = number_in(positional[2], 1, 65535)
		if opts.port == nil then
			return nil, "PORT must be a number from 1 to 65535: " .. positional[2]
		end
	end
	return opts
end

-- Under tracebox ---------------------------------------------------------------------------------

local function random_key()
	local t = {}
	for i = 1, 16 do
		t[i] = string.format("%x", math.random(0, 15))
	end
	return table.concat(t)
end

-- Whether two address strings name the same address (2001:db8::1 and 2001:DB8:0::1 do).
function M.same_address(a, b)
	local ok_a, addr_a = pcall(mptcpscan.address, a)
	local ok_b, addr_b = pcall(mptcpscan.address, b)
	return ok_a and ok_b and addr_a == addr_b
end

-- The host's line: the most telling of its MP_CAPABLE probes' verdicts.
local function print_host(opts, verdicts)
	local host = M.host_verdict(verdicts)
	if opts.json then
		print(json_value({ target = opts.target, port = opts.port, final = host }))
	else
		print(M.endpoint(opts.target, opts.port) .. " final: " .. host.text)
	end
end

-- The probe's SYN as a tracebox packet.
local function build_probe(opts, seq, options)
	local net = opts.family == 6 and ipv6({ dst = opts.target }) or ip({ dst = opts.target })
	local pkt = net / tcp({ dst = opts.port, seq = seq, flags = 2 })
	-- Each option as a raw TCPOption: tracebox has no v1 MP_CAPABLE of its own.
	for _, o in ipairs(options and mptcpscan.options(options) or {}) do
		if o.kind == 0 then
			pkt = pkt / eol()
		elseif o.kind == 1 then
			pkt = pkt / nop()
		else
			pkt = pkt / TCPOption.new({ kind = o.kind, length = o.length,
				data = byte_table(o.data) })
		end
	end
	return pkt
end

-- Opens the recording of one probe (record=PREFIX): what tracebox handed over, as fixture lines.
local function open_record(opts, p)
	local path = string.format("%s-%s.txt", opts.record, p.label)
	local f = assert(io.open(path, "w"))
	f:write("# recorded through tracebox by mptcp.lua record=", opts.record, "\n")
	f:write(string.format("family %d\ntarget %s %d\nversion %d\n", opts.family, opts.target,
		opts.port, p.version))
	if p.key then
		f:write("key ", p.key, "\n")
	end
	f:write("options ", bytes_hex(p.options), "\n")
	return f
end

-- Builds the three probes and runs tracebox on each.
local function run_tracebox(opts)
	math.randomseed(os.time())
	local key = opts.key or random_key()
	local probes = {
		{ label = "baseline" },
		{ label = "mptcp-v0", version = 0, key = key, options = mptcpscan.probe_options(0, key) },
		{ label = "mptcp-v1", version = 1, options = mptcpscan.probe_options(1) },
	}
	set_ttl_range({ min_ttl = 1, max_ttl = opts.max_ttl })
	local verdicts = {}
	for _, p in ipairs(probes) do
		local seq = math.random(0, 2147483647)
		local record = M.new_probe(p.version, p.options, seq)
		local rec = opts.record and p.options and open_record(opts, p)
		_G.mptcp_callback = function(ttl, router, mods)
			if ttl > record.max_ttl then
				record.max_ttl = ttl
			end
			if router == nil then
				return 0
			end
			local sent = M.view(mods:original())
			if rec then
				rec:write(string.format("sent %d %s\n", ttl, M.view_words(sent)))
			end
			if M.same_address(opts.target, router) then
				-- The answer itself: tracebox returns it below.
				record.answer_ttl = ttl
				return 0
			end
			local quote = M.view(mods:received())
			if rec then
				rec:write(string.format("quote %d %s %s\n", ttl, router, M.view_words(quote)))
			end
			M.hop(record, ttl, router, M.wire(sent), M.wire(quote))
			return 0
		end
		local answer = tracebox(build_probe(opts, seq, p.options), { callback = "mptcp_callback" })
		if answer then
			local v = M.view(answer)
			local ttl = record.answer_ttl or record.max_ttl
			if rec then
				rec:write(string.format("reply %d %d %s\n", ttl, seq, M.view_words(v)))
			end
			M.reply(record, ttl, M.wire(v), v.link)
		end
		if rec then
			rec:close()
		end
		if opts.json then
			print(M.json(opts.target, opts.port, p.label, record))
		else
			print(M.text(opts.target, opts.port, p.label, record))
		end
		if p.options then
			verdicts[#verdicts + 1] = M.verdict(record)
		end
	end
	print_host(opts, verdicts)
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
	local opts, err = M.parse_args(argv or {})
	if not opts or opts.replay then
		io.stderr:write("mptcp.lua: ", err or "--replay runs outside tracebox", "\n", M.usage, "\n")
		return 2
	end
	return run_tracebox(opts)
end
local opts, err = M.parse_args(arg or {})
if not opts or not opts.replay then
	io.stderr:write("mptcp.lua: ", err or "runs under tracebox (tracebox -s mptcp.lua TARGET), "
		.. "or with --replay FIXTURE...", "\n", M.usage, "\n")
	os.exit(2)
end
os.exit(run_replay(opts))
