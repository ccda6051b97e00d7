/*
 * test_capi.c: every exported function of libmptcpscan called from C on real bytes, with the
 * values checked. The fixtures are copied from captures in ../shared/captures (each says which
 * packet); the same program is linked statically and dynamically and run under valgrind.
 */
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

int main(void)
{
	test_versions();
	test_strerror();
	test_option_walk();
	return check_summary("test_capi");
}
