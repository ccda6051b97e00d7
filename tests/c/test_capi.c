/*
 * test_capi.c: every exported function of libmptcpscan called from C on real bytes, with the
 * values checked. The fixtures are copied from captures in ../shared/captures (each says which
 * packet); the same program is linked statically and dynamically and run under valgrind.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mptcpscan.h>

#include "check.h"

/* tcpdump/mptcp-v1.pcap, packet 1 (SYN): mss 1460, sackOK, TS, nop, wscale 8, MP_CAPABLE v1 [H]. */
static const uint8_t v1_syn_options[] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x1b, 0xaf, 0x9e, 0xa1,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x08, 0x1e, 0x04, 0x01, 0x01,
};

/* tcpdump/mptcp-v1.pcap, packet 2 (SYN-ACK): MP_CAPABLE v1 [H] key 0x29a6c86981ad933c. */
static const uint8_t v1_synack_options[] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xc3, 0x37, 0xc5, 0x93,
	0x1b, 0xaf, 0x9e, 0xa1, 0x01, 0x03, 0x03, 0x08, 0x1e, 0x0c, 0x01, 0x01,
	0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c,
};

/* tcpdump/mptcp-v1.pcap, packet 3 (third ACK): nop, nop, TS, MP_CAPABLE with both keys. */
static const uint8_t v1_ack_options[] = {
	0x01, 0x01, 0x08, 0x0a, 0x1b, 0xaf, 0x9e, 0xa1, 0xc3, 0x37, 0xc5, 0x93,
	0x1e, 0x14, 0x01, 0x01, 0x1f, 0xdb, 0x5d, 0xf3, 0x28, 0xbc, 0x3d, 0xef,
	0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c,
};

/* One MPTCP option of each layout, from the shared captures (which file and frame). */
struct mptcp_fixture {
	const char *where;
	uint32_t version;
	size_t len;
	uint8_t bytes[28];
};

static const struct mptcp_fixture mptcp_fixtures[] = {
	{ "mptcp-v1.pcap 1: MP_CAPABLE v1 SYN", 1, 4, { 0x1e, 0x04, 0x01, 0x01 } },
	{ "mptcp-v0.pcap 1: MP_CAPABLE v0 SYN", 0, 12,
	  { 0x1e, 0x0c, 0x00, 0x81, 0x9c, 0x9e, 0xab, 0xd1, 0xe4, 0x6a, 0x33, 0xb2 } },
	{ "mptcp-v1.pcap 4: MP_CAPABLE v1 ACK with data", 1, 22,
	  { 0x1e, 0x16, 0x01, 0x01, 0x1f, 0xdb, 0x5d, 0xf3, 0x28, 0xbc, 0x3d, 0xef,
	    0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c, 0x20, 0x00 } },
	{ "mptcp-v0.pcap 8: MP_JOIN SYN", 0, 12,
	  { 0x1e, 0x0c, 0x10, 0x00, 0xe4, 0x7f, 0x01, 0x42, 0x1b, 0x66, 0x5a, 0x18 } },
	{ "mptcp-v0.pcap 9: MP_JOIN SYN-ACK", 0, 16,
	  { 0x1e, 0x10, 0x10, 0x01, 0x5a, 0xb6, 0x80, 0xc7, 0x88, 0x4a, 0xf0, 0x3d,
	    0x33, 0xab, 0xe9, 0xd5 } },
	{ "mptcp-v0.pcap 10: MP_JOIN ACK", 0, 24,
	  { 0x1e, 0x18, 0x10, 0x00, 0xcb, 0x7b, 0x87, 0xf5, 0xe5, 0xf0, 0x50, 0x2f,
	    0x43, 0xb5, 0x35, 0xfb, 0x70, 0xef, 0x66, 0x07, 0xdf, 0x2e, 0x6c, 0x7a } },
	{ "mptcp-fclose.pcap 6: DSS with checksum", 0, 20,
	  { 0x1e, 0x14, 0x20, 0x05, 0xc9, 0xdc, 0x1c, 0x61, 0xb1, 0x71, 0x2f, 0xb6,
	    0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x9e, 0x91 } },
	{ "mptcp-v1.pcap 7: DSS 8-byte ack and DSN", 1, 26,
	  { 0x1e, 0x1a, 0x20, 0x0f, 0xc8, 0x07, 0x2f, 0xb9, 0x0e, 0xda, 0xb0, 0x4e,
	    0xa2, 0x8e, 0x87, 0xfd, 0xdd, 0x1d, 0x30, 0xf2, 0x00, 0x00, 0x00, 0x01,
	    0x20, 0x00 } },
	{ "mptcp-v0.pcap 4: ADD_ADDR v0", 0, 8,
	  { 0x1e, 0x08, 0x34, 0x01, 0x0a, 0x01, 0x02, 0x02 } },
	{ "mptcp-aa-echo.pcap 2: ADD_ADDR v1 echo", 1, 8,
	  { 0x1e, 0x08, 0x31, 0x01, 0x0a, 0x00, 0x02, 0x01 } },
	{ "mptcp-aa-v1.pcap 13: ADD_ADDR v1 with HMAC", 1, 16,
	  { 0x1e, 0x10, 0x30, 0x01, 0xc0, 0xa8, 0x88, 0xe1, 0x66, 0x99, 0x28, 0x74,
	    0x43, 0x66, 0x71, 0x6c } },
	{ "mptcp-v0.pcap 210: REMOVE_ADDR", 0, 4, { 0x1e, 0x04, 0x40, 0x00 } },
	{ "(no capture) MP_PRIO v1 backup", 1, 3, { 0x1e, 0x03, 0x51 } },
	{ "(no capture) MP_PRIO v0 with address id", 0, 4, { 0x1e, 0x04, 0x51, 0x05 } },
	{ "(no capture) MP_FAIL", 1, 12,
	  { 0x1e, 0x0c, 0x60, 0x00, 0xa2, 0x8e, 0x87, 0xfd, 0xdd, 0x1d, 0x30, 0xf2 } },
	{ "mptcp-fclose.pcap 10: MP_FASTCLOSE", 0, 12,
	  { 0x1e, 0x0c, 0x70, 0x00, 0xd0, 0x05, 0xb1, 0xab, 0x34, 0xba, 0xd3, 0x44 } },
	{ "mptcp-tcprst.pcap 1: MP_TCPRST", 1, 4, { 0x1e, 0x04, 0x80, 0x00 } },
	{ "(no capture) MP_EXPERIMENTAL", 1, 5, { 0x1e, 0x05, 0xf0, 0xaa, 0xbb } },
};

/* tcpdump/mptcp-v1.pcap packet 1, the IP packet: Linux's v1 SYN, seq 2180756989. */
static const uint8_t v1_syn_packet[] = {
	0x45, 0x00, 0x00, 0x40, 0xad, 0x7f, 0x40, 0x00, 0x40, 0x06, 0x76, 0x37,
	0x0a, 0x00, 0x01, 0x01, 0x0a, 0x00, 0x02, 0x01, 0x82, 0x1a, 0x27, 0x14,
	0x81, 0xfb, 0xb5, 0xfd, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02, 0xff, 0xff,
	0x17, 0x34, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
	0x1b, 0xaf, 0x9e, 0xa1, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x08,
	0x1e, 0x04, 0x01, 0x01,
};

/* tcpdump/mptcp-v1.pcap packet 2, the IP packet: the server's v1 SYN-ACK. */
static const uint8_t v1_synack_packet[] = {
	0x45, 0x00, 0x00, 0x48, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x23, 0xaf,
	0x0a, 0x00, 0x02, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x27, 0x14, 0x82, 0x1a,
	0x2f, 0x2c, 0x0b, 0x6d, 0x81, 0xfb, 0xb5, 0xfe, 0xd0, 0x12, 0xff, 0xff,
	0x17, 0x3c, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
	0xc3, 0x37, 0xc5, 0x93, 0x1b, 0xaf, 0x9e, 0xa1, 0x01, 0x03, 0x03, 0x08,
	0x1e, 0x0c, 0x01, 0x01, 0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c,
};

/* tcpdump/mptcp-v0.pcap packet 1, the IP packet: an out-of-tree kernel's v0 SYN. */
static const uint8_t v0_syn_packet[] = {
	0x45, 0x00, 0x00, 0x48, 0x32, 0xe9, 0x40, 0x00, 0x40, 0x06, 0xf1, 0xc0,
	0x0a, 0x02, 0x01, 0x02, 0x0a, 0x01, 0x01, 0x02, 0x8c, 0x79, 0x00, 0x16,
	0xad, 0x98, 0x93, 0x59, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x02, 0x39, 0x08,
	0xda, 0x99, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
	0xff, 0xff, 0xa1, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x06,
	0x1e, 0x0c, 0x00, 0x81, 0x9c, 0x9e, 0xab, 0xd1, 0xe4, 0x6a, 0x33, 0xb2,
};

/* tcpdump/mptcp-v0.pcap packet 2, the IP packet: the server's v0 SYN-ACK (TTL 63). */
static const uint8_t v0_synack_packet[] = {
	0x45, 0x00, 0x00, 0x48, 0x00, 0x00, 0x40, 0x00, 0x3f, 0x06, 0x25, 0xaa,
	0x0a, 0x01, 0x01, 0x02, 0x0a, 0x02, 0x01, 0x02, 0x00, 0x16, 0x8c, 0x79,
	0x07, 0x82, 0x2b, 0x7e, 0xad, 0x98, 0x93, 0x5a, 0xd0, 0x12, 0x37, 0xc8,
	0xec, 0x94, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
	0xff, 0xff, 0xa2, 0xeb, 0xff, 0xff, 0xa1, 0xb0, 0x01, 0x03, 0x03, 0x05,
	0x1e, 0x0c, 0x00, 0x81, 0x96, 0x7d, 0x27, 0x70, 0xb6, 0x96, 0x05, 0x52,
};

