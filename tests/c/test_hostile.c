/*
 * test_hostile.c: libmptcpscan called the way a buggy or hostile host would call it: NULL
 * pointers, zero and short lengths, out-of-range enum integers, misaligned outputs, random
 * bytes. Every call must return an error code (or, for random bytes, a code and never a crash),
 * and outputs must stay untouched on failure; valgrind checks that no call reads or writes
 * outside the buffers it was given.
 */
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
	int consistent = 1, known = 1;
	mptcpscan_result r;

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
	}
	CHECK(known);
	CHECK(consistent);
	/* Both outcomes must have been exercised for the test to mean anything. */
	CHECK(walked > RANDOM_ROUNDS / 20 && malformed > RANDOM_ROUNDS / 20);
	printf("random option walk: %lu clean, %lu malformed\n", walked, malformed);
}

int main(void)
{
	hostile_option_walk();
	random_option_walk();
	return check_summary("test_hostile");
}
