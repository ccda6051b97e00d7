/*
 * zmap_probe_api.h: the part of ZMap's probe-module interface that
 * module_mptcp_synscan.c uses, so that the module builds outside a ZMap tree
 * (its test harness, tests/test_module.c).
 *
 * It tracks ZMap >= 4.1: the names and signatures are those of ZMap's
 * src/probe_modules/probe_modules.h, packet.h, src/fieldset.h, src/state.h,
 * src/validate.h, src/send.h and lib/{includes,logger,blocklist,xalloc}.h.
 * Inside a ZMap tree the module includes ZMap's own headers instead, so nothing
 * here needs to match ZMap's memory layout: struct state_conf holds only the
 * members the module reads, and fieldset_t and struct port_conf stay opaque.
 * Helpers that ZMap defines as static inline functions in packet.h
 * (get_src_port, check_dst_port, check_src_port) are plain functions here; the
 * harness implements them and every other function below.
 *
 * The IPv6 module's extras are those of TUM's IPv6 fork (tumi8/zmap), which
 * keeps upstream's API and adds validate_gen_ipv6 and the --ipv6-* settings.
 *
 * Whoever changes the module to use another ZMap symbol declares it here first:
 * the harness build (-Wall -Wextra -Werror) then fails until the double exists.
 */

#ifndef MPTCPSCAN_ZMAP_PROBE_API_H
#define MPTCPSCAN_ZMAP_PROBE_API_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <net/ethernet.h>

/* lib/includes.h */
#define UNUSED __attribute__((unused))

/* lib/types.h */
typedef uint32_t ipaddr_n_t;
typedef uint16_t port_n_t;
typedef uint16_t port_h_t;
typedef unsigned char macaddr_t;

/* src/send.h: the size of every packet buffer make_packet writes into. */
#define MAX_PACKET_SIZE (2048 - sizeof(uint32_t) - 2 * sizeof(uint8_t))

/* src/validate.h */
#define VALIDATE_BYTES 16
void validate_gen(const uint32_t src, const uint32_t dst,
		  const uint16_t dst_port, uint8_t output[VALIDATE_BYTES]);
/* The fork's: made from src XOR dst, so either order gives the same words;
 * dst_port is not used. */
void validate_gen_ipv6(const struct in6_addr *src, const struct in6_addr *dst,
		       const uint16_t dst_port, uint8_t output[VALIDATE_BYTES]);

/* lib/blocklist.h */
int blocklist_is_allowed(uint32_t s_addr);

/* lib/logger.h */
int log_fatal(const char *loggerName, const char *logMessage, ...)
    __attribute__((noreturn));
int log_warn(const char *loggerName, const char *logMessage, ...);
int log_info(const char *loggerName, const char *logMessage, ...);
int log_debug(const char *loggerName, const char *logMessage, ...);

/* lib/xalloc.h */
void *xmalloc(size_t size);

/* src/fieldset.h */
typedef struct field_def {
	const char *name;
	const char *type;
	const char *desc;
} fielddef_t;

typedef struct fieldset fieldset_t;

void fs_add_null(fieldset_t *fs, const char *name);
void fs_add_uint64(fieldset_t *fs, const char *name, uint64_t value);
void fs_add_bool(fieldset_t *fs, const char *name, int value);
void fs_add_string(fieldset_t *fs, const char *name, char *value, int free_);
void fs_add_constchar(fieldset_t *fs, const char *name, const char *value);

/* src/state.h */
struct port_conf;
struct state_send;
struct state_recv;

struct state_conf {
	port_h_t source_port_first;
	port_h_t source_port_last;
	int8_t validate_source_port_override;
	int probes_per_target;
	char *probe_args;
	/* The fork's --ipv6-source-ip and --ipv6-target-file. */
	char *ipv6_source_ip;
	char *ipv6_target_filename;
};

/* src/probe_modules/probe_modules.h */
#define OUTPUT_TYPE_STATIC 1

#define VALIDATE_SRC_PORT_UNSET_OVERRIDE -1
#define VALIDATE_SRC_PORT_DISABLE_OVERRIDE 0
#define VALIDATE_SRC_PORT_ENABLE_OVERRIDE 1

typedef int (*probe_global_init_cb)(struct state_conf *);
typedef int (*probe_thread_init_cb)(void **arg_ptr);
typedef int (*probe_prepare_packet_cb)(void *packetbuf, macaddr_t *src_mac,
				       macaddr_t *gw_mac, void *arg);
typedef int (*probe_make_packet_cb)(void *packetbuf, size_t *buf_len,
				    ipaddr_n_t src_ip, ipaddr_n_t dst_ip,
				    port_n_t dst_port, uint8_t ttl,
				    uint32_t *validation, int probe_num,
				    uint16_t ip_id, void *arg);
typedef void (*probe_print_packet_cb)(FILE *, void *packetbuf);
typedef int (*probe_close_cb)(struct state_conf *, struct state_send *,
			      struct state_recv *);
typedef int (*probe_validate_packet_cb)(const struct ip *ip_hdr, uint32_t len,
					uint32_t *src_ip, uint32_t *validation,
					const struct port_conf *ports);
typedef void (*probe_classify_packet_cb)(const u_char *packetbuf, uint32_t len,
					 fieldset_t *, uint32_t *validation,
					 const struct timespec ts);

typedef struct probe_module {
	const char *name;
	size_t max_packet_length;
	const char *pcap_filter;
	size_t pcap_snaplen;
	uint8_t port_args;
	probe_global_init_cb global_initialize;
	probe_thread_init_cb thread_initialize;
	probe_prepare_packet_cb prepare_packet;
	probe_make_packet_cb make_packet;
	probe_print_packet_cb print_packet;
	probe_validate_packet_cb validate_packet;
	probe_classify_packet_cb process_packet;
	probe_close_cb close;
	int output_type;
	fielddef_t *fields;
	int numfields;
	const char *helptext;
} probe_module_t;

/* src/probe_modules/packet.h */
#define PACKET_VALID 1
#define PACKET_INVALID 0

/* The fields every module lists after its own: names as ZMap's, wording ours. */
#define CLASSIFICATION_SUCCESS_FIELDSET_FIELDS                              \
	{.name = "classification",                                          \
	 .type = "string",                                                  \
	 .desc = "what kind of packet the response is"},                    \
	{                                                                   \
		.name = "success", .type = "bool",                          \
		.desc = "whether the response counts as a success"          \
	}

#define ICMP_FIELDSET_FIELDS                                                \
	{.name = "icmp_responder",                                          \
	 .type = "string",                                                  \
	 .desc = "address that sent the ICMP error"},                       \
	    {.name = "icmp_type", .type = "int", .desc = "ICMP type"},      \
	    {.name = "icmp_code", .type = "int", .desc = "ICMP code"},      \
	{                                                                   \
		.name = "icmp_unreach_str", .type = "string",               \
		.desc = "name of the ICMP unreachable code"                 \
	}

uint16_t get_src_port(int num_ports, int probe_num, uint32_t *validation);
int check_dst_port(uint16_t port, int num_ports, uint32_t *validation);
int check_src_port(uint16_t port, const struct port_conf *ports);
int icmp_helper_validate(const struct ip *ip_hdr, uint32_t len,
			 size_t min_l4_len, struct ip **probe_pkt,
			 size_t *probe_len);
void fs_add_null_icmp(fieldset_t *fs);
void fs_populate_icmp_from_iphdr(struct ip *ip, size_t len, fieldset_t *fs);

#endif /* MPTCPSCAN_ZMAP_PROBE_API_H */
