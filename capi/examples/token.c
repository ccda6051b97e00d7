/*
 * token: the MPTCP token and IDSN of an MP_CAPABLE key, as a peer derives them.
 *
 *     cc token.c $(pkg-config --cflags --libs mptcpscan) -o token
 *     ./token 0123456789abcdef
 *
 * The README's C quick start, and the program the Debian package test builds against the
 * installed library (dynamically, and statically with pkg-config --static).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <mptcpscan.h>

int main(int argc, char **argv)
{
	char *end = NULL;
	uint64_t key;
	uint32_t version;

	if (argc != 2) {
		fprintf(stderr, "usage: %s KEY (16 hex digits)\n", argv[0]);
		return 2;
	}
	key = strtoull(argv[1], &end, 16);
	if (*argv[1] == '\0' || *end != '\0') {
		fprintf(stderr, "%s: not a hex key: %s\n", argv[0], argv[1]);
		return 2;
	}
	/* A library of another ABI major may lay its structs out differently. */
	if (mptcpscan_abi_version() >> 16 != MPTCPSCAN_ABI_MAJOR) {
		fprintf(stderr, "%s: libmptcpscan %s has another ABI\n", argv[0],
			mptcpscan_version());
		return 1;
	}
	for (version = MPTCPSCAN_MPTCP_VERSION_V0; version <= MPTCPSCAN_MPTCP_VERSION_V1;
	     version++) {
		uint32_t token;
		uint64_t idsn;
		mptcpscan_result rc = mptcpscan_key_derive(version, key, &token, &idsn);

		if (rc != MPTCPSCAN_RESULT_OK) {
			fprintf(stderr, "%s: %s\n", argv[0], mptcpscan_strerror(rc));
			return 1;
		}
		printf("v%" PRIu32 " token %08" PRIx32 " idsn %016" PRIx64 "\n", version, token,
		       idsn);
	}
	return 0;
}