/* REFERENCE section 1: the 2020/2021 study's 32-byte probe block. */
static const uint8_t study_block[] = {
	0x02, 0x04, 0x00, 0x01, 0x04, 0x02, 0x08, 0x0a, 0x0f, 0x0f, 0x0f, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x00, 0x1e, 0x0c, 0x00, 0x81,
	0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
};

/* The ones'-complement sum of RFC 1071, written here to check the library independently. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_versions(void)
{
	uint32_t abi = mptcpscan_abi_version();

	CHECK(abi >> 16 == MPTCPSCAN_ABI_MAJOR);
	CHECK((abi & 0xffff) >= MPTCPSCAN_ABI_MINOR);
	CHECK(strcmp(mptcpscan_version(), "0.1.0") == 0);
}

static void test_strerror(void)
{
	CHECK(strcmp(mptcpscan_strerror(MPTCPSCAN_RESULT_OK), "success") == 0);
	CHECK(strcmp(mptcpscan_strerror(MPTCPSCAN_RESULT_NULL_PARAMETER),
		     "a required pointer argument is NULL") == 0);
	CHECK(strcmp(mptcpscan_strerror(MPTCPSCAN_RESULT_OPTION_TRUNCATED),
		     "TCP option runs past the end of the option area") == 0);
	CHECK(strcmp(mptcpscan_strerror(0xdeadbeef), "unknown mptcpscan result code") == 0);
}

/* Field by field: the struct's padding bytes are unspecified. */
static int same_option(const mptcpscan_tcp_option *a, const mptcpscan_tcp_option *b)
{
	return a->offset == b->offset && a->length == b->length && a->next == b->next &&
	       a->data_offset == b->data_offset && a->data_length == b->data_length &&
	       a->tsval == b->tsval && a->tsecr == b->tsecr && a->mss == b->mss &&
	       a->kind == b->kind && a->window_scale == b->window_scale;
}

static void test_option_walk(void)
{
	mptcpscan_tcp_option opts[MPTCPSCAN_MAX_OPTIONS_LEN];
	mptcpscan_tcp_option one;
	size_t count = 0, off, n = 0, at = 0, len = 0;

	CHECK_OK(mptcpscan_options_walk(v1_synack_options, sizeof(v1_synack_options), opts,
					MPTCPSCAN_MAX_OPTIONS_LEN, &count));
	CHECK(count == 6);
	CHECK(opts[0].kind == MPTCPSCAN_OPTION_KIND_MSS && opts[0].mss == 1460);
	CHECK(opts[1].kind == MPTCPSCAN_OPTION_KIND_SACK_PERMITTED && opts[1].length == 2);
	CHECK(opts[2].kind == MPTCPSCAN_OPTION_KIND_TIMESTAMP);
	CHECK(opts[2].tsval == 0xc337c593u && opts[2].tsecr == 0x1baf9ea1u);
	CHECK(opts[3].kind == MPTCPSCAN_OPTION_KIND_NOP && opts[3].offset == 16);
	CHECK(opts[4].kind == MPTCPSCAN_OPTION_KIND_WINDOW_SCALE && opts[4].window_scale == 8);
	CHECK(opts[5].kind == MPTCPSCAN_OPTION_KIND_MPTCP);
	CHECK(opts[5].offset == 20 && opts[5].length == 12);
	CHECK(opts[5].data_offset == 22 && opts[5].data_length == 10);
	CHECK(opts[5].next == sizeof(v1_synack_options));

	/* The one-at-a-time walk visits the same options. */
	for (off = 0; off < sizeof(v1_synack_options); off = one.next, n++) {
		CHECK_OK(mptcpscan_option_next(v1_synack_options, sizeof(v1_synack_options), off,
					       &one));
		CHECK(n < count && same_option(&one, &opts[n]));
	}
	CHECK(n == count);

	CHECK_OK(mptcpscan_options_find_mptcp(v1_syn_options, sizeof(v1_syn_options), &at, &len));
	CHECK(at == 20 && len == 4);
	CHECK_OK(mptcpscan_options_find_mptcp(v1_ack_options, sizeof(v1_ack_options), &at, &len));
	CHECK(at == 12 && len == 20);
	CHECK_RESULT(mptcpscan_options_find_mptcp(v1_ack_options, 12, &at, &len),
		     MPTCPSCAN_RESULT_NOT_FOUND);

	/* Cutting the SYN-ACK inside its MP_CAPABLE makes the walk report truncation. */
	CHECK_RESULT(mptcpscan_options_walk(v1_synack_options, 30, opts, MPTCPSCAN_MAX_OPTIONS_LEN,
					    &count),
		     MPTCPSCAN_RESULT_OPTION_TRUNCATED);
	CHECK_RESULT(mptcpscan_option_next(v1_synack_options, 30, 20, &one),
		     MPTCPSCAN_RESULT_OPTION_TRUNCATED);
}

