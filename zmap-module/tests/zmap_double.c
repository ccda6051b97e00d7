/*
 * zmap_double.c: ZMap's framework as the module sees it, for the harness.
 * See zmap_double.h.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "zmap_double.h"

struct double_scan double_scan;
struct state_conf double_conf;
struct port_conf {
	int unused;
};
int double_warnings;

static void record(fieldset_t *fs, const char *name, enum recorded_type type,
		   uint64_t num, const char *str)
{
	if (fs->len >= DOUBLE_MAX_FIELDS) {
		fprintf(stderr, "zmap double: more than %d fields\n",
			DOUBLE_MAX_FIELDS);
		exit(1);
	}
	struct recorded_field *f = &fs->fields[fs->len++];
	f->name = name;
	f->type = type;
	f->num = num;
	f->str = str ? strdup(str) : NULL;
}

void fieldset_reset(fieldset_t *fs)
{
	for (int i = 0; i < fs->len; i++) {
		free(fs->fields[i].str);
	}
	fs->len = 0;
}

const struct recorded_field *fieldset_get(const fieldset_t *fs,
					  const char *name)
{
	for (int i = 0; i < fs->len; i++) {
		if (!strcmp(fs->fields[i].name, name)) {
			return &fs->fields[i];
		}
	}
	return NULL;
}

void fs_add_null(fieldset_t *fs, const char *name)
{
	record(fs, name, REC_NULL, 0, NULL);
}

void fs_add_uint64(fieldset_t *fs, const char *name, uint64_t value)
{
	record(fs, name, REC_UINT64, value, NULL);
}

void fs_add_bool(fieldset_t *fs, const char *name, int value)
{
	record(fs, name, REC_BOOL, value != 0, NULL);
}

void fs_add_string(fieldset_t *fs, const char *name, char *value, int free_)
{
	record(fs, name, REC_STRING, 0, value);
	if (free_) {
		free(value);
	}
}

void fs_add_constchar(fieldset_t *fs, const char *name, const char *value)
{
	record(fs, name, REC_STRING, 0, value);
}

void fs_add_null_icmp(fieldset_t *fs)
{
	fs_add_null(fs, "icmp_responder");
	fs_add_null(fs, "icmp_type");
	fs_add_null(fs, "icmp_code");
	fs_add_null(fs, "icmp_unreach_str");
}

void fs_populate_icmp_from_iphdr(struct ip *ip, size_t len, fieldset_t *fs)
{
	const struct icmp *icmp =
	    (const struct icmp *)((const uint8_t *)ip + 4 * ip->ip_hl);
	if (len < 4 * (size_t)ip->ip_hl + ICMP_MINLEN) {
		fprintf(stderr, "zmap double: ICMP header cut short\n");
		exit(1);
	}
	char responder[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &ip->ip_src, responder, sizeof(responder));
	fs_add_string(fs, "icmp_responder", responder, 0);
	fs_add_uint64(fs, "icmp_type", icmp->icmp_type);
	fs_add_uint64(fs, "icmp_code", icmp->icmp_code);
	fs_add_constchar(fs, "icmp_unreach_str",
			 icmp->icmp_code == ICMP_UNREACH_HOST ? "host-unreach"
							      : "other");
}

/* ZMap derives validation words with AES; any fixed mixing will do here. */
void validate_gen(const uint32_t src, const uint32_t dst,
		  const uint16_t dst_port, uint8_t output[VALIDATE_BYTES])
{
	uint32_t words[VALIDATE_BYTES / sizeof(uint32_t)];
	uint32_t x = src * 2654435761u ^ dst * 40503u ^ dst_port;
	for (size_t i = 0; i < VALIDATE_BYTES / sizeof(uint32_t); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		words[i] = x;
	}
	memcpy(output, words, VALIDATE_BYTES);
}

/* The fork's validation words recorded with the fixtures: AES of src XOR dst
 * under that scan's key, which no double can compute. */
static struct {
	uint8_t input[16];
	uint8_t output[VALIDATE_BYTES];
} recorded_aes[DOUBLE_MAX_AES];
static size_t recorded_aes_len;

void double_clear_aes(void)
{
	recorded_aes_len = 0;
}

int double_record_aes(const uint8_t src[16], const uint8_t dst[16],
		      const uint8_t output[VALIDATE_BYTES])
{
	if (recorded_aes_len == DOUBLE_MAX_AES) {
		return -1;
	}
	for (size_t i = 0; i < 16; i++) {
		recorded_aes[recorded_aes_len].input[i] = src[i] ^ dst[i];
	}
	memcpy(recorded_aes[recorded_aes_len].output, output, VALIDATE_BYTES);
	recorded_aes_len++;
	return 0;
}

