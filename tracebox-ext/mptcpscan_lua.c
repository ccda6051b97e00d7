/*
 * mptcpscan -- a Lua module over libmptcpscan for tracebox scripts.
 *
 * Glue only: every decision (probe bytes, quote diffs, what a hop did to
 * MP_CAPABLE, reply verdicts) is made by the C ABI in include/mptcpscan.h.
 * Packets come in as Lua strings or as tables of byte values (tracebox's
 * Packet:bytes() returns the latter); 64-bit keys travel as 16 hex digits
 * because Lua 5.2 has no 64-bit integers.
 *
 * Builds against Lua 5.2, 5.3 and 5.4.
 */

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "mptcpscan.h"

/* Largest packet accepted: an IPv6 jumbo quote is not a tracebox case. */
#define PACKET_MAX 65535

/* Raises a Lua error naming the failed call and the library's reason. */
static int fail(lua_State *L, const char *what, mptcpscan_result r)
{
	return luaL_error(L, "mptcpscan.%s: %s", what, mptcpscan_strerror(r));
}

/*
 * Raises a Lua error about an argument, in the module's one form
 * ("mptcpscan.<function>: <reason>") rather than luaL_argerror's.
 */
static int arg_fail(lua_State *L, const char *what, int idx, const char *why)
{
	return luaL_error(L, "mptcpscan.%s: argument %d: %s", what, idx, why);
}

static lua_Integer check_integer(lua_State *L, const char *what, int idx)
{
	lua_Number v;

	if (lua_type(L, idx) != LUA_TNUMBER)
		return arg_fail(L, what, idx, "number expected");
	v = lua_tonumber(L, idx);
	if (v != (lua_Number)(lua_Integer)v)
		return arg_fail(L, what, idx, "integer expected");
	return (lua_Integer)v;
}

/*
 * Reads the bytes at stack index idx (a string, or a table of numbers 0-255)
 * into a fresh userdata-backed buffer left on the stack; returns its start.
 */
static const uint8_t *check_bytes(lua_State *L, const char *what, int idx, size_t *len)
{
	uint8_t *buf;
	size_t i, n;

	if (lua_type(L, idx) == LUA_TSTRING)
		return (const uint8_t *)lua_tolstring(L, idx, len);
	if (lua_type(L, idx) != LUA_TTABLE) {
		arg_fail(L, what, idx, "string or table of bytes expected");
		return NULL;
	}
	n = (size_t)lua_rawlen(L, idx);
	if (n > PACKET_MAX) {
		arg_fail(L, what, idx, "more bytes than a packet holds");
		return NULL;
	}
	buf = lua_newuserdata(L, n ? n : 1);
	for (i = 0; i < n; i++) {
		lua_Number v;

		lua_rawgeti(L, idx, (int)(i + 1));
		if (lua_type(L, -1) != LUA_TNUMBER) {
			arg_fail(L, what, idx, "table holds a non-number");
			return NULL;
		}
		v = lua_tonumber(L, -1);
		lua_pop(L, 1);
		if (!(v >= 0 && v <= 255) || v != (lua_Number)(uint8_t)v) {
			arg_fail(L, what, idx, "byte value outside 0-255");
			return NULL;
		}
		buf[i] = (uint8_t)v;
	}
	lua_replace(L, idx);
	*len = n;
	return buf;
}

static uint64_t check_key(lua_State *L, const char *what, int idx)
{
	size_t len = 0, i;
	const char *hex = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &len) : NULL;
	uint64_t key = 0;

	if (hex == NULL || len != 16)
		arg_fail(L, what, idx, "key must be 16 hex digits");
	for (i = 0; i < len; i++) {
		char c = hex[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return (uint64_t)arg_fail(L, what, idx, "key must be 16 hex digits");
		key = key << 4 | d;
	}
	return key;
}

static void push_key(lua_State *L, uint64_t key)
{
	char hex[17];

	snprintf(hex, sizeof(hex), "%016" PRIx64, key);
	lua_pushstring(L, hex);
}

static void set_string(lua_State *L, const char *field, const char *value)
{
	lua_pushstring(L, value);
	lua_setfield(L, -2, field);
}

static void set_int(lua_State *L, const char *field, lua_Integer value)
{
	lua_pushinteger(L, value);
	lua_setfield(L, -2, field);
}

static void set_bool(lua_State *L, const char *field, int value)
{
	lua_pushboolean(L, value);
	lua_setfield(L, -2, field);
}