static void test_mptcp_round_trip(void)
{
	size_t i;

	for (i = 0; i < sizeof(mptcp_fixtures) / sizeof(mptcp_fixtures[0]); i++) {
		const struct mptcp_fixture *f = &mptcp_fixtures[i];
		mptcpscan_mptcp_option option;
		uint8_t out[MPTCPSCAN_MAX_OPTIONS_LEN];
		size_t written = 0;
		const char *name = NULL;

		CHECK_OK(mptcpscan_mptcp_parse(f->bytes, f->len, f->version, &option));
		CHECK(option.subtype == f->bytes[2] >> 4 && option.length == f->len);
		CHECK_OK(mptcpscan_mptcp_emit(&option, out, sizeof(out), &written));
		CHECK(written == f->len && memcmp(out, f->bytes, f->len) == 0);
		CHECK_RESULT(mptcpscan_mptcp_emit(&option, out, f->len - 1, &written),
			     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
		CHECK_OK(mptcpscan_mptcp_subtype_name(option.subtype, &name));
		if (checks_failed)
			fprintf(stderr, "  after fixture %s (%s)\n", f->where, name);
	}
}

static void test_mptcp_fields(void)
{
	mptcpscan_mptcp_option o;
	const char *name = NULL;

	/* mptcp-v1.pcap packet 4: both keys and the data-level length of the first data. */
	CHECK_OK(mptcpscan_mptcp_parse(mptcp_fixtures[2].bytes, mptcp_fixtures[2].len,
				       MPTCPSCAN_MPTCP_VERSION_V1, &o));
	CHECK(o.subtype == MPTCPSCAN_MPTCP_SUBTYPE_MP_CAPABLE);
	CHECK(o.body.mp_capable.version == 1);
	CHECK(o.body.mp_capable.flags == MPTCPSCAN_CAPABLE_FLAG_HMAC);
	CHECK(o.body.mp_capable.has_sender_key && o.body.mp_capable.has_receiver_key);
	CHECK(o.body.mp_capable.sender_key == 0x1fdb5df328bc3defull);
	CHECK(o.body.mp_capable.receiver_key == 0x29a6c86981ad933cull);
	CHECK(o.body.mp_capable.has_data_len && o.body.mp_capable.data_len == 8192);
	CHECK(!o.body.mp_capable.has_checksum);

	/* mptcp-v0.pcap packet 8: the join SYN carries the server's token (see test_key_derive). */
	CHECK_OK(mptcpscan_mptcp_parse(mptcp_fixtures[3].bytes, mptcp_fixtures[3].len, 0, &o));
	CHECK(o.subtype == MPTCPSCAN_MPTCP_SUBTYPE_MP_JOIN);
	CHECK(o.body.mp_join.stage == MPTCPSCAN_JOIN_STAGE_SYN);
	CHECK(o.body.mp_join.token == 0xe47f0142u && o.body.mp_join.nonce == 0x1b665a18u);
	CHECK(o.body.mp_join.addr_id == 0 && o.body.mp_join.hmac_len == 0);
	CHECK_OK(mptcpscan_mptcp_parse(mptcp_fixtures[5].bytes, mptcp_fixtures[5].len, 0, &o));
	CHECK(o.body.mp_join.stage == MPTCPSCAN_JOIN_STAGE_ACK && o.body.mp_join.hmac_len == 20);
	CHECK(o.body.mp_join.hmac[0] == 0xcb && o.body.mp_join.hmac[19] == 0x7a);

	/* mptcp-v1.pcap packet 7: 8-byte data ACK and DSN, no checksum. */
	CHECK_OK(mptcpscan_mptcp_parse(mptcp_fixtures[7].bytes, mptcp_fixtures[7].len, 1, &o));
	CHECK(o.subtype == MPTCPSCAN_MPTCP_SUBTYPE_DSS);
	CHECK(o.body.dss.flags == (MPTCPSCAN_DSS_FLAG_DATA_ACK | MPTCPSCAN_DSS_FLAG_DATA_ACK_8 |
				   MPTCPSCAN_DSS_FLAG_MAPPING | MPTCPSCAN_DSS_FLAG_DSN_8));
	CHECK(o.body.dss.data_ack == 14413541604287230030ull);
	CHECK(o.body.dss.dsn == 11713449205243392242ull);
	CHECK(o.body.dss.ssn == 1 && o.body.dss.data_len == 8192 && !o.body.dss.has_checksum);

	/* mptcp-aa-echo.pcap packet 2: an echo carries no HMAC. */
	CHECK_OK(mptcpscan_mptcp_parse(mptcp_fixtures[9].bytes, mptcp_fixtures[9].len, 1, &o));
	CHECK(o.subtype == MPTCPSCAN_MPTCP_SUBTYPE_ADD_ADDR);
	CHECK(o.body.add_addr.flags == MPTCPSCAN_ADD_ADDR_FLAG_ECHO && !o.body.add_addr.has_hmac);
	CHECK(o.body.add_addr.address.family == MPTCPSCAN_ADDRESS_FAMILY_IPV4);
	CHECK(memcmp(o.body.add_addr.address.bytes, "\x0a\x00\x02\x01", 4) == 0);
	/* The same bytes read as v0 are an ADD_ADDR with a wrong IP version nibble. */
	CHECK_RESULT(mptcpscan_mptcp_parse(mptcp_fixtures[9].bytes, mptcp_fixtures[9].len, 0, &o),
		     MPTCPSCAN_RESULT_MPTCP_BAD_VALUE);

	CHECK_OK(mptcpscan_mptcp_parse(mptcp_fixtures[11].bytes, mptcp_fixtures[11].len, 0, &o));
	CHECK(o.body.remove_addr.count == 1 && o.body.remove_addr.ids[0] == 0);
	CHECK_OK(mptcpscan_mptcp_parse(mptcp_fixtures[13].bytes, mptcp_fixtures[13].len, 0, &o));
	CHECK(o.body.mp_prio.flags == MPTCPSCAN_BACKUP_FLAG && o.body.mp_prio.has_addr_id);
	CHECK(o.body.mp_prio.addr_id == 5);
	CHECK_OK(mptcpscan_mptcp_parse(mptcp_fixtures[15].bytes, mptcp_fixtures[15].len, 0, &o));
	CHECK(o.body.mp_fastclose.receiver_key == 0xd005b1ab34bad344ull);
	CHECK_OK(mptcpscan_mptcp_parse(mptcp_fixtures[16].bytes, mptcp_fixtures[16].len, 1, &o));
	CHECK(o.subtype == MPTCPSCAN_MPTCP_SUBTYPE_MP_TCPRST && o.body.mp_tcprst.reason == 0);
	CHECK_OK(mptcpscan_tcprst_reason_name(o.body.mp_tcprst.reason, &name));
	CHECK(strcmp(name, "unspecified error") == 0);
	CHECK_OK(mptcpscan_tcprst_reason_name(6, &name));
	CHECK(strcmp(name, "middlebox interference") == 0);
	CHECK_OK(mptcpscan_mptcp_parse(mptcp_fixtures[17].bytes, mptcp_fixtures[17].len, 1, &o));
	CHECK(o.subtype == MPTCPSCAN_MPTCP_SUBTYPE_MP_EXPERIMENTAL);
	CHECK(o.body.unknown.data_len == 3 && o.body.unknown.data[1] == 0xaa);
	CHECK_OK(mptcpscan_mptcp_subtype_name(o.subtype, &name));
	CHECK(strcmp(name, "MP_EXPERIMENTAL") == 0);

	/* tcpdump's deliberately malformed DSS (mptcp-dss-oobr.pcap packet 1): a clear error. */
	CHECK_RESULT(mptcpscan_mptcp_parse((const uint8_t *)"\x1e\x03\x20", 3, 1, &o),
		     MPTCPSCAN_RESULT_MPTCP_BAD_LENGTH);
}

static void test_mptcp_encode(void)
{
	/* Build the v1 SYN option a scanner sends, from fields: 1e 04 01 01. */
	static const uint8_t v1_syn[] = { 0x1e, 0x04, 0x01, 0x01 };
	mptcpscan_mptcp_option o;
	uint8_t out[MPTCPSCAN_MAX_OPTIONS_LEN];
	size_t written = 0;

	memset(&o, 0, sizeof(o));
	o.subtype = MPTCPSCAN_MPTCP_SUBTYPE_MP_CAPABLE;
	o.body.mp_capable.version = 1;
	o.body.mp_capable.flags = MPTCPSCAN_CAPABLE_FLAG_HMAC;
	CHECK_OK(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written));
	CHECK(written == 4 && memcmp(out, v1_syn, 4) == 0);
	/* The v0 probe of the 2021 study: flags 0x81, key 0x0c0c0c0c0c0c0c0c. */
	o.body.mp_capable.version = 0;
	o.body.mp_capable.flags = MPTCPSCAN_CAPABLE_FLAG_CHECKSUM | MPTCPSCAN_CAPABLE_FLAG_HMAC;
	o.body.mp_capable.has_sender_key = 1;
	o.body.mp_capable.sender_key = 0x0c0c0c0c0c0c0c0cull;
	CHECK_OK(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written));
	CHECK(written == 12 && out[2] == 0x00 && out[3] == 0x81 && out[4] == 0x0c && out[11] == 0x0c);
	/* A receiver key without the sender's makes no layout. */
	o.body.mp_capable.has_sender_key = 0;
	o.body.mp_capable.has_receiver_key = 1;
	CHECK_RESULT(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written),
		     MPTCPSCAN_RESULT_MPTCP_UNREPRESENTABLE);

	/* A v1 ADD_ADDR of 198.18.0.7 port 8080 with an HMAC computed by the library. */
	{
		static const mptcpscan_hmac_keys keys = { 0x1111111111111111ull,
							  0x2222222222222222ull };
		uint32_t check = 99;

		memset(&o, 0, sizeof(o));
		o.subtype = MPTCPSCAN_MPTCP_SUBTYPE_ADD_ADDR;
		o.body.add_addr.version = MPTCPSCAN_MPTCP_VERSION_V1;
		o.body.add_addr.addr_id = 7;
		o.body.add_addr.address.family = MPTCPSCAN_ADDRESS_FAMILY_IPV4;
		memcpy(o.body.add_addr.address.bytes, "\xc6\x12\x00\x07", 4);
		o.body.add_addr.has_port = 1;
		o.body.add_addr.port = 8080;
		o.body.add_addr.has_hmac = 1;
		CHECK_OK(mptcpscan_add_addr_hmac(&keys, 7, &o.body.add_addr.address, 8080,
						 o.body.add_addr.hmac,
						 sizeof(o.body.add_addr.hmac)));
		CHECK_OK(mptcpscan_mptcp_emit(&o, out, sizeof(out), &written));
		CHECK(written == 18 && out[1] == 18 && out[2] == 0x30 && out[8] == 0x1f &&
		      out[9] == 0x90);
		CHECK_OK(mptcpscan_mptcp_parse(out, written, 1, &o));
		CHECK_OK(mptcpscan_add_addr_verify(&keys, o.body.add_addr.addr_id,
						   &o.body.add_addr.address, o.body.add_addr.port,
						   o.body.add_addr.hmac, sizeof(o.body.add_addr.hmac),
						   &check));
		CHECK(check == MPTCPSCAN_ADD_ADDR_CHECK_VALID);
	}
}

static void test_key_derive(void)
{
	uint32_t token = 0;
	uint64_t idsn = 0;

	/* tcpdump/mptcp-v1.pcap packet 2: the server's v1 key; tshark derives the same values. */
	CHECK_OK(mptcpscan_key_derive(MPTCPSCAN_MPTCP_VERSION_V1, 0x29a6c86981ad933cull, &token,
				      &idsn));
	CHECK(token == 2740809090u);
	CHECK(idsn == 11713449205243392241ull);
	/* tcpdump/mptcp-v0.pcap packet 2: the server's v0 key, whose token its MP_JOIN SYN carries. */
	CHECK_OK(mptcpscan_key_derive(MPTCPSCAN_MPTCP_VERSION_V0, 0x967d2770b6960552ull, &token,
				      &idsn));
	CHECK(token == 0xe47f0142u);
	CHECK(idsn == 16464867208451421327ull);
}

static void test_join(void)
{
	/* tcpdump/mptcp-v0.pcap packets 8-10: the client joins a second subflow. */
	static const mptcpscan_join_handshake join = {
		0x9c9eabd1e46a33b2ull, 0x967d2770b6960552ull, 0x1b665a18u, 0x33abe9d5u,
	};
	static const uint8_t syn_ack_hmac[] = { 0x5a, 0xb6, 0x80, 0xc7, 0x88, 0x4a, 0xf0, 0x3d };
	static const uint8_t ack_hmac[] = {
		0xcb, 0x7b, 0x87, 0xf5, 0xe5, 0xf0, 0x50, 0x2f, 0x43, 0xb5,
		0x35, 0xfb, 0x70, 0xef, 0x66, 0x07, 0xdf, 0x2e, 0x6c, 0x7a,
	};
	mptcpscan_join_hmacs hmacs;
	bool valid = false;
	uint8_t wrong[sizeof(ack_hmac)];

	CHECK_OK(mptcpscan_join_compute(MPTCPSCAN_MPTCP_VERSION_V0, &join, &hmacs));
	CHECK(hmacs.expected_token == 0xe47f0142u);
	CHECK(hmacs.full_len == 20);
	CHECK_BYTES(hmacs.syn_ack_hmac, syn_ack_hmac, sizeof(syn_ack_hmac));
	CHECK_BYTES(hmacs.ack_hmac, ack_hmac, sizeof(ack_hmac));
	CHECK_BYTES(hmacs.initiator_hmac, ack_hmac, sizeof(ack_hmac));
	CHECK_BYTES(hmacs.listener_hmac, syn_ack_hmac, sizeof(syn_ack_hmac));

	CHECK_OK(mptcpscan_join_verify_syn_ack(MPTCPSCAN_MPTCP_VERSION_V0, &join, syn_ack_hmac,
					       sizeof(syn_ack_hmac), &valid));
	CHECK(valid);
	CHECK_OK(mptcpscan_join_verify_ack(MPTCPSCAN_MPTCP_VERSION_V0, &join, ack_hmac,
					   sizeof(ack_hmac), &valid));
	CHECK(valid);
	memcpy(wrong, ack_hmac, sizeof(wrong));
	wrong[19] ^= 1;
	CHECK_OK(mptcpscan_join_verify_ack(MPTCPSCAN_MPTCP_VERSION_V0, &join, wrong, sizeof(wrong),
					   &valid));
	CHECK(!valid);
	/* The same handshake under v1 rules gives other HMACs. */
	CHECK_OK(mptcpscan_join_verify_syn_ack(MPTCPSCAN_MPTCP_VERSION_V1, &join, syn_ack_hmac,
					       sizeof(syn_ack_hmac), &valid));
	CHECK(!valid);
	CHECK_OK(mptcpscan_join_compute(MPTCPSCAN_MPTCP_VERSION_V1, &join, &hmacs));
	CHECK(hmacs.full_len == 32);
}