void validate_gen_ipv6(const struct in6_addr *src, const struct in6_addr *dst,
		       UNUSED const uint16_t dst_port,
		       uint8_t output[VALIDATE_BYTES])
{
	uint8_t input[16];
	for (size_t i = 0; i < 16; i++) {
		input[i] = src->s6_addr[i] ^ dst->s6_addr[i];
	}
	for (size_t i = 0; i < recorded_aes_len; i++) {
		if (!memcmp(recorded_aes[i].input, input, sizeof(input))) {
			memcpy(output, recorded_aes[i].output, VALIDATE_BYTES);
			return;
		}
	}
	/* Unrecorded pairs (the synthetic tests): any keyed mix will do, as
	 * long as it depends on src XOR dst alone. */
	uint32_t words[VALIDATE_BYTES / sizeof(uint32_t)];
	uint32_t x = 2166136261u;
	for (size_t i = 0; i < sizeof(input); i++) {
		x = (x ^ input[i]) * 16777619u;
	}
	for (size_t i = 0; i < VALIDATE_BYTES / sizeof(uint32_t); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		words[i] = x;
	}
	memcpy(output, words, VALIDATE_BYTES);
}

int blocklist_is_allowed(uint32_t s_addr)
{
	return (s_addr & double_scan.allowed_mask) == double_scan.allowed_prefix;
}

uint16_t get_src_port(int num_ports, int probe_num, uint32_t *validation)
{
	return (uint16_t)(double_conf.source_port_first +
			  (validation[1] + (uint32_t)probe_num) %
			      (uint32_t)num_ports);
}

/* ZMap's rule: the port is one of the probes_per_target ports that
 * get_src_port gives for these validation words. */
int check_dst_port(uint16_t port, int num_ports, uint32_t *validation)
{
	if (port < double_conf.source_port_first ||
	    port > double_conf.source_port_last) {
		return 0;
	}
	for (int p = 0; p < double_scan.probes_per_target; p++) {
		if (get_src_port(num_ports, p, validation) == port) {
			return 1;
		}
	}
	return 0;
}

int check_src_port(uint16_t port, UNUSED const struct port_conf *ports)
{
	for (int i = 0; i < double_scan.num_target_ports; i++) {
		if (double_scan.target_ports[i] == port) {
			return 1;
		}
	}
	return 0;
}

/* ZMap's rule: an unreachable, source quench, redirect or time exceeded
 * message quoting an IP header and min_l4_len bytes, sent to an address the
 * scan may probe. */
int icmp_helper_validate(const struct ip *ip_hdr, uint32_t len,
			 size_t min_l4_len, struct ip **probe_pkt,
			 size_t *probe_len)
{
	size_t outer = 4 * (size_t)ip_hdr->ip_hl;
	if (len < outer + ICMP_MINLEN + sizeof(struct ip) + min_l4_len) {
		return PACKET_INVALID;
	}
	const struct icmp *icmp =
	    (const struct icmp *)((const uint8_t *)ip_hdr + outer);
	if (icmp->icmp_type != ICMP_UNREACH &&
	    icmp->icmp_type != ICMP_SOURCEQUENCH &&
	    icmp->icmp_type != ICMP_REDIRECT &&
	    icmp->icmp_type != ICMP_TIMXCEED) {
		return PACKET_INVALID;
	}
	struct ip *inner = (struct ip *)((uint8_t *)icmp + ICMP_MINLEN);
	size_t inner_len = len - outer - ICMP_MINLEN;
	if (inner_len < 4 * (size_t)inner->ip_hl + min_l4_len) {
		return PACKET_INVALID;
	}
	if (!blocklist_is_allowed(inner->ip_dst.s_addr)) {
		return PACKET_INVALID;
	}
	*probe_pkt = inner;
	*probe_len = inner_len;
	return PACKET_VALID;
}

int log_fatal(const char *loggerName, const char *logMessage, ...)
{
	va_list ap;
	va_start(ap, logMessage);
	fprintf(stderr, "[FATAL] %s: ", loggerName);
	vfprintf(stderr, logMessage, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

int log_warn(UNUSED const char *loggerName, UNUSED const char *logMessage,
	     ...)
{
	double_warnings++;
	return 0;
}

int log_info(UNUSED const char *loggerName, UNUSED const char *logMessage,
	     ...)
{
	return 0;
}

int log_debug(UNUSED const char *loggerName, UNUSED const char *logMessage,
	      ...)
{
	return 0;
}

void *xmalloc(size_t size)
{
	void *p = malloc(size);
	if (!p) {
		fprintf(stderr, "zmap double: out of memory\n");
		abort();
	}
	memset(p, 0, size);
	return p;
}
