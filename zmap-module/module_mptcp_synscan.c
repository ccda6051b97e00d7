/*
 * module_mptcp_synscan.c: a ZMap (>= 4.1) probe module that sends TCP SYNs
 * carrying MP_CAPABLE and says, for each SYN-ACK, whether the host speaks
 * Multipath TCP or a middlebox mirrored the probe back.
 *
 * Part of mptcpscan (Apache-2.0 or MIT). All protocol work is libmptcpscan's
 * (include/mptcpscan.h): the SYN comes from a template, replies are classified
 * by the library; this file only connects that to ZMap's callbacks. See
 * README.md in this directory for building it into ZMap.
 *
 * Per-packet work follows ZMap's rules: prepare_packet writes the constant
 * bytes once per buffer, make_packet patches addresses, ports, sequence number
 * and checksums, validate_packet reads a few header words, and all analysis
 * happens in process_packet.
 */

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

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

#define MODULE_NAME "mptcp_synscan"

/* ZMap hands make_packet a buffer that starts with the Ethernet header. */
#define ETHER_LEN 14
/* A reply's IP header (60 bytes at most) and TCP header with options (60). */
#define SNAPLEN (ETHER_LEN + 60 + 60)
/* Bytes of the quoted probe an ICMP error must carry: ports and sequence. */
#define ICMP_QUOTE_MIN_L4 8

#define OPTIONS_TEXT_LEN 512
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

static const char *const verdict_names[] = {
	[MPTCPSCAN_VERDICT_NO_MP_CAPABLE] = "absent",
	[MPTCPSCAN_VERDICT_MPTCP_V0] = "capable",
	[MPTCPSCAN_VERDICT_MPTCP_V1] = "capable",
	[MPTCPSCAN_VERDICT_MIRRORED] = "mirrored",
	[MPTCPSCAN_VERDICT_SUSPICIOUS] = "modified",
	[MPTCPSCAN_VERDICT_RST] = NULL,
	[MPTCPSCAN_VERDICT_MALFORMED] = "malformed",
	[MPTCPSCAN_VERDICT_NOT_SYN_ACK] = "not-syn-ack",
	[MPTCPSCAN_VERDICT_UNSOLICITED] = "unsolicited",
};

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
		if (IS(value, value_len, "linux")) {
			args->companions = MPTCPSCAN_COMPANIONS_LINUX;
		} else if (IS(value, value_len, "windows")) {
			args->companions = MPTCPSCAN_COMPANIONS_WINDOWS;
		} else if (IS(value, value_len, "bsd")) {
			args->companions = MPTCPSCAN_COMPANIONS_BSD;
		} else if (IS(value, value_len, "minimal")) {
			args->companions = MPTCPSCAN_COMPANIONS_MINIMAL;
		} else if (IS(value, value_len, "study2021")) {
			args->companions = MPTCPSCAN_COMPANIONS_STUDY2021;
		} else if (value_len >= 4 && !memcmp(value, "hex:", 4)) {
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
		} else {
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

static void build_probe(struct probe *probe, uint32_t version,
			const struct probe_args *args)
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
		rc = mptcpscan_syn_template_new(MPTCPSCAN_ADDRESS_FAMILY_IPV4,
						&spec, &probe->template);
	}
	if (rc == MPTCPSCAN_RESULT_OK) {
		rc = mptcpscan_syn_template_info(probe->template, &probe->info);
	}
	if (rc != MPTCPSCAN_RESULT_OK) {
		log_fatal(MODULE_NAME, "cannot build the v%u probe: %s",
			  (unsigned)version, mptcpscan_strerror(rc));
	}
	uint8_t frame[ETHER_LEN + MPTCPSCAN_MAX_SYN_V4_LEN];
	size_t len;
	rc = mptcpscan_syn_template_prepare(probe->template, frame + ETHER_LEN,
					    sizeof(frame) - ETHER_LEN, &len);
	if (rc != MPTCPSCAN_RESULT_OK) {
		log_fatal(MODULE_NAME, "cannot write the v%u probe: %s",
			  (unsigned)version, mptcpscan_strerror(rc));
	}
	probe->frame_len = ETHER_LEN + len;
	probe->version_byte_offset = ETHER_LEN + sizeof(struct ip) +
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

