/*
 * check.h: the few assertion helpers the C tests share. A failed check prints where and what,
 * and the program exits non-zero at the end (so one run reports every failure).
 */
#ifndef MPTCPSCAN_TEST_CHECK_H
#define MPTCPSCAN_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include <mptcpscan.h>

static unsigned long checks_run;
static unsigned long checks_failed;

#define CHECK(cond)                                                              \
	do {                                                                     \
		checks_run++;                                                    \
		if (!(cond)) {                                                   \
			checks_failed++;                                         \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                \
		}                                                                \
	} while (0)

/* Checks that a call returns the expected result code, naming both codes when it does not. */
#define CHECK_RESULT(call, expected)                                             \
	do {                                                                     \
		mptcpscan_result got_ = (call);                                  \
		mptcpscan_result want_ = (expected);                             \
		checks_run++;                                                    \
		if (got_ != want_) {                                             \
			checks_failed++;                                         \
			fprintf(stderr, "%s:%d: %s returned %u (%s), want %u (%s)\n", \
				__FILE__, __LINE__, #call, (unsigned)got_,       \
				mptcpscan_strerror(got_), (unsigned)want_,       \
				mptcpscan_strerror(want_));                      \
		}                                                                \
	} while (0)

#define CHECK_OK(call) CHECK_RESULT(call, MPTCPSCAN_RESULT_OK)

/* Checks that `len` bytes at `got` equal `want`. */
#define CHECK_BYTES(got, want, len) CHECK(memcmp((got), (want), (len)) == 0)

static int check_summary(const char *name)
{
	printf("%s: %lu checks, %lu failed\n", name, checks_run, checks_failed);
	return checks_failed == 0 ? 0 : 1;
}

#endif
