-- A test double for the packets tracebox hands to a script: decodes wire bytes the way
-- libcrafter (tracebox's submodule, pellegre/libcrafter 3db70ab) does, and re-crafts them the
-- way its Packet:bytes() does, so that tests without tracebox see what mptcp.lua sees under it.
--
-- Modelled on libcrafter's decoder and crafting (facts, not code):
--   * layers are decoded in order; a layer whose fixed size exceeds the bytes left ends the
--     decoding, the rest becomes a raw layer;
--   * TCP options: EOL and NOP are 1-byte layers, MSS 4, window scale 3, timestamps 10 bytes,
--     MP_CAPABLE (any length) a fixed 12-byte layer; other options take their length byte
--     (cut to the option space left); the option layers stop when the data offset's option
--     space is used up, and what follows is a raw layer;
--   * bytes() recomputes the TCP data offset (5 + option layer bytes / 4), the TCP checksum, the
--     IPv4 total length and header checksum and the IPv6 payload length;
--   * until then a layer prints (tostring) and returns (offset(), payloadlen()) the values
--     parsed from the wire.
-- Anything else (IPv4 options, IPv6 extension headers, MP_JOIN, EDO) is refused, not guessed.
--
--   local crafter = dofile("tests/crafter.lua")
--   local pkt = crafter.packet(wire_bytes [, link_header_length [, built]])
--   pkt:bytes(), pkt:tcp():offset(), pkt:iplayer():payloadlen(), tostring(pkt)

local C = {}

local function u16(b, at)
	return b[at + 1] * 256 + b[at + 2]
end

local function put16(b, at, v)
	b[at + 1] = math.floor(v / 256)
	b[at + 2] = v % 256
end

-- The one's complement sum of the 16-bit words of b[from+1 .. to] (an odd tail padded with a
-- zero), not yet folded.
local function sum16(b, from, to)
	local sum = 0
	for i = from, to - 1, 2 do
		sum = sum + b[i + 1] * 256 + (i + 1 < to and b[i + 2] or 0)
	end
	return sum
end

-- The Internet checksum of an unfolded sum.
local function checksum(sum)
	while sum > 0xffff do
		sum = sum % 0x10000 + math.floor(sum / 0x10000)
	end
	return 0xffff - sum
end

