/*
 * zmap_double.h: the test double of ZMap's framework that test_module.c links
 * the module against (zmap_double.c). It implements every function
 * zmap_probe_api.h declares, with ZMap's semantics where the module depends on
 * them (source ports, ICMP quote checks), and records what the module reports:
 * each fs_add_* call in order, and each log message.
 */

#ifndef MPTCPSCAN_ZMAP_DOUBLE_H
#define MPTCPSCAN_ZMAP_DOUBLE_H

#include <stdbool.h>
#include <stdint.h>

#include "zmap_probe_api.h"

#define DOUBLE_MAX_FIELDS 64
#define DOUBLE_MAX_AES 512

enum recorded_type { REC_NULL, REC_UINT64, REC_BOOL, REC_STRING };

struct recorded_field {
	const char *name;
	enum recorded_type type;
	uint64_t num;
	char *str; /* a copy, owned by the fieldset */
};

struct fieldset {
	int len;
	struct recorded_field fields[DOUBLE_MAX_FIELDS];
};

/* The scan the double pretends to run. */
struct double_scan {
	uint16_t target_ports[4];
	int num_target_ports;
	uint32_t allowed_prefix; /* network order */
	uint32_t allowed_mask;   /* network order */
	int probes_per_target;
};

extern struct double_scan double_scan;
extern struct state_conf double_conf;
extern int double_warnings;

/* Makes validate_gen_ipv6(src, dst) give output, as the recorded fork did;
 * double_clear_aes forgets every recorded scan (each has its own AES key). */
void double_clear_aes(void);
int double_record_aes(const uint8_t src[16], const uint8_t dst[16],
		      const uint8_t output[VALIDATE_BYTES]);

void fieldset_reset(fieldset_t *fs);
const struct recorded_field *fieldset_get(const fieldset_t *fs,
					  const char *name);

#endif
