/*
 * module_mptcp_synscan.c: ZMap probe modules that send TCP SYNs carrying
 * MP_CAPABLE and say, for each SYN-ACK, whether the host speaks Multipath TCP
 * or a middlebox mirrored the probe back.
 *
 * Part of mptcpscan (Apache-2.0 or MIT). All protocol work is libmptcpscan's
 * (include/mptcpscan.h): the SYN comes from a template, replies are classified
 * and their options written as text by the library, and every name printed is
 * the library's; this file only connects that to ZMap's callbacks. See
 * README.md in this directory for building it into ZMap.
 *
 * Two modules live here. mptcp_synscan (IPv4) builds into upstream ZMap >= 4.1.
 * ipv6_mptcp_synscan is the same scan over IPv6 for TUM's IPv6 fork of ZMap
 * (tumi8/zmap: --ipv6-source-ip, --ipv6-target-file); it is compiled only
 * where the fork's ipv6_target_file.h exists, so one file serves both trees.
 *
 * Per-packet work follows ZMap's rules: prepare_packet writes the constant
 * bytes once per buffer, make_packet patches addresses, ports, sequence number
 * and checksums, validate_packet reads a few header words, and all analysis
 * happens in process_packet.
 */

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/ip6.h>

#include <mptcpscan.h>

#ifdef MPTCP_SYNSCAN_STANDALONE
#include "zmap_probe_api.h"
#else
#include "includes.h"
#include "blocklist.h"
#include "logger.h"
#include "xalloc.h"
#include "fieldset.h"
#include "state.h"
#include "validate.h"
#include "probe_modules/probe_modules.h"
#include "probe_modules/packet.h"
#endif

/* TUM's fork: its own header tells it apart from upstream ZMap. The fork
 * renamed probes_per_target (-P) to packet_streams. */
#if defined(__has_include)
#if __has_include("ipv6_target_file.h")
#define MPTCP_SYNSCAN_IPV6 1
#define PROBES_PER_TARGET(conf) ((conf)->packet_streams)
#endif
#endif
/* The harness tests both modules against its double of upstream's API. */
#ifdef MPTCP_SYNSCAN_STANDALONE
#define MPTCP_SYNSCAN_IPV6 1
#endif
#ifndef PROBES_PER_TARGET
#define PROBES_PER_TARGET(conf) ((conf)->probes_per_target)
#endif

#define MODULE_NAME "mptcp_synscan"

/* ZMap hands make_packet a buffer that starts with the Ethernet header. */
#define ETHER_LEN 14
/* A reply's IP header (60 bytes at most) and TCP header with options (60). */
#define SNAPLEN (ETHER_LEN + 60 + 60)
/* Bytes of the quoted probe an ICMP error must carry: ports and sequence. */
#define ICMP_QUOTE_MIN_L4 8

#define SIGNALS_TEXT_LEN 320
#define KEY_HEX_LEN 16

probe_module_t module_mptcp_synscan;

/*
 * Probe slots: one probe, or with version=both, even probe numbers send v1
 * and odd ones v0 (so -P 2 asks each host both questions).
 */
enum { SLOT_V1 = 0, SLOT_V0 = 1, SLOTS = 2 };

struct probe {
	struct mptcpscan_syn_template *template;
	struct mptcpscan_probe_info info;
	/* Offset in the Ethernet frame of the byte holding MP_CAPABLE's
	 * subtype and version, and its value: make_packet checks it to tell
	 * which template a reused buffer holds. */
	size_t version_byte_offset;
	uint8_t version_byte;
	size_t frame_len;
};

static struct probe probes[SLOTS];
/* The slot every probe uses, or -1 when probe numbers alternate (both). */
static int single_slot;
static uint16_t num_source_ports;
static port_h_t source_port_first;
static bool should_validate_src_port;

struct probe_args {
	int version; /* 0, 1, or -1 for both */
	uint64_t key;
	bool key_given;
	uint32_t companions;
	uint8_t raw[MPTCPSCAN_MAX_OPTIONS_LEN];
	uint8_t raw_len;
};

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	return -1;
}

