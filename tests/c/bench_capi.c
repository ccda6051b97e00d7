/*
 * bench_capi.c: what the per-packet calls of libmptcpscan cost through the C ABI, for
 * comparison with the core's criterion figures (cargo bench): the difference is the ABI's own
 * cost (argument checks, panic boundary, struct conversion). Run by make bench-capi.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mptcpscan.h>

/* tcpdump/mptcp-v1.pcap, packet 2 (SYN-ACK) options. */
static const uint8_t v1_synack_options[] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xc3, 0x37, 0xc5, 0x93,
	0x1b, 0xaf, 0x9e, 0xa1, 0x01, 0x03, 0x03, 0x08, 0x1e, 0x0c, 0x01, 0x01,
	0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c,
};

/* Keeps the compiler from discarding results. */
static volatile uint64_t sink;

/* Only the benchmarks whose label starts with this run (argv[2]; all when NULL). */
static const char *only;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * Runs `body` `iterations` times, five rounds, and prints the best round's cost per call. For
 * instruction counts independent of machine load, run one label under callgrind with two
 * iteration counts and divide the difference by 5 × the difference of the counts.
 */
#define BENCH(label, iterations, body)                                            \
	do {                                                                      \
		double best_ = 1e30;                                              \
		int round_;                                                       \
		unsigned long i_;                                                 \
		if (only && strncmp(label, only, strlen(only)) != 0)              \
			break;                                                    \
		for (round_ = 0; round_ < 5; round_++) {                          \
			double start_ = now_ns(), took_;                          \
			for (i_ = 0; i_ < (iterations); i_++) {                   \
				body;                                             \
			}                                                         \
			took_ = (now_ns() - start_) / (double)(iterations);       \
			if (took_ < best_)                                        \
				best_ = took_;                                    \
		}                                                                 \
		printf("%-44s %8.1f ns/call\n", label, best_);                    \
	} while (0)

static void bench_option_walk(unsigned long n)
{
	mptcpscan_tcp_option opts[MPTCPSCAN_MAX_OPTIONS_LEN];
	size_t count, at, len;

	BENCH("options_walk (v1 SYN-ACK, 6 options)", n, {
		if (mptcpscan_options_walk(v1_synack_options, sizeof(v1_synack_options), opts,
					   MPTCPSCAN_MAX_OPTIONS_LEN, &count) != MPTCPSCAN_RESULT_OK)
			abort();
		sink += count;
	});
	BENCH("options_find_mptcp (v1 SYN-ACK)", n, {
		if (mptcpscan_options_find_mptcp(v1_synack_options, sizeof(v1_synack_options), &at,
						 &len) != MPTCPSCAN_RESULT_OK)
			abort();
		sink += at;
	});
}

/* tcpdump/mptcp-v1.pcap packets 1 and 2: a v1 SYN's options and the server's SYN-ACK (IP). */
static const uint8_t v1_syn_options[] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x1b, 0xaf, 0x9e, 0xa1,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x08, 0x1e, 0x04, 0x01, 0x01,
};

static const uint8_t v1_synack_packet[] = {
	0x45, 0x00, 0x00, 0x48, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x23, 0xaf,
	0x0a, 0x00, 0x02, 0x01, 0x0a, 0x00, 0x01, 0x01, 0x27, 0x14, 0x82, 0x1a,
	0x2f, 0x2c, 0x0b, 0x6d, 0x81, 0xfb, 0xb5, 0xfe, 0xd0, 0x12, 0xff, 0xff,
	0x17, 0x3c, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
	0xc3, 0x37, 0xc5, 0x93, 0x1b, 0xaf, 0x9e, 0xa1, 0x01, 0x03, 0x03, 0x08,
	0x1e, 0x0c, 0x01, 0x01, 0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c,
};

/* What ZMap does per target: patch a prepared buffer (make_packet). */
static void bench_probe(unsigned long n)
{
	mptcpscan_probe_spec spec;
	mptcpscan_syn_template *tpl;
	mptcpscan_ipv4_target t;
	uint8_t buf[MPTCPSCAN_MAX_SYN_V4_LEN];
	size_t len;

	if (mptcpscan_probe_spec_default(MPTCPSCAN_MPTCP_VERSION_V0, MPTCPSCAN_STUDY2021_KEY,
					 MPTCPSCAN_COMPANIONS_STUDY2021, &spec) != MPTCPSCAN_RESULT_OK ||
	    mptcpscan_syn_template_new(MPTCPSCAN_ADDRESS_FAMILY_IPV4, &spec, &tpl) !=
		    MPTCPSCAN_RESULT_OK ||
	    mptcpscan_syn_template_prepare(tpl, buf, sizeof(buf), &len) != MPTCPSCAN_RESULT_OK)
		abort();
	memset(&t, 0, sizeof(t));
	memcpy(t.src, "\xc6\x12\x00\x01", 4);
	t.dst[0] = 198;
	t.dst[1] = 19;
	t.dst_port = 80;
	t.ttl = 64;
	BENCH("syn_template_patch_v4 (study probe, 72 B)", n, {
		t.dst[2] = (uint8_t)(i_ >> 8);
		t.dst[3] = (uint8_t)i_;
		t.src_port = (uint16_t)(32768 + (i_ & 0x3fff));
		t.seq = (uint32_t)i_ * 0x9e3779b9u;
		t.ip_id = (uint16_t)i_;
		if (mptcpscan_syn_template_patch_v4(tpl, &t, buf, sizeof(buf), &len) !=
		    MPTCPSCAN_RESULT_OK)
			abort();
		sink += buf[37];
	});
	BENCH("syn_template_prepare + patch_v4", n, {
		t.seq = (uint32_t)i_;
		if (mptcpscan_syn_template_prepare(tpl, buf, sizeof(buf), &len) !=
			    MPTCPSCAN_RESULT_OK ||
		    mptcpscan_syn_template_patch_v4(tpl, &t, buf, sizeof(buf), &len) !=
			    MPTCPSCAN_RESULT_OK)
			abort();
		sink += buf[37];
	});
	mptcpscan_syn_template_free(tpl);
}

/* What ZMap's process_packet does per reply: classify the whole IP packet. */
static void bench_classify(unsigned long n)
{
	mptcpscan_probe_info probe;
	mptcpscan_classification c;

	if (mptcpscan_probe_describe(v1_syn_options, sizeof(v1_syn_options), &probe) !=
	    MPTCPSCAN_RESULT_OK)
		abort();
	BENCH("classify_ip (real v1 SYN-ACK, 72 B)", n, {
		if (mptcpscan_classify_ip(&probe, 2180756989u, v1_synack_packet,
					  sizeof(v1_synack_packet), &c) != MPTCPSCAN_RESULT_OK ||
		    c.verdict != MPTCPSCAN_VERDICT_MPTCP_V1)
			abort();
		sink += c.key;
	});
	BENCH("classify_tcp (same segment, TTL given)", n, {
		if (mptcpscan_classify_tcp(&probe, 2180756989u, v1_synack_packet + 20,
					   sizeof(v1_synack_packet) - 20, 64,
					   &c) != MPTCPSCAN_RESULT_OK)
			abort();
		sink += c.key;
	});
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000ul;

	only = argc > 2 ? argv[2] : NULL;

	printf("libmptcpscan %s, %lu iterations per round\n", mptcpscan_version(), n);
	bench_probe(n);
	bench_classify(n);
	bench_option_walk(n);
	return 0;
}