static void test_add_addr_hmac(void)
{
	/*
	 * tcpdump/mptcp-aa-v1.pcap packets 3-5 and 13: the server (key 0x73bb...) advertises
	 * id 1 = 192.168.136.225 with the pre-RFC leftmost truncation of the HMAC.
	 */
	static const mptcpscan_hmac_keys keys = { 0x73bb150358a0aecbull, 0x8f0c7c64a6a32ac1ull };
	static const uint8_t carried[] = { 0x66, 0x99, 0x28, 0x74, 0x43, 0x66, 0x71, 0x6c };
	mptcpscan_hmac_keys reversed = { keys.receiver, keys.sender };
	mptcpscan_address addr;
	uint8_t hmac[MPTCPSCAN_SHORT_HMAC_LEN];
	uint32_t check = 99;

	memset(&addr, 0, sizeof(addr));
	addr.family = MPTCPSCAN_ADDRESS_FAMILY_IPV4;
	addr.bytes[0] = 192;
	addr.bytes[1] = 168;
	addr.bytes[2] = 136;
	addr.bytes[3] = 225;
	CHECK_OK(mptcpscan_add_addr_verify(&keys, 1, &addr, 0, carried, sizeof(carried), &check));
	CHECK(check == MPTCPSCAN_ADD_ADDR_CHECK_PRE_RFC_TRUNCATION);
	CHECK_OK(mptcpscan_add_addr_verify(&reversed, 1, &addr, 0, carried, sizeof(carried),
					   &check));
	CHECK(check == MPTCPSCAN_ADD_ADDR_CHECK_INVALID);
	CHECK_OK(mptcpscan_add_addr_hmac(&keys, 1, &addr, 0, hmac, sizeof(hmac)));
	CHECK(memcmp(hmac, carried, sizeof(hmac)) != 0);
	CHECK_OK(mptcpscan_add_addr_verify(&keys, 1, &addr, 0, hmac, sizeof(hmac), &check));
	CHECK(check == MPTCPSCAN_ADD_ADDR_CHECK_VALID);
}

static void test_dss_checksum(void)
{
	/*
	 * tcpdump/mptcp-fclose.pcap packet 6: the client (v0 key 0x9b59be3d695e66a7, checksums on)
	 * sends one byte 'c' mapped at 32-bit DSN 0xb1712fb6, subflow seq 1, length 1, csum 0x9e91.
	 */
	static const uint8_t payload[] = { 0x63 };
	mptcpscan_dss_mapping mapping;
	mptcpscan_dss_sum *sum = NULL;
	uint32_t token;
	uint64_t idsn, dsn = 0;
	uint16_t checksum = 0, pieces = 0;
	bool valid = false;

	CHECK_OK(mptcpscan_key_derive(MPTCPSCAN_MPTCP_VERSION_V0, 0x9b59be3d695e66a7ull, &token,
				      &idsn));
	CHECK(idsn == 7512766147283988405ull);
	CHECK_OK(mptcpscan_dss_expand_dsn(0xb1712fb6u, idsn, &dsn));
	CHECK(dsn == idsn + 1);
	mapping.dsn = dsn;
	mapping.ssn = 1;
	mapping.data_len = 1;
	CHECK_OK(mptcpscan_dss_checksum(&mapping, payload, sizeof(payload), &checksum));
	CHECK(checksum == 0x9e91);
	CHECK_OK(mptcpscan_dss_checksum_verify(&mapping, payload, sizeof(payload), 0x9e91, &valid));
	CHECK(valid);
	CHECK_OK(mptcpscan_dss_checksum_verify(&mapping, payload, sizeof(payload), 0x9e92, &valid));
	CHECK(!valid);

	CHECK_OK(mptcpscan_dss_sum_new(&mapping, &sum));
	CHECK_OK(mptcpscan_dss_sum_update(sum, payload, 0));
	CHECK_OK(mptcpscan_dss_sum_update(sum, payload, sizeof(payload)));
	CHECK_OK(mptcpscan_dss_sum_finish(sum, 0x9e91, &pieces, &valid));
	CHECK(pieces == 0x9e91 && valid);
	mptcpscan_dss_sum_free(sum);
	mptcpscan_dss_sum_free(NULL);
}

