/*
 * bench_capi.c: what the per-packet calls of libmptcpscan cost through the C ABI, for
 * comparison with the core's criterion figures (cargo bench): the difference is the ABI's own
 * cost (argument checks, panic boundary, struct conversion). Run by make bench-capi.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Runs `body` `iterations` times, five rounds, and prints the best round's cost per call. */
#define BENCH(label, iterations, body)                                            \
	do {                                                                      \
		double best_ = 1e30;                                              \
		int round_;                                                       \
		unsigned long i_;                                                 \
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

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000ul;

	printf("libmptcpscan %s, %lu iterations per round\n", mptcpscan_version(), n);
	bench_option_walk(n);
	return 0;
}