/* The companion option set named at idx (the library's names; "linux" when absent). */
static uint32_t check_companions(lua_State *L, int idx)
{
	const char *name;
	uint32_t companions;

	if (lua_isnoneornil(L, idx))
		return MPTCPSCAN_COMPANIONS_LINUX;
	name = lua_tostring(L, idx);
	if (name != NULL && mptcpscan_companions_from_name(name, &companions) ==
				    MPTCPSCAN_RESULT_OK)
		return companions;
	return (uint32_t)arg_fail(L, "probe_options", idx,
				  "companions must be linux, windows, bsd, minimal or study2021");
}

/* Sets field to the library's name for a value, from one of its *_name functions. */
static void set_name(lua_State *L, const char *field, const char *what,
		     mptcpscan_result (*name_of)(uint32_t, const char **), uint32_t value)
{
	const char *name;
	mptcpscan_result r = name_of(value, &name);

	if (r != MPTCPSCAN_RESULT_OK)
		fail(L, what, r);
	set_string(L, field, name);
}

/*
 * probe_options(version [, key_hex [, companions]]) -> string
 * The TCP option block of an MP_CAPABLE SYN (v0 carries key_hex).
 */
static int l_probe_options(lua_State *L)
{
	struct mptcpscan_probe_spec spec;
	uint8_t buf[MPTCPSCAN_MAX_OPTIONS_LEN];
	size_t written;
	lua_Integer version = check_integer(L, "probe_options", 1);
	uint64_t key = 0;
	uint32_t companions;
	mptcpscan_result r;

	if (version != 0 && version != 1)
		return arg_fail(L, "probe_options", 1, "version must be 0 or 1");
	if (version == 0)
		key = check_key(L, "probe_options", 2);
	companions = check_companions(L, 3);
	r = mptcpscan_probe_spec_default((uint32_t)version, key, companions, &spec);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "probe_options", r);
	r = mptcpscan_probe_options(&spec, buf, sizeof(buf), &written);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "probe_options", r);
	lua_pushlstring(L, (const char *)buf, written);
	return 1;
}

/*
 * options(block) -> { {kind=, length=, data=string}, ... }
 * Splits an option block into options, for tracebox's TCPOption.new.
 */
static int l_options(lua_State *L)
{
	struct mptcpscan_tcp_option opts[MPTCPSCAN_MAX_OPTIONS_LEN];
	size_t len, count, i;
	const uint8_t *area = check_bytes(L, "options", 1, &len);
	mptcpscan_result r;

	r = mptcpscan_options_walk(area, len, opts, MPTCPSCAN_MAX_OPTIONS_LEN, &count);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "options", r);
	lua_createtable(L, (int)count, 0);
	for (i = 0; i < count; i++) {
		lua_createtable(L, 0, 3);
		set_int(L, "kind", opts[i].kind);
		set_int(L, "length", (lua_Integer)opts[i].length);
		lua_pushlstring(L, (const char *)area + opts[i].data_offset, opts[i].data_length);
		lua_setfield(L, -2, "data");
		lua_rawseti(L, -2, (int)(i + 1));
	}
	return 1;
}

static int push_hop_name(lua_State *L, const struct mptcpscan_mptcp_hop *hop)
{
	char name[64];
	size_t written;
	mptcpscan_result r = mptcpscan_mptcp_hop_format(hop, name, sizeof(name), &written);

	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "hop name", r);
	lua_pushlstring(L, name, written);
	return 1;
}

/*
 * compare(sent, quote) -> table
 * What the hop that quoted `quote` shows of our packet `sent` (both from the
 * IP header on): fields kind, name, hamming, sent_len, quoted_len, partial,
 * reach, changes (count) and tokens (tracebox's notation).
 */
static int l_compare(lua_State *L)
{
	struct mptcpscan_quote_diff diff;
	struct mptcpscan_quote_change changes[MPTCPSCAN_QUOTE_MAX_CHANGES];
	char tokens[1024];
	size_t sent_len, quote_len, written;
	const uint8_t *sent = check_bytes(L, "compare", 1, &sent_len);
	const uint8_t *quote = check_bytes(L, "compare", 2, &quote_len);
	mptcpscan_result r;

	r = mptcpscan_quote_compare(sent, sent_len, quote, quote_len, &diff, changes,
				    MPTCPSCAN_QUOTE_MAX_CHANGES);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "compare", r);
	r = mptcpscan_quote_tokens(sent, sent_len, quote, quote_len, tokens, sizeof(tokens),
				   &written);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "compare", r);
	lua_createtable(L, 0, 10);
	set_name(L, "kind", "compare", mptcpscan_mptcp_hop_kind_name, diff.mptcp.kind);
	push_hop_name(L, &diff.mptcp);
	lua_setfield(L, -2, "name");
	set_int(L, "hamming", diff.mptcp.hamming);
	set_int(L, "sent_len", diff.mptcp.sent_len);
	set_int(L, "quoted_len", diff.mptcp.quoted_len);
	set_bool(L, "partial", diff.is_partial);
	set_name(L, "reach", "compare", mptcpscan_reach_name, diff.reach);
	set_int(L, "changes", diff.change_count);
	lua_pushlstring(L, tokens, written);
	lua_setfield(L, -2, "tokens");
	return 1;
}

