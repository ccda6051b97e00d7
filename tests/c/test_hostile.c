/*
 * test_hostile.c: libmptcpscan called the way a buggy or hostile host would call it: NULL
 * pointers, zero and short lengths, out-of-range enum integers, misaligned outputs, random
 * bytes. Every call must return an error code (or, for random bytes, a code and never a crash),
 * and outputs must stay untouched on failure; valgrind checks that no call reads or writes
 * outside the buffers it was given.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mptcpscan.h>

#include "check.h"

#define RANDOM_ROUNDS 20000

/* xorshift64*: a fixed seed makes every run exercise the same inputs. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void rng_fill(uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)rng_next();
}

/* Random bytes biased towards plausible TCP options, so the walk goes deep. */
static void rng_fill_options(uint8_t *buf, size_t len)
{
	size_t i = 0;

	rng_fill(buf, len);
	while (i + 1 < len) {
		if (rng_next() % 4 != 0)
			buf[i + 1] = (uint8_t)(2 + rng_next() % 12);
		if (rng_next() % 3 == 0)
			buf[i] = MPTCPSCAN_OPTION_KIND_MPTCP;
		i += buf[i + 1] > 1 ? buf[i + 1] : 1;
	}
}

static int is_known_result(mptcpscan_result r)
{
	return strcmp(mptcpscan_strerror(r), "unknown mptcpscan result code") != 0;
}