static int mptcp_global_initialize(struct state_conf *conf)
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
		build_probe(&probes[SLOT_V1], MPTCPSCAN_MPTCP_VERSION_V1, &args);
	}
	if (args.version != 1) {
		build_probe(&probes[SLOT_V0], MPTCPSCAN_MPTCP_VERSION_V0, &args);
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
		if (conf->probes_per_target < 2) {
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
	module_mptcp_synscan.max_packet_length = max_len;
	if (args.version != 1) {
		log_info(MODULE_NAME, "v0 probes send key %016" PRIx64,
			 args.key);
	}
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

static int mptcp_prepare_packet(void *buf, macaddr_t *src, macaddr_t *gw,
				UNUSED void *arg)
{
	uint8_t *frame = buf;
	memcpy(frame, gw, ETHER_ADDR_LEN);
	memcpy(frame + ETHER_ADDR_LEN, src, ETHER_ADDR_LEN);
	frame[12] = ETHERTYPE_IP >> 8;
	frame[13] = ETHERTYPE_IP & 0xff;
	write_probe(&probes[mptcp_slot_of_probe(0)], frame);
	return EXIT_SUCCESS;
}

static int mptcp_make_packet(void *buf, size_t *buf_len, ipaddr_n_t src_ip,
			     ipaddr_n_t dst_ip, port_n_t dst_port, uint8_t ttl,
			     uint32_t *validation, int probe_num,
			     uint16_t ip_id, UNUSED void *arg)
{
	uint8_t *frame = buf;
	const struct probe *probe = &probes[mptcp_slot_of_probe(probe_num)];
	/* With version=both a buffer may still hold the other probe. */
	if (frame[probe->version_byte_offset] != probe->version_byte) {
		write_probe(probe, frame);
	}

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
		if (should_validate_src_port &&
		    !check_src_port(ntohs(tcp->th_sport), ports)) {
			return PACKET_INVALID;
		}
		if (!check_dst_port(ntohs(tcp->th_dport), num_source_ports,
				    validation)) {
			return PACKET_INVALID;
		}
		if (!blocklist_is_allowed(*src_ip)) {
			return PACKET_INVALID;
		}
		return ack_matches(tcp, validation) ? PACKET_VALID
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
		/* The quote is our probe: its destination port is a target
		 * port and its source port one of ours for that target. */
		if (!check_src_port(ntohs(tcp->th_dport), ports)) {
			return PACKET_INVALID;
		}
		uint32_t probe_validation[VALIDATE_BYTES / sizeof(uint32_t)];
		validate_gen(ip_hdr->ip_dst.s_addr, inner->ip_dst.s_addr,
			     tcp->th_dport, (uint8_t *)probe_validation);
		if (!check_dst_port(ntohs(tcp->th_sport), num_source_ports,
				    probe_validation)) {
			return PACKET_INVALID;
		}
		if (tcp->th_seq != probe_validation[0]) {
			return PACKET_INVALID;
		}
		return PACKET_VALID;
	}
	return PACKET_INVALID;
}

/* Appends to a NUL-terminated text in buf[size]; drops what does not fit. */
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	if (*used >= size - 1) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n > 0) {
		*used += (size_t)n < size - *used ? (size_t)n : size - 1 - *used;
	}
}