static uint8_t hop_kind_of(lua_State *L, const char *what, int idx)
{
	const char *kind, *known;
	uint32_t i;

	lua_getfield(L, idx, "kind");
	kind = lua_tostring(L, -1);
	lua_pop(L, 1);
	if (kind == NULL)
		return (uint8_t)luaL_error(L, "mptcpscan.%s: a hop has no kind", what);
	for (i = 0; mptcpscan_mptcp_hop_kind_name(i, &known) == MPTCPSCAN_RESULT_OK; i++)
		if (strcmp(kind, known) == 0)
			return (uint8_t)i;
	return (uint8_t)luaL_error(L, "mptcpscan.%s: unknown hop kind '%s'", what, kind);
}

static lua_Integer int_field(lua_State *L, int idx, const char *field)
{
	lua_Integer v;

	lua_getfield(L, idx, field);
	v = lua_isnumber(L, -1) ? lua_tointeger(L, -1) : 0;
	lua_pop(L, 1);
	return v;
}

/*
 * Reads hops[1..count] at stack index 1 (compare() results, nil for a silent
 * hop) into out[0..count-1], for `what`.
 */
static lua_Integer check_hops(lua_State *L, const char *what, struct mptcpscan_mptcp_hop *out)
{
	lua_Integer count, i;

	if (!lua_istable(L, 1))
		return arg_fail(L, what, 1, "table of hops expected");
	count = check_integer(L, what, 2);
	if (count < 0 || count > 255)
		return arg_fail(L, what, 2, "0 to 255 hops");
	memset(out, 0, 255 * sizeof(*out));
	for (i = 0; i < count; i++) {
		lua_rawgeti(L, 1, (int)(i + 1));
		if (lua_istable(L, -1)) {
			out[i].kind = hop_kind_of(L, what, -1);
			out[i].hamming = (uint8_t)int_field(L, -1, "hamming");
			out[i].sent_len = (uint16_t)int_field(L, -1, "sent_len");
			out[i].quoted_len = (uint16_t)int_field(L, -1, "quoted_len");
		}
		lua_pop(L, 1);
	}
	return count;
}

/* Sets the fields of a path change in the table on top of the stack. */
static void set_change(lua_State *L, const struct mptcpscan_path_change *change)
{
	set_int(L, "hop", change->hop);
	set_name(L, "kind", "hop kind", mptcpscan_mptcp_hop_kind_name, change->summary.kind);
	push_hop_name(L, &change->summary);
	lua_setfield(L, -2, "name");
	if (change->has_last_intact)
		set_int(L, "last_intact", change->last_intact);
}

/*
 * first_change(hops, count) -> nil | {hop=, kind=, name=, last_intact=}
 * hops[ttl] is a compare() result, or nil for a silent hop; count is the
 * number of TTLs probed.
 */
static int l_first_change(lua_State *L)
{
	struct mptcpscan_mptcp_hop hops[255];
	struct mptcpscan_path_change change;
	lua_Integer count = check_hops(L, "first_change", hops);
	mptcpscan_result r;

	r = mptcpscan_first_mptcp_change(hops, (size_t)count, &change);
	if (r == MPTCPSCAN_RESULT_NOT_FOUND) {
		lua_pushnil(L);
		return 1;
	}
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "first_change", r);
	lua_createtable(L, 0, 4);
	set_change(L, &change);
	return 1;
}

/* The mptcpscan_verdict value named `name`, for conclude(). */
static uint32_t verdict_of(lua_State *L, const char *name)
{
	const char *known;
	uint32_t v;

	for (v = 0; mptcpscan_verdict_name(v, &known) == MPTCPSCAN_RESULT_OK; v++)
		if (strcmp(name, known) == 0)
			return v;
	return (uint32_t)arg_fail(L, "conclude", 3, "unknown reply verdict");
}