/* Decodes exactly len hex digits into out[len / 2]; false on any other input. */
static bool parse_hex(const char *s, size_t len, uint8_t *out)
{
	if (len % 2) {
		return false;
	}
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_value(s[i]);
		int lo = hex_value(s[i + 1]);
		if (hi < 0 || lo < 0) {
			return false;
		}
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* Looks up a companion set by the name the library gives it ("linux", ...). */
static bool companions_by_name(const char *value, size_t len,
			       uint32_t *companions)
{
	char name[32];
	if (len >= sizeof(name)) {
		return false;
	}
	memcpy(name, value, len);
	name[len] = '\0';
	return mptcpscan_companions_from_name(name, companions) ==
	       MPTCPSCAN_RESULT_OK;
}

static void parse_one_arg(struct probe_args *args, const char *item, size_t len)
{
	const char *eq = memchr(item, '=', len);
	if (!eq) {
		log_fatal(MODULE_NAME, "probe-args: \"%.*s\" is not key=value",
			  (int)len, item);
	}
	size_t name_len = (size_t)(eq - item);
	const char *value = eq + 1;
	size_t value_len = len - name_len - 1;

#define IS(s, n, lit) ((n) == sizeof(lit) - 1 && !memcmp((s), (lit), (n)))
	if (IS(item, name_len, "version")) {
		if (IS(value, value_len, "1")) {
			args->version = 1;
		} else if (IS(value, value_len, "0")) {
			args->version = 0;
		} else if (IS(value, value_len, "both")) {
			args->version = -1;
		} else {
			log_fatal(MODULE_NAME,
				  "probe-args: version must be 1, 0 or both");
		}
	} else if (IS(item, name_len, "key")) {
		uint8_t bytes[8];
		if (value_len != 2 * sizeof(bytes) ||
		    !parse_hex(value, value_len, bytes)) {
			log_fatal(MODULE_NAME,
				  "probe-args: key must be 16 hex digits");
		}
		args->key = 0;
		for (size_t i = 0; i < sizeof(bytes); i++) {
			args->key = args->key << 8 | bytes[i];
		}
		args->key_given = true;
	} else if (IS(item, name_len, "options")) {
		if (value_len >= 4 && !memcmp(value, "hex:", 4)) {
			size_t hex_len = value_len - 4;
			if (hex_len > 2 * sizeof(args->raw) ||
			    !parse_hex(value + 4, hex_len, args->raw)) {
				log_fatal(MODULE_NAME,
					  "probe-args: options=hex: takes an even "
					  "number of hex digits, at most %zu",
					  2 * sizeof(args->raw));
			}
			args->companions = MPTCPSCAN_COMPANIONS_RAW;
			args->raw_len = (uint8_t)(hex_len / 2);
		} else if (!companions_by_name(value, value_len,
					       &args->companions)) {
			log_fatal(MODULE_NAME,
				  "probe-args: options must be linux, windows, "
				  "bsd, minimal, study2021 or hex:<bytes>");
		}
	} else {
		log_fatal(MODULE_NAME,
			  "probe-args: unknown argument \"%.*s\" (version, key, "
			  "options)",
			  (int)name_len, item);
	}
#undef IS
}

static void parse_probe_args(const char *text, struct probe_args *args)
{
	args->version = 1;
	args->key_given = false;
	args->companions = MPTCPSCAN_COMPANIONS_LINUX;
	args->raw_len = 0;
	if (!text) {
		return;
	}
	const char *item = text;
	while (*item) {
		size_t len = strcspn(item, ",");
		if (len) {
			parse_one_arg(args, item, len);
		}
		item += len;
		if (*item == ',') {
			item++;
		}
	}
}

static void build_probe(struct probe *probe, uint32_t family,
			uint32_t version, const struct probe_args *args)
{
	struct mptcpscan_probe_spec spec;
	uint32_t companions = args->companions == MPTCPSCAN_COMPANIONS_RAW
				  ? MPTCPSCAN_COMPANIONS_MINIMAL
				  : args->companions;
	mptcpscan_result rc =
	    mptcpscan_probe_spec_default(version, args->key, companions, &spec);
	if (rc == MPTCPSCAN_RESULT_OK &&
	    args->companions == MPTCPSCAN_COMPANIONS_RAW) {
		spec.companions = MPTCPSCAN_COMPANIONS_RAW;
		memcpy(spec.raw, args->raw, args->raw_len);
		spec.raw_len = args->raw_len;
	}
	if (rc == MPTCPSCAN_RESULT_OK) {
		rc = mptcpscan_syn_template_new(family, &spec,
						&probe->template);
	}
	if (rc == MPTCPSCAN_RESULT_OK) {
		rc = mptcpscan_syn_template_info(probe->template, &probe->info);
	}
	if (rc != MPTCPSCAN_RESULT_OK) {
		log_fatal(MODULE_NAME, "cannot build the v%u probe: %s",
			  (unsigned)version, mptcpscan_strerror(rc));
	}
	uint8_t frame[ETHER_LEN + MPTCPSCAN_MAX_SYN_V6_LEN];
	size_t len;
	rc = mptcpscan_syn_template_prepare(probe->template, frame + ETHER_LEN,
					    sizeof(frame) - ETHER_LEN, &len);
	if (rc != MPTCPSCAN_RESULT_OK) {
		log_fatal(MODULE_NAME, "cannot write the v%u probe: %s",
			  (unsigned)version, mptcpscan_strerror(rc));
	}
	probe->frame_len = ETHER_LEN + len;
	size_t ip_header_len = family == MPTCPSCAN_ADDRESS_FAMILY_IPV6
				   ? sizeof(struct ip6_hdr)
				   : sizeof(struct ip);
	probe->version_byte_offset = ETHER_LEN + ip_header_len +
				     sizeof(struct tcphdr) +
				     probe->info.mp_capable_offset + 2;
	probe->version_byte = frame[probe->version_byte_offset];
}

static uint64_t random_key(void)
{
	uint64_t key;
	if (getentropy(&key, sizeof(key)) != 0) {
		log_fatal(MODULE_NAME, "cannot draw a random v0 key");
	}
	return key;
}

/*
 * What both modules set up alike: the probe arguments, one template per
 * MPTCP version asked for, the source ports. Returns the longest frame.
 */
static size_t initialize_probes(struct state_conf *conf, uint32_t family)
{
	struct probe_args args;
	parse_probe_args(conf->probe_args, &args);
	if (!args.key_given) {
		args.key = random_key();
	}

	num_source_ports =
	    (uint16_t)(conf->source_port_last - conf->source_port_first + 1);
	source_port_first = conf->source_port_first;
	should_validate_src_port = true;
#ifdef VALIDATE_SRC_PORT_DISABLE_OVERRIDE
	/* ZMap >= 4.3: --validate-source-port=disable */
	if (conf->validate_source_port_override ==
	    VALIDATE_SRC_PORT_DISABLE_OVERRIDE) {
		should_validate_src_port = false;
	}
#endif

	if (args.version != 0) {
		build_probe(&probes[SLOT_V1], family, MPTCPSCAN_MPTCP_VERSION_V1,
			    &args);
	}
	if (args.version != 1) {
		build_probe(&probes[SLOT_V0], family, MPTCPSCAN_MPTCP_VERSION_V0,
			    &args);
	}
	if (args.version == -1) {
		if (num_source_ports < 2) {
			log_fatal(MODULE_NAME,
				  "version=both tells its two probes apart by "
				  "source port: give at least two source ports");
		}
		if (probes[SLOT_V0].version_byte_offset !=
		    probes[SLOT_V1].version_byte_offset) {
			log_fatal(MODULE_NAME,
				  "the v0 and v1 probes place MP_CAPABLE "
				  "differently");
		}
		single_slot = -1;
#ifdef VALIDATE_SRC_PORT_DISABLE_OVERRIDE
		if (PROBES_PER_TARGET(conf) < 2) {
			log_warn(MODULE_NAME,
				 "version=both with one probe per target sends "
				 "v1 only: use -P 2");
		}
#endif
	} else {
		single_slot = args.version == 1 ? SLOT_V1 : SLOT_V0;
	}

	size_t max_len = 0;
	for (int slot = 0; slot < SLOTS; slot++) {
		if (probes[slot].template &&
		    probes[slot].frame_len > max_len) {
			max_len = probes[slot].frame_len;
		}
	}
	if (args.version != 1) {
		log_info(MODULE_NAME, "v0 probes send key %016" PRIx64,
			 args.key);
	}
	return max_len;
}

static int mptcp_global_initialize(struct state_conf *conf)
{
	module_mptcp_synscan.max_packet_length =
	    initialize_probes(conf, MPTCPSCAN_ADDRESS_FAMILY_IPV4);
	return EXIT_SUCCESS;
}

static int mptcp_slot_of_probe(int probe_num)
{
	return single_slot >= 0 ? single_slot : (probe_num & 1);
}

/* The slot of the probe whose source port was port_ours (see get_src_port). */
static int mptcp_slot_of_port(uint16_t port_ours, const uint32_t *validation)
{
	if (single_slot >= 0) {
		return single_slot;
	}
	uint32_t offset = (uint16_t)(port_ours - source_port_first);
	uint32_t first = validation[1] % num_source_ports;
	uint32_t probe_num = (offset + num_source_ports - first) %
			     num_source_ports;
	return (int)(probe_num & 1);
}

static void write_probe(const struct probe *probe, uint8_t *frame)
{
	size_t len;
	mptcpscan_result rc = mptcpscan_syn_template_prepare(
	    probe->template, frame + ETHER_LEN, MAX_PACKET_SIZE - ETHER_LEN,
	    &len);
	if (rc != MPTCPSCAN_RESULT_OK) {
		log_fatal(MODULE_NAME, "cannot write a probe: %s",
			  mptcpscan_strerror(rc));
	}
}

/* The constant bytes of a frame: Ethernet header, then the first probe. */
static void prepare_frame(uint8_t *frame, const macaddr_t *src,
			  const macaddr_t *gw, uint16_t ethertype)
{
	memcpy(frame, gw, ETHER_ADDR_LEN);
	memcpy(frame + ETHER_ADDR_LEN, src, ETHER_ADDR_LEN);
	frame[12] = (uint8_t)(ethertype >> 8);
	frame[13] = (uint8_t)(ethertype & 0xff);
	write_probe(&probes[mptcp_slot_of_probe(0)], frame);
}

/* The probe for probe_num, written again if the buffer holds the other one
 * (with version=both a buffer alternates between them). */
static const struct probe *probe_in_frame(uint8_t *frame, int probe_num)
{
	const struct probe *probe = &probes[mptcp_slot_of_probe(probe_num)];
	if (frame[probe->version_byte_offset] != probe->version_byte) {
		write_probe(probe, frame);
	}
	return probe;
}

static int mptcp_prepare_packet(void *buf, macaddr_t *src, macaddr_t *gw,
				UNUSED void *arg)
{
	prepare_frame(buf, src, gw, ETHERTYPE_IP);
	return EXIT_SUCCESS;
}

static int mptcp_make_packet(void *buf, size_t *buf_len, ipaddr_n_t src_ip,
			     ipaddr_n_t dst_ip, port_n_t dst_port, uint8_t ttl,
			     uint32_t *validation, int probe_num,
			     uint16_t ip_id, UNUSED void *arg)
{
	uint8_t *frame = buf;
	const struct probe *probe = probe_in_frame(frame, probe_num);

	struct mptcpscan_ipv4_target target;
	memcpy(target.src, &src_ip, sizeof(target.src));
	memcpy(target.dst, &dst_ip, sizeof(target.dst));
	/* The same sequence number as tcp_synscan's: the validation word as
	 * it lies in memory. */
	target.seq = ntohl(validation[0]);
	target.src_port = get_src_port(num_source_ports, probe_num, validation);
	target.dst_port = ntohs(dst_port);
	target.ip_id = ntohs(ip_id);
	target.ttl = ttl;

	size_t len;
	mptcpscan_result rc = mptcpscan_syn_template_patch_v4(
	    probe->template, &target, frame + ETHER_LEN,
	    MAX_PACKET_SIZE - ETHER_LEN, &len);
	if (rc != MPTCPSCAN_RESULT_OK) {
		log_fatal(MODULE_NAME, "cannot patch a probe: %s",
			  mptcpscan_strerror(rc));
	}
	*buf_len = ETHER_LEN + len;
	return EXIT_SUCCESS;
}

/* Writes len bytes as 2 * len lower-case hex digits and a NUL. */
static void write_hex(char *out, const uint8_t *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static void mptcp_print_packet(FILE *fp, void *packet)
{
	const uint8_t *frame = packet;
	const struct ip *ip = (const struct ip *)(frame + ETHER_LEN);
	const struct tcphdr *tcp =
	    (const struct tcphdr *)(frame + ETHER_LEN + 4 * ip->ip_hl);
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &ip->ip_src, src, sizeof(src));
	inet_ntop(AF_INET, &ip->ip_dst, dst, sizeof(dst));
	char hex[2 * MPTCPSCAN_MAX_OPTIONS_LEN + 1];
	write_hex(hex, (const uint8_t *)tcp + sizeof(*tcp),
		  4 * (size_t)tcp->th_off - sizeof(*tcp));
	fprintf(fp,
		"mptcp_synscan { %s:%u > %s:%u | seq: %u | ttl: %u | "
		"options: %s }\n",
		src, ntohs(tcp->th_sport), dst, ntohs(tcp->th_dport),
		ntohl(tcp->th_seq), ip->ip_ttl, hex);
}

/* Whether an ACK number answers our SYN: ZMap's stateless rules. */
static bool ack_matches(const struct tcphdr *tcp, const uint32_t *validation)
{
	uint32_t seq = ntohl(validation[0]);
	uint32_t ack = ntohl(tcp->th_ack);
	if (tcp->th_flags & TH_RST) {
		return ack == seq || ack == seq + 1;
	}
	return ack == seq + 1;
}

/* Whether a TCP reply answers one of our probes: ports and ACK number. */
static bool tcp_reply_matches(const struct tcphdr *tcp,
			      const uint32_t *validation,
			      const struct port_conf *ports)
{
	if (should_validate_src_port &&
	    !check_src_port(ntohs(tcp->th_sport), ports)) {
		return false;
	}
	if (!check_dst_port(ntohs(tcp->th_dport), num_source_ports,
			    (uint32_t *)validation)) {
		return false;
	}
	return ack_matches(tcp, validation);
}

/*
 * Whether the TCP header an ICMP error quotes is one of our probes: its
 * destination port is a target port, its source port one of ours for that
 * target and its sequence number the validation word. probe_validation is
 * the word set of the quoted destination.
 */
static bool quote_matches(const struct tcphdr *tcp,
			  const uint32_t *probe_validation,
			  const struct port_conf *ports)
{
	return check_src_port(ntohs(tcp->th_dport), ports) &&
	       check_dst_port(ntohs(tcp->th_sport), num_source_ports,
			      (uint32_t *)probe_validation) &&
	       tcp->th_seq == probe_validation[0];
}

/* The probe an ICMP error quotes, once validate_packet has accepted it. */
static const struct tcphdr *quoted_tcp(const struct ip *ip)
{
	const uint8_t *icmp = (const uint8_t *)ip + 4 * ip->ip_hl;
	const struct ip *inner = (const struct ip *)(icmp + ICMP_MINLEN);
	return (const struct tcphdr *)((const uint8_t *)inner +
				       4 * inner->ip_hl);
}

static int mptcp_validate_packet(const struct ip *ip_hdr, uint32_t len,
				 uint32_t *src_ip, uint32_t *validation,
				 const struct port_conf *ports)
{
	if (ip_hdr->ip_p == IPPROTO_TCP) {
		if (len < 4 * (uint32_t)ip_hdr->ip_hl + sizeof(struct tcphdr)) {
			return PACKET_INVALID;
		}
		const struct tcphdr *tcp =
		    (const struct tcphdr *)((const uint8_t *)ip_hdr +
					    4 * ip_hdr->ip_hl);
		return tcp_reply_matches(tcp, validation, ports) &&
			       blocklist_is_allowed(*src_ip)
			   ? PACKET_VALID
			   : PACKET_INVALID;
	}
	if (ip_hdr->ip_p == IPPROTO_ICMP) {
		struct ip *inner;
		size_t inner_len;
		if (icmp_helper_validate(ip_hdr, len, ICMP_QUOTE_MIN_L4, &inner,
					 &inner_len) == PACKET_INVALID) {
			return PACKET_INVALID;
		}
		if (inner->ip_p != IPPROTO_TCP) {
			return PACKET_INVALID;
		}
		const struct tcphdr *tcp = quoted_tcp(ip_hdr);
		uint32_t probe_validation[VALIDATE_BYTES / sizeof(uint32_t)];
		validate_gen(ip_hdr->ip_dst.s_addr, inner->ip_dst.s_addr,
			     tcp->th_dport, (uint8_t *)probe_validation);
		return quote_matches(tcp, probe_validation, ports)
			   ? PACKET_VALID
			   : PACKET_INVALID;
	}
	return PACKET_INVALID;
}

static char *hex_string(const uint8_t *bytes, size_t len)
{
	char *out = xmalloc(2 * len + 1);
	write_hex(out, bytes, len);
	return out;
}

static char *copy_string(const char *text)
{
	size_t len = strlen(text);
	char *out = xmalloc(len + 1);
	memcpy(out, text, len + 1);
	return out;
}

static void add_null_mptcp_fields(fieldset_t *fs)
{
	fs_add_null(fs, "mptcp_version");
	fs_add_null(fs, "mptcpkey");
	fs_add_null(fs, "mptcp_token");
	fs_add_null(fs, "mptcp_verdict");
	fs_add_null(fs, "mptcp_signals");
	fs_add_null(fs, "mptcp_key_hamming");
}

static void add_classification(fieldset_t *fs,
			       const struct mptcpscan_classification *cls)
{
	if (cls->has_version) {
		fs_add_uint64(fs, "mptcp_version", cls->version);
	} else {
		fs_add_null(fs, "mptcp_version");
	}
	uint32_t token;
	uint64_t idsn;
	if (cls->has_key) {
		char *key = xmalloc(KEY_HEX_LEN + 1);
		snprintf(key, KEY_HEX_LEN + 1, "%016" PRIx64, cls->key);
		fs_add_string(fs, "mptcpkey", key, 1);
	} else {
		fs_add_null(fs, "mptcpkey");
	}
	if (cls->has_key && cls->has_version &&
	    mptcpscan_key_derive(cls->version, cls->key, &token, &idsn) ==
		MPTCPSCAN_RESULT_OK) {
		fs_add_uint64(fs, "mptcp_token", token);
	} else {
		fs_add_null(fs, "mptcp_token");
	}
	const char *verdict;
	if (mptcpscan_verdict_name(cls->verdict, &verdict) ==
	    MPTCPSCAN_RESULT_OK) {
		fs_add_constchar(fs, "mptcp_verdict", verdict);
	} else {
		fs_add_null(fs, "mptcp_verdict");
	}
	char signals[SIGNALS_TEXT_LEN];
	size_t written;
	if (mptcpscan_signals_format(cls->signals, signals, sizeof(signals),
				     &written) == MPTCPSCAN_RESULT_OK) {
		fs_add_string(fs, "mptcp_signals", copy_string(signals), 1);
	} else {
		fs_add_null(fs, "mptcp_signals");
	}
	if (cls->has_key) {
		fs_add_uint64(fs, "mptcp_key_hamming",
			      (uint64_t)__builtin_popcountll(cls->key));
	} else {
		fs_add_null(fs, "mptcp_key_hamming");
	}
}

/*
 * A TCP reply of either family: len bytes of IP packet at ip, the TCP header
 * ip_header_len bytes in (validate_packet checked that it is there).
 */
static void process_tcp(const uint8_t *ip, size_t len, size_t ip_header_len,
			fieldset_t *fs, uint32_t *validation)
{
	const struct tcphdr *tcp = (const struct tcphdr *)(ip + ip_header_len);
	bool rst = tcp->th_flags & TH_RST;
	fs_add_uint64(fs, "sport", ntohs(tcp->th_sport));
	fs_add_uint64(fs, "dport", ntohs(tcp->th_dport));
	fs_add_uint64(fs, "seqnum", ntohl(tcp->th_seq));
	fs_add_uint64(fs, "acknum", ntohl(tcp->th_ack));
	fs_add_uint64(fs, "window", ntohs(tcp->th_win));
	fs_add_constchar(fs, "classification", rst ? "rst" : "synack");
	fs_add_bool(fs, "success", !rst);

	const struct probe *probe =
	    &probes[mptcp_slot_of_port(ntohs(tcp->th_dport), validation)];
	fs_add_uint64(fs, "mptcp_probe_version", probe->info.version);

	struct mptcpscan_classification cls;
	if (mptcpscan_classify_ip(&probe->info, ntohl(validation[0]), ip, len,
				  &cls) == MPTCPSCAN_RESULT_OK) {
		add_classification(fs, &cls);
	} else {
		add_null_mptcp_fields(fs);
	}

	/* What the capture holds of the option area, even if cut short. */
	size_t header_len = 4 * (size_t)tcp->th_off;
	size_t captured = len - ip_header_len;
	size_t options_end = header_len < captured ? header_len : captured;
	size_t options_len = options_end > sizeof(*tcp)
				 ? options_end - sizeof(*tcp)
				 : 0;
	const uint8_t *options = (const uint8_t *)tcp + sizeof(*tcp);
	fs_add_string(fs, "optionshex", hex_string(options, options_len), 1);
	char text[MPTCPSCAN_OPTIONS_TEXT_LEN];
	size_t written;
	if (mptcpscan_options_text(options, options_len, text, sizeof(text),
				   &written) == MPTCPSCAN_RESULT_OK) {
		fs_add_string(fs, "optionstext", copy_string(text), 1);
	} else {
		fs_add_null(fs, "optionstext");
	}
}

/* The fields of an ICMP error before its ICMP fields: no TCP reply, and the
 * version of the probe it quotes. */
static void add_icmp_reply(fieldset_t *fs, uint16_t quoted_src_port,
			   const uint32_t *probe_validation)
{
	fs_add_null(fs, "sport");
	fs_add_null(fs, "dport");
	fs_add_null(fs, "seqnum");
	fs_add_null(fs, "acknum");
	fs_add_null(fs, "window");
	fs_add_constchar(fs, "classification", "icmp");
	fs_add_bool(fs, "success", 0);
	const struct probe *probe =
	    &probes[mptcp_slot_of_port(quoted_src_port, probe_validation)];
	fs_add_uint64(fs, "mptcp_probe_version", probe->info.version);
	add_null_mptcp_fields(fs);
	fs_add_null(fs, "optionshex");
	fs_add_null(fs, "optionstext");
}

static void process_icmp(const struct ip *ip, uint32_t len, fieldset_t *fs)
{
	const uint8_t *icmp = (const uint8_t *)ip + 4 * ip->ip_hl;
	const struct ip *inner = (const struct ip *)(icmp + ICMP_MINLEN);
	const struct tcphdr *tcp = quoted_tcp(ip);
	uint32_t probe_validation[VALIDATE_BYTES / sizeof(uint32_t)];
	validate_gen(ip->ip_dst.s_addr, inner->ip_dst.s_addr, tcp->th_dport,
		     (uint8_t *)probe_validation);
	add_icmp_reply(fs, ntohs(tcp->th_sport), probe_validation);
	fs_populate_icmp_from_iphdr((struct ip *)ip, len, fs);
}

static void mptcp_process_packet(const u_char *packet, uint32_t len,
				 fieldset_t *fs, uint32_t *validation,
				 UNUSED struct timespec ts)
{
	const struct ip *ip = (const struct ip *)(packet + ETHER_LEN);
	if (ip->ip_p == IPPROTO_TCP) {
		process_tcp((const uint8_t *)ip, len - ETHER_LEN,
			    4 * (size_t)ip->ip_hl, fs, validation);
		fs_add_null_icmp(fs);
	} else {
		process_icmp(ip, len - ETHER_LEN, fs);
	}
}

static int mptcp_close(UNUSED struct state_conf *conf,
		       UNUSED struct state_send *send,
		       UNUSED struct state_recv *recv)
{
	for (int slot = 0; slot < SLOTS; slot++) {
		mptcpscan_syn_template_free(probes[slot].template);
		probes[slot].template = NULL;
	}
	return EXIT_SUCCESS;
}

static fielddef_t fields[] = {
    {.name = "sport", .type = "int", .desc = "TCP source port"},
    {.name = "dport", .type = "int", .desc = "TCP destination port"},
    {.name = "seqnum", .type = "int", .desc = "TCP sequence number"},
    {.name = "acknum", .type = "int", .desc = "TCP acknowledgement number"},
    {.name = "window", .type = "int", .desc = "TCP window"},
    CLASSIFICATION_SUCCESS_FIELDSET_FIELDS,
    {.name = "mptcp_probe_version",
     .type = "int",
     .desc = "MPTCP version the answered probe offered (0 or 1)"},
    {.name = "mptcp_version",
     .type = "int",
     .desc = "version field of the reply's MP_CAPABLE"},
    {.name = "mptcpkey",
     .type = "string",
     .desc = "sender's key in the reply's MP_CAPABLE (16 hex digits)"},
    {.name = "mptcp_token",
     .type = "int",
     .desc = "connection token derived from mptcpkey"},
    {.name = "mptcp_verdict",
     .type = "string",
     .desc = "libmptcpscan's verdict: mptcp-v1, mptcp-v0, mirrored (our "
	     "probe came back), no-mp-capable, suspicious (trace the path), "
	     "malformed or rst"},
    {.name = "mptcp_signals",
     .type = "string",
     .desc = "comma-separated mirror signals that fired"},
    {.name = "mptcp_key_hamming",
     .type = "int",
     .desc = "Hamming weight of mptcpkey (random keys: about 32)"},
    {.name = "optionshex",
     .type = "string",
     .desc = "the reply's TCP options in hex"},
    {.name = "optionstext",
     .type = "string",
     .desc = "the reply's TCP options as libmptcpscan writes them"},
    ICMP_FIELDSET_FIELDS,
};

probe_module_t module_mptcp_synscan = {
    .name = MODULE_NAME,
    .max_packet_length = ETHER_LEN + MPTCPSCAN_MAX_SYN_V4_LEN,
    .pcap_filter = "icmp || (tcp && (tcp[13] == 18 || tcp[13] & 4 != 0))",
    .pcap_snaplen = SNAPLEN,
    .port_args = 1,
    .global_initialize = &mptcp_global_initialize,
    .prepare_packet = &mptcp_prepare_packet,
    .make_packet = &mptcp_make_packet,
    .print_packet = &mptcp_print_packet,
    .process_packet = &mptcp_process_packet,
    .validate_packet = &mptcp_validate_packet,
    .close = &mptcp_close,
    .output_type = OUTPUT_TYPE_STATIC,
    .fields = fields,
    .numfields = sizeof(fields) / sizeof(fields[0]),
    .helptext =
	"Sends TCP SYNs carrying MP_CAPABLE (Multipath TCP) and classifies "
	"each SYN-ACK with libmptcpscan: mptcp_verdict is mptcp-v1 or mptcp-v0 "
	"(a key of the server's own), mirrored (a middlebox sent our option "
	"back), no-mp-capable, suspicious (trace the path), malformed or rst; "
	"mptcp_signals says why. A SYN-ACK is a "
	"success, a RST or ICMP error is not. --probe-args takes "
	"comma-separated key=value pairs: version=1 (default; RFC 8684), 0 "
	"(RFC 6824, the key in the SYN) or both (even probe numbers v1, odd "
	"ones v0: use -P 2 and --dedup-method=none); key=<16 hex digits>, the "
	"v0 key (default: random per scan); options=linux (default), windows, "
	"bsd, minimal, study2021 (the 2020/2021 scans' block) or hex:<bytes> "
	"(options put before MP_CAPABLE)."};

#ifdef MPTCP_SYNSCAN_IPV6
/*
 * ipv6_mptcp_synscan: the same probes, verdicts and fields over IPv6, for
 * TUM's IPv6 fork of ZMap. What the fork does differently from upstream:
 * make_packet gets the real addresses through arg (struct in6_addr[2]: source,
 * destination) and IPv4 placeholders in src_ip/dst_ip; validate_packet gets an
 * ip6_hdr cast to struct ip, *src_ip unset, and validation words made from the
 * XOR of the two addresses (validate_gen_ipv6), which for an ICMPv6 error are
 * the router's: they are made again here from the quoted destination. ZMap's
 * ICMP helpers are IPv4-only, so the library finds the quote.
 */

probe_module_t module_ipv6_mptcp_synscan;

/* The quoted probe must reach its TCP ports and sequence number. */
#define IPV6_QUOTE_MIN_LEN (sizeof(struct ip6_hdr) + ICMP_QUOTE_MIN_L4)
/* A reply's TCP header with options, or an ICMPv6 error quoting a whole
 * probe: Ethernet, IPv6, ICMPv6 header, then the probe (IPv6, TCP). */
#define SNAPLEN6 (ETHER_LEN + 2 * sizeof(struct ip6_hdr) + 8 + 60)
/* SYN-ACKs, RSTs and the four ICMPv6 error types (1 to 4), to one address. */
#define PCAP_FILTER6                                                          \
	"((ip6 && tcp && (ip6[53] == 18 || ip6[53] & 4 != 0)) || "            \
	"(icmp6 && ip6[40] >= 1 && ip6[40] <= 4)) && ip6 dst host "

static char pcap_filter6[sizeof(PCAP_FILTER6) + INET6_ADDRSTRLEN];

static int mptcp6_global_initialize(struct state_conf *conf)
{
	if (!conf->ipv6_source_ip || !conf->ipv6_target_filename) {
		log_fatal(MODULE_NAME, "ipv6_mptcp_synscan needs "
				       "--ipv6-source-ip and --ipv6-target-file");
	}
	struct in6_addr source;
	if (inet_pton(AF_INET6, conf->ipv6_source_ip, &source) != 1) {
		log_fatal(MODULE_NAME, "--ipv6-source-ip: \"%s\" is not an IPv6 "
				       "address",
			  conf->ipv6_source_ip);
	}
	/* Only replies to our address: other scans may run on the host. */
	snprintf(pcap_filter6, sizeof(pcap_filter6), "%s%s", PCAP_FILTER6,
		 conf->ipv6_source_ip);
	module_ipv6_mptcp_synscan.pcap_filter = pcap_filter6;
	module_ipv6_mptcp_synscan.max_packet_length =
	    initialize_probes(conf, MPTCPSCAN_ADDRESS_FAMILY_IPV6);
	return EXIT_SUCCESS;
}

static int mptcp6_prepare_packet(void *buf, macaddr_t *src, macaddr_t *gw,
				 UNUSED void *arg)
{
	prepare_frame(buf, src, gw, ETHERTYPE_IPV6);
	return EXIT_SUCCESS;
}

static int mptcp6_make_packet(void *buf, size_t *buf_len,
			      UNUSED ipaddr_n_t src_ip, UNUSED ipaddr_n_t dst_ip,
			      port_n_t dst_port, uint8_t ttl,
			      uint32_t *validation, int probe_num,
			      UNUSED uint16_t ip_id, void *arg)
{
	uint8_t *frame = buf;
	const struct probe *probe = probe_in_frame(frame, probe_num);
	const struct in6_addr *addresses = arg;

	struct mptcpscan_ipv6_target target;
	memcpy(target.src, &addresses[0], sizeof(target.src));
	memcpy(target.dst, &addresses[1], sizeof(target.dst));
	target.seq = ntohl(validation[0]);
	target.src_port = get_src_port(num_source_ports, probe_num, validation);
	target.dst_port = ntohs(dst_port);
	target.hop_limit = ttl;

	size_t len;
	mptcpscan_result rc = mptcpscan_syn_template_patch_v6(
	    probe->template, &target, frame + ETHER_LEN,
	    MAX_PACKET_SIZE - ETHER_LEN, &len);
	if (rc != MPTCPSCAN_RESULT_OK) {
		log_fatal(MODULE_NAME, "cannot patch a probe: %s",
			  mptcpscan_strerror(rc));
	}
	*buf_len = ETHER_LEN + len;
	return EXIT_SUCCESS;
}

static void mptcp6_print_packet(FILE *fp, void *packet)
{
	const uint8_t *frame = packet;
	const struct ip6_hdr *ip6 = (const struct ip6_hdr *)(frame + ETHER_LEN);
	const struct tcphdr *tcp = (const struct tcphdr *)(ip6 + 1);
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, &ip6->ip6_src, src, sizeof(src));
	inet_ntop(AF_INET6, &ip6->ip6_dst, dst, sizeof(dst));
	char hex[2 * MPTCPSCAN_MAX_OPTIONS_LEN + 1];
	write_hex(hex, (const uint8_t *)tcp + sizeof(*tcp),
		  4 * (size_t)tcp->th_off - sizeof(*tcp));
	fprintf(fp,
		"ipv6_mptcp_synscan { [%s]:%u > [%s]:%u | seq: %u | "
		"hop limit: %u | options: %s }\n",
		src, ntohs(tcp->th_sport), dst, ntohs(tcp->th_dport),
		ntohl(tcp->th_seq), ip6->ip6_hlim, hex);
}