static void describe_mptcp(char *buf, size_t size, size_t *used,
			   const uint8_t *option, size_t len, uint32_t version)
{
	struct mptcpscan_mptcp_option mptcp;
	mptcpscan_result rc =
	    mptcpscan_mptcp_parse(option, len, version, &mptcp);
	if (rc != MPTCPSCAN_RESULT_OK) {
		append(buf, size, used, "MPTCP:malformed(%s)",
		       mptcpscan_strerror(rc));
		return;
	}
	if (mptcp.subtype == MPTCPSCAN_MPTCP_SUBTYPE_MP_CAPABLE) {
		const struct mptcpscan_mp_capable *mpc =
		    &mptcp.body.mp_capable;
		append(buf, size, used, "MP_CAPABLE:v%u:flags=0x%02x",
		       (unsigned)mpc->version, (unsigned)mpc->flags);
		if (mpc->has_sender_key) {
			append(buf, size, used, ":key=%016" PRIx64,
			       mpc->sender_key);
		}
		return;
	}
	const char *name;
	if (mptcpscan_mptcp_subtype_name(mptcp.subtype, &name) !=
	    MPTCPSCAN_RESULT_OK) {
		name = "unknown";
	}
	append(buf, size, used, "MPTCP:%s", name);
}

/*
 * The reply's options as text, e.g.
 * "MSS:1460,SACKPERM,TS:123:456,NOP,WS:7,MP_CAPABLE:v1:flags=0x01:key=...":
 * the library walks and decodes, this only prints.
 */