/*
 * conclude(hops, count [, reply])
 *     -> {outcome=, text=, interference=, hop=, kind=, name=, last_intact=}
 * The core's conclusion on one probe's trace: hops[1..count] as for
 * first_change (the hops before the answer), reply the classify() result on
 * the target's answer (nil when nothing answered). outcome is the outcome's
 * name, text the conclusion as every tool prints it, interference what that
 * path's middlebox did ("none", "stripped", "rewritten", "resized"); hop, kind,
 * name and last_intact describe the first changed hop of a middlebox-affected
 * path.
 */
static int l_conclude(lua_State *L)
{
	struct mptcpscan_mptcp_hop hops[255];
	struct mptcpscan_trace_conclusion c;
	char text[128];
	const char *outcome, *interference;
	size_t written;
	lua_Integer count = check_hops(L, "conclude", hops);
	uint32_t verdict = 0, kind = 0;
	uint8_t answered = 0;
	mptcpscan_result r;

	if (!lua_isnoneornil(L, 3)) {
		const char *name;

		if (!lua_istable(L, 3))
			return arg_fail(L, "conclude", 3, "classify() result expected");
		lua_getfield(L, 3, "verdict");
		name = lua_tostring(L, -1);
		if (name == NULL)
			return arg_fail(L, "conclude", 3, "reply has no verdict");
		verdict = verdict_of(L, name);
		lua_pop(L, 1);
		answered = 1;
	}
	r = mptcpscan_trace_conclude(hops, (size_t)count, answered, verdict, &c);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "conclude", r);
	r = mptcpscan_trace_outcome_name(c.outcome, &outcome);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "conclude", r);
	r = mptcpscan_trace_conclusion_format(&c, text, sizeof(text), &written);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "conclude", r);
	r = mptcpscan_trace_conclusion_interference(&c, &kind);
	if (r == MPTCPSCAN_RESULT_OK)
		r = mptcpscan_trace_interference_name(kind, &interference);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "conclude", r);
	lua_createtable(L, 0, 7);
	set_string(L, "outcome", outcome);
	set_string(L, "interference", interference);
	lua_pushlstring(L, text, written);
	lua_setfield(L, -2, "text");
	if (c.has_change)
		set_change(L, &c.change);
	return 1;
}

/* The mptcpscan_trace_outcome value named at stack index idx. */
static uint32_t outcome_of(lua_State *L, int idx)
{
	const char *name = lua_tostring(L, idx);
	const char *known;
	uint32_t v;

	for (v = 0; name && mptcpscan_trace_outcome_name(v, &known) == MPTCPSCAN_RESULT_OK; v++)
		if (strcmp(name, known) == 0)
			return v;
	return (uint32_t)arg_fail(L, "most_telling", idx, "not a trace outcome");
}

/*
 * most_telling(outcome_a, outcome_b) -> outcome
 * Of two probes' outcomes (names) for one host, the one that tells more.
 */
static int l_most_telling(lua_State *L)
{
	uint32_t a = outcome_of(L, 1), b = outcome_of(L, 2), best;
	const char *name;
	mptcpscan_result r;

	r = mptcpscan_trace_outcome_most_telling(a, b, &best);
	if (r == MPTCPSCAN_RESULT_OK)
		r = mptcpscan_trace_outcome_name(best, &name);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "most_telling", r);
	lua_pushstring(L, name);
	return 1;
}

/*
 * Sets field optionstext of the table on top of the stack to the library's
 * text of the TCP options in `packet` (an IP packet), when it finds them.
 */
static void push_ip_options_text(lua_State *L, const uint8_t *packet, size_t len)
{
	char text[MPTCPSCAN_OPTIONS_TEXT_LEN];
	size_t at, area_len, written;

	if (mptcpscan_ip_tcp_options(packet, len, &at, &area_len) != MPTCPSCAN_RESULT_OK ||
	    mptcpscan_options_text(packet + at, area_len, text, sizeof(text), &written) !=
		    MPTCPSCAN_RESULT_OK)
		return;
	lua_pushlstring(L, text, written);
	lua_setfield(L, -2, "optionstext");
}

/*
 * options_text(block) -> string
 * An option block as the optionstext field every mptcpscan tool prints
 * ("MSS:1460 SACKPERM ... MPCAPABLE:v1:flags=01:key=...").
 */
static int l_options_text(lua_State *L)
{
	char text[MPTCPSCAN_OPTIONS_TEXT_LEN];
	size_t len, written;
	const uint8_t *area = check_bytes(L, "options_text", 1, &len);
	mptcpscan_result r = mptcpscan_options_text(area, len, text, sizeof(text), &written);

	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "options_text", r);
	lua_pushlstring(L, text, written);
	return 1;
}

