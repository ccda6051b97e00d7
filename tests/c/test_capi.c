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

int main(void)
{
	test_versions();
	test_strerror();
	test_option_walk();
	test_key_derive();
	test_join();
	test_add_addr_hmac();
	test_dss_checksum();
	test_scope();
	return check_summary("test_capi");
}