static void describe_options(char *buf, size_t size, const uint8_t *area,
			     size_t area_len, uint32_t version)
{
	size_t used = 0;
	buf[0] = '\0';
	struct mptcpscan_tcp_option opt;
	for (size_t off = 0; off < area_len; off = opt.next) {
		if (off) {
			append(buf, size, &used, ",");
		}
		mptcpscan_result rc =
		    mptcpscan_option_next(area, area_len, off, &opt);
		if (rc != MPTCPSCAN_RESULT_OK) {
			append(buf, size, &used, "malformed(%s)",
			       mptcpscan_strerror(rc));
			return;
		}
		switch (opt.kind) {
		case MPTCPSCAN_OPTION_KIND_EOL:
			append(buf, size, &used, "EOL");
			break;
		case MPTCPSCAN_OPTION_KIND_NOP:
			append(buf, size, &used, "NOP");
			break;
		case MPTCPSCAN_OPTION_KIND_MSS:
			append(buf, size, &used, "MSS:%u", (unsigned)opt.mss);
			break;
		case MPTCPSCAN_OPTION_KIND_WINDOW_SCALE:
			append(buf, size, &used, "WS:%u",
			       (unsigned)opt.window_scale);
			break;
		case MPTCPSCAN_OPTION_KIND_SACK_PERMITTED:
			append(buf, size, &used, "SACKPERM");
			break;
		case MPTCPSCAN_OPTION_KIND_SACK:
			append(buf, size, &used, "SACK:%zu",
			       opt.data_length / 8);
			break;
		case MPTCPSCAN_OPTION_KIND_TIMESTAMP:
			append(buf, size, &used, "TS:%" PRIu32 ":%" PRIu32,
			       opt.tsval, opt.tsecr);
			break;
		case MPTCPSCAN_OPTION_KIND_MPTCP:
			describe_mptcp(buf, size, &used, area + opt.offset,
				       opt.length, version);
			break;
		default:
			append(buf, size, &used, "KIND%u:", (unsigned)opt.kind);
			for (size_t i = 0; i < opt.data_length; i++) {
				append(buf, size, &used, "%02x",
				       area[opt.data_offset + i]);
			}
			break;
		}
	}
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
	const char *verdict = NULL;
	if (cls->verdict < sizeof(verdict_names) / sizeof(verdict_names[0])) {
		verdict = verdict_names[cls->verdict];
	}
	if (verdict) {
		fs_add_constchar(fs, "mptcp_verdict", verdict);
	} else {
		fs_add_null(fs, "mptcp_verdict");
	}
	char signals[SIGNALS_TEXT_LEN];
	size_t written;
	if (cls->verdict != MPTCPSCAN_VERDICT_RST &&
	    mptcpscan_signals_format(cls->signals, signals, sizeof(signals),
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

static void process_tcp(const struct ip *ip, uint32_t len, fieldset_t *fs,
			uint32_t *validation)
{
	size_t ip_header_len = 4 * (size_t)ip->ip_hl;
	const struct tcphdr *tcp =
	    (const struct tcphdr *)((const uint8_t *)ip + ip_header_len);
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
	mptcpscan_result rc =
	    mptcpscan_classify_ip(&probe->info, ntohl(validation[0]),
				  (const uint8_t *)ip, len, &cls);
	if (rc == MPTCPSCAN_RESULT_OK) {
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
	char text[OPTIONS_TEXT_LEN];
	if (rc == MPTCPSCAN_RESULT_OK) {
		describe_options(text, sizeof(text), options, options_len,
				 probe->info.version);
	} else {
		snprintf(text, sizeof(text), "unreadable(%s)",
			 mptcpscan_strerror(rc));
	}
	fs_add_string(fs, "optionstext", copy_string(text), 1);
	fs_add_null_icmp(fs);
}

static void process_icmp(const struct ip *ip, uint32_t len, fieldset_t *fs)
{
	fs_add_null(fs, "sport");
	fs_add_null(fs, "dport");
	fs_add_null(fs, "seqnum");
	fs_add_null(fs, "acknum");
	fs_add_null(fs, "window");
	fs_add_constchar(fs, "classification", "icmp");
	fs_add_bool(fs, "success", 0);

	const uint8_t *icmp = (const uint8_t *)ip + 4 * ip->ip_hl;
	const struct ip *inner = (const struct ip *)(icmp + ICMP_MINLEN);
	const struct tcphdr *tcp = quoted_tcp(ip);
	uint32_t probe_validation[VALIDATE_BYTES / sizeof(uint32_t)];
	validate_gen(ip->ip_dst.s_addr, inner->ip_dst.s_addr, tcp->th_dport,
		     (uint8_t *)probe_validation);
	const struct probe *probe = &probes[mptcp_slot_of_port(
	    ntohs(tcp->th_sport), probe_validation)];
	fs_add_uint64(fs, "mptcp_probe_version", probe->info.version);
	add_null_mptcp_fields(fs);
	fs_add_null(fs, "optionshex");
	fs_add_null(fs, "optionstext");
	fs_populate_icmp_from_iphdr((struct ip *)ip, len, fs);
}

static void mptcp_process_packet(const u_char *packet, uint32_t len,
				 fieldset_t *fs, uint32_t *validation,
				 UNUSED struct timespec ts)
{
	const struct ip *ip = (const struct ip *)(packet + ETHER_LEN);
	if (ip->ip_p == IPPROTO_TCP) {
		process_tcp(ip, len - ETHER_LEN, fs, validation);
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
     .desc = "capable, mirrored (our probe came back), absent (no "
	     "MP_CAPABLE), modified (suspicious: trace the path) or "
	     "malformed"},
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
     .desc = "the reply's TCP options as text"},
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
	"each SYN-ACK with libmptcpscan: mptcp_verdict is capable, mirrored "
	"(a middlebox sent our option back), absent, modified (suspicious: "
	"trace the path) or malformed; mptcp_signals says why. A SYN-ACK is a "
	"success, a RST or ICMP error is not. --probe-args takes "
	"comma-separated key=value pairs: version=1 (default; RFC 8684), 0 "
	"(RFC 6824, the key in the SYN) or both (even probe numbers v1, odd "
	"ones v0: use -P 2 and --dedup-method=none); key=<16 hex digits>, the "
	"v0 key (default: random per scan); options=linux (default), windows, "
	"bsd, minimal, study2021 (the 2020/2021 scans' block) or hex:<bytes> "
	"(options put before MP_CAPABLE)."};