/*
 * classify(probe_options, seq, reply [, offset [, window]]) -> {verdict=, signals=, key=, version=, ttl=, optionstext=}
 * The verdict on a reply (a whole IP packet, starting `offset` bytes into
 * `reply`: tracebox hands the answer over with its link-layer header) to the
 * SYN whose option block was probe_options and whose sequence number was seq;
 * with window, the SYN's TCP window too (a reply repeating it is a signal).
 */
static int l_classify(lua_State *L)
{
	struct mptcpscan_probe_info probe;
	struct mptcpscan_classification out;
	char signals[320];
	const char *verdict;
	size_t opts_len, reply_len, written;
	const uint8_t *opts = check_bytes(L, "classify", 1, &opts_len);
	lua_Number seq = lua_type(L, 2) == LUA_TNUMBER ? lua_tonumber(L, 2) : -1;
	const uint8_t *reply = check_bytes(L, "classify", 3, &reply_len);
	lua_Integer offset = lua_isnoneornil(L, 4) ? 0 : check_integer(L, "classify", 4);
	lua_Integer window = lua_isnoneornil(L, 5) ? -1 : check_integer(L, "classify", 5);
	mptcpscan_result r;

	if (!(seq >= 0 && seq <= 4294967295.0) || seq != (lua_Number)(uint32_t)seq)
		return arg_fail(L, "classify", 2, "sequence number outside 0 to 2^32-1");
	if (offset < 0 || (size_t)offset > reply_len)
		return arg_fail(L, "classify", 4, "offset outside the reply");
	reply += offset;
	reply_len -= (size_t)offset;
	if (window < -1 || window > 65535)
		return arg_fail(L, "classify", 5, "window outside 0 to 65535");
	r = mptcpscan_probe_describe(opts, opts_len, &probe);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "classify (probe options)", r);
	if (window >= 0) {
		probe.has_window = 1;
		probe.window = (uint16_t)window;
	}
	r = mptcpscan_classify_ip(&probe, (uint32_t)seq, reply, reply_len, &out);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "classify", r);
	r = mptcpscan_verdict_name(out.verdict, &verdict);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "classify", r);
	r = mptcpscan_signals_format(out.signals, signals, sizeof(signals), &written);
	if (r != MPTCPSCAN_RESULT_OK)
		return fail(L, "classify", r);
	lua_createtable(L, 0, 6);
	set_string(L, "verdict", verdict);
	lua_pushlstring(L, signals, written);
	lua_setfield(L, -2, "signals");
	if (out.has_key) {
		push_key(L, out.key);
		lua_setfield(L, -2, "key");
	}
	if (out.has_version)
		set_int(L, "version", out.version);
	if (out.has_ttl)
		set_int(L, "ttl", out.ttl);
	if (out.error != 0)
		set_string(L, "error", mptcpscan_strerror(out.error));
	push_ip_options_text(L, reply, reply_len);
	return 1;
}

/*
 * address(text) -> bytes, family
 * An IPv4 or IPv6 address in its binary form (4 or 16 bytes) and its family
 * (4 or 6), so that two spellings of one address compare equal.
 */
static int l_address(lua_State *L)
{
	const char *text = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL;
	uint8_t bytes[16];

	if (text != NULL && inet_pton(AF_INET, text, bytes) == 1) {
		lua_pushlstring(L, (const char *)bytes, 4);
		lua_pushinteger(L, 4);
		return 2;
	}
	if (text != NULL && inet_pton(AF_INET6, text, bytes) == 1) {
		lua_pushlstring(L, (const char *)bytes, 16);
		lua_pushinteger(L, 6);
		return 2;
	}
	return arg_fail(L, "address", 1, "not an IPv4 or IPv6 address");
}

static int l_version(lua_State *L)
{
	lua_pushstring(L, mptcpscan_version());
	return 1;
}

static const luaL_Reg functions[] = {
	{ "probe_options", l_probe_options },
	{ "options", l_options },
	{ "options_text", l_options_text },
	{ "compare", l_compare },
	{ "first_change", l_first_change },
	{ "conclude", l_conclude },
	{ "most_telling", l_most_telling },
	{ "classify", l_classify },
	{ "address", l_address },
	{ "version", l_version },
	{ NULL, NULL },
};

int luaopen_mptcpscan(lua_State *L);

int luaopen_mptcpscan(lua_State *L)
{
	luaL_newlib(L, functions);
	return 1;
}