/*
 * The TCP header an ICMPv6 error quotes, if it is an error the library reads
 * and the quote is an IPv6 TCP packet long enough to check; the quoted
 * destination goes to *quoted_dst. len bytes of IPv6 packet at ip6.
 */
static const struct tcphdr *quoted_tcp6(const struct ip6_hdr *ip6,
					size_t len,
					struct in6_addr *quoted_dst)
{
	struct mptcpscan_icmp_error error;
	if (mptcpscan_icmp_error_parse((const uint8_t *)ip6, len, &error) !=
		MPTCPSCAN_RESULT_OK ||
	    error.quote_len < IPV6_QUOTE_MIN_LEN) {
		return NULL;
	}
	const struct ip6_hdr *inner =
	    (const struct ip6_hdr *)((const uint8_t *)ip6 + error.quote_offset);
	if ((inner->ip6_vfc >> 4) != 6 || inner->ip6_nxt != IPPROTO_TCP) {
		return NULL;
	}
	*quoted_dst = inner->ip6_dst;
	return (const struct tcphdr *)(inner + 1);
}

static int mptcp6_validate_packet(const struct ip *ip_hdr, uint32_t len,
				  UNUSED uint32_t *src_ip,
				  uint32_t *validation,
				  const struct port_conf *ports)
{
	const struct ip6_hdr *ip6 = (const struct ip6_hdr *)ip_hdr;
	if (len < sizeof(*ip6)) {
		return PACKET_INVALID;
	}
	if (ip6->ip6_nxt == IPPROTO_TCP) {
		if (len < sizeof(*ip6) + sizeof(struct tcphdr)) {
			return PACKET_INVALID;
		}
		const struct tcphdr *tcp = (const struct tcphdr *)(ip6 + 1);
		return tcp_reply_matches(tcp, validation, ports)
			   ? PACKET_VALID
			   : PACKET_INVALID;
	}
	if (ip6->ip6_nxt == IPPROTO_ICMPV6) {
		struct in6_addr quoted_dst;
		const struct tcphdr *tcp = quoted_tcp6(ip6, len, &quoted_dst);
		if (!tcp) {
			return PACKET_INVALID;
		}
		uint32_t probe_validation[VALIDATE_BYTES / sizeof(uint32_t)];
		validate_gen_ipv6(&ip6->ip6_dst, &quoted_dst, tcp->th_dport,
				  (uint8_t *)probe_validation);
		return quote_matches(tcp, probe_validation, ports)
			   ? PACKET_VALID
			   : PACKET_INVALID;
	}
	return PACKET_INVALID;
}