static void test_scope(void)
{
	/* Addresses of the kinds Hesmans et al. saw advertised, and the lab's own prefix. */
	static const struct {
		uint8_t family;
		uint8_t bytes[16];
		uint32_t scope;
		const char *name;
		bool leak;
	} cases[] = {
		{ 4, { 192, 168, 136, 225 }, MPTCPSCAN_SCOPE_PRIVATE, "private", true },
		{ 4, { 169, 254, 3, 4 }, MPTCPSCAN_SCOPE_LINK_LOCAL, "link-local", true },
		{ 4, { 198, 18, 0, 1 }, MPTCPSCAN_SCOPE_BENCHMARKING, "benchmarking", true },
		{ 4, { 8, 8, 8, 8 }, MPTCPSCAN_SCOPE_PUBLIC, "public", false },
		{ 6, { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		  MPTCPSCAN_SCOPE_DOCUMENTATION, "documentation", true },
		{ 6, { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		  MPTCPSCAN_SCOPE_LINK_LOCAL, "link-local", true },
		{ 6, { 0x20, 0x02, 0xc0, 0x00, 0x02, 0x01 }, MPTCPSCAN_SCOPE_SIX_TO_FOUR, "6to4", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mptcpscan_address addr;
		uint32_t scope = 99;
		const char *name = NULL;
		bool leak = !cases[i].leak;

		addr.family = cases[i].family;
		memcpy(addr.bytes, cases[i].bytes, sizeof(addr.bytes));
		CHECK_OK(mptcpscan_address_scope(&addr, &scope));
		CHECK(scope == cases[i].scope);
		CHECK_OK(mptcpscan_scope_describe(scope, &name, &leak));
		CHECK(name != NULL && strcmp(name, cases[i].name) == 0);
		CHECK(leak == cases[i].leak);
	}
}

static void test_classify_real_handshakes(void)
{
	mptcpscan_probe_info probe;
	mptcpscan_classification v1, v0;
	mptcpscan_host_classification host;
	const char *name = NULL;
	char text[320];
	size_t len = 0;

	/* The v1 SYN's options (from its IP packet: 20 + 20 bytes of headers) describe the probe. */
	CHECK_OK(mptcpscan_probe_describe(v1_syn_packet + 40, sizeof(v1_syn_packet) - 40, &probe));
	CHECK(probe.version == MPTCPSCAN_MPTCP_VERSION_V1 && !probe.has_key);
	CHECK(probe.options_len == 24 && probe.mp_capable_offset == 20 && probe.mp_capable_len == 4);
	CHECK(probe.has_mss && probe.mss == 1460 && probe.has_tsval && probe.tsval == 0x1baf9ea1u);
	probe.has_window = 1;
	probe.window = 65535;
	CHECK_OK(mptcpscan_classify_ip(&probe, 2180756989u, v1_synack_packet,
				       sizeof(v1_synack_packet), &v1));
	CHECK(v1.verdict == MPTCPSCAN_VERDICT_MPTCP_V1);
	/* Both ends used window 65535 and scale 8: coincidences, reported, not held against it. */
	CHECK(v1.signals == (MPTCPSCAN_SIGNAL_WINDOW_ECHOED | MPTCPSCAN_SIGNAL_WINDOW_SCALE_ECHOED));
	CHECK(v1.has_key && v1.key == 0x29a6c86981ad933cull && !v1.has_key_distance);
	CHECK(v1.has_version && v1.version == 1 && v1.has_ttl && v1.ttl == 64 && v1.error == 0);
	CHECK_OK(mptcpscan_verdict_name(v1.verdict, &name));
	CHECK(strcmp(name, "mptcp-v1") == 0);
	CHECK_OK(mptcpscan_signals_format(v1.signals, text, sizeof(text), &len));
	CHECK(strcmp(text, "window-scale-echoed,window-echoed") == 0 && len == strlen(text));
	/* The same reply to another SYN (wrong ack) is unsolicited. */
	CHECK_OK(mptcpscan_classify_ip(&probe, 1, v1_synack_packet, sizeof(v1_synack_packet), &v1));
	CHECK(v1.verdict == MPTCPSCAN_VERDICT_UNSOLICITED);
	/* The SYN itself is no answer. */
	CHECK_OK(mptcpscan_classify_ip(&probe, 2180756989u, v1_syn_packet, sizeof(v1_syn_packet),
				       &v1));
	CHECK(v1.verdict == MPTCPSCAN_VERDICT_NOT_SYN_ACK);

	CHECK_OK(mptcpscan_probe_describe(v0_syn_packet + 40, sizeof(v0_syn_packet) - 40, &probe));
	CHECK(probe.version == 0 && probe.has_key && probe.key == 0x9c9eabd1e46a33b2ull);
	CHECK_OK(mptcpscan_classify_ip(&probe, 2912457561u, v0_synack_packet,
				       sizeof(v0_synack_packet), &v0));
	CHECK(v0.verdict == MPTCPSCAN_VERDICT_MPTCP_V0 && v0.signals == 0);
	CHECK(v0.key == 0x967d2770b6960552ull && v0.ttl == 63);
	CHECK(v0.has_key_distance && v0.key_distance == 29);

	/* The same segment, from the TCP header on, with the TTL given separately. */
	CHECK_OK(mptcpscan_classify_tcp(&probe, 2912457561u, v0_synack_packet + 20,
					sizeof(v0_synack_packet) - 20, MPTCPSCAN_TTL_UNKNOWN, &v0));
	CHECK(v0.verdict == MPTCPSCAN_VERDICT_MPTCP_V0 && !v0.has_ttl);

	/* Real v0 and real v1 answers with different keys: a stack speaking both versions. */
	CHECK_OK(mptcpscan_classify_ip(&probe, 2912457561u, v0_synack_packet,
				       sizeof(v0_synack_packet), &v0));
	CHECK_OK(mptcpscan_probe_describe(v1_syn_packet + 40, sizeof(v1_syn_packet) - 40, &probe));
	CHECK_OK(mptcpscan_classify_ip(&probe, 2180756989u, v1_synack_packet,
				       sizeof(v1_synack_packet), &v1));
	CHECK_OK(mptcpscan_combine(&v0, &v1, NULL, &host));
	CHECK(host.verdict == MPTCPSCAN_HOST_VERDICT_V0_AND_V1 && host.is_mptcp);
	CHECK(host.signals == MPTCPSCAN_HOST_SIGNAL_TTL_DIFFERS);
	CHECK_OK(mptcpscan_host_verdict_name(host.verdict, &name));
	CHECK(strcmp(name, "v0-and-v1") == 0);
	CHECK_OK(mptcpscan_combine(NULL, &v1, NULL, &host));
	CHECK(host.verdict == MPTCPSCAN_HOST_VERDICT_V1_ONLY && host.is_mptcp);
	CHECK_OK(mptcpscan_combine(&v0, NULL, NULL, &host));
	CHECK(host.verdict == MPTCPSCAN_HOST_VERDICT_V0_ONLY);
	CHECK_OK(mptcpscan_combine(NULL, NULL, NULL, &host));
	CHECK(host.verdict == MPTCPSCAN_HOST_VERDICT_NO_ANSWER && !host.is_mptcp);
	/* A v1 reply carrying the key our v0 probe sent. */
	{
		uint64_t ours = 0x29a6c86981ad933cull;

		CHECK_OK(mptcpscan_combine(NULL, &v1, &ours, &host));
		CHECK(host.verdict == MPTCPSCAN_HOST_VERDICT_MIRRORED);
		CHECK(host.signals & MPTCPSCAN_HOST_SIGNAL_CROSS_ECHO);
	}
}

/* Builds a SYN from the study's spec, turns it into the SYN-ACK a mirroring box sends back. */
static void test_probe_and_mirror(void)
{
	mptcpscan_probe_spec spec;
	mptcpscan_syn_template *tpl = NULL;
	mptcpscan_probe_info info;
	mptcpscan_ipv4_target target;
	mptcpscan_classification c;
	uint8_t block[MPTCPSCAN_MAX_OPTIONS_LEN], pkt[MPTCPSCAN_MAX_SYN_V4_LEN];
	size_t len = 0, plen = 0;
	uint32_t sum;
	char text[320];

	CHECK_OK(mptcpscan_probe_spec_default(MPTCPSCAN_MPTCP_VERSION_V0, MPTCPSCAN_STUDY2021_KEY,
					      MPTCPSCAN_COMPANIONS_STUDY2021, &spec));
	CHECK_OK(mptcpscan_probe_options(&spec, block, sizeof(block), &len));
	CHECK(len == sizeof(study_block) && memcmp(block, study_block, len) == 0);

	CHECK_OK(mptcpscan_syn_template_new(MPTCPSCAN_ADDRESS_FAMILY_IPV4, &spec, &tpl));
	CHECK_OK(mptcpscan_syn_template_prepare(tpl, pkt, sizeof(pkt), &plen));
	CHECK(plen == 20 + 20 + 32);
	memset(&target, 0, sizeof(target));
	memcpy(target.src, "\xc6\x12\x00\x01", 4);
	memcpy(target.dst, "\xc6\x13\x00\x07", 4);
	target.seq = 0xdeadbeefu;
	target.src_port = 40000;
	target.dst_port = 80;
	target.ip_id = 54321;
	target.ttl = 64;
	CHECK_OK(mptcpscan_syn_template_patch_v4(tpl, &target, pkt, sizeof(pkt), &plen));
	CHECK(plen == 72 && pkt[0] == 0x45 && pkt[8] == 64 && pkt[9] == 6);
	CHECK(memcmp(pkt + 12, target.src, 4) == 0 && memcmp(pkt + 16, target.dst, 4) == 0);
	CHECK(pkt[20] == 0x9c && pkt[21] == 0x40 && pkt[22] == 0 && pkt[23] == 80);
	CHECK(pkt[24] == 0xde && pkt[27] == 0xef && pkt[33] == 0x02 && pkt[34] == 0xff);
	CHECK(memcmp(pkt + 40, study_block, sizeof(study_block)) == 0);
	/* Both checksums verify: IP header, and TCP with its pseudo-header. */
	CHECK(fold(sum16(pkt, 20, 0)) == 0xffff);
	sum = sum16(pkt + 12, 8, 0) + 6 + (uint32_t)(plen - 20);
	CHECK(fold(sum16(pkt + 20, plen - 20, sum)) == 0xffff);
	CHECK_OK(mptcpscan_syn_template_set_ttl(tpl, 3, pkt, plen));
	CHECK(pkt[8] == 3 && fold(sum16(pkt, 20, 0)) == 0xffff);

	CHECK_OK(mptcpscan_syn_template_info(tpl, &info));
	CHECK(info.has_key && info.key == MPTCPSCAN_STUDY2021_KEY && info.version == 0);
	CHECK(info.has_window && info.window == 65535 && info.has_tsval && info.tsval == 0x0f0f0f01u);

	/* The mirror: our SYN back with SYN and ACK set and ack = seq + 1. */
	pkt[33] = 0x12;
	pkt[28] = 0xde;
	pkt[29] = 0xad;
	pkt[30] = 0xbe;
	pkt[31] = 0xf0;
	CHECK_OK(mptcpscan_classify_tcp(&info, 0xdeadbeefu, pkt + 20, plen - 20, 52, &c));
	CHECK(c.verdict == MPTCPSCAN_VERDICT_MIRRORED);
	CHECK(c.signals & MPTCPSCAN_SIGNAL_KEY_ECHOED && c.signals & MPTCPSCAN_SIGNAL_BLOCK_ECHOED);
	CHECK((c.signals & ~(MPTCPSCAN_SIGNALS_DECISIVE | MPTCPSCAN_SIGNALS_SUSPICIOUS |
			     MPTCPSCAN_SIGNALS_INFORMATIONAL)) == 0);
	CHECK(c.key == MPTCPSCAN_STUDY2021_KEY && c.key_distance == 0 && c.ttl == 52);
	CHECK_OK(mptcpscan_signals_format(c.signals, text, sizeof(text), &len));
	CHECK(strncmp(text, "key-echoed,block-echoed,mp-capable-echoed", 41) == 0);
	/* A reset instead. */
	pkt[33] = 0x14;
	CHECK_OK(mptcpscan_classify_tcp(&info, 0xdeadbeefu, pkt + 20, plen - 20, 52, &c));
	CHECK(c.verdict == MPTCPSCAN_VERDICT_RST);
	mptcpscan_syn_template_free(tpl);

	/* IPv6, from the v1 Linux companions. */
	{
		mptcpscan_ipv6_target t6;
		uint8_t p6[MPTCPSCAN_MAX_SYN_V6_LEN];

		CHECK_OK(mptcpscan_probe_spec_default(MPTCPSCAN_MPTCP_VERSION_V1, 0,
						      MPTCPSCAN_COMPANIONS_LINUX, &spec));
		CHECK_OK(mptcpscan_syn_template_new(MPTCPSCAN_ADDRESS_FAMILY_IPV6, &spec, &tpl));
		CHECK_OK(mptcpscan_syn_template_prepare(tpl, p6, sizeof(p6), &plen));
		memset(&t6, 0, sizeof(t6));
		memcpy(t6.src, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(t6.dst, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
		t6.seq = 7;
		t6.src_port = 1234;
		t6.dst_port = 443;
		t6.hop_limit = 9;
		CHECK_OK(mptcpscan_syn_template_patch_v6(tpl, &t6, p6, sizeof(p6), &plen));
		CHECK(plen == 40 + 20 + 24 && p6[0] >> 4 == 6 && p6[6] == 6 && p6[7] == 9);
		sum = sum16(p6 + 8, 32, 0) + 6 + (uint32_t)(plen - 40);
		CHECK(fold(sum16(p6 + 40, plen - 40, sum)) == 0xffff);
		CHECK(memcmp(p6 + plen - 4, "\x1e\x04\x01\x01", 4) == 0);
		CHECK_RESULT(mptcpscan_syn_template_patch_v4(tpl, &target, p6, sizeof(p6), &plen),
			     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
		mptcpscan_syn_template_free(tpl);
	}

	/* A caller-given block: the v1 SYN options of mptcp-v1.pcap packet 1. */
	CHECK_OK(mptcpscan_syn_template_new_raw(MPTCPSCAN_ADDRESS_FAMILY_IPV4, v1_syn_options,
						sizeof(v1_syn_options), 65535, &tpl));
	CHECK_OK(mptcpscan_syn_template_info(tpl, &info));
	CHECK(info.version == 1 && info.options_len == 24 && info.window_scale == 8);
	mptcpscan_syn_template_free(tpl);
	mptcpscan_syn_template_free(NULL);
}

/* splitmix64: keys with the statistics of a random generator. */
static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void test_histogram(void)
{
	mptcpscan_histogram real, echoes;
	mptcpscan_histogram_summary s;
	uint64_t state = 1;
	double excess = 0;
	int i;

	memset(&real, 0, sizeof(real));
	memset(&echoes, 0, sizeof(echoes));
	/* The real keys of the captures first, then random ones. */
	CHECK_OK(mptcpscan_histogram_add(&real, 0x29a6c86981ad933cull));
	CHECK_OK(mptcpscan_histogram_add(&real, 0x967d2770b6960552ull));
	for (i = 0; i < 3000; i++)
		CHECK_OK(mptcpscan_histogram_add(&real, splitmix(&state)));
	CHECK_OK(mptcpscan_histogram_summarize(&real, &s));
	CHECK(s.total == 3002 && s.has_test && !s.polluted);
	CHECK(s.mean > 31.5 && s.mean < 32.5 && s.variance > 14 && s.variance < 18);
	CHECK(s.p_value > 0.001 && s.dof > 10);

	for (i = 0; i < 300; i++)
		CHECK_OK(mptcpscan_histogram_add(&echoes, MPTCPSCAN_STUDY2021_KEY));
	CHECK(echoes.counts[16] == 300);
	CHECK_OK(mptcpscan_histogram_merge(&real, &echoes));
	CHECK_OK(mptcpscan_histogram_summarize(&real, &s));
	CHECK(s.total == 3302 && s.polluted && s.spike_weight == 16 && s.p_value < 1e-6);
	CHECK_OK(mptcpscan_histogram_excess(&real, 16, &excess));
	CHECK(excess > 290 && excess < 310);

	memset(&echoes, 0, sizeof(echoes));
	CHECK_OK(mptcpscan_histogram_summarize(&echoes, &s));
	CHECK(s.total == 0 && !s.has_test);
}

/* Wraps `quote` in an ICMPv4 time-exceeded from 198.18.0.254 to 198.18.0.1, checksums filled. */
static size_t icmp_time_exceeded(const uint8_t *quote, size_t quote_len, uint8_t *out)
{
	size_t total = 20 + 8 + quote_len;
	uint16_t c;

	memset(out, 0, 28);
	out[0] = 0x45;
	out[2] = (uint8_t)(total >> 8);
	out[3] = (uint8_t)total;
	out[8] = 253;
	out[9] = 1;
	memcpy(out + 12, "\xc6\x12\x00\xfe\xc6\x12\x00\x01", 8);
	c = (uint16_t)~fold(sum16(out, 20, 0));
	out[10] = (uint8_t)(c >> 8);
	out[11] = (uint8_t)c;
	out[20] = 11;
	memcpy(out + 28, quote, quote_len);
	c = (uint16_t)~fold(sum16(out + 20, 8 + quote_len, 0));
	out[22] = (uint8_t)(c >> 8);
	out[23] = (uint8_t)c;
	return total;
}

/*
 * The tracebox case of REFERENCE section 5: our v1 SYN (TTL 3) crosses a middlebox that
 * overwrites MP_CAPABLE with NOPs (fixing the TCP checksum); the third router quotes it (TTL 1).
 */
static void test_quote(void)
{
	mptcpscan_probe_spec spec;
	mptcpscan_syn_template *tpl = NULL;
	mptcpscan_ipv4_target t;
	mptcpscan_icmp_error err;
	mptcpscan_quote_diff diff;
	mptcpscan_quote_change changes[MPTCPSCAN_QUOTE_MAX_CHANGES];
	mptcpscan_mptcp_hop path[4];
	mptcpscan_path_change first;
	uint8_t sent[MPTCPSCAN_MAX_SYN_V4_LEN], quote[MPTCPSCAN_MAX_SYN_V4_LEN], icmp[200];
	char text[1024];
	size_t len = 0, qlen, ilen, i;
	uint32_t sum;
	uint16_t c;

	CHECK_OK(mptcpscan_probe_spec_default(MPTCPSCAN_MPTCP_VERSION_V1, 0,
					      MPTCPSCAN_COMPANIONS_MINIMAL, &spec));
	CHECK_OK(mptcpscan_syn_template_new(MPTCPSCAN_ADDRESS_FAMILY_IPV4, &spec, &tpl));
	memset(&t, 0, sizeof(t));
	memcpy(t.src, "\xc6\x12\x00\x01", 4);
	memcpy(t.dst, "\xc6\x13\x00\x07", 4);
	t.seq = 1;
	t.src_port = 40000;
	t.dst_port = 80;
	t.ip_id = 1;
	t.ttl = 3;
	CHECK_OK(mptcpscan_syn_template_prepare(tpl, sent, sizeof(sent), &len));
	CHECK_OK(mptcpscan_syn_template_patch_v4(tpl, &t, sent, sizeof(sent), &len));
	CHECK(len == 44);
	memcpy(quote, sent, len);
	qlen = len;
	memset(quote + 40, 1, 4);
	quote[36] = quote[37] = 0;
	sum = sum16(quote + 12, 8, 0) + 6 + (uint32_t)(qlen - 20);
	c = (uint16_t)~fold(sum16(quote + 20, qlen - 20, sum));
	quote[36] = (uint8_t)(c >> 8);
	quote[37] = (uint8_t)c;
	CHECK_OK(mptcpscan_syn_template_set_ttl(tpl, 1, quote, qlen));

	ilen = icmp_time_exceeded(quote, qlen, icmp);
	CHECK_OK(mptcpscan_icmp_error_parse(icmp, ilen, &err));
	CHECK(err.kind == MPTCPSCAN_ICMP_ERROR_KIND_TIME_EXCEEDED && err.icmp_type == 11);
	CHECK(err.code == 0 && err.checksum_ok && err.arrival_ttl == 253);
	CHECK(err.from.family == 4 && memcmp(err.from.bytes, "\xc6\x12\x00\xfe", 4) == 0);
	CHECK(err.quote_offset == 28 && err.quote_len == qlen);

	CHECK_OK(mptcpscan_quote_compare(sent, len, icmp + err.quote_offset, err.quote_len, &diff,
					 changes, MPTCPSCAN_QUOTE_MAX_CHANGES));
	CHECK(diff.mptcp.kind == MPTCPSCAN_MPTCP_HOP_KIND_REPLACED_BY_NOPS);
	CHECK(diff.ttl_sent == 3 && diff.ttl_quoted == 1 && diff.ip_checksum_explained_by_ttl);
	CHECK(!diff.is_partial && diff.reach == MPTCPSCAN_REACH_TCP_HEADER && !diff.is_v6);
	CHECK(diff.change_count >= 3 && !diff.overflowed);
	for (i = 0; i < diff.change_count && i < MPTCPSCAN_QUOTE_MAX_CHANGES; i++) {
		if (changes[i].change == MPTCPSCAN_CHANGE_TYPE_TCP)
			CHECK(changes[i].field == MPTCPSCAN_TCP_FIELD_CHECKSUM);
		if (changes[i].change == MPTCPSCAN_CHANGE_TYPE_MPTCP)
			CHECK(changes[i].field == MPTCPSCAN_MPTCP_CHANGE_REPLACED_BY_NOPS);
		if (changes[i].change == MPTCPSCAN_CHANGE_TYPE_OPTION_ADDED)
			CHECK(changes[i].option_kind == MPTCPSCAN_OPTION_KIND_NOP &&
			      changes[i].count == 4);
	}
	CHECK_OK(mptcpscan_quote_tokens(sent, len, quote, qlen, text, sizeof(text), &len));
	CHECK(strcmp(text, "IP::TTL IP::CheckSum TCP::CheckSum -TCPOptionMPTCPCapable "
			   "+TCPOptionPad") == 0);
	CHECK(len == strlen(text));
	CHECK_OK(mptcpscan_mptcp_hop_format(&diff.mptcp, text, sizeof(text), &len));
	CHECK(strcmp(text, "replaced-by-nops") == 0);

	/* An RFC 792 router quotes the IP header and 8 bytes of TCP only. */
	CHECK_OK(mptcpscan_quote_compare(sent, 44, quote, 28, &diff, changes,
					 MPTCPSCAN_QUOTE_MAX_CHANGES));
	CHECK(diff.is_partial && diff.reach == MPTCPSCAN_REACH_TRANSPORT_CUT);
	CHECK(diff.mptcp.kind == MPTCPSCAN_MPTCP_HOP_KIND_NO_INFORMATION);
	CHECK_OK(mptcpscan_quote_tokens(sent, 44, quote, 28, text, sizeof(text), &len));
	CHECK(strcmp(text, "IP::TTL IP::CheckSum [PARTIAL]") == 0);

	/* Hop 1 intact, hop 2 silent, hop 3 the middlebox's work, hop 4 the server. */
	memset(path, 0, sizeof(path));
	path[0].kind = MPTCPSCAN_MPTCP_HOP_KIND_INTACT;
	path[1].kind = MPTCPSCAN_MPTCP_HOP_KIND_NO_INFORMATION;
	path[2] = diff.mptcp;
	path[2].kind = MPTCPSCAN_MPTCP_HOP_KIND_REPLACED_BY_NOPS;
	path[3].kind = MPTCPSCAN_MPTCP_HOP_KIND_KEY_REWRITTEN;
	path[3].hamming = 31;
	CHECK_OK(mptcpscan_first_mptcp_change(path, 4, &first));
	CHECK(first.hop == 3 && first.has_last_intact && first.last_intact == 1);
	CHECK(first.summary.kind == MPTCPSCAN_MPTCP_HOP_KIND_REPLACED_BY_NOPS);
	CHECK_OK(mptcpscan_mptcp_hop_format(&path[3], text, sizeof(text), &len));
	CHECK(strcmp(text, "key-rewritten(31 bits)") == 0);
	CHECK_RESULT(mptcpscan_first_mptcp_change(path, 2, &first), MPTCPSCAN_RESULT_NOT_FOUND);
	mptcpscan_syn_template_free(tpl);
}

/*
 * The trace rules, decided by the library: the cases mptcpscan trace and mptcp.lua used to
 * disagree on, and the text every tool prints.
 */
static void test_trace_conclusion(void)
{
	mptcpscan_mptcp_hop path[3];
	mptcpscan_trace_conclusion c;
	const char *name = NULL;
	char text[128];
	size_t len = 0;
	uint32_t best = 0, kind = 99, i;

	memset(path, 0, sizeof(path));
	path[0].kind = MPTCPSCAN_MPTCP_HOP_KIND_INTACT;
	path[1].kind = MPTCPSCAN_MPTCP_HOP_KIND_REMOVED;
	/* MP_CAPABLE removed at hop 2, then no answer: the quote is the evidence. */
	CHECK_OK(mptcpscan_trace_conclude(path, 3, 0, 0, &c));
	CHECK(c.outcome == MPTCPSCAN_TRACE_OUTCOME_MIDDLEBOX_AFFECTED && c.has_change);
	CHECK(c.change.hop == 2 && c.change.has_last_intact && c.change.last_intact == 1);
	CHECK_OK(mptcpscan_trace_conclusion_format(&c, text, sizeof(text), &len));
	CHECK(strcmp(text, "middlebox-affected at hop 2 (removed)") == 0 && len == strlen(text));
	/* The option gone at the first changed hop: a stripper. */
	CHECK_OK(mptcpscan_trace_conclusion_interference(&c, &kind));
	CHECK(kind == MPTCPSCAN_TRACE_INTERFERENCE_STRIPPED);
	CHECK_OK(mptcpscan_trace_interference_name(kind, &name));
	CHECK(strcmp(name, "stripped") == 0);
	CHECK_RESULT(mptcpscan_trace_interference_name(MPTCPSCAN_TRACE_INTERFERENCE_RESIZED + 1,
						       &name),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);

	/* A suspicious reply on a clean path: the trace it asked for found nothing. */
	CHECK_OK(mptcpscan_trace_conclude(path, 1, 1, MPTCPSCAN_VERDICT_SUSPICIOUS, &c));
	CHECK(c.outcome == MPTCPSCAN_TRACE_OUTCOME_TRULY_MPTCP && !c.has_change);
	CHECK_OK(mptcpscan_trace_conclusion_format(&c, text, sizeof(text), &len));
	CHECK(strcmp(text, "truly-mptcp") == 0);
	CHECK_OK(mptcpscan_trace_conclusion_interference(&c, &kind));
	CHECK(kind == MPTCPSCAN_TRACE_INTERFERENCE_NONE);

	CHECK_OK(mptcpscan_trace_conclude(path, 1, 1, MPTCPSCAN_VERDICT_MIRRORED, &c));
	CHECK(c.outcome == MPTCPSCAN_TRACE_OUTCOME_MIRRORED);
	CHECK_OK(mptcpscan_trace_conclude(path, 1, 1, MPTCPSCAN_VERDICT_RST, &c));
	CHECK(c.outcome == MPTCPSCAN_TRACE_OUTCOME_CLOSED);
	CHECK_OK(mptcpscan_trace_conclude(path, 1, 1, MPTCPSCAN_VERDICT_NO_MP_CAPABLE, &c));
	CHECK(c.outcome == MPTCPSCAN_TRACE_OUTCOME_NOT_MPTCP);
	CHECK_OK(mptcpscan_trace_conclude(NULL, 0, 0, 0, &c));
	CHECK(c.outcome == MPTCPSCAN_TRACE_OUTCOME_UNREACHABLE);
	CHECK_RESULT(mptcpscan_trace_conclude(NULL, 1, 0, 0, &c), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_trace_conclude(path, 1, 1, 99, &c), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_trace_conclude(path, 256, 0, 0, &c),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_trace_conclusion_format(&c, text, 5, &len),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);

	CHECK_OK(mptcpscan_trace_outcome_most_telling(MPTCPSCAN_TRACE_OUTCOME_TRULY_MPTCP,
						      MPTCPSCAN_TRACE_OUTCOME_MIRRORED, &best));
	CHECK(best == MPTCPSCAN_TRACE_OUTCOME_MIRRORED);
	CHECK_OK(mptcpscan_trace_outcome_name(MPTCPSCAN_TRACE_OUTCOME_NOT_MPTCP, &name));
	CHECK(strcmp(name, "not-mptcp") == 0);
	CHECK_RESULT(mptcpscan_trace_outcome_name(6, &name), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_OK(mptcpscan_trace_responder_name(MPTCPSCAN_TRACE_RESPONDER_RST, &name));
	CHECK(strcmp(name, "rst") == 0);
	for (i = 0; i <= MPTCPSCAN_TRACE_OUTCOME_UNREACHABLE; i++)
		CHECK_OK(mptcpscan_trace_outcome_name(i, &name));
}

/* Every name the glue prints comes from these calls, never from a table of its own. */
static void test_names(void)
{
	const char *name = NULL;
	uint32_t companions = 99;
	char text[MPTCPSCAN_OPTIONS_TEXT_LEN];
	size_t len = 0;

	CHECK_OK(mptcpscan_mptcp_hop_kind_name(MPTCPSCAN_MPTCP_HOP_KIND_PARTIAL_LENGTH_CHANGED,
					       &name));
	CHECK(strcmp(name, "partial-length-changed") == 0);
	CHECK_RESULT(mptcpscan_mptcp_hop_kind_name(7, &name), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_OK(mptcpscan_reach_name(MPTCPSCAN_REACH_TCP_FIXED_HEADER, &name));
	CHECK(strcmp(name, "tcp-fixed-header") == 0);
	CHECK_OK(mptcpscan_companions_name(MPTCPSCAN_COMPANIONS_WINDOWS, &name));
	CHECK(strcmp(name, "windows") == 0);
	CHECK_RESULT(mptcpscan_companions_name(MPTCPSCAN_COMPANIONS_RAW, &name),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_OK(mptcpscan_companions_from_name("study2021", &companions));
	CHECK(companions == MPTCPSCAN_COMPANIONS_STUDY2021);
	CHECK_RESULT(mptcpscan_companions_from_name("Linux", &companions),
		     MPTCPSCAN_RESULT_NOT_FOUND);

	/* The option area inside a whole packet, found by the library. */
	{
		uint8_t packet[40 + sizeof(v1_synack_options)];
		size_t at = 0, alen = 0;

		memset(packet, 0, 40);
		packet[0] = 0x45;
		packet[3] = (uint8_t)sizeof(packet);
		packet[9] = 6;
		packet[32] = (uint8_t)((20 + sizeof(v1_synack_options)) / 4 << 4);
		memcpy(packet + 40, v1_synack_options, sizeof(v1_synack_options));
		CHECK_OK(mptcpscan_ip_tcp_options(packet, sizeof(packet), &at, &alen));
		CHECK(at == 40 && alen == sizeof(v1_synack_options));
		CHECK_RESULT(mptcpscan_ip_tcp_options(packet, 50, &at, &alen),
			     MPTCPSCAN_RESULT_WIRE_TRUNCATED);
		packet[9] = 17;
		CHECK_RESULT(mptcpscan_ip_tcp_options(packet, sizeof(packet), &at, &alen),
			     MPTCPSCAN_RESULT_WIRE_PROTOCOL);
	}
	/* tcpdump/mptcp-v1.pcap packet 2, the SYN-ACK's options. */
	CHECK_OK(mptcpscan_options_text(v1_synack_options, sizeof(v1_synack_options), text,
					sizeof(text), &len));
	CHECK(strcmp(text, "MSS:1460 SACKPERM TS:3275212179/464494241 NOP WS:8 "
			   "MPCAPABLE:v1:flags=01:key=29a6c86981ad933c") == 0);
	CHECK(len == strlen(text));
	/* Cut inside the timestamps: the text says where the walk broke. */
	CHECK_OK(mptcpscan_options_text(v1_synack_options, 10, text, sizeof(text), &len));
	CHECK(strcmp(text, "MSS:1460 SACKPERM MALFORMED@6") == 0);
	CHECK_RESULT(mptcpscan_options_text(v1_synack_options, 4, text, 8, &len),
		     MPTCPSCAN_RESULT_BUFFER_TOO_SHORT);
}

/* A TCP header with `options` (a multiple of 4 bytes long) into `out`; returns its length. */
static size_t tcp_segment(uint8_t *out, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			  uint8_t flags, const uint8_t *options, size_t options_len)
{
	memset(out, 0, 20);
	out[0] = (uint8_t)(sport >> 8);
	out[1] = (uint8_t)sport;
	out[2] = (uint8_t)(dport >> 8);
	out[3] = (uint8_t)dport;
	out[4] = (uint8_t)(seq >> 24);
	out[5] = (uint8_t)(seq >> 16);
	out[6] = (uint8_t)(seq >> 8);
	out[7] = (uint8_t)seq;
	out[8] = (uint8_t)(ack >> 24);
	out[9] = (uint8_t)(ack >> 16);
	out[10] = (uint8_t)(ack >> 8);
	out[11] = (uint8_t)ack;
	out[12] = (uint8_t)(((20 + options_len) / 4) << 4);
	out[13] = flags;
	out[14] = 0xff;
	memcpy(out + 20, options, options_len);
	return 20 + options_len;
}

/* The handshake of tcpdump/mptcp-v1.pcap (packets 1 to 3) through the tracker handle. */
static void test_tracker(void)
{
	mptcpscan_tracker *tracker = NULL;
	mptcpscan_findings found;
	mptcpscan_segment seg;
	uint8_t tcp[60];
	const char *name;

	CHECK_OK(mptcpscan_tracker_new(&tracker));
	memset(&seg, 0, sizeof(seg));
	seg.src.family = seg.dst.family = MPTCPSCAN_ADDRESS_FAMILY_IPV4;
	memcpy(seg.src.bytes, "\xc6\x12\x00\x01", 4);
	memcpy(seg.dst.bytes, "\xc6\x12\x00\x02", 4);
	seg.tcp = tcp;
	seg.ttl = 64;

	seg.frame = 1;
	seg.tcp_len = tcp_segment(tcp, 40000, 80, 1000, 0, 0x02, v1_syn_options,
				  sizeof(v1_syn_options));
	CHECK_OK(mptcpscan_tracker_feed(tracker, &seg, &found));
	CHECK(found.tracked && !found.has_connection && found.n_options == 1);
	CHECK(found.events & MPTCPSCAN_EVENT_SUBFLOW_OPENED);
	CHECK(found.options[0].offset == 20 && found.options[0].len == 4);

	seg.frame = 2;
	seg.time_ns = 1000000;
	memcpy(seg.src.bytes, "\xc6\x12\x00\x02", 4);
	memcpy(seg.dst.bytes, "\xc6\x12\x00\x01", 4);
	seg.tcp_len = tcp_segment(tcp, 80, 40000, 5000, 1001, 0x12, v1_synack_options,
				  sizeof(v1_synack_options));
	CHECK_OK(mptcpscan_tracker_feed(tracker, &seg, &found));
	CHECK(found.has_handshake && found.syn_frame == 1 && found.handshake_error == 0);
	CHECK(found.classification.verdict == MPTCPSCAN_VERDICT_MPTCP_V1);
	CHECK(found.has_connection && found.connection == 1 && found.subflow == 0);
	CHECK(found.options[0].n_keys == 1 && found.options[0].keys[0] == 0x29a6c86981ad933cULL);
	CHECK(found.options[0].tokens[0] == 2740809090U);
	CHECK(found.options[0].idsns[0] == 11713449205243392241ULL);
	/* A SYN-ACK alone does not establish the subflow. */
	CHECK(!(found.events & MPTCPSCAN_EVENT_SUBFLOW_ESTABLISHED));

	seg.frame = 3;
	memcpy(seg.src.bytes, "\xc6\x12\x00\x01", 4);
	memcpy(seg.dst.bytes, "\xc6\x12\x00\x02", 4);
	seg.tcp_len = tcp_segment(tcp, 40000, 80, 1001, 5001, 0x10, v1_ack_options,
				  sizeof(v1_ack_options));
	CHECK_OK(mptcpscan_tracker_feed(tracker, &seg, &found));
	CHECK(found.events & MPTCPSCAN_EVENT_SUBFLOW_ESTABLISHED);
	CHECK(found.options[0].n_keys == 2 && found.options[0].keys[1] == 0x29a6c86981ad933cULL);
	CHECK(found.options[0].dss_checksum == MPTCPSCAN_CHECK_NONE);

	/* Short or foreign input is an error; the tracker stays usable. */
	seg.tcp_len = 12;
	CHECK_RESULT(mptcpscan_tracker_feed(tracker, &seg, &found), MPTCPSCAN_RESULT_WIRE_TRUNCATED);
	seg.src.family = 5;
	CHECK_RESULT(mptcpscan_tracker_feed(tracker, &seg, &found),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_tracker_feed(tracker, NULL, &found), MPTCPSCAN_RESULT_NULL_PARAMETER);
	mptcpscan_tracker_free(tracker);
	mptcpscan_tracker_free(NULL);

	CHECK_OK(mptcpscan_check_name(MPTCPSCAN_CHECK_PRE_RFC_TRUNCATION, &name));
	CHECK(strcmp(name, "pre-rfc-truncation") == 0);
	CHECK_OK(mptcpscan_unverifiable_name(MPTCPSCAN_UNVERIFIABLE_KEYS_UNKNOWN, &name));
	CHECK(strcmp(name, "keys unknown") == 0);
	CHECK_RESULT(mptcpscan_check_name(MPTCPSCAN_CHECK_NONE, &name),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
}

/*
 * The same handshake, then an MP_JOIN SYN (backup, address id 2) from 198.18.0.3 to the
 * server's token 0xa35d6d82, never answered: the records the tracker keeps for them.
 */
static const uint8_t join_syn_options[] = {
	0x1e, 0x0c, 0x11, 0x02, 0xa3, 0x5d, 0x6d, 0x82, 0x01, 0x02, 0x03, 0x04,
};

static void feed(mptcpscan_tracker *tracker, uint64_t frame, uint8_t src, uint8_t dst,
		 uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		 const uint8_t *options, size_t options_len)
{
	mptcpscan_findings found;
	mptcpscan_segment seg;
	uint8_t tcp[60];

	memset(&seg, 0, sizeof(seg));
	seg.src.family = seg.dst.family = MPTCPSCAN_ADDRESS_FAMILY_IPV4;
	memcpy(seg.src.bytes, "\xc6\x12\x00", 3);
	memcpy(seg.dst.bytes, "\xc6\x12\x00", 3);
	seg.src.bytes[3] = src;
	seg.dst.bytes[3] = dst;
	seg.frame = frame;
	seg.time_ns = (int64_t)frame * 1000000;
	seg.ttl = 64;
	seg.tcp = tcp;
	seg.tcp_len = tcp_segment(tcp, sport, dport, seq, ack, flags, options, options_len);
	CHECK_OK(mptcpscan_tracker_feed(tracker, &seg, &found));
}

static void test_tracker_records(void)
{
	mptcpscan_tracker *tracker = NULL;
	mptcpscan_connection conn;
	mptcpscan_subflow sub;
	size_t count = 99;
	const char *name;

	CHECK_OK(mptcpscan_tracker_new_with_records(&tracker));
	feed(tracker, 1, 1, 2, 40000, 80, 1000, 0, 0x02, v1_syn_options, sizeof(v1_syn_options));
	feed(tracker, 2, 2, 1, 80, 40000, 5000, 1001, 0x12, v1_synack_options,
	     sizeof(v1_synack_options));
	feed(tracker, 3, 1, 2, 40000, 80, 1001, 5001, 0x10, v1_ack_options, sizeof(v1_ack_options));
	feed(tracker, 4, 3, 2, 40001, 80, 7000, 0, 0x02, join_syn_options,
	     sizeof(join_syn_options));
	/* Still open: nothing finished before the end of the capture. */
	CHECK_OK(mptcpscan_tracker_connection_count(tracker, &count));
	CHECK(count == 0);
	CHECK_OK(mptcpscan_tracker_finish(tracker));
	CHECK_OK(mptcpscan_tracker_connection_count(tracker, &count));
	CHECK(count == 1);

	CHECK_OK(mptcpscan_tracker_connection(tracker, 0, &conn));
	CHECK(conn.id == 1 && conn.first_frame == 1 && conn.n_subflows == 2);
	CHECK(conn.has_version && conn.version == MPTCPSCAN_MPTCP_VERSION_V1);
	CHECK(conn.initial_syn_seen && conn.has_key[0] && conn.has_key[1]);
	CHECK(conn.keys[1] == 0x29a6c86981ad933cULL && conn.tokens[1] == 0xa35d6d82U);
	CHECK(conn.client.family == MPTCPSCAN_ADDRESS_FAMILY_IPV4 && conn.client.bytes[3] == 1);
	CHECK(conn.server.bytes[3] == 2 && conn.client_port == 40000 && conn.server_port == 80);
	CHECK(conn.packets[0] == 2 && conn.packets[1] == 1);
	CHECK(conn.first_time_ns == 1000000);
	/* The join's SYN got no answer before the end of the capture: failed, "no answer". */
	CHECK(conn.subflows_established == 1 && conn.subflows_failed == 1);
	CHECK(conn.subflows_attempted == 0 && conn.checksums_invalid == 0);
	CHECK(conn.ending == MPTCPSCAN_CONNECTION_ENDING_OPEN);
	CHECK_OK(mptcpscan_connection_ending_name(conn.ending, &name));
	CHECK(strcmp(name, "open") == 0);

	CHECK_OK(mptcpscan_tracker_subflow(tracker, 0, 0, &sub));
	CHECK(sub.index == 0 && !sub.is_join && sub.first_frame == 1);
	CHECK(sub.state == MPTCPSCAN_SUBFLOW_STATE_ESTABLISHED);
	CHECK(sub.has_handshake_rtt && sub.handshake_rtt_ns == 2000000);
	CHECK_OK(mptcpscan_subflow_state_name(sub.state, &name));
	CHECK(strcmp(name, "established") == 0);
	CHECK_OK(mptcpscan_subflow_ending_name(sub.ending, &name));
	CHECK(strcmp(name, "open") == 0);

	CHECK_OK(mptcpscan_tracker_subflow(tracker, 0, 1, &sub));
	CHECK(sub.index == 1 && sub.is_join && sub.has_join_token && sub.join_token == 0xa35d6d82U);
	CHECK(sub.backup && sub.has_address_id[0] && sub.address_ids[0] == 2);
	CHECK(sub.client.bytes[3] == 3 && sub.client_port == 40001 && sub.first_frame == 4);
	CHECK(sub.has_join_delay && sub.join_delay_ns == 3000000);
	CHECK(sub.state == MPTCPSCAN_SUBFLOW_STATE_FAILED);
	CHECK(sub.fail_reason == MPTCPSCAN_FAIL_REASON_NO_ANSWER);
	CHECK_OK(mptcpscan_fail_reason_name(sub.fail_reason, &name));
	CHECK(strcmp(name, "no answer") == 0);

	/* Out of range and NULL are errors; nothing is written. */
	CHECK_RESULT(mptcpscan_tracker_connection(tracker, 1, &conn),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_tracker_subflow(tracker, 0, 2, &sub),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_tracker_subflow(tracker, SIZE_MAX, 0, &sub),
		     MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	CHECK_RESULT(mptcpscan_tracker_connection(NULL, 0, &conn), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_tracker_subflow(tracker, 0, 0, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_tracker_connection_count(tracker, NULL),
		     MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_tracker_finish(NULL), MPTCPSCAN_RESULT_NULL_PARAMETER);
	CHECK_RESULT(mptcpscan_fail_reason_name(5, &name), MPTCPSCAN_RESULT_INVALID_ARGUMENT);
	mptcpscan_tracker_free(tracker);
}

int main(void)
{
	test_versions();
	test_strerror();
	test_option_walk();
	test_mptcp_round_trip();
	test_mptcp_fields();
	test_mptcp_encode();
	test_key_derive();
	test_join();
	test_add_addr_hmac();
	test_dss_checksum();
	test_scope();
	test_classify_real_handshakes();
	test_probe_and_mirror();
	test_histogram();
	test_quote();
	test_trace_conclusion();
	test_names();
	test_tracker();
	test_tracker_records();
	return check_summary("test_capi");
}