static void hostile_option_walk(void)
{
	static const uint8_t area[] = { 0x02, 0x04, 0x05, 0xb4, 0x1e, 0x04, 0x01, 0x01 };
	mptcpscan_tcp_option opts[4], one, sentinel;
	size_t count = 77, at = 77, len = 77;
	union {
		size_t words[2];
		unsigned char bytes[sizeof(size_t) * 2];
	} raw;

	memset(&sentinel, 0xa5, sizeof(sentinel));
	memcpy(&one, &sentinel, sizeof(one));

	CHECK_RESULT(mptcpscan_option_next(NULL, 8, 0, &one), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_option_next(NULL, 0, 0, &one), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_option_next(area, sizeof(area), 0, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_option_next(area, 0, 0, &one), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_option_next(area, sizeof(area), sizeof(area), &one),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_option_next(area, sizeof(area), SIZE_MAX, &one),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_option_next(area, 3, 0, &one), MPTCPSCAN_RESULT_OPTION_TRUNCATED);
	CHECK_RESULT(mptcpscan_option_next(area, 1, 0, &one),
		     MPTCPSCAN_RESULT_OPTION_MISSING_LENGTH);
	CHECK(memcmp(&one, &sentinel, sizeof(one)) == 0);

	CHECK_RESULT(mptcpscan_options_walk(NULL, 8, opts, 4, &count),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_options_walk(area, sizeof(area), NULL, 4, &count),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_options_walk(area, sizeof(area), opts, 4, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_options_walk(area, sizeof(area), opts, 1, &count),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_options_walk(area, sizeof(area), opts, 0, &count),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK(count == 77);
	CHECK_OK(mptcpscan_options_walk(area, 0, opts, 0, &count));
	CHECK(count == 0);
	/* A size_t output one byte off its alignment. */
	CHECK_RESULT(mptcpscan_options_walk(area, sizeof(area), opts, 4, (size_t *)(void *)(raw.bytes + 1)),
		     MPTCPSCAN_RESULT_MISALIGNED);

	CHECK_RESULT(mptcpscan_options_find_mptcp(NULL, 8, &at, &len),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_options_find_mptcp(area, sizeof(area), NULL, &len),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_options_find_mptcp(area, sizeof(area), &at, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_options_find_mptcp(area, 0, &at, &len), MPTCPSCAN_RESULT_NOT_FOUND);
	CHECK_RESULT(mptcpscan_options_find_mptcp(area, 7, &at, &len), MPTCPSCAN_RESULT_NOT_FOUND);
	CHECK(at == 77 && len == 77);
}

static void random_option_walk(void)
{
	uint8_t area[MPTCPSCAN_MAX_OPTIONS_LEN];
	mptcpscan_tcp_option opts[MPTCPSCAN_MAX_OPTIONS_LEN], one;
	size_t count, len, off, at, mlen;
	unsigned long round, walked = 0, malformed = 0;
	int consistent = 1, known = 1, texts_fit = 1;
	char text[MPTCPSCAN_OPTIONS_TEXT_LEN];
	size_t tlen;
	mptcpscan_result r, r2;

	for (round = 0; round < RANDOM_ROUNDS; round++) {
		len = (size_t)(rng_next() % (sizeof(area) + 1));
		if (round % 2)
			rng_fill(area, len);
		else
			rng_fill_options(area, len);
		r = mptcpscan_options_walk(area, len, opts, MPTCPSCAN_MAX_OPTIONS_LEN, &count);
		known &= is_known_result(r);
		if (r == MPTCPSCAN_RESULT_OK) {
			walked++;
			for (off = 0; off < count; off++)
				consistent &= opts[off].offset + opts[off].length <= len;
		} else {
			malformed++;
		}
		/* The step-by-step walk must end with the same verdict. */
		for (off = 0; off < len; off = one.next) {
			mptcpscan_result step = mptcpscan_option_next(area, len, off, &one);

			if (step != MPTCPSCAN_RESULT_OK) {
				consistent &= step == r;
				break;
			}
			consistent &= one.next > off && one.next <= len;
		}
		if (mptcpscan_options_find_mptcp(area, len, &at, &mlen) == MPTCPSCAN_RESULT_OK)
			consistent &= at + mlen <= len && area[at] == MPTCPSCAN_OPTION_KIND_MPTCP;
		/* Any area has a text, within the documented bound, which says if it broke. */
		r2 = mptcpscan_options_text(area, len, text, sizeof(text), &tlen);
		texts_fit &= r2 == MPTCPSCAN_RESULT_OK && tlen == strlen(text);
		texts_fit &= (strstr(text, "MALFORMED@") != NULL) == (r != MPTCPSCAN_RESULT_OK);
	}
	CHECK(known);
	CHECK(consistent);
	CHECK(texts_fit);
	/* Both outcomes must have been exercised for the test to mean anything. */
	CHECK(walked > RANDOM_ROUNDS / 20 && malformed > RANDOM_ROUNDS / 20);
	printf("random option walk: %lu clean, %lu malformed\n", walked, malformed);
}

static void hostile_mptcp(void)
{
	static const uint8_t syn[] = { 0x1e, 0x04, 0x01, 0x01 };
	mptcpscan_mptcp_option o, sentinel;
	uint8_t out[MPTCPSCAN_MAX_OPTIONS_LEN];
	size_t written = 77;
	const char *name = NULL;
	uint32_t v;

	memset(&sentinel, 0x5a, sizeof(sentinel));
	memcpy(&o, &sentinel, sizeof(o));
	CHECK_RESULT(mptcpscan_mptcp_parse(NULL, 4, 1, &o), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_mptcp_parse(syn, 4, 1, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_mptcp_parse(syn, 0, 1, &o), MPTCPSCAN_RESULT_MPTCP_TOO_SHORT);
	CHECK_RESULT(mptcpscan_mptcp_parse(syn, 2, 1, &o), MPTCPSCAN_RESULT_MPTCP_TOO_SHORT);
	CHECK_RESULT(mptcpscan_mptcp_parse(syn, 3, 1, &o), MPTCPSCAN_RESULT_MPTCP_LENGTH_MISMATCH);
	for (v = 2; v < 1000; v += 111)
		CHECK_RESULT(mptcpscan_mptcp_parse(syn, 4, v, &o), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK(memcmp(&o, &sentinel, sizeof(o)) == 0);

	CHECK_OK(mptcpscan_mptcp_parse(syn, 4, 1, &o));
	CHECK_RESULT(mptcpscan_mptcp_emit(NULL, out, sizeof(out), &written),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, NULL, sizeof(out), &written),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, sizeof(out), NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, 0, &written), MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, 3, &written), MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	/* Out-of-range tags and enum fields. */
	for (v = 16; v < 256; v += 17) {
		o.subtype = (uint8_t)v;
		CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	}
	memset(&o, 0, sizeof(o));
	o.subtype = MPTCPSCAN_MPTCP_SUBTYPE_MP_JOIN;
	o.body.mp_join.stage = 3;
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	o.body.mp_join.stage = MPTCPSCAN_JOIN_STAGE_SYN;
	o.body.mp_join.flags = 0x10;
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written),
		     MPTCPSCAN_RESULT_MPTCP_UNREPRESENTABLE);
	memset(&o, 0, sizeof(o));
	o.subtype = MPTCPSCAN_MPTCP_SUBTYPE_ADD_ADDR;
	o.body.add_addr.version = 2;
	o.body.add_addr.address.family = MPTCPSCAN_ADDRESS_FAMILY_IPV4;
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	o.body.add_addr.version = 1;
	o.body.add_addr.address.family = 5;
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	memset(&o, 0, sizeof(o));
	o.subtype = MPTCPSCAN_MPTCP_SUBTYPE_REMOVE_ADDR;
	o.body.remove_addr.count = MPTCPSCAN_MAX_OPTIONS_LEN + 1;
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	o.body.remove_addr.count = 0;
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written),
		     MPTCPSCAN_RESULT_MPTCP_UNREPRESENTABLE);
	memset(&o, 0, sizeof(o));
	o.subtype = 12;
	o.body.unknown.data_len = 2;
	o.body.unknown.data[0] = 0xb0;
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	o.body.unknown.data_len = 0;
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK(written == 77);

	CHECK_RESULT(mptcpscan_mptcp_subtype_name(16, &name), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_mptcp_subtype_name(0xffffffffu, &name),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_mptcp_subtype_name(1, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_tcprst_reason_name(1, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK(name == NULL);
}

/*
 * Random MPTCP options: every call returns a known code, and every option that decodes
 * re-encodes to the very same bytes; random structs either encode to bytes that decode again or
 * are refused with a code.
 */
static void random_mptcp(void)
{
	unsigned long round, decoded = 0, refused = 0, encoded = 0;
	int known = 1, identical = 1;

	for (round = 0; round < RANDOM_ROUNDS; round++) {
		uint8_t bytes[MPTCPSCAN_MAX_OPTIONS_LEN], out[MPTCPSCAN_MAX_OPTIONS_LEN];
		mptcpscan_mptcp_option o;
		size_t len = 3 + (size_t)(rng_next() % (sizeof(bytes) - 2)), written;
		uint32_t version = (uint32_t)(rng_next() % 2);
		mptcpscan_result r;

		rng_fill(bytes, len);
		bytes[0] = MPTCPSCAN_OPTION_KIND_MPTCP;
		if (rng_next() % 8 != 0)
			bytes[1] = (uint8_t)len;
		bytes[2] = (uint8_t)((bytes[2] & 0x0f) | (uint8_t)(rng_next() % 10) << 4);
		r = mptcpscan_mptcp_parse(bytes, len, version, &o);
		known &= is_known_result(r);
		if (r == MPTCPSCAN_RESULT_OK) {
			decoded++;
			r = mptcpscan_mptcp_emit(&o, out, sizeof(out), &written);
			identical &= r == MPTCPSCAN_RESULT_OK && written == len &&
				     memcmp(out, bytes, len) == 0;
		} else {
			refused++;
		}

		rng_fill((uint8_t *)&o, sizeof(o));
		o.subtype &= 0x0f;
		r = mptcpscan_mptcp_emit(&o, out, sizeof(out), &written);
		known &= is_known_result(r);
		if (r == MPTCPSCAN_RESULT_OK) {
			encoded++;
			known &= mptcpscan_mptcp_parse(out, written, version, &o) != MPTCPSCAN_RESULT_PANIC;
		}
	}
	CHECK(known);
	CHECK(identical);
	CHECK(decoded > RANDOM_ROUNDS / 50 && refused > RANDOM_ROUNDS / 50 && encoded > 0);
	printf("random MPTCP options: %lu decoded (all re-encoded identically), %lu refused, "
	       "%lu random structs encoded\n",
	       decoded, refused, encoded);
}

static void hostile_classify(void)
{
	static const uint8_t v1_syn[] = { 0x1e, 0x04, 0x01, 0x01 };
	uint8_t segment[60] = { 0 };
	mptcpscan_probe_info probe, bad;
	mptcpscan_classification c, c_sentinel;
	mptcpscan_host_classification host;
	const char *name = NULL;
	char text[8];
	size_t len = 77;
	uint32_t v;

	memset(&c_sentinel, 0x5a, sizeof(c_sentinel));
	memcpy(&c, &c_sentinel, sizeof(c));
	CHECK_RESULT(mptcpscan_probe_describe(NULL, 4, &probe), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_probe_describe(v1_syn, 4, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_probe_describe(v1_syn, 0, &probe), MPTCPSCAN_RESULT_NOT_FOUND);
	CHECK_RESULT(mptcpscan_probe_describe(v1_syn, 3, &probe),
		     MPTCPSCAN_RESULT_OPTION_TRUNCATED);
	CHECK_OK(mptcpscan_probe_describe(v1_syn, 4, &probe));

	segment[12] = 0x50;
	segment[13] = 0x12;
	CHECK_RESULT(mptcpscan_classify_tcp(NULL, 0, segment, 20, 64, &c),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_classify_tcp(&probe, 0, NULL, 20, 64, &c),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_classify_tcp(&probe, 0, segment, 20, 64, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_classify_tcp(&probe, 0, segment, 0, 64, &c),
		     MPTCPSCAN_RESULT_WIRE_TRUNCATED);
	CHECK_RESULT(mptcpscan_classify_tcp(&probe, 0, segment, 19, 64, &c),
		     MPTCPSCAN_RESULT_WIRE_TRUNCATED);
	/* A data offset of 6 words with only 20 bytes. */
	segment[12] = 0x60;
	CHECK_RESULT(mptcpscan_classify_tcp(&probe, 0, segment, 20, 64, &c),
		     MPTCPSCAN_RESULT_WIRE_TRUNCATED);
	segment[12] = 0x50;
	for (v = 257; v < 100000; v = v * 3 + 1)
		CHECK_RESULT(mptcpscan_classify_tcp(&probe, 0, segment, 20, v, &c),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_classify_ip(&probe, 0, segment, 0, &c),
		     MPTCPSCAN_RESULT_WIRE_TRUNCATED);
	CHECK_RESULT(mptcpscan_classify_ip(NULL, 0, segment, 20, &c),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	/* An inconsistent probe description: every field out of range is refused. */
	memcpy(&bad, &probe, sizeof(bad));
	bad.options_len = MPTCPSCAN_MAX_OPTIONS_LEN + 1;
	CHECK_RESULT(mptcpscan_classify_tcp(&bad, 0, segment, 20, 64, &c),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	memcpy(&bad, &probe, sizeof(bad));
	bad.mp_capable_offset = 2;
	CHECK_RESULT(mptcpscan_classify_tcp(&bad, 0, segment, 20, 64, &c),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	memcpy(&bad, &probe, sizeof(bad));
	bad.version = 2;
	CHECK_RESULT(mptcpscan_classify_tcp(&bad, 0, segment, 20, 64, &c),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK(memcmp(&c, &c_sentinel, sizeof(c)) == 0);

	CHECK_RESULT(mptcpscan_combine(NULL, NULL, NULL, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	memset(&c, 0, sizeof(c));
	for (v = 9; v < 256; v += 41) {
		c.verdict = (uint8_t)v;
		CHECK_RESULT(mptcpscan_combine(&c, NULL, NULL, &host),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
		CHECK_RESULT(mptcpscan_combine(NULL, &c, NULL, &host),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	}
	CHECK_RESULT(mptcpscan_verdict_name(MPTCPSCAN_VERDICT_UNSOLICITED + 1, &name),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_host_verdict_name(MPTCPSCAN_HOST_VERDICT_UNCLEAR + 1, &name),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_verdict_name(0, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK(name == NULL);
	memset(text, 'x', sizeof(text));
	CHECK_RESULT(mptcpscan_signals_format(MPTCPSCAN_SIGNAL_KEY_ECHOED, text, sizeof(text), &len),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_signals_format(0, text, 0, &len), MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_signals_format(0, NULL, 8, &len), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK(text[0] == 'x' && len == 77);
	CHECK_OK(mptcpscan_signals_format(0, text, 1, &len));
	CHECK(text[0] == '\0' && len == 0);
}

static void hostile_probe_and_stats(void)
{
	mptcpscan_probe_spec spec;
	mptcpscan_syn_template *tpl = NULL, *v6 = NULL;
	mptcpscan_ipv4_target t4;
	mptcpscan_ipv6_target t6;
	mptcpscan_probe_info info;
	mptcpscan_histogram h;
	mptcpscan_histogram_summary s;
	uint8_t buf[MPTCPSCAN_MAX_SYN_V6_LEN], unprepared[MPTCPSCAN_MAX_SYN_V4_LEN];
	size_t len = 77;
	double excess;
	uint32_t v;

	memset(&t4, 0, sizeof(t4));
	memset(&t6, 0, sizeof(t6));
	CHECK_RESULT(mptcpscan_probe_spec_default(2, 0, 0, &spec), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_probe_spec_default(0, 0, MPTCPSCAN_COMPANIONS_RAW, &spec),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_probe_spec_default(0, 0, 0, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_OK(mptcpscan_probe_spec_default(0, 1, MPTCPSCAN_COMPANIONS_LINUX, &spec));
	CHECK_RESULT(mptcpscan_probe_options(&spec, buf, 20, &len), MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_probe_options(NULL, buf, 40, &len), MPTCPSCAN_RESULT_NULL_PARAMETER);
	spec.version = 7;
	CHECK_RESULT(mptcpscan_probe_options(&spec, buf, 40, &len), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	spec.version = 0;
	spec.companions = 6;
	CHECK_RESULT(mptcpscan_probe_options(&spec, buf, 40, &len), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	spec.companions = MPTCPSCAN_COMPANIONS_RAW;
	spec.raw_len = MPTCPSCAN_MAX_OPTIONS_LEN + 1;
	CHECK_RESULT(mptcpscan_probe_options(&spec, buf, 40, &len), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	/* Raw companions that do not walk, and a block that no longer fits with MP_CAPABLE. */
	spec.raw_len = 3;
	spec.raw[0] = 2;
	spec.raw[1] = 4;
	CHECK_RESULT(mptcpscan_probe_options(&spec, buf, 40, &len), MPTCPSCAN_RESULT_OPTION_TRUNCATED);
	spec.raw_len = 32;
	memset(spec.raw, 1, 32);
	CHECK_RESULT(mptcpscan_probe_options(&spec, buf, 40, &len), MPTCPSCAN_RESULT_OPTION_TOO_LONG);
	CHECK(len == 77);

	CHECK_OK(mptcpscan_probe_spec_default(1, 0, MPTCPSCAN_COMPANIONS_MINIMAL, &spec));
	for (v = 0; v < 300; v += 13) {
		if (v == MPTCPSCAN_ADDRESS_FAMILY_IPV4 || v == MPTCPSCAN_ADDRESS_FAMILY_IPV6)
			continue;
		CHECK_RESULT(mptcpscan_syn_template_new(v, &spec, &tpl),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	}
	CHECK_RESULT(mptcpscan_syn_template_new(4, NULL, &tpl), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_syn_template_new(4, &spec, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_syn_template_new_raw(4, NULL, 4, 0, &tpl),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_syn_template_new_raw(4, buf, 41, 0, &tpl),
		     MPTCPSCAN_RESULT_OPTION_TOO_LONG);
	CHECK(tpl == NULL);
	/* A raw block without MP_CAPABLE makes a template, but no probe to classify against. */
	CHECK_OK(mptcpscan_syn_template_new_raw(4, (const uint8_t *)"\x01\x01\x01\x01", 4, 0,
						&tpl));
	CHECK_RESULT(mptcpscan_syn_template_info(tpl, &info), MPTCPSCAN_RESULT_NOT_FOUND);
	mptcpscan_syn_template_free(tpl);
	CHECK_OK(mptcpscan_syn_template_new(4, &spec, &tpl));
	CHECK_OK(mptcpscan_syn_template_new(6, &spec, &v6));
	CHECK_RESULT(mptcpscan_syn_template_prepare(tpl, buf, 43, &len),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_syn_template_prepare(tpl, NULL, 80, &len),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_syn_template_prepare(tpl, buf, 80, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_syn_template_patch_v4(tpl, &t4, buf, 43, &len),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_syn_template_patch_v4(tpl, NULL, buf, 80, &len),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_syn_template_patch_v4(v6, &t4, buf, 100, &len),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_syn_template_patch_v6(tpl, &t6, buf, 100, &len),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_syn_template_patch_v6(v6, &t6, buf, 63, &len),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_syn_template_set_ttl(tpl, 1, buf, 19),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_syn_template_set_ttl(NULL, 1, buf, 20),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK(len == 77);
	/* Patching a buffer nobody prepared is no error, only a packet with garbage constants. */
	rng_fill(unprepared, sizeof(unprepared));
	CHECK_OK(mptcpscan_syn_template_patch_v4(tpl, &t4, unprepared, sizeof(unprepared), &len));
	mptcpscan_syn_template_free(tpl);
	mptcpscan_syn_template_free(v6);

	memset(&h, 0, sizeof(h));
	CHECK_RESULT(mptcpscan_histogram_add(NULL, 1), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_histogram_merge(&h, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_histogram_merge(NULL, &h), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_histogram_summarize(&h, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_histogram_excess(&h, 65, &excess), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_histogram_excess(&h, 0xffffffffu, &excess),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	/* Saturated counts stay saturated instead of wrapping. */
	memset(&h, 0xff, sizeof(h));
	CHECK_OK(mptcpscan_histogram_add(&h, 0));
	CHECK_OK(mptcpscan_histogram_merge(&h, &h));
	CHECK(h.counts[0] == UINT64_MAX);
	CHECK_OK(mptcpscan_histogram_summarize(&h, &s));
}

/* Random reply packets against a real probe: a code every time, a known verdict on success. */
static void random_replies(void)
{
	static const uint8_t probe_block[] = { 0x02, 0x04, 0x05, 0xb4, 0x1e, 0x0c, 0x00, 0x81,
					       0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c };
	mptcpscan_probe_info probe;
	unsigned long round, classified = 0;
	int known = 1;

	CHECK_OK(mptcpscan_probe_describe(probe_block, sizeof(probe_block), &probe));
	for (round = 0; round < RANDOM_ROUNDS; round++) {
		uint8_t pkt[120];
		mptcpscan_classification c;
		size_t len = (size_t)(rng_next() % sizeof(pkt));
		mptcpscan_result r;

		rng_fill(pkt, len);
		if (len > 0 && round % 2)
			pkt[0] = (uint8_t)(round % 4 == 1 ? 0x45 : 0x60);
		if (len > 9 && round % 4 == 1)
			pkt[9] = 6;
		if (len > 6 && round % 4 == 3)
			pkt[6] = 6;
		r = mptcpscan_classify_ip(&probe, 1, pkt, len, &c);
		known &= is_known_result(r);
		if (r == MPTCPSCAN_RESULT_OK) {
			classified++;
			known &= c.verdict <= MPTCPSCAN_VERDICT_UNSOLICITED;
		}
		r = mptcpscan_classify_tcp(&probe, 1, pkt, len, 64, &c);
		known &= is_known_result(r);
		if (r == MPTCPSCAN_RESULT_OK) {
			classified++;
			known &= c.verdict <= MPTCPSCAN_VERDICT_UNSOLICITED;
		}
	}
	CHECK(known);
	CHECK(classified > RANDOM_ROUNDS / 10);
	printf("random replies: %lu of %d classified, the rest refused with a code\n", classified,
	       2 * RANDOM_ROUNDS);
}

static void hostile_quote(void)
{
	uint8_t pkt[120];
	mptcpscan_icmp_error err;
	mptcpscan_quote_diff diff;
	mptcpscan_quote_change changes[MPTCPSCAN_QUOTE_MAX_CHANGES];
	mptcpscan_mptcp_hop hops[300];
	mptcpscan_path_change first;
	char text[16];
	size_t len = 77;
	unsigned long round, compared = 0;
	int known = 1;

	memset(pkt, 0, sizeof(pkt));
	memset(hops, 0, sizeof(hops));
	CHECK_RESULT(mptcpscan_icmp_error_parse(NULL, 20, &err), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_icmp_error_parse(pkt, 20, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_icmp_error_parse(pkt, 0, &err), MPTCPSCAN_RESULT_WIRE_TRUNCATED);
	CHECK_RESULT(mptcpscan_quote_compare(NULL, 40, pkt, 40, &diff, changes, 48),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_quote_compare(pkt, 40, NULL, 40, &diff, changes, 48),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_quote_compare(pkt, 40, pkt, 40, NULL, changes, 48),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_quote_compare(pkt, 40, pkt, 40, &diff, NULL, 48),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_quote_compare(pkt, 40, pkt, 0, &diff, changes, 48),
		     MPTCPSCAN_RESULT_WIRE_TRUNCATED);
	pkt[0] = 0x45;
	CHECK_RESULT(mptcpscan_quote_compare(pkt, 0, pkt, 20, &diff, changes, 48),
		     MPTCPSCAN_RESULT_QUOTE_SENT_INVALID);
	CHECK_RESULT(mptcpscan_quote_compare(pkt, 20, pkt, 20, &diff, changes, 48),
		     MPTCPSCAN_RESULT_QUOTE_SENT_INVALID);
	CHECK_RESULT(mptcpscan_quote_tokens(pkt, 40, pkt, 40, NULL, 16, &len),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_first_mptcp_change(NULL, 1, &first),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_first_mptcp_change(hops, 1, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_first_mptcp_change(hops, 256, &first),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_first_mptcp_change(hops, 0, &first), MPTCPSCAN_RESULT_NOT_FOUND);
	hops[0].kind = 7;
	CHECK_RESULT(mptcpscan_first_mptcp_change(hops, 1, &first),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_mptcp_hop_format(&hops[0], text, sizeof(text), &len),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	hops[0].kind = MPTCPSCAN_MPTCP_HOP_KIND_PARTIAL_LENGTH_CHANGED;
	CHECK_RESULT(mptcpscan_mptcp_hop_format(&hops[0], text, sizeof(text), &len),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_mptcp_hop_format(NULL, text, sizeof(text), &len),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK(len == 77);

	/* Random quotes of a real SYN: every call gives a code, and a known one. */
	for (round = 0; round < RANDOM_ROUNDS / 4; round++) {
		static const uint8_t syn[] = {
			0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x40, 0x00, 0x03, 0x06, 0x00, 0x00,
			0xc6, 0x12, 0x00, 0x01, 0xc6, 0x13, 0x00, 0x07, 0x9c, 0x40, 0x00, 0x50,
			0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x60, 0x02, 0xff, 0xff,
			0x00, 0x00, 0x00, 0x00, 0x1e, 0x04, 0x01, 0x01,
		};
		size_t qlen = (size_t)(rng_next() % sizeof(pkt)), n;
		char tokens[1024];
		mptcpscan_result r;

		memcpy(pkt, syn, sizeof(syn));
		for (n = 0; n < 1 + rng_next() % 6; n++)
			pkt[rng_next() % sizeof(syn)] = (uint8_t)rng_next();
		if (round % 3 == 0)
			rng_fill(pkt, qlen);
		r = mptcpscan_quote_compare(syn, sizeof(syn), pkt, qlen, &diff, changes,
					    MPTCPSCAN_QUOTE_MAX_CHANGES);
		known &= is_known_result(r);
		if (r == MPTCPSCAN_RESULT_OK) {
			compared++;
			known &= diff.change_count <= MPTCPSCAN_QUOTE_MAX_CHANGES;
			known &= mptcpscan_quote_tokens(syn, sizeof(syn), pkt, qlen, tokens,
							sizeof(tokens), &n) == MPTCPSCAN_RESULT_OK;
			known &= mptcpscan_mptcp_hop_format(&diff.mptcp, tokens, sizeof(tokens),
							    &n) == MPTCPSCAN_RESULT_OK;
		}
		r = mptcpscan_icmp_error_parse(pkt, qlen, &err);
		known &= is_known_result(r);
		if (r == MPTCPSCAN_RESULT_OK)
			known &= err.quote_offset + err.quote_len <= qlen;
	}
	CHECK(known);
	CHECK(compared > RANDOM_ROUNDS / 40);
	printf("random quotes: %lu compared, the rest refused with a code\n", compared);
}

static void hostile_crypto(void)
{
	static const mptcpscan_join_handshake join = { 1, 2, 3, 4 };
	static const mptcpscan_hmac_keys keys = { 1, 2 };
	static const mptcpscan_dss_mapping mapping = { 1, 2, 3 };
	static const uint8_t bytes[32] = { 0 };
	mptcpscan_address addr;
	mptcpscan_join_hmacs hmacs;
	mptcpscan_dss_sum *sum = NULL;
	uint8_t hmac[MPTCPSCAN_SHORT_HMAC_LEN] = { 0 };
	uint32_t token = 7, check = 7, version;
	uint64_t idsn = 7, dsn = 7;
	uint16_t checksum = 7;
	bool valid = true;

	memset(&addr, 0, sizeof(addr));
	addr.family = MPTCPSCAN_ADDRESS_FAMILY_IPV4;

	/* Every version integer but 0 and 1 is refused, by every function that takes one. */
	for (version = 2; version < 300; version += 37) {
		CHECK_RESULT(mptcpscan_key_derive(version, 1, &token, &idsn),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
		CHECK_RESULT(mptcpscan_join_compute(version, &join, &hmacs),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
		CHECK_RESULT(mptcpscan_join_verify_syn_ack(version, &join, bytes, 8, &valid),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
		CHECK_RESULT(mptcpscan_join_verify_ack(version, &join, bytes, 20, &valid),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	}
	CHECK_RESULT(mptcpscan_key_derive(0xffffffffu, 1, &token, &idsn),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK(token == 7 && idsn == 7);

	CHECK_RESULT(mptcpscan_key_derive(1, 1, NULL, &idsn), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_key_derive(1, 1, &token, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_join_compute(1, NULL, &hmacs), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_join_compute(1, &join, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_join_verify_syn_ack(1, NULL, bytes, 8, &valid),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_join_verify_syn_ack(1, &join, NULL, 8, &valid),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_join_verify_syn_ack(1, &join, bytes, 8, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_join_verify_syn_ack(1, &join, bytes, 7, &valid),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_join_verify_syn_ack(1, &join, bytes, 0, &valid),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_join_verify_ack(1, &join, bytes, 19, &valid),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_join_verify_ack(1, &join, NULL, 20, &valid),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK(valid);

	CHECK_RESULT(mptcpscan_add_addr_hmac(NULL, 1, &addr, 0, hmac, sizeof(hmac)),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_add_addr_hmac(&keys, 1, NULL, 0, hmac, sizeof(hmac)),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_add_addr_hmac(&keys, 1, &addr, 0, NULL, sizeof(hmac)),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_add_addr_hmac(&keys, 1, &addr, 0, hmac, sizeof(hmac) - 1),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_add_addr_hmac(&keys, 1, &addr, 0, hmac, 0),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
	CHECK_RESULT(mptcpscan_add_addr_verify(&keys, 1, &addr, 0, bytes, 9, &check),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_add_addr_verify(&keys, 1, &addr, 0, bytes, 8, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	for (addr.family = 0; addr.family < 255; addr.family++) {
		if (addr.family == MPTCPSCAN_ADDRESS_FAMILY_IPV4 ||
		    addr.family == MPTCPSCAN_ADDRESS_FAMILY_IPV6)
			continue;
		CHECK_RESULT(mptcpscan_add_addr_hmac(&keys, 1, &addr, 0, hmac, sizeof(hmac)),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
		CHECK_RESULT(mptcpscan_add_addr_verify(&keys, 1, &addr, 0, bytes, 8, &check),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
		CHECK_RESULT(mptcpscan_address_scope(&addr, &check), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	}
	CHECK(check == 7);
	{
		static const uint8_t zero[MPTCPSCAN_SHORT_HMAC_LEN] = { 0 };

		CHECK(memcmp(hmac, zero, sizeof(hmac)) == 0);
	}

	CHECK_RESULT(mptcpscan_dss_checksum(NULL, bytes, 1, &checksum),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_dss_checksum(&mapping, NULL, 0, &checksum),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_dss_checksum(&mapping, bytes, 1, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_dss_checksum_verify(&mapping, NULL, 1, 0, &valid),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_dss_checksum_verify(&mapping, bytes, 1, 0, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK(checksum == 7);
	CHECK_RESULT(mptcpscan_dss_sum_new(NULL, &sum), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_dss_sum_new(&mapping, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK(sum == NULL);
	CHECK_RESULT(mptcpscan_dss_sum_update(NULL, bytes, 1), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_dss_sum_finish(NULL, 0, &checksum, &valid),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_OK(mptcpscan_dss_sum_new(&mapping, &sum));
	CHECK_RESULT(mptcpscan_dss_sum_update(sum, NULL, 1), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_dss_sum_finish(sum, 0, NULL, &valid),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_dss_sum_finish(sum, 0, &checksum, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	mptcpscan_dss_sum_free(sum);
	mptcpscan_dss_sum_free(NULL);
	CHECK_RESULT(mptcpscan_dss_expand_dsn(1, 2, NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK(dsn == 7);
}

static void hostile_scope(void)
{
	const char *name = NULL;
	bool leak = false;
	uint32_t scope = 7;

	CHECK_RESULT(mptcpscan_address_scope(NULL, &scope), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_scope_describe(MPTCPSCAN_SCOPE_RESERVED + 1, &name, &leak),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_scope_describe(0xffffffffu, &name, &leak),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_scope_describe(MPTCPSCAN_SCOPE_PUBLIC, NULL, &leak),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_scope_describe(MPTCPSCAN_SCOPE_PUBLIC, &name, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK(name == NULL && !leak && scope == 7);
}

static void random_crypto_and_scope(void)
{
	unsigned long round;
	int known = 1;

	for (round = 0; round < RANDOM_ROUNDS / 10; round++) {
		mptcpscan_address addr;
		mptcpscan_join_handshake join;
		mptcpscan_join_hmacs hmacs;
		uint32_t scope, version = (uint32_t)(rng_next() % 3);
		const char *name;
		bool leak, valid;
		mptcpscan_result r;

		rng_fill((uint8_t *)&addr, sizeof(addr));
		if (round % 2)
			addr.family = round % 4 == 1 ? MPTCPSCAN_ADDRESS_FAMILY_IPV4 :
						       MPTCPSCAN_ADDRESS_FAMILY_IPV6;
		r = mptcpscan_address_scope(&addr, &scope);
		known &= is_known_result(r);
		if (r == MPTCPSCAN_RESULT_OK)
			known &= mptcpscan_scope_describe(scope, &name, &leak) == MPTCPSCAN_RESULT_OK;
		rng_fill((uint8_t *)&join, sizeof(join));
		r = mptcpscan_join_compute(version, &join, &hmacs);
		known &= r == (version < 2 ? MPTCPSCAN_RESULT_OK : MPTCPSCAN_RESULT_INVALID_ARGUMENT);
		if (r == MPTCPSCAN_RESULT_OK) {
			known &= mptcpscan_join_verify_ack(version, &join, hmacs.ack_hmac,
							   sizeof(hmacs.ack_hmac),
							   &valid) == MPTCPSCAN_RESULT_OK && valid;
		}
	}
	CHECK(known);
}

int main(void)
{
	hostile_option_walk();
	random_option_walk();
	hostile_mptcp();
	random_mptcp();
	hostile_classify();
	hostile_probe_and_stats();
	random_replies();
	hostile_quote();
	hostile_crypto();
	hostile_scope();
	random_crypto_and_scope();
	return check_summary("test_hostile");
}