/* ZMap's ICMP fields for an ICMPv6 error: who sent it, its type and code.
 * icmp_unreach_str names ICMPv4 codes only, so it stays null. */
static void add_icmp6_fields(const struct ip6_hdr *ip6, fieldset_t *fs)
{
	const uint8_t *icmp6 = (const uint8_t *)(ip6 + 1);
	char *responder = xmalloc(INET6_ADDRSTRLEN);
	inet_ntop(AF_INET6, &ip6->ip6_src, responder, INET6_ADDRSTRLEN);
	fs_add_string(fs, "icmp_responder", responder, 1);
	fs_add_uint64(fs, "icmp_type", icmp6[0]);
	fs_add_uint64(fs, "icmp_code", icmp6[1]);
	fs_add_null(fs, "icmp_unreach_str");
}

static void mptcp6_process_packet(const u_char *packet, uint32_t len,
				  fieldset_t *fs, uint32_t *validation,
				  UNUSED struct timespec ts)
{
	const struct ip6_hdr *ip6 = (const struct ip6_hdr *)(packet + ETHER_LEN);
	size_t ip_len = len - ETHER_LEN;
	if (ip6->ip6_nxt == IPPROTO_TCP) {
		process_tcp((const uint8_t *)ip6, ip_len, sizeof(*ip6), fs,
			    validation);
		fs_add_null_icmp(fs);
		return;
	}
	struct in6_addr quoted_dst;
	const struct tcphdr *tcp = quoted_tcp6(ip6, ip_len, &quoted_dst);
	uint32_t probe_validation[VALIDATE_BYTES / sizeof(uint32_t)];
	validate_gen_ipv6(&ip6->ip6_dst, &quoted_dst, tcp->th_dport,
			  (uint8_t *)probe_validation);
	add_icmp_reply(fs, ntohs(tcp->th_sport), probe_validation);
	add_icmp6_fields(ip6, fs);
}

probe_module_t module_ipv6_mptcp_synscan = {
    .name = "ipv6_mptcp_synscan",
    .max_packet_length = ETHER_LEN + MPTCPSCAN_MAX_SYN_V6_LEN,
    .pcap_filter = "ip6",
    .pcap_snaplen = SNAPLEN6,
    .port_args = 1,
    .global_initialize = &mptcp6_global_initialize,
    .prepare_packet = &mptcp6_prepare_packet,
    .make_packet = &mptcp6_make_packet,
    .print_packet = &mptcp6_print_packet,
    .process_packet = &mptcp6_process_packet,
    .validate_packet = &mptcp6_validate_packet,
    .close = &mptcp_close,
    .output_type = OUTPUT_TYPE_STATIC,
    .fields = fields,
    .numfields = sizeof(fields) / sizeof(fields[0]),
    .helptext =
	"mptcp_synscan over IPv6, for TUM's IPv6 ZMap fork: give "
	"--ipv6-source-ip and --ipv6-target-file. Same probe arguments, "
	"verdicts and fields as mptcp_synscan; ICMPv6 errors are matched to "
	"the probe they quote."};
#endif /* MPTCP_SYNSCAN_IPV6 */