local Layer = {}
Layer.__index = Layer
Layer.__tostring = function(l)
	local fields = {}
	for _, f in ipairs(l.fields) do
		fields[#fields + 1] = f
	end
	return string.format("< %s (%d bytes) :: %s , >", l.name, l.size, table.concat(fields, " , "))
end

function Layer:offset()
	return self.data_offset
end

function Layer:payloadlen()
	return self.payload_len
end

local function layer(name, size, fields)
	return setmetatable({ name = name, size = size, fields = fields or {} }, Layer)
end

local Packet = {}
Packet.__index = Packet
Packet.__tostring = function(p)
	local lines = {}
	for i, l in ipairs(p.layers) do
		lines[i] = tostring(l)
	end
	return table.concat(lines, "\n") .. "\n"
end

function Packet:tcp()
	return self.tcp_layer
end

function Packet:iplayer()
	return self.ip_layer
end

-- The re-crafted bytes, as a table of byte values (what tracebox's Packet:bytes() returns).
function Packet:bytes()
	local b = {}
	for i = 1, #self.wire do
		b[i] = self.wire[i]
	end
	local ip, t = self.ip_start, self.tcp_start
	if t then
		b[t + 13] = (5 + math.floor(self.option_bytes / 4)) * 16 + b[t + 13] % 16
		put16(b, t + 16, 0)
		-- Pseudo-header: the addresses, the protocol and the TCP length.
		local pseudo = self.version == 4 and sum16(b, ip + 12, ip + 20) or sum16(b, ip + 8, ip + 40)
		put16(b, t + 16, checksum(pseudo + 6 + (#b - t) + sum16(b, t, #b)))
	end
	if self.version == 4 then
		put16(b, ip + 2, #b - ip)
		put16(b, ip + 10, 0)
		put16(b, ip + 10, checksum(sum16(b, ip, ip + 20)))
	elseif self.version == 6 then
		put16(b, ip + 4, #b - ip - 40)
	end
	return b
end

-- Option layers by kind: libcrafter's layer name and fixed size (nil: the length byte decides).
local option_layers = {
	[0] = { "TCPOptionPad", 1 },
	[1] = { "TCPOptionPad", 1 },
	[2] = { "TCPOptionMaxSegSize", 4 },
	[3] = { "TCPOptionWindowScale", 3 },
	[8] = { "TCPOptionTimestamp", 10 },
}

-- Decodes the TCP options at b[at+1..] within `space` option bytes; returns the option layers'
-- total size and the offset where decoding stopped. A packet the script built holds the option
-- layers it was built from: one per option, each as long as the option.
local function decode_options(p, b, at, space, built)
	local total = 0
	while space > 0 do
		local kind = b[at + 1]
		local name, size
		if built then
			name = "TCPOption"
			size = (kind <= 1 or #b - at < 2) and 1 or math.max(2, b[at + 2])
		elseif option_layers[kind] then
			name, size = option_layers[kind][1], option_layers[kind][2]
		elseif kind == 30 then
			local subtype = b[at + 3] and math.floor(b[at + 3] / 16)
			if subtype ~= 0 then
				error("crafter.lua: MPTCP option subtype " .. tostring(subtype) .. " not modelled")
			end
			name, size = "TCPOptionMPTCPCapable", 12
		elseif kind == 69 then
			error("crafter.lua: EDO not modelled")
		else
			name = "TCPOption"
			if #b - at < 2 then
				return total, at
			end
			local len = math.min(b[at + 2], space)
			size = 2 + (len > 2 and len - 2 or 0)
		end
		if size > #b - at then
			return total, at
		end
		p.layers[#p.layers + 1] = layer(name, size, { "Kind = " .. kind })
		total, at, space = total + size, at + size, space - size
	end
	return total, at
end

-- A tracebox-like packet over `wire` (a string), whose first `link` bytes are a link header,
-- as libcrafter decodes a received one (a router's quote, the answer); `built` for the probe the
-- script built itself (PacketModifications:original()), which is not decoded.
function C.packet(wire, link, built)
	link = link or 0
	local b = {}
	for i = 1, #wire do
		b[i] = wire:byte(i)
	end
	local p = setmetatable({ wire = b, layers = {}, option_bytes = 0 }, Packet)
	if link > 0 then
		p.layers[1] = layer("Ethernet", link)
	end
	local at = link
	local version = b[at + 1] and math.floor(b[at + 1] / 16)
	local next_proto
	if version == 4 and #b - at >= 20 then
		if b[at + 1] % 16 ~= 5 then
			error("crafter.lua: IPv4 options not modelled")
		end
		p.ip_layer = layer("IP", 20, { "TotalLength = " .. u16(b, at + 2),
			string.format("CheckSum = 0x%x", u16(b, at + 10)) })
		p.ip_layer.payload_len = u16(b, at + 2) - 20
		next_proto, p.version, p.ip_start = b[at + 10], 4, at
		at = at + 20
	elseif version == 6 and #b - at >= 40 then
		p.ip_layer = layer("IPv6", 40, { "PayloadLength = " .. u16(b, at + 4) })
		p.ip_layer.payload_len = u16(b, at + 4)
		next_proto, p.version, p.ip_start = b[at + 7], 6, at
		at = at + 40
	else
		error("crafter.lua: not an IPv4 or IPv6 packet")
	end
	p.layers[#p.layers + 1] = p.ip_layer
	if next_proto ~= 6 then
		error("crafter.lua: only TCP modelled (next header " .. next_proto .. ")")
	end
	if #b - at >= 20 then
		local offset = math.floor(b[at + 13] / 16)
		p.tcp_layer = layer("TCP", 20, { "DataOffset = " .. offset,
			string.format("CheckSum = 0x%x", u16(b, at + 16)) })
		p.tcp_layer.data_offset = offset
		p.layers[#p.layers + 1] = p.tcp_layer
		p.tcp_start = at
		p.option_bytes, at = decode_options(p, b, at + 20, 4 * (offset - 5), built)
	end
	if at < #b then
		p.layers[#p.layers + 1] = layer("RawLayer", #b - at)
	end
	return p
end

return C
